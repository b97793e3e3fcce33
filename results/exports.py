"""Attempts as a CSV file for HR's spreadsheets, and as rows for a printable summary.

Each attempt is reported with its first score version, the one that stands; the
``score_version`` column says so and ``score_versions`` how many re-scores exist.
Unfinished attempts have a row with the score columns empty.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from results.certificates import TEST_LABELS, as_utc
from results.models import Attempt, Score
from skills_tests.typing_scoring import report_round

CSV_COLUMNS = (
    "attempt_id", "person", "test", "form", "mode", "duration_s", "started_utc", "finished_utc",
    "rate_unit", "gross_rate", "errors", "net_rate", "accuracy", "rule", "threshold", "passed",
    "score_version", "score_versions", "end_reason", "incidents",
)
# A spreadsheet runs a cell that starts with one of these as a formula: a name typed as
# "=HYPERLINK(...)" must arrive as text.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def utc_iso(moment: datetime | None) -> str:
    return "" if moment is None else as_utc(moment).strftime("%Y-%m-%dT%H:%M:%SZ")


def _text_cell(value: str) -> str:
    return "'" + value if value.startswith(_FORMULA_STARTS) else value


def _figure(value: float | None) -> str:
    return "" if value is None else f"{report_round(value):.2f}"


def standing_score(attempt: Attempt) -> Score | None:
    return attempt.scores[0] if attempt.scores else None


def attempt_row(attempt: Attempt) -> dict[str, str]:
    """One CSV row: every value as text, figures to two decimals as reported."""
    score = standing_score(attempt)
    row = {
        "attempt_id": attempt.id, "person": _text_cell(attempt.person.name), "test": attempt.test,
        "form": _text_cell(attempt.form_id), "mode": attempt.mode, "duration_s": str(attempt.duration_s),
        "started_utc": utc_iso(attempt.started_at), "finished_utc": utc_iso(attempt.finished_at),
        "end_reason": attempt.end_reason or "", "incidents": str(len(attempt.incidents)),
        "score_versions": str(len(attempt.scores)),
    }
    if score is None:
        return {column: row.get(column, "") for column in CSV_COLUMNS}
    row.update({
        "rate_unit": score.rate_unit, "gross_rate": _figure(score.gross_rate), "errors": str(score.errors),
        "net_rate": _figure(score.net_rate), "accuracy": _figure(score.accuracy), "rule": _text_cell(score.rule),
        "threshold": _figure(score.threshold), "passed": "yes" if score.passed else "no",
        "score_version": str(score.version),
    })
    return {column: row[column] for column in CSV_COLUMNS}


def _attempts(session: Session, attempt_ids: Iterable[str]) -> list[Attempt]:
    """The attempts in the order asked for; an unknown id is an error, not a silently shorter file."""
    ids = list(dict.fromkeys(attempt_ids))
    found = {a.id: a for a in (session.get(Attempt, i) for i in ids) if a is not None}
    missing = [i for i in ids if i not in found]
    if missing:
        raise LookupError(f"no test attempt {', '.join(repr(i) for i in missing)}")
    return [found[i] for i in ids]


def attempts_csv(session: Session, attempt_ids: Iterable[str]) -> str:
    """A CSV file (header and one row per attempt, CRLF line ends as spreadsheets expect)."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=CSV_COLUMNS)
    writer.writeheader()
    for attempt in _attempts(session, attempt_ids):
        writer.writerow(attempt_row(attempt))
    return buffer.getvalue()


@dataclass(frozen=True)
class SummaryRow:
    """One line of a printable summary, every cell already in words."""

    candidate: str
    test: str
    date: str
    net: str
    errors: str
    accuracy: str
    result: str

    HEADINGS = ("Candidate", "Test", "Date (UTC)", "Net rate", "Errors", "Accuracy", "Result")

    def cells(self) -> tuple[str, ...]:
        return (self.candidate, self.test, self.date, self.net, self.errors, self.accuracy, self.result)


def summary_row(attempt: Attempt) -> SummaryRow:
    score = standing_score(attempt)
    when = attempt.finished_at or attempt.started_at or attempt.created_at
    test = f"{TEST_LABELS.get(attempt.test, attempt.test)} ({attempt.mode})"
    date = f"{as_utc(when):%Y-%m-%d}" if when else ""
    if score is None:
        return SummaryRow(attempt.person.name, test, date, "", "", "", "not finished")
    accuracy = "" if score.accuracy is None else f"{report_round(score.accuracy):.2f} %"
    return SummaryRow(attempt.person.name, test, date, f"{report_round(score.net_rate):,.2f} {score.rate_unit}",
                      str(score.errors), accuracy, "PASS" if score.passed else "NOT PASSED")


def summary_rows(session: Session, attempt_ids: Iterable[str]) -> list[SummaryRow]:
    """Rows for a printed summary, in the order asked for."""
    return [summary_row(attempt) for attempt in _attempts(session, attempt_ids)]
