"""Signing in and out, the first administrator, changing passwords, creating accounts, and the
notice a page shows to the wrong role (NiceGUI's simulated user, no browser).

The helpers at the top (fast hashing, the first admin's credentials, ``sign_in``) are
imported by the other HR test modules.
"""

from __future__ import annotations

import pytest
from nicegui import storage
from nicegui.testing import User
from sqlalchemy import select

from assessments import accounts, passwords
from assessments.models import AuditRecord, CodeThrottle
from results.database import session_factory
from simulator import auth
from simulator.app import ensure_first_admin
from simulator.signin_pages import WRONG

FAST = passwords.ScryptParams(n=2**8, r=8, p=1)  # production uses passwords.CURRENT
ADMIN, ADMIN_PASSWORD = "hr.chief", "first admin password"


@pytest.fixture(autouse=True)
def fast_first_admin(monkeypatch):
    """Quick hashing, and the first administrator's name and password from the environment."""
    monkeypatch.setattr(passwords, "CURRENT", FAST)
    monkeypatch.setenv(accounts.ADMIN_USER_ENV, ADMIN)
    monkeypatch.setenv(accounts.ADMIN_PASSWORD_ENV, ADMIN_PASSWORD)


def make_account(username: str, role: str, password: str = "a long enough password") -> None:
    with session_factory()() as session:
        admin = accounts.find_user(session, ADMIN) or accounts.create_user(session, ADMIN, ADMIN_PASSWORD, "admin")
        accounts.create_user(session, username, password, role, actor=admin)


async def sign_in(user: User, username: str, password: str, next_path: str = "") -> None:
    """Sign in through the form and wait until the page after it shows the signed-in name."""
    await user.open("/signin" + (f"?next={next_path}" if next_path else ""))
    user.find(marker="username").type(username)
    user.find(marker="password").type(password)
    user.find(marker="signin").click()
    await user.should_see(marker="nav-user", retries=40)


async def signed_in_as(user: User, monkeypatch, role: str = "lead", username: str = "lead.tester") -> None:
    """For the tests of other areas: an account with ``role`` (quick hashing), signed in on ``user``."""
    monkeypatch.setattr(passwords, "CURRENT", FAST)
    with session_factory()() as session:
        if accounts.find_user(session, username) is None:
            make_account(username, role, "a long enough password")
    await sign_in(user, username, "a long enough password")


def bind_browser_to_entry(user: User, entry_id: int) -> None:
    """What the access-code page does after a good code: bind this browser to the roster entry
    (the user must have opened a page, so that the browser has its session)."""
    token = storage.request_contextvar.set(user.client.request)
    try:
        auth.bind_exam_entry(entry_id)
    finally:
        storage.request_contextvar.reset(token)


async def test_the_first_admin_comes_from_the_environment_and_can_sign_in(user: User) -> None:
    with session_factory()() as session:
        admin = accounts.find_user(session, ADMIN)
        assert admin is not None and admin.role == "admin"
        created = session.scalars(select(AuditRecord).where(AuditRecord.action == "user.created")).one()
        assert created.actor == "system" and ADMIN_PASSWORD not in created.details_json
    await sign_in(user, ADMIN, ADMIN_PASSWORD)
    await user.should_see("HR exams and results")  # an admin lands on the HR area
    await user.should_see(f"{ADMIN} (HR administrator)")


def test_without_a_password_the_first_admin_gets_a_generated_one_shown_once(fresh_database, monkeypatch):
    monkeypatch.delenv(accounts.ADMIN_PASSWORD_ENV)
    shown: list[str] = []
    first = ensure_first_admin(shown.append)
    assert first is not None and first.username == ADMIN and len(first.generated_password) >= 12
    assert len(shown) == 1 and first.generated_password in shown[0]
    with fresh_database() as session:
        assert accounts.authenticate(session, ADMIN, first.generated_password) is not None
    assert ensure_first_admin(shown.append) is None and len(shown) == 1  # never again


async def test_wrong_password_and_unknown_user_get_the_same_message(user: User) -> None:
    await user.open("/signin")
    for username, password in ((ADMIN, "not the password at all"), ("nobody.here", ADMIN_PASSWORD)):
        await _try(user, username, password, WRONG)
        await user.should_not_see(marker="nav-user")
    await user.open("/hr")
    await user.should_see(marker="signin-form")  # still signed out


async def _try(user: User, username: str, password: str, expected: str) -> None:
    """One sign-in through the form; waits for this try's own answer."""
    next(iter(user.find(marker="signin-problem").elements)).set_text("")
    user.find(marker="username").clear().type(username)
    user.find(marker="password").clear().type(password)
    user.find(marker="signin").click()
    await user.should_see(expected, retries=40)


async def test_repeated_failures_are_slowed_down_even_for_the_right_password(user: User) -> None:
    await user.open("/signin")
    for n in range(1, 5):
        await _try(user, ADMIN, f"wrong password {n}", WRONG if n <= 3 else "try again in 2 seconds")
    user.find(marker="username").clear().type(ADMIN)
    user.find(marker="password").clear().type(ADMIN_PASSWORD)
    user.find(marker="signin").click()
    await user.should_see("Too many failed sign-ins from this computer. Try again in", retries=40)
    await user.should_not_see(marker="nav-user")
    with session_factory()() as session:
        assert session.scalars(select(CodeThrottle)).one().failures == 4  # refused without counting


async def test_a_page_for_signed_in_staff_sends_to_sign_in_and_back(user: User) -> None:
    await user.open("/")  # the browser has its session cookie before the redirect, as a real one would
    await user.open("/hr/audit")
    await user.should_see(marker="signin-form", retries=20)
    user.find(marker="username").type(ADMIN)
    user.find(marker="password").type(ADMIN_PASSWORD)
    user.find(marker="signin").click()
    await user.should_see(marker="verify-chain", retries=40)  # back on the page asked for


async def test_next_never_leads_to_another_site(user: User) -> None:
    await sign_in(user, ADMIN, ADMIN_PASSWORD, next_path="//evil.example.org/")
    await user.should_see("HR exams and results")
    assert auth.safe_next("https://evil.example.org") == "/"
    assert auth.safe_next("/\\evil") == "/"
    assert auth.safe_next("/hr/audit?before=5") == "/hr/audit?before=5"


async def test_the_wrong_role_is_told_whom_the_page_is_for(user: User) -> None:
    make_account("lead.one", "lead")
    await sign_in(user, "lead.one", "a long enough password")
    await user.should_see("Exam sessions")  # a lead lands on the sessions
    await user.open("/hr/profiles")
    await user.should_see("This page is for HR administrators. You are signed in as lead.one (team lead).")
    await user.should_see(marker="refused")


async def test_the_navigation_shows_what_the_role_may_use(user: User) -> None:
    await user.open("/")
    await user.should_see(marker="nav-signin")
    await user.should_not_see("Progress")
    await user.should_not_see("Exam sessions")
    make_account("trainee.one", "candidate")
    await sign_in(user, "trainee.one", "a long enough password")
    await user.open("/")
    await user.should_see("Calls")
    await user.should_not_see("Progress")
    await user.should_not_see("Exam sessions")
    user.find(marker="nav-signout").click()
    await user.should_see(marker="nav-signin", retries=20)
    await user.open("/account/password")
    await user.should_see(marker="signin-form", retries=20)


async def test_changing_the_password_signs_other_browsers_out(user: User, create_user) -> None:
    make_account("lead.one", "lead", "old password 1234")
    other = create_user()
    await sign_in(other, "lead.one", "old password 1234")
    await sign_in(user, "lead.one", "old password 1234")
    await user.open("/account/password")
    user.find(marker="current").type("not my password")
    user.find(marker="new").type("new password 5678")
    user.find(marker="repeat").type("new password 5678")
    user.find(marker="change").click()
    await user.should_see("Not changed: current password: it is not the current password.", retries=40)
    user.find(marker="current").clear().type("old password 1234")
    user.find(marker="change").click()
    await user.should_see("Your password is changed.", retries=40)
    await user.open("/hr/sessions")
    await user.should_see(marker="no-sessions")  # still signed in here
    await other.open("/hr/sessions")
    await other.should_see(marker="signin-form", retries=20)  # signed out there
    with session_factory()() as session:
        assert accounts.authenticate(session, "lead.one", "new password 5678") is not None
        assert session.scalars(select(AuditRecord).where(AuditRecord.action == "user.password_changed")).one()


async def test_an_admin_creates_an_account_with_a_first_password_shown_once(user: User, create_user) -> None:
    await sign_in(user, ADMIN, ADMIN_PASSWORD)
    await user.open("/hr/users")
    user.find(marker="new-username").type("x")
    user.find(marker="create").click()
    await user.should_see("The account was not created:", retries=40)
    await user.should_see("username: use 3 to 64 letters")
    user.find(marker="new-username").clear().type("lead.two")
    user.find(marker="new-role").click()
    next(iter(user.find(marker="new-role").elements)).set_value("lead")
    user.find(marker="create").click()
    await user.should_see(marker="first-password", retries=40)
    await user.should_see("Account lead.two (team lead) created.")
    password = next(iter(user.find(marker="first-password").elements)).text
    newcomer = create_user()
    await sign_in(newcomer, "lead.two", password)
    await user.open("/hr/users")
    await user.should_not_see(marker="first-password")  # shown once, never again
