"""Slowing down guessing of access codes, per client (e.g. the browser's address).

The first ``FREE_FAILURES`` wrong codes cost nothing (people mistype); each later one locks
the client out for twice as long as the one before, from ``BASE_DELAY_S`` up to
``MAX_DELAY_S``. A client with no failure for ``FORGET_AFTER`` starts afresh, and a
correct code clears its record. The state is a table, so a restart does not reset it.
Only a digest of the client key is stored.
"""

from __future__ import annotations

import hashlib
import math
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from assessments.models import CodeThrottle
from assessments.times import as_utc

FREE_FAILURES = 3
BASE_DELAY_S = 2
MAX_DELAY_S = 15 * 60
FORGET_AFTER = timedelta(hours=1)


def delay_after(failures: int) -> int:
    """Seconds a client must wait after its ``failures``-th consecutive wrong code."""
    if failures <= FREE_FAILURES:
        return 0
    return min(MAX_DELAY_S, BASE_DELAY_S * 2 ** min(failures - FREE_FAILURES - 1, 30))


def client_digest(client_key: str) -> str:
    return hashlib.sha256(client_key.encode("utf-8")).hexdigest()


def _state(session: Session, client_key: str, now: datetime) -> CodeThrottle | None:
    state = session.get(CodeThrottle, client_digest(client_key))
    if state is not None and as_utc(now) - as_utc(state.last_failure_at) >= FORGET_AFTER:
        state.failures, state.locked_until = 0, None
    return state


def wait_seconds(session: Session, client_key: str, now: datetime) -> int:
    """Whole seconds the client must still wait before trying a code (0: it may try now)."""
    state = _state(session, client_key, now)
    if state is None or state.locked_until is None:
        return 0
    return max(0, math.ceil((as_utc(state.locked_until) - as_utc(now)).total_seconds()))


def note_failure(session: Session, client_key: str, now: datetime) -> int:
    """Count a wrong code (not committed); return the seconds the client must now wait."""
    now = as_utc(now)
    state = _state(session, client_key, now)
    if state is None:
        state = CodeThrottle(client_digest=client_digest(client_key), failures=0, last_failure_at=now)
        session.add(state)
    state.failures += 1
    state.last_failure_at = now
    delay = delay_after(state.failures)
    state.locked_until = now + timedelta(seconds=delay) if delay else None
    return delay


def clear(session: Session, client_key: str) -> None:
    """Forget a client's failures after a correct code (not committed)."""
    state = session.get(CodeThrottle, client_digest(client_key))
    if state is not None:
        session.delete(state)
