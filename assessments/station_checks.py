"""Station checks: before an exam session, prove that a workstation's keyboard reaches the test
page whole and on time.

A known sequence is typed into a check page on the station (``csr-sim station-check``: letters
at a set pace, then digits on the numeric keypad). The page sends every keydown and keyup with
the browser's time stamp; the sender knows when it pressed each key. The station passes when

- every key sent arrived, in order, and nothing else arrived;
- the intervals between keys are kept: |received interval - sent interval| at most
  ``MAX_P99_INTERVAL_ERROR_MS`` at the 99th percentile (``skills_tests.capture_fidelity``, the
  comparison the capture benchmarks use);
- the keypad's keys report as keypad keys (``KeyboardEvent.location`` 3) with NumLock on.

A failing station is named with every reason. Each check is a row of ``station_checks`` on its
exam session, and its start and outcome go into the audit chain.
"""

from __future__ import annotations

import json
import math
import re
import secrets
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from sqlalchemy import DateTime, ForeignKey, Integer, String, Text, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from assessments import audit
from assessments.accounts import require
from assessments.errors import InvalidInput, NotFound, NotPermitted, problem_text
from assessments.exams import get_session
from assessments.models import User
from results.models import Base, utcnow
from skills_tests.capture_fidelity import keydown_fidelity, matched_pairs

MAX_P99_INTERVAL_ERROR_MS = 2.0
KEYPAD_LOCATION = 3
MAX_EVENTS_PER_BATCH = 500
MAX_EVENTS = 5000
_STATION_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9 ._#-]{0,63}")
# What the keypad's digit keys send while NumLock is off (KeyboardEvent.key).
NUMLOCK_OFF_KEYS = frozenset({"Insert", "End", "ArrowDown", "PageDown", "ArrowLeft", "Clear", "ArrowRight", "Home",
                              "ArrowUp", "PageUp", "Delete"})
# Keys the person running the check may press on the way (turning NumLock on): not part of the sequence.
IGNORED_KEYS = frozenset({"NumLock"})


class StationCheck(Base):
    """One check of one workstation for one exam session."""

    __tablename__ = "station_checks"

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("exam_sessions.id"), index=True)
    station: Mapped[str] = mapped_column(String(64))  # the workstation's name, e.g. "Room 2 - PC 4"
    status: Mapped[str] = mapped_column(String(16), default="running")  # running | passed | failed
    token: Mapped[str] = mapped_column(String(64), default=lambda: secrets.token_urlsafe(24))  # the page's proof
    started_by: Mapped[str] = mapped_column(String(64))
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    page_ready_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    batches: Mapped[int] = mapped_column(Integer, default=0)
    received_json: Mapped[str] = mapped_column(Text, default="[]")  # the page's events, as sent
    sent_json: Mapped[str | None] = mapped_column(Text, nullable=True)  # the keys pressed and when
    figures_json: Mapped[str | None] = mapped_column(Text, nullable=True)  # the comparison
    reason: Mapped[str] = mapped_column(Text, default="")  # why it failed, one sentence per problem

    @property
    def received(self) -> list[dict]:
        return json.loads(self.received_json)

    @property
    def figures(self) -> dict:
        return json.loads(self.figures_json) if self.figures_json else {}


class StationEventIn(BaseModel):
    """One keydown or keyup as the check page records it."""

    model_config = ConfigDict(extra="forbid")

    type: Literal["down", "up"]
    key: str = Field(max_length=32)
    code: str = Field(max_length=32)
    loc: int = Field(ge=0, le=3)
    t: float = Field(ge=0)  # event.timeStamp, ms
    numlock: bool = False  # getModifierState("NumLock")

    @field_validator("t")
    @classmethod
    def _finite(cls, value: float) -> float:
        if not math.isfinite(value):
            raise ValueError("must be a finite number of milliseconds")
        return value


class StationBatchIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    token: str = Field(max_length=64)
    seq: int = Field(ge=0)
    events: list[StationEventIn] = Field(default_factory=list, max_length=MAX_EVENTS_PER_BATCH)
    ready: bool = False  # the entry box has the keyboard: typing may start


@dataclass(frozen=True)
class SentKey:
    """A key the sender pressed: the DOM key the page should see, when (seconds on the sender's
    clock), and whether it was pressed on the numeric keypad."""

    key: str
    at: float
    keypad: bool = False


@dataclass(frozen=True)
class Verdict:
    passed: bool
    problems: list[str]
    figures: dict = field(default_factory=dict)

    @property
    def reason(self) -> str:
        return " ".join(self.problems)


def _name(station: str) -> str:
    station = " ".join(station.split())
    if not _STATION_NAME.fullmatch(station):
        raise InvalidInput(["station: give the workstation's name (1 to 64 letters, digits, spaces, '.', '_', '#' "
                            "or '-', starting with a letter or digit)"])
    return station


def begin_check(session: Session, actor: User, exam_session_id: int, station: str) -> StationCheck:
    """Start checking a workstation for a session (admin or lead); returns the check with its page token."""
    require(actor, "run_session")
    station = _name(station)
    exam_session = get_session(session, exam_session_id)
    if exam_session.status == "closed":
        raise NotPermitted(f"exam session {exam_session.id} is closed; check stations before or during a session")
    check = StationCheck(session_id=exam_session.id, station=station, started_by=actor.username)
    session.add(check)
    session.flush()
    audit.record(session, actor.username, "station_check.started", f"exam_session:{exam_session.id}",
                 {"check_id": check.id, "station": station})
    session.commit()
    return check


def get_check(session: Session, check_id: int) -> StationCheck:
    check = session.get(StationCheck, check_id)
    if check is None:
        raise NotFound(f"no station check {check_id}")
    return check


def parse_batch(body: bytes) -> StationBatchIn:
    """A batch from the check page, or InvalidInput saying what is wrong with it."""
    try:
        return StationBatchIn.model_validate_json(body)
    except ValidationError as error:
        raise InvalidInput([problem_text(e) for e in error.errors()[:5]]) from None


@dataclass(frozen=True)
class Receipt:
    seq: int
    duplicate: bool = False


def receive_batch(session: Session, check_id: int, batch: StationBatchIn) -> Receipt:
    """Store a batch of the check page's events (in sequence; a repeat changes nothing)."""
    check = get_check(session, check_id)
    if not secrets.compare_digest(batch.token, check.token):
        raise NotPermitted("this page is not the one the station check was started with")
    if batch.seq < check.batches:
        return Receipt(batch.seq, duplicate=True)
    if check.status != "running":
        raise NotPermitted(f"station check {check.id} is finished ({check.status}); start a new one")
    if batch.seq > check.batches:
        raise InvalidInput([f"batch {batch.seq} arrived out of order; batch {check.batches} is expected next"])
    received = check.received
    if len(received) + len(batch.events) > MAX_EVENTS:
        raise InvalidInput([f"a station check takes at most {MAX_EVENTS} key events"])
    received.extend(event.model_dump() for event in batch.events)
    check.received_json = json.dumps(received, separators=(",", ":"))
    check.batches += 1
    if batch.ready and check.page_ready_at is None:
        check.page_ready_at = utcnow()
    session.commit()
    return Receipt(batch.seq)


def received_keydowns(events: list[dict]) -> list[dict]:
    """The keydowns of the sequence, in order (NumLock presses on the way left out)."""
    return [e for e in events if e["type"] == "down" and e["key"] not in IGNORED_KEYS]


def evaluate(sent: list[SentKey], received: list[dict], max_p99_ms: float = MAX_P99_INTERVAL_ERROR_MS) -> Verdict:
    """Compare the keys pressed with the keydowns the page recorded; every problem in words."""
    downs = received_keydowns(received)
    fidelity = keydown_fidelity(sent, downs)
    pairs = matched_pairs([s.key for s in sent], [d["key"] for d in downs])
    arrived = {a for a, _ in pairs}
    missing = [sent[i].key for i in range(len(sent)) if i not in arrived]
    keypad_sent = [i for i, s in enumerate(sent) if s.keypad]
    keypad_pairs = [(a, b) for a, b in pairs if sent[a].keypad]
    off_keypad = [downs[b]["key"] for a, b in keypad_pairs if downs[b]["loc"] != KEYPAD_LOCATION]
    numlock_off = [d["key"] for d in downs if d["loc"] == KEYPAD_LOCATION and d["key"] in NUMLOCK_OFF_KEYS]
    errors = fidelity["interval_abs_error_ms"]

    problems = []
    if not downs:
        problems.append("Nothing arrived from the keyboard: the check page did not have the keyboard focus, or "
                        "the page could not reach the server.")
    else:
        if numlock_off:
            problems.append(f"NumLock is off: {len(numlock_off)} keypad keys arrived as navigation keys "
                            f"({', '.join(sorted(set(numlock_off))[:4])}). Turn NumLock on.")
        if fidelity["lost"]:
            shown = ", ".join(repr(k) for k in missing[:6]) + (" ..." if len(missing) > 6 else "")
            problems.append(f"{fidelity['lost']} of {fidelity['keys_sent']} keys never arrived ({shown}).")
        if fidelity["extra"] and not numlock_off:
            problems.append(f"{fidelity['extra']} keys arrived that were not pressed.")
        if off_keypad:
            problems.append(f"{len(off_keypad)} of {len(keypad_pairs)} keypad keys reported as main-keyboard keys "
                            "(location 0, not 3): the numbers were keyed on the top row, or the keypad is not "
                            "recognised as a numeric keypad.")
        if fidelity["intervals_compared"] and errors["p99"] > max_p99_ms:
            problems.append(f"Key timing is not kept faithfully: the time between keys differs from the time "
                            f"between presses by {errors['p99']:.2f} ms at the 99th percentile (at most "
                            f"{max_p99_ms:g} ms allowed; worst {errors['max']:.2f} ms).")
    figures = {
        "keys_sent": fidelity["keys_sent"],
        "keydowns_received": fidelity["keydowns_stored"],
        "lost": fidelity["lost"],
        "extra": fidelity["extra"],
        "same_keys_in_order": fidelity["same_keys_in_order"],
        "intervals_compared": fidelity["intervals_compared"],
        "interval_abs_error_ms": errors if fidelity["intervals_compared"] else None,
        "keypad_keys_sent": len(keypad_sent),
        "keypad_keys_on_keypad": len(keypad_pairs) - len(off_keypad),
        "numlock_off_keys": len(numlock_off),
        "max_p99_ms": max_p99_ms,
    }
    return Verdict(not problems, problems, figures)


def finish_check(session: Session, actor: User, check_id: int, sent: list[SentKey], *, first_event: int = 0,
                 max_p99_ms: float = MAX_P99_INTERVAL_ERROR_MS) -> StationCheck:
    """Compare what was sent with what the page received; record passed or failed with the reasons.

    ``first_event``: where the sequence begins among the received events; what came before (a
    NumLock probe, NumLock itself) is kept with the check but not compared.
    """
    require(actor, "run_session")
    check = get_check(session, check_id)
    if check.status != "running":
        raise NotPermitted(f"station check {check.id} is already {check.status}")
    verdict = evaluate(sent, check.received[first_event:], max_p99_ms)
    verdict.figures["events_before_the_sequence"] = first_event
    check.status = "passed" if verdict.passed else "failed"
    check.finished_at = utcnow()
    check.sent_json = json.dumps([asdict(s) for s in sent], separators=(",", ":"))
    check.figures_json = json.dumps(verdict.figures, separators=(",", ":"))
    check.reason = verdict.reason
    errors = verdict.figures["interval_abs_error_ms"] or {}
    audit.record(session, actor.username, f"station_check.{check.status}", f"exam_session:{check.session_id}",
                 {"check_id": check.id, "station": check.station, "reason": check.reason,
                  "keys_sent": verdict.figures["keys_sent"], "lost": verdict.figures["lost"],
                  "p99_ms": errors.get("p99")})
    session.commit()
    return check


def abandon_check(session: Session, actor: User, check_id: int, reason: str) -> StationCheck:
    """A check that could not be completed (the page never got the keyboard, a key never reached it):
    the station has not passed; record it as failed with the reason."""
    require(actor, "run_session")
    check = get_check(session, check_id)
    if check.status != "running":
        return check
    check.status, check.finished_at = "failed", utcnow()
    check.reason = f"The check could not be completed: {reason}."
    audit.record(session, actor.username, "station_check.failed", f"exam_session:{check.session_id}",
                 {"check_id": check.id, "station": check.station, "reason": check.reason})
    session.commit()
    return check


def list_checks(session: Session, exam_session_id: int) -> list[StationCheck]:
    """A session's station checks, newest first."""
    return list(session.scalars(select(StationCheck).where(StationCheck.session_id == exam_session_id)
                                .order_by(StationCheck.id.desc())))


def latest_by_station(session: Session, exam_session_id: int) -> dict[str, StationCheck]:
    """Each station's most recent finished check: what HR looks at before letting candidates sit there."""
    latest: dict[str, StationCheck] = {}
    for check in list_checks(session, exam_session_id):
        if check.status != "running":
            latest.setdefault(check.station.lower(), check)
    return latest
