"""The typing test through the UI (NiceGUI's simulated user, no browser)."""

from __future__ import annotations

import json

from nicegui.testing import User
from sqlalchemy import select

from results.database import session_factory
from results.models import Attempt
from skills_tests.passages import get_passage
from tests.integration.helpers import batch_body, key_events

SOURCE = get_passage("practice-short").text


async def test_home_offers_the_typing_test_and_the_staff_areas(user: User) -> None:
    await user.open("/")
    await user.should_see("Practise typing")
    await user.should_see("Call scenarios")
    await user.should_see("HR staff (sign in first)")
    user.find("Open practise typing").click()
    await user.should_see("The timer starts at your first keystroke", retries=20)


async def test_starting_without_a_name_says_what_is_missing_and_creates_nothing(user: User) -> None:
    await user.open("/typing")
    user.find(marker="start").click()
    await user.should_see("Please enter your name")
    with session_factory()() as session:
        assert session.scalars(select(Attempt)).all() == []


async def _start_test(user: User, name: str = "Ana Ruiz") -> Attempt:
    await user.open("/typing?passage=practice-short&minutes=1")
    user.find(marker="name").type(name)
    user.find(marker="start").click()
    await user.should_see("Printed copy", retries=20)
    with session_factory()() as session:
        return session.scalars(select(Attempt)).one()


async def test_start_shows_printed_copy_timer_and_a_locked_typing_area(user: User) -> None:
    attempt = await _start_test(user)
    assert (attempt.form_id, attempt.duration_s, attempt.mode) == ("practice-short", 60, "practice")
    await user.should_see(SOURCE.split("\n")[0][:40])
    await user.should_see("1:00")
    await user.should_see(marker="speed")  # live speed in practice
    area = user.find(marker="typing-area").elements.pop()
    props = area.props
    assert props["spellcheck"] == "false" and props["autocomplete"] == "off" and "readonly" in props


async def test_the_practice_page_offers_no_exam_conditions(user: User) -> None:
    """Exams are taken only through an exam session (tests/ui/test_exam_flow.py): asking the
    practice page for exam conditions gives a practice test, with its live speed."""
    await user.open("/typing?passage=exam-form-b&minutes=5&mode=exam")
    await user.should_not_see("Exam conditions")
    user.find(marker="name").type("Bo Chen")
    user.find(marker="start").click()
    await user.should_see("Printed copy", retries=20)
    await user.should_see("5 minutes - practice")
    await user.should_see(marker="speed")
    await user.should_see("5:00")
    with session_factory()() as session:
        attempt = session.scalars(select(Attempt)).one()
        assert attempt.mode == "practice"
        assert attempt.form_id.startswith("practice-")  # an exam form is never offered for practice


async def test_the_practice_pages_list_no_exam_form(user: User) -> None:
    await user.open("/typing")
    options = user.find(marker="passage").elements.pop().options
    assert options and all(key.startswith("practice-") for key in options)
    await user.open("/tenkey")
    await user.should_see(marker="name")
    from simulator.tenkey_pages import item_set_options

    assert item_set_options() and not any("exam" in key for key in item_set_options())


async def _post(user: User, attempt: Attempt, path: str, body: bytes):
    return await user.http_client.post(f"/api/attempts/{attempt.id}/{path}", content=body,
                                       headers={"Content-Type": "application/json"})


async def test_keystrokes_in_finish_out_result_page(user: User) -> None:
    attempt = await _start_test(user)
    words = SOURCE.split()[:10]
    words[4] = "wrnog"
    typed = " ".join(words)
    events = key_events(typed, 1000.0, 400.0)  # 30 WPM: below the pass mark
    ok = await _post(user, attempt, "keystrokes", batch_body(attempt.capture_token, 0, events[:30], typed[:15]))
    assert ok.status_code == 200, ok.text
    again = await _post(user, attempt, "keystrokes", batch_body(attempt.capture_token, 0, events[:30], typed[:15]))
    assert again.status_code == 409 and again.json()["duplicate"] is True
    ok = await _post(user, attempt, "keystrokes", batch_body(attempt.capture_token, 1, events[30:], typed))
    assert ok.status_code == 200
    bad = await _post(user, attempt, "keystrokes", b'{"seq": 2}')
    assert bad.status_code == 422 and "token" in bad.json()["detail"]
    finished = await _post(user, attempt, "finish", json.dumps({"token": attempt.capture_token,
                                                                 "reason": "early"}).encode())
    assert finished.status_code == 200
    assert finished.json() == {"result_url": f"/typing/result/{attempt.id}"}

    await user.open(f"/typing/result/{attempt.id}")
    await user.should_see("Not yet at the pass mark")
    await user.should_see(marker="net-wpm")
    assert user.find(marker="errors").elements.pop().text == "1"
    table = user.find(marker="error-list").elements.pop()
    assert table.rows == [{"n": 1, "kind": "wrong word", "expected": SOURCE.split()[4], "typed": "wrnog"}]
    history = user.find(marker="history").elements.pop()
    assert [row["id"] for row in history.rows] == [attempt.id]
    await user.should_see("Charts")
    await user.should_see(marker="key-table")  # per-key errors and latency

    # The attempt page of a finished test leads to its result; more keystrokes are refused.
    late = await _post(user, attempt, "keystrokes", batch_body(attempt.capture_token, 2, key_events("x", 9e5)))
    assert late.status_code == 409 and "finished" in late.json()["detail"]


async def test_finish_refuses_a_wrong_token_and_an_unknown_reason(user: User) -> None:
    attempt = await _start_test(user)
    wrong = await _post(user, attempt, "finish", b'{"token": "forged", "reason": "early"}')
    assert wrong.status_code == 403
    odd = await _post(user, attempt, "finish", json.dumps({"token": attempt.capture_token, "reason": "bored"}).encode())
    assert odd.status_code == 422 and "end reason" in odd.json()["detail"]
    garbage = await _post(user, attempt, "finish", b"{")
    assert garbage.status_code == 422


async def test_a_reloaded_test_keeps_what_was_typed_and_can_be_scored(user: User) -> None:
    attempt = await _start_test(user)
    typed = " ".join(SOURCE.split()[:5])
    ok = await _post(user, attempt, "keystrokes", batch_body(attempt.capture_token, 0, key_events(typed), typed))
    assert ok.status_code == 200
    await user.open(f"/typing/attempt/{attempt.id}")
    await user.should_see("This test was interrupted")
    user.find("Score what was saved").click()
    await user.should_see("Your typing compared with the passage", retries=20)
    await user.should_see(marker="no-errors")


async def test_unknown_result_says_so(user: User) -> None:
    await user.open("/typing/result/does-not-exist")
    await user.should_see(marker="not-found")


async def test_the_keystroke_route_refuses_bad_batches_with_a_clear_message_and_stores_nothing(user: User) -> None:
    from results.keystroke_log import MAX_BATCH_BYTES
    from results.models import KeystrokeBatch

    attempt = await _start_test(user)
    token = attempt.capture_token
    oversized = await _post(user, attempt, "keystrokes", b" " * (MAX_BATCH_BYTES + 1))
    assert oversized.status_code == 413 and "most one batch may carry" in oversized.json()["detail"]
    gap = await _post(user, attempt, "keystrokes", batch_body(token, 3, key_events("ab")))
    assert gap.status_code == 409 and gap.json() == {
        "detail": "batch 3 arrived out of order; batch 0 is expected next", "expected": 0}
    wrong_token = await _post(user, attempt, "keystrokes", batch_body("forged", 0, key_events("ab")))
    assert wrong_token.status_code == 403
    unknown = await user.http_client.post("/api/attempts/nope/keystrokes", content=batch_body(token, 0, []),
                                          headers={"Content-Type": "application/json"})
    assert unknown.status_code == 404
    with session_factory()() as session:
        assert session.scalars(select(KeystrokeBatch)).all() == []
