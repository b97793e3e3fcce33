"""Who is using this browser: a signed-in account, and/or a candidate checked in for an exam.

Pages call ``require(*roles)`` first thing; routes call ``require_route(request, *roles)``.
An account is remembered in ``app.storage.user`` (server-side, keyed by the signed session
cookie) as its id and the time its password last changed, so changing a password signs
the account out of every other browser. A candidate taking an exam does not sign in: the
access-code page binds the browser to a roster entry (``bind_exam_entry``), and
``exam_entry()`` answers it.

Skills-test attempts: a practice attempt belongs to whoever holds its link; an exam
attempt (linked to a roster entry) only to an admin or lead, or the browser bound to that
roster entry (``attempt_allowed``). Calls: signed-in trainees, leads and admins; a call that is
an exam's call scenario only staff and the browser bound to that roster entry, which may open
that call and nothing else of the call pages (``call_page_access``).
"""

from __future__ import annotations

from urllib.parse import quote

from fastapi import HTTPException, Request
from nicegui import app, context, ui
from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from assessments.audit import format_at
from assessments.exam_attempts import call_owner, is_voided
from assessments.models import ComponentAttempt, ExamProfile, ExamSession, RosterEntry, User
from results.database import session_factory

ROLES = ("admin", "lead", "candidate")
ROLE_NAMES = {"admin": "HR administrator", "lead": "team lead", "candidate": "trainee"}
ROLE_GROUPS = {"admin": "HR administrators", "lead": "team leads", "candidate": "trainees"}
STAFF = ("admin", "lead")  # may open every exam attempt
AUTH_KEY = "auth"  # {"user_id": int, "since": password_changed_at as text}
EXAM_KEY = "exam_entry_id"


def _storage() -> dict | None:
    """This browser's server-side storage, or None outside a request (e.g. a background task)."""
    try:
        return app.storage.user
    except (RuntimeError, AssertionError):
        return None


def _since(user: User) -> str:
    return format_at(user.password_changed_at)


# --------------------------------------------------------------------------- the account


def current_user() -> User | None:
    """The active user signed in on this browser (None when nobody is, or the password changed since)."""
    storage = _storage()
    state = storage.get(AUTH_KEY) if storage is not None else None
    if not isinstance(state, dict) or not isinstance(state.get("user_id"), int):
        return None
    with session_factory()() as session:
        user = session.get(User, state["user_id"])
    if user is None or not user.active or state.get("since") != _since(user):
        return None
    return user


def sign_in(user: User) -> None:
    """Remember ``user`` as this browser's account (after the password was checked)."""
    app.storage.user[AUTH_KEY] = {"user_id": user.id, "since": _since(user)}


def sign_out() -> None:
    """Forget the account; an exam check-in on this browser stays as it is."""
    storage = _storage()
    if storage is not None:
        storage.pop(AUTH_KEY, None)


def role_list(roles: tuple[str, ...] | list[str]) -> str:
    """'HR administrators and team leads' for ('admin', 'lead')."""
    names = [ROLE_GROUPS.get(r, r) for r in roles]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def safe_next(target: str | None, default: str = "/") -> str:
    """A path on this site to go to after signing in (never another site)."""
    target = (target or "").strip()
    if not target.startswith("/") or target.startswith("//") or "\\" in target or any(ord(c) < 32 for c in target):
        return default
    return target


def _this_path() -> str:
    request = context.client.request
    if request is None:
        return "/"
    query = request.url.query
    return request.url.path + (f"?{query}" if query else "")


def signin_url(next_path: str | None = None) -> str:
    return f"/signin?next={quote(next_path or _this_path(), safe='/')}"


def require(*roles: str) -> User | None:
    """Call first thing in a page function; the page returns when it gets None.

    Not signed in: go to /signin (and come back here after). Signed in with another role:
    a notice saying whom the page is for.
    """
    user = current_user()
    if user is None:
        ui.navigate.to(signin_url())
        return None
    if roles and user.role not in roles:
        refusal_page("This page is not for your account",
                     f"This page is for {role_list(roles)}. You are signed in as {user.username} "
                     f"({ROLE_NAMES.get(user.role, user.role)}).", signed_in=True)
        return None
    return user


def refusal_page(title: str, message: str, *, signed_in: bool = False) -> None:
    """A whole page saying why this browser may not see what it asked for, and where to go."""
    from simulator.frame import frame

    with frame(title):
        ui.label(message).classes("text-lg").props('role="alert"').mark("refused")
        with ui.row().classes("gap-3"):
            ui.button("Go to the home page", on_click=lambda: ui.navigate.to("/")).props("unelevated")
            label = "Sign in as someone else" if signed_in else "Sign in"
            target = f"/signout?next={quote(signin_url(), safe='/')}" if signed_in else signin_url()
            ui.button(label, on_click=lambda: ui.navigate.to(target)).props("outline")


def route_user(request: Request) -> User | None:
    """The signed-in user of the browser that sent this request (for FastAPI routes)."""
    return current_user() if "session" in request.scope else None


def require_route(request: Request, *roles: str) -> User:
    """The signed-in user with one of ``roles``; otherwise HTTPException 401 (nobody) or 403 (other role)."""
    user = route_user(request)
    if user is None:
        raise HTTPException(401, "Sign in first (/signin).")
    if roles and user.role not in roles:
        raise HTTPException(403, f"This is for {role_list(roles)} only.")
    return user


# --------------------------------------------------------------------------- the exam check-in


def bind_exam_entry(entry_id: int) -> None:
    """Bind this browser to a roster entry (after its access code was redeemed)."""
    app.storage.user[EXAM_KEY] = int(entry_id)


def release_exam_entry() -> None:
    storage = _storage()
    if storage is not None:
        storage.pop(EXAM_KEY, None)


def exam_entry_id() -> int | None:
    storage = _storage()
    value = storage.get(EXAM_KEY) if storage is not None else None
    return value if isinstance(value, int) else None


def exam_entry() -> RosterEntry | None:
    """The roster entry this browser checked in as (with its session, profile and components loaded)."""
    entry_id = exam_entry_id()
    if entry_id is None:
        return None
    with session_factory()() as session:
        return session.get(RosterEntry, entry_id, options=[
            joinedload(RosterEntry.exam_session).joinedload(ExamSession.profile)
            .selectinload(ExamProfile.components)])


# --------------------------------------------------------------------------- skills-test attempts


def attempt_owner(session: Session, attempt_id: str) -> int | None:
    """The roster entry an exam attempt belongs to; None for a practice attempt."""
    return session.scalar(select(ComponentAttempt.roster_entry_id).where(ComponentAttempt.attempt_id == attempt_id))


def attempt_allowed(session: Session, attempt_id: str, user: User | None, entry_id: int | None) -> bool:
    """Practice attempts: whoever has the link. Exam attempts: admins, leads and the candidate's browser."""
    owner = attempt_owner(session, attempt_id)
    if owner is None:
        return True
    if user is not None and user.role in STAFF:
        return True
    return entry_id is not None and entry_id == owner


def attempt_refusal(attempt_id: str, *, taking: bool = False) -> tuple[int, str, dict] | None:
    """Why this browser may not use the attempt (HTTP status, message, extra JSON), or None.

    ``taking``: sending keystrokes or finishing; an attempt HR voided for a retake is refused then.
    """
    user, entry_id = current_user(), exam_entry_id()
    with session_factory()() as session:
        if not attempt_allowed(session, attempt_id, user, entry_id):
            if user is None and entry_id is None:
                return 401, ("This test belongs to a candidate of an exam session. Check in with your access "
                             "code, or sign in."), {}
            return 403, "This test belongs to another candidate.", {}
        if taking and is_voided(session, attempt_id):
            return 409, ("HR replaced this test with a retake, so it cannot continue. Go back to your exam "
                         "page to start the retake."), {"voided": True}
    return None


def guard_attempt_page(attempt_id: str, *, taking: bool = False) -> bool:
    """For a test or result page: True if this browser may see it; otherwise show why and return False."""
    refusal = attempt_refusal(attempt_id, taking=taking)
    if refusal is None:
        return True
    status, message, extra = refusal
    if extra.get("voided"):
        from simulator.frame import frame

        with frame("This test was replaced"):
            ui.label(message).classes("text-lg").props('role="alert"').mark("voided")
            ui.button("Go to my exam", on_click=lambda: ui.navigate.to("/exam")).props("unelevated")
        return False
    refusal_page("This test is not yours to open", message, signed_in=current_user() is not None)
    return False


def call_page_access(call_id: str) -> str | None:
    """For a call page (the call, its result), first thing: 'candidate' when this is the exam-bound
    browser on its own exam call, 'user' for a signed-in trainee, lead or admin who may see it; None
    when refused (the page saying why, or the way to sign in, is already shown)."""
    with session_factory()() as session:
        owner = call_owner(session, call_id)
    user = current_user()
    if owner is not None and exam_entry_id() == owner and (user is None or user.role not in STAFF):
        return "candidate"
    user = require("candidate", "lead", "admin")
    if user is None:
        return None
    if owner is not None and user.role not in STAFF:
        refusal_page("This call is not yours to open", "This call belongs to a candidate of an exam session.",
                     signed_in=True)
        return None
    return "user"


def require_attempt_route(request: Request, attempt_id: str, *, taking: bool = False) -> None:
    """For a route: raise HTTPException unless this browser may use the attempt."""
    refusal = attempt_refusal(attempt_id, taking=taking) if "session" in request.scope else (
        401, "Check in or sign in first.", {})
    if refusal is not None:
        raise HTTPException(refusal[0], refusal[1])
