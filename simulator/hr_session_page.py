"""One exam session: its facts and status, then tabs for the dashboard, the roster, access
codes, HR decisions (admins) and results (admins).

Admins do everything here. Leads (proctors) open and close the session, issue access codes
and watch the dashboard; the roster, decisions and downloads are for admins.
"""

from __future__ import annotations

from nicegui import ui

from assessments import exams
from assessments.errors import NotFound, NotPermitted
from assessments.models import User
from results.database import session_factory
from simulator import auth, hr_codes, hr_dashboard, hr_decisions, hr_roster
from simulator.frame import frame
from simulator.hr_common import PRINT_CSS, SESSION_COLOURS, SESSION_STATUS, back_link, session_title

TEST_WORDS = {"tenkey": "10-key", "scenario": "call scenario"}
FIRST_TAB = {"planned": "roster", "open": "dashboard", "closed": "results"}


def register() -> None:
    @ui.page("/hr/sessions/{session_id}")
    def session_page(session_id: int, tab: str = "") -> None:
        user = auth.require("admin", "lead")
        if user is None:
            return
        with session_factory()() as session:
            try:
                row = exams.get_session(session, session_id)
                title, status = session_title(row), row.status
            except NotFound:
                title = status = None
        with frame("Exam session", wide=True):
            ui.add_head_html(PRINT_CSS)
            back_link("Exam sessions", "/hr/sessions")
            if title is None:
                ui.label(f"There is no exam session {session_id}.").classes("text-lg").mark("not-found")
                return
            SessionPage(user, session_id, status).build(title, tab)


class SessionPage:
    def __init__(self, user: User, session_id: int, status: str) -> None:
        self.user = user
        self.session_id = session_id
        self.status = status
        self.admin = user.role == "admin"

    def build(self, title: str, tab: str) -> None:
        with ui.row().classes("w-full items-center justify-between no-print"):
            ui.label(title).classes("text-xl font-semibold").mark("session-title")
            ui.badge(SESSION_STATUS[self.status], color=SESSION_COLOURS[self.status]).classes(
                "text-base px-3 py-1").mark("session-status")
        self._facts_and_next_step()
        names = ["dashboard", "roster", "codes"] + (["decisions", "results"] if self.admin else [])
        labels = {"dashboard": "Live dashboard", "roster": "Roster", "codes": "Access codes",
                  "decisions": "Retakes and interruptions", "results": "Results"}
        chosen = tab if tab in names else FIRST_TAB[self.status] if FIRST_TAB[self.status] in names else "dashboard"
        with ui.tabs().classes("w-full no-print").props("align=left") as tabs:
            tab_elements = {name: ui.tab(name, label=labels[name]).mark(f"tab-{name}") for name in names}
        with ui.tab_panels(tabs, value=tab_elements[chosen]).classes("w-full bg-transparent"):
            with ui.tab_panel(tab_elements["dashboard"]).classes("px-0"):
                dashboard = hr_dashboard.Dashboard(self.session_id, admin=self.admin)
                dashboard.build()
            codes = hr_codes.CodesSection(self.user, self.session_id, self.status, on_change=dashboard.update)
            dashboard.listeners.append(codes.refresh_options)  # the roster and check-ins change its choices
            with ui.tab_panel(tab_elements["roster"]).classes("px-0"):
                hr_roster.RosterSection(self.user, self.session_id, self.status, on_change=dashboard.update).build()
            with ui.tab_panel(tab_elements["codes"]).classes("px-0"):
                codes.build()
            if self.admin:
                with ui.tab_panel(tab_elements["decisions"]).classes("px-0"):
                    decisions = hr_decisions.Decisions(self.user, self.session_id, on_change=dashboard.update)
                    decisions.build()
                    dashboard.listeners.append(decisions.update)
                with ui.tab_panel(tab_elements["results"]).classes("px-0"):
                    _results_tab(self.session_id)

    def _facts_and_next_step(self) -> None:
        with session_factory()() as session:
            row = exams.get_session(session, self.session_id)
            proctor, count = row.proctor.username, len(row.roster)
            waiting = sum(1 for e in row.roster if e.status == "waiting")
            components = sorted((c.component for c in row.profile.components),
                                key=("typing", "tenkey", "scenario").index)
        ui.label(f"Proctor: {proctor}. {count} candidate{'s' if count != 1 else ''} on the roster, {waiting} not "
                 f"checked in yet. Tests: {', '.join(TEST_WORDS.get(c, c) for c in components)}."
                 ).classes("text-gray-700 no-print")
        if self.status == "planned":
            step = ("Next: put the candidates on the roster, issue their access codes and print the slips; on the "
                    "day, open the session so they can start." if self.admin else
                    "Next: issue the access codes and print the slips; open the session when the candidates are "
                    "seated.")
        elif self.status == "open":
            step = ("The session is open: candidates check in with their codes at /exam and start their tests. "
                    "Watch the live dashboard; close the session when everyone is done.")
        else:
            step = "The session is closed: no more check-ins or tests." + (
                " Download the results or print the summary in the Results tab." if self.admin else "")
        with ui.card().classes("w-full p-3 bg-blue-50 no-print"):
            ui.label(step).mark("next-step")
            with ui.row().classes("gap-3"):
                if self.status == "planned":
                    ui.button("Open the session now", on_click=lambda: self._confirm("open")).props(
                        "unelevated").mark("open-session")
                elif self.status == "open":
                    ui.button("Close the session", on_click=lambda: self._confirm("close")).props(
                        "unelevated color=blue-grey-8").mark("close-session")

    def _confirm(self, action: str) -> None:
        text = ("Open the session? Candidates who have checked in can then start their tests." if action == "open"
                else "Close the session? Nobody can check in or start a test after this, and it cannot be "
                     "opened again. Tests under way can still be finished.")
        with ui.dialog() as dialog, ui.card().classes("p-6 gap-4"):
            ui.label(text).classes("text-lg")
            with ui.row().classes("gap-3"):
                ui.button("Yes, open it" if action == "open" else "Yes, close it",
                          on_click=lambda: self._move(action, dialog)).props("unelevated").mark("confirm")
                ui.button("Cancel", on_click=dialog.close).props("outline")
        dialog.open()

    def _move(self, action: str, dialog: ui.dialog) -> None:
        try:
            with session_factory()() as session:
                (exams.open_session if action == "open" else exams.close_session)(session, self.user, self.session_id)
        except NotPermitted as error:
            dialog.close()
            ui.notify(str(error), type="negative")
            return
        dialog.close()
        ui.navigate.to(f"/hr/sessions/{self.session_id}")


def _results_tab(session_id: int) -> None:
    ui.label("The results of every attempt in this session, for HR's files. Each candidate's score report "
             "(PDF) is on the live dashboard next to the attempt.").classes("text-gray-700")
    with ui.row().classes("gap-3"):
        ui.link("Download every attempt as CSV", f"/hr/sessions/{session_id}/attempts.csv").props(
            "download").classes("q-btn q-btn--outline px-3 py-2 rounded").mark("csv-link")
        ui.link("Printable session summary", f"/hr/sessions/{session_id}/summary").classes(
            "q-btn q-btn--outline px-3 py-2 rounded").mark("summary-link")
