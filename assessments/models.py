"""The tables of HR exam administration, on the same metadata and database as the records.

Migration ``0003_assessments`` creates exactly these tables; a test compares the two.
The audit log, retake grants, interruption decisions and the links between roster
entries and attempts are append-only: a session hook refuses to update or delete them
(and SQLite triggers refuse it for the audit log, below the ORM).
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
    event,
)
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from results.models import Attempt, Base, Person, utcnow


class User(Base):
    """Someone who signs in: an HR administrator, a lead (proctor) or a candidate."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)  # stored lower-case
    role: Mapped[str] = mapped_column(String(16))  # admin | lead | candidate
    # "scrypt$n=...,r=...,p=...$salt$key": the cost travels with the hash so it can be raised later.
    password_hash: Mapped[str] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    password_changed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class AuditRecord(Base):
    """One link of the audit chain: hash = sha256(prev_hash + canonical record)."""

    __tablename__ = "audit_log"

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    actor: Mapped[str] = mapped_column(String(120))
    action: Mapped[str] = mapped_column(String(64))
    subject: Mapped[str] = mapped_column(String(200), index=True)
    details_json: Mapped[str] = mapped_column(Text)  # canonical JSON, sorted keys
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class ExamProfile(Base):
    """What an exam consists of. Never edited once made: a change is a new profile."""

    __tablename__ = "exam_profiles"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    warm_up_allowed: Mapped[bool] = mapped_column(Boolean, default=False)
    attempts_allowed: Mapped[int] = mapped_column(Integer, default=1)  # per component, before retakes
    certificate_valid_days: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    created_by: Mapped[str] = mapped_column(String(64))

    components: Mapped[list[ExamComponent]] = relationship(order_by="ExamComponent.component")

    def component(self, name: str) -> ExamComponent | None:
        return next((c for c in self.components if c.component == name), None)


class ExamComponent(Base):
    """One test of a profile (typing, 10-key or a call scenario) with the settings its attempts are started with."""

    __tablename__ = "exam_profile_components"
    __table_args__ = (UniqueConstraint("profile_id", "component"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    profile_id: Mapped[int] = mapped_column(ForeignKey("exam_profiles.id"))
    component: Mapped[str] = mapped_column(String(16))  # typing | tenkey | scenario
    duration_s: Mapped[int] = mapped_column(Integer)  # before accommodations (not used by a scenario)
    form_id: Mapped[str] = mapped_column(String(64))  # passage, 10-key item set or scenario id
    rule: Mapped[str] = mapped_column(String(32), default="standard")  # typing: standard | penalty:N
    threshold: Mapped[float] = mapped_column(Float)  # net WPM (typing), net KPH (10-key) or points of 100
    max_errors: Mapped[int | None] = mapped_column(Integer, nullable=True)  # typing
    min_accuracy: Mapped[float | None] = mapped_column(Float, nullable=True)  # 10-key, per cent
    count_enter: Mapped[bool] = mapped_column(Boolean, default=False)  # 10-key
    keypad_only: Mapped[bool] = mapped_column(Boolean, default=False)  # 10-key


class ExamSession(Base):
    """One sitting of a profile on a day, in a place, with a proctor."""

    __tablename__ = "exam_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    profile_id: Mapped[int] = mapped_column(ForeignKey("exam_profiles.id"), index=True)
    day: Mapped[date] = mapped_column(Date)
    place: Mapped[str] = mapped_column(String(200))
    proctor_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    status: Mapped[str] = mapped_column(String(16), default="planned")  # planned | open | closed
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    created_by: Mapped[str] = mapped_column(String(64))

    profile: Mapped[ExamProfile] = relationship()
    proctor: Mapped[User] = relationship()
    roster: Mapped[list[RosterEntry]] = relationship(back_populates="exam_session", order_by="RosterEntry.id")


class RosterEntry(Base):
    """A candidate expected at a session, with accommodations and check-in status."""

    __tablename__ = "roster_entries"

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("exam_sessions.id"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    email: Mapped[str | None] = mapped_column(String(254), nullable=True)
    extended_time: Mapped[str] = mapped_column(String(8), default="none")  # none | x1.5 | x2
    large_text: Mapped[bool] = mapped_column(Boolean, default=False)
    high_contrast: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[str] = mapped_column(String(16), default="waiting")  # waiting|checked_in|in_test|done
    # The person the attempts are stored under: made at the first start, one per roster entry,
    # so two candidates with the same name never share a history.
    person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"), nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    exam_session: Mapped[ExamSession] = relationship(back_populates="roster")
    person: Mapped[Person | None] = relationship()
    attempt_links: Mapped[list[ComponentAttempt]] = relationship(order_by="ComponentAttempt.id")
    retakes: Mapped[list[RetakeGrant]] = relationship(order_by="RetakeGrant.id")


class AccessCode(Base):
    """A one-time code for one roster entry; only its keyed digest is stored."""

    __tablename__ = "access_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    roster_entry_id: Mapped[int] = mapped_column(ForeignKey("roster_entries.id"), index=True)
    code_digest: Mapped[str] = mapped_column(String(64), unique=True)
    issued_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)

    roster_entry: Mapped[RosterEntry] = relationship()


class CodeThrottle(Base):
    """Failed code entries per client, kept in the database so a restart does not reset them."""

    __tablename__ = "code_throttle"

    client_digest: Mapped[str] = mapped_column(String(64), primary_key=True)  # sha256 of the client key
    failures: Mapped[int] = mapped_column(Integer, default=0)
    last_failure_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    locked_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class ComponentAttempt(Base):
    """Which attempt a roster entry made for which exam component: a skills-test attempt
    (typing, 10-key) or, for the call scenario component, a call attempt."""

    __tablename__ = "roster_attempts"

    id: Mapped[int] = mapped_column(primary_key=True)
    roster_entry_id: Mapped[int] = mapped_column(ForeignKey("roster_entries.id"), index=True)
    component: Mapped[str] = mapped_column(String(16))
    attempt_id: Mapped[str | None] = mapped_column(ForeignKey("attempts.id"), unique=True, nullable=True)
    call_attempt_id: Mapped[str | None] = mapped_column(ForeignKey("call_attempts.id"), unique=True, nullable=True)
    warm_up: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    attempt: Mapped[Attempt] = relationship()


class RetakeGrant(Base):
    """One more attempt at one component for one roster entry, granted by HR with a reason."""

    __tablename__ = "retake_grants"

    id: Mapped[int] = mapped_column(primary_key=True)
    roster_entry_id: Mapped[int] = mapped_column(ForeignKey("roster_entries.id"), index=True)
    component: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str] = mapped_column(Text)
    granted_by: Mapped[str] = mapped_column(String(64))
    granted_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class InterruptionDecision(Base):
    """HR's decision on an attempt that stopped mid-test: resume it, or void it for a retake."""

    __tablename__ = "interruption_decisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    attempt_id: Mapped[str] = mapped_column(ForeignKey("attempts.id"), index=True)
    decision: Mapped[str] = mapped_column(String(8))  # resume | retake
    reason: Mapped[str] = mapped_column(Text)
    decided_by: Mapped[str] = mapped_column(String(64))
    decided_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


APPEND_ONLY = (AuditRecord, ComponentAttempt, RetakeGrant, InterruptionDecision)


@event.listens_for(Session, "before_flush")
def _refuse_edits_of_exam_records(session: Session, _context, _instances) -> None:
    for obj in list(session.dirty) + list(session.deleted):
        if isinstance(obj, APPEND_ONLY) and (obj in session.deleted or session.is_modified(obj)):
            raise PermissionError(f"{type(obj).__name__} records are append-only and cannot be changed")
