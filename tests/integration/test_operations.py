"""CIS operations on a real SQLite database: every duty's happy path, every refusal, the audit trail.

The world below is small and built by hand so each case knows exactly what it works on
(the simulated today is Monday 2026-11-16, 10:00). A refusal must leave every table but
``audit_events`` exactly as it was, and add one audit event with outcome ``refused``.
"""

from __future__ import annotations

import hashlib
import shutil
import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from fake_cis import ledger, operations
from fake_cis.database import create_schema, make_engine
from fake_cis.models import (
    Account,
    AccountPerson,
    AuditEvent,
    BankruptcyCase,
    Bill,
    CisBase,
    CisInfo,
    CollectionEvent,
    ContactLog,
    Correspondence,
    Deposit,
    FinancialTransaction,
    ManualLogEntry,
    Meter,
    Payment,
    PaymentArrangement,
    Person,
    Premise,
    ProgramEnrollment,
    ServiceAgreement,
    ServiceOrder,
    ServicePoint,
    hash_ssn,
    search_key,
)
from fake_cis.operations import OPERATIONS, TEMPLATES, operations_reference_markdown, run
from fake_cis.policy import add_months, load_policy

TODAY = date(2026, 11, 16)  # a Monday
NOW = datetime(2026, 11, 16, 10, 0)
EVENING = datetime(2026, 11, 16, 19, 30)
SSN_KEY = "test-ssn-key"
ACTOR = "trainee.one"
POLICY = load_policy()


# --- the world ----------------------------------------------------------------------------


class World:
    """Builds the test CIS and remembers what it made under short names (``w["A1"]``)."""

    def __init__(self, session: Session):
        self.s = session
        self.ids: dict[str, Any] = {}
        self.check_number = 1000

    def __getitem__(self, key: str) -> Any:
        return self.ids[key]

    def person(self, key: str, first: str, last: str, *, middle: str | None = None, suffix: str | None = None,
               birth: date | None = None, ssn: str | None = None, phone: str | None = None,
               business: str | None = None, life_support: bool = False, email: str | None = None) -> Person:
        kind = "business" if business else "individual"
        name_key = search_key(business) if business else search_key(" ".join(p for p in (last, first, middle) if p))
        person = Person(kind=kind, first_name=None if business else first, last_name=None if business else last,
                        middle_name=middle, suffix=suffix, business_name=business, name_key=name_key, birth_date=birth,
                        ssn_hash=hash_ssn(ssn, SSN_KEY) if ssn else None, ssn_last4=ssn[-4:] if ssn else None,
                        phone=phone, email=email, life_support=life_support)
        self.s.add(person)
        self.s.flush()
        self.ids[key] = person.id
        return person

    def premise(self, key: str, house: str, street: str, *, unit: str | None = None, kind: str = "single_family",
                state: str = "connected") -> Premise:
        premise = Premise(house_number=house, street_name=street, street_key=search_key(street), unit=unit,
                          city="Alder Springs", zip_code="95720", premise_type=kind)
        self.s.add(premise)
        self.s.flush()
        point = ServicePoint(premise_id=premise.id, state=state, read_cycle=3)
        self.s.add(point)
        self.s.flush()
        self.s.add(Meter(service_point_id=point.id, badge_number=f"M{premise.id:06d}", meter_type="ami",
                         installed_on=date(2015, 1, 1)))
        self.ids[key] = premise.id
        return premise

    def account(self, key: str, number: str, person: Person, premise: Premise | None, *, cls: str = "residential",
                opened: date = date(2024, 1, 1), closed: date | None = None) -> Account:
        account = Account(account_number=number, customer_class=cls, status="closed" if closed else "active",
                          opened_on=opened, closed_on=closed, bill_cycle=3)
        self.s.add(account)
        self.s.flush()
        self.s.add(AccountPerson(account_id=account.id, person_id=person.id, role="main",
                                 financially_responsible=True, relation="self", since=opened))
        if premise is not None:
            self.s.add(ServiceAgreement(account_id=account.id, premise_id=premise.id, kind="electric",
                                        rate_code="C-1" if cls == "commercial" else "R-1",
                                        status="stopped" if closed else "active", start_on=opened, end_on=closed))
        self.s.flush()
        self.ids[key] = number
        self.ids[f"{key}.id"] = account.id
        return account

    def bill(self, account: Account, bill_on: date, amount: str, *, due_days: int = 21, final: bool = False) -> Bill:
        bill = Bill(account_id=account.id, bill_on=bill_on, due_on=bill_on + timedelta(days=due_days),
                    current_charges=Decimal(amount), amount_due=Decimal(amount), final=final)
        self.s.add(bill)
        self.s.flush()
        ledger.post(self.s, account.id, "bill", Decimal(amount), effective=bill_on, due_on=bill.due_on, bill_id=bill.id)
        return bill

    def payment(self, account: Account, received: date, amount: str, *, tender: str = "check",
                key: str | None = None) -> Payment:
        self.check_number += 1
        payment = Payment(account_id=account.id, amount=Decimal(amount), received_on=received, tender=tender,
                          channel="mail", check_number=str(self.check_number) if tender == "check" else None)
        self.s.add(payment)
        self.s.flush()
        ledger.post(self.s, account.id, "payment", -Decimal(amount), effective=received, payment_id=payment.id)
        if key:
            self.ids[key] = payment.id
        return payment

    def charge(self, account: Account, kind: str, on: date, amount: str, due_on: date, key: str | None = None):
        entry = ledger.post(self.s, account.id, kind, Decimal(amount), effective=on, due_on=due_on)
        if key:
            self.ids[key] = entry.id
        return entry


def build_world(session: Session) -> World:
    w = World(session)
    session.add_all([CisInfo(key="today", value=TODAY.isoformat()), CisInfo(key="ssn_key", value=SSN_KEY),
                     CisInfo(key="city", value="Alder Springs")])

    # A1: Ana Maria Garcia, a year of bills paid on time by check; the current bill not yet due.
    ana = w.person("ANA", "Ana", "Garcia", middle="Maria", birth=date(1980, 4, 2), ssn="123-45-6789",
                   phone="9165550101", email="ana.garcia@example.com")
    p1 = w.premise("P1", "100", "Oak Ave")
    a1 = w.account("A1", "4000000001", ana, p1, opened=date(2024, 1, 1))
    for month in range(12):
        bill_on = add_months(date(2025, 11, 1), month)
        w.bill(a1, bill_on, "80.00")
        w.payment(a1, bill_on + timedelta(days=14), "80.00", key=f"A1.pay{month}")
    w.bill(a1, date(2026, 11, 1), "80.00")
    # ... and a $90 check that belonged to A2 (look-alike neighbour) posted here by mistake.
    w.payment(a1, date(2026, 10, 15), "90.00", key="MISAPPLIED")

    # A2: Ana Lucia Garcia next door: October bill unpaid (the payment went to A1), so a late fee.
    ana2 = w.person("ANA2", "Ana", "Garcia", middle="Lucia", birth=date(1991, 9, 9), phone="9165550102")
    p2 = w.premise("P2", "104", "Oak Ave")
    a2 = w.account("A2", "4000000002", ana2, p2, opened=date(2025, 3, 1))
    w.bill(a2, date(2026, 10, 1), "90.00")
    w.charge(a2, "late_fee", date(2026, 11, 2), "4.50", date(2026, 11, 22), key="A2.latefee")

    # A3: Robert Chen, three bills unpaid, a 10-day notice mailed 2026-10-20 (shut-off from 11-04).
    bob = w.person("BOB", "Robert", "Chen", birth=date(1975, 1, 20), ssn="222-33-4444", phone="9165550103")
    p3 = w.premise("P3", "200", "Pine St")
    a3 = w.account("A3", "4000000003", bob, p3)
    for bill_on, amount in ((date(2026, 8, 1), "120.00"), (date(2026, 9, 1), "110.00"), (date(2026, 10, 1), "100.00"),
                            (date(2026, 11, 1), "95.00")):
        bill = w.bill(a3, bill_on, amount)
    oct_bill = session.scalar(select(Bill).where(Bill.account_id == a3.id, Bill.bill_on == date(2026, 10, 1)))
    session.add(CollectionEvent(account_id=a3.id, kind="ten_day_notice", event_on=date(2026, 10, 20),
                                amount=Decimal("230.00"), bill_id=oct_bill.id))
    w.payment(a3, date(2026, 7, 20), "60.00", key="A3.check")

    # A4: Linda Park on life support, past due, noticed.
    linda = w.person("LINDA", "Linda", "Park", birth=date(1950, 2, 2), phone="9165550104", life_support=True)
    p4 = w.premise("P4", "300", "Cedar Dr")
    a4 = w.account("A4", "4000000004", linda, p4)
    bill = w.bill(a4, date(2026, 9, 1), "200.00")
    session.add(CollectionEvent(account_id=a4.id, kind="ten_day_notice", event_on=date(2026, 9, 25),
                                amount=Decimal("200.00"), bill_id=bill.id))

    # A5: Tom Baker, shut off for non-payment, $150 still past due, a residential cash deposit held.
    tom = w.person("TOM", "Tom", "Baker", phone="9165550105")
    p5 = w.premise("P5", "400", "Elm Ct", state="disconnected")
    a5 = w.account("A5", "4000000005", tom, p5)
    w.bill(a5, date(2026, 8, 1), "150.00")
    session.add(CollectionEvent(account_id=a5.id, kind="disconnect", event_on=date(2026, 10, 1),
                                amount=Decimal("150.00")))
    deposit_sa = ServiceAgreement(account_id=a5.id, kind="deposit", status="active", start_on=date(2026, 10, 2))
    session.add(deposit_sa)
    session.flush()
    deposit = Deposit(account_id=a5.id, sa_id=deposit_sa.id, kind="cash", amount=Decimal("160.00"), reason="non_pay",
                      held_since=date(2026, 10, 2), status="held")
    session.add(deposit)
    session.flush()
    w.ids["A5.deposit"] = deposit.id
    ledger.post(session, a5.id, "deposit_charge", Decimal("160.00"), effective=date(2026, 10, 2),
                due_on=date(2026, 12, 1), sa_id=deposit_sa.id, reference=f"deposit {deposit.id}")

    # A6: Maria Lopez, disconnected but paid up.
    maria = w.person("MARIA", "Maria", "Lopez", phone="9165550106")
    p6 = w.premise("P6", "500", "Birch Ln", state="disconnected")
    a6 = w.account("A6", "4000000006", maria, p6)
    w.bill(a6, date(2026, 8, 1), "70.00")
    w.payment(a6, date(2026, 11, 13), "70.00", tender="cash")
    for month in range(4):
        w.bill(a6, add_months(date(2026, 4, 1), month), "60.00")
        w.payment(a6, add_months(date(2026, 4, 10), month), "60.00")

    # A7: Greg Olsen, closed in July; the final bill (2026-07-18) is unpaid, 121 days on.
    greg = w.person("GREG", "Greg", "Olsen", phone="9165550107", ssn="555-66-7777")
    p7 = w.premise("P7", "600", "Fir Way")
    a7 = w.account("A7", "4000000007", greg, p7, opened=date(2023, 5, 1), closed=date(2026, 7, 15))
    w.bill(a7, date(2026, 6, 1), "75.00")
    w.payment(a7, date(2026, 6, 15), "75.00")
    w.bill(a7, date(2026, 7, 18), "140.00", final=True)

    # A8: Helen Ward, closed 2026-10-01, final bill 2026-10-05 unpaid ($60), a $100 cash deposit held.
    helen = w.person("HELEN", "Helen", "Ward", phone="9165550108")
    p8 = w.premise("P8", "610", "Fir Way")
    a8 = w.account("A8", "4000000008", helen, p8, opened=date(2025, 1, 1), closed=date(2026, 10, 1))
    w.bill(a8, date(2026, 10, 5), "60.00", final=True)
    session.add(Deposit(account_id=a8.id, kind="cash", amount=Decimal("100.00"), reason="late_history",
                        held_since=date(2025, 1, 1), status="held"))
    session.flush()
    w.ids["A8.deposit"] = session.scalar(select(Deposit.id).where(Deposit.account_id == a8.id))

    # A9: a landlord with continuing-service agreements on apartments 2 (vacant) and 3 (A12's).
    pat = w.person("PAT", "Pat", "Quinn", phone="9165550109")
    p9 = w.premise("P9", "800", "Maple Ave", unit="Apt 2", kind="apartment")
    p10 = w.premise("P10", "800", "Maple Ave", unit="Apt 3", kind="apartment")
    a9 = w.account("A9", "4000000009", pat, p9, opened=date(2020, 1, 1))
    for p in (p9, p10):
        p.owner_person_id = pat.id
        p.continuing_service_account_id = a9.id
        p.continuing_service_since = date(2020, 1, 1)

    # A10: a commercial cafe paying $400 a month.
    cafe = w.person("CAFE", "", "", business="Main Street Cafe LLC", phone="9165550110", ssn="94-1234567")
    p11 = w.premise("P11", "10", "Main St", kind="commercial")
    a10 = w.account("A10", "4000000010", cafe, p11, cls="commercial", opened=date(2022, 1, 1))
    for month in range(6):
        bill_on = add_months(date(2026, 5, 1), month)
        w.bill(a10, bill_on, "400.00")
        w.payment(a10, bill_on + timedelta(days=10), "400.00")

    # A11: Sue Kim overpaid: a $50 credit balance.
    sue = w.person("SUE", "Sue", "Kim", phone="9165550111")
    p12 = w.premise("P12", "20", "Spruce St")
    a11 = w.account("A11", "4000000011", sue, p12)
    w.bill(a11, date(2026, 10, 1), "50.00")
    w.payment(a11, date(2026, 10, 10), "100.00")

    # A12: Joe Tenant in apartment 3 (landlord A9 keeps service when he leaves).
    joe = w.person("JOE", "Joe", "Tenant", phone="9165550112")
    w.account("A12", "4000000012", joe, p10, opened=date(2025, 6, 1))

    # A vacant premise with no history at all.
    w.premise("PNEW", "700", "Ash Pl")
    session.commit()
    w.ids["CHARGES"] = [(number, entry_id) for number, entry_id in session.execute(
        select(Account.account_number, FinancialTransaction.id).join(Account)
        .where(FinancialTransaction.amount > 0, FinancialTransaction.kind != "payment"))]
    return w


# --- fixtures and helpers -----------------------------------------------------------------


@pytest.fixture(scope="module")
def template(tmp_path_factory) -> tuple[Path, dict]:
    path = tmp_path_factory.mktemp("cis-ops") / "world.sqlite3"
    engine = make_engine(path)
    create_schema(engine)
    with Session(engine) as session:
        ids = build_world(session).ids
    engine.dispose()
    return path, ids


def _open(template_path: Path, target: Path) -> tuple[Session, Any]:
    shutil.copyfile(template_path, target)
    engine = make_engine(target)
    return Session(engine, expire_on_commit=False), engine


@dataclass
class Cis:
    session: Session
    ids: dict

    def __getitem__(self, key: str) -> Any:
        return self.ids[key]

    def run(self, operation: str, arguments: dict, *, now: datetime = NOW, actor: str = ACTOR):
        return run(self.session, operation, resolve(arguments, self.ids), actor=actor, now=now)

    def ok(self, operation: str, arguments: dict, **kwargs):
        result = self.run(operation, arguments, **kwargs)
        assert result.ok, result.message
        return result

    def account(self, key: str) -> Account:
        return self.session.get(Account, self.ids[f"{key}.id"])

    def balance(self, key: str) -> Decimal:
        return ledger.balance(self.session, self.ids[f"{key}.id"])

    def past_due(self, key: str) -> Decimal:
        return ledger.past_due(self.session, self.ids[f"{key}.id"], TODAY)

    def last_audit(self) -> AuditEvent:
        return self.session.scalar(select(AuditEvent).order_by(AuditEvent.id.desc()))


@pytest.fixture
def cis(template, tmp_path) -> Cis:
    path, ids = template
    session, engine = _open(path, tmp_path / "cis.sqlite3")
    yield Cis(session, ids)
    session.close()
    engine.dispose()


def resolve(value: Any, ids: dict) -> Any:
    """Arguments with ``@NAME`` replaced by the world's id or number of that name."""
    if isinstance(value, str) and value.startswith("@"):
        return ids[value[1:]]
    if isinstance(value, dict):
        return {k: resolve(v, ids) for k, v in value.items()}
    if isinstance(value, list):
        return [resolve(v, ids) for v in value]
    return value


def digest(session: Session) -> str:
    """A fingerprint of every CIS table except the audit trail."""
    hasher = hashlib.sha256()
    for table in CisBase.metadata.sorted_tables:
        if table.name == "audit_events":
            continue
        keys = ", ".join(column.name for column in table.primary_key.columns)
        rows = session.connection().exec_driver_sql(f"SELECT * FROM {table.name} ORDER BY {keys}").fetchall()
        hasher.update(table.name.encode())
        hasher.update(repr(rows).encode())
    return hasher.hexdigest()


def audit_count(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(AuditEvent))


# --- refusals: the message, nothing changed, one refused audit event ------------------------


@dataclass(frozen=True)
class Refusal:
    name: str
    operation: str
    arguments: dict
    message: str  # a fragment of the message the trainee sees
    before: tuple[tuple[str, dict], ...] = ()
    now: datetime = NOW


REFUSALS = [
    # Invalid arguments: one message naming each field.
    Refusal("unknown operation", "pay_bill", {}, "Unknown operation 'pay_bill'"),
    Refusal("arguments not an object", "view_account", ["4000000001"], "must be an object"),
    Refusal("unknown account", "view_account", {"account_number": "4999999999"}, "No account 4999999999"),
    Refusal("account number malformed", "view_account", {"account_number": "12345"},
            "account_number must be a 10-digit account number"),
    Refusal("missing and unknown arguments", "post_payment", {"account_number": "@A1", "amt": "5"},
            "amount is required; tender is required; amt is not an argument of post_payment"),
    Refusal("zero amount", "post_payment", {"account_number": "@A1", "amount": "0", "tender": "cash"},
            "amount must be more than 0"),
    Refusal("negative amount", "post_payment", {"account_number": "@A1", "amount": "-5.00", "tender": "cash"},
            "amount must be more than 0"),
    Refusal("fraction of a cent", "post_payment", {"account_number": "@A1", "amount": "5.001", "tender": "cash"},
            "amount must be in whole cents"),
    Refusal("unknown tender", "post_payment", {"account_number": "@A1", "amount": "5", "tender": "bitcoin"},
            "tender must be one of cash, check"),
    Refusal("an id given as true", "reverse_payment", {"payment_id": True}, "payment_id must be a whole number"),
    Refusal("bad date", "post_payment", {"account_number": "@A1", "amount": "5", "tender": "cash",
                                         "received_on": "2026-13-40"}, "received_on must be a date written YYYY-MM-DD"),
    # search / identity
    Refusal("search too short", "search_customers", {"query": "a"}, "at least 2 characters"),
    Refusal("verify without a second detail", "verify_identity", {"account_number": "@A1", "name": "Ana Garcia"},
            "at least one of ssn_last4, birth_date, service_address, phone"),
    Refusal("verify unknown account", "verify_identity", {"account_number": "4999999999", "name": "Ana Garcia",
                                                          "ssn_last4": "6789"}, "No account 4999999999"),
    # start / stop / transfer
    Refusal("start at an occupied premise", "start_service",
            {"premise_id": "@P2", "start_on": "2026-11-20", "person_id": "@ANA"},
            "has service on account 4000000002"),
    Refusal("start in the past", "start_service", {"premise_id": "@P7", "start_on": "2026-11-01", "person_id": "@ANA"},
            "start date 2026-11-01 is before today"),
    Refusal("start at an unknown premise", "start_service",
            {"premise_id": 99999, "start_on": "2026-11-20", "person_id": "@ANA"}, "No premise with id 99999"),
    Refusal("start for a new person whose SSN is on file", "start_service",
            {"premise_id": "@P7", "start_on": "2026-11-20",
             "new_person": {"first_name": "Ann", "last_name": "Garcia", "ssn": "123456789"}},
            "A person with this SSN is already in the CIS"),
    Refusal("start with both person_id and new_person", "start_service",
            {"premise_id": "@P7", "start_on": "2026-11-20", "person_id": "@ANA",
             "new_person": {"first_name": "Ann", "last_name": "Lee"}}, "give either person_id"),
    Refusal("stop before today", "stop_service", {"account_number": "@A1", "stop_on": "2026-11-10"},
            "stop date 2026-11-10 is before today"),
    Refusal("stop a closed account", "stop_service", {"account_number": "@A7", "stop_on": "2026-11-20"},
            "Account 4000000007 is closed"),
    Refusal("transfer to the same premise", "transfer_service",
            {"account_number": "@A1", "to_premise_id": "@P1", "stop_on": "2026-11-20", "start_on": "2026-11-20"},
            "already serves"),
    Refusal("transfer to an occupied premise", "transfer_service",
            {"account_number": "@A1", "to_premise_id": "@P3", "stop_on": "2026-11-20", "start_on": "2026-11-20"},
            "has service on account 4000000003"),
    Refusal("transfer with a date in the past", "transfer_service",
            {"account_number": "@A1", "to_premise_id": "@PNEW", "stop_on": "2026-11-20", "start_on": "2026-11-02"},
            "start date 2026-11-02 is before today"),
    # payments
    Refusal("payment received in the future", "post_payment",
            {"account_number": "@A1", "amount": "5", "tender": "cash", "received_on": "2026-11-17"},
            "is in the future"),
    Refusal("check without a check number", "post_payment", {"account_number": "@A1", "amount": "5", "tender": "check"},
            "a check payment needs check_number"),
    Refusal("cash-only account pays by check", "post_payment",
            {"account_number": "@A1", "amount": "5", "tender": "check", "check_number": "77"},
            "is cash only until",
            before=(("reverse_payment", {"payment_id": "@A1.pay11"}),
                    ("reverse_payment", {"payment_id": "@A1.pay10"}))),
    Refusal("transfer a payment to its own account", "transfer_payment",
            {"payment_id": "@MISAPPLIED", "to_account_number": "@A1", "reason": "wrong"},
            "already on account 4000000001"),
    Refusal("transfer a payment to a closed account", "transfer_payment",
            {"payment_id": "@MISAPPLIED", "to_account_number": "@A7", "reason": "wrong"},
            "closed: a payment cannot be transferred to a closed account"),
    Refusal("transfer a payment to an unknown account", "transfer_payment",
            {"payment_id": "@MISAPPLIED", "to_account_number": "4999999999", "reason": "wrong"},
            "No account 4999999999"),
    Refusal("transfer an unknown payment", "transfer_payment",
            {"payment_id": 999999, "to_account_number": "@A2", "reason": "wrong"}, "No payment with id 999999"),
    Refusal("transfer a canceled payment", "transfer_payment",
            {"payment_id": "@MISAPPLIED", "to_account_number": "@A2", "reason": "wrong"}, "was already canceled",
            before=(("reverse_payment", {"payment_id": "@MISAPPLIED", "reason": "entry_error"}),)),
    Refusal("reverse a canceled payment", "reverse_payment", {"payment_id": "@A1.pay11"}, "was already canceled",
            before=(("reverse_payment", {"payment_id": "@A1.pay11"}),)),
    Refusal("returned before it was received", "reverse_payment",
            {"payment_id": "@A1.pay11", "returned_on": "2026-10-01"}, "before the payment was received"),
    Refusal("a cash payment bounced", "reverse_payment", {"payment_id": "@A6.cash"}, "A cash payment cannot come back"),
    Refusal("misapplied is a transfer", "reverse_payment", {"payment_id": "@A1.pay11", "reason": "misapplied"},
            "reason must be one of nsf, duplicate, stop_payment or entry_error"),
    # charges
    Refusal("adjust more than the charge", "adjust_charge",
            {"account_number": "@A2", "transaction_id": "@A2.latefee", "amount": "4.51", "reason": "waive"},
            "more than the $4.50 left"),
    Refusal("adjust a payment", "adjust_charge",
            {"account_number": "@A1", "transaction_id": "@A1.payentry", "amount": "1", "reason": "x"},
            "not a charge"),
    Refusal("adjust an entry of another account", "adjust_charge",
            {"account_number": "@A1", "transaction_id": "@A2.latefee", "amount": "1", "reason": "x"},
            "No ledger entry"),
    Refusal("adjust twice beyond the charge", "adjust_charge",
            {"account_number": "@A2", "transaction_id": "@A2.latefee", "amount": "2.00", "reason": "again"},
            "more than the $1.50 left",
            before=(("adjust_charge", {"account_number": "@A2", "transaction_id": "@A2.latefee", "amount": "3.00",
                                       "reason": "partial"}),)),
    Refusal("adjust with zero", "adjust_charge",
            {"account_number": "@A2", "transaction_id": "@A2.latefee", "amount": "0", "reason": "x"},
            "amount must be more than 0"),
    # deposits
    Refusal("deposit above the cap", "assess_deposit", {"account_number": "@A10", "amount": "800.01"},
            "above the cap of $800.00"),
    Refusal("deposit not required", "assess_deposit", {"account_number": "@A1"}, "No deposit is required"),
    Refusal("deposit waived by a credit letter", "assess_deposit",
            {"account_number": "@A1", "prior_nonpay_shutoff": True, "credit_letter": True}, "waived"),
    Refusal("deposit with no bill history", "assess_deposit", {"account_number": "@NEWACCT"}, "average_monthly_bill",
            before=(("start_service", {"premise_id": "@PNEW", "start_on": "2026-11-16",
                                       "new_person": {"first_name": "Nia", "last_name": "Moss"}}),)),
    Refusal("deposit cap includes what is held", "assess_deposit", {"account_number": "@A10", "amount": "100.00"},
            "with $800.00 already held", before=(("assess_deposit", {"account_number": "@A10"}),)),
    Refusal("waive a commercial deposit", "waive_deposit", {"deposit_id": "@A10.deposit", "credit_letter_from": "PG&E"},
            "residential deposits only", before=(("assess_deposit", {"account_number": "@A10"}),)),
    Refusal("waive an unknown deposit", "waive_deposit", {"deposit_id": 9999, "credit_letter_from": "PG&E"},
            "No deposit with id 9999"),
    Refusal("refund a deposit too early", "refund_deposit", {"deposit_id": "@A5.deposit"},
            "consecutive on-time payment"),
    Refusal("refund a released deposit", "refund_deposit", {"deposit_id": "@A5.deposit"}, "only a held deposit",
            before=(("waive_deposit", {"deposit_id": "@A5.deposit", "credit_letter_from": "SMUD"}),)),
    # refunds
    Refusal("refund above the credit balance", "issue_refund", {"account_number": "@A11", "amount": "50.01"},
            "more than the credit balance $50.00"),
    Refusal("refund without a credit balance", "issue_refund", {"account_number": "@A3", "amount": "5"},
            "has no credit balance"),
    Refusal("refund zero", "issue_refund", {"account_number": "@A11", "amount": "0.00"}, "amount must be more than 0"),
    # arrangements
    Refusal("arrangement over 12 months", "create_payment_arrangement",
            {"account_number": "@A3", "down_payment": "100", "months": 13, "first_due_on": "2026-12-15"},
            "the policy does not allow more than 12"),
    Refusal("arrangement down payment below the minimum", "create_payment_arrangement",
            {"account_number": "@A3", "down_payment": "10", "months": 6, "first_due_on": "2026-12-15"},
            "below the minimum"),
    Refusal("arrangement first due date not after today", "create_payment_arrangement",
            {"account_number": "@A3", "down_payment": "100", "months": 6, "first_due_on": "2026-11-16"},
            "must fall due after today"),
    Refusal("arrangement with nothing past due", "create_payment_arrangement",
            {"account_number": "@A11", "down_payment": "0", "months": 3, "first_due_on": "2026-12-15"},
            "Nothing is past due"),
    Refusal("a second arrangement", "create_payment_arrangement",
            {"account_number": "@A3", "down_payment": "100", "months": 6, "first_due_on": "2026-12-15"},
            "already in force",
            before=(("create_payment_arrangement", {"account_number": "@A3", "down_payment": "100", "months": 6,
                                                    "first_due_on": "2026-12-15"}),)),
    # service orders
    Refusal("reconnect before the payment posted", "create_service_order",
            {"account_number": "@A5", "kind": "reconnect"},
            "Reconnect refused: $150.00 is still past due"),
    Refusal("reconnect a connected premise", "create_service_order", {"account_number": "@A1", "kind": "reconnect"},
            "nothing to reconnect"),
    Refusal("disconnect on life support", "create_service_order",
            {"account_number": "@A4", "kind": "nonpay_disconnect"}, "life-support / medical hold"),
    Refusal("disconnect under an arrangement", "create_service_order",
            {"account_number": "@A3", "kind": "nonpay_disconnect"}, "payment arrangement in force",
            before=(("create_payment_arrangement", {"account_number": "@A3", "down_payment": "100", "months": 6,
                                                    "first_due_on": "2026-12-15"}),)),
    Refusal("disconnect in bankruptcy", "create_service_order",
            {"account_number": "@A3", "kind": "nonpay_disconnect"}, "Bankruptcy case 26-20001 is open",
            before=(("record_bankruptcy", {"account_number": "@A3", "case_number": "26-20001", "court": "E.D. Cal.",
                                           "chapter": 7, "petition_on": "2026-11-10"}),)),
    Refusal("disconnect with nothing past due", "create_service_order",
            {"account_number": "@A1", "kind": "nonpay_disconnect"}, "Nothing is past due"),
    Refusal("disconnect without a notice", "create_service_order",
            {"account_number": "@A2", "kind": "nonpay_disconnect"}, "No 10-day disconnection notice"),
    Refusal("investigation without remarks", "create_service_order",
            {"account_number": "@A1", "kind": "investigation"}, "needs remarks"),
    Refusal("order in the past", "create_service_order",
            {"account_number": "@A1", "kind": "reread", "scheduled_on": "2026-11-01"}, "is before today"),
    Refusal("a second open order of a kind", "create_service_order", {"account_number": "@A1", "kind": "meter_test"},
            "is already open", before=(("create_service_order", {"account_number": "@A1", "kind": "meter_test"}),)),
    Refusal("cancel an unknown order", "cancel_service_order", {"order_id": 9999, "reason": "x"},
            "No service order with id 9999"),
    # bankruptcy and collections
    Refusal("bankruptcy petition in the future", "record_bankruptcy",
            {"account_number": "@A3", "case_number": "26-1", "court": "E.D. Cal.", "chapter": 7,
             "petition_on": "2026-11-20"}, "is in the future"),
    Refusal("bankruptcy relief before the petition", "record_bankruptcy",
            {"account_number": "@A3", "case_number": "26-1", "court": "E.D. Cal.", "chapter": 13,
             "petition_on": "2026-11-10", "order_for_relief_on": "2026-11-01"}, "is before the petition"),
    Refusal("bankruptcy chapter unknown", "record_bankruptcy",
            {"account_number": "@A3", "case_number": "26-1", "court": "E.D. Cal.", "chapter": 9,
             "petition_on": "2026-11-10"}, "chapter must be one of 7, 11, 12, 13"),
    Refusal("proof of claim without a case", "prepare_proof_of_claim", {"account_number": "@A3"},
            "has no open bankruptcy case"),
    Refusal("agency referral of an active account", "refer_to_agency", {"account_number": "@A1", "agency": "Sierra"},
            "only a closed account"),
    Refusal("agency referral too early", "refer_to_agency", {"account_number": "@A8", "agency": "Sierra"},
            "is 42 days old"),
    Refusal("write off before the agency", "write_off", {"account_number": "@A7", "reason": "gone"},
            "has not been referred to a collection agency"),
    Refusal("write off an active account", "write_off", {"account_number": "@A3", "reason": "gone"},
            "only a closed account"),
    # programs
    Refusal("EAP and the medical discount are exclusive", "enroll_program",
            {"account_number": "@A1", "program": "medical_baseline", "requirements_confirmed": True},
            "cannot be combined with Energy Assistance Program",
            before=(("enroll_program", {"account_number": "@A1", "program": "energy_assistance",
                                        "requirements_confirmed": True}),)),
    Refusal("program requirements not confirmed", "enroll_program",
            {"account_number": "@A1", "program": "energy_assistance"}, "requires household income"),
    Refusal("EAP is residential only", "enroll_program",
            {"account_number": "@A10", "program": "energy_assistance", "requirements_confirmed": True},
            "is for residential accounts"),
    Refusal("net metering is closed to new customers", "enroll_program",
            {"account_number": "@A1", "program": "solar_nem"}, "closed to new enrollment"),
    Refusal("EV discount without vehicles", "enroll_program", {"account_number": "@A1", "program": "ev_discount"},
            "needs ev_vehicles"),
    Refusal("EV discount with an unknown weight class", "enroll_program",
            {"account_number": "@A1", "program": "ev_discount", "ev_vehicles": ["huge"]}, "Unknown EV weight class"),
    Refusal("paperless without an e-mail address", "enroll_program", {"account_number": "@A3", "program": "paperless"},
            "needs an e-mail address on file"),
    Refusal("unenroll from a program not held", "unenroll_program",
            {"account_number": "@A1", "program": "paperless", "reason": "x"}, "is not enrolled in paperless"),
    # people, notes, letters, logs
    Refusal("update contact with nothing", "update_contact", {"person_id": "@ANA"}, "nothing to update"),
    Refusal("update contact of someone not on the account", "update_contact",
            {"person_id": "@ANA", "account_number": "@A3", "phone": "916-555-0199"}, "is not on account 4000000003"),
    Refusal("update contact with a bad phone", "update_contact", {"person_id": "@ANA", "phone": "555-01"},
            "phone must be a 10-digit phone number"),
    Refusal("a second main person", "add_person", {"account_number": "@A1", "role": "main", "person_id": "@TOM"},
            "already has a main person"),
    Refusal("a financially responsible authorised caller", "add_person",
            {"account_number": "@A1", "role": "authorised_caller", "person_id": "@TOM",
             "financially_responsible": True},
            "never financially responsible"),
    Refusal("a person already on the account", "add_person",
            {"account_number": "@A1", "role": "co_applicant", "person_id": "@ANA"}, "is already on account"),
    Refusal("an empty note", "add_note", {"account_number": "@A1", "note": "   "}, "note must not be empty"),
    Refusal("a letter about an arrangement the account lacks", "prepare_correspondence",
            {"account_number": "@A1", "template": "payment_arrangement"}, "needs a payment arrangement in force"),
    Refusal("an e-mail to an account without e-mail", "prepare_correspondence",
            {"account_number": "@A3", "template": "past_due_reminder", "delivery": "email"}, "has no e-mail address"),
    Refusal("cash log without an amount", "record_manual_log", {"log": "daily_cash", "description": "Drawer 1"},
            "the daily_cash log needs amount"),
    Refusal("log entry in the future", "record_manual_log",
            {"log": "meter_tests", "description": "x", "entry_on": "2026-11-17"}, "is in the future"),
    Refusal("usage report with an anonymous reporter's name", "report_unauthorized_usage",
            {"premise_id": "@P3", "concern": "bypass", "observation": "Wires", "anonymous": True,
             "reporter_name": "Neighbour"}, "an anonymous report takes no reporter_name"),
    Refusal("usage report at an unknown premise", "report_unauthorized_usage",
            {"premise_id": 99999, "concern": "bypass", "observation": "Wires", "anonymous": True},
            "No premise with id 99999"),
]


@pytest.fixture
def cis_with_extras(cis) -> Cis:
    """The world plus ids some cases need that are only known once it is built."""
    s = cis.session
    ids = dict(cis.ids)
    ids["A1.payentry"] = s.scalar(select(FinancialTransaction.id).where(
        FinancialTransaction.payment_id == ids["A1.pay11"]))
    ids["A6.cash"] = s.scalar(select(Payment.id).where(Payment.account_id == ids["A6.id"], Payment.tender == "cash"))
    cis.ids = ids
    return cis


def test_every_operation_has_refusal_cases() -> None:
    missing = set(OPERATIONS) - {case.operation for case in REFUSALS}
    assert not missing, missing


@pytest.mark.parametrize("case", REFUSALS, ids=[c.name for c in REFUSALS])
def test_refusal_changes_nothing_and_is_audited(cis_with_extras: Cis, case: Refusal) -> None:
    cis = cis_with_extras
    for operation, arguments in case.before:
        if operation == "start_service":
            result = cis.ok(operation, arguments)
            cis.ids["NEWACCT"] = result.data["account_number"]
        elif operation == "assess_deposit":
            cis.ids["A10.deposit"] = cis.ok(operation, arguments).data["deposit_id"]
        else:
            cis.ok(operation, arguments)
    before, audits = digest(cis.session), audit_count(cis.session)

    result = cis.run(case.operation, case.arguments, now=case.now)

    assert not result.ok and result.outcome == "refused", result
    assert case.message in result.message, result.message
    assert result.data == {}
    assert digest(cis.session) == before
    assert audit_count(cis.session) == audits + 1
    event = cis.last_audit()
    assert (event.outcome, event.message, event.actor, event.at) == ("refused", result.message, ACTOR, NOW)
    assert event.id == result.audit_event_id


# --- happy paths ------------------------------------------------------------------------------


def test_search_by_name_lists_look_alikes_apart(cis: Cis) -> None:
    result = cis.ok("search_customers", {"query": "Ana Garcia"})
    rows = result.data["results"]
    assert {(r["name"], r["account_number"], r["service_address"]) for r in rows} == {
        ("Ana Maria Garcia", "4000000001", "100 Oak Ave, Alder Springs, CA 95720"),
        ("Ana Lucia Garcia", "4000000002", "104 Oak Ave, Alder Springs, CA 95720"),
    }
    assert all("phone" not in r and "birth_date" not in r for r in rows)
    assert cis.ok("search_customers", {"query": "Garcia, Ana Maria"}).data["count"] == 1
    assert cis.last_audit().operation == "search_customers"


@pytest.mark.parametrize("query, by, expected", [
    ("4000000003", "any", {"4000000003"}),
    ("400000001", "account_number", {"4000000010", "4000000011", "4000000012"}),
    ("(916) 555-0103", "any", {"4000000003"}),
    ("0104", "phone", {"4000000004"}),
    ("200 Pine Street", "any", {"4000000003"}),
    ("800 Maple Ave Apt 3", "address", {"4000000012"}),
    ("Fir Way", "address", {"4000000007", "4000000008"}),
])
def test_search_by_number_phone_and_address(cis: Cis, query: str, by: str, expected: set) -> None:
    rows = cis.ok("search_customers", {"query": query, "by": by}).data["results"]
    assert {r["account_number"] for r in rows} == expected


def test_search_finds_a_vacant_premise_and_respects_the_limit(cis: Cis) -> None:
    rows = cis.ok("search_customers", {"query": "700 Ash Pl"}).data["results"]
    assert rows == [{"person_id": None, "name": None, "role": None, "account_number": None, "account_status": None,
                     "customer_class": None, "opened_on": None, "closed_on": None, "premise_id": cis["PNEW"],
                     "service_address": "700 Ash Pl, Alder Springs, CA 95720"}]
    limited = cis.ok("search_customers", {"query": "Garcia", "limit": 1}).data
    assert limited["count"] == 1 and limited["truncated"] is True
    active_only = cis.ok("search_customers", {"query": "Fir Way", "by": "address", "include_closed": False}).data
    assert active_only["count"] == 2 and {r["account_number"] for r in active_only["results"]} == {None}


def test_search_lists_open_accounts_then_rows_without_one_then_closed_ones(cis: Cis) -> None:
    w = World(cis.session)
    w.premise("P620", "620", "Fir Way")  # never served
    w.account("A99", "4000000099", w.person("ZOE", "Zoe", "Young"), w.premise("P630", "630", "Fir Way"))
    w.person("GREG2", "Greg", "Olsen")  # a look-alike with no account
    cis.session.commit()
    found = cis.ok("search_customers", {"query": "Fir Way", "by": "address"}).data
    assert [(r["name"], r["account_number"], r["premise_id"]) for r in found["results"]] == [
        ("Zoe Young", "4000000099", w["P630"]), (None, None, w["P620"]),
        ("Greg Olsen", "4000000007", cis["P7"]), ("Helen Ward", "4000000008", cis["P8"])]
    assert found["truncated"] is False
    first = cis.ok("search_customers", {"query": "Fir Way", "by": "address", "limit": 2}).data
    assert first["results"] == found["results"][:2] and first["truncated"] is True
    olsens = cis.ok("search_customers", {"query": "Olsen"}).data["results"]
    assert [(r["person_id"], r["account_number"]) for r in olsens] == [(w["GREG2"], None),
                                                                       (cis["GREG"], "4000000007")]
    assert [r["person_id"] for r in cis.ok("search_customers", {"query": "Olsen", "include_closed": False}
                                           ).data["results"]] == [w["GREG2"]]


def test_search_by_name_is_not_crowded_out_by_names_starting_with_another_word(cis: Cis) -> None:
    # 'Garcia, Ana': many more names start with 'ANA' (and sort before 'GARCIA') than are shown;
    # the two Ana Garcias must still be found, and counted.
    cis.session.add_all(Person(first_name="Ann", last_name=f"Anaya{i:04d}", name_key=f"ANAYA{i:04d} ANN")
                        for i in range(1500))
    cis.session.commit()
    found = cis.ok("search_customers", {"query": "Garcia, Ana", "limit": 1}).data
    assert [r["account_number"] for r in found["results"]] == [cis["A2"]] and found["truncated"] is True
    anayas = cis.ok("search_customers", {"query": "Anaya", "limit": 100}).data
    assert anayas["count"] == 100 and anayas["truncated"] is True
    assert [r["name"] for r in anayas["results"]] == [f"Ann Anaya{i:04d}" for i in range(100)]


@pytest.mark.parametrize("given, verified, matched, missed", [
    ({"name": "Ana Garcia", "ssn_last4": "6789"}, True, ["name", "ssn_last4"], []),
    ({"name": "ana maria garcia", "birth_date": "1980-04-02", "phone": "916.555.0101"}, True,
     ["name", "birth_date", "phone"], []),
    ({"name": "Ana Garcia", "service_address": "100 Oak Avenue"}, True, ["name", "service_address"], []),
    ({"name": "Ana Garcia", "ssn_last4": "6789", "birth_date": "1980-04-03"}, False, ["name", "ssn_last4"],
     ["birth_date"]),
    ({"name": "Ana Garcia", "service_address": "104 Oak Ave"}, False, ["name"], ["service_address"]),
])
def test_verify_identity_says_what_matched_never_the_stored_values(cis: Cis, given, verified, matched, missed) -> None:
    data = cis.ok("verify_identity", {"account_number": "@A1", **given}).data
    assert (data["verified"], data["matched"], data["did_not_match"]) == (verified, matched, missed)
    assert data["person_id"] == (cis["ANA"] if verified else None)
    text = repr(data)
    for stored in ("1980-04-02", "6789", "9165550101", "Oak"):
        assert stored not in text or stored in repr(given)
    event = cis.last_audit()
    assert event.operation == "verify_identity" and event.account_id == cis["A1.id"]
    assert event.message.startswith("Identity verified" if verified else "Identity not verified")


def test_verify_identity_of_someone_not_on_the_account(cis: Cis) -> None:
    data = cis.ok("verify_identity", {"account_number": "@A1", "name": "Robert Chen", "ssn_last4": "4444"}).data
    assert data == {"verified": False, "person_id": None, "role": None, "matched": [],
                    "did_not_match": ["name", "ssn_last4"], "not_on_file": []}
    data = cis.ok("verify_identity", {"account_number": "@A2", "name": "Ana Garcia", "ssn_last4": "1111"}).data
    assert data["not_on_file"] == ["ssn_last4"] and data["verified"] is False


def test_verify_identity_of_a_business_without_its_llc(cis: Cis) -> None:
    data = cis.ok("verify_identity", {"account_number": "@A10", "name": "Main Street Cafe", "ssn_last4": "4567"}).data
    assert data["verified"] is True and data["role"] == "main"


def test_view_account_shows_the_overview_and_is_audited(cis: Cis) -> None:
    data = cis.ok("view_account", {"account_number": "@A3"}).data
    assert data["account"]["account_number"] == "4000000003"
    assert data["persons"][0]["name"] == "Robert Chen" and data["persons"][0]["ssn_on_file"] is True
    assert "ssn_last4" not in data["persons"][0] and "birth_date" not in data["persons"][0]
    assert data["service"][0]["service_address"].startswith("200 Pine St")
    assert data["balance"] == "365.00" and data["past_due"] == "270.00"
    assert any("past due" in a for a in data["alerts"])
    assert [b["bill_on"] for b in data["recent_bills"]][:2] == ["2026-11-01", "2026-10-01"]
    event = cis.last_audit()
    assert (event.operation, event.outcome, event.account_id) == ("view_account", "ok", cis["A3.id"])
    life = cis.ok("view_account", {"account_number": "@A4"}).data
    assert any("Life support" in a for a in life["alerts"])


def test_start_service_opens_an_account_with_the_policy_fee(cis: Cis) -> None:
    result = cis.ok("start_service", {"premise_id": "@P7", "start_on": "2026-11-18", "new_person": {
        "first_name": "Nia", "last_name": "Moss", "ssn": "987-65-4321", "phone": "916 555 0150",
        "birth_date": "1990-05-05"}})
    data = result.data
    account = cis.session.scalar(select(Account).where(Account.account_number == data["account_number"]))
    assert account.status == "active" and account.opened_on == date(2026, 11, 18)
    person = cis.session.get(Person, data["person_id"])
    assert person.ssn_last4 == "4321" and person.ssn_hash == hash_ssn("987654321", SSN_KEY)
    assert person.phone == "9165550150" and person.name_key == "MOSS NIA"
    sa = cis.session.get(ServiceAgreement, data["sa_id"])
    assert (sa.status, sa.start_on, sa.premise_id) == ("pending", date(2026, 11, 18), cis["P7"])
    order = cis.session.get(ServiceOrder, data["order_id"])
    assert (order.kind, order.scheduled_on, order.status) == ("start", date(2026, 11, 18), "pending")
    fee = POLICY.fees.account_establishment.amount
    assert data["establishment_fee"] == str(fee)
    assert ledger.balance(cis.session, account.id) == fee
    audit = cis.last_audit()
    assert audit.arguments["new_person"]["ssn"] == "***-**-4321" and audit.account_id == account.id


def test_start_service_for_a_returning_customer_brings_the_old_balance(cis: Cis) -> None:
    data = cis.ok("start_service", {"premise_id": "@PNEW", "start_on": "2026-11-16", "person_id": "@GREG"}).data
    assert data["prior_balances_moved"] == [{"from_account_number": "4000000007", "amount": "140.00"}]
    assert cis.balance("A7") == 0
    new = cis.session.scalar(select(Account).where(Account.account_number == data["account_number"]))
    assert ledger.balance(cis.session, new.id) == Decimal("140.00") + POLICY.fees.account_establishment.amount


def test_start_service_at_a_landlords_premise_ends_the_landlords_service(cis: Cis) -> None:
    data = cis.ok("start_service", {"premise_id": "@P9", "start_on": "2026-11-16", "person_id": "@TOM"}).data
    assert data["landlord_service_ended"] == ["4000000009"]
    landlord_sa = cis.session.scalar(select(ServiceAgreement).where(ServiceAgreement.account_id == cis["A9.id"],
                                                                    ServiceAgreement.premise_id == cis["P9"]))
    assert (landlord_sa.status, landlord_sa.end_on) == ("stopped", TODAY)


def test_start_service_on_an_existing_account_charges_no_fee(cis: Cis) -> None:
    before = cis.balance("A1")
    data = cis.ok("start_service", {"premise_id": "@PNEW", "start_on": "2026-11-20", "account_number": "@A1"}).data
    assert data["account_number"] == "4000000001" and data["establishment_fee"] is None
    assert cis.balance("A1") == before


def test_stop_service_today_closes_the_account_with_a_stop_order(cis: Cis) -> None:
    data = cis.ok("stop_service", {"account_number": "@A1", "stop_on": "2026-11-16",
                                   "forwarding_address": "9 Lake Rd, Reno, NV 89501"}).data
    account = cis.account("A1")
    assert (account.status, account.closed_on) == ("closed", TODAY)
    assert cis.session.get(ServiceOrder, data["stop_order_id"]).kind == "stop"
    assert cis.session.get(Person, cis["ANA"]).mailing_address == "9 Lake Rd, Reno, NV 89501"


def test_stop_service_later_keeps_the_account_open_until_then(cis: Cis) -> None:
    data = cis.ok("stop_service", {"account_number": "@A3", "stop_on": "2026-11-30"}).data
    assert data["account_closes_on"] == "2026-11-30" and cis.account("A3").status == "active"
    sa = cis.session.get(ServiceAgreement, data["sa_id"])
    assert (sa.status, sa.end_on) == ("active", date(2026, 11, 30))


def test_stop_service_of_a_tenant_reverts_to_the_landlord(cis: Cis) -> None:
    data = cis.ok("stop_service", {"account_number": "@A12", "stop_on": "2026-11-16"}).data
    assert data["stop_order_id"] is None and data["reverted_to_account_number"] == "4000000009"
    landlord = cis.session.scalar(select(ServiceAgreement).where(ServiceAgreement.account_id == cis["A9.id"],
                                                                 ServiceAgreement.premise_id == cis["P10"]))
    assert landlord.status == "active" and landlord.start_on == TODAY


def test_transfer_service_moves_the_account_to_the_new_premise(cis: Cis) -> None:
    balance = cis.balance("A1")
    data = cis.ok("transfer_service", {"account_number": "@A1", "to_premise_id": "@PNEW", "stop_on": "2026-11-20",
                                       "start_on": "2026-11-19"}).data
    new = cis.session.get(ServiceAgreement, data["sa_id"])
    old = cis.session.get(ServiceAgreement, data["stopped_sa_id"])
    assert (new.premise_id, new.start_on, new.account_id) == (cis["PNEW"], date(2026, 11, 19), cis["A1.id"])
    assert old.end_on == date(2026, 11, 20) and cis.account("A1").status == "active"
    assert cis.balance("A1") == balance


def test_post_payment_credits_the_account(cis: Cis) -> None:
    result = cis.ok("post_payment", {"account_number": "@A3", "amount": 270, "tender": "card", "channel": "phone"})
    assert result.data["past_due"] == "0.00" and result.data["balance"] == "95.00"
    payment = cis.session.get(Payment, result.data["payment_id"])
    assert (payment.amount, payment.received_on, payment.status) == (Decimal("270.00"), TODAY, "posted")
    assert cis.last_audit().arguments == {"account_number": "4000000003", "amount": "270.00", "tender": "card",
                                          "channel": "phone"}


def test_transfer_payment_moves_it_and_reverses_the_late_fee_it_caused(cis: Cis) -> None:
    a1, a2 = cis.balance("A1"), cis.balance("A2")
    data = cis.ok("transfer_payment", {"payment_id": "@MISAPPLIED", "to_account_number": "@A2",
                                       "reason": "customer wrote the neighbour's account number"}).data
    old = cis.session.get(Payment, cis["MISAPPLIED"])
    assert (old.status, old.cancel_reason) == ("canceled", "misapplied")
    new = cis.session.get(Payment, data["new_payment_id"])
    assert (new.account_id, new.amount, new.received_on) == (cis["A2.id"], Decimal("90.00"), date(2026, 10, 15))
    assert data["late_fees_reversed"] == [{"transaction_id": cis["A2.latefee"], "amount": "4.50", "recharged": "0.00"}]
    assert ledger.reversal_of(cis.session, cis["A2.latefee"]) is not None
    assert cis.balance("A1") == a1 + Decimal("90.00")
    assert cis.balance("A2") == a2 - Decimal("90.00") - Decimal("4.50") == 0
    # never a manual credit: the only money moved is a payment reversal, a payment and a fee reversal
    kinds = cis.session.scalars(select(FinancialTransaction.kind).where(FinancialTransaction.posted_at == NOW))
    assert sorted(kinds) == ["late_fee", "payment", "payment"]


@pytest.mark.parametrize("waived", ["4.50", "1.50"], ids=["fee-waived-whole", "fee-waived-in-part"])
def test_transfer_payment_never_credits_a_late_fee_twice(cis: Cis, waived: str) -> None:
    cis.ok("adjust_charge", {"account_number": "@A2", "transaction_id": "@A2.latefee", "amount": waived,
                             "reason": "courtesy waiver"})
    cis.ok("transfer_payment", {"payment_id": "@MISAPPLIED", "to_account_number": "@A2",
                                "reason": "customer wrote the neighbour's account number"})
    credits = cis.session.scalars(select(FinancialTransaction.amount).where(
        FinancialTransaction.account_id == cis["A2.id"], FinancialTransaction.kind == "late_fee",
        FinancialTransaction.amount < 0))
    assert sum(credits) == Decimal("-4.50")  # the whole fee comes off, once
    assert cis.balance("A2") == 0


def test_reverse_payment_nsf_charges_the_fee_and_the_second_return_makes_cash_only(cis: Cis) -> None:
    fee = POLICY.fees.returned_payment.fee
    rule = POLICY.fees.returned_payment_cash_only
    before = cis.balance("A1")
    first = cis.ok("reverse_payment", {"payment_id": "@A1.pay11", "returned_on": "2026-11-13"}).data
    assert first["returned_payment_fee"] == str(fee) and first["cash_only"] is False
    assert cis.balance("A1") == before + Decimal("80.00") + fee
    payment = cis.session.get(Payment, cis["A1.pay11"])
    assert (payment.cancel_reason, payment.canceled_on) == ("nsf", date(2026, 11, 13))
    second = cis.ok("reverse_payment", {"payment_id": "@A1.pay10"}).data
    assert rule.returns == 2 and second["returned_payments_in_period"] == 2
    assert second["cash_only"] is True
    assert second["cash_only_until"] == add_months(TODAY, rule.cash_only_months).isoformat()
    assert cis.ok("post_payment", {"account_number": "@A1", "amount": "10", "tender": "money_order"}).ok


def test_reverse_payment_entry_error_charges_no_fee(cis: Cis) -> None:
    data = cis.ok("reverse_payment", {"payment_id": "@MISAPPLIED", "reason": "entry_error"}).data
    assert data["returned_payment_fee"] is None and data["cash_only"] is False


def test_adjust_charge_waives_a_late_fee(cis: Cis) -> None:
    data = cis.ok("adjust_charge", {"account_number": "@A2", "transaction_id": "@A2.latefee", "amount": "4.50",
                                    "reason": "first late payment: courtesy waiver"}).data
    assert data["left_on_charge"] == "0.00" and data["balance"] == "90.00"
    credit = cis.session.scalar(select(FinancialTransaction).where(
        FinancialTransaction.adjustment_id == data["adjustment_id"]))
    assert (credit.kind, credit.amount, credit.due_on) == ("late_fee", Decimal("-4.50"), date(2026, 11, 22))


def test_adjust_a_bill_charge_is_a_rebill_credit(cis: Cis) -> None:
    bill_entry = cis.session.scalar(select(FinancialTransaction).where(
        FinancialTransaction.account_id == cis["A3.id"], FinancialTransaction.kind == "bill").order_by(
        FinancialTransaction.id))
    data = cis.ok("adjust_charge", {"account_number": "@A3", "transaction_id": bill_entry.id, "amount": "20.00",
                                    "reason": "estimated read corrected"}).data
    assert data["left_on_charge"] == "100.00"
    assert cis.past_due("A3") == Decimal("250.00")


def test_assess_deposit_on_a_commercial_account_is_the_policy_amount(cis: Cis) -> None:
    data = cis.ok("assess_deposit", {"account_number": "@A10"}).data
    assert data["amount"] == data["cap"] == "800.00"  # twice the $400 average, above the commercial minimum
    deposit = cis.session.get(Deposit, data["deposit_id"])
    assert (deposit.status, deposit.reason, deposit.amount) == ("held", "commercial", Decimal("800.00"))
    assert cis.balance("A10") == Decimal("800.00")


def test_assess_deposit_less_than_the_cap_and_as_a_letter_of_credit(cis: Cis) -> None:
    data = cis.ok("assess_deposit", {"account_number": "@A10", "amount": "500", "kind": "letter_of_credit",
                                     "issuer": "Five Star Bank", "expires_on": "2027-11-16"}).data
    assert data["charged"] is False and cis.balance("A10") == 0
    assert cis.session.get(Deposit, data["deposit_id"]).issuer == "Five Star Bank"


def test_assess_deposit_after_a_shutoff_uses_the_records_and_counts_what_is_held(cis: Cis) -> None:
    data = cis.ok("assess_deposit", {"account_number": "@A5"}).data  # shut off; average bill $150; $160 held
    assert (data["cap"], data["amount"]) == ("300.00", "140.00")
    assert cis.session.get(Deposit, data["deposit_id"]).reason == "non_pay"


def test_waive_deposit_releases_it_and_reverses_its_charge(cis: Cis) -> None:
    before = cis.balance("A5")
    data = cis.ok("waive_deposit", {"deposit_id": "@A5.deposit", "credit_letter_from": "SMUD"}).data
    assert data["charge_reversed"] is not None
    assert cis.session.get(Deposit, cis["A5.deposit"]).status == "released"
    assert cis.balance("A5") == before - Decimal("160.00")


def test_refund_deposit_on_a_closed_account_is_applied_to_the_final_bill(cis: Cis) -> None:
    data = cis.ok("refund_deposit", {"deposit_id": "@A8.deposit"}).data
    assert data["status"] == "applied" and data["credit_balance"] == "40.00"
    assert cis.ok("issue_refund", {"account_number": "@A8", "amount": "40"}).data["credit_balance_left"] == "0.00"
    assert cis.balance("A8") == 0


def test_refund_deposit_after_a_year_of_on_time_payments(cis: Cis) -> None:
    deposit = cis.ok("assess_deposit", {"account_number": "@A1", "prior_nonpay_shutoff": True}).data
    data = cis.ok("refund_deposit", {"deposit_id": deposit["deposit_id"]}).data
    assert data["status"] == "refunded" and data["credited"] == deposit["amount"]


def test_issue_refund_pays_out_part_of_a_credit(cis: Cis) -> None:
    data = cis.ok("issue_refund", {"account_number": "@A11", "amount": "30", "method": "check"}).data
    assert data["credit_balance_left"] == "20.00" and cis.balance("A11") == Decimal("-20.00")


def test_payment_arrangement_reschedules_the_arrears(cis: Cis) -> None:
    cis.ok("create_service_order", {"account_number": "@A3", "kind": "nonpay_disconnect"})
    data = cis.ok("create_payment_arrangement", {"account_number": "@A3", "down_payment": "70", "months": 4,
                                                 "first_due_on": "2026-12-15"}).data
    assert data["arrears"] == "270.00"
    assert data["installments"] == [{"due_on": due, "amount": "50.00"}
                                    for due in ("2026-12-15", "2027-01-15", "2027-02-15", "2027-03-15")]
    assert cis.past_due("A3") == Decimal("70.00")  # only the down payment is due now
    assert cis.balance("A3") == Decimal("365.00")  # rescheduled, not forgiven
    assert len(data["disconnect_orders_canceled"]) == 1
    arrangement = cis.session.get(PaymentArrangement, data["arrangement_id"])
    assert (arrangement.status, arrangement.installments, arrangement.approved_by) == ("active", 4, ACTOR)


def test_reconnect_only_after_the_payment_posted_with_the_fee_by_the_hour(cis: Cis) -> None:
    assert not cis.run("create_service_order", {"account_number": "@A5", "kind": "reconnect"}).ok
    cis.ok("post_payment", {"account_number": "@A5", "amount": "150.00", "tender": "cash"})
    data = cis.ok("create_service_order", {"account_number": "@A5", "kind": "reconnect"}).data
    assert data["after_hours"] is False and data["reconnect_fee"] == str(POLICY.fees.reconnection.business_hours_fee)
    evening = cis.ok("create_service_order", {"account_number": "@A6", "kind": "reconnect"}, now=EVENING).data
    assert evening["after_hours"] is True and evening["reconnect_fee"] == str(POLICY.fees.reconnection.after_hours_fee)
    assert cis.session.get(ServiceOrder, evening["order_id"]).after_hours is True


def test_nonpay_disconnect_after_the_notice_ran_out(cis: Cis) -> None:
    data = cis.ok("create_service_order", {"account_number": "@A3", "kind": "nonpay_disconnect"}).data
    order = cis.session.get(ServiceOrder, data["order_id"])
    assert (order.kind, order.status, order.account_id) == ("nonpay_disconnect", "pending", cis["A3.id"])
    cancel = cis.ok("cancel_service_order", {"order_id": order.id, "reason": "paid in full at the office"})
    assert cancel.data["kind"] == "nonpay_disconnect" and order.status == "canceled"
    again = cis.run("cancel_service_order", {"order_id": order.id, "reason": "x"})
    assert not again.ok and "only an open order" in again.message


@pytest.mark.parametrize("kind, remarks", [("reread", None), ("meter_test", "customer doubts the meter"),
                                           ("investigation", "seal broken on the meter base")])
def test_other_service_orders(cis: Cis, kind: str, remarks: str | None) -> None:
    arguments = {"account_number": "@A1", "kind": kind, "scheduled_on": "2026-11-18"}
    if remarks:
        arguments["remarks"] = remarks
    data = cis.ok("create_service_order", arguments).data
    order = cis.session.get(ServiceOrder, data["order_id"])
    assert (order.kind, order.scheduled_on, order.premise_id, order.remarks) == (kind, date(2026, 11, 18), cis["P1"],
                                                                                  remarks)


def test_bankruptcy_holds_the_pre_petition_balance_and_prepares_the_claim(cis: Cis) -> None:
    cis.ok("create_service_order", {"account_number": "@A3", "kind": "nonpay_disconnect"})
    data = cis.ok("record_bankruptcy", {"account_number": "@A3", "case_number": "26-20001", "court": "E.D. Cal.",
                                        "chapter": 7, "petition_on": "2026-11-10"}).data
    assert data["pre_petition_balance"] == "365.00"  # everything charged before the petition
    assert data["assurance_due_on"] == "2026-11-30" and data["claim_deadline_on"] == "2027-01-19"
    assert len(data["disconnect_orders_canceled"]) == 1
    aging = ledger.aging(cis.session, cis["A3.id"], TODAY)
    assert aging.held == Decimal("365.00") and aging.past_due == 0 and aging.balance == Decimal("365.00")
    claim = cis.ok("prepare_proof_of_claim", {"account_number": "@A3"}).data
    assert (claim["claim_amount"], claim["account_last4"], claim["deadline"], claim["form"]) == (
        "365.00", "0003", "2027-01-19", "Official Form 410")
    assert "4000000003" not in repr(claim)
    case = cis.session.get(BankruptcyCase, data["case_id"])
    assert case.claim_amount == Decimal("365.00") and case.status == "open"


def test_chapter_11_has_no_claim_deadline_and_30_days_for_assurance(cis: Cis) -> None:
    data = cis.ok("record_bankruptcy", {"account_number": "@A10", "case_number": "26-30001", "court": "E.D. Cal.",
                                        "chapter": 11, "petition_on": "2026-11-16"}).data
    assert data["claim_deadline_on"] is None and data["assurance_due_on"] == "2026-12-16"


def test_agency_referral_then_write_off(cis: Cis) -> None:
    referral = cis.ok("refer_to_agency", {"account_number": "@A7", "agency": "Sierra Credit Recovery"}).data
    assert referral["amount"] == "140.00" and referral["days_since_final_bill"] == 121
    again = cis.run("refer_to_agency", {"account_number": "@A7", "agency": "Other"})
    assert not again.ok and "already referred" in again.message
    payment = cis.ok("post_payment", {"account_number": "@A7", "amount": "40", "tender": "check", "check_number": "9"})
    assert payment.data["agency_to_notify"] == "Sierra Credit Recovery"
    written = cis.ok("write_off", {"account_number": "@A7", "reason": "agency returned it uncollectable"}).data
    assert written["written_off"] == "100.00" and cis.balance("A7") == 0


def test_write_off_discharged_pre_petition_debt(cis: Cis) -> None:
    data = cis.ok("record_bankruptcy", {"account_number": "@A3", "case_number": "26-20001", "court": "E.D. Cal.",
                                        "chapter": 7, "petition_on": "2026-11-10"}).data
    case = cis.session.get(BankruptcyCase, data["case_id"])
    case.status = "discharged"
    cis.session.commit()
    written = cis.ok("write_off", {"account_number": "@A3", "reason": "chapter 7 discharge"}).data
    assert written["parts"] == [{"part": "discharged_pre_petition", "case_number": "26-20001", "amount": "365.00"}]
    assert ledger.aging(cis.session, cis["A3.id"], TODAY).held == 0


def test_enroll_and_unenroll_programs(cis: Cis) -> None:
    data = cis.ok("enroll_program", {"account_number": "@A1", "program": "energy_assistance",
                                     "requirements_confirmed": True}).data
    assert cis.session.get(ProgramEnrollment, data["enrollment_id"]).status == "active"
    ev = cis.ok("enroll_program", {"account_number": "@A1", "program": "ev_discount",
                                   "ev_vehicles": "light, heavy"}).data  # a form's text field
    assert ev["details"] == {"vehicles": ["light", "heavy"]}
    autopay = cis.ok("enroll_program", {"account_number": "@A1", "program": "autopay", "bank_account_last4": "0042"})
    assert cis.account("A1").autopay is True and "weeks" in autopay.data["notes"][0]
    cis.ok("unenroll_program", {"account_number": "@A1", "program": "autopay", "reason": "customer asked"})
    assert cis.account("A1").autopay is False
    life = cis.ok("enroll_program", {"account_number": "@A3", "program": "life_support",
                                     "requirements_confirmed": True})
    assert life.ok and cis.session.get(Person, cis["BOB"]).life_support is True
    rebate = cis.ok("enroll_program", {"account_number": "@A3", "program": "rebate", "rebate": "level2_charger"}).data
    assert rebate["details"]["amount"] == "400.00"


def test_update_contact_changes_only_what_is_given_and_null_clears(cis: Cis) -> None:
    data = cis.ok("update_contact", {"person_id": "@ANA", "account_number": "@A1", "phone": "(916) 555-0199",
                                     "email": None, "third_party_name": "Rosa Garcia",
                                     "third_party_phone": "9165550198"}).data
    assert data["changed"] == ["phone", "email", "third_party_name", "third_party_phone"]
    person = cis.session.get(Person, cis["ANA"])
    assert (person.phone, person.email, person.alt_phone) == ("9165550199", None, None)
    assert cis.last_audit().account_id == cis["A1.id"]


def test_add_person_roles(cis: Cis) -> None:
    caller = cis.ok("add_person", {"account_number": "@A1", "role": "authorised_caller", "relation": "son",
                                   "new_person": {"first_name": "Luis", "last_name": "Garcia", "suffix": "Jr."}}).data
    assert caller["financially_responsible"] is False
    co = cis.ok("add_person", {"account_number": "@A1", "role": "co_applicant", "person_id": "@TOM"}).data
    assert co["financially_responsible"] is True
    roles = cis.session.scalars(select(AccountPerson.role).where(AccountPerson.account_id == cis["A1.id"]))
    assert sorted(roles) == ["authorised_caller", "co_applicant", "main"]
    found = cis.ok("search_customers", {"query": "Luis Garcia"}).data["results"]
    assert [(r["name"], r["role"]) for r in found] == [("Luis Garcia Jr.", "authorised_caller")]


def test_add_note(cis: Cis) -> None:
    data = cis.ok("add_note", {"account_number": "@A1", "note": "Asked about the October bill; explained.",
                               "contact_type": "billing_question"}).data
    note = cis.session.get(ContactLog, data["note_id"])
    assert (note.csr, note.contact_at, note.channel) == (ACTOR, NOW, "phone")


@pytest.mark.parametrize("letter, before, expected", [
    ("welcome", (), "establishment fee of $15.00"),
    ("past_due_reminder", (), "$270.00 past due on account 4000000003"),
    ("payment_arrangement", (("create_payment_arrangement", {"account_number": "@A3", "down_payment": "70", "months": 4,
                                                             "first_due_on": "2026-12-15"}),),
     "4 monthly installment(s) of $50.00, the first due 2026-12-15; $270.00 in all"),
    ("returned_payment", (("reverse_payment", {"payment_id": "@A3.check"}),), "returned-payment fee of $25.00"),
    ("credit_history_letter", (), "latest 0 bill(s) were paid on time"),
    ("bankruptcy_assurance_request", (("record_bankruptcy", {"account_number": "@A3", "case_number": "26-20001",
                                                             "court": "E.D. Cal.", "chapter": 13,
                                                             "petition_on": "2026-11-10"}),), "due by 2026-11-30"),
])
def test_prepare_correspondence_fills_the_template(cis: Cis, letter: str, before, expected: str) -> None:
    for operation, arguments in before:
        cis.ok(operation, arguments)
    data = cis.ok("prepare_correspondence", {"account_number": "@A3", "template": letter}).data
    assert expected in data["text"] and "{" not in data["text"]
    assert "Robert Chen" in data["text"] and "Alder Springs" in data["text"]
    stored = cis.session.get(Correspondence, data["correspondence_id"])
    assert (stored.kind, stored.sent_on, stored.delivery, stored.summary) == (letter, TODAY, "mail", data["text"])


def test_deposit_letters(cis: Cis) -> None:
    cis.ok("assess_deposit", {"account_number": "@A10"})
    request = cis.ok("prepare_correspondence", {"account_number": "@A10", "template": "deposit_request"}).data
    assert "deposit of $800.00" in request["text"]
    refund = cis.ok("refund_deposit", {"deposit_id": "@A8.deposit"})
    assert refund.ok
    letter = cis.ok("prepare_correspondence", {"account_number": "@A8", "template": "deposit_refund"}).data
    assert "applied to your final bill on 2026-11-16" in letter["text"]


def test_record_manual_log(cis: Cis) -> None:
    data = cis.ok("record_manual_log", {"log": "daily_cash", "description": "Drawer 2 total", "amount": "1250.75",
                                        "account_number": "@A1"}).data
    entry = cis.session.get(ManualLogEntry, data["entry_id"])
    assert (entry.log, entry.amount, entry.recorded_by, entry.entry_on) == ("daily_cash", Decimal("1250.75"), ACTOR,
                                                                            TODAY)


def test_report_unauthorized_usage_keeps_the_reporter_apart(cis: Cis) -> None:
    result = cis.ok("report_unauthorized_usage", {
        "premise_id": "@P3", "concern": "bypass", "observation": "Cables run from the meter around the wall",
        "reporter_name": "Nosy Neighbour", "reporter_phone": "9165550177"})
    reference, order_id = result.data["report_reference"], result.data["order_id"]
    report = cis.session.scalar(select(ManualLogEntry).where(ManualLogEntry.log == "revenue_protection"))
    assert report.account_id is None and reference in report.description
    assert "Nosy Neighbour" in report.description and "Cables" in report.description
    order = cis.session.get(ServiceOrder, order_id)
    assert order.kind == "investigation" and order.account_id == cis["A3.id"]
    view = cis.ok("view_account", {"account_number": "@A3"}).data
    shown = repr(view) + repr(result.data) + result.message
    for secret in ("Nosy", "9165550177", "Cables", "steal", "theft"):
        assert secret not in shown
    audit = cis.session.scalar(select(AuditEvent).where(AuditEvent.operation == "report_unauthorized_usage"))
    assert audit.account_id is None
    assert audit.arguments["reporter_name"] == audit.arguments["observation"] == "[withheld]"
    assert "Nosy" not in repr(audit.arguments)


# --- run(): audit trail, errors, validation messages ------------------------------------------------------


def test_every_outcome_is_audited_in_order(cis: Cis) -> None:
    start = audit_count(cis.session)
    cis.run("verify_identity", {"account_number": "@A1", "name": "Ana Garcia", "ssn_last4": "6789"})
    cis.run("view_account", {"account_number": "@A1"})
    cis.run("post_payment", {"account_number": "@A1", "amount": "-1", "tender": "cash"})
    events = list(cis.session.scalars(select(AuditEvent).where(AuditEvent.id > start).order_by(AuditEvent.id)))
    assert [(e.operation, e.outcome) for e in events] == [("verify_identity", "ok"), ("view_account", "ok"),
                                                          ("post_payment", "refused")]
    assert events[2].arguments == {"account_number": "4000000001", "amount": "-1", "tender": "cash"}
    assert events[2].account_id == cis["A1.id"]  # an invalid request about an existing account is filed under it


def test_an_unexpected_failure_is_rolled_back_and_audited_as_error(cis: Cis, monkeypatch) -> None:
    original = OPERATIONS["post_payment"]

    def broken(ctx, args):
        original.function(ctx, args)
        raise RuntimeError("printer on fire")

    monkeypatch.setitem(OPERATIONS, "post_payment", operations.Operation(
        **{**original.__dict__, "function": broken}))
    before = digest(cis.session)
    result = cis.run("post_payment", {"account_number": "@A1", "amount": "5", "tender": "cash"})
    assert (result.ok, result.outcome) == (False, "error") and "printer on fire" in result.message
    assert digest(cis.session) == before
    event = cis.last_audit()
    assert (event.outcome, event.operation, event.account_id) == ("error", "post_payment", cis["A1.id"])


def test_run_takes_the_cis_today_by_default_and_refuses_pending_changes(cis: Cis) -> None:
    result = run(cis.session, "post_payment", {"account_number": "4000000001", "amount": "5", "tender": "cash"},
                 actor=ACTOR)
    assert cis.session.get(Payment, result.data["payment_id"]).received_on == TODAY
    cis.session.add(ContactLog(contact_at=NOW, channel="phone", contact_type="x", note="x"))
    with pytest.raises(RuntimeError, match="owns the transaction"):
        run(cis.session, "view_account", {"account_number": "4000000001"}, actor=ACTOR)
    cis.session.rollback()
    with pytest.raises(ValueError, match="actor"):
        run(cis.session, "view_account", {"account_number": "4000000001"}, actor=" ")


def test_validation_message_names_every_bad_field(cis: Cis) -> None:
    result = cis.run("create_payment_arrangement", {"account_number": "abc", "down_payment": "-1", "months": "six",
                                                    "first_due_on": "soon", "colour": "red"})
    assert result.message == (
        "Invalid arguments for create_payment_arrangement: account_number must be a 10-digit account number; "
        "down_payment must be at least 0; months must be a whole number; first_due_on must be a date written "
        "YYYY-MM-DD; colour is not an argument of create_payment_arrangement (arguments: account_number, "
        "down_payment, months, first_due_on, medical).")


def test_results_are_json(cis: Cis) -> None:
    import json

    for operation, arguments in (("view_account", {"account_number": "@A3"}),
                                 ("search_customers", {"query": "Garcia"})):
        json.dumps(cis.ok(operation, arguments).data)


# --- properties ------------------------------------------------------------------------------------------

HYPOTHESIS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])

refusal_cases = st.sampled_from([c for c in REFUSALS if not c.before])
amounts = st.one_of(
    st.decimals(max_value=0, allow_nan=False, allow_infinity=False, places=2).map(str),
    st.integers(max_value=0), st.just("abc"), st.just(""), st.none(),
    st.decimals(min_value=Decimal("0.001"), max_value=100, places=3).filter(lambda d: d % Decimal("0.01")).map(str))
unknown_numbers = st.integers(min_value=5_000_000_000, max_value=9_999_999_999).map(str)


@st.composite
def invalid_requests(draw) -> tuple[str, dict]:
    kind = draw(st.integers(0, 5))
    if kind == 0:
        case = draw(refusal_cases)
        return case.operation, case.arguments
    if kind == 1:
        operation = draw(st.sampled_from(["post_payment", "issue_refund", "adjust_charge"]))
        arguments = {"account_number": draw(st.sampled_from(["@A1", "@A2", "@A11"])), "amount": draw(amounts),
                     "tender": "cash", "transaction_id": "@A2.latefee", "reason": "x"}
        keep = {"post_payment": ("account_number", "amount", "tender"), "issue_refund": ("account_number", "amount"),
                "adjust_charge": ("account_number", "transaction_id", "amount", "reason")}[operation]
        return operation, {k: arguments[k] for k in keep}
    if kind == 2:
        operation = draw(st.sampled_from(sorted(OPERATIONS)))
        fields = list(OPERATIONS[operation].arguments.model_fields)
        first = {f: "?" for f in fields[:1] if f != "account_number"}
        return operation, {"account_number": draw(unknown_numbers), **first}
    if kind == 3:
        too_much = draw(st.decimals(min_value=Decimal("50.01"), max_value=10_000, places=2))
        return "issue_refund", {"account_number": "@A11", "amount": str(too_much)}
    if kind == 4:
        return "create_payment_arrangement", {"account_number": "@A3", "down_payment": "100",
                                              "months": draw(st.integers(min_value=13, max_value=600)),
                                              "first_due_on": "2026-12-15"}
    return draw(st.sampled_from(sorted(OPERATIONS))), draw(st.dictionaries(
        st.text(min_size=1, max_size=8), st.one_of(st.integers(), st.text(max_size=5), st.none()), max_size=3))


@HYPOTHESIS
@given(request=invalid_requests())
def test_property_a_refused_operation_never_changes_the_data(cis_with_extras: Cis, request) -> None:
    cis = cis_with_extras
    operation, arguments = request
    before, audits = digest(cis.session), audit_count(cis.session)
    result = cis.run(operation, arguments)
    if result.ok:  # a random dictionary may be a valid request (e.g. a search): nothing to check
        return
    assert result.outcome == "refused", result
    assert digest(cis.session) == before
    assert audit_count(cis.session) == audits + 1 and cis.last_audit().outcome == "refused"


ACCOUNTS = ["@A1", "@A2", "@A3", "@A5", "@A6", "@A7", "@A8", "@A10", "@A11"]
money = st.decimals(min_value=Decimal("-20"), max_value=Decimal("400"), places=2).map(str)


@st.composite
def actions(draw) -> tuple[str, dict]:
    account = draw(st.sampled_from(ACCOUNTS))
    choice = draw(st.integers(0, 9))
    if choice == 0:
        return "post_payment", {"account_number": account, "amount": draw(money),
                                "tender": draw(st.sampled_from(["cash", "card", "money_order"]))}
    if choice == 1:
        return "reverse_payment", {"payment_id": draw(st.integers(1, 45)),
                                   "reason": draw(st.sampled_from(["nsf", "duplicate", "entry_error"]))}
    if choice == 2:
        return "transfer_payment", {"payment_id": draw(st.integers(1, 45)), "to_account_number": account,
                                    "reason": "misapplied"}
    if choice == 3:
        # one of the world's charges, picked by index (see the test)
        return "adjust_charge", {"charge": draw(st.integers(0, 10_000)),
                                 "amount": draw(st.sampled_from(["1.00", "4.50", "50.00", "160.00", "500.00"])),
                                 "reason": "courtesy"}
    if choice == 4:
        return "issue_refund", {"account_number": account, "amount": draw(money)}
    if choice == 5:
        return "create_payment_arrangement", {"account_number": account, "down_payment": draw(money),
                                              "months": draw(st.integers(1, 14)), "first_due_on": "2026-12-20"}
    if choice == 6:
        return "assess_deposit", {"account_number": account, "prior_nonpay_shutoff": draw(st.booleans())}
    if choice == 7:
        return "refund_deposit", {"deposit_id": draw(st.integers(1, 4))}
    if choice == 8:
        return "record_bankruptcy", {"account_number": account, "case_number": "26-1", "court": "E.D. Cal.",
                                     "chapter": draw(st.sampled_from([7, 13])), "petition_on": "2026-11-01"}
    return "create_service_order", {"account_number": account, "kind": draw(st.sampled_from(["reconnect",
                                                                                            "nonpay_disconnect"]))}


def _check_ledger(session: Session) -> None:
    for account in session.scalars(select(Account)):
        entries = ledger.entries(session, account.id)
        total = sum((e.amount for e in entries), Decimal("0.00"))
        assert ledger.balance(session, account.id) == total
        aging = ledger.aging(session, account.id, TODAY)
        assert aging.balance == total
        assert aging.current + aging.past_due + aging.held == total
        assert 0 <= aging.past_due
    for payment in session.scalars(select(Payment)):
        credits = session.scalars(select(FinancialTransaction).where(FinancialTransaction.payment_id == payment.id))
        net = sum((c.amount for c in credits), Decimal("0.00"))
        assert net == (0 if payment.canceled_on else -payment.amount), payment.id


@HYPOTHESIS
@given(steps=st.lists(actions(), min_size=1, max_size=8))
def test_property_the_ledger_balances_after_any_sequence(template, tmp_path, steps) -> None:
    path, ids = template
    session, engine = _open(path, tmp_path / f"walk-{uuid.uuid4().hex}.sqlite3")
    try:
        cis = Cis(session, ids)
        for operation, arguments in steps:
            if "charge" in arguments:
                number, entry = ids["CHARGES"][arguments["charge"] % len(ids["CHARGES"])]
                arguments = {"account_number": number, "transaction_id": entry,
                             **{k: v for k, v in arguments.items() if k != "charge"}}
            before = digest(session)
            result = cis.run(operation, arguments)
            assert result.outcome in ("ok", "refused"), result.message
            if not result.ok:
                assert digest(session) == before, (operation, arguments, result.message)
            _check_ledger(session)
        assert audit_count(session) == len(steps)
    finally:
        session.close()
        engine.dispose()


# --- the reference in docs/cis.md ---------------------------------------------------------


def test_docs_cis_md_is_up_to_date_with_the_registry() -> None:
    path = Path(__file__).resolve().parents[2] / "docs" / "cis.md"
    assert path.read_text(encoding="utf-8") == operations_reference_markdown(), (
        "docs/cis.md is out of date: run `python -m fake_cis.operations --doc`")


def test_the_reference_lists_every_operation_argument_and_template() -> None:
    text = operations_reference_markdown()
    for name, op in OPERATIONS.items():
        assert f"\n## {name}\n" in text
        for argument in op.arguments.model_fields:
            assert f"| `{argument}` |" in text
    for name in TEMPLATES:
        assert f"| `{name}` |" in text


# --- on the seeder's population ------------------------------------------------------------


@pytest.fixture(scope="module")
def seeded(tmp_path_factory) -> Path:
    from fake_cis.seed import seed_population

    path = tmp_path_factory.mktemp("cis-seeded") / "seeded.sqlite3"
    engine = make_engine(path)
    try:
        seed_population(engine, customers=80, seed=3, months=8)
    except Exception as error:  # noqa: BLE001 - the seeder is tested on its own
        pytest.skip(f"no seeded population to try the operations on: {error}")
    finally:
        engine.dispose()
    return path


def test_operations_on_the_seeded_population(seeded: Path, tmp_path: Path) -> None:
    session, engine = _open(seeded, tmp_path / "seeded-copy.sqlite3")
    try:
        today = ledger.cis_today(session)
        accounts = list(session.scalars(select(Account).order_by(Account.id)))
        for account in accounts[:60]:
            main = session.scalar(select(Person).join(AccountPerson).where(AccountPerson.account_id == account.id,
                                                                           AccountPerson.role == "main"))
            view = run(session, "view_account", {"account_number": account.account_number}, actor=ACTOR)
            assert view.ok, view.message
            assert Decimal(view.data["balance"]) == ledger.balance(session, account.id)
            found = run(session, "search_customers", {"query": main.display_name, "by": "name", "limit": 100},
                        actor=ACTOR)
            assert account.account_number in {r["account_number"] for r in found.data["results"]}, main.display_name
            if main.ssn_last4:
                check = run(session, "verify_identity", {"account_number": account.account_number,
                                                         "name": main.display_name, "ssn_last4": main.ssn_last4},
                            actor=ACTOR)
                assert check.data["verified"] is True, (main.display_name, check.data)
            for template in TEMPLATES:
                letter = run(session, "prepare_correspondence", {"account_number": account.account_number,
                                                                 "template": template, "delivery": "mail"},
                             actor=ACTOR)
                assert letter.outcome in ("ok", "refused"), letter.message
        outcomes = []
        closed = [a for a in accounts if a.status == "closed"][:8]
        owing = [a for a in accounts if a.status == "active" and ledger.past_due(session, a.id, today) > 0][:12]
        for account in list(dict.fromkeys(closed + owing + accounts[:10])):
            for operation, arguments in (
                    ("post_payment", {"account_number": account.account_number, "amount": "10.00", "tender": "cash"}),
                    ("create_service_order", {"account_number": account.account_number, "kind": "reconnect"}),
                    ("create_service_order", {"account_number": account.account_number, "kind": "nonpay_disconnect"}),
                    ("assess_deposit", {"account_number": account.account_number}),
                    ("refer_to_agency", {"account_number": account.account_number, "agency": "Sierra"}),
                    ("write_off", {"account_number": account.account_number, "reason": "uncollectable"}),
                    ("create_payment_arrangement", {"account_number": account.account_number, "months": 6,
                                                    "down_payment": "0", "first_due_on": (today + timedelta(days=30)
                                                                                          ).isoformat()})):
                before = digest(session)
                result = run(session, operation, arguments, actor=ACTOR)
                assert result.outcome in ("ok", "refused"), (operation, result.message)
                if not result.ok:
                    assert digest(session) == before, (operation, result.message)
                outcomes.append((operation, result.outcome))
        assert ("post_payment", "ok") in outcomes
        _check_ledger_on(session, today)
    finally:
        session.close()
        engine.dispose()


def _every_search_row(session: Session, kind: str, query: str, include_closed: bool) -> list[dict]:
    """Every row a search of one kind should find, built object by object from the ORM
    relationships (unordered): the reference the indexed search is checked against."""
    def served_at(account: Account) -> Premise | None:
        electric = [sa for sa in account.agreements if sa.kind == "electric"]
        return max(electric, key=lambda sa: (sa.start_on, sa.id)).premise if electric else None

    def row(person: Person | None, account: Account | None, role: str | None, premise: Premise | None) -> dict:
        return operations.jsonable({
            "person_id": person.id if person else None, "name": person.display_name if person else None,
            "role": role, "account_number": account.account_number if account else None,
            "account_status": account.status if account else None,
            "customer_class": account.customer_class if account else None,
            "opened_on": account.opened_on if account else None, "closed_on": account.closed_on if account else None,
            "premise_id": premise.id if premise else None, "service_address": premise.address if premise else None})

    def shown(account: Account) -> bool:
        return include_closed or account.status != "closed"

    def person_rows(people: list[Person]) -> list[dict]:
        rows = [row(person, None, None, None) for person in people if not person.roles]
        return rows + [row(person, r.account, r.role, served_at(r.account))
                       for person in people for r in person.roles if shown(r.account)]

    people = list(session.scalars(select(Person)))
    if kind == "name":
        tokens = search_key(query).split()
        return person_rows([p for p in people if any(p.name_key.startswith(t) for t in tokens)
                            and all(any(w.startswith(t) for w in p.name_key.split()) for t in tokens)])
    if kind == "phone":
        number = "".join(c for c in query if c.isdigit())
        return person_rows([p for p in people if any(n and (n == number if len(number) == 10 else n.endswith(number))
                                                     for n in (p.phone, p.alt_phone))])
    if kind == "account_number":
        return [row(r.person, account, r.role, served_at(account))
                for account in session.scalars(select(Account))
                if account.account_number.startswith(query) and shown(account) for r in account.persons]
    tokens = operations._street_tokens(query)
    house, street = (tokens[0], tokens[1:]) if tokens[0][:1].isdigit() else (None, tokens)
    premises = [p for p in session.scalars(select(Premise)) if (house is None or p.house_number == house)
                and (not street or p.street_key.startswith(street[0]))]
    if len(street) > 1:
        wanted = [t for t in street if t not in ("APT", "UNIT", "STE")]
        def words(p: Premise) -> set[str]:
            return set(operations._street_tokens(p.street_name)) | set(search_key(p.unit).split())

        premises = [p for p in premises if all(any(w.startswith(t) for w in words(p)) for t in wanted)] or premises
    rows = []
    for premise in premises:
        accounts = {sa.account for sa in session.scalars(select(ServiceAgreement).where(
            ServiceAgreement.premise_id == premise.id, ServiceAgreement.kind == "electric")) if shown(sa.account)}
        rows += [row(None, None, None, premise)] if not accounts else []
        for account in accounts:
            main = next((r.person for r in sorted(account.persons, key=lambda r: r.id) if r.role == "main"), None)
            rows.append(row(main, account, "main" if main else None, premise))
    return rows


def _shown_order(row: dict) -> tuple:
    return (row["account_status"] == "closed", row["account_status"] is None, row["name"] or "",
            row["account_number"] or "")


def test_search_shows_the_first_rows_of_every_match_in_order(seeded: Path, tmp_path: Path) -> None:
    """On the seeded population (look-alikes, closed accounts, vacant premises), each search
    returns the first `limit` of all the rows that match, in the order shown, and says
    whether there are more."""
    session, engine = _open(seeded, tmp_path / "search-copy.sqlite3")
    try:
        people = list(session.scalars(select(Person).where(Person.kind == "individual", Person.phone.is_not(None))
                                      .order_by(Person.id)))[::9]
        accounts = list(session.scalars(select(Account).order_by(Account.id)))[::15]
        premises = list(session.scalars(select(Premise).order_by(Premise.id)))[::11]
        apartment = session.scalar(select(Premise).where(Premise.unit.is_not(None)))
        searches = [("name", p.last_name) for p in people] + [("name", p.last_name[:2]) for p in people[:4]]
        searches += [("name", f"{p.first_name} {p.last_name}") for p in people[:5]]
        searches += [("name", f"{p.last_name}, {p.first_name[0]}") for p in people[:3]]
        searches += [("phone", p.phone) for p in people[:4]] + [("phone", p.phone[-4:]) for p in people[:4]]
        searches += [("account_number", a.account_number) for a in accounts]
        searches += [("account_number", a.account_number[:4]) for a in accounts[:3]]
        searches += [("address", f"{p.house_number} {p.street_name}") for p in premises]
        searches += [("address", p.street_name) for p in premises[:4]]
        searches += [("address", p.street_key[:2]) for p in premises[:3]]
        if apartment is not None:
            searches.append(("address", f"{apartment.house_number} {apartment.street_name} {apartment.unit}"))
        checked = truncated = 0
        for kind, query in searches:
            for include_closed in (True, False):
                every = sorted(_every_search_row(session, kind, query, include_closed), key=_shown_order)
                for limit in (1, 3, 100):
                    result = run(session, "search_customers", {"query": query, "by": kind, "limit": limit,
                                                               "include_closed": include_closed}, actor=ACTOR)
                    assert result.ok, result.message
                    rows = result.data["results"]
                    where = (kind, query, include_closed, limit)
                    assert [_shown_order(r) for r in rows] == [_shown_order(r) for r in every[:limit]], where
                    assert all(r in every for r in rows) and len({repr(r) for r in rows}) == len(rows), where
                    assert result.data["count"] == len(rows) and result.data["truncated"] == (len(every) > limit), where
                    checked += 1
                    truncated += result.data["truncated"]
        assert checked == len(searches) * 6 and truncated > 20
    finally:
        session.close()
        engine.dispose()


def _check_ledger_on(session: Session, today: date) -> None:
    for account in session.scalars(select(Account)):
        aging = ledger.aging(session, account.id, today)
        assert aging.balance == ledger.balance(session, account.id) == sum(
            (e.amount for e in ledger.entries(session, account.id)), Decimal("0.00"))
