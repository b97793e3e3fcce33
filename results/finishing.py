"""Ending an attempt and scoring it, for every kind of test, in one transaction.

Each test contributes one measuring function (keystroke log -> Measurement); everything
else - the capture token, the end reason, late keys, the browser/keystroke comparison,
timing flags on exam attempts (incidents of kind ``timing_flag``), score versions - is the
same for all tests and lives here.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.orm import Session

from results.attempts import END_REASONS, Measurement, store_score
from results.keystroke_log import stored_events
from results.models import Attempt, Incident, Score, utcnow
from results.tenkey_attempts import measure_drill_attempt, measure_tenkey_attempt
from results.typing_attempts import measure_typing_attempt
from skills_tests.keystrokes import KeyEvent, first_keystroke_time
from skills_tests.timing_integrity import timing_flags
from skills_tests.typing_scoring import TypingRule

Measure = Callable[[Attempt, list[KeyEvent], str], Measurement]
MEASURES: dict[str, Measure] = {
    "typing": measure_typing_attempt,
    "tenkey": measure_tenkey_attempt,
    "drill": measure_drill_attempt,
}
RESULT_PAGES = {"typing": "/typing/result/{id}", "tenkey": "/tenkey/result/{id}", "drill": "/tenkey/drill/result/{id}"}


def result_url(attempt: Attempt) -> str:
    return RESULT_PAGES[attempt.test].format(id=attempt.id)


def finish_attempt(session: Session, attempt_id: str, token: str, end_reason: str) -> Score:
    """End an attempt and store its first score. Finishing twice returns the same score."""
    attempt = session.get(Attempt, attempt_id)
    if attempt is None:
        raise LookupError(f"no test attempt {attempt_id!r}")
    if token != attempt.capture_token:
        raise PermissionError("this page is not the one the attempt was started on")
    if attempt.status == "finished":
        return attempt.scores[0]
    if end_reason not in END_REASONS:
        raise ValueError(f"end reason must be one of {', '.join(END_REASONS)}, not {end_reason!r}")

    events = stored_events(attempt.batches)
    start = first_keystroke_time(events)
    last_edit = max((e.t for e in events if e.edits_text), default=None)
    if end_reason != "time" and start is not None and last_edit - start >= attempt.duration_s * 1000:
        end_reason = "time"  # keys went on to the limit: it ended by time, whatever the page said
    measured = MEASURES[attempt.test](attempt, events, end_reason)

    browser_text = attempt.batches[-1].text_snapshot if attempt.batches else ""
    if browser_text.rstrip() != measured.typed_text.rstrip():
        session.add(Incident(attempt_id=attempt.id, kind="text_mismatch",
                             detail="the entry area held different text from the one the keystrokes produce"))
    if measured.late_keystrokes:
        session.add(Incident(attempt_id=attempt.id, kind="late_keys",
                             detail=f"{measured.late_keystrokes} keystrokes after time ran out were not counted"))
    if attempt.mode == "exam" and start is not None:  # flags for HR to review, never a verdict
        for flag in timing_flags(events):
            session.add(Incident(attempt_id=attempt.id, kind="timing_flag", t=start + flag.start_s * 1000,
                                 detail=flag.message))
    attempt.status = "finished"
    attempt.finished_at = utcnow()
    attempt.end_reason = end_reason
    row = store_score(session, attempt, measured)
    session.commit()
    return row


def rescore_typing_attempt(session: Session, attempt_id: str, rule: str) -> Score:
    """Score a finished typing attempt again under another rule: a new version; the old one stands."""
    attempt = session.get(Attempt, attempt_id)
    if attempt is None or attempt.status != "finished" or attempt.test != "typing":
        raise LookupError(f"no finished typing attempt {attempt_id!r}")
    rule = str(TypingRule.parse(rule))
    measured = measure_typing_attempt(attempt, stored_events(attempt.batches), attempt.end_reason or "time", rule)
    row = store_score(session, attempt, measured)
    session.commit()
    return row
