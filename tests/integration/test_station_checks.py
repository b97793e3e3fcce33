"""Station checks: the comparison of keys sent with keys received, and the records on the session."""

from __future__ import annotations

import json

import pytest
import sqlalchemy as sa
from sqlalchemy import select

from assessments import exams
from assessments.errors import InvalidInput, NotFound, NotPermitted
from assessments.models import AuditRecord
from assessments.station_checks import (
    SentKey,
    StationBatchIn,
    begin_check,
    evaluate,
    finish_check,
    latest_by_station,
    parse_batch,
    receive_batch,
)
from tests.integration.test_assessments_migration import _migrate
from tests.integration.test_assessments_world import build_world, fast_hashing  # noqa: F401  (fixture)

LETTERS = "abcdefghij"
DIGITS = "789.\n"
KEYPAD_CODES = {".": "NumpadDecimal", "\n": "NumpadEnter"}


def sent_and_received(*, jitter_ms: float = 0.0, drop: set[int] = frozenset(), keypad_loc: int = 3,
                      keypad_key=None) -> tuple[list[SentKey], list[dict]]:
    """Letters 100 ms apart then keypad keys 120 ms apart, as sent (seconds) and as the page records them."""
    sent, received, t = [], [], 5.0
    for i, char in enumerate(LETTERS + DIGITS):
        keypad = i >= len(LETTERS)
        key = "Enter" if char == "\n" else char
        sent.append(SentKey(key, t, keypad))
        if i not in drop:
            code = (f"Numpad{char}" if char.isdigit() else KEYPAD_CODES[char]) if keypad else f"Key{char.upper()}"
            shown = keypad_key(key) if keypad and keypad_key else key
            stamp = 1000 * t + 3000 + (jitter_ms if i % 2 else 0)
            received.append({"type": "down", "key": shown, "code": code, "loc": keypad_loc if keypad else 0,
                             "t": stamp, "numlock": True})
            received.append({"type": "up", "key": shown, "code": code, "loc": keypad_loc if keypad else 0,
                             "t": stamp + 30, "numlock": True})
        t += 0.120 if keypad else 0.100
    return sent, received


@pytest.mark.parametrize("case, expected_problem", [
    pytest.param({}, None, id="faithful"),
    pytest.param({"jitter_ms": 1.5}, None, id="within-2-ms"),
    pytest.param({"jitter_ms": 3.0}, "Key timing is not kept faithfully", id="timing-off"),
    pytest.param({"drop": {2, 5}}, "2 of 15 keys never arrived ('c', 'f')", id="keys-lost"),
    pytest.param({"keypad_loc": 0}, "5 of 5 keypad keys reported as main-keyboard keys", id="top-row"),
    pytest.param({"keypad_key": lambda k: {"7": "Home", "8": "ArrowUp", "9": "PageUp", ".": "Delete"}.get(k, k)},
                 "NumLock is off: 4 keypad keys arrived as navigation keys", id="numlock-off"),
])
def test_evaluate_names_every_problem(case, expected_problem):
    sent, received = sent_and_received(**case)
    verdict = evaluate(sent, received)
    if expected_problem is None:
        assert verdict.passed and verdict.problems == [], verdict
        assert verdict.figures["lost"] == 0 and verdict.figures["keypad_keys_on_keypad"] == 5
    else:
        assert not verdict.passed
        assert any(expected_problem in p for p in verdict.problems), verdict.problems


def test_nothing_received_says_the_page_had_no_keyboard():
    sent, _ = sent_and_received()
    verdict = evaluate(sent, [])
    assert not verdict.passed and "Nothing arrived from the keyboard" in verdict.reason


def _batch(check, seq, events, ready=False):
    return StationBatchIn.model_validate({"token": check.token, "seq": seq, "events": events, "ready": ready})


def test_a_check_is_recorded_on_its_session_and_in_the_audit_chain(fresh_database, fast_hashing):  # noqa: F811
    world = build_world(fresh_database)
    sent, received = sent_and_received()
    with world.session() as s:
        check = begin_check(s, world.lead, world.session_id, "  Room 2   PC 4 ")
        assert check.station == "Room 2 PC 4" and check.status == "running"
        assert receive_batch(s, check.id, _batch(check, 0, [], ready=True)).seq == 0
        assert receive_batch(s, check.id, _batch(check, 1, received[:10])).seq == 1
        assert receive_batch(s, check.id, _batch(check, 1, received[:10])).duplicate  # a repeat changes nothing
        with pytest.raises(InvalidInput, match="batch 5 arrived out of order; batch 2 is expected next"):
            receive_batch(s, check.id, _batch(check, 5, received[10:]))
        receive_batch(s, check.id, _batch(check, 2, received[10:]))
        with pytest.raises(NotPermitted, match="not the one the station check was started with"):
            receive_batch(s, check.id, StationBatchIn(token="forged", seq=3, events=[]))
        done = finish_check(s, world.lead, check.id, sent)
        assert done.status == "passed" and done.page_ready_at is not None and done.figures["keys_sent"] == 15
        with pytest.raises(NotPermitted, match="already passed"):
            finish_check(s, world.lead, check.id, sent)
        with pytest.raises(NotPermitted, match="is finished"):
            receive_batch(s, check.id, _batch(check, 3, []))

        failing = begin_check(s, world.admin, world.session_id, "Room 2 PC 5")
        _, lost = sent_and_received(drop={0})
        receive_batch(s, failing.id, _batch(failing, 0, lost))
        failed = finish_check(s, world.admin, failing.id, sent)
        assert failed.status == "failed" and "1 of 15 keys never arrived ('a')" in failed.reason
        assert set(latest_by_station(s, world.session_id)) == {"room 2 pc 4", "room 2 pc 5"}
        actions = [(r.action, json.loads(r.details_json).get("station")) for r in
                   s.scalars(select(AuditRecord).where(AuditRecord.action.like("station_check.%"))
                             .order_by(AuditRecord.seq))]
        assert actions == [("station_check.started", "Room 2 PC 4"), ("station_check.passed", "Room 2 PC 4"),
                           ("station_check.started", "Room 2 PC 5"), ("station_check.failed", "Room 2 PC 5")]


def test_refusals_change_nothing(fresh_database, fast_hashing):  # noqa: F811
    world = build_world(fresh_database)
    with world.session() as s:
        with pytest.raises(InvalidInput, match="station: give the workstation's name"):
            begin_check(s, world.admin, world.session_id, "")
        with pytest.raises(NotFound):
            begin_check(s, world.admin, 999, "PC 1")
        exams.close_session(s, world.lead, world.session_id)
        with pytest.raises(NotPermitted, match="is closed"):
            begin_check(s, world.admin, world.session_id, "PC 1")
        assert s.scalar(sa.text("SELECT count(*) FROM station_checks")) == 0
    with pytest.raises(InvalidInput, match="loc"):
        parse_batch(b'{"token": "t", "seq": 0, "events": [{"type": "down", "key": "a", "code": "KeyA", '
                    b'"loc": 7, "t": 1}]}')


def test_0004_adds_station_checks_on_top_of_0003_and_downgrades_cleanly(tmp_path):
    from results import database

    engine = database.make_engine(f"sqlite:///{tmp_path / 'm.sqlite3'}")
    try:
        _migrate(engine, "0003")
        assert "station_checks" not in sa.inspect(engine).get_table_names()
        _migrate(engine, "0004")
        assert "station_checks" in sa.inspect(engine).get_table_names()
        from alembic import command

        _migrate(engine, "0003", command.downgrade)
        assert "station_checks" not in sa.inspect(engine).get_table_names()
    finally:
        engine.dispose()


def test_a_check_that_could_not_finish_is_recorded_as_failed(fresh_database, fast_hashing):  # noqa: F811
    from assessments.station_checks import abandon_check

    world = build_world(fresh_database)
    with world.session() as s:
        check = begin_check(s, world.lead, world.session_id, "PC 9")
        done = abandon_check(s, world.lead, check.id, "timed out after 60 s waiting for the check page")
        assert done.status == "failed"
        assert done.reason == "The check could not be completed: timed out after 60 s waiting for the check page."
        assert abandon_check(s, world.lead, check.id, "again").reason == done.reason  # once only
