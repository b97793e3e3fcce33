"""Typing attempts end to end on a real database: log in, score out, records immutable."""

from __future__ import annotations

import json

import pytest

from results.keystroke_log import ingest_batch, parse_batch
from results.models import Attempt, Incident, KeystrokeBatch, Score
from results.attempts import SetupError, attempts_of
from results.finishing import finish_attempt, rescore_typing_attempt
from results.typing_attempts import TypingSetup, start_typing_attempt
from skills_tests.passages import get_passage
from tests.integration.helpers import batch_body, key_events

SOURCE = get_passage("practice-short").text


def _type(factory, attempt, text: str, *, interval_ms: float = 200.0, browser_text: str | None = None) -> None:
    events = key_events(text, 1000.0, interval_ms)
    half = len(events) // 2
    with factory() as session:
        ingest_batch(session, attempt.id, parse_batch(batch_body(attempt.capture_token, 0, events[:half])))
        ingest_batch(session, attempt.id, parse_batch(batch_body(
            attempt.capture_token, 1, events[half:], text if browser_text is None else browser_text)))


def _start(factory, **kw) -> Attempt:
    with factory() as session:
        return start_typing_attempt(session, TypingSetup(kw.pop("name", "Ana Ruiz"), form_id="practice-short",
                                                         duration_s=kw.pop("duration_s", 60), **kw))


def test_the_score_comes_from_the_keystrokes_with_planted_errors(fresh_database):
    words = SOURCE.split()[:12]
    words[3] = words[3].upper() + "x"  # one wrong word
    del words[7]  # one omitted word
    typed = " ".join(words)
    attempt = _start(fresh_database)
    _type(fresh_database, attempt, typed)
    with fresh_database() as session:
        score = finish_attempt(session, attempt.id, attempt.capture_token, "early")
        assert score.typed_text == typed
        assert score.errors == 2
        kinds = sorted(e["kind"] for e in json.loads(score.details_json)["score"]["error_list"])
        assert kinds == ["omitted", "wrong"]
        # 200 ms per character from the first to the last keystroke
        assert score.seconds == pytest.approx((len(typed) - 1) * 0.2)
        assert score.gross_count == len(typed)
        assert session.get(Attempt, attempt.id).status == "finished"


def test_backspace_corrections_are_rebuilt_from_the_log(fresh_database):
    first = SOURCE.split()[0]
    attempt = _start(fresh_database)
    _type(fresh_database, attempt, first[:-1] + "q\b" + first[-1])
    with fresh_database() as session:
        score = finish_attempt(session, attempt.id, attempt.capture_token, "time")
        assert (score.typed_text, score.errors, score.seconds) == (first, 0, 60.0)
        assert json.loads(score.details_json)["metrics"]["corrections"] == 1


def test_keys_after_time_ran_out_are_not_counted_and_are_reported(fresh_database):
    attempt = _start(fresh_database)
    text = SOURCE[:80]
    _type(fresh_database, attempt, text, interval_ms=1000.0)  # 80 keys over 79 s, limit 60 s
    with fresh_database() as session:
        score = finish_attempt(session, attempt.id, attempt.capture_token, "early")
        assert score.typed_text == text[:61]
        assert session.get(Attempt, attempt.id).end_reason == "time"
        kinds = [i.kind for i in session.get(Attempt, attempt.id).incidents]
        assert "late_keys" in kinds


def test_a_browser_text_that_differs_from_the_keystrokes_is_recorded(fresh_database):
    attempt = _start(fresh_database)
    _type(fresh_database, attempt, "Dear", browser_text="Dear customer, pasted")
    with fresh_database() as session:
        score = finish_attempt(session, attempt.id, attempt.capture_token, "early")
        assert score.typed_text == "Dear"
        assert [i.kind for i in session.get(Attempt, attempt.id).incidents] == ["text_mismatch"]


def test_finishing_twice_returns_the_first_score(fresh_database):
    attempt = _start(fresh_database)
    _type(fresh_database, attempt, "Dear")
    with fresh_database() as session:
        first = finish_attempt(session, attempt.id, attempt.capture_token, "early")
        again = finish_attempt(session, attempt.id, attempt.capture_token, "time")
        assert first.id == again.id


def test_a_rescore_is_a_new_version_and_the_old_one_stands(fresh_database):
    attempt = _start(fresh_database)
    words = SOURCE.split()[:20]
    words[2] = "zzz"
    _type(fresh_database, attempt, " ".join(words))
    with fresh_database() as session:
        original = finish_attempt(session, attempt.id, attempt.capture_token, "time")
        again = rescore_typing_attempt(session, attempt.id, "penalty:10")
        assert (original.version, again.version) == (1, 2)
        assert again.rule == "penalty:10" and original.rule == "standard"
        assert again.net_rate < original.net_rate
        assert session.get(Attempt, attempt.id).latest_score.version == 2


@pytest.mark.parametrize("record", [Score, KeystrokeBatch])
def test_stored_scores_and_keystrokes_cannot_be_edited_or_deleted(fresh_database, record):
    attempt = _start(fresh_database)
    _type(fresh_database, attempt, "Dear")
    with fresh_database() as session:
        finish_attempt(session, attempt.id, attempt.capture_token, "early")
    with fresh_database() as session:
        row = session.query(record).first()
        if record is Score:
            row.net_rate = 99.0
        else:
            row.text_snapshot = "forged"
        with pytest.raises(PermissionError, match="append-only"):
            session.commit()
    with fresh_database() as session:
        with pytest.raises(PermissionError, match="append-only"):
            session.delete(session.query(record).first())
            session.flush()


def test_incidents_cannot_be_deleted(fresh_database):
    attempt = _start(fresh_database)
    with fresh_database() as session:
        session.add(Incident(attempt_id=attempt.id, kind="paste"))
        session.commit()
        session.delete(session.query(Incident).first())
        with pytest.raises(PermissionError):
            session.flush()


@pytest.mark.parametrize(("setup", "says"), [
    pytest.param(TypingSetup("  "), "enter your name", id="blank-name"),
    pytest.param(TypingSetup("A" * 121), "120 characters", id="long-name"),
    pytest.param(TypingSetup("Ana", mode="homework"), "Mode must be", id="unknown-mode"),
    pytest.param(TypingSetup("Ana", form_id="exam-form-z"), "exam-form-a", id="unknown-passage"),
    pytest.param(TypingSetup("Ana", duration_s=120), "1 min, 3 min, 5 min", id="duration-not-offered"),
    pytest.param(TypingSetup("Ana", rule="penalty:-3"), "penalty", id="bad-rule"),
    pytest.param(TypingSetup("Ana", max_errors=-1), "negative", id="negative-max-errors"),
])
def test_bad_setups_are_refused_with_a_clear_message(fresh_database, setup, says):
    with fresh_database() as session, pytest.raises(SetupError, match=says):
        start_typing_attempt(session, setup)
    with fresh_database() as session:
        assert session.query(Attempt).count() == 0


def test_history_lists_a_person_s_attempts_newest_first_whatever_the_name_s_case(fresh_database):
    first = _start(fresh_database, name="Ana Ruiz")
    second = _start(fresh_database, name="ana  ruiz")
    other = _start(fresh_database, name="Bo Chen")
    with fresh_database() as session:
        history = attempts_of(session, first.person_id, ["typing"])
        assert [a.id for a in history] == [second.id, first.id]
        assert other.person_id != first.person_id
