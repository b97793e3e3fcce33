"""Time helpers: every stored time is UTC; SQLite hands datetimes back without a zone."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta, tzinfo


def as_utc(moment: datetime) -> datetime:
    """The same instant as an aware UTC datetime (a naive value is taken to be UTC already)."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def end_of_day(day: date, zone: tzinfo | None = None) -> datetime:
    """Midnight after ``day`` in ``zone`` (default: this machine's local zone), in UTC.

    Access codes expire then: the session happens on a local calendar day.
    """
    midnight = datetime.combine(day + timedelta(days=1), time.min)
    local = midnight.replace(tzinfo=zone) if zone is not None else midnight.astimezone()
    return local.astimezone(UTC)
