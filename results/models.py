"""The application's records: people, test attempts, their raw keystroke logs and scores.

Keystroke batches and scores are append-only: an ORM guard refuses to update or delete
them, so a stored result can only be superseded by a new score version, never edited.
"""

from __future__ import annotations

import secrets
import uuid
from datetime import UTC, datetime

from sqlalchemy import (
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
    event,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, relationship


def utcnow() -> datetime:
    return datetime.now(UTC)


class Base(DeclarativeBase):
    pass


class Person(Base):
    __tablename__ = "people"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    attempts: Mapped[list[Attempt]] = relationship(back_populates="person")


class Attempt(Base):
    """One sitting of one test by one person."""

    __tablename__ = "attempts"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=lambda: uuid.uuid4().hex)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    test: Mapped[str] = mapped_column(String(16))  # "typing" | "tenkey" | "drill"
    mode: Mapped[str] = mapped_column(String(16))  # "practice" | "exam"
    form_id: Mapped[str] = mapped_column(String(64))  # passage, item set or drill batch id
    duration_s: Mapped[int] = mapped_column(Integer)
    # The scoring settings the attempt was started with (a re-score may choose others).
    rule: Mapped[str] = mapped_column(String(32), default="standard")  # typing: standard | penalty:N
    threshold: Mapped[float] = mapped_column(Float)  # pass mark: net WPM or net KPH
    max_errors: Mapped[int | None] = mapped_column(Integer, nullable=True)  # typing
    min_accuracy: Mapped[float | None] = mapped_column(Float, nullable=True)  # 10-key, per cent
    count_enter: Mapped[bool] = mapped_column(Boolean, default=False)  # 10-key: Enter is a keystroke
    keypad_only: Mapped[bool] = mapped_column(Boolean, default=False)  # 10-key: refuse top-row digits
    status: Mapped[str] = mapped_column(String(16), default="created")  # created|in_progress|finished
    # Proves that keystroke batches come from the page that was given this attempt.
    capture_token: Mapped[str] = mapped_column(String(64), default=lambda: secrets.token_urlsafe(24))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    end_reason: Mapped[str | None] = mapped_column(String(16), nullable=True)  # time|completed|early

    person: Mapped[Person] = relationship(back_populates="attempts")
    batches: Mapped[list[KeystrokeBatch]] = relationship(order_by="KeystrokeBatch.seq")
    incidents: Mapped[list[Incident]] = relationship(order_by="Incident.id")
    scores: Mapped[list[Score]] = relationship(order_by="Score.version")

    @property
    def latest_score(self) -> Score | None:
        return self.scores[-1] if self.scores else None


class KeystrokeBatch(Base):
    """A batch of raw key events exactly as the page sent it."""

    __tablename__ = "keystroke_batches"
    __table_args__ = (UniqueConstraint("attempt_id", "seq"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    attempt_id: Mapped[str] = mapped_column(ForeignKey("attempts.id"), index=True)
    seq: Mapped[int] = mapped_column(Integer)
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    events_json: Mapped[str] = mapped_column(Text)
    text_snapshot: Mapped[str] = mapped_column(Text)  # the typing area as the browser saw it
    payload_sha256: Mapped[str] = mapped_column(String(64))


class Incident(Base):
    """Something a proctor may want to know about: paste, drop, focus lost, mismatch."""

    __tablename__ = "incidents"

    id: Mapped[int] = mapped_column(primary_key=True)
    attempt_id: Mapped[str] = mapped_column(ForeignKey("attempts.id"), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    t: Mapped[float | None] = mapped_column(Float, nullable=True)  # page clock, ms
    detail: Mapped[str] = mapped_column(Text, default="")
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Score(Base):
    """One scoring of an attempt. A re-score is a new version; none is ever edited."""

    __tablename__ = "scores"
    __table_args__ = (UniqueConstraint("attempt_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    attempt_id: Mapped[str] = mapped_column(ForeignKey("attempts.id"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    computed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    rule: Mapped[str] = mapped_column(String(32))  # the scoring rule and settings, in words
    seconds: Mapped[float] = mapped_column(Float)
    gross_count: Mapped[int] = mapped_column(Integer)  # typing: characters; 10-key: keystrokes
    rate_unit: Mapped[str] = mapped_column(String(8))  # "WPM" | "KPH"
    gross_rate: Mapped[float] = mapped_column(Float)
    net_rate: Mapped[float] = mapped_column(Float)
    errors: Mapped[int] = mapped_column(Integer)
    accuracy: Mapped[float | None] = mapped_column(Float, nullable=True)  # per cent, as the test defines it
    threshold: Mapped[float] = mapped_column(Float)
    passed: Mapped[bool] = mapped_column(Boolean)
    typed_text: Mapped[str] = mapped_column(Text)  # rebuilt from the keystrokes
    details_json: Mapped[str] = mapped_column(Text)  # full score and practice metrics


class CallAttempt(Base):
    """One call scenario worked by one trainee in its own CIS sandbox."""

    __tablename__ = "call_attempts"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=lambda: uuid.uuid4().hex)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    scenario_id: Mapped[str] = mapped_column(String(64), index=True)
    # The scenario file's SHA-256 when the call started: a replay grades against this text.
    scenario_sha256: Mapped[str] = mapped_column(String(64))
    mode: Mapped[str] = mapped_column(String(16))  # practice | test
    caller: Mapped[str] = mapped_column(String(16))  # scripted | lead
    voice: Mapped[str] = mapped_column(String(16), default="off")  # off | captions | audio_only
    sandbox: Mapped[str] = mapped_column(String(64))  # fake_cis sandbox run id
    lead_code: Mapped[str] = mapped_column(String(64), default=lambda: secrets.token_urlsafe(12))
    status: Mapped[str] = mapped_column(String(16), default="in_call")  # in_call|wrap_up|wrapped|graded
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    graded_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)

    person: Mapped[Person] = relationship()
    actions: Mapped[list[CallAction]] = relationship(order_by="CallAction.seq")
    grades: Mapped[list[CallGrade]] = relationship(order_by="CallGrade.version")

    @property
    def latest_grade(self) -> CallGrade | None:
        return self.grades[-1] if self.grades else None


class CallAction(Base):
    """One step of a call, in the action-log form a replay file uses (append-only)."""

    __tablename__ = "call_actions"
    __table_args__ = (UniqueConstraint("attempt_id", "seq"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    attempt_id: Mapped[str] = mapped_column(ForeignKey("call_attempts.id"), index=True)
    seq: Mapped[int] = mapped_column(Integer)
    action_json: Mapped[str] = mapped_column(Text)
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class CallGrade(Base):
    """One grading of a call; a re-grade is a new version."""

    __tablename__ = "call_grades"
    __table_args__ = (UniqueConstraint("attempt_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    attempt_id: Mapped[str] = mapped_column(ForeignKey("call_attempts.id"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    computed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    total: Mapped[float] = mapped_column(Float)
    fatal: Mapped[bool] = mapped_column(Boolean)
    details_json: Mapped[str] = mapped_column(Text)  # the full grade report


APPEND_ONLY = (KeystrokeBatch, Score, Incident, CallAction, CallGrade)


@event.listens_for(Session, "before_flush")
def _refuse_edits_of_records(session: Session, _context, _instances) -> None:
    for obj in list(session.dirty) + list(session.deleted):
        if isinstance(obj, APPEND_ONLY) and (obj in session.deleted or session.is_modified(obj)):
            raise PermissionError(f"{type(obj).__name__} records are append-only and cannot be changed")
