"""Attempts as CSV rows and printable summary rows: one row per attempt, the standing score."""

from __future__ import annotations

import csv
import io
import re
from datetime import datetime, timedelta, timezone

import pytest

from results.exports import (
    CSV_COLUMNS,
    SummaryRow,
    attempt_row,
    attempts_csv,
    summary_row,
    summary_rows,
)
from results.finishing import finish_attempt, rescore_typing_attempt
from results.keystroke_log import ingest_batch, parse_batch
from results.models import Attempt, Incident, Person, Score
from results.typing_attempts import TypingSetup, start_typing_attempt
from tests.integration.helpers import batch_body, key_events

STARTED = datetime(2025, 3, 4, 14, 0, 5)  # naive, as SQLite returns it: UTC
FINISHED = datetime(2025, 3, 4, 14, 5, 9)
EASTERN = timezone(timedelta(hours=-5))


def score(version=1, **kw) -> Score:
    values = {"version": version, "rule": "standard", "seconds": 300.0, "gross_count": 1300, "rate_unit": "WPM",
              "gross_rate": 52.0, "net_rate": 51.4, "errors": 3, "accuracy": 97.5, "threshold": 45.0,
              "passed": True, "typed_text": "", "details_json": "{}"}
    return Score(**{**values, **kw})


def attempt(*, name="Ana Ruiz", scores=(), incidents=0, **kw) -> Attempt:
    values = {"id": "a1", "test": "typing", "mode": "exam", "form_id": "exam-form-a", "duration_s": 300,
              "rule": "standard", "threshold": 45.0, "started_at": STARTED, "finished_at": FINISHED,
              "end_reason": "time"}
    row = Attempt(**{**values, **kw})
    row.person = Person(name=name)
    row.scores = list(scores)
    row.incidents = [Incident(kind="focus_lost") for _ in range(incidents)]
    return row


FINISHED_TYPING = {
    "attempt_id": "a1", "person": "Ana Ruiz", "test": "typing", "form": "exam-form-a", "mode": "exam",
    "duration_s": "300", "started_utc": "2025-03-04T14:00:05Z", "finished_utc": "2025-03-04T14:05:09Z",
    "rate_unit": "WPM", "gross_rate": "52.00", "errors": "3", "net_rate": "51.40", "accuracy": "97.50",
    "rule": "standard", "threshold": "45.00", "passed": "yes", "score_version": "1", "score_versions": "1",
    "end_reason": "time", "incidents": "0",
}


@pytest.mark.parametrize("row, expected", [
    pytest.param(attempt(scores=[score()]), {}, id="typing-passed"),
    pytest.param(attempt(scores=[score(passed=False, net_rate=44.995)], incidents=2),
                 {"passed": "no", "net_rate": "45.00", "incidents": "2"}, id="not-passed-halves-rounded-up"),
    pytest.param(attempt(test="tenkey", form_id="tenkey-exam-b", end_reason="early",
                         scores=[score(rate_unit="KPH", gross_rate=9120.0, net_rate=8640.5, accuracy=96.0,
                                       rule="Enter not counted, keypad only", threshold=8000.0)]),
                 {"test": "tenkey", "form": "tenkey-exam-b", "rate_unit": "KPH", "gross_rate": "9120.00",
                  "net_rate": "8640.50", "accuracy": "96.00", "rule": "Enter not counted, keypad only",
                  "threshold": "8000.00",
                  "end_reason": "early"}, id="tenkey"),
    pytest.param(attempt(test="drill", mode="practice", scores=[score(accuracy=None, rate_unit="KPH")]),
                 {"test": "drill", "mode": "practice", "accuracy": "", "rate_unit": "KPH"}, id="drill-no-accuracy"),
    pytest.param(attempt(scores=[score(), score(version=2, rule="penalty:10", net_rate=40.0, passed=False)]),
                 {"score_versions": "2"}, id="re-scored-the-first-version-stands"),
    pytest.param(attempt(finished_at=None, end_reason=None),
                 {"finished_utc": "", "end_reason": "", "rate_unit": "", "gross_rate": "", "errors": "",
                  "net_rate": "", "accuracy": "", "rule": "", "threshold": "", "passed": "", "score_version": "",
                  "score_versions": "0"}, id="not-finished"),
    pytest.param(attempt(scores=[score()], started_at=datetime(2025, 3, 4, 9, 0, 5, tzinfo=EASTERN)),
                 {"started_utc": "2025-03-04T14:00:05Z"}, id="aware-time-converted-to-utc"),
    pytest.param(attempt(scores=[score()], name="=HYPERLINK(\"http://x\")"),
                 {"person": "'=HYPERLINK(\"http://x\")"}, id="formula-name-kept-as-text"),
    pytest.param(attempt(scores=[score()], name="-Ana"), {"person": "'-Ana"}, id="leading-minus"),
    pytest.param(attempt(scores=[score()], name="@Ana"), {"person": "'@Ana"}, id="leading-at"),
    pytest.param(attempt(scores=[score()], name="Ana, \"Ana\" Ruiz"), {"person": "Ana, \"Ana\" Ruiz"},
                 id="comma-and-quotes-left-to-the-csv-module"),
])
def test_attempt_row(row, expected):
    assert attempt_row(row) == {**FINISHED_TYPING, **expected}


def test_every_row_has_every_column_in_order():
    assert list(attempt_row(attempt())) == list(CSV_COLUMNS)
    assert list(attempt_row(attempt(scores=[score()]))) == list(CSV_COLUMNS)


@pytest.mark.parametrize("row, expected", [
    pytest.param(attempt(scores=[score()]),
                 SummaryRow("Ana Ruiz", "Typing (exam)", "2025-03-04", "51.40 WPM", "3", "97.50 %", "PASS"),
                 id="typing-passed"),
    pytest.param(attempt(test="tenkey", mode="practice",
                         scores=[score(rate_unit="KPH", net_rate=8640.5, passed=False, errors=2)]),
                 SummaryRow("Ana Ruiz", "10-key (practice)", "2025-03-04", "8,640.50 KPH", "2", "97.50 %",
                            "NOT PASSED"), id="tenkey-not-passed"),
    pytest.param(attempt(test="drill", scores=[score(accuracy=None, rate_unit="KPH", net_rate=7000.0)]),
                 SummaryRow("Ana Ruiz", "10-key adding-machine drill (exam)", "2025-03-04", "7,000.00 KPH", "3", "",
                            "PASS"), id="drill"),
    pytest.param(attempt(finished_at=None),
                 SummaryRow("Ana Ruiz", "Typing (exam)", "2025-03-04", "", "", "", "not finished"), id="not-finished"),
])
def test_summary_row(row, expected):
    assert summary_row(row) == expected
    assert len(expected.cells()) == len(SummaryRow.HEADINGS)


# --------------------------------------------------------------------------- from the records


def _finished_typing(factory, name: str, typed: str) -> str:
    with factory() as session:
        row = start_typing_attempt(session, TypingSetup(name, form_id="practice-short", duration_s=60))
    with factory() as session:
        ingest_batch(session, row.id, parse_batch(batch_body(row.capture_token, 0, key_events(typed), typed)))
        finish_attempt(session, row.id, row.capture_token, "early")
    return row.id


def test_attempts_csv_from_the_records(fresh_database):
    first = _finished_typing(fresh_database, "Ana Ruiz", "Dear customer")
    second = _finished_typing(fresh_database, "Ben Okafor", "Dear")
    with fresh_database() as session:
        rescore_typing_attempt(session, second, "penalty:10")
    with fresh_database() as session:
        text = attempts_csv(session, [second, first, second])
        summary = summary_rows(session, [first])
    assert text.startswith(",".join(CSV_COLUMNS) + "\r\n")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert [(r["person"], r["score_version"], r["score_versions"], r["rule"]) for r in rows] == [
        ("Ben Okafor", "1", "2", "standard"), ("Ana Ruiz", "1", "1", "standard")]
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", rows[1]["finished_utc"])
    assert [s.candidate for s in summary] == ["Ana Ruiz"]


def test_an_unknown_attempt_is_an_error_not_a_shorter_file(fresh_database):
    first = _finished_typing(fresh_database, "Ana Ruiz", "Dear")
    with fresh_database() as session:
        with pytest.raises(LookupError, match="no test attempt 'nope', 'gone'"):
            attempts_csv(session, [first, "nope", "gone"])
        with pytest.raises(LookupError, match="'nope'"):
            summary_rows(session, ["nope"])


def test_no_attempts_is_a_header_only_file(fresh_database):
    with fresh_database() as session:
        assert attempts_csv(session, []) == ",".join(CSV_COLUMNS) + "\r\n"
