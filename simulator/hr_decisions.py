"""HR decisions in a session (admins): retakes (a reason is required, and goes into the audit
chain) and tests that stopped mid-way (resume them, or void them for a retake)."""

from __future__ import annotations

from collections.abc import Callable

from nicegui import ui
from sqlalchemy import select

from assessments import exam_attempts, interruptions, roster
from assessments.errors import InvalidInput, NotFound, NotPermitted
from assessments.exams import get_session
from assessments.exam_attempts import LABELS
from assessments.interruptions import InterruptedAttempt
from assessments.models import RetakeGrant, RosterEntry, User
from results.database import session_factory
from simulator.hr_common import local_time, problem_box, success


class Decisions:
    def __init__(self, user: User, session_id: int, *, on_change: Callable[[], None]) -> None:
        self.user = user
        self.session_id = session_id
        self.on_change = on_change
        self.interrupted: list[InterruptedAttempt] | None = None
        self.grants: list[tuple] | None = None

    def build(self) -> None:
        ui.label("Tests that stopped mid-way").classes("text-xl font-semibold")
        ui.label("A test is listed here when nothing has come from it for 2 minutes (browser closed, computer "
                 "failed). Let it resume if the candidate can go on where they stopped; void it for a retake if "
                 "not (the stopped test stays on file as evidence).").classes("text-gray-700")
        self.interrupted_box = ui.column().classes("w-full").mark("interrupted")
        self._decision_dialog()
        ui.label("Grant a retake").classes("text-xl font-semibold mt-6")
        self._retake_form()
        ui.label("Retakes granted in this session").classes("text-lg font-semibold mt-4")
        self.grants_box = ui.column().classes("w-full").mark("grants")
        self.update()

    # --- refreshing -------------------------------------------------------------------------

    def update(self) -> None:
        with session_factory()() as session:
            interrupted = interruptions.list_interrupted(session, self.session_id)
            entries = roster.list_roster(session, self.session_id)
            grants = [(g.id, e.name, LABELS.get(g.component, g.component), g.reason, g.granted_by,
                       local_time(g.granted_at))
                      for g, e in session.execute(select(RetakeGrant, RosterEntry).join(
                          RosterEntry, RetakeGrant.roster_entry_id == RosterEntry.id).where(
                          RosterEntry.session_id == self.session_id).order_by(RetakeGrant.id))]
        options = {e.id: e.name for e in entries}
        if options != self.candidate.options:
            self.candidate.set_options(options, value=self.candidate.value if self.candidate.value in options else None)
        if [i.attempt_id for i in interrupted] != [i.attempt_id for i in self.interrupted or []] \
                or self.interrupted is None:
            self.interrupted = interrupted
            self._render_interrupted()
        if grants != self.grants:
            self.grants = grants
            self._render_grants()

    def _render_interrupted(self) -> None:
        self.interrupted_box.clear()
        with self.interrupted_box:
            if not self.interrupted:
                ui.label("None at the moment.").classes("text-gray-700").mark("none-interrupted")
            for item in self.interrupted:
                with ui.card().classes("w-full p-3").mark(f"interrupted-{item.attempt_id}"):
                    with ui.row().classes("w-full items-center justify-between"):
                        kind = f"{LABELS[item.component]} {'warm-up' if item.warm_up else 'test'}"
                        ui.label(f"{item.name}: {kind}, nothing received since {local_time(item.last_activity)} "
                                 f"({item.idle_seconds // 60} min)").classes("font-semibold")
                        ui.button("Decide", on_click=lambda i=item: self._open_dialog(i)).props("unelevated").mark(
                            f"decide-{item.attempt_id}")

    def _render_grants(self) -> None:
        self.grants_box.clear()
        with self.grants_box:
            if not self.grants:
                ui.label("None yet.").classes("text-gray-700")
            for _id, name, component, reason, by, at in self.grants:
                ui.label(f"{at}: {name}, {component} test, by {by}. Reason: {reason}").mark("grant")

    # --- interrupted tests -----------------------------------------------------------------------

    def _decision_dialog(self) -> None:
        with ui.dialog() as self.dialog, ui.card().classes("p-6 gap-3 w-[36rem]"):
            self.dialog_title = ui.label().classes("text-lg font-semibold")
            self.reason = ui.textarea("Reason (required to void; recorded in the audit chain)").props(
                "outlined").classes("w-full").mark("decision-reason")
            self.dialog_message = ui.column().classes("w-full")
            with ui.row().classes("gap-3"):
                ui.button("Let it resume", on_click=lambda: self._decide("resume")).props("unelevated").mark(
                    "resume")
                ui.button("Void it and grant a retake", on_click=lambda: self._decide("retake")).props(
                    "unelevated color=deep-orange-9").mark("void")
                ui.button("Cancel", on_click=self.dialog.close).props("outline")
        self.deciding: InterruptedAttempt | None = None

    def _open_dialog(self, item: InterruptedAttempt) -> None:
        self.deciding = item
        self.dialog_title.set_text(f"{item.name}'s {LABELS[item.component]} {'warm-up' if item.warm_up else 'test'}")
        self.reason.set_value("")
        self.dialog_message.clear()
        self.dialog.open()

    def _decide(self, decision: str) -> None:
        if self.deciding is None:
            return
        try:
            with session_factory()() as session:
                interruptions.decide_interrupted(session, self.user, self.deciding.attempt_id, decision,
                                                 self.reason.value or "")
        except (InvalidInput, NotPermitted, NotFound) as error:
            problem_box(self.dialog_message, getattr(error, "problems", [str(error)]), "Not decided:")
            return
        self.dialog.close()
        ui.notify(f"{self.deciding.name}: " + ("the test may resume." if decision == "resume" else
                                               "the test is void and a retake is granted."), type="positive")
        self.deciding = None
        self.interrupted = None
        self.on_change()

    # --- retakes ---------------------------------------------------------------------------------

    def _retake_form(self) -> None:
        with ui.card().classes("w-full max-w-2xl p-5 gap-3").mark("retake-form"):
            ui.label("One more attempt at one test for one candidate, for example after a fire alarm or a "
                     "computer fault. The reason is recorded in the audit chain.").classes("text-gray-700")
            self.candidate = ui.select({}, label="Candidate", with_input=True).props("outlined").classes(
                "w-full").mark("retake-candidate")
            with session_factory()() as session:
                names = sorted((c.component for c in get_session(session, self.session_id).profile.components),
                               key=("typing", "tenkey", "scenario").index)
            components = {name: f"{LABELS[name].capitalize()} test" for name in names}
            component = ui.radio(components, value=next(iter(components))).props("inline").mark("retake-component")
            reason = ui.textarea("Reason").props("outlined").classes("w-full").mark("retake-reason")
            message = ui.column().classes("w-full")

            def grant() -> None:
                if self.candidate.value is None:
                    problem_box(message, ["candidate: choose the candidate"], "No retake granted:")
                    return
                try:
                    with session_factory()() as session:
                        exam_attempts.grant_retake(session, self.user, self.candidate.value, component.value,
                                                   reason.value or "")
                except (InvalidInput, NotPermitted, NotFound) as error:
                    problem_box(message, getattr(error, "problems", [str(error)]), "No retake granted:")
                    return
                name = self.candidate.options.get(self.candidate.value, "the candidate")
                success(message, f"Retake granted to {name} for the {components[component.value].lower()}; it is "
                                 "recorded in the audit chain.", "retake-granted")
                reason.set_value("")
                self.on_change()

            ui.button("Grant the retake", on_click=grant).props("unelevated").mark("grant-retake")
