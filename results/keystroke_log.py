"""The raw keystroke log: validating and storing the batches a test page sends.

A batch is stored whole or not at all. Batches must arrive in sequence (0, 1, 2, ...);
a batch that is already stored is acknowledged as a duplicate and changes nothing, so
the page may re-send anything it is unsure about without creating double keystrokes.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from sqlalchemy import select
from sqlalchemy.orm import Session

from results.models import Attempt, Incident, KeystrokeBatch, utcnow
from skills_tests.keystrokes import KeyEvent

MAX_BATCH_BYTES = 256 * 1024
MAX_EVENTS_PER_BATCH = 2000
INCIDENT_KINDS = ("paste", "drop", "focus_lost", "focus_back", "blocked_key", "page_hidden")


class EventIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    type: Literal["down", "up"]
    key: str = Field(max_length=32)
    code: str = Field(max_length=32)
    loc: int = Field(ge=0, le=3)
    t: float = Field(ge=0)
    shift: bool = False
    ctrl: bool = False
    alt: bool = False
    meta: bool = False
    repeat: bool = False
    field: bool = True

    @field_validator("t")
    @classmethod
    def _finite(cls, value: float) -> float:
        if not math.isfinite(value):
            raise ValueError("must be a finite number of milliseconds")
        return value

    def to_event(self) -> KeyEvent:
        return KeyEvent(self.type, self.key, self.code, self.loc, self.t, self.shift, self.ctrl,
                        self.alt, self.meta, self.repeat, self.field)


class IncidentIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: Literal[INCIDENT_KINDS]  # type: ignore[valid-type]
    t: float = Field(ge=0)
    detail: str = Field(default="", max_length=200)


class BatchIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    token: str = Field(max_length=64)
    seq: int = Field(ge=0)
    events: list[EventIn] = Field(max_length=MAX_EVENTS_PER_BATCH)
    incidents: list[IncidentIn] = Field(default_factory=list, max_length=200)
    text: str = Field(max_length=100_000)


class IngestError(Exception):
    """A batch refused; ``status`` is the HTTP status the route answers with."""

    def __init__(self, status: int, message: str, **extra: object) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.extra = extra


@dataclass(frozen=True)
class IngestResult:
    seq: int
    stored_events: int


def parse_batch(body: bytes) -> BatchIn:
    """Validate a raw request body; every refusal says what was wrong."""
    if len(body) > MAX_BATCH_BYTES:
        raise IngestError(413, f"batch is {len(body)} bytes; the most one batch may carry is {MAX_BATCH_BYTES} bytes")
    try:
        return BatchIn.model_validate_json(body)
    except ValidationError as error:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in issue['loc']) or 'body'}: {issue['msg']}" for issue in error.errors()[:5]
        )
        raise IngestError(422, f"malformed keystroke batch ({problems})") from None


def _payload_hash(batch: BatchIn) -> str:
    return hashlib.sha256(batch.model_dump_json(exclude={"token"}).encode()).hexdigest()


def ingest_batch(session: Session, attempt_id: str, batch: BatchIn) -> IngestResult:
    """Store one batch in its own transaction, or refuse it and store nothing."""
    attempt = session.get(Attempt, attempt_id)
    if attempt is None:
        raise IngestError(404, f"no test attempt {attempt_id!r}")
    if batch.token != attempt.capture_token:
        raise IngestError(403, "this page is not the one the attempt was started on (capture token does not match)")

    stored = session.scalars(
        select(KeystrokeBatch).where(KeystrokeBatch.attempt_id == attempt_id).order_by(KeystrokeBatch.seq)
    ).all()
    digest = _payload_hash(batch)
    if batch.seq < len(stored):
        same = stored[batch.seq].payload_sha256 == digest
        raise IngestError(
            409,
            f"batch {batch.seq} is already stored; nothing changed"
            + ("" if same else " (the re-sent copy differs from the stored one, which stands)"),
            duplicate=True,
        )
    if attempt.status == "finished":
        raise IngestError(409, "this attempt is finished; no more keystrokes are accepted")
    if batch.seq > len(stored):
        raise IngestError(409, f"batch {batch.seq} arrived out of order; batch {len(stored)} is expected next",
                          expected=len(stored))

    if any(b.t < a.t for a, b in zip(batch.events, batch.events[1:])):
        raise IngestError(422, "events in a batch must be in time order")
    if stored and batch.events:
        previous = json.loads(stored[-1].events_json)
        if previous and batch.events[0].t < previous[-1]["t"]:
            raise IngestError(422, f"batch {batch.seq} starts before batch {batch.seq - 1} ends (events out of order)")

    session.add(KeystrokeBatch(
        attempt_id=attempt_id,
        seq=batch.seq,
        events_json=json.dumps([e.model_dump() for e in batch.events], separators=(",", ":")),
        text_snapshot=batch.text,
        payload_sha256=digest,
    ))
    for incident in batch.incidents:
        session.add(Incident(attempt_id=attempt_id, kind=incident.kind, t=incident.t, detail=incident.detail))
    if attempt.status == "created" and batch.events:
        attempt.status = "in_progress"
        attempt.started_at = utcnow()
    session.commit()
    return IngestResult(seq=batch.seq, stored_events=len(batch.events))


def stored_events(batches: Sequence[KeystrokeBatch]) -> list[KeyEvent]:
    """Every event of an attempt, in order, as the scoring model's events."""
    events: list[KeyEvent] = []
    for batch in batches:
        events.extend(EventIn.model_validate(raw).to_event() for raw in json.loads(batch.events_json))
    return events
