"""The money ledger: posting, reversing, balances, past due and aging.

Every movement of money on an account is one append-only ``FinancialTransaction``. No
balance is stored anywhere: it is always computed from the ledger, and a mistake is
corrected by a reversal (a new entry with the negated amount, linked to the one it
cancels), never by an edit.

Sign convention
---------------
- Positive amount: a charge, the customer owes more (bill, fees, deposit charge, a refund
  paid out, the reversal of a payment).
- Negative amount: a payment or credit, the customer owes less (payment, write-off,
  deposit refund, the reversal of a charge).
- ``balance`` = the sum of the account's entries; positive means the customer owes money,
  negative is a credit balance.

Due dates and "past due"
------------------------
Each entry is either a *debt* or a *settlement*:

- A debt carries ``due_on``: the date it must be paid by. A bill segment's charge is due
  on the bill's due date; a fee is due when posted unless told otherwise (a late fee is
  usually given the next bill's due date). A negative debt entry reduces what is due on
  its date (a corrected bill, the rescheduling of arrears under a payment arrangement,
  the deferred part of a balanced-payment bill).
- A settlement has no ``due_on``: payments, credits, write-offs, refunds. Settlements
  count from their ``effective_on`` date.

On a given ``today``, settlements pay the oldest debts first. A debt is *past due* when its
due date is before ``today`` and settlements effective by ``today`` have not covered it.
``past_due`` is the total of those unpaid debts; ``aging`` sorts them by days past due.
Entries on a bankruptcy service agreement (pre-petition debt, on which collection has
stopped) are reported apart as ``held`` and are never past due. Past due never exceeds
the collectible balance.

A reversal copies the due date of the entry it reverses, so reversing a payment brings
back the debts it had paid (due as they were), and reversing a charge takes away the
debt of that date.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from fake_cis.models import (
    CENT,
    LEDGER_KINDS,
    Account,
    CisInfo,
    FinancialTransaction,
    ServiceAgreement,
    local_now,
)

ZERO = Decimal("0.00")
MAX_AMOUNT = Decimal("9999999999.99")  # Numeric(12, 2)

#: Kinds that are always settlements (no due date), whatever their sign.
SETTLEMENT_KINDS = frozenset({"payment", "refund", "write_off", "deposit_refund"})

#: Service-agreement kinds whose entries are held from collection (reported as ``held``).
HELD_SA_KINDS = ("bankruptcy",)


class LedgerError(ValueError):
    """A posting or reversal the ledger refuses, with a message a CSR can read."""


_DEFAULT = object()


def to_money(value: Decimal | int | str) -> Decimal:
    """A Decimal with exactly two places; refuses fractions of a cent and floats."""
    if isinstance(value, float):
        raise LedgerError("amounts must be Decimal, int or str, not float")
    try:
        amount = Decimal(value)
    except (InvalidOperation, TypeError) as error:
        raise LedgerError(f"not an amount: {value!r}") from error
    if not amount.is_finite():
        raise LedgerError(f"not an amount: {value!r}")
    if amount != amount.quantize(CENT):
        raise LedgerError(f"amount {value} has fractions of a cent")
    amount = amount.quantize(CENT)
    if abs(amount) > MAX_AMOUNT:
        raise LedgerError(f"amount {value} is too large")
    return amount


def cis_today(session: Session) -> date:
    """The simulated 'today' of this CIS (``cis_info['today']``, set by the seeder), or the
    real date when the database has none."""
    value = session.get(CisInfo, "today")
    return date.fromisoformat(value.value) if value is not None else date.today()


def post(
    session: Session,
    account_id: int,
    kind: str,
    amount: Decimal | int | str,
    *,
    effective: date,
    description: str | None = None,
    due_on: date | None | object = _DEFAULT,
    sa_id: int | None = None,
    bill_id: int | None = None,
    payment_id: int | None = None,
    adjustment_id: int | None = None,
    reference: str | None = None,
    posted_at: datetime | None = None,
) -> FinancialTransaction:
    """Append one entry to the account's ledger and return it (flushed, with its id).

    ``amount`` follows the sign convention (charges positive, credits negative).
    ``due_on``: by default a positive amount of a debt kind is due on ``effective`` and
    anything else is a settlement; pass a date (or None) to say otherwise. Settlement
    kinds (payment, refund, write-off, deposit refund) never take a due date.
    """
    if kind not in LEDGER_KINDS:
        raise LedgerError(f"unknown ledger kind {kind!r}; one of {', '.join(LEDGER_KINDS)}")
    amount = to_money(amount)
    if amount == 0:
        raise LedgerError("a ledger entry must move money: the amount is zero")
    if not isinstance(effective, date) or isinstance(effective, datetime):
        raise LedgerError("effective must be a date")
    if due_on is _DEFAULT:
        due_on = effective if amount > 0 and kind not in SETTLEMENT_KINDS else None
    elif due_on is not None and kind in SETTLEMENT_KINDS:
        raise LedgerError(f"a {kind} is a settlement and has no due date")
    if session.get(Account, account_id) is None:
        raise LedgerError(f"no account with id {account_id}")
    if sa_id is not None:
        agreement = session.get(ServiceAgreement, sa_id)
        if agreement is None or agreement.account_id != account_id:
            raise LedgerError(f"service agreement {sa_id} is not on account {account_id}")
    entry = FinancialTransaction(
        account_id=account_id,
        sa_id=sa_id,
        kind=kind,
        amount=amount,
        effective_on=effective,
        due_on=due_on,
        bill_id=bill_id,
        payment_id=payment_id,
        adjustment_id=adjustment_id,
        reference=reference,
        description=description,
        posted_at=posted_at or local_now(),
    )
    session.add(entry)
    session.flush()
    return entry


def reversal_of(session: Session, transaction_id: int) -> FinancialTransaction | None:
    """The entry that reversed this one, if any."""
    return session.scalar(select(FinancialTransaction).where(FinancialTransaction.reverses_id == transaction_id))


def reverse(
    session: Session,
    transaction_id: int,
    reason: str,
    *,
    effective: date | None = None,
    posted_at: datetime | None = None,
) -> FinancialTransaction:
    """Cancel an entry by appending its negation, linked through ``reverses_id``.

    The reversal has the same account, agreement, kind, references and due date, the
    negated amount, and takes effect on ``effective`` (default: the CIS's today, never
    before the original). Reversing an entry twice, or reversing a reversal, is refused.
    """
    reason = (reason or "").strip()
    if not reason:
        raise LedgerError("a reversal needs a reason")
    original = session.get(FinancialTransaction, transaction_id)
    if original is None:
        raise LedgerError(f"no ledger entry with id {transaction_id}")
    if original.reverses_id is not None:
        raise LedgerError(f"entry {transaction_id} is itself a reversal; post a new entry instead")
    existing = reversal_of(session, transaction_id)
    if existing is not None:
        raise LedgerError(f"entry {transaction_id} was already reversed by entry {existing.id}")
    effective = max(effective or cis_today(session), original.effective_on)
    entry = FinancialTransaction(
        account_id=original.account_id,
        sa_id=original.sa_id,
        kind=original.kind,
        amount=-original.amount,
        effective_on=effective,
        due_on=original.due_on,
        bill_id=original.bill_id,
        payment_id=original.payment_id,
        adjustment_id=original.adjustment_id,
        reverses_id=original.id,
        reference=original.reference,
        description=f"Reversal of entry {original.id}: {reason}",
        posted_at=posted_at or local_now(),
    )
    session.add(entry)
    session.flush()
    return entry


def entries(session: Session, account_id: int, as_of: date | None = None) -> list[FinancialTransaction]:
    """The account's ledger in posting order."""
    query = select(FinancialTransaction).where(FinancialTransaction.account_id == account_id)
    if as_of is not None:
        query = query.where(FinancialTransaction.effective_on <= as_of)
    return list(session.scalars(query.order_by(FinancialTransaction.effective_on, FinancialTransaction.id)))


def balance(session: Session, account_id: int, as_of: date | None = None) -> Decimal:
    """What the customer owes (negative: a credit): the sum of the ledger, optionally of
    the entries effective on or before ``as_of``."""
    query = select(func.sum(FinancialTransaction.amount)).where(FinancialTransaction.account_id == account_id)
    if as_of is not None:
        query = query.where(FinancialTransaction.effective_on <= as_of)
    total = session.scalar(query)
    return Decimal(total).quantize(CENT) if total is not None else ZERO


@dataclass(frozen=True)
class Aging:
    """The account's balance on ``today``, split by how long it has been due.

    ``balance == current + days_1_30 + days_31_60 + days_61_90 + over_90 + held``.
    ``current`` is what is not yet due (negative: a credit balance); ``held`` is debt on
    which collection has stopped (bankruptcy pre-petition balance).
    """

    today: date
    balance: Decimal
    current: Decimal
    days_1_30: Decimal
    days_31_60: Decimal
    days_61_90: Decimal
    over_90: Decimal
    held: Decimal
    oldest_due_on: date | None  # the oldest unpaid past-due debt

    @property
    def past_due(self) -> Decimal:
        return self.days_1_30 + self.days_31_60 + self.days_61_90 + self.over_90

    @property
    def days_past_due(self) -> int:
        return (self.today - self.oldest_due_on).days if self.oldest_due_on else 0


def aging(session: Session, account_id: int, today: date) -> Aging:
    """Split the balance on ``today`` into not yet due, past due by age, and held."""
    rows = session.execute(
        select(FinancialTransaction.amount, FinancialTransaction.due_on, FinancialTransaction.effective_on,
               ServiceAgreement.kind)
        .outerjoin(ServiceAgreement, ServiceAgreement.id == FinancialTransaction.sa_id)
        .where(FinancialTransaction.account_id == account_id, FinancialTransaction.effective_on <= today)
    ).all()
    return aging_of(rows, today)


def aging_of(rows, today: date) -> Aging:
    """``aging`` on rows of (amount, due_on, effective_on, sa_kind) already loaded."""
    total = held = ZERO
    debts: dict[date, Decimal] = defaultdict(lambda: ZERO)
    available = ZERO  # settlements (as a positive number: money that pays debts)
    last_settlement: date | None = None
    for amount, due_on, effective_on, sa_kind in rows:
        amount = Decimal(amount)
        total += amount
        if sa_kind in HELD_SA_KINDS:
            held += amount
        elif due_on is None:
            available -= amount
            last_settlement = max(last_settlement or effective_on, effective_on)
        else:
            debts[due_on] += amount
    if available < 0:  # more paid out than came in: the excess is a debt from then on
        debts[last_settlement] += -available
        available = ZERO
    overdue: list[tuple[date, Decimal]] = []
    for due_on in sorted(debts):
        amount = debts[due_on]
        if due_on >= today:
            continue
        if amount < 0:  # a past-due date with more credited than charged: it pays others
            available += -amount
            continue
        overdue.append((due_on, amount))
    unpaid: list[list] = []
    for due_on, amount in overdue:
        paid = min(available, amount)
        available -= paid
        if amount - paid > 0:
            unpaid.append([due_on, amount - paid])
    collectible = total - held
    excess = sum((amount for _, amount in unpaid), ZERO) - max(collectible, ZERO)
    while excess > 0 and unpaid:  # credits not yet due still lower what can be past due
        cut = min(excess, unpaid[-1][1])
        unpaid[-1][1] -= cut
        excess -= cut
        if unpaid[-1][1] == 0:
            unpaid.pop()
    buckets = [ZERO, ZERO, ZERO, ZERO]
    for due_on, amount in unpaid:
        days = (today - due_on).days
        buckets[0 if days <= 30 else 1 if days <= 60 else 2 if days <= 90 else 3] += amount
    past = sum(buckets, ZERO)
    q = lambda value: value.quantize(CENT)  # noqa: E731
    return Aging(
        today=today,
        balance=q(total),
        current=q(total - held - past),
        days_1_30=q(buckets[0]),
        days_31_60=q(buckets[1]),
        days_61_90=q(buckets[2]),
        over_90=q(buckets[3]),
        held=q(held),
        oldest_due_on=unpaid[0][0] if unpaid else None,
    )


def past_due(session: Session, account_id: int, today: date) -> Decimal:
    """Debts due before ``today`` that the settlements effective by ``today`` have not
    covered (oldest paid first); never more than the collectible balance, never negative.
    Bankruptcy-held debt is not past due."""
    return aging(session, account_id, today).past_due
