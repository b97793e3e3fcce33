"""Who may open what: every page and route, for every kind of browser.

Six browsers: nobody signed in, a trainee's account (role candidate), the browser checked in
with the access code of roster entry 1, the one checked in for entry 2, a lead, an admin.
Each cell of the table below is allowed (the page's own content shows) or refused (a notice
saying whom it is for, or the sign-in form; a route answers 401 or 403). Refused cells also
prove that nothing of the page leaked: no score, no lead script with the caller's hidden
facts and the amounts the grader expects.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

import pytest
from nicegui.testing import User

from assessments import accounts, codes, exam_attempts, interruptions
from results.database import session_factory
from simulator import call_sessions
from tests.ui.call_helpers import SCENARIO, _use_template, small_template  # noqa: F401
from tests.ui.test_hr_pages import (
    LEAD,
    LEAD_PASSWORD,
    exam_world,
    practice_attempt,
    start,
    type_and_finish,
    type_only,
)
from tests.ui.test_signin_and_roles import ADMIN, ADMIN_PASSWORD, fast_first_admin, sign_in  # noqa: F401

ANON, TRAINEE, EXAM1, EXAM2, LEAD_ROLE, ADMIN_ROLE = "anonymous", "candidate", "exam-entry-1", "exam-entry-2", \
    "lead", "admin"
EVERYONE = {ANON, TRAINEE, EXAM1, EXAM2, LEAD_ROLE, ADMIN_ROLE}
ACCOUNTS = {TRAINEE, LEAD_ROLE, ADMIN_ROLE}  # signed in with an account
STAFF = {LEAD_ROLE, ADMIN_ROLE}
ADMINS = {ADMIN_ROLE}
TRAINEE_PASSWORD = "trainee password 1"
REFUSED_MARKERS = ("refused", "signin-form")


@dataclass(frozen=True)
class Page:
    path: str  # with {ids} from the world
    allowed: set[str]
    marker: str  # what the page shows when it is allowed
    per_role: dict[str, str] = field(default_factory=dict)  # another marker for some roles
    secret: str | None = None  # a marker that must never show when refused


PAGES = (
    Page("/", EVERYONE, "area-Practise typing"),
    Page("/signin", EVERYONE, "signin-form", {TRAINEE: "already-signed-in", LEAD_ROLE: "already-signed-in",
                                              ADMIN_ROLE: "already-signed-in"}),
    Page("/verify", EVERYONE, "verify-code"),
    Page("/practice", EVERYONE, "to-exam"),
    Page("/typing", EVERYONE, "start"),
    Page("/tenkey", EVERYONE, "start"),
    Page("/tenkey/drill", EVERYONE, "start"),
    Page("/exam", EVERYONE, "code", {EXAM1: "exam-session", EXAM2: "exam-session"}),
    Page("/station-check/999?token=wrong", EVERYONE, "invalid"),  # a station check link carries its own token
    # practice attempts: whoever holds the link
    Page("/typing/attempt/{practice_new}", EVERYONE, "typing-area"),
    Page("/typing/result/{practice_done}", EVERYONE, "verdict"),
    # exam attempts: the candidate's own browser (the result itself is for HR), HR and leads
    Page("/typing/result/{exam1_done}", {EXAM1, LEAD_ROLE, ADMIN_ROLE}, "verdict", {EXAM1: "result-withheld"},
         secret="verdict"),
    Page("/exam/test/{exam1_new}", {EXAM1}, "entry-area", secret="entry-area"),
    Page("/tenkey/attempt/{exam1_new}", {EXAM1}, "entry-area", secret="entry-area"),
    Page("/exam/test/{exam2_new}", {EXAM2}, "typing-area", secret="typing-area"),
    Page("/attempts/{exam1_done}/replay", STAFF, "replay-heading", secret="replay-player"),
    # accounts
    Page("/account/password", ACCOUNTS, "password-form"),
    # training: trainees, leads and admins; leads and admins follow progress and play callers
    Page("/cis", ACCOUNTS, "search"),
    Page("/calls", ACCOUNTS, f"scenario-{SCENARIO}"),
    Page("/calls/{call}", ACCOUNTS, "cis-panel"),
    Page("/calls/result/{call}", ACCOUNTS, "not-graded"),
    Page("/calls/active", STAFF, "active-calls", secret="active-calls"),
    Page("/calls/{call}/lead?code={lead_code}", STAFF, "script", secret="script"),
    Page("/progress", STAFF, "attempts", secret="attempts"),
    # exam administration
    Page("/hr/sessions", STAFF, "session-{session}"),
    Page("/hr/sessions/{session}", STAFF, "session-title", secret="dashboard"),
    Page("/sessions/{session}/stations", STAFF, "no-station-checks"),
    Page("/hr", ADMINS, "hr-/hr/sessions"),
    Page("/hr/users", ADMINS, "create-user", secret="user-table"),
    Page("/hr/profiles", ADMINS, "new-profile"),
    Page("/hr/profiles/new", ADMINS, "create-profile"),
    Page("/hr/sessions/new", ADMINS, "session-form"),
    Page("/hr/sessions/{session}/summary", ADMINS, "summary", secret="summary-attempts"),
    Page("/hr/audit", ADMINS, "verify-chain", secret="audit-table"),
)


@dataclass(frozen=True)
class Route:
    method: str
    path: str
    allowed: set[str]
    ok_status: int  # what an allowed browser gets (422: the deliberately malformed body got past the check)


MALFORMED = b'{"not": "a batch"}'
ROUTES = (
    Route("POST", "/api/attempts/{practice_new}/keystrokes", EVERYONE, 422),
    Route("POST", "/api/attempts/{practice_new}/finish", EVERYONE, 422),
    Route("POST", "/api/attempts/{exam1_new}/keystrokes", {EXAM1, LEAD_ROLE, ADMIN_ROLE}, 422),
    Route("POST", "/api/attempts/{exam1_new}/finish", {EXAM1, LEAD_ROLE, ADMIN_ROLE}, 422),
    Route("POST", "/api/attempts/{exam2_new}/keystrokes", {EXAM2, LEAD_ROLE, ADMIN_ROLE}, 422),
    Route("GET", "/hr/attempts/{exam1_done}/report.pdf", ADMINS, 200),
    Route("GET", "/hr/attempts/{practice_done}/report.pdf", ADMINS, 200),
    Route("GET", "/hr/sessions/{session}/attempts.csv", ADMINS, 200),
    Route("GET", "/calls/{call}/actions.json", STAFF, 200),  # a graded call's log is an answer key
)


def build_world() -> dict[str, object]:
    """Accounts, an open session with two checked-in candidates and their attempts, practice
    attempts, and a lead-led call."""
    with session_factory()() as s:
        admin = accounts.find_user(s, ADMIN)
        accounts.create_user(s, "trainee.one", TRAINEE_PASSWORD, "candidate", actor=admin)
    world = exam_world(names=("Ana Ruiz", "Bo Chen"), components=("typing", "tenkey"))
    entry1, entry2 = world.entry_ids
    exam1_done = start(entry1, "typing")
    type_and_finish(exam1_done, "The quick brown fox jumps")
    exam1_new, exam2_new = start(entry1, "tenkey"), start(entry2, "typing")
    practice_done, practice_new = practice_attempt("Pat Practice"), practice_attempt("Pat Practice")
    type_and_finish(practice_done, "The quick")
    call = call_sessions.start_call("Lee Trainee", SCENARIO, caller="lead")
    return {"session": world.session_id, "entry1": entry1, "entry2": entry2, "exam1_done": exam1_done.id,
            "exam1_new": exam1_new.id, "exam2_new": exam2_new.id, "practice_done": practice_done.id,
            "practice_new": practice_new.id, "call": call, "lead_code": call_sessions.attempt(call).lead_code}


async def check_in_with_a_code(user: User, entry_id: int) -> None:
    """What a candidate does at the exam computer: type the code from the slip at /exam."""
    with session_factory()() as s:
        issued = codes.issue_code(s, accounts.find_user(s, LEAD), entry_id)
    await user.open("/exam")
    user.find(marker="code").type(issued.code)
    user.find(marker="check-in").click()
    await user.should_see(marker="exam-session", retries=40)


async def become(user: User, role: str, ids: dict[str, object]) -> None:
    if role == ANON:
        await user.open("/")
    elif role == TRAINEE:
        await sign_in(user, "trainee.one", TRAINEE_PASSWORD)
    elif role in (EXAM1, EXAM2):
        await check_in_with_a_code(user, ids["entry1" if role == EXAM1 else "entry2"])
    else:
        await sign_in(user, *((LEAD, LEAD_PASSWORD) if role == LEAD_ROLE else (ADMIN, ADMIN_PASSWORD)))


async def outcome(user: User, allowed_marker: str) -> str:
    """'allowed', 'refused' or 'nothing', once the page (and any page it sends on to) shows."""
    for _ in range(60):
        if user._sees(None, None, allowed_marker, None):  # noqa: SLF001 - the same test should_see makes
            return "allowed"
        if any(user._sees(None, None, marker, None) for marker in REFUSED_MARKERS):  # noqa: SLF001
            return "refused"
        await asyncio.sleep(0.05)
    return "nothing"


@pytest.mark.parametrize("role", [ANON, TRAINEE, EXAM1, EXAM2, LEAD_ROLE, ADMIN_ROLE])
async def test_every_page_and_route_for_every_kind_of_browser(user: User, role: str) -> None:
    ids = build_world()
    await become(user, role, ids)
    wrong = []
    for page in PAGES:
        path = page.path.format(**ids)
        marker = page.per_role.get(role, page.marker).format(**ids)
        await user.open(path)
        got = await outcome(user, marker)
        expected = "allowed" if role in page.allowed else "refused"
        if got != expected:
            wrong.append(f"{path}: expected {expected}, got {got}")
        elif expected == "refused" and page.secret and user._sees(None, None, page.secret, None):  # noqa: SLF001
            wrong.append(f"{path}: refused, but {page.secret!r} is on the page")
        if role in (EXAM1, EXAM2) and expected == "allowed" and user._sees(None, None, "verdict", None) \
                and page.path.startswith("/typing/result/{exam"):  # noqa: SLF001
            wrong.append(f"{path}: a candidate saw the exam score")
    for route in ROUTES:
        path = route.path.format(**ids)
        if route.method == "GET":
            response = await user.http_client.get(path)
        else:
            response = await user.http_client.post(path, content=MALFORMED,
                                                   headers={"Content-Type": "application/json"})
        if role in route.allowed:
            if response.status_code != route.ok_status:
                wrong.append(f"{route.method} {path}: expected {route.ok_status}, got {response.status_code}")
        elif response.status_code not in (401, 403):
            wrong.append(f"{route.method} {path}: expected 401/403, got {response.status_code}")
        elif b"%PDF" in response.content[:8] or b"attempt_id," in response.content:
            wrong.append(f"{route.method} {path}: refused, but the file came with the refusal")
    assert not wrong, f"{role}:\n" + "\n".join(wrong)


async def test_a_voided_attempt_takes_no_more_keystrokes_and_never_scores(user: User) -> None:
    ids = build_world()
    await check_in_with_a_code(user, ids["entry2"])
    attempt_id = ids["exam2_new"]
    with session_factory()() as s:
        from results.models import Attempt

        attempt = s.get(Attempt, attempt_id)
    type_only(attempt, "The quick brown", minutes_ago=5)
    with session_factory()() as s:
        interruptions.decide_interrupted(s, accounts.find_user(s, ADMIN), attempt_id, "retake", "The machine froze")
    from tests.integration.helpers import batch_body, key_events

    body = batch_body(attempt.capture_token, 1, key_events(" fox", 90_000.0), "The quick brown fox")
    response = await user.http_client.post(f"/api/attempts/{attempt_id}/keystrokes", content=body,
                                           headers={"Content-Type": "application/json"})
    assert response.status_code == 409 and response.json()["voided"] is True
    assert "HR replaced this test with a retake" in response.json()["detail"]
    response = await user.http_client.post(f"/api/attempts/{attempt_id}/finish",
                                           json={"token": attempt.capture_token, "reason": "early"})
    assert response.status_code == 409
    with session_factory()() as s:
        assert s.get(Attempt, attempt_id).status == "in_progress" and not s.get(Attempt, attempt_id).scores
        assert exam_attempts.can_start(s, ids["entry2"], "typing").allowed  # the retake is there instead
    await user.open(f"/typing/attempt/{attempt_id}")
    await user.should_see(marker="voided", retries=20)
