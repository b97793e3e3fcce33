"""10-key attempts (entry test and adding-machine drill): set-up and measurement.

The entry field's content is rebuilt on the server from the keystroke log with the same
acceptance rules the page applies (``skills_tests.tenkey_scoring.tenkey_accepts`` and
``skills_tests.tenkey_drill.drill_accepts``); a difference is recorded as an incident.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial

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
from skills_tests.keystrokes import KeyEvent, events_in_window
from skills_tests.tenkey_drill import drill_accepts, rebuild_tape_text, score_drill
from skills_tests.tenkey_items import get_drill_batch, get_item_set
from skills_tests.tenkey_metrics import tenkey_metrics
from skills_tests.tenkey_scoring import (
    DEFAULT_MIN_ACCURACY,
    DEFAULT_THRESHOLD_NET_KPH,
    entries_from_text,
    rebuild_entry_text,
    score_tenkey,
    tenkey_accepts,
)

DRILL_TIME_LIMIT_S = 300


def tenkey_rule(count_enter: bool, keypad_only: bool) -> str:
    """The settings a 10-key score was computed under, in words for the result and reports."""
    return ("Enter counted" if count_enter else "Enter not counted") + (", keypad only" if keypad_only else "")


@dataclass(frozen=True)
class TenKeySetup:
    person_name: str
    mode: str = "practice"
    form_id: str = "tenkey-exam-a"
    duration_s: int = 300
    count_enter: bool = False
    keypad_only: bool = False
    threshold: float = DEFAULT_THRESHOLD_NET_KPH
    min_accuracy: float = DEFAULT_MIN_ACCURACY

    def validated(self) -> TenKeySetup:
        try:
            get_item_set(self.form_id)
        except KeyError as error:
            raise SetupError(str(error.args[0])) from None
        if not 0 <= self.min_accuracy <= 100:
            raise SetupError(f"The minimum accuracy is a percentage from 0 to 100, not {self.min_accuracy}.")
        if self.threshold < 0:
            raise SetupError("The pass mark in net KPH cannot be negative.")
        return TenKeySetup(validated_name(self.person_name), validated_mode(self.mode), self.form_id,
                           validated_duration(self.duration_s), self.count_enter, self.keypad_only,
                           self.threshold, self.min_accuracy)


@dataclass(frozen=True)
class DrillSetup:
    person_name: str
    batch_id: str = "tenkey-drill-01"
    keypad_only: bool = False

    def validated(self) -> DrillSetup:
        try:
            get_drill_batch(self.batch_id)
        except KeyError as error:
            raise SetupError(str(error.args[0])) from None
        return DrillSetup(validated_name(self.person_name), self.batch_id, self.keypad_only)


def start_tenkey_attempt(session: Session, setup: TenKeySetup) -> Attempt:
    setup = setup.validated()
    person = find_or_create_person(session, setup.person_name)
    attempt = Attempt(
        person_id=person.id, test="tenkey", mode=setup.mode, form_id=setup.form_id, duration_s=setup.duration_s,
        rule=tenkey_rule(setup.count_enter, setup.keypad_only), threshold=setup.threshold,
        min_accuracy=setup.min_accuracy, count_enter=setup.count_enter, keypad_only=setup.keypad_only,
    )
    session.add(attempt)
    session.commit()
    return attempt


def start_drill_attempt(session: Session, setup: DrillSetup) -> Attempt:
    setup = setup.validated()
    person = find_or_create_person(session, setup.person_name)
    attempt = Attempt(
        person_id=person.id, test="drill", mode="practice", form_id=setup.batch_id, duration_s=DRILL_TIME_LIMIT_S,
        rule="balance the batch" + (", keypad only" if setup.keypad_only else ""), threshold=0.0,
        keypad_only=setup.keypad_only,
    )
    session.add(attempt)
    session.commit()
    return attempt


def _late(events: list[KeyEvent], window: list[KeyEvent], counts) -> int:
    return sum(1 for e in events if counts(e)) - sum(1 for e in window if counts(e))


def measure_tenkey(key: tuple[str, ...], events: list[KeyEvent], duration_s: float, end_reason: str, *,
                   count_enter: bool = False, keypad_only: bool = False,
                   threshold: float = DEFAULT_THRESHOLD_NET_KPH,
                   min_accuracy: float = DEFAULT_MIN_ACCURACY) -> Measurement:
    """Score a 10-key keystroke log: the single place where 10-key entries become figures."""
    counts = partial(tenkey_accepts, keypad_only=keypad_only)
    window = events_in_window(events, duration_s)
    text = rebuild_entry_text(window, keypad_only)
    entries = entries_from_text(text)[:len(key)]
    seconds = elapsed_seconds(window, duration_s, end_reason, counts)
    score = score_tenkey(key, entries, seconds, count_enter=count_enter)
    metrics = tenkey_metrics(key, window, seconds, keypad_only=keypad_only, count_enter=count_enter)
    return Measurement(
        rule=tenkey_rule(count_enter, keypad_only), seconds=seconds, typed_text=text, gross_count=score.keystrokes,
        rate_unit="KPH", gross_rate=score.gross_kph, net_rate=score.net_kph, errors=score.errors,
        accuracy=score.accuracy, threshold=threshold, passed=score.passes(threshold, min_accuracy),
        details={"score": score.to_dict(), "metrics": metrics.to_dict(), "min_accuracy": min_accuracy},
        late_keystrokes=_late(events, window, counts),
    )


def measure_tenkey_attempt(attempt: Attempt, events: list[KeyEvent], end_reason: str) -> Measurement:
    return measure_tenkey(get_item_set(attempt.form_id).keys, events, attempt.duration_s, end_reason,
                          count_enter=attempt.count_enter, keypad_only=attempt.keypad_only,
                          threshold=attempt.threshold, min_accuracy=attempt.min_accuracy or DEFAULT_MIN_ACCURACY)


def measure_drill_attempt(attempt: Attempt, events: list[KeyEvent], end_reason: str) -> Measurement:
    """A drill passes when the batch balances and every stub was keyed with its check amount."""
    batch = get_drill_batch(attempt.form_id)
    counts = partial(drill_accepts, keypad_only=attempt.keypad_only)
    window = events_in_window(events, attempt.duration_s)
    tape = rebuild_tape_text(window, attempt.keypad_only)
    keystrokes = sum(1 for e in window if counts(e))
    seconds = elapsed_seconds(window, attempt.duration_s, end_reason, counts)
    score = score_drill(batch, tape, seconds, keystrokes)
    problems = (sum(1 for s in score.stubs if s.keyed_as != "check") + len(score.extra_amounts)
                + len(score.unmatched_subtractions) + (0 if score.totalled else 1))
    return Measurement(
        rule=attempt.rule, seconds=seconds, typed_text=tape, gross_count=keystrokes, rate_unit="KPH",
        gross_rate=score.kph, net_rate=score.kph if score.correct else 0.0, errors=problems, accuracy=None,
        threshold=0.0, passed=score.correct, details={"drill": score.to_dict()},
        late_keystrokes=_late(events, window, counts),
    )
