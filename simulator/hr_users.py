"""Accounts (admin): every user, and creating one with a first password shown once."""

from __future__ import annotations

from nicegui import run, ui
from sqlalchemy import select

from assessments import accounts
from assessments.errors import InvalidInput
from assessments.models import User
from assessments.passwords import generate_password
from results.database import session_factory
from simulator import auth
from simulator.frame import frame
from simulator.hr_common import back_link, local_time, problem_box

NEW_ROLES = {"candidate": "Trainee (candidate): practice CIS and call scenarios",
             "lead": "Team lead: proctors sessions, follows trainees' progress",
             "admin": "HR administrator: everything"}


def register() -> None:
    @ui.page("/hr/users")
    def users_page() -> None:
        admin = auth.require("admin")
        if admin is None:
            return
        with frame("Accounts"):
            back_link("HR exams and results", "/hr")
            form = ui.column().classes("w-full")
            user_list = ui.refreshable(_user_list)  # one per page: refreshing touches only this browser
            user_list()
            with form:
                _create_form(admin, user_list.refresh)


def _create(admin_id: int, username: str, role: str, password: str) -> User:
    with session_factory()() as session:
        return accounts.create_user(session, username, password, role, actor=session.get(User, admin_id))


def _create_form(admin: User, refresh_list) -> None:
    with ui.card().classes("w-full max-w-2xl p-6 gap-3").mark("create-user"):
        ui.label("Create an account").classes("text-lg font-semibold")
        ui.label("Usernames are 3 to 64 letters, digits, '.', '_', '-' or '@' (for example ana.ruiz). The first "
                 "password is made for you and shown once: give it to the person, who changes it after signing "
                 "in (by clicking their name in the header).").classes("text-gray-700")
        username = ui.input("Username").props("outlined").classes("w-full").mark("new-username")
        role = ui.radio(NEW_ROLES, value="candidate").mark("new-role")
        result = ui.column().classes("w-full")

        async def create() -> None:
            password = generate_password()
            try:
                user = await run.io_bound(_create, admin.id, username.value or "", role.value, password)
            except InvalidInput as error:
                problem_box(result, error.problems, "The account was not created:")
                return
            result.clear()
            with result, ui.card().classes("w-full p-4 gap-1 bg-green-50").mark("created-user"):
                ui.label(f"Account {user.username} ({auth.ROLE_NAMES[user.role]}) created.").classes(
                    "font-semibold")
                ui.label("First password (shown only now; write it down or hand it over):")
                ui.label(password).classes("font-mono text-2xl font-bold").mark("first-password")
            username.set_value("")
            refresh_list()

        username.on("keydown.enter", create)
        ui.button("Create the account", on_click=create).props("unelevated").mark("create")


def _user_list() -> None:
    with session_factory()() as session:
        users = session.scalars(select(User).order_by(User.role, User.username)).all()
    ui.label(f"{len(users)} account{'s' if len(users) != 1 else ''}").classes("text-lg font-semibold mt-4")
    rows = [{"username": u.username, "role": auth.ROLE_NAMES.get(u.role, u.role),
             "active": "yes" if u.active else "no", "created": local_time(u.created_at),
             "changed": local_time(u.password_changed_at)} for u in users]
    ui.table(columns=[
        {"name": "username", "label": "Username", "field": "username", "align": "left", "sortable": True},
        {"name": "role", "label": "Role", "field": "role", "align": "left", "sortable": True},
        {"name": "active", "label": "Active", "field": "active", "align": "left"},
        {"name": "created", "label": "Created", "field": "created", "align": "left"},
        {"name": "changed", "label": "Password last changed", "field": "changed", "align": "left"},
    ], rows=rows, row_key="username").props("flat bordered").classes("w-full").mark("user-table")
