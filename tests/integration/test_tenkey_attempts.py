"""10-key and drill attempts on a real database: keystroke log in, score out."""

from __future__ import annotations

import json

import pytest

from results.attempts import SetupError
from results.finishing import finish_attempt
from results.keystroke_log import ingest_batch, parse_batch
from results.models import Attempt
from results.tenkey_attempts import DrillSetup, TenKeySetup, start_drill_attempt, start_tenkey_attempt
from skills_tests.tenkey_items import get_drill_batch, get_item_set
from tests.integration.helpers import batch_body, key_events

ITEMS = get_item_set("tenkey-practice-amounts").keys


def _key_in(factory, attempt, events: list[dict], text: str) -> None:
    with factory() as session:
        ingest_batch(session, attempt.id, parse_batch(batch_body(attempt.capture_token, 0, events, text)))


def _finish(factory, attempt, reason="early"):
    with factory() as session:
        score = finish_attempt(session, attempt.id, attempt.capture_token, reason)
        return score, json.loads(score.details_json), [i.kind for i in session.get(Attempt, attempt.id).incidents]


def _tenkey(factory, **kw) -> Attempt:
    with factory() as session:
        return start_tenkey_attempt(session, TenKeySetup("Ana Ruiz", form_id="tenkey-practice-amounts",
                                                         duration_s=60, **kw))


def test_entries_keyed_on_the_keypad_are_scored_against_the_items(fresh_database):
    attempt = _tenkey(fresh_database)
    keyed = [ITEMS[0], ITEMS[1][:-1] + ("1" if ITEMS[1][-1] != "1" else "2"), "", ITEMS[3]]
    text = "\n".join(keyed) + "\n"
    _key_in(fresh_database, attempt, key_events(text, interval_ms=100, keypad=True), text)
    score, details, incidents = _finish(fresh_database, attempt)
    assert (score.errors, score.rate_unit, score.typed_text) == (2, "KPH", text)
    assert [w["position"] for w in details["score"]["wrong"]] == [2, 3]
    assert details["metrics"]["keypad_share"] == 1.0
    keystrokes = sum(len(k) for k in keyed)
    assert score.gross_count == keystrokes
    assert score.gross_rate == pytest.approx(keystrokes * 3600 / score.seconds)
    assert score.seconds == pytest.approx((len(text) - 1) * 0.1)
    assert incidents == []


def test_top_row_digits_are_refused_when_the_keypad_is_required(fresh_database):
    attempt = _tenkey(fresh_database, keypad_only=True)
    first = ITEMS[0] + "\n"
    events = key_events(first, keypad=False) + key_events(first, 5000, keypad=True)
    _key_in(fresh_database, attempt, events, "\n" + first)  # what the page shows: the top-row digits refused
    score, details, incidents = _finish(fresh_database, attempt)
    assert score.typed_text == "\n" + first  # the top-row entry became an empty (skipped) line
    assert (score.errors, details["score"]["correct"]) == (2, 0)
    assert incidents == []


def test_top_row_digits_are_accepted_and_reported_otherwise(fresh_database):
    attempt = _tenkey(fresh_database)
    text = ITEMS[0] + "\n"
    _key_in(fresh_database, attempt, key_events(text), text)
    score, details, _ = _finish(fresh_database, attempt)
    assert score.errors == 0 and details["metrics"]["keypad_share"] == 0.0


def test_a_submitted_entry_cannot_be_backspaced(fresh_database):
    attempt = _tenkey(fresh_database)
    text = ITEMS[0] + "\n\b" + ITEMS[1] + "\n"
    _key_in(fresh_database, attempt, key_events(text, keypad=True), ITEMS[0] + "\n" + ITEMS[1] + "\n")
    score, details, incidents = _finish(fresh_database, attempt)
    assert score.errors == 0 and incidents == []


def test_count_enter_adds_one_keystroke_per_entry(fresh_database):
    plain, counted = _tenkey(fresh_database), _tenkey(fresh_database, count_enter=True)
    text = ITEMS[0] + "\n" + ITEMS[1] + "\n"
    for attempt in (plain, counted):
        _key_in(fresh_database, attempt, key_events(text, keypad=True), text)
    assert _finish(fresh_database, counted)[0].gross_count == _finish(fresh_database, plain)[0].gross_count + 2


@pytest.mark.parametrize(("setup", "says"), [
    pytest.param(TenKeySetup("Ana", form_id="tenkey-exam-z"), "tenkey-exam-a", id="unknown-form"),
    pytest.param(TenKeySetup("Ana", duration_s=30), "not offered", id="duration"),
    pytest.param(TenKeySetup("Ana", min_accuracy=101), "percentage", id="accuracy-over-100"),
    pytest.param(TenKeySetup("Ana", threshold=-1), "negative", id="negative-threshold"),
    pytest.param(TenKeySetup(""), "enter your name", id="no-name"),
])
def test_bad_tenkey_setups_are_refused(fresh_database, setup, says):
    with fresh_database() as session, pytest.raises(SetupError, match=says):
        start_tenkey_attempt(session, setup)


def _drill(factory, batch_id: str) -> Attempt:
    with factory() as session:
        return start_drill_attempt(session, DrillSetup("Ana Ruiz", batch_id=batch_id))


def _tape(amounts) -> str:
    return "".join(f"{a}+" for a in amounts) + "\n"


def test_a_drill_keyed_with_the_check_amounts_balances(fresh_database):
    batch = next(b for b in map(get_drill_batch, [f"tenkey-drill-0{i}" for i in range(1, 7)]) if b.discrepant_stub)
    attempt = _drill(fresh_database, batch.id)
    tape = _tape(s.check_amount for s in batch.stubs)
    _key_in(fresh_database, attempt, key_events(tape, keypad=True), tape)
    score, details, incidents = _finish(fresh_database, attempt, "completed")
    assert score.passed and details["drill"]["balanced"] and details["drill"]["discrepancy_corrected"]
    assert incidents == []


def test_a_drill_keyed_as_printed_does_not_balance_and_says_by_how_much(fresh_database):
    batch = next(b for b in map(get_drill_batch, [f"tenkey-drill-0{i}" for i in range(1, 7)]) if b.discrepant_stub)
    attempt = _drill(fresh_database, batch.id)
    tape = _tape(s.stub_amount for s in batch.stubs)
    _key_in(fresh_database, attempt, key_events(tape, keypad=True), tape)
    score, details, _ = _finish(fresh_database, attempt, "completed")
    assert not score.passed and not details["drill"]["balanced"]
    stub = batch.discrepant_stub
    assert details["drill"]["difference"] == str(stub.stub_amount - stub.check_amount)
