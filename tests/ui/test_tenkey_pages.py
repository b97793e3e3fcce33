"""The 10-key test and the adding-machine drill through the UI (simulated user)."""

from __future__ import annotations

import json

from nicegui.testing import User
from sqlalchemy import select

from results.database import session_factory
from results.models import Attempt
from skills_tests.tenkey_items import get_drill_batch, get_item_set
from tests.integration.helpers import batch_body, key_events

ITEMS = get_item_set("tenkey-practice-amounts").keys


async def _post(user: User, attempt: Attempt, path: str, body: bytes):
    return await user.http_client.post(f"/api/attempts/{attempt.id}/{path}", content=body,
                                       headers={"Content-Type": "application/json"})


def _only_attempt() -> Attempt:
    with session_factory()() as session:
        return session.scalars(select(Attempt)).one()


async def test_home_leads_to_the_tenkey_test(user: User) -> None:
    await user.open("/")
    user.find("Open practise 10-key").click()
    await user.should_see("Use the numeric keypad with NumLock on", retries=20)


async def test_starting_without_a_name_changes_nothing(user: User) -> None:
    await user.open("/tenkey")
    user.find(marker="start").click()
    await user.should_see("Please enter your name")
    with session_factory()() as session:
        assert session.scalars(select(Attempt)).all() == []


async def test_tenkey_from_setup_to_result(user: User) -> None:
    await user.open("/tenkey?form=tenkey-practice-amounts&minutes=1")
    user.find(marker="name").type("Ana Ruiz")
    user.find(marker="keypad-only").click()
    user.find(marker="start").click()
    await user.should_see("Printed column", retries=20)
    attempt = _only_attempt()
    assert (attempt.test, attempt.keypad_only, attempt.count_enter) == ("tenkey", True, False)
    await user.should_see("Only the numeric keypad is accepted")
    items = user.find(marker="items").elements.pop()
    assert f'<li data-i="0"><span class="n">1</span>{ITEMS[0]}</li>' in items.content

    text = f"{ITEMS[0]}\n{ITEMS[1]}9\n"  # the second entry has one digit too many
    ok = await _post(user, attempt, "keystrokes",
                     batch_body(attempt.capture_token, 0, key_events(text, interval_ms=300, keypad=True), text))
    assert ok.status_code == 200
    done = await _post(user, attempt, "finish", json.dumps({"token": attempt.capture_token, "reason": "early"}).encode())
    assert done.json() == {"result_url": f"/tenkey/result/{attempt.id}"}

    await user.open(f"/tenkey/result/{attempt.id}")
    await user.should_see("Not yet at the pass mark")
    assert user.find(marker="errors").elements.pop().text == "1"
    assert user.find(marker="keypad-share").elements.pop().text == "100 %"
    table = user.find(marker="wrong-entries").elements.pop()
    assert table.rows == [{"line": 2, "expected": ITEMS[1], "entered": ITEMS[1] + "9"}]
    await user.should_not_see(marker="off-keypad")
    await user.should_see(marker="key-table")  # per-key errors and latency
    assert [r["id"] for r in user.find(marker="history").elements.pop().rows] == [attempt.id]


async def test_off_keypad_digits_are_reported_on_the_result(user: User) -> None:
    await user.open("/tenkey?form=tenkey-practice-amounts&minutes=1")
    user.find(marker="name").type("Bo Chen")
    user.find(marker="start").click()
    await user.should_see("Printed column", retries=20)
    attempt = _only_attempt()
    text = f"{ITEMS[0]}\n"
    await _post(user, attempt, "keystrokes", batch_body(attempt.capture_token, 0, key_events(text), text))
    await _post(user, attempt, "finish", json.dumps({"token": attempt.capture_token, "reason": "early"}).encode())
    await user.open(f"/tenkey/result/{attempt.id}")
    await user.should_see(marker="off-keypad")
    await user.should_see("Every entry was keyed exactly right")


async def test_drill_from_setup_to_result(user: User) -> None:
    batch = get_drill_batch("tenkey-drill-02")
    await user.open("/tenkey/drill?batch=tenkey-drill-02")
    user.find(marker="name").type("Ana Ruiz")
    user.find(marker="start").click()
    await user.should_see("Adding-machine tape", retries=20)
    await user.should_see(f"Control total: {batch.control_total:,.2f}")
    attempt = _only_attempt()
    tape = "".join(f"{s.stub_amount}+" for s in batch.stubs) + "\n"  # keyed as printed: will not balance
    await _post(user, attempt, "keystrokes", batch_body(attempt.capture_token, 0, key_events(tape, keypad=True), tape))
    done = await _post(user, attempt, "finish",
                       json.dumps({"token": attempt.capture_token, "reason": "completed"}).encode())
    assert done.json() == {"result_url": f"/tenkey/drill/result/{attempt.id}"}
    await user.open(f"/tenkey/drill/result/{attempt.id}")
    await user.should_see("Not balanced")
    await user.should_see(marker="finding")


async def test_unknown_tenkey_pages_say_so(user: User) -> None:
    for path in ("/tenkey/result/nope", "/tenkey/attempt/nope", "/tenkey/drill/result/nope"):
        await user.open(path)
        await user.should_see(marker="not-found")
