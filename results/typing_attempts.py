"""Typing-test attempts: what a set-up may choose, and how the keystrokes become a score.

Scores are computed on the server from the stored keystroke log; what the browser claims
the candidate typed is only compared with it (see ``finishing``).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from results.attempts import (
    Measurement,
    SetupError,
    elapsed_seconds,
    find_or_create_person,
    validated_duration,
    validated_mode,
    validated_name,
)
from results.models import Attempt
from skills_tests.keystrokes import KeyEvent, events_in_window, reconstruct_text
from skills_tests.passages import get_passage
from skills_tests.typing_metrics import typing_metrics
from skills_tests.typing_scoring import DEFAULT_THRESHOLD_NET_WPM, TypingRule, score_typing


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
        try:
            get_passage(self.form_id)
        except KeyError as error:
            raise SetupError(str(error.args[0])) from None
        try:
            rule = str(TypingRule.parse(self.rule))
        except ValueError as error:
            raise SetupError(str(error)) from None
        if self.max_errors is not None and self.max_errors < 0:
            raise SetupError("The maximum number of errors cannot be negative.")
        return TypingSetup(validated_name(self.person_name), validated_mode(self.mode), self.form_id,
                           validated_duration(self.duration_s), rule, self.threshold, self.max_errors)


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


def _edits_text(event: KeyEvent) -> bool:
    return event.edits_text


def measure_typing(source: str, events: list[KeyEvent], duration_s: float, end_reason: str, rule: str,
                   threshold: float = DEFAULT_THRESHOLD_NET_WPM, max_errors: int | None = None) -> Measurement:
    """Score a typing keystroke log: the single place where typing becomes figures."""
    window = events_in_window(events, duration_s)
    typed = reconstruct_text(window)
    seconds = elapsed_seconds(window, duration_s, end_reason, _edits_text)
    score = score_typing(source, typed, seconds, rule, "time" if end_reason == "time" else "completion")
    metrics = typing_metrics(source, window, seconds)  # the speed chart covers the scored time only
    late = sum(1 for e in events if e.edits_text) - sum(1 for e in window if e.edits_text)
    return Measurement(
        rule=score.rule + (f", at most {max_errors} errors" if max_errors is not None else ""),
        seconds=score.seconds, typed_text=typed, gross_count=score.gross_chars, rate_unit="WPM",
        gross_rate=score.gross_wpm, net_rate=score.net_wpm, errors=score.errors, accuracy=score.word_accuracy,
        threshold=threshold, passed=score.passes(threshold, max_errors),
        details={"score": score.to_dict(), "metrics": metrics.to_dict()}, late_keystrokes=late,
    )


def measure_typing_attempt(attempt: Attempt, events: list[KeyEvent], end_reason: str,
                           rule: str | None = None) -> Measurement:
    return measure_typing(get_passage(attempt.form_id).text, events, attempt.duration_s, end_reason,
                          rule or attempt.rule, attempt.threshold, attempt.max_errors)
