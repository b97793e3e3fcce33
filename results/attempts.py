"""What every skills-test attempt shares: who took it, how long it ran, how a score is stored.

The test-specific parts (what a setup may choose, how keystrokes become figures) live in
``typing_attempts`` and ``tenkey_attempts``; ``finishing`` puts them together.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from results.models import Attempt, Person, Score
from skills_tests.keystrokes import KeyEvent

DURATIONS_S = (60, 180, 300)
MODES = ("practice", "exam")
END_REASONS = ("time", "completed", "early")


class SetupError(ValueError):
    """A test could not be started; the message says what to change."""


def validated_name(name: str) -> str:
    name = " ".join(name.split())
    if not name:
        raise SetupError("Please enter your name, so your results can be found again.")
    if len(name) > 120:
        raise SetupError("The name is longer than 120 characters; please shorten it.")
    return name


def validated_mode(mode: str) -> str:
    if mode not in MODES:
        raise SetupError(f"Mode must be one of {', '.join(MODES)}, not {mode!r}.")
    return mode


def validated_duration(duration_s: int) -> int:
    if duration_s not in DURATIONS_S:
        allowed = ", ".join(f"{d // 60} min" for d in DURATIONS_S)
        raise SetupError(f"The test lasts {allowed}; {duration_s} seconds is not offered.")
    return duration_s


def find_or_create_person(session: Session, name: str) -> Person:
    """People are found by name, whatever its capitals and spacing."""
    person = session.scalars(select(Person).where(func.lower(Person.name) == name.lower())).first()
    if person is None:
        person = Person(name=name)
        session.add(person)
        session.flush()
    return person


def elapsed_seconds(events: Sequence[KeyEvent], duration_s: float, end_reason: str,
                    counts: Callable[[KeyEvent], bool]) -> float:
    """Time out: the full duration. Finished: from the first to the last keystroke that counted.

    Finishing is measured to the last keystroke, not to the Finish button, so moving to
    the button costs the candidate nothing.
    """
    if end_reason == "time":
        return float(duration_s)
    times = [e.t for e in events if counts(e)]
    if len(times) < 2:
        return float(duration_s) if not times else 1.0
    return min(float(duration_s), max(1.0, (times[-1] - times[0]) / 1000.0))


@dataclass(frozen=True)
class Measurement:
    """An attempt's keystrokes turned into figures under one rule: what a Score row stores."""

    rule: str
    seconds: float
    typed_text: str
    gross_count: int
    rate_unit: str
    gross_rate: float
    net_rate: float
    errors: int
    accuracy: float | None
    threshold: float
    passed: bool
    details: dict = field(default_factory=dict)
    late_keystrokes: int = 0


def store_score(session: Session, attempt: Attempt, measured: Measurement) -> Score:
    """Add the next score version of an attempt; earlier versions are never touched."""
    version = 1 + (session.scalar(select(func.max(Score.version)).where(Score.attempt_id == attempt.id)) or 0)
    row = Score(
        attempt_id=attempt.id, version=version, rule=measured.rule, seconds=measured.seconds,
        gross_count=measured.gross_count, rate_unit=measured.rate_unit, gross_rate=measured.gross_rate,
        net_rate=measured.net_rate, errors=measured.errors, accuracy=measured.accuracy,
        threshold=measured.threshold, passed=measured.passed, typed_text=measured.typed_text,
        details_json=json.dumps({**measured.details, "late_keystrokes": measured.late_keystrokes}),
    )
    session.add(row)
    return row


def attempts_of(session: Session, person_id: int, tests: Sequence[str]) -> list[Attempt]:
    """A person's attempts at the given tests, newest first."""
    return list(session.scalars(
        select(Attempt).where(Attempt.person_id == person_id, Attempt.test.in_(tests))
        .order_by(Attempt.created_at.desc())
    ))
