"""Filling a scenario's texts: ``{facts.name}``, ``{expected.name.part}`` and days.

``{today+4}`` is the ISO date four days after the CIS's today (``{today-30}`` a month
before), ``{today+4:long}`` the same day as a caller says it: "Friday, November 20";
``:short`` gives "11/20" and ``:mon`` "Nov 20", as a CSR abbreviates it in a note.
Scenarios name days this way so they hold whatever date the CIS was seeded for.
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from scenarios.expected import lookup

PLACEHOLDER = re.compile(r"\{(?:(facts|expected)\.([a-z0-9_.]+)|today([+-]\d+)?(?::(long|short|mon))?)\}")


def show(value: Any) -> str:
    if isinstance(value, Decimal):
        return f"{value:,.2f}"
    return str(value)


def spoken_day(day: date) -> str:
    return f"{day:%A}, {day:%B} {day.day}"


def fill(text: str | None, facts: dict[str, str], expected: dict[str, Any], today: date | None = None) -> str:
    """The text with its placeholders replaced (facts may use expected amounts and days too)."""
    if not text:
        return ""

    def one(match: re.Match) -> str:
        kind, name, offset, style = match.groups()
        if kind == "facts":
            return fill(facts.get(name, match.group(0)), {}, expected, today) if name in facts else match.group(0)
        if kind == "expected":
            return show(lookup(expected, name))
        if today is None:
            return match.group(0)
        day = today + timedelta(days=int(offset or 0))
        if style == "long":
            return spoken_day(day)
        if style == "short":
            return f"{day.month}/{day.day}"
        if style == "mon":
            return f"{day:%b} {day.day}"
        return day.isoformat()

    return PLACEHOLDER.sub(one, text)
