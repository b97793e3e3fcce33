"""The hash-chained audit log of HR actions.

Each record's hash is ``sha256(prev_hash + canonical record)``, where the canonical record
is the JSON object ``{"action", "actor", "at", "details", "seq", "subject"}`` with sorted
keys, no spaces and ASCII escapes, and ``at`` written as ``YYYY-MM-DDTHH:MM:SS.ffffffZ``
(UTC). The first record's ``prev_hash`` is 64 zeros. Changing, removing or reordering any
record therefore breaks the chain at that record or the next one, which ``verify_chain``
finds. Cutting records off the end cannot be seen from the chain alone: compare the head
hash with one noted earlier (``audit verify`` prints it).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from assessments.models import AuditRecord
from assessments.times import as_utc
from results.models import utcnow

GENESIS_HASH = "0" * 64


def canonical_json(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=True, allow_nan=False)


def format_at(moment: datetime) -> str:
    return as_utc(moment).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def canonical_record(seq: int, at: datetime, actor: str, action: str, subject: str, details: Any) -> str:
    return canonical_json({"seq": seq, "at": format_at(at), "actor": actor, "action": action,
                           "subject": subject, "details": details})


def chain_hash(prev_hash: str, canonical: str) -> str:
    return hashlib.sha256((prev_hash + canonical).encode("utf-8")).hexdigest()


def record(session: Session, actor: str, action: str, subject: str, details: dict[str, Any] | None = None,
           *, at: datetime | None = None) -> AuditRecord:
    """Append one record to the chain (flushed, not committed: it belongs to the caller's transaction).

    Two writers racing for the same ``seq`` cannot fork the chain: ``seq`` is the primary
    key, so the second insert fails and its transaction rolls back.
    """
    details = details or {}
    details_json = canonical_json(details)  # also refuses values JSON cannot hold
    last = session.scalars(select(AuditRecord).order_by(AuditRecord.seq.desc()).limit(1)).first()
    seq, prev_hash = (last.seq + 1, last.hash) if last else (1, GENESIS_HASH)
    at = as_utc(at or utcnow())
    row = AuditRecord(seq=seq, at=at, actor=actor, action=action, subject=subject, details_json=details_json,
                      prev_hash=prev_hash,
                      hash=chain_hash(prev_hash, canonical_record(seq, at, actor, action, subject, details)))
    session.add(row)
    session.flush()
    return row


@dataclass(frozen=True)
class ChainReport:
    """The result of checking the whole chain."""

    intact: bool
    records: int  # records checked (up to the break, when there is one)
    head_seq: int | None = None  # last record of an intact chain
    head_hash: str | None = None
    broken_at: int | None = None  # seq of the first record that does not fit
    reason: str | None = None  # "hash mismatch" | "prev link broken" | "gap in seq" | "details not JSON"
    detail: str = ""

    def summary(self) -> str:
        if self.intact:
            if not self.records:
                return "audit chain intact: no records yet"
            return f"audit chain intact: {self.records} records, head seq {self.head_seq} hash {self.head_hash}"
        return f"audit chain BROKEN at seq {self.broken_at}: {self.reason} ({self.detail})"


def verify_chain(session: Session) -> ChainReport:
    """Recompute every link in order; report the first record where the chain breaks and why."""
    expected_seq, prev_hash, checked = 1, GENESIS_HASH, 0
    rows = session.execute(select(AuditRecord.__table__).order_by(AuditRecord.seq)).yield_per(1000)
    for row in rows:
        if row.seq != expected_seq:
            return ChainReport(False, checked, broken_at=row.seq, reason="gap in seq",
                               detail=f"expected seq {expected_seq}, found {row.seq}")
        if row.prev_hash != prev_hash:
            return ChainReport(False, checked, broken_at=row.seq, reason="prev link broken",
                               detail=f"prev_hash {row.prev_hash[:12]}... is not the hash of seq {row.seq - 1}")
        try:
            details = json.loads(row.details_json)
        except ValueError:
            return ChainReport(False, checked, broken_at=row.seq, reason="details not JSON",
                               detail="the details column cannot be read")
        computed = chain_hash(prev_hash, canonical_record(row.seq, row.at, row.actor, row.action, row.subject,
                                                          details))
        if computed != row.hash:
            return ChainReport(False, checked, broken_at=row.seq, reason="hash mismatch",
                               detail=f"stored {row.hash[:12]}..., recomputed {computed[:12]}...")
        expected_seq, prev_hash, checked = row.seq + 1, row.hash, checked + 1
    if not checked:
        return ChainReport(True, 0)
    return ChainReport(True, checked, head_seq=expected_seq - 1, head_hash=prev_hash)


def history(session: Session, subject: str) -> list[AuditRecord]:
    """The records about one subject (e.g. ``roster_entry:12``), oldest first."""
    return list(session.scalars(select(AuditRecord).where(AuditRecord.subject == subject)
                                .order_by(AuditRecord.seq)))
