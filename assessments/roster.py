"""A session's roster: adding candidates by hand or from a CSV file, and their check-in status.

Status: ``waiting`` (not checked in) -> ``checked_in`` (access code redeemed) ->
``in_test`` (a test is under way) -> ``done`` (every component passed or out of attempts).
``exam_attempts.refresh_status`` derives the last three from the attempts, so a retake
granted after ``done`` brings the candidate back to ``checked_in``.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy.orm import Session

from assessments import audit
from assessments.accounts import require
from assessments.errors import InvalidInput, NotFound, NotPermitted, validated
from assessments.exams import get_session
from assessments.models import RosterEntry, User
from assessments.roster_csv import Candidate, RosterFileError, RosterRow, parse_roster_csv

ENTRY_STATUSES = ("waiting", "checked_in", "in_test", "done")


def get_entry(session: Session, entry_id: int) -> RosterEntry:
    entry = session.get(RosterEntry, entry_id)
    if entry is None:
        raise NotFound(f"no roster entry {entry_id}")
    return entry


def list_roster(session: Session, exam_session_id: int) -> list[RosterEntry]:
    """A session's candidates in the order they were added, with status and accommodations."""
    return list(get_session(session, exam_session_id).roster)


def _identity(entry: RosterEntry) -> tuple[str, str]:
    return entry.name.lower(), entry.email or ""


def _open_for_changes(session: Session, exam_session_id: int):
    row = get_session(session, exam_session_id)
    if row.status == "closed":
        raise NotPermitted(f"exam session {row.id} is closed; its roster cannot change")
    return row


def _add(session: Session, exam_session_id: int, candidate: Candidate) -> RosterEntry:
    entry = RosterEntry(session_id=exam_session_id, **candidate.model_dump())
    session.add(entry)
    return entry


def add_candidate(session: Session, actor: User, exam_session_id: int, candidate: Candidate | dict) -> RosterEntry:
    """Add one candidate to a session's roster (admin); InvalidInput if invalid or already on it."""
    require(actor, "manage_exams")
    exam_session = _open_for_changes(session, exam_session_id)
    if not isinstance(candidate, Candidate):
        candidate = validated(Candidate, candidate)
    if candidate.identity in {_identity(e) for e in exam_session.roster}:
        raise InvalidInput([f"{candidate.name} <{candidate.email or 'no email'}> is already on the roster"])
    entry = _add(session, exam_session_id, candidate)
    session.flush()
    audit.record(session, actor.username, "roster.added", f"roster_entry:{entry.id}",
                 {"session_id": exam_session_id, **candidate.model_dump()})
    session.commit()
    return entry


def import_roster(session: Session, actor: User, exam_session_id: int, data: bytes | str) -> list[RosterEntry]:
    """Import a roster CSV into a session (admin): every row, or none.

    Raises RosterFileError listing every bad line (format, values, duplicates within the
    file or with candidates already on the roster); nothing is imported then.
    """
    require(actor, "manage_exams")
    exam_session = _open_for_changes(session, exam_session_id)
    rows = parse_roster_csv(data)
    _refuse_already_listed(rows, exam_session.roster)
    entries = [_add(session, exam_session_id, row.candidate) for row in rows]
    session.flush()
    audit.record(session, actor.username, "roster.imported", f"exam_session:{exam_session_id}",
                 {"entries": [e.id for e in entries], "count": len(entries)})
    session.commit()
    return entries


def _refuse_already_listed(rows: Iterable[RosterRow], roster: Iterable[RosterEntry]) -> None:
    listed = {_identity(e) for e in roster}
    problems = [f"line {row.line}: {row.candidate.name} <{row.candidate.email or 'no email'}> is already on "
                "the roster" for row in rows if row.candidate.identity in listed]
    if problems:
        raise RosterFileError(problems)

