"""Signing in and out, and changing one's password.

A wrong password and an unknown username get the same message. Failed sign-ins are
counted per client address with the access codes' throttle (``assessments.throttle``,
its own key prefix): after 3 free failures each one doubles the wait, and a sign-in
during the wait is refused without checking the password.
"""

from __future__ import annotations

from dataclasses import dataclass

from nicegui import run, ui

from assessments import accounts, throttle
from assessments.errors import InvalidInput, NotFound
from assessments.models import User
from results.database import session_factory
from results.models import utcnow
from simulator import auth
from simulator.frame import frame

WRONG = "Wrong username or password. Check both and try again (capital letters matter in the password)."
LANDING = {"admin": "/hr", "lead": "/hr/sessions", "candidate": "/calls"}


@dataclass(frozen=True)
class SignInResult:
    user: User | None
    wait_seconds: int = 0  # > 0: say "try again in N seconds"
    throttled: bool = False  # refused without looking at the password


def throttle_key(client_host: str) -> str:
    return f"signin:{client_host}"


def attempt_sign_in(username: str, password: str, client_host: str) -> SignInResult:
    """Check a sign-in (scrypt work: call it off the event loop); count failures per client."""
    key, now = throttle_key(client_host), utcnow()
    with session_factory()() as session:
        wait = throttle.wait_seconds(session, key, now)
        if wait:
            session.commit()
            return SignInResult(None, wait, throttled=True)
        user = accounts.authenticate(session, username, password) if username.strip() and password else None
        if user is None:
            delay = throttle.note_failure(session, key, now)
            session.commit()
            return SignInResult(None, delay)
        throttle.clear(session, key)
        session.commit()
        return SignInResult(user)


def _client_host() -> str:
    request = ui.context.client.request
    return (request.client.host if request is not None and request.client else None) or "unknown"


def register() -> None:
    @ui.page("/signin")
    def signin(next: str = "") -> None:  # noqa: A002 - the query parameter's name
        with frame("Sign in"):
            _signin_form(auth.safe_next(next, ""))

    @ui.page("/signout")
    def signout(next: str = "") -> None:  # noqa: A002
        auth.sign_out()
        ui.navigate.to(auth.safe_next(next, "/"))

    @ui.page("/account/password")
    def change_password() -> None:
        user = auth.require(*auth.ROLES)
        if user is None:
            return
        with frame("Change your password"):
            _password_form(user)


def _signin_form(next_path: str) -> None:
    user = auth.current_user()
    if user is not None:
        ui.label(f"You are signed in as {user.username} ({auth.ROLE_NAMES[user.role]}).").classes(
            "text-lg").mark("already-signed-in")
        with ui.row().classes("gap-3"):
            ui.button("Continue", on_click=lambda: ui.navigate.to(next_path or LANDING[user.role])).props(
                "unelevated")
            ui.button("Sign out", on_click=lambda: ui.navigate.to("/signout?next=/signin")).props("outline")
        return
    with ui.card().classes("w-full max-w-md p-6 gap-4").mark("signin-form"):
        ui.label("For HR staff, team leads and trainees with an account.").classes("text-gray-700")
        username = ui.input("Username").props('autofocus outlined autocomplete="username"').classes(
            "w-full").mark("username")
        password = ui.input("Password", password=True, password_toggle_button=True).props(
            'outlined autocomplete="current-password"').classes("w-full").mark("password")
        message = ui.label().classes("text-red-800 font-semibold").props('role="alert"').mark("signin-problem")
        button = ui.button("Sign in").props("unelevated size=lg").mark("signin")

        async def submit() -> None:
            if not (username.value or "").strip() or not password.value:
                message.set_text("Enter your username and your password.")
                return
            button.disable()
            try:
                result = await run.io_bound(attempt_sign_in, username.value, password.value, _client_host())
            finally:
                button.enable()
            if result.user is None:
                password.set_value("")
                if result.throttled:
                    message.set_text(f"Too many failed sign-ins from this computer. Try again in "
                                     f"{result.wait_seconds} seconds.")
                elif result.wait_seconds:
                    message.set_text(f"{WRONG} Too many failed sign-ins from this computer: try again in "
                                     f"{result.wait_seconds} seconds.")
                else:
                    message.set_text(WRONG)
                return
            auth.sign_in(result.user)
            ui.navigate.to(next_path or LANDING[result.user.role])

        button.on_click(submit)
        username.on("keydown.enter", lambda: password.run_method("focus"))
        password.on("keydown.enter", submit)
    with ui.card().classes("w-full max-w-md p-4 gap-1 bg-blue-50"):
        ui.label("Here to take an exam?").classes("font-semibold")
        ui.label("You do not need an account: enter the access code from your slip instead.")
        ui.link("Enter my access code", "/exam").mark("exam-link")
    ui.label("Forgotten your password? Ask HR to set up your account again.").classes("text-sm text-gray-600")


def _password_form(user: User) -> None:
    with ui.card().classes("w-full max-w-md p-6 gap-4").mark("password-form"):
        ui.label(f"Signed in as {user.username}. A password has at least 12 characters; a few unrelated words "
                 "make a good one.").classes("text-gray-700")
        current = ui.input("Current password", password=True, password_toggle_button=True).props(
            'autofocus outlined autocomplete="current-password"').classes("w-full").mark("current")
        new = ui.input("New password", password=True, password_toggle_button=True).props(
            'outlined autocomplete="new-password"').classes("w-full").mark("new")
        repeat = ui.input("New password again", password=True, password_toggle_button=True).props(
            'outlined autocomplete="new-password"').classes("w-full").mark("repeat")
        message = ui.label().classes("font-semibold").props('role="alert"').mark("password-message")

        def change(session_user_id: int, old: str, fresh: str) -> User:
            with session_factory()() as session:
                return accounts.change_password(session, session_user_id, old, fresh)

        async def submit() -> None:
            message.classes(replace="font-semibold text-red-800")
            if (new.value or "") != (repeat.value or ""):
                message.set_text("The two new passwords are not the same. Type the new password twice.")
                return
            try:
                changed = await run.io_bound(change, user.id, current.value or "", new.value or "")
            except (InvalidInput, NotFound) as error:
                problems = getattr(error, "problems", [str(error)])
                message.set_text("Not changed: " + "; ".join(problems) + ".")
                return
            auth.sign_in(changed)  # this browser stays signed in; every other one is signed out
            for field in (current, new, repeat):
                field.set_value("")
            message.classes(replace="font-semibold text-green-800")
            message.set_text("Your password is changed. Other browsers signed in as you are signed out.")

        repeat.on("keydown.enter", submit)
        ui.button("Change password", on_click=submit).props("unelevated").mark("change")
