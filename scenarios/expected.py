"""The amounts a scenario's grader expects, worked out from the policy once the fixture is laid.

A scenario never types an amount the policy decides: it names it (``deposit: main``,
``restoration: main``, ``policy: fees.reconnection.business_hours_fee``) and this module
asks the same functions the CIS operations use, at the moment the call comes in.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from fake_cis import ledger, operations, policy
from fake_cis.models import Account
from scenarios.fixture import Refs
from scenarios.schema import Expected, Scenario


class ExpectedError(ValueError):
    """An expected amount cannot be worked out from this fixture (the message says which)."""


def _policy_value(path: str) -> Any:
    value: Any = policy.load_policy()
    for part in path.split("."):
        if isinstance(value, dict) and part in value:
            value = value[part]
        elif not isinstance(value, dict) and hasattr(value, part):
            value = getattr(value, part)
        else:
            raise ExpectedError(f"policy has no {path!r} (stopped at {part!r})")
    if not isinstance(value, Decimal | int | str):
        raise ExpectedError(f"policy {path!r} is not a single value")
    return value


def _one(session: Session, refs: Refs, name: str, spec: Expected) -> Any:
    def account(key: str) -> Account:
        return session.get(Account, refs.accounts[key])

    if spec.policy is not None:
        return _policy_value(spec.policy)
    if spec.value is not None:
        try:  # a quoted amount ("120.40") is an amount too
            return Decimal(str(spec.value)) if not isinstance(spec.value, Decimal) else spec.value
        except ArithmeticError:
            return spec.value
    if spec.past_due is not None:
        return ledger.past_due(session, refs.accounts[spec.past_due], refs.today)
    if spec.balance is not None:
        return ledger.balance(session, refs.accounts[spec.balance])
    if spec.min_down_payment is not None:
        owed = ledger.past_due(session, refs.accounts[spec.min_down_payment], refs.today)
        return policy.minimum_down_payment(owed)
    if spec.deposit is not None:
        quote = operations.deposit_quote(session, account(spec.deposit), refs.today)
        if quote is None:
            raise ExpectedError(f"expected.{name}: account {spec.deposit!r} has no bills to base a deposit on")
        return quote.decision.amount if quote.decision.required else Decimal("0.00")
    if spec.restoration is not None:
        target = account(spec.restoration)
        quote = operations.deposit_quote(session, target, refs.today, prior_nonpay_shutoff=True)
        held = operations._held_deposits(session, target)  # noqa: SLF001 - the same rule reconnect applies
        deposit = (quote.decision.amount if quote and quote.decision.required and not held else Decimal("0.00"))
        restoration = policy.restoration_requirements(
            ledger.past_due(session, target.id, refs.today), refs.call_start,
            deposit_required=deposit > 0, deposit_amount=deposit)
        return {"past_due": restoration.past_due, "reconnect_fee": restoration.reconnect_fee,
                "deposit": restoration.deposit, "total": restoration.total}
    raise ExpectedError(f"expected.{name}: nothing to work out")  # the schema makes this unreachable


def work_out(scenario: Scenario, session: Session, refs: Refs) -> dict[str, Any]:
    """Every expected amount of the scenario, in file order (``plus`` adds earlier ones)."""
    values: dict[str, Any] = {}
    for name, spec in scenario.expected.items():
        value = _one(session, refs, name, spec)
        for sign, others in ((1, spec.plus), (-1, spec.minus)):
            for other in others:
                if other not in values or not isinstance(values[other], Decimal | int):
                    raise ExpectedError(f"expected.{name}: {other!r} must be an amount worked out before it")
                value = Decimal(value) + sign * Decimal(values[other])
        values[name] = value
    return values


def lookup(values: dict[str, Any], path: str) -> Any:
    """``restore.total`` -> values['restore']['total']."""
    head, _, rest = path.partition(".")
    if head not in values:
        raise ExpectedError(f"no expected amount {head!r}")
    value = values[head]
    for part in rest.split(".") if rest else ():
        if not isinstance(value, dict) or part not in value:
            raise ExpectedError(f"expected amount {path!r} has no part {part!r}")
        value = value[part]
    return value
