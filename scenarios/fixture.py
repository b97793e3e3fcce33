"""Laying a scenario's setup on a fresh CIS sandbox.

Fixture rows get ids from a reserved block (``FIXTURE_ID_BASE`` up) in every table, so a
scenario's people, accounts, payments and orders have the same ids whatever the size of
the seeded population under them: an action log recorded on one machine replays on
another. Fixture account numbers are the scenario's own; rows the trainee creates come
after the block. Like the seeder, the fixture writes history directly (bills, payments,
ledger entries with no posting time); everything during the call goes through operations.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from fake_cis import ledger
from fake_cis.models import (
    Account,
    AccountPerson,
    Adjustment,
    Bill,
    BillSegment,
    CisInfo,
    CollectionEvent,
    ContactLog,
    Deposit,
    FinancialTransaction,
    Meter,
    MeterRead,
    Payment,
    Person,
    Premise,
    ProgramEnrollment,
    ServiceAgreement,
    ServiceOrder,
    ServicePoint,
    hash_ssn,
    search_key,
)
from scenarios.schema import AccountFixture, Day, PersonFixture, PremiseFixture, Setup

FIXTURE_ID_BASE = 900_000_000
NEW_ACCOUNT_NUMBERS_FROM = 8_000_000_001
BILL_DUE_DAYS = 21  # a fixture bill without a due day is due three weeks after it goes out


class FixtureError(ValueError):
    """The setup cannot be laid on this CIS (an id block or account number already taken)."""


@dataclass
class Refs:
    """What the fixture created, by the keys the scenario uses."""

    today: date
    call_start: datetime
    people: dict[str, int] = field(default_factory=dict)
    premises: dict[str, int] = field(default_factory=dict)
    accounts: dict[str, int] = field(default_factory=dict)
    account_numbers: dict[str, str] = field(default_factory=dict)
    first_new_id: dict[str, int] = field(default_factory=dict)  # table -> first id after the fixture

    def day(self, value: Day) -> date:
        return self.today + timedelta(days=value) if isinstance(value, int) else value


class _Ids:
    def __init__(self, session: Session):
        self.session = session
        self.next: dict[str, int] = defaultdict(lambda: FIXTURE_ID_BASE)

    def take(self, model) -> int:
        table = model.__tablename__
        if table not in self.next:
            highest = self.session.scalar(select(func.max(model.id)))
            if highest is not None and highest >= FIXTURE_ID_BASE:
                raise FixtureError(f"table {table} already has ids from {FIXTURE_ID_BASE}: lay a fixture on a fresh "
                                   "sandbox only")
        value = self.next[table]
        self.next[table] = value + 1
        return value


def _person(ids: _Ids, fixture: PersonFixture, ssn_key: str | None, today: date) -> Person:
    f = fixture
    name_key = (search_key(f.business_name) if f.kind == "business"
                else search_key(" ".join(p for p in (f.last_name, f.first_name, f.middle_name) if p)))
    ssn_hash = hash_ssn(f.ssn, ssn_key) if f.ssn and ssn_key else None
    return Person(id=ids.take(Person), kind=f.kind, first_name=f.first_name, middle_name=f.middle_name,
                  last_name=f.last_name, suffix=f.suffix, business_name=f.business_name, name_key=name_key,
                  birth_date=f.birth_date, ssn_hash=ssn_hash, ssn_last4=f.ssn[-4:] if f.ssn else None,
                  phone=f.phone, alt_phone=f.alt_phone, email=f.email, employer=f.employer,
                  mailing_address=f.mailing_address, life_support=f.life_support,
                  third_party_name=f.third_party_name, third_party_phone=f.third_party_phone,
                  third_party_address=f.third_party_address,
                  created_at=datetime.combine(today - timedelta(days=400), time(9)))


def _premise(ids: _Ids, session: Session, key: str, fixture: PremiseFixture, refs: Refs) -> tuple[Premise, Meter]:
    premise = Premise(id=ids.take(Premise), house_number=fixture.house_number, street_name=fixture.street_name,
                      street_key=search_key(fixture.street_name), unit=fixture.unit, city=fixture.city,
                      zip_code=fixture.zip_code, premise_type=fixture.premise_type,
                      owner_person_id=refs.people.get(fixture.owner) if fixture.owner else None)
    session.add(premise)
    point = ServicePoint(id=ids.take(ServicePoint), premise_id=premise.id,
                         state="connected" if fixture.connected else "disconnected", read_cycle=1)
    session.add(point)
    meter = Meter(id=ids.take(Meter), service_point_id=point.id, badge_number=f"SC{premise.id}",
                  meter_type=fixture.meter_type, dials=5, multiplier=1,
                  installed_on=refs.today - timedelta(days=3000))
    session.add(meter)
    for read in fixture.reads:
        session.add(MeterRead(id=ids.take(MeterRead), meter_id=meter.id, read_on=refs.day(read.on),
                              reading=read.reading, estimated=read.estimated))
    refs.premises[key] = premise.id
    return premise, meter


def _entry(ids: _Ids, account: Account, kind: str, amount: Decimal, on: date, *, due: date | None,
           description: str, **links) -> FinancialTransaction:
    return FinancialTransaction(id=ids.take(FinancialTransaction), account_id=account.id, kind=kind, amount=amount,
                                effective_on=on, due_on=due, description=description, posted_at=None, **links)


def _account(ids: _Ids, session: Session, key: str, fixture: AccountFixture, refs: Refs) -> None:
    day = refs.day
    taken = session.scalar(select(Account.id).where(Account.account_number == fixture.number))
    if taken is not None:
        raise FixtureError(f"account number {fixture.number} (setup.accounts.{key}) is already in this CIS")
    account = Account(id=ids.take(Account), account_number=fixture.number, customer_class=fixture.customer_class,
                      status=fixture.status, opened_on=day(fixture.opened),
                      closed_on=day(fixture.closed) if fixture.closed is not None else None,
                      bill_cycle=fixture.bill_cycle, credit_rating=fixture.credit_rating, autopay=fixture.autopay,
                      paperless=fixture.paperless, budget_billing=fixture.budget_billing, cash_only=fixture.cash_only,
                      cash_only_until=refs.today + timedelta(days=365) if fixture.cash_only else None,
                      created_at=datetime.combine(day(fixture.opened), time(9)))
    session.add(account)
    session.flush()
    refs.accounts[key] = account.id
    refs.account_numbers[key] = account.account_number
    for role in fixture.people:
        session.add(AccountPerson(id=ids.take(AccountPerson), account_id=account.id,
                                  person_id=refs.people[role.person], role=role.role,
                                  financially_responsible=role.role in ("main", "co_applicant"),
                                  relation=role.relation or ("self" if role.role == "main" else None),
                                  since=day(fixture.opened)))
    agreements = []
    for service in fixture.service:
        end = day(service.end) if service.end is not None else None
        status = "stopped" if end is not None and end <= refs.today else "active"
        if day(service.start) > refs.today:
            status = "pending"
        agreement = ServiceAgreement(id=ids.take(ServiceAgreement), account_id=account.id,
                                     premise_id=refs.premises[service.premise], kind="electric",
                                     rate_code=service.rate_code or ("C-1" if fixture.customer_class == "commercial"
                                                                     else "R-1"),
                                     status=status, start_on=day(service.start), end_on=end)
        session.add(agreement)
        agreements.append(agreement)
    session.flush()
    electric = agreements[0] if agreements else None
    for bill in fixture.bills:
        on = day(bill.on)
        due = day(bill.due) if bill.due is not None else on + timedelta(days=BILL_DUE_DAYS)
        row = Bill(id=ids.take(Bill), account_id=account.id, bill_on=on, due_on=due, current_charges=bill.amount,
                   amount_due=bill.amount, final=bill.final, estimated=bill.estimated)
        session.add(row)
        session.flush()  # no ORM relationship orders these inserts: each row before what refers to it
        session.add(BillSegment(id=ids.take(BillSegment), bill_id=row.id, sa_id=electric.id,
                                period_start=on - timedelta(days=30), period_end=on - timedelta(days=1), kwh=bill.kwh,
                                amount=bill.amount))
        session.add(_entry(ids, account, "bill", bill.amount, on, due=due, description=f"Bill {row.id}",
                           bill_id=row.id, sa_id=electric.id))
    for payment in fixture.payments:
        on = day(payment.on)
        row = Payment(id=ids.take(Payment), account_id=account.id, amount=payment.amount, received_on=on,
                      tender=payment.tender, channel=payment.channel, check_number=payment.check_number)
        session.add(row)
        session.flush()
        session.add(_entry(ids, account, "payment", -payment.amount, on, due=None,
                           description=f"Payment {row.id} ({payment.tender})", payment_id=row.id))
    for charge in fixture.charges:
        on = day(charge.on)
        due = day(charge.due) if charge.due is not None else (on if charge.amount > 0 else None)
        row = Adjustment(id=ids.take(Adjustment), account_id=account.id, kind=charge.kind, amount=charge.amount,
                         effective_on=on, reason=charge.reason or charge.kind.replace("_", " "), created_by="system")
        session.add(row)
        session.flush()
        session.add(_entry(ids, account, charge.kind, charge.amount, on, due=due,
                           description=charge.reason or charge.kind.replace("_", " ").capitalize(),
                           adjustment_id=row.id))
    for deposit in fixture.deposits:
        agreement = ServiceAgreement(id=ids.take(ServiceAgreement), account_id=account.id, kind="deposit",
                                     status="active", start_on=day(deposit.held_since))
        session.add(agreement)
        session.flush()
        session.add(Deposit(id=ids.take(Deposit), account_id=account.id, sa_id=agreement.id, kind=deposit.kind,
                            amount=deposit.amount, reason=deposit.reason, held_since=day(deposit.held_since),
                            status="held"))
    for order in fixture.orders:
        premise_id = refs.premises[order.premise]
        point = session.scalar(select(ServicePoint.id).where(ServicePoint.premise_id == premise_id))
        session.add(ServiceOrder(id=ids.take(ServiceOrder), account_id=account.id, premise_id=premise_id,
                                 service_point_id=point, kind=order.kind, status=order.status,
                                 requested_on=day(order.requested),
                                 scheduled_on=day(order.scheduled) if order.scheduled is not None else
                                 day(order.requested),
                                 completed_on=day(order.completed) if order.completed is not None else None))
    for event in fixture.collections:
        session.add(CollectionEvent(id=ids.take(CollectionEvent), account_id=account.id, kind=event.kind,
                                    event_on=day(event.on), amount=event.amount, agency=event.agency,
                                    notes=event.notes))
    for program in fixture.programs:
        session.add(ProgramEnrollment(id=ids.take(ProgramEnrollment), account_id=account.id, program=program.program,
                                      status=program.status, enrolled_on=day(program.enrolled),
                                      details=program.details))
    for note in fixture.notes:
        session.add(ContactLog(id=ids.take(ContactLog), account_id=account.id, person_id=None,
                               contact_at=datetime.combine(day(note.on), time(11)), channel=note.channel,
                               contact_type=note.contact_type, note=note.note, csr="CSR Records"))


NEW_ROW_TABLES = (Person, Account, AccountPerson, Premise, ServiceAgreement, Bill, Payment, Adjustment, Deposit,
                  ServiceOrder, CollectionEvent, ProgramEnrollment, ContactLog, FinancialTransaction)


def lay_fixture(session: Session, setup: Setup) -> Refs:
    """Write the setup into the sandbox (one transaction) and return its ids by key."""
    today = ledger.cis_today(session)
    hour, minute = (int(p) for p in setup.clock.split(":"))
    refs = Refs(today=today, call_start=datetime.combine(today, time(hour, minute)))
    info = session.get(CisInfo, "ssn_key")
    ssn_key = info.value if info is not None else None
    ids = _Ids(session)
    for key, person in setup.people.items():
        row = _person(ids, person, ssn_key, today)
        session.add(row)
        refs.people[key] = row.id
    session.flush()
    # Premises first (accounts serve them); the landlord's continuing-service link after the accounts.
    for key, premise in setup.premises.items():
        _premise(ids, session, key, premise, refs)
    session.flush()
    for key, account in setup.accounts.items():
        _account(ids, session, key, account, refs)
    session.flush()
    for key, fixture in setup.premises.items():
        if fixture.continuing_service_account:
            premise = session.get(Premise, refs.premises[key])
            premise.continuing_service_account_id = refs.accounts[fixture.continuing_service_account]
            premise.continuing_service_since = today - timedelta(days=1000)
    # New accounts opened during the call are numbered from here (see operations._new_account_number).
    session.merge(CisInfo(key="next_account_number", value=str(NEW_ACCOUNT_NUMBERS_FROM)))
    session.commit()
    for model in NEW_ROW_TABLES:  # what the trainee creates comes after everything there now
        refs.first_new_id[model.__tablename__] = (session.scalar(select(func.max(model.id))) or 0) + 1
    return refs
