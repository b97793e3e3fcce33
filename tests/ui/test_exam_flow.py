"""A candidate's exam through the UI (NiceGUI's simulated user, no browser): the access code, the
check-in, a test with accommodations, back to the check-in, done; stopped and resumed tests;
timing flags; exam mode gone from the practice pages."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from nicegui import storage
from nicegui.testing import User
from sqlalchemy import select

from assessments import codes, exam_attempts, interruptions, passwords
from assessments.models import AccessCode, ComponentAttempt
from results.database import session_factory
from results.finishing import finish_attempt
from results.keystroke_log import ingest_batch, parse_batch
from results.models import Attempt, Incident, utcnow
from simulator import auth
from simulator.capture_page import RESUME_GAP_MS
from tests.integration.helpers import batch_body, key_events
from tests.integration.test_assessments_world import FAST, TYPING_FORM, World, add_candidate, build_world, good_typing
from tests.ui.test_signin_and_roles import make_account, sign_in


@pytest.fixture(autouse=True)
def fast_hashing(monkeypatch):
    monkeypatch.setattr(passwords, "CURRENT", FAST)


def world(**options) -> World:
    return build_world(session_factory(), **options)


def issue(w: World, entry_id: int) -> str:
    with w.session() as s:
        return codes.issue_code(s, w.lead, entry_id).code


async def check_in(user: User, code: str) -> None:
    await user.open("/exam")
    user.find(marker="code").type(code)
    user.find(marker="check-in").click()


async def post(user: User, attempt_id: str, path: str, body: bytes):
    return await user.http_client.post(f"/api/attempts/{attempt_id}/{path}", content=body,
                                       headers={"Content-Type": "application/json"})


def attempts_of(entry_id: int) -> list[Attempt]:
    with session_factory()() as s:
        ids = s.scalars(select(ComponentAttempt.attempt_id).where(ComponentAttempt.roster_entry_id == entry_id)
                        .order_by(ComponentAttempt.id)).all()
        return [s.get(Attempt, i) for i in ids]


async def test_wrong_expired_and_used_codes_get_a_clear_message_and_wrong_ones_are_throttled(user: User) -> None:
    w = world()
    entry = add_candidate(w)
    await check_in(user, "")
    await user.should_see("Type the code from your slip first")
    for _ in range(3):
        user.find(marker="code").clear().type("ABCD-2345")
        user.find(marker="check-in").click()
        await user.should_see("That code is not right")
    user.find(marker="code").clear().type("ABCD-2346")
    user.find(marker="check-in").click()
    await user.should_see("try again in 2 seconds")
    good = issue(w, entry.id)
    user.find(marker="code").clear().type(good)
    user.find(marker="check-in").click()
    await user.should_see("Please wait before trying another code")  # not even looked at during the lock-out
    with session_factory()() as s:
        assert s.get(type(entry), entry.id).status == "waiting"
        assert s.scalars(select(AccessCode)).one().used_at is None


async def test_an_expired_code_and_a_used_code_say_what_to_do(user: User) -> None:
    w = world()
    first, second = add_candidate(w), add_candidate(w, "Bo Chen")
    expired = issue(w, first.id)
    with session_factory()() as s:
        row = s.scalars(select(AccessCode).where(AccessCode.roster_entry_id == first.id)).one()
        row.expires_at = utcnow() - timedelta(minutes=1)
        s.commit()
    await check_in(user, expired)
    await user.should_see("This code expired")
    await user.should_see("Ask the proctor for a new one")
    used = issue(w, second.id)
    with session_factory()() as s:
        codes.redeem_code(s, used, utcnow(), "elsewhere")
    user.find(marker="code").clear().type(used.lower().replace("-", " "))
    user.find(marker="check-in").click()
    await user.should_see("This code was already used")


async def test_the_check_in_shows_the_candidate_the_session_and_each_test_in_plain_words(user: User) -> None:
    w = world(components=("typing", "tenkey"), warm_up_allowed=True)
    entry = add_candidate(w, "Okafor, Chidi", extended_time="x1.5", large_text=True)
    await check_in(user, issue(w, entry.id).lower())
    await user.should_see("Welcome, Okafor, Chidi", retries=20)
    await user.should_see("CSR I exam")
    await user.should_see("Your arrangements: time and a half on every test, larger text.")
    await user.should_see("Typing test")
    await user.should_see("10-key test")
    await user.should_see("1 minute 30 seconds (with your extra time)")  # typing: 60 s x 1.5
    await user.should_see("4 minutes 30 seconds (with your extra time)")  # 10-key: 180 s x 1.5
    await user.should_see("The timer starts with your first key")
    await user.should_see("Backspace corrects")
    await user.should_see("To pass you need 45 net words per minute")
    await user.should_see("Warm up first (1 minute 30 seconds, does not count)")
    with session_factory()() as s:
        assert s.get(type(entry), entry.id).status == "checked_in"
    assert auth_entry(user) == entry.id


def auth_entry(user: User) -> int | None:
    token = storage.request_contextvar.set(user.client.request)
    try:
        return auth.exam_entry_id()
    finally:
        storage.request_contextvar.reset(token)


async def test_a_test_with_extended_time_runs_on_the_exam_page_and_comes_back_to_the_check_in(user: User) -> None:
    w = world()
    entry = add_candidate(w, extended_time="x1.5", large_text=True, high_contrast=True)
    await check_in(user, issue(w, entry.id))
    await user.should_see("Start the typing test", retries=20)
    user.find(marker="start-typing").click()
    await user.should_see("Printed copy", retries=20)
    (attempt,) = attempts_of(entry.id)
    assert (attempt.mode, attempt.form_id, attempt.duration_s) == ("exam", TYPING_FORM, 90)
    await user.should_see("1:30")  # the timer's face: 90 s, not "1:00"
    await user.should_see("1 minute 30 seconds - exam conditions")
    await user.should_not_see(marker="speed")  # no live speed in an exam

    # The public attempt page of an exam attempt leads to the exam's own page.
    await user.open(f"/typing/attempt/{attempt.id}")
    await user.should_see("Printed copy", retries=20)

    typed = good_typing()
    ok = await post(user, attempt.id, "keystrokes", batch_body(attempt.capture_token, 0, key_events(typed, 1000, 150),
                                                               typed))
    assert ok.status_code == 200
    done = await post(user, attempt.id, "finish", json.dumps({"token": attempt.capture_token,
                                                               "reason": "early"}).encode())
    assert done.status_code == 200
    with session_factory()() as s:
        assert s.get(type(entry), entry.id).status == "done"  # the finish route moved the candidate on
    await user.open(f"/exam?saved={attempt.id}")
    await user.should_see("Your typing test is saved. The result goes to HR.")
    await user.should_see("You are done, Ana Ruiz. Please tell the proctor.")
    await user.open("/exam")
    await user.should_see("You are done", retries=20)
    # The candidate is not shown the score: it goes to HR.
    await user.open(f"/typing/result/{attempt.id}")
    await user.should_see(marker="result-withheld")
    await user.should_not_see("net words per minute")


async def test_a_warm_up_does_not_count_and_comes_before_the_test(user: User) -> None:
    w = world(warm_up_allowed=True)
    entry = add_candidate(w)
    await check_in(user, issue(w, entry.id))
    await user.should_see("Warm up first", retries=20)
    user.find(marker="warm-up-typing").click()
    await user.should_see("warm-up, does not count", retries=20)
    (warm,) = attempts_of(entry.id)
    assert (warm.mode, warm.form_id, warm.duration_s) == ("practice", "practice-short", 60)
    text = "Dear"
    await post(user, warm.id, "keystrokes", batch_body(warm.capture_token, 0, key_events(text), text))
    await post(user, warm.id, "finish", json.dumps({"token": warm.capture_token, "reason": "early"}).encode())
    await user.open(f"/exam?saved={warm.id}")
    await user.should_see("Your typing warm-up is over. It did not count")
    await user.should_see("Start the typing test")
    await user.should_not_see(marker="warm-up-typing")  # one warm-up


async def test_before_the_session_opens_nothing_can_start_and_the_page_says_why(user: User) -> None:
    w = world(open_session=False)
    entry = add_candidate(w)
    await check_in(user, issue(w, entry.id))
    await user.should_see("wait for the proctor to open it", retries=20)
    await user.should_not_see(marker="start-typing")


async def test_another_browser_cannot_open_a_candidates_test(user: User) -> None:
    w = world()
    entry, other = add_candidate(w), add_candidate(w, "Bo Chen")
    with w.session() as s:
        codes.redeem_code(s, codes.issue_code(s, w.lead, entry.id).code, utcnow(), "elsewhere")
        attempt_id = exam_attempts.start_component(s, entry.id, "typing").id
    await user.open(f"/exam/test/{attempt_id}")
    await user.should_see("Check in first")
    await check_in(user, issue(w, other.id))
    await user.should_see("Welcome, Bo Chen", retries=20)
    await user.open(f"/exam/test/{attempt_id}")
    await user.should_see("This test belongs to another candidate.")


async def test_a_stopped_test_waits_for_hr_and_resumes_with_its_keystrokes_and_time(user: User) -> None:
    w = world()
    entry = add_candidate(w)
    await check_in(user, issue(w, entry.id))
    await user.should_see("Start the typing test", retries=20)
    user.find(marker="start-typing").click()
    await user.should_see("Printed copy", retries=20)
    (attempt,) = attempts_of(entry.id)
    typed = "Dear customer"
    events = key_events(typed, 1000.0, 1000.0)  # the last key 12 s after the first
    ok = await post(user, attempt.id, "keystrokes", batch_body(attempt.capture_token, 0, events, typed))
    assert ok.status_code == 200

    # The page is reloaded (the server restarted): the test waits for HR.
    await user.open(f"/exam/test/{attempt.id}")
    await user.should_see(marker="stopped")
    await user.open("/exam")
    await user.should_see("Stopped during the test", retries=20)
    await user.should_not_see(marker="start-typing")
    with w.session() as s:
        later = utcnow() + timedelta(minutes=3)
        assert [i.attempt_id for i in interruptions.list_interrupted(s, w.session_id, now=later)] == [attempt.id]
        interruptions.decide_interrupted(s, w.admin, attempt.id, "resume")
    await user.open("/exam")
    await user.should_see("Continue the typing test", retries=20)
    user.find(marker="start-typing").click()
    await user.should_see("Printed copy", retries=20)
    await user.should_see("0:47")  # 60 s test, 12.04 s used before it stopped (the last keyup)
    assert [a.id for a in attempts_of(entry.id)] == [attempt.id]  # the same attempt, not a new one

    # The resumed page goes on with batch 1, its keys stamped after the stored ones.
    resumed_t = events[-1]["t"] + RESUME_GAP_MS
    more = key_events(" x", resumed_t, 200.0)
    ok = await post(user, attempt.id, "keystrokes", batch_body(attempt.capture_token, 1, more, typed + " x"))
    assert ok.status_code == 200, ok.text
    done = await post(user, attempt.id, "finish", json.dumps({"token": attempt.capture_token,
                                                               "reason": "early"}).encode())
    assert done.status_code == 200
    with session_factory()() as s:
        finished = s.get(Attempt, attempt.id)
        assert finished.scores[0].typed_text == "Dear customer x"


def test_the_resume_state_rebuilds_the_text_and_the_time_used(fresh_database) -> None:
    from simulator.capture_page import resume_state

    w = world()
    entry = add_candidate(w)
    with w.session() as s:
        codes.redeem_code(s, codes.issue_code(s, w.lead, entry.id).code, utcnow(), "x")
        attempt = exam_attempts.start_component(s, entry.id, "typing")
    text = "Dear cx\bustomer"
    with w.session() as s:
        ingest_batch(s, attempt.id, parse_batch(batch_body(attempt.capture_token, 0, key_events(text, 500.0, 100.0),
                                                           "Dear customer")))
        state = resume_state(s.get(Attempt, attempt.id))
    assert state["seq"] == 1 and state["text"] == "Dear customer"
    assert state["startT"] == 500.0 and state["lastT"] == 500.0 + 14 * 100 + 40
    assert state["usedS"] == pytest.approx(1.44)


async def test_an_exam_attempt_typed_like_a_machine_is_flagged_for_review(user: User) -> None:
    w = world()
    entry = add_candidate(w)
    with w.session() as s:
        codes.redeem_code(s, codes.issue_code(s, w.lead, entry.id).code, utcnow(), "x")
        attempt = exam_attempts.start_component(s, entry.id, "typing")
    typed = " ".join(open_passage().split()[:20])
    events = key_events(typed, 1000.0, 120.0)  # every key exactly 120 ms apart, held exactly 40 ms
    with w.session() as s:
        ingest_batch(s, attempt.id, parse_batch(batch_body(attempt.capture_token, 0, events, typed, incidents=[
            {"kind": "focus_lost", "t": 1500.0}, {"kind": "focus_back", "t": 1900.0}])))
        finish_attempt(s, attempt.id, attempt.capture_token, "early")
        flags = s.scalars(select(Incident).where(Incident.attempt_id == attempt.id,
                                                 Incident.kind == "timing_flag")).all()
    assert any("even intervals" in f.detail for f in flags)
    assert any("held down for the same" in f.detail for f in flags)
    assert all(f.t is not None and f.t >= 1000.0 for f in flags)

    # HR sees them on the result page and on the replay; the candidate sees no result at all.
    make_account("lead.two", "lead")
    await sign_in(user, "lead.two", "a long enough password")
    await user.open(f"/typing/result/{attempt.id}")
    await user.should_see("flag for review (keystroke timing, not a verdict):", retries=20)
    await user.should_see("- left the test window")  # the tab switch the page recorded
    await user.should_see("- came back to the test window")
    await user.open(f"/attempts/{attempt.id}/replay")
    await user.should_see(marker="incident-timing_flag", retries=20)


def open_passage() -> str:
    from skills_tests.passages import get_passage

    return get_passage(TYPING_FORM).text


def test_practice_attempts_are_never_flagged(fresh_database) -> None:
    from results.typing_attempts import TypingSetup, start_typing_attempt

    typed = " ".join(open_passage().split()[:20])
    with session_factory()() as s:
        attempt = start_typing_attempt(s, TypingSetup("Ana Ruiz", form_id=TYPING_FORM, duration_s=60))
        ingest_batch(s, attempt.id, parse_batch(batch_body(attempt.capture_token, 0, key_events(typed, 1000, 120),
                                                           typed)))
        finish_attempt(s, attempt.id, attempt.capture_token, "early")
        assert [i.kind for i in s.get(Attempt, attempt.id).incidents] == []


async def test_the_practice_pages_offer_no_exam_mode(user: User) -> None:
    await user.open("/typing?passage=practice-short&minutes=1&mode=exam")
    await user.should_not_see("Exam conditions")
    await user.should_see("Exams are taken at an exam session")
    user.find(marker="name").type("Ana Ruiz")
    user.find(marker="start").click()
    await user.should_see("Printed copy", retries=20)
    await user.should_see(marker="speed")
    await user.open("/tenkey?form=tenkey-practice-amounts&minutes=1&mode=exam")
    await user.should_not_see("Exam conditions")
    user.find(marker="name").type("Ana Ruiz")
    user.find(marker="start").click()
    await user.should_see("Printed column", retries=20)
    with session_factory()() as s:
        assert {a.mode for a in s.scalars(select(Attempt))} == {"practice"}


async def test_leaving_the_check_in_needs_a_confirmation_and_frees_the_browser(user: User) -> None:
    w = world()
    entry = add_candidate(w)
    await check_in(user, issue(w, entry.id))
    await user.should_see("Welcome, Ana Ruiz", retries=20)
    await user.open("/exam/leave")
    await user.should_see("Leave only if you are not Ana Ruiz")
    assert auth_entry(user) == entry.id
    await user.open("/exam/leave?confirm=yes")
    await user.should_see(marker="left")
    await user.open("/exam")
    await user.should_see(marker="code")


def test_the_replay_frames_are_sent_compactly_and_rebuild_every_text() -> None:
    from results.replay import replay_frames
    from simulator.replay_pages import compact_frames, expand_frames
    from skills_tests.keystrokes import KeyEvent

    typed = "Dear\b\br cx\bus"
    events = [KeyEvent("down", {"\b": "Backspace"}.get(c, c), "K", 0, 1000.0 + 100 * i) for i, c in enumerate(typed)]
    events.insert(3, KeyEvent("down", "ArrowLeft", "ArrowLeft", 0, 1250.0))  # refused: changes nothing
    frames = replay_frames("typing", events, duration_s=60)
    compact = compact_frames(frames)
    assert expand_frames(compact) == [f.text for f in frames]
    assert expand_frames(compact)[-1] == "Der cus"
    refused = [c for c in compact if c[4]]
    assert [c[1] for c in refused] == ["ArrowLeft"] and refused[0][3] == ""


async def test_the_replay_is_for_hr_only_and_shows_the_attempt(user: User) -> None:
    w = world(components=("tenkey",))
    entry = add_candidate(w)
    with w.session() as s:
        codes.redeem_code(s, codes.issue_code(s, w.lead, entry.id).code, utcnow(), "x")
        attempt = exam_attempts.start_component(s, entry.id, "tenkey")
        ingest_batch(s, attempt.id, parse_batch(batch_body(attempt.capture_token, 0,
                                                           key_events("123\n", keypad=True), "123\n")))
        finish_attempt(s, attempt.id, attempt.capture_token, "early")
    await user.open(f"/attempts/{attempt.id}/replay")
    await user.should_see(marker="username", retries=20)  # sent to sign in first
    make_account("lead.two", "lead")
    await sign_in(user, "lead.two", "a long enough password", f"/attempts/{attempt.id}/replay")
    await user.should_see("Keystroke replay", retries=20)
    await user.should_see(marker="replay-player")
    await user.should_see("Ana Ruiz - 10-key test")
    await user.should_see("4 keys over 0.6 s")
    await user.open("/attempts/nope/replay")
    await user.should_see(marker="not-found")
