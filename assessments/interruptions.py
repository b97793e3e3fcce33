"""Attempts that stopped mid-test (browser closed, machine failed) and HR's decision on them.

An exam attempt is *interrupted* when it is in progress and nothing has arrived from it
for ``IDLE_AFTER`` (the page sends keystrokes about every second while someone types),
and HR has not decided on it since. HR decides ``resume`` (the same attempt continues:
``exam_attempts.start_component`` hands it back) or ``retake`` (the attempt is void and
a retake is granted in its place; a reason is required). Both go into the audit chain.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from assessments import audit
from assessments.accounts import require
from assessments.errors import InvalidInput, NotFound, NotPermitted
from assessments.exam_attempts import is_voided, last_activity, latest_decision, refresh_status
from assessments.models import ComponentAttempt, InterruptionDecision, RetakeGrant, RosterEntry, User
from assessments.times import as_utc
from results.models import Attempt, utcnow

IDLE_AFTER = timedelta(minutes=2)
DECISIONS = ("resume", "retake")


@dataclass(frozen=True)
class InterruptedAttempt:
    attempt_id: str
    entry_id: int
    name: str
    component: str
    warm_up: bool
    last_activity: datetime
    idle_seconds: int


def list_interrupted(session: Session, exam_session_id: int, now: datetime | None = None,
                     idle_after: timedelta = IDLE_AFTER) -> list[InterruptedAttempt]:
    """The session's attempts in progress with no activity for ``idle_after`` and no HR decision
    since, longest idle first."""
    now = as_utc(now or utcnow())
    rows = session.execute(
        select(ComponentAttempt, RosterEntry, Attempt)
        .join(RosterEntry, ComponentAttempt.roster_entry_id == RosterEntry.id)
        .join(Attempt, ComponentAttempt.attempt_id == Attempt.id)
        .where(RosterEntry.session_id == exam_session_id, Attempt.status == "in_progress")
        .execution_options(populate_existing=True)
    ).all()
    found = []
    for link, entry, attempt in rows:
        seen = last_activity(session, attempt)
        if now - seen < idle_after:
            continue
        decision = latest_decision(session, attempt.id)
        if decision is not None and (decision.decision == "retake" or as_utc(decision.decided_at) >= seen):
            continue
        found.append(InterruptedAttempt(attempt.id, entry.id, entry.name, link.component, link.warm_up, seen,
                                        int((now - seen).total_seconds())))
    return sorted(found, key=lambda item: item.last_activity)


def decide_interrupted(session: Session, actor: User, attempt_id: str, decision: str,
                       reason: str = "") -> InterruptionDecision:
    """Record HR's decision on an interrupted attempt (admin): ``resume`` or ``retake``.

    ``retake`` needs a reason and grants one more attempt at the component; the stopped
    attempt stays stored as it is (its keystrokes are evidence) but can no longer resume.
    """
    require(actor, "decide_attempts")
    link = session.scalars(select(ComponentAttempt).where(ComponentAttempt.attempt_id == attempt_id)).first()
    if link is None:
        raise NotFound(f"attempt {attempt_id!r} is not part of an exam session")
    reason = " ".join(reason.split())
    problems = []
    if decision not in DECISIONS:
        problems.append(f"decision: expected resume or retake, not {decision!r}")
    if decision == "retake" and not reason:
        problems.append("reason: say why the attempt is taken again")
    if len(reason) > 1000:
        problems.append("reason: at most 1000 characters")
    if problems:
        raise InvalidInput(problems)
    attempt = link.attempt
    if attempt.status != "in_progress":
        raise NotPermitted(f"attempt {attempt_id} is {attempt.status}, not in progress; there is nothing to decide")
    if is_voided(session, attempt_id):
        raise NotPermitted(f"attempt {attempt_id} was already replaced by a retake")
    row = InterruptionDecision(attempt_id=attempt_id, decision=decision, reason=reason, decided_by=actor.username)
    session.add(row)
    if decision == "retake" and not link.warm_up:
        session.add(RetakeGrant(roster_entry_id=link.roster_entry_id, component=link.component,
                                reason=f"interrupted attempt {attempt_id}: {reason}", granted_by=actor.username))
    session.flush()
    audit.record(session, actor.username, f"interrupted.{decision}", f"roster_entry:{link.roster_entry_id}",
                 {"attempt_id": attempt_id, "component": link.component, "warm_up": link.warm_up,
                  "reason": reason, "last_activity": audit.format_at(last_activity(session, attempt))})
    refresh_status(session, session.get(RosterEntry, link.roster_entry_id))
    session.commit()
    return row
