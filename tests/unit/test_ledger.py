"""The CIS money ledger: balances are sums, reversals net to zero, nothing is edited."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import Bundle, RuleBasedStateMachine, consumes, invariant, rule
from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from fake_cis import ledger
from fake_cis.database import create_schema, make_engine
from fake_cis.ledger import LedgerError
from fake_cis.models import Account, AuditEvent, FinancialTransaction, ServiceAgreement

DAY0 = date(2026, 1, 1)
ENGINE = make_engine()  # one in-memory CIS for the module; every test uses new accounts
create_schema(ENGINE)
_numbers = iter(range(1_000_000_000, 9_999_999_999))


def new_account(session: Session) -> Account:
    account = Account(account_number=str(next(_numbers)), customer_class="residential", opened_on=DAY0,
                      bill_cycle=1)
    session.add(account)
    session.flush()
    return account


def add_agreement(session: Session, account: Account, kind: str) -> ServiceAgreement:
    agreement = ServiceAgreement(account_id=account.id, kind=kind, status="active", start_on=DAY0)
    session.add(agreement)
    session.flush()
    return agreement


@pytest.fixture
def session():
    with Session(ENGINE) as session:
        yield session
        session.rollback()


# --- Properties ---------------------------------------------------------------------------

CHARGE_KINDS = ("bill", "late_fee", "nsf_fee", "reconnect_fee", "establishment_fee")
CREDIT_KINDS = ("payment", "write_off", "deposit_refund")
amounts = st.integers(min_value=1, max_value=5_000_00).map(lambda cents: Decimal(cents) / 100)
days = st.integers(min_value=0, max_value=400)


class LedgerMachine(RuleBasedStateMachine):
    """Random posts and reversals on one account, checked against a plain list."""

    entries = Bundle("entries")

    def __init__(self) -> None:
        super().__init__()
        self.session = Session(ENGINE)
        self.account = new_account(self.session)
        self.model: dict[int, tuple[Decimal, date]] = {}  # id -> (amount, effective)
        self.reversed: dict[int, int] = {}  # original id -> reversal id

    @rule(target=entries, kind=st.sampled_from(CHARGE_KINDS), amount=amounts, day=days,
          due_in=st.integers(min_value=0, max_value=40))
    def post_charge(self, kind, amount, day, due_in):
        effective = DAY0 + timedelta(days=day)
        entry = ledger.post(self.session, self.account.id, kind, amount, effective=effective,
                            due_on=effective + timedelta(days=due_in))
        self.model[entry.id] = (amount, effective)
        return entry.id

    @rule(target=entries, kind=st.sampled_from(CREDIT_KINDS), amount=amounts, day=days)
    def post_credit(self, kind, amount, day):
        effective = DAY0 + timedelta(days=day)
        entry = ledger.post(self.session, self.account.id, kind, -amount, effective=effective)
        assert entry.due_on is None
        self.model[entry.id] = (-amount, effective)
        return entry.id

    @rule(entry_id=consumes(entries), later=st.integers(min_value=0, max_value=60))
    def reverse(self, entry_id, later):
        amount, effective = self.model[entry_id]
        reversal = ledger.reverse(self.session, entry_id, "test correction",
                                  effective=effective + timedelta(days=later))
        original = self.session.get(FinancialTransaction, entry_id)
        assert reversal.amount + original.amount == 0
        assert reversal.reverses_id == entry_id
        assert reversal.due_on == original.due_on and reversal.kind == original.kind
        assert ledger.reversal_of(self.session, entry_id).id == reversal.id
        self.model[reversal.id] = (reversal.amount, reversal.effective_on)
        self.reversed[entry_id] = reversal.id

    @rule()
    def reversing_twice_is_refused(self):
        for original_id, reversal_id in list(self.reversed.items())[:3]:
            with pytest.raises(LedgerError, match="already reversed"):
                ledger.reverse(self.session, original_id, "again")
            with pytest.raises(LedgerError, match="itself a reversal"):
                ledger.reverse(self.session, reversal_id, "undo the undo")

    @invariant()
    def balance_is_the_sum_of_the_ledger(self):
        expected = sum((amount for amount, _ in self.model.values()), Decimal("0.00"))
        assert ledger.balance(self.session, self.account.id) == expected
        stored = self.session.scalars(select(FinancialTransaction.amount)
                                      .where(FinancialTransaction.account_id == self.account.id)).all()
        assert sum(stored, Decimal("0.00")) == expected

    @invariant()
    def balance_as_of_a_day_sums_the_entries_until_then(self):
        cut = DAY0 + timedelta(days=200)
        expected = sum((a for a, eff in self.model.values() if eff <= cut), Decimal("0.00"))
        assert ledger.balance(self.session, self.account.id, as_of=cut) == expected

    @invariant()
    def reversals_net_to_zero(self):
        for original_id, reversal_id in self.reversed.items():
            assert self.model[original_id][0] + self.model[reversal_id][0] == 0

    @invariant()
    def aging_splits_the_balance(self):
        for today in (DAY0 + timedelta(days=100), DAY0 + timedelta(days=500)):
            aging = ledger.aging(self.session, self.account.id, today)
            assert aging.balance == ledger.balance(self.session, self.account.id, as_of=today)
            assert aging.current + aging.past_due + aging.held == aging.balance
            assert aging.past_due >= 0
            assert aging.past_due <= max(aging.balance, Decimal(0))
            assert ledger.past_due(self.session, self.account.id, today) == aging.past_due

    def teardown(self):
        self.session.rollback()
        self.session.close()


TestLedgerProperties = LedgerMachine.TestCase
TestLedgerProperties.settings = settings(max_examples=60, stateful_step_count=25, deadline=None,
                                         suppress_health_check=[HealthCheck.too_slow])


# --- Append-only ----------------------------------------------------------------------------


def test_the_orm_refuses_to_edit_or_delete_a_ledger_row(session):
    account = new_account(session)
    entry = ledger.post(session, account.id, "bill", "42.10", effective=DAY0)
    entry.amount = Decimal("1.00")
    with pytest.raises(PermissionError, match="append-only"):
        session.flush()
    session.rollback()
    account = new_account(session)
    entry = ledger.post(session, account.id, "bill", "42.10", effective=DAY0)
    session.delete(entry)
    with pytest.raises(PermissionError, match="append-only"):
        session.flush()


def test_the_database_refuses_sql_updates_and_deletes_of_the_ledger(session):
    account = new_account(session)
    entry = ledger.post(session, account.id, "payment", "-10.00", effective=DAY0)
    with pytest.raises(IntegrityError, match="append-only"):
        session.execute(update(FinancialTransaction).where(FinancialTransaction.id == entry.id).values(amount=0))
    session.rollback()
    account = new_account(session)
    entry = ledger.post(session, account.id, "payment", "-10.00", effective=DAY0)
    with pytest.raises(IntegrityError, match="append-only"):
        session.execute(delete(FinancialTransaction).where(FinancialTransaction.id == entry.id))


def test_audit_events_are_append_only_too(session):
    event = AuditEvent(actor="trainee-1", operation="post_payment", arguments={"amount": "10.00"}, outcome="ok")
    session.add(event)
    session.flush()
    event.outcome = "error"
    with pytest.raises(PermissionError):
        session.flush()
    session.rollback()
    session.add(AuditEvent(actor="trainee-1", operation="x", outcome="ok"))
    session.flush()
    with pytest.raises(IntegrityError):
        session.execute(update(AuditEvent).values(message="changed"))


# --- Posting rules ----------------------------------------------------------------------------


@pytest.mark.parametrize("amount", ["0", "0.00", "1.005", "abc", 12.5, "NaN", "12345678901.00"])
def test_bad_amounts_are_refused(session, amount):
    account = new_account(session)
    with pytest.raises(LedgerError):
        ledger.post(session, account.id, "bill", amount, effective=DAY0)


def test_unknown_kinds_accounts_and_agreements_are_refused(session):
    account = new_account(session)
    other = new_account(session)
    agreement = add_agreement(session, other, "electric")
    with pytest.raises(LedgerError, match="unknown ledger kind"):
        ledger.post(session, account.id, "gift", "1.00", effective=DAY0)
    with pytest.raises(LedgerError, match="no account"):
        ledger.post(session, 987654321, "bill", "1.00", effective=DAY0)
    with pytest.raises(LedgerError, match="not on account"):
        ledger.post(session, account.id, "bill", "1.00", effective=DAY0, sa_id=agreement.id)
    with pytest.raises(LedgerError, match="settlement"):
        ledger.post(session, account.id, "payment", "-1.00", effective=DAY0, due_on=DAY0)
    with pytest.raises(LedgerError, match="reason"):
        ledger.reverse(session, ledger.post(session, account.id, "bill", "1.00", effective=DAY0).id, " ")
    with pytest.raises(LedgerError, match="no ledger entry"):
        ledger.reverse(session, 987654321, "why")


def test_due_dates_default_by_sign_and_kind(session):
    account = new_account(session)
    fee = ledger.post(session, account.id, "nsf_fee", "25.00", effective=DAY0)
    refund = ledger.post(session, account.id, "refund", "5.00", effective=DAY0)
    credit = ledger.post(session, account.id, "transfer", "-5.00", effective=DAY0)
    assert (fee.due_on, refund.due_on, credit.due_on) == (DAY0, None, None)
    assert fee.posted_at is not None


# --- Past due and aging, by example ----------------------------------------------------------


def d(day: int) -> date:
    return DAY0 + timedelta(days=day)


def test_past_due_counts_unpaid_debts_after_their_due_date(session):
    account = new_account(session)
    ledger.post(session, account.id, "bill", "100.00", effective=d(0), due_on=d(21))
    ledger.post(session, account.id, "bill", "80.00", effective=d(30), due_on=d(51))
    assert ledger.past_due(session, account.id, d(21)) == 0  # due today is not late yet
    assert ledger.past_due(session, account.id, d(22)) == Decimal("100.00")
    ledger.post(session, account.id, "payment", "-60.00", effective=d(40))
    assert ledger.past_due(session, account.id, d(39)) == Decimal("100.00")  # not yet received
    assert ledger.past_due(session, account.id, d(41)) == Decimal("40.00")  # the oldest debt is paid first
    aging = ledger.aging(session, account.id, d(60))
    assert (aging.days_1_30, aging.days_31_60, aging.past_due) == (Decimal("80.00"), Decimal("40.00"),
                                                                  Decimal("120.00"))
    assert aging.oldest_due_on == d(21) and aging.days_past_due == 39
    assert aging.current == 0 and aging.balance == Decimal("120.00")


def test_a_returned_payment_brings_back_the_debts_it_paid(session):
    account = new_account(session)
    ledger.post(session, account.id, "bill", "100.00", effective=d(0), due_on=d(21))
    payment = ledger.post(session, account.id, "payment", "-100.00", effective=d(15))
    assert ledger.past_due(session, account.id, d(30)) == 0
    ledger.reverse(session, payment.id, "NSF", effective=d(25))
    ledger.post(session, account.id, "nsf_fee", "25.00", effective=d(25))
    assert ledger.past_due(session, account.id, d(24)) == 0
    assert ledger.past_due(session, account.id, d(30)) == Decimal("125.00")
    assert ledger.balance(session, account.id) == Decimal("125.00")


def test_a_reversed_charge_is_no_longer_due_and_credits_are_current(session):
    account = new_account(session)
    ledger.post(session, account.id, "bill", "70.00", effective=d(0), due_on=d(21))
    wrong = ledger.post(session, account.id, "bill", "300.00", effective=d(30), due_on=d(51))
    ledger.reverse(session, wrong.id, "estimated read too high", effective=d(40))
    assert ledger.past_due(session, account.id, d(60)) == Decimal("70.00")
    ledger.post(session, account.id, "payment", "-100.00", effective=d(61))
    aging = ledger.aging(session, account.id, d(62))
    assert aging.past_due == 0 and aging.current == Decimal("-30.00") and aging.balance == Decimal("-30.00")


def test_an_arrangement_reschedules_debt_without_changing_the_balance(session):
    account = new_account(session)
    plan = add_agreement(session, account, "payment_arrangement")
    ledger.post(session, account.id, "bill", "300.00", effective=d(0), due_on=d(21))
    assert ledger.past_due(session, account.id, d(40)) == Decimal("300.00")
    ledger.post(session, account.id, "payment", "-100.00", effective=d(40))
    ledger.post(session, account.id, "arrangement", "-200.00", effective=d(40))
    for month in (1, 2):
        ledger.post(session, account.id, "arrangement", "100.00", effective=d(40), due_on=d(40 + 30 * month),
                    sa_id=plan.id)
    assert ledger.balance(session, account.id) == Decimal("200.00")
    assert ledger.past_due(session, account.id, d(41)) == 0
    assert ledger.past_due(session, account.id, d(71)) == Decimal("100.00")


def test_bankruptcy_debt_is_held_not_past_due(session):
    account = new_account(session)
    electric = add_agreement(session, account, "electric")
    case = add_agreement(session, account, "bankruptcy")
    ledger.post(session, account.id, "bill", "250.00", effective=d(0), due_on=d(21), sa_id=electric.id)
    ledger.post(session, account.id, "bankruptcy", "-250.00", effective=d(30), sa_id=electric.id)
    ledger.post(session, account.id, "bankruptcy", "250.00", effective=d(30), due_on=None, sa_id=case.id)
    aging = ledger.aging(session, account.id, d(60))
    assert (aging.balance, aging.held, aging.past_due, aging.current) == (Decimal("250.00"), Decimal("250.00"),
                                                                          0, 0)


def test_reversal_defaults_to_the_cis_today(session):
    from fake_cis.models import CisInfo

    account = new_account(session)
    session.merge(CisInfo(key="today", value="2026-03-01"))
    entry = ledger.post(session, account.id, "late_fee", "5.00", effective=d(0))
    assert ledger.reverse(session, entry.id, "waived").effective_on == date(2026, 3, 1)
