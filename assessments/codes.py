"""One-time access codes: how a candidate on the roster checks in at the session.

A code is 8 characters from an alphabet without look-alikes (no 0/O, 1/I/L), shown as
``ABCD-EFGH``; typing it in lower case, with or without the dash or spaces, is the same.
Only an HMAC of the code, keyed by the installation's storage secret, is stored, so the
database alone does not reveal codes. A code expires at the end of the session day
(local time) unless HR sets another time; issuing a new code for an entry replaces the
previous unused one; a code works once. Wrong codes are throttled per client (``throttle``).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from assessments import audit, throttle
from assessments.accounts import require, storage_secret
from assessments.errors import NotPermitted
from assessments.exams import get_session
from assessments.models import AccessCode, RosterEntry, User
from assessments.roster import get_entry
from assessments.times import as_utc, end_of_day
from results.database import data_dir
from results.models import utcnow

ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_LENGTH = 8


class CodeError(ValueError):
    """A code was refused. ``wait_seconds`` > 0 means: say 'try again in N seconds'."""

    def __init__(self, message: str, wait_seconds: int = 0) -> None:
        self.wait_seconds = wait_seconds
        if wait_seconds:
            message += f" Too many wrong codes from here: try again in {wait_seconds} seconds."
        super().__init__(message)


class WrongCode(CodeError):
    """No such code."""


class ExpiredCode(CodeError):
    """The code existed but is past its time, was replaced, or its session is closed."""


class UsedCode(CodeError):
    """The code was already used to check in."""


class TooManyTries(CodeError):
    """This client must wait before trying another code; the code was not even looked at."""


def generate_code() -> str:
    """A new random code in display form, e.g. ``K7QM-3XHD`` (about 40 bits)."""
    raw = "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))
    return f"{raw[:4]}-{raw[4:]}"


def normalise_code(text: str) -> str:
    """What the candidate typed, upper-cased and without spaces or dashes."""
    return "".join(ch for ch in text.upper() if ch not in " -\t")


def is_well_formed(text: str) -> bool:
    code = normalise_code(text)
    return len(code) == CODE_LENGTH and all(ch in ALPHABET for ch in code)


def code_digest(code: str, secret: str) -> str:
    """The stored form of a code: HMAC-SHA256 under a key derived from the storage secret."""
    key = hmac.new(secret.encode("utf-8"), b"csr-sim access codes v1", hashlib.sha256).digest()
    return hmac.new(key, normalise_code(code).encode("ascii", "replace"), hashlib.sha256).hexdigest()


def _secret(secret: str | None) -> str:
    return secret if secret is not None else storage_secret(data_dir())


@dataclass(frozen=True)
class IssuedCode:
    """A code as issued: show or print ``code`` now; it cannot be read back later."""

    entry_id: int
    name: str
    code: str
    expires_at: datetime


def _issue(session: Session, actor: User, entry: RosterEntry, now: datetime, expires_at: datetime | None,
           secret: str) -> IssuedCode:
    exam_session = entry.exam_session
    if exam_session.status == "closed":
        raise NotPermitted(f"exam session {exam_session.id} is closed; no more codes")
    expires_at = as_utc(expires_at) if expires_at is not None else end_of_day(exam_session.day)
    if expires_at <= now:
        raise NotPermitted(f"the code would expire at {expires_at:%Y-%m-%d %H:%M} UTC, which has passed")
    for earlier in session.scalars(select(AccessCode).where(
            AccessCode.roster_entry_id == entry.id, AccessCode.used_at.is_(None),
            AccessCode.revoked_at.is_(None))):
        earlier.revoked_at = now
    code = generate_code()
    row = AccessCode(roster_entry_id=entry.id, code_digest=code_digest(code, secret), issued_at=now,
                     expires_at=expires_at)
    session.add(row)
    session.flush()
    audit.record(session, actor.username, "code.issued", f"roster_entry:{entry.id}",
                 {"code_id": row.id, "expires_at": audit.format_at(expires_at)})  # never the code itself
    return IssuedCode(entry.id, entry.name, code, expires_at)


def issue_code(session: Session, actor: User, entry_id: int, *, now: datetime | None = None,
               expires_at: datetime | None = None, secret: str | None = None) -> IssuedCode:
    """Issue a one-time code for one roster entry (admin or lead); earlier unused codes stop working."""
    require(actor, "run_session")
    issued = _issue(session, actor, get_entry(session, entry_id), as_utc(now or utcnow()), expires_at,
                    _secret(secret))
    session.commit()
    return issued


def issue_codes(session: Session, actor: User, exam_session_id: int, *, now: datetime | None = None,
                expires_at: datetime | None = None, secret: str | None = None) -> list[IssuedCode]:
    """Issue codes for every candidate of a session not yet checked in, e.g. to print slips."""
    require(actor, "run_session")
    now, secret = as_utc(now or utcnow()), _secret(secret)
    exam_session = get_session(session, exam_session_id)
    issued = [_issue(session, actor, entry, now, expires_at, secret)
              for entry in exam_session.roster if entry.status == "waiting"]
    session.commit()
    return issued


def redeem_code(session: Session, code: str, now: datetime, client_key: str, *,
                secret: str | None = None) -> RosterEntry:
    """Check a candidate in with a code; return their roster entry (committed).

    Raises TooManyTries while ``client_key`` is locked out, WrongCode (counted against the
    client; it may carry the new wait), ExpiredCode or UsedCode. The failure count is
    committed even though the call raises, so it survives a restart.
    """
    now = as_utc(now)
    wait = throttle.wait_seconds(session, client_key, now)
    if wait:
        session.commit()  # a forgotten old record is reset for good
        raise TooManyTries("Please wait before trying another code.", wait)
    row = None
    if is_well_formed(code):
        row = session.scalars(select(AccessCode).where(
            AccessCode.code_digest == code_digest(code, _secret(secret)))).first()
    if row is None:
        delay = throttle.note_failure(session, client_key, now)
        session.commit()
        raise WrongCode("That code is not right. Check it against your slip (letters and digits, e.g. ABCD-2345).",
                        delay)
    entry = row.roster_entry
    if row.used_at is not None:
        raise UsedCode(f"This code was already used at {as_utc(row.used_at):%H:%M} UTC. Ask the proctor for a new one.")
    if row.revoked_at is not None:
        raise ExpiredCode("This code was replaced by a newer one. Use the newest code, or ask the proctor.")
    if now >= as_utc(row.expires_at):
        raise ExpiredCode(f"This code expired at {as_utc(row.expires_at):%Y-%m-%d %H:%M} UTC. "
                          "Ask the proctor for a new one.")
    if entry.exam_session.status == "closed":
        raise ExpiredCode("This exam session is closed. Ask HR about another session.")
    row.used_at = now
    if entry.status == "waiting":
        entry.status = "checked_in"
    throttle.clear(session, client_key)
    audit.record(session, f"candidate:{entry.id}", "code.redeemed", f"roster_entry:{entry.id}",
                 {"code_id": row.id})
    session.commit()
    return entry
