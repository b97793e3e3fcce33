"""Access codes: issue them (every candidate not yet checked in, or one who lost a slip) and
print the slips. A code is shown only here, once: the records keep only a keyed digest."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from nicegui import ui

from assessments import codes, roster
from assessments.codes import IssuedCode
from assessments.errors import NotFound, NotPermitted
from assessments.models import User
from assessments.times import as_utc
from results.certificates import UTILITY_NAME
from results.database import session_factory
from simulator.hr_common import ENTRY_STATUS


class CodesSection:
    def __init__(self, user: User, session_id: int, status: str, *, on_change: Callable[[], None]) -> None:
        self.user = user
        self.session_id = session_id
        self.status = status
        self.on_change = on_change

    def build(self) -> None:
        if self.status == "closed":
            ui.label("The session is closed: no more access codes.").classes("text-lg").mark("codes-closed")
            return
        ui.label("Each candidate checks in at the exam computer with a one-time code from a printed slip. A code "
                 "works once, until the end of the session day. Codes are shown only here and only now: print the "
                 "slips before leaving this page. Issuing a new code for a candidate replaces their unused one."
                 ).classes("text-gray-700 no-print")
        with ui.row().classes("gap-3 items-center no-print"):
            ui.button("Issue codes for everyone not checked in", on_click=self.issue_all).props("unelevated").mark(
                "issue-all")
            self.one = ui.select({}, label="One candidate (e.g. a lost slip)", with_input=True).props(
                "outlined").classes("w-96").mark("code-candidate")
            self.refresh_options()
            ui.button("Issue a new code", on_click=self.issue_one).props("outline").mark("issue-one")
        self.message = ui.label().classes("font-semibold no-print").props('role="status"').mark("codes-message")
        self.slips = ui.column().classes("w-full")

    def refresh_options(self) -> None:
        """The candidates to choose from (after the roster changed, or a check-in)."""
        if not hasattr(self, "one"):
            return
        with session_factory()() as session:
            options = {e.id: f"{e.name} ({ENTRY_STATUS[e.status].lower()})"
                       for e in roster.list_roster(session, self.session_id)}
        if options != self.one.options:
            self.one.set_options(options, value=self.one.value if self.one.value in options else None)

    def issue_all(self) -> None:
        try:
            with session_factory()() as session:
                issued = codes.issue_codes(session, self.user, self.session_id)
        except NotPermitted as error:
            self.message.set_text(str(error))
            return
        if not issued:
            self.message.set_text("Everyone on the roster has checked in already (or the roster is empty): no codes "
                                  "were issued.")
            return
        self._show(issued)

    def issue_one(self) -> None:
        if self.one.value is None:
            self.message.set_text("Choose the candidate first.")
            return
        try:
            with session_factory()() as session:
                issued = codes.issue_code(session, self.user, self.one.value)
        except (NotPermitted, NotFound) as error:
            self.message.set_text(str(error))
            return
        self._show([issued])

    def _show(self, issued: list[IssuedCode]) -> None:
        self.message.set_text(f"{len(issued)} code{'s' if len(issued) != 1 else ''} issued. Print the slips now: "
                              "the codes cannot be shown again.")
        request = ui.context.client.request
        address = f"{str(request.base_url).rstrip('/')}/exam" if request is not None else "/exam"
        self.slips.clear()
        with self.slips:
            ui.button("Print the slips", icon="print", on_click=lambda: ui.run_javascript("window.print()")).props(
                "unelevated").classes("no-print").mark("print-slips")
            with ui.element("div").classes("print-area w-full"):
                with ui.grid(columns=2).classes("w-full gap-4"):
                    for item in issued:
                        _slip(item, address)
        self.on_change()


def _slip(item: IssuedCode, address: str) -> None:
    local = as_utc(item.expires_at).astimezone()
    if (local.hour, local.minute) == (0, 0):  # the usual case: at the end of the session day
        expires = f"the end of {local - timedelta(minutes=1):%A %d %B %Y}"
    else:
        expires = f"{local:%A %d %B %Y, %H:%M}"
    with ui.element("div").classes("slip").mark(f"slip-{item.entry_id}"):
        ui.label(f"{UTILITY_NAME}: skills exam").classes("text-sm text-gray-700")
        ui.label(item.name).classes("text-lg font-semibold")
        ui.label(item.code).classes("slip-code").mark("slip-code")
        ui.label(f"At the exam computer, go to {address} and type this code. It works once, until {expires}.")
        ui.label("Keep it to yourself. If it does not work, ask the proctor.").classes("text-sm text-gray-700")
