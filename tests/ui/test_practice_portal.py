"""The practice portal: practice without signing in, and the last results kept in this browser."""

from __future__ import annotations

import json

from nicegui.testing import User
from sqlalchemy import select

from results.database import session_factory
from results.models import Attempt
from simulator.practice_portal import history_rows
from skills_tests.passages import get_passage
from skills_tests.tenkey_items import get_item_set
from tests.integration.helpers import batch_body, key_events


async def post(user: User, attempt: Attempt, path: str, body: bytes):
    return await user.http_client.post(f"/api/attempts/{attempt.id}/{path}", content=body,
                                       headers={"Content-Type": "application/json"})


def newest_attempt() -> Attempt:
    with session_factory()() as session:
        return session.scalars(select(Attempt).order_by(Attempt.created_at.desc())).first()


async def finish(user: User, attempt: Attempt, text: str, keypad: bool = False) -> None:
    events = key_events(text, 1000.0, 250.0, keypad=keypad)
    assert (await post(user, attempt, "keystrokes", batch_body(attempt.capture_token, 0, events, text))).status_code == 200
    done = await post(user, attempt, "finish", json.dumps({"token": attempt.capture_token, "reason": "early"}).encode())
    assert done.status_code == 200
    await user.open(done.json()["result_url"])  # the page goes to its result, as the browser would


async def test_the_portal_offers_each_practice_test_without_sign_in(user: User) -> None:
    await user.open("/practice")
    await user.should_see("no sign-in and no access code")
    for marker in ("practice-typing", "practice-tenkey", "practice-drill"):
        await user.should_see(marker=marker)
    await user.should_see(marker="no-history")
    user.find("Start typing practice").click()
    await user.should_see("The timer starts at your first", retries=20)


async def test_finished_practice_results_are_listed_newest_first_with_net_rate_and_accuracy(user: User) -> None:
    await user.open("/typing?passage=practice-short&minutes=1")
    user.find(marker="name").type("Ana Ruiz")
    user.find(marker="start").click()
    await user.should_see("Printed copy", retries=20)
    typing = newest_attempt()
    words = get_passage("practice-short").text.split()[:8]
    await finish(user, typing, " ".join(words))
    await user.should_see("Your typing compared with the passage", retries=20)

    await user.open("/tenkey?form=tenkey-practice-amounts&minutes=1")
    user.find(marker="name").type("Ana Ruiz")
    user.find(marker="start").click()
    await user.should_see("Printed column", retries=20)
    tenkey = newest_attempt()
    items = get_item_set("tenkey-practice-amounts").keys
    await finish(user, tenkey, f"{items[0]}\n{items[1]}9\n", keypad=True)  # one right, one wrong
    await user.should_see(marker="net-kph", retries=20)

    await user.open("/typing?passage=practice-short&minutes=1")  # a test started and left
    user.find(marker="name").type("Ana Ruiz")
    user.find(marker="start").click()
    await user.should_see("Printed copy", retries=20)
    unfinished = newest_attempt()

    await user.open("/practice")
    table = user.find(marker="practice-history").elements.pop()
    rows = {row["id"]: row for row in table.rows}
    assert [row["id"] for row in table.rows] == [unfinished.id, tenkey.id, typing.id]
    with session_factory()() as session:
        typing_score = session.get(Attempt, typing.id).scores[0]
        tenkey_score = session.get(Attempt, tenkey.id).scores[0]
    assert rows[typing.id]["net"] == f"{typing_score.net_rate:,.1f} WPM"
    assert rows[typing.id]["accuracy"] == "100.0 %"
    assert rows[typing.id]["test"].startswith("Typing: ")
    assert rows[typing.id]["url"] == f"/typing/result/{typing.id}"
    assert rows[tenkey.id]["net"] == f"{tenkey_score.net_rate:,.1f} KPH"
    assert rows[tenkey.id]["accuracy"] == "50.0 %"
    assert rows[unfinished.id]["net"] == "not finished" and rows[unfinished.id]["url"] == ""

    await user.open("/practice?clear=yes")
    await user.should_see(marker="no-history")


async def test_opening_someone_elses_result_link_adds_nothing_to_this_browser(user: User) -> None:
    from results.finishing import finish_attempt
    from results.keystroke_log import ingest_batch, parse_batch
    from results.typing_attempts import TypingSetup, start_typing_attempt

    with session_factory()() as session:
        attempt = start_typing_attempt(session, TypingSetup("Bo Chen", form_id="practice-short", duration_s=60))
        ingest_batch(session, attempt.id, parse_batch(batch_body(attempt.capture_token, 0, key_events("Dear"), "Dear")))
        finish_attempt(session, attempt.id, attempt.capture_token, "early")
    await user.open(f"/typing/result/{attempt.id}")
    await user.should_see("Your typing compared with the passage", retries=20)
    await user.open("/practice")
    await user.should_see(marker="no-history")


def test_history_rows_read_what_the_browser_kept_and_survive_odd_entries() -> None:
    rows = history_rows([
        {"i": "a1", "k": "drill", "f": "tenkey-drill-01", "d": "2026-11-27T09:05", "n": 7200.0, "u": "KPH", "a": None},
        {"i": "a2", "k": "typing", "f": "no-such-passage", "d": "garbage"},
    ])
    assert rows[0]["test"].startswith("Adding-machine drill: ") and rows[0]["accuracy"] == "-"
    assert rows[0]["when"] == "27 Nov 2026 09:05" and rows[0]["url"] == "/tenkey/drill/result/a1"
    assert rows[1] == {"id": "a2", "when": "-", "test": "Typing: no-such-passage", "net": "not finished",
                       "accuracy": "-", "url": ""}
