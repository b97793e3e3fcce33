"""Typing-test attempts: starting one, finishing and scoring it, re-scoring, history.

Scores are computed here, on the server, from the stored keystroke log; what the browser
claims the candidate typed is only compared with it and any difference is recorded.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Literal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from results.keystroke_log import stored_events
from results.models import Attempt, Incident, Person, Score, utcnow
from skills_tests.keystrokes import KeyEvent, events_in_window, first_keystroke_time, reconstruct_text
from skills_tests.passages import get_passage
from skills_tests.typing_metrics import typing_metrics
from skills_tests.typing_scoring import DEFAULT_THRESHOLD_NET_WPM, TypingRule, TypingScore, score_typing

TYPING_DURATIONS_S = (60, 180, 300)
MODES = ("practice", "exam")
EndReason = Literal["time", "completed", "early"]
END_REASONS: tuple[str, ...] = ("time", "completed", "early")


class SetupError(ValueError):
    """A test could not be started; the message says what to change."""


@dataclass(frozen=True)
class TypingSetup:
    person_name: str
    mode: str = "practice"
    form_id: str = "exam-form-a"
    duration_s: int = 300
    rule: str = "standard"
    threshold: float = DEFAULT_THRESHOLD_NET_WPM
    max_errors: int | None = None

    def validated(self) -> TypingSetup:
        name = " ".join(self.person_name.split())
        if not name:
            raise SetupError("Please enter your name, so your results can be found again.")
        if len(name) > 120:
            raise SetupError("The name is longer than 120 characters; please shorten it.")
        if self.mode not in MODES:
            raise SetupError(f"Mode must be one of {', '.join(MODES)}, not {self.mode!r}.")
        try:
            get_passage(self.form_id)
        except KeyError as error:
            raise SetupError(str(error.args[0])) from None
        if self.duration_s not in TYPING_DURATIONS_S:
            allowed = ", ".join(f"{d // 60} min" for d in TYPING_DURATIONS_S)
            raise SetupError(f"The test lasts {allowed}; {self.duration_s} seconds is not offered.")
        try:
            rule = str(TypingRule.parse(self.rule))
        except ValueError as error:
            raise SetupError(str(error)) from None
        if self.max_errors is not None and self.max_errors < 0:
            raise SetupError("The maximum number of errors cannot be negative.")
        return TypingSetup(name, self.mode, self.form_id, self.duration_s, rule, self.threshold, self.max_errors)


def find_or_create_person(session: Session, name: str) -> Person:
    person = session.scalars(select(Person).where(func.lower(Person.name) == name.lower())).first()
    if person is None:
        person = Person(name=name)
        session.add(person)
        session.flush()
    return person


def start_typing_attempt(session: Session, setup: TypingSetup) -> Attempt:
    setup = setup.validated()
    person = find_or_create_person(session, setup.person_name)
    attempt = Attempt(
        person_id=person.id, test="typing", mode=setup.mode, form_id=setup.form_id,
        duration_s=setup.duration_s, rule=setup.rule, threshold=setup.threshold, max_errors=setup.max_errors,
    )
    session.add(attempt)
    session.commit()
    return attempt


@dataclass(frozen=True)
class TypingOutcome:
    """Everything measured for one attempt under one rule."""

    typed_text: str
    score: TypingScore
    metrics_json: dict
    late_keystrokes: int


def elapsed_seconds(events: list[KeyEvent], duration_s: float, end_reason: str) -> float:
    """Time out: the full duration. Finished: first to last keystroke that changed the text."""
    if end_reason == "time":
        return float(duration_s)
    editing = [e.t for e in events if e.edits_text]
    if len(editing) < 2:
        return float(duration_s) if not editing else 1.0
    return min(float(duration_s), max(1.0, (editing[-1] - editing[0]) / 1000.0))


def measure(source: str, events: list[KeyEvent], duration_s: float, end_reason: str, rule: str) -> TypingOutcome:
    """Score a keystroke log: the single place where an attempt becomes figures."""
    window = events_in_window(events, duration_s)
    typed = reconstruct_text(window)
    ended_by = "time" if end_reason == "time" else "completion"
    seconds = elapsed_seconds(window, duration_s, end_reason)
    score = score_typing(source, typed, seconds, rule, ended_by)
    metrics = typing_metrics(source, window, seconds)  # the speed chart covers the scored time only
    late = sum(1 for e in events if e.edits_text) - sum(1 for e in window if e.edits_text)
    return TypingOutcome(typed, score, metrics.to_dict(), late)


def _store_score(session: Session, attempt: Attempt, outcome: TypingOutcome, rule: str,
                 threshold: float, max_errors: int | None) -> Score:
    version = 1 + (session.scalar(select(func.max(Score.version)).where(Score.attempt_id == attempt.id)) or 0)
    score = outcome.score
    row = Score(
        attempt_id=attempt.id, version=version, rule=rule, seconds=score.seconds, gross_chars=score.gross_chars,
        gross_wpm=score.gross_wpm, errors=score.errors, net_wpm=score.net_wpm, threshold=threshold,
        max_errors=max_errors, passed=score.passes(threshold, max_errors), typed_text=outcome.typed_text,
        details_json=json.dumps({
            "score": score.to_dict(), "metrics": outcome.metrics_json, "late_keystrokes": outcome.late_keystrokes,
        }),
    )
    session.add(row)
    return row


def finish_typing_attempt(session: Session, attempt_id: str, token: str, end_reason: str) -> Score:
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
        end_reason = "time"  # typing went on to the limit: it ended by time, whatever the page said
    source = get_passage(attempt.form_id).text
    outcome = measure(source, events, attempt.duration_s, end_reason, attempt.rule)

    browser_text = attempt.batches[-1].text_snapshot if attempt.batches else ""
    if browser_text.rstrip() != outcome.typed_text.rstrip():
        session.add(Incident(attempt_id=attempt.id, kind="text_mismatch",
                             detail="the typing area held different text from the one the keystrokes produce"))
    if outcome.late_keystrokes:
        session.add(Incident(attempt_id=attempt.id, kind="late_keys",
                             detail=f"{outcome.late_keystrokes} keystrokes after time ran out were not counted"))
    attempt.status = "finished"
    attempt.finished_at = utcnow()
    attempt.end_reason = end_reason
    row = _store_score(session, attempt, outcome, attempt.rule, attempt.threshold, attempt.max_errors)
    session.commit()
    return row


def rescore_typing_attempt(session: Session, attempt_id: str, rule: str, threshold: float | None = None,
                           max_errors: int | None = None) -> Score:
    """Score a finished attempt again under another rule: a new version, the old one stands."""
    attempt = session.get(Attempt, attempt_id)
    if attempt is None or attempt.status != "finished":
        raise LookupError(f"no finished test attempt {attempt_id!r}")
    rule = str(TypingRule.parse(rule))
    events = stored_events(attempt.batches)
    outcome = measure(get_passage(attempt.form_id).text, events, attempt.duration_s, attempt.end_reason or "time", rule)
    row = _store_score(session, attempt, outcome, rule, attempt.threshold if threshold is None else threshold,
                       max_errors)
    session.commit()
    return row


def attempts_of(session: Session, person_id: int, test: str = "typing") -> list[Attempt]:
    """A person's attempts, newest first."""
    return list(session.scalars(
        select(Attempt).where(Attempt.person_id == person_id, Attempt.test == test).order_by(Attempt.created_at.desc())
    ))
