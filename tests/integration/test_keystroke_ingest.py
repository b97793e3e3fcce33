"""Storing keystroke batches in a real database: all or nothing, in order, idempotent."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from results.keystroke_log import MAX_BATCH_BYTES, IngestError, ingest_batch, parse_batch
from results.models import Incident, KeystrokeBatch
from results.typing_attempts import TypingSetup, start_typing_attempt
from tests.integration.helpers import batch_body, key_events


@pytest.fixture
def attempt(fresh_database):
    with fresh_database() as session:
        return start_typing_attempt(session, TypingSetup("Ana Ruiz", form_id="practice-short", duration_s=60))


def _ingest(factory, attempt, body: bytes):
    with factory() as session:
        return ingest_batch(session, attempt.id, parse_batch(body))


def _counts(factory, attempt) -> tuple[int, int]:
    with factory() as session:
        batches = session.scalar(select(func.count()).select_from(KeystrokeBatch).where(KeystrokeBatch.attempt_id == attempt.id))
        incidents = session.scalar(select(func.count()).select_from(Incident).where(Incident.attempt_id == attempt.id))
        return batches, incidents


def test_batches_in_sequence_are_stored_and_start_the_attempt(fresh_database, attempt):
    _ingest(fresh_database, attempt, batch_body(attempt.capture_token, 0, key_events("Dear", 1000), "Dear"))
    _ingest(fresh_database, attempt, batch_body(attempt.capture_token, 1, key_events(" cu", 2000), "Dear cu",
                                                [{"kind": "focus_lost", "t": 2500}]))
    assert _counts(fresh_database, attempt) == (2, 1)
    with fresh_database() as session:
        from results.models import Attempt
        assert session.get(Attempt, attempt.id).status == "in_progress"


def test_a_repeated_batch_is_acknowledged_as_duplicate_and_changes_nothing(fresh_database, attempt):
    body = batch_body(attempt.capture_token, 0, key_events("Dear", 1000), "Dear", [{"kind": "paste", "t": 5}])
    _ingest(fresh_database, attempt, body)
    with pytest.raises(IngestError) as refused:
        _ingest(fresh_database, attempt, body)
    assert refused.value.status == 409 and refused.value.extra == {"duplicate": True}
    assert "already stored" in refused.value.message
    assert _counts(fresh_database, attempt) == (1, 1)


def test_a_gap_in_the_sequence_is_refused_with_the_expected_number(fresh_database, attempt):
    _ingest(fresh_database, attempt, batch_body(attempt.capture_token, 0, key_events("a"), "a"))
    with pytest.raises(IngestError) as refused:
        _ingest(fresh_database, attempt, batch_body(attempt.capture_token, 2, key_events("b", 5000), "ab"))
    assert refused.value.status == 409 and refused.value.extra == {"expected": 1}
    assert "out of order" in refused.value.message
    assert _counts(fresh_database, attempt) == (1, 0)


def _with(events: list[dict], index: int, **changes) -> list[dict]:
    events = [dict(e) for e in events]
    events[index].update(changes)
    return events


GOOD = key_events("abc")


@pytest.mark.parametrize(("body", "status", "says"), [
    pytest.param(b"{not json", 422, "malformed", id="not-json"),
    pytest.param(b"[]", 422, "malformed", id="not-an-object"),
    pytest.param(json.dumps({"seq": 0, "events": [], "text": ""}).encode(), 422, "token", id="missing-token"),
    pytest.param(batch_body("T", -1, GOOD), 422, "seq", id="negative-seq"),
    pytest.param(batch_body("T", 0, _with(GOOD, 0, type="press")), 422, "type", id="unknown-event-type"),
    pytest.param(batch_body("T", 0, _with(GOOD, 0, loc=7)), 422, "loc", id="location-out-of-range"),
    pytest.param(batch_body("T", 0, _with(GOOD, 0, key="x" * 40)), 422, "key", id="key-too-long"),
    pytest.param(batch_body("T", 0, _with(GOOD, 0, extra=1)), 422, "extra", id="unknown-field"),
    pytest.param(batch_body("T", 0, _with(GOOD, 1, t=-5)), 422, "t", id="negative-time"),
    pytest.param(batch_body("T", 0, GOOD, incidents=[{"kind": "hacked", "t": 1}]), 422, "kind", id="unknown-incident"),
    pytest.param(b" " * (MAX_BATCH_BYTES + 1), 413, "most one batch", id="oversized"),
])
def test_malformed_batches_are_refused_before_touching_the_database(body, status, says):
    with pytest.raises(IngestError) as refused:
        parse_batch(body)
    assert refused.value.status == status
    assert says in refused.value.message


@pytest.mark.parametrize(("make", "status", "says"), [
    pytest.param(lambda a: batch_body("wrong-token", 0, GOOD, "abc"), 403, "capture token", id="wrong-token"),
    pytest.param(lambda a: batch_body(a.capture_token, 0, _with(GOOD, 2, t=1.0), "abc"), 422, "time order",
                 id="events-out-of-time-order"),
], )
def test_refused_batches_store_nothing(fresh_database, attempt, make, status, says):
    with pytest.raises(IngestError) as refused:
        _ingest(fresh_database, attempt, make(attempt))
    assert (refused.value.status, says in refused.value.message) == (status, True)
    assert _counts(fresh_database, attempt) == (0, 0)


def test_a_batch_that_starts_before_the_previous_one_ended_is_refused(fresh_database, attempt):
    _ingest(fresh_database, attempt, batch_body(attempt.capture_token, 0, key_events("ab", 5000), "ab"))
    with pytest.raises(IngestError) as refused:
        _ingest(fresh_database, attempt, batch_body(attempt.capture_token, 1, key_events("c", 1000), "abc",
                                                    [{"kind": "paste", "t": 1}]))
    assert refused.value.status == 422 and "out of order" in refused.value.message
    assert _counts(fresh_database, attempt) == (1, 0)


def test_unknown_attempt_is_refused(fresh_database):
    with fresh_database() as session, pytest.raises(IngestError) as refused:
        ingest_batch(session, "nope", parse_batch(batch_body("T", 0, GOOD)))
    assert refused.value.status == 404
