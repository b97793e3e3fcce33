"""The HR area: its start page, and the registration of every HR page and download.

Admins (HR administrators) use all of it. Leads proctor: they see the sessions, open and
close them, issue access codes and watch the dashboard.
"""

from __future__ import annotations

from nicegui import ui

from simulator import auth, hr_audit, hr_downloads, hr_profiles, hr_session_page, hr_sessions, hr_users
from simulator.frame import frame

SECTIONS = (
    ("Exam sessions", "Plan a session, put candidates on its roster, issue access codes, open it and watch the "
     "candidates' progress live; grant retakes; download the results.", "/hr/sessions"),
    ("Exam profiles", "What an exam consists of: the tests, their times and forms, the pass marks, attempts "
     "allowed and how long a certificate is valid.", "/hr/profiles"),
    ("Accounts", "Create accounts for HR staff, team leads and trainees; each gets a first password once.",
     "/hr/users"),
    ("Audit chain", "Every HR decision in order, and a check that nothing in it was changed.", "/hr/audit"),
    ("Verify a score report", "Check a score report's verification code against the records.", "/verify"),
)


def register() -> None:
    @ui.page("/hr")
    def hr_home() -> None:
        if auth.require("admin") is None:
            return
        with frame("HR exams and results"):
            ui.label("What would you like to do? A new exam goes: profile, then session, then roster and access "
                     "codes, then open the session on the day.").classes("text-gray-700")
            with ui.grid(columns=2).classes("w-full gap-4"):
                for title, purpose, target in SECTIONS:
                    with ui.card().classes("w-full p-4 gap-2").mark(f"hr-{target}"):
                        ui.label(title).classes("text-lg font-semibold")
                        ui.label(purpose)
                        ui.button(f"Open {title.lower()}", on_click=lambda t=target: ui.navigate.to(t)).props(
                            "unelevated")

    hr_users.register()
    hr_profiles.register()
    hr_sessions.register()
    hr_session_page.register()
    hr_downloads.register()
    hr_audit.register()
