"""Exam sessions: the list (admins and leads) and planning a new one (admins)."""

from __future__ import annotations

from datetime import date

from nicegui import ui
from sqlalchemy import select

from assessments import exams
from assessments.errors import InvalidInput
from assessments.models import User
from results.database import session_factory
from simulator import auth
from simulator.frame import frame
from simulator.hr_common import SESSION_COLOURS, SESSION_STATUS, back_link, problem_box


def register() -> None:
    @ui.page("/hr/sessions")
    def sessions_page() -> None:
        user = auth.require("admin", "lead")
        if user is None:
            return
        with frame("Exam sessions"):
            if user.role == "admin":
                back_link("HR exams and results", "/hr")
            _session_list(user)

    @ui.page("/hr/sessions/new")
    def new_session_page() -> None:
        admin = auth.require("admin")
        if admin is None:
            return
        with frame("Plan an exam session"):
            back_link("Exam sessions", "/hr/sessions")
            _session_form(admin)


def _session_list(user: User) -> None:
    with session_factory()() as session:
        rows = exams.list_sessions(session)
        ui.label("Open a session to see its roster, issue access codes and watch the candidates live."
                 + (" A new session needs an exam profile first." if user.role == "admin" else "")).classes(
            "text-gray-700")
        if user.role == "admin":
            ui.button("Plan a session", on_click=lambda: ui.navigate.to("/hr/sessions/new")).props(
                "unelevated").mark("new-session")
        if not rows:
            ui.label("There are no exam sessions yet.").classes("text-lg").mark("no-sessions")
            return
        for row in rows:
            with ui.card().classes("w-full p-4 gap-1").mark(f"session-{row.id}"):
                with ui.row().classes("w-full items-center justify-between"):
                    ui.link(f"{row.day:%A %d %B %Y}: {row.profile.name}", f"/hr/sessions/{row.id}").classes(
                        "text-lg font-semibold")
                    ui.badge(SESSION_STATUS[row.status], color=SESSION_COLOURS[row.status])
                ui.label(f"{row.place}. Proctor: {row.proctor.username}. {len(row.roster)} candidate"
                         f"{'s' if len(row.roster) != 1 else ''} on the roster.")


def _session_form(admin: User) -> None:
    with session_factory()() as session:
        profiles = {p.id: p.name for p in exams.list_profiles(session)}
        proctors = {u.id: f"{u.username} ({auth.ROLE_NAMES[u.role]})" for u in session.scalars(
            select(User).where(User.active.is_(True), User.role.in_(("admin", "lead"))).order_by(User.username))}
    if not profiles:
        ui.label("There is no exam profile yet: a session runs a profile, so make one first.").classes(
            "text-lg").mark("no-profiles")
        ui.button("New profile", on_click=lambda: ui.navigate.to("/hr/profiles/new")).props("unelevated")
        return
    with ui.card().classes("w-full max-w-2xl p-6 gap-3").mark("session-form"):
        profile = ui.select(profiles, value=next(iter(profiles)), label="Exam profile").props("outlined").classes(
            "w-full").mark("session-profile")
        day = ui.input("Date", value=date.today().isoformat()).props("outlined type=date").classes("w-64").mark(
            "session-day")
        place = ui.input("Place", placeholder="e.g. Customer Service training room, 2nd floor").props(
            "outlined").classes("w-full").mark("session-place")
        proctor = ui.select(proctors, value=admin.id if admin.id in proctors else next(iter(proctors), None),
                            label="Proctor").props("outlined").classes("w-full").mark("session-proctor")
        problems = ui.column().classes("w-full")

        def create() -> None:
            try:
                when = date.fromisoformat((day.value or "").strip())
            except ValueError:
                problem_box(problems, ["date: give the day as YYYY-MM-DD, e.g. 2025-03-14"],
                            "The session was not planned:")
                return
            try:
                with session_factory()() as session:
                    row = exams.create_session(session, admin, profile.value, when, place.value or "",
                                               proctor.value or 0)
            except InvalidInput as error:
                problem_box(problems, error.problems, "The session was not planned:")
                return
            ui.navigate.to(f"/hr/sessions/{row.id}")

        ui.button("Plan the session", on_click=create).props("unelevated size=lg").mark("create-session")
