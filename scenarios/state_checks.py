"""Questions about the sandbox CIS at the end of a call: the scenario's ``state`` checks."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import Date, DateTime, Numeric, select
from sqlalchemy.orm import Session

from fake_cis.models import CisBase
from scenarios.expected import lookup
from scenarios.fixture import Refs
from scenarios.schema import StateCheck
from scenarios.text import fill

MODELS = {mapper.class_.__tablename__: mapper.class_ for mapper in CisBase.registry.mappers}
REFERENCE_KEYS = {"account": "account_id", "person": "person_id", "premise": "premise_id"}
OPERATORS = {"gte", "gt", "lte", "lt", "ne", "in", "contains", "expected", "days"}


class CheckError(ValueError):
    """A check names something this CIS does not have (a column, a key): a scenario bug."""


@dataclass(frozen=True)
class CheckResult:
    met: bool
    found: int
    detail: str


def _literal(value: Any, refs: Refs, expected: dict[str, Any], facts: dict[str, str] | None = None) -> Any:
    if isinstance(value, dict) and set(value) == {"expected"}:
        return lookup(expected, value["expected"])
    if isinstance(value, dict) and set(value) == {"days"}:
        return refs.today + timedelta(days=int(value["days"]))
    if isinstance(value, str) and "{" in value:
        return fill(value, facts or {}, expected, refs.today)
    return value


def _coerce(column_value: Any, wanted: Any) -> tuple[Any, Any]:
    if isinstance(column_value, Decimal) or isinstance(wanted, Decimal):
        try:
            return (Decimal(str(column_value)) if column_value is not None else None,
                    Decimal(str(wanted)) if wanted is not None else None)
        except ArithmeticError:
            return column_value, wanted
    if isinstance(column_value, datetime) and isinstance(wanted, date) and not isinstance(wanted, datetime):
        return column_value.date(), wanted
    if isinstance(column_value, date) and isinstance(wanted, str):
        return column_value, date.fromisoformat(wanted)
    return column_value, wanted


def _matches(value: Any, condition: Any, refs: Refs, expected: dict[str, Any],
             facts: dict[str, str] | None = None) -> bool:
    if isinstance(condition, dict) and condition and set(condition) <= OPERATORS - {"expected", "days"}:
        for op, raw in condition.items():
            if op == "in":
                if not any(_matches(value, v, refs, expected, facts) for v in raw):
                    return False
                continue
            if op == "contains":
                wanted = str(_literal(raw, refs, expected, facts))
                if value is None or wanted.casefold() not in str(value).casefold():
                    return False
                continue
            a, b = _coerce(value, _literal(raw, refs, expected, facts))
            if op == "ne":
                if a == b:
                    return False
                continue
            if a is None or b is None:
                return False
            if not {"gte": a >= b, "gt": a > b, "lte": a <= b, "lt": a < b}[op]:
                return False
        return True
    a, b = _coerce(value, _literal(condition, refs, expected, facts))
    return a == b


def run_check(session: Session, check: StateCheck, refs: Refs, expected: dict[str, Any],
              bound: dict[str, int], facts: dict[str, str] | None = None) -> CheckResult:
    """Evaluate one check; a ``bind`` stores the first matching row's account id in ``bound``."""
    model = MODELS[check.table]
    columns = {c.key for c in model.__table__.columns}
    statement = select(model)
    filters: dict[str, Any] = {}
    for key, value in check.where.items():
        if key in REFERENCE_KEYS and not (key == "premise" and check.table == "premises"):
            column = "id" if (key, check.table) in {("account", "accounts"), ("person", "persons")} \
                else REFERENCE_KEYS[key]
            table = {"account": refs.accounts, "person": refs.people, "premise": refs.premises}[key]
            keys = value["in"] if isinstance(value, dict) and set(value) == {"in"} else [value]
            ids = []
            for one in keys:
                if not isinstance(one, str):
                    raise CheckError(f"{key}: give a key from setup (or a bound name), or {{in: [keys]}}, "
                                     f"not {value!r}")
                if one in table:
                    ids.append(table[one])
                elif key == "account" and one in bound:
                    ids.append(bound[one])
                elif len(keys) == 1:
                    return CheckResult(False, 0, f"no {key} {one!r}: an earlier step it depends on did not happen")
            filters[column] = {"in": ids} if len(keys) > 1 else ids[0]
        elif key in columns:
            filters[key] = value
        else:
            raise CheckError(f"table {check.table} has no column {key!r} (columns: {', '.join(sorted(columns))})")
    if check.new:
        statement = statement.where(model.id >= refs.first_new_id.get(check.table, 0))
    # Narrow the query in SQL on the plain values (ids, codes, dates, flags; not money, which SQLite
    # keeps as REAL); every condition is still checked in Python below.
    for column, condition in filters.items():
        wanted = _literal(condition, refs, expected, facts)
        if isinstance(wanted, dict) and set(wanted) == {"in"} and all(isinstance(v, int) for v in wanted["in"]):
            statement = statement.where(getattr(model, column).in_(wanted["in"]))
        elif wanted is None:
            statement = statement.where(getattr(model, column).is_(None))
        elif isinstance(wanted, bool | int | str | date) and not isinstance(wanted, datetime):
            kind = getattr(model, column).type
            if isinstance(kind, Numeric | DateTime) or isinstance(kind, Date) != isinstance(wanted, date):
                continue  # money, timestamps and dates written as text are compared in Python only
            statement = statement.where(getattr(model, column) == wanted)
    rows = [row for row in session.scalars(statement.order_by(model.id))
            if all(_matches(getattr(row, column), condition, refs, expected, facts)
                   for column, condition in filters.items())]
    found = len(rows)
    if check.none:
        met = found == 0
        detail = "none found, as expected" if met else f"{found} found where there should be none"
    elif check.count is not None:
        met = found == check.count
        detail = f"{found} found, {check.count} expected"
    else:
        met = found >= 1
        detail = f"{found} found" if met else "not found"
    if met and check.bind and rows:
        row = rows[0]
        bound[check.bind] = row.id if check.table == "accounts" else getattr(row, "account_id", row.id)
    return CheckResult(met, found, detail)
