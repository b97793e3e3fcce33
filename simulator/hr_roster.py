"""A session's roster: the candidates with their accommodations and status; adding one by
hand; importing a CSV file (every row or none: every bad line is reported)."""

from __future__ import annotations

from collections.abc import Callable

from nicegui import events, ui

from assessments import roster
from assessments.errors import InvalidInput, NotPermitted
from assessments.models import User
from assessments.roster_csv import HEADER
from results.database import session_factory
from simulator.hr_common import ENTRY_STATUS, EXTENDED_TIME, accommodations, problem_box, success

MAX_UPLOAD_BYTES = 1024 * 1024
EXAMPLE = f"{','.join(HEADER)}\nAna Ruiz,ana@example.org,none,no,no\n\"Okafor, Chidi\",,x1.5,yes,no"


class RosterSection:
    def __init__(self, user: User, session_id: int, status: str, *, on_change: Callable[[], None]) -> None:
        self.user = user
        self.session_id = session_id
        self.editable = user.role == "admin" and status != "closed"
        self.on_change = on_change

    def build(self) -> None:
        self.table = ui.column().classes("w-full")
        self._render_table()
        if self.user.role != "admin":
            ui.label("HR administrators put candidates on the roster.").classes("text-gray-700")
            return
        if not self.editable:
            ui.label("The session is closed: its roster cannot change.").classes("text-gray-700")
            return
        with ui.row().classes("w-full gap-4 items-start no-wrap"):
            self._add_form()
            self._import_form()

    def _render_table(self) -> None:
        with session_factory()() as session:
            entries = roster.list_roster(session, self.session_id)
            rows = [{"id": e.id, "name": e.name, "email": e.email or "", "accommodations": accommodations(e),
                     "status": ENTRY_STATUS[e.status]} for e in entries]
        self.table.clear()
        with self.table:
            if not rows:
                ui.label("Nobody is on the roster yet.").classes("text-lg").mark("roster-empty")
                return
            ui.label(f"{len(rows)} candidate{'s' if len(rows) != 1 else ''}").classes("text-lg font-semibold")
            ui.table(columns=[
                {"name": "name", "label": "Name", "field": "name", "align": "left", "sortable": True},
                {"name": "email", "label": "Email", "field": "email", "align": "left"},
                {"name": "accommodations", "label": "Accommodations", "field": "accommodations", "align": "left"},
                {"name": "status", "label": "Status", "field": "status", "align": "left", "sortable": True},
            ], rows=rows, row_key="id").props("flat bordered").classes("w-full").mark("roster-table")

    def _changed(self) -> None:
        self._render_table()
        self.on_change()

    def _add_form(self) -> None:
        with ui.card().classes("p-5 gap-3 w-96 shrink-0").mark("add-candidate"):
            ui.label("Add a candidate").classes("text-lg font-semibold")
            name = ui.input("Full name").props("outlined").classes("w-full").mark("candidate-name")
            email = ui.input("Email (optional)").props("outlined").classes("w-full").mark("candidate-email")
            extended = ui.select(EXTENDED_TIME, value="none", label="Extended time").props("outlined").classes(
                "w-full").mark("candidate-extended")
            large = ui.checkbox("Large text").mark("candidate-large")
            contrast = ui.checkbox("High contrast").mark("candidate-contrast")
            message = ui.column().classes("w-full")

            def add() -> None:
                candidate = {"name": name.value or "", "email": email.value or None, "extended_time": extended.value,
                             "large_text": bool(large.value), "high_contrast": bool(contrast.value)}
                try:
                    with session_factory()() as session:
                        entry = roster.add_candidate(session, self.user, self.session_id, candidate)
                except (InvalidInput, NotPermitted) as error:
                    problem_box(message, getattr(error, "problems", [str(error)]), "Not added:")
                    return
                success(message, f"{entry.name} is on the roster.", "added")
                for field, empty in ((name, ""), (email, ""), (extended, "none"), (large, False), (contrast, False)):
                    field.set_value(empty)
                self._changed()

            name.on("keydown.enter", add)
            ui.button("Add to the roster", on_click=add).props("unelevated").mark("add")

    def _import_form(self) -> None:
        with ui.card().classes("p-5 gap-3 grow min-w-0").mark("import-roster"):
            ui.label("Import a roster file (CSV)").classes("text-lg font-semibold")
            ui.label("A spreadsheet saved as 'CSV UTF-8', with this first line and one line per candidate. "
                     "extended_time is none, x1.5 or x2; large_text and high_contrast are yes or no. Every line is "
                     "checked first: if any line is wrong, nothing is imported and each wrong line is listed.").classes(
                "text-gray-700")
            ui.code(EXAMPLE, language="text").classes("w-full")
            self.import_message = ui.column().classes("w-full")
            self.upload = ui.upload(label="Choose the CSV file", auto_upload=True, max_files=1,
                                    max_file_size=MAX_UPLOAD_BYTES, on_upload=self.imported,
                                    on_rejected=lambda: problem_box(
                                        self.import_message, ["the file is larger than 1 MB; is it the roster?"],
                                        "Nothing was imported:")).props('accept=".csv,text/csv,text/plain"').classes(
                "w-full").mark("roster-upload")

    async def imported(self, event: events.UploadEventArguments) -> None:
        data = await event.file.read()
        self.upload.reset()
        try:
            with session_factory()() as session:
                entries = roster.import_roster(session, self.user, self.session_id, data)
        except (InvalidInput, NotPermitted) as error:
            problems = getattr(error, "problems", [str(error)])
            problem_box(self.import_message, problems,
                        f"Nothing was imported from {event.file.name}. Correct these lines and import the file again:")
            return
        success(self.import_message, f"Imported {len(entries)} candidate{'s' if len(entries) != 1 else ''} from "
                                     f"{event.file.name}.", "imported")
        self._changed()
