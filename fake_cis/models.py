"""The simulated Customer Information System: its tables, on their own metadata.

The shape follows the big utility systems (Oracle CC&B, SAP IS-U, IEC CIM), cut down to
what a CSR touches on a call::

    Person --< AccountPerson >-- Account --< ServiceAgreement >-- Premise
                                                                    |
                                      ServicePoint --< Meter --< MeterRead
    Account --< Bill --< BillSegment (one per billed service agreement)
    Account --< FinancialTransaction  (the ledger: every charge and credit)
    Account --< Payment, Adjustment, Deposit, PaymentArrangement, ServiceOrder,
                CollectionEvent, BankruptcyCase, ProgramEnrollment, ContactLog,
                Correspondence, ManualLogEntry, AuditEvent

The CIS is a separate database from the application's records (``results``): every
scenario attempt works in its own copy (see ``fake_cis.database``).

Conventions
-----------
- Money is ``Numeric(12, 2)`` and reads back as ``Decimal`` (SQLite keeps it as REAL;
  SQLAlchemy rounds a ``SUM`` back to cents). Ledger signs: charges (debits) positive,
  payments and credits negative; a balance is the sum of the ledger (``fake_cis.ledger``).
- Account numbers are 10-digit strings (the seeder's end in a Luhn check digit); phone
  numbers are stored as 10 digits. Timestamps are naive, on the utility's local clock.
- An SSN is never stored: only ``hash_ssn`` of it (HMAC-SHA256 with the database's own
  key, kept in ``cis_info``) and its last four digits.
- ``*_key`` columns hold the upper-cased, punctuation-free form of a name or street
  (``search_key``). They, account numbers and phone numbers are indexed with SQLite's
  NOCASE collation, so ``=`` and prefix ``LIKE 'SMI%'`` are index range scans; a pattern
  that starts with a wildcard (``'% SMI%'``, ``'%1234'``) reads the whole table.
- The ledger (``FinancialTransaction``) and the audit trail (``AuditEvent``) are
  append-only: the ORM refuses to update or delete them, and on SQLite so do triggers,
  so a plain SQL ``UPDATE`` or ``DELETE`` fails too. A correction is a reversal.
- Other records (a bill, a payment, a service order) may change status - a payment gets a
  cancel reason, an order gets completed - but never their money: money moves only
  through the ledger.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import unicodedata
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import (
    DDL,
    JSON,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
    event,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, relationship

MONEY = Numeric(12, 2)


def search_column(length: int) -> String:
    """A searchable key or number. On SQLite its collation is NOCASE so that ``LIKE 'ABC%'``
    (case-insensitive in SQLite) can use the column's index as a range scan."""
    return String(length).with_variant(String(length, collation="NOCASE"), "sqlite")

CENT = Decimal("0.01")
LOCAL_TZ = ZoneInfo("America/Los_Angeles")


def local_now() -> datetime:
    """Now on the utility's wall clock. CIS timestamps are naive local time, as the CIS
    screens show them."""
    return datetime.now(LOCAL_TZ).replace(tzinfo=None)


def search_key(value: str | None) -> str:
    """Upper-case letters and digits separated by single spaces: 'O'Brien-Diaz, Ana' ->
    'OBRIEN DIAZ ANA'. Accents are dropped. Used for every ``*_key`` column."""
    if not value:
        return ""
    value = unicodedata.normalize("NFKD", value).encode("ascii", "ignore").decode("ascii")
    value = re.sub(r"['\u2019.]", "", value.upper())
    return " ".join(re.findall(r"[A-Z0-9]+", value))


def digits(value: str | None) -> str:
    """Only the digits of a phone number, SSN or account number as someone typed it."""
    return re.sub(r"\D", "", value or "")


def hash_ssn(ssn: str, key: str) -> str:
    """The stored form of an SSN: HMAC-SHA256 of its nine digits with the database's key
    (``cis_info['ssn_key']``). Compare a caller's SSN by hashing it the same way."""
    return hmac.new(key.encode(), digits(ssn).encode(), hashlib.sha256).hexdigest()


class CisBase(DeclarativeBase):
    type_annotation_map = {Decimal: MONEY, dict[str, Any]: JSON}


class CisInfo(CisBase):
    """Facts about this CIS database: how it was generated and the simulated 'today'.

    Keys written by the seeder: ``schema``, ``generator``, ``seed``, ``customers``,
    ``months``, ``today`` (the simulated date, ISO; the history ends the day before),
    ``history_start``, ``city``, ``zip_codes``, ``ssn_key`` (for ``hash_ssn``), ``tariff``
    (the amounts billed with, JSON).
    """

    __tablename__ = "cis_info"

    key: Mapped[str] = mapped_column(String(40), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


# --- Customers -------------------------------------------------------------------------


class Person(CisBase):
    """A customer, co-applicant, authorised caller, landlord or business."""

    __tablename__ = "persons"
    __table_args__ = (Index("ix_persons_name_key", "name_key"), Index("ix_persons_phone", "phone"),
                      Index("ix_persons_alt_phone", "alt_phone"))

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(12), default="individual")  # individual | business
    first_name: Mapped[str | None] = mapped_column(String(40))
    middle_name: Mapped[str | None] = mapped_column(String(40))
    last_name: Mapped[str | None] = mapped_column(String(60))
    suffix: Mapped[str | None] = mapped_column(String(8))  # Jr. | Sr. | III
    business_name: Mapped[str | None] = mapped_column(String(120))
    # 'LAST FIRST MIDDLE' for individuals, the business name for businesses (search_key).
    name_key: Mapped[str] = mapped_column(search_column(160))
    birth_date: Mapped[date | None] = mapped_column(Date)
    ssn_hash: Mapped[str | None] = mapped_column(String(64))  # hash_ssn; businesses: of the EIN
    ssn_last4: Mapped[str | None] = mapped_column(String(4))
    phone: Mapped[str | None] = mapped_column(search_column(10))  # 10 digits
    alt_phone: Mapped[str | None] = mapped_column(search_column(10))
    email: Mapped[str | None] = mapped_column(String(120))
    employer: Mapped[str | None] = mapped_column(String(120))
    reference_name: Mapped[str | None] = mapped_column(String(120))
    reference_phone: Mapped[str | None] = mapped_column(String(10))
    mailing_address: Mapped[str | None] = mapped_column(Text)  # when bills go elsewhere
    # Medical/life-support equipment at home: holds disconnection (see ProgramEnrollment).
    life_support: Mapped[bool] = mapped_column(Boolean, default=False)
    # A third party to be told before any shut-off (customers 65+ and dependent adults).
    third_party_name: Mapped[str | None] = mapped_column(String(120))
    third_party_phone: Mapped[str | None] = mapped_column(String(10))
    third_party_address: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=local_now)

    roles: Mapped[list[AccountPerson]] = relationship(back_populates="person")

    @property
    def display_name(self) -> str:
        if self.kind == "business":
            return self.business_name or ""
        parts = [self.first_name, self.middle_name, self.last_name, self.suffix]
        return " ".join(p for p in parts if p)


class Account(CisBase):
    """A billing account. Money, bills and collection activity hang off it."""

    __tablename__ = "accounts"

    id: Mapped[int] = mapped_column(primary_key=True)
    account_number: Mapped[str] = mapped_column(search_column(10), unique=True)  # 10 digits
    customer_class: Mapped[str] = mapped_column(String(12))  # residential | commercial
    status: Mapped[str] = mapped_column(String(12), default="active")  # active | closed
    opened_on: Mapped[date] = mapped_column(Date)
    closed_on: Mapped[date | None] = mapped_column(Date)
    bill_cycle: Mapped[int] = mapped_column(Integer)  # 1..20: the read/bill route day
    # The utility's own view of how this customer pays, 0 (worst) .. 100 (best); built
    # from its records only (late payments, returned payments, disconnects), never a bureau.
    credit_rating: Mapped[int] = mapped_column(Integer, default=80)
    budget_billing: Mapped[bool] = mapped_column(Boolean, default=False)
    autopay: Mapped[bool] = mapped_column(Boolean, default=False)
    paperless: Mapped[bool] = mapped_column(Boolean, default=False)
    cash_only: Mapped[bool] = mapped_column(Boolean, default=False)  # after returned payments
    cash_only_until: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=local_now)

    persons: Mapped[list[AccountPerson]] = relationship(back_populates="account")
    agreements: Mapped[list[ServiceAgreement]] = relationship(back_populates="account")


ROLES = ("main", "co_applicant", "authorised_caller", "landlord")


class AccountPerson(CisBase):
    """A person's role on an account. Exactly one ``main`` person per account; the main
    person is financially responsible, a co-applicant usually too, an authorised caller
    never (they may discuss the account but owe nothing)."""

    __tablename__ = "account_persons"
    __table_args__ = (
        UniqueConstraint("account_id", "person_id"),
        Index("ix_account_persons_person_id", "person_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"))
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id"))
    role: Mapped[str] = mapped_column(String(20))  # one of ROLES
    financially_responsible: Mapped[bool] = mapped_column(Boolean, default=False)
    relation: Mapped[str | None] = mapped_column(String(20))  # self, spouse, son, manager...
    since: Mapped[date | None] = mapped_column(Date)

    account: Mapped[Account] = relationship(back_populates="persons")
    person: Mapped[Person] = relationship(back_populates="roles")


# --- Where the electricity goes ------------------------------------------------------


class Premise(CisBase):
    """A service address. A landlord may sign a continuing-service agreement: when a
    tenant stops, service reverts to the landlord's account (no turn-off, no fee)."""

    __tablename__ = "premises"
    __table_args__ = (Index("ix_premises_street", "street_key", "house_number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    house_number: Mapped[str] = mapped_column(String(10))
    street_name: Mapped[str] = mapped_column(String(60))  # 'Oak Ave'
    street_key: Mapped[str] = mapped_column(search_column(60))  # search_key(street_name)
    unit: Mapped[str | None] = mapped_column(String(10))  # 'Apt 12', 'Ste B'
    city: Mapped[str] = mapped_column(String(40))
    state: Mapped[str] = mapped_column(String(2), default="CA")
    zip_code: Mapped[str] = mapped_column(String(10))
    premise_type: Mapped[str] = mapped_column(String(20))  # single_family|apartment|mobile_home|commercial
    owner_person_id: Mapped[int | None] = mapped_column(ForeignKey("persons.id"))  # landlord, if rented
    continuing_service_account_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"))
    continuing_service_since: Mapped[date | None] = mapped_column(Date)

    service_points: Mapped[list[ServicePoint]] = relationship(back_populates="premise")

    @property
    def address(self) -> str:
        unit = f" {self.unit}" if self.unit else ""
        return f"{self.house_number} {self.street_name}{unit}, {self.city}, {self.state} {self.zip_code}"


class ServicePoint(CisBase):
    """Where a meter is installed at a premise; carries the physical on/off state."""

    __tablename__ = "service_points"

    id: Mapped[int] = mapped_column(primary_key=True)
    premise_id: Mapped[int] = mapped_column(ForeignKey("premises.id"), index=True)
    kind: Mapped[str] = mapped_column(String(12), default="electric")
    state: Mapped[str] = mapped_column(String(16), default="connected")  # connected | disconnected
    read_cycle: Mapped[int] = mapped_column(Integer)  # 1..20
    location: Mapped[str | None] = mapped_column(String(40))  # 'left side', 'meter room B'

    premise: Mapped[Premise] = relationship(back_populates="service_points")
    meters: Mapped[list[Meter]] = relationship(back_populates="service_point")


class Meter(CisBase):
    __tablename__ = "meters"

    id: Mapped[int] = mapped_column(primary_key=True)
    service_point_id: Mapped[int] = mapped_column(ForeignKey("service_points.id"), index=True)
    badge_number: Mapped[str] = mapped_column(String(16), unique=True)
    meter_type: Mapped[str] = mapped_column(String(20))  # ami | electromechanical
    dials: Mapped[int] = mapped_column(Integer, default=5)  # the register rolls over at 10**dials
    multiplier: Mapped[int] = mapped_column(Integer, default=1)
    installed_on: Mapped[date] = mapped_column(Date)
    removed_on: Mapped[date | None] = mapped_column(Date)

    service_point: Mapped[ServicePoint] = relationship(back_populates="meters")


class MeterRead(CisBase):
    """A register reading (kWh dial value), actual or estimated."""

    __tablename__ = "meter_reads"
    # The big history tables are indexed by their owner only (a meter or account has a few
    # dozen rows, sorted in memory): smaller files, faster sandbox copies.
    __table_args__ = (Index("ix_meter_reads_meter", "meter_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    meter_id: Mapped[int] = mapped_column(ForeignKey("meters.id"))
    read_on: Mapped[date] = mapped_column(Date)
    reading: Mapped[int] = mapped_column(Integer)
    estimated: Mapped[bool] = mapped_column(Boolean, default=False)

    @property
    def kind(self) -> str:
        return "estimated" if self.estimated else "actual"


# --- Agreements ------------------------------------------------------------------------

SA_KINDS = ("electric", "deposit", "payment_arrangement", "bankruptcy", "program")


class ServiceAgreement(CisBase):
    """What the utility does for an account: electric service at a premise, or a
    financial agreement (deposit, payment arrangement, bankruptcy pre-petition debt,
    program such as EV discount or solar)."""

    __tablename__ = "service_agreements"
    __table_args__ = (Index("ix_sa_account", "account_id"), Index("ix_sa_premise", "premise_id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"))
    premise_id: Mapped[int | None] = mapped_column(ForeignKey("premises.id"))
    kind: Mapped[str] = mapped_column(String(20))  # one of SA_KINDS
    rate_code: Mapped[str | None] = mapped_column(String(16))  # R-1, R-1-EAP, C-1, EV, NEM...
    status: Mapped[str] = mapped_column(String(12))  # pending | active | stopped | closed
    start_on: Mapped[date] = mapped_column(Date)
    end_on: Mapped[date | None] = mapped_column(Date)

    account: Mapped[Account] = relationship(back_populates="agreements")
    premise: Mapped[Premise | None] = relationship()


# --- Bills and money -------------------------------------------------------------------


class Bill(CisBase):
    """A bill as the customer received it. Its charges are ledger entries with its id
    (kind 'bill' per segment; a balanced-payment bill also has a 'budget_deferral'
    entry), so their sum is ``current_charges``. ``amount_due`` is what the bill asked to
    be paid by ``due_on`` (past due + what falls due by then), as printed."""

    __tablename__ = "bills"
    __table_args__ = (Index("ix_bills_account", "account_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"))
    bill_on: Mapped[date] = mapped_column(Date)
    due_on: Mapped[date] = mapped_column(Date)
    current_charges: Mapped[Decimal]  # sum of the segments
    amount_due: Mapped[Decimal]  # as printed: everything due by due_on when the bill was produced
    final: Mapped[bool] = mapped_column(Boolean, default=False)
    estimated: Mapped[bool] = mapped_column(Boolean, default=False)  # based on an estimated read
    canceled_on: Mapped[date | None] = mapped_column(Date)  # rebilled: its charges were reversed
    cancel_reason: Mapped[str | None] = mapped_column(String(60))

    segments: Mapped[list[BillSegment]] = relationship(back_populates="bill", order_by="BillSegment.id")


class BillSegment(CisBase):
    """The part of a bill for one service agreement and period."""

    __tablename__ = "bill_segments"
    __table_args__ = (Index("ix_bill_segments_bill", "bill_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    bill_id: Mapped[int] = mapped_column(ForeignKey("bills.id"))
    sa_id: Mapped[int] = mapped_column(ForeignKey("service_agreements.id"))
    period_start: Mapped[date] = mapped_column(Date)
    period_end: Mapped[date] = mapped_column(Date)
    kwh: Mapped[int] = mapped_column(Integer, default=0)
    fixed_charge: Mapped[Decimal] = mapped_column(MONEY, default=Decimal(0))  # customer charge
    energy_charge: Mapped[Decimal] = mapped_column(MONEY, default=Decimal(0))
    discount: Mapped[Decimal] = mapped_column(MONEY, default=Decimal(0))  # negative: EAP, EV credit
    tax: Mapped[Decimal] = mapped_column(MONEY, default=Decimal(0))  # utility users tax
    amount: Mapped[Decimal]

    bill: Mapped[Bill] = relationship(back_populates="segments")


LEDGER_KINDS = (
    "bill",  # a bill segment's charges
    "payment",
    "late_fee",
    "nsf_fee",
    "establishment_fee",
    "reconnect_fee",
    "deposit_charge",  # a cash deposit billed; what is held is in Deposit
    "deposit_refund",  # a held deposit credited to the account or applied to a final bill
    "rebill",  # a corrected bill charge replacing a reversed one
    "write_off",
    "transfer",  # balance moved between accounts (out: negative, in: positive)
    "refund",  # a credit balance paid out to the customer (positive)
    "arrangement",  # re-scheduling of debt under a payment arrangement (nets to zero)
    "budget_deferral",  # balanced payment: the part of a bill deferred to the true-up
    "bankruptcy",  # pre-petition debt moved to the bankruptcy agreement (nets to zero)
)


class FinancialTransaction(CisBase):
    """One ledger entry. Append-only.

    ``amount``: positive = the customer owes more (charge), negative = owes less
    (payment, credit). ``due_on``: set on a debt (the date it falls due; a negative
    amount with a due date reduces the debt due that day); empty on a settlement
    (payment, credit, refund), which counts from ``effective_on``. A reversal
    (``reverses_id``) has the negated amount and the same due date as the entry it
    reverses. See ``fake_cis.ledger``.
    """

    __tablename__ = "financial_transactions"
    __table_args__ = (
        Index("ix_ft_account", "account_id"),
        # At most one reversal per entry; a partial index keeps it small.
        Index("ux_ft_reverses", "reverses_id", unique=True, sqlite_where=text("reverses_id IS NOT NULL"),
              postgresql_where=text("reverses_id IS NOT NULL")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"))
    sa_id: Mapped[int | None] = mapped_column(ForeignKey("service_agreements.id"))
    kind: Mapped[str] = mapped_column(String(20))  # one of LEDGER_KINDS
    amount: Mapped[Decimal]
    effective_on: Mapped[date] = mapped_column(Date)
    due_on: Mapped[date | None] = mapped_column(Date)
    bill_id: Mapped[int | None] = mapped_column(ForeignKey("bills.id"))
    payment_id: Mapped[int | None] = mapped_column(ForeignKey("payments.id"))
    adjustment_id: Mapped[int | None] = mapped_column(ForeignKey("adjustments.id"))
    reverses_id: Mapped[int | None] = mapped_column(ForeignKey("financial_transactions.id"))
    reference: Mapped[str | None] = mapped_column(String(40))  # check number, case number...
    description: Mapped[str | None] = mapped_column(Text)
    posted_at: Mapped[datetime | None] = mapped_column(DateTime)  # None: generated history


TENDERS = ("cash", "check", "money_order", "card", "ach", "certified_funds")
CHANNELS = ("office", "mail", "online", "phone", "autopay", "drop_box", "agency")
CANCEL_REASONS = ("nsf", "misapplied", "duplicate", "stop_payment", "entry_error")


class Payment(CisBase):
    """Money received. A canceled payment keeps its row (with the reason); its ledger
    credit is reversed."""

    __tablename__ = "payments"
    __table_args__ = (Index("ix_payments_account", "account_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"))
    amount: Mapped[Decimal]  # positive: the money received
    received_on: Mapped[date] = mapped_column(Date)
    tender: Mapped[str] = mapped_column(String(16))  # one of TENDERS
    channel: Mapped[str] = mapped_column(String(12))  # one of CHANNELS
    check_number: Mapped[str | None] = mapped_column(String(12))
    canceled_on: Mapped[date | None] = mapped_column(Date)
    cancel_reason: Mapped[str | None] = mapped_column(String(16))  # one of CANCEL_REASONS

    @property
    def status(self) -> str:
        return "canceled" if self.canceled_on else "posted"


ADJUSTMENT_KINDS = ("late_fee", "nsf_fee", "establishment_fee", "reconnect_fee", "rebill", "write_off",
                    "transfer", "refund", "deposit_charge", "deposit_refund")


class Adjustment(CisBase):
    """A charge or credit not from a bill or payment; its money is its ledger entry."""

    __tablename__ = "adjustments"
    __table_args__ = (Index("ix_adjustments_account", "account_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"))
    sa_id: Mapped[int | None] = mapped_column(ForeignKey("service_agreements.id"))
    kind: Mapped[str] = mapped_column(String(20))  # one of ADJUSTMENT_KINDS
    amount: Mapped[Decimal]  # signed like the ledger
    effective_on: Mapped[date] = mapped_column(Date)
    reason: Mapped[str | None] = mapped_column(Text)
    created_by: Mapped[str | None] = mapped_column(String(40))


class Deposit(CisBase):
    """A deposit held (cash) or security given (letter of credit, surety bond)."""

    __tablename__ = "deposits"
    __table_args__ = (Index("ix_deposits_account", "account_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"))
    sa_id: Mapped[int | None] = mapped_column(ForeignKey("service_agreements.id"))
    kind: Mapped[str] = mapped_column(String(20))  # cash | letter_of_credit | surety_bond
    amount: Mapped[Decimal]
    reason: Mapped[str | None] = mapped_column(String(30))  # commercial|non_pay|late_history|bankruptcy|incomplete_info
    held_since: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(12))  # held | refunded | applied | released
    released_on: Mapped[date | None] = mapped_column(Date)
    issuer: Mapped[str | None] = mapped_column(String(80))  # bank or surety
    expires_on: Mapped[date | None] = mapped_column(Date)


class PaymentArrangement(CisBase):
    """Arrears paid as a down payment then installments (at most 12)."""

    __tablename__ = "payment_arrangements"
    __table_args__ = (Index("ix_arrangements_account", "account_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"))
    sa_id: Mapped[int | None] = mapped_column(ForeignKey("service_agreements.id"))
    created_on: Mapped[date] = mapped_column(Date)
    arrears: Mapped[Decimal]
    down_payment: Mapped[Decimal]
    installments: Mapped[int] = mapped_column(Integer)
    installment_amount: Mapped[Decimal]
    first_due_on: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(12))  # active | completed | broken | canceled
    status_on: Mapped[date | None] = mapped_column(Date)
    medical: Mapped[bool] = mapped_column(Boolean, default=False)  # life-threatening shut-off plan
    approved_by: Mapped[str | None] = mapped_column(String(40))


ORDER_KINDS = ("start", "stop", "reread", "meter_test", "nonpay_disconnect", "reconnect", "investigation")


class ServiceOrder(CisBase):
    """A field activity."""

    __tablename__ = "service_orders"
    __table_args__ = (Index("ix_orders_account", "account_id"), Index("ix_orders_premise", "premise_id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"))
    premise_id: Mapped[int] = mapped_column(ForeignKey("premises.id"))
    service_point_id: Mapped[int | None] = mapped_column(ForeignKey("service_points.id"))
    kind: Mapped[str] = mapped_column(String(20))  # one of ORDER_KINDS
    status: Mapped[str] = mapped_column(String(12))  # pending | dispatched | completed | canceled
    requested_on: Mapped[date] = mapped_column(Date)
    scheduled_on: Mapped[date | None] = mapped_column(Date)
    completed_on: Mapped[date | None] = mapped_column(Date)
    after_hours: Mapped[bool] = mapped_column(Boolean, default=False)
    result: Mapped[str | None] = mapped_column(Text)
    remarks: Mapped[str | None] = mapped_column(Text)


COLLECTION_KINDS = ("reminder", "ten_day_notice", "forty_eight_hour_notice", "disconnect", "final_bill",
                    "agency_referral", "write_off")


class CollectionEvent(CisBase):
    __tablename__ = "collection_events"
    __table_args__ = (Index("ix_collection_account", "account_id", "event_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"))
    kind: Mapped[str] = mapped_column(String(24))  # one of COLLECTION_KINDS
    event_on: Mapped[date] = mapped_column(Date)
    amount: Mapped[Decimal | None]  # past due at the time
    bill_id: Mapped[int | None] = mapped_column(ForeignKey("bills.id"))
    agency: Mapped[str | None] = mapped_column(String(60))
    notes: Mapped[str | None] = mapped_column(Text)


class BankruptcyCase(CisBase):
    """A customer's bankruptcy filing and the utility's part in it (11 U.S.C. 366,
    proof of claim on Official Form 410)."""

    __tablename__ = "bankruptcy_cases"
    __table_args__ = (Index("ix_bankruptcy_account", "account_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"))
    person_id: Mapped[int | None] = mapped_column(ForeignKey("persons.id"))
    sa_id: Mapped[int | None] = mapped_column(ForeignKey("service_agreements.id"))
    case_number: Mapped[str] = mapped_column(String(20))
    court: Mapped[str] = mapped_column(String(60))
    chapter: Mapped[int] = mapped_column(Integer)  # 7 | 11 | 13
    petition_on: Mapped[date] = mapped_column(Date)
    pre_petition_balance: Mapped[Decimal]
    assurance_due_on: Mapped[date] = mapped_column(Date)  # 20 days after relief (30: chapter 11)
    assurance_received_on: Mapped[date | None] = mapped_column(Date)
    assurance_kind: Mapped[str | None] = mapped_column(String(20))  # cash_deposit|letter_of_credit|...
    claim_deadline_on: Mapped[date | None] = mapped_column(Date)
    claim_filed_on: Mapped[date | None] = mapped_column(Date)
    claim_amount: Mapped[Decimal | None]
    claim_account_last4: Mapped[str | None] = mapped_column(String(4))  # Form 410 shows the last 4 only
    trustee: Mapped[str | None] = mapped_column(String(80))
    status: Mapped[str] = mapped_column(String(12))  # open | dismissed | discharged | closed
    status_on: Mapped[date | None] = mapped_column(Date)


PROGRAMS = ("energy_assistance", "medical_baseline", "life_support", "ev_discount", "balanced_payment",
            "autopay", "paperless", "rebate", "solar_nem", "solar_rgp")


class ProgramEnrollment(CisBase):
    """A program on an account; ``details`` holds its own facts (EV weight class and
    vehicles, budget amount, rebate item and amount, bank last 4...)."""

    __tablename__ = "program_enrollments"
    __table_args__ = (Index("ix_programs_account", "account_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"))
    sa_id: Mapped[int | None] = mapped_column(ForeignKey("service_agreements.id"))
    program: Mapped[str] = mapped_column(String(20))  # one of PROGRAMS
    status: Mapped[str] = mapped_column(String(12))  # pending | active | ended | denied
    enrolled_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date | None] = mapped_column(Date)  # recertification or end
    details: Mapped[dict[str, Any] | None]


# --- Notes, letters, logs, audit -------------------------------------------------------


class ContactLog(CisBase):
    """A customer contact and the CSR's note about it."""

    __tablename__ = "contact_log"
    __table_args__ = (Index("ix_contacts_account", "account_id", "contact_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"))
    person_id: Mapped[int | None] = mapped_column(ForeignKey("persons.id"))
    contact_at: Mapped[datetime] = mapped_column(DateTime)
    channel: Mapped[str] = mapped_column(String(12))  # phone | walk_in | email | letter
    contact_type: Mapped[str] = mapped_column(String(30))  # start_service, billing_question...
    note: Mapped[str] = mapped_column(Text)
    csr: Mapped[str | None] = mapped_column(String(40))


class Correspondence(CisBase):
    """A letter or e-mail sent to the customer."""

    __tablename__ = "correspondence"
    __table_args__ = (Index("ix_correspondence_account", "account_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"))
    kind: Mapped[str] = mapped_column(String(30))  # welcome | deposit_request | ten_day_notice ...
    sent_on: Mapped[date] = mapped_column(Date)
    delivery: Mapped[str] = mapped_column(String(8))  # mail | email
    summary: Mapped[str | None] = mapped_column(Text)


class ManualLogEntry(CisBase):
    """A line in one of the office's manual logs and ledgers: the daily cash log,
    returned-check log, meter-test request log, refund log."""

    __tablename__ = "manual_log_entries"
    __table_args__ = (Index("ix_manual_log", "log", "entry_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    log: Mapped[str] = mapped_column(String(24))  # daily_cash | returned_checks | meter_tests | refunds
    entry_on: Mapped[date] = mapped_column(Date)
    account_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"))
    amount: Mapped[Decimal | None]
    description: Mapped[str] = mapped_column(Text)
    recorded_by: Mapped[str | None] = mapped_column(String(40))


class AuditEvent(CisBase):
    """One operation on the CIS: who, when, what with which arguments, and how it ended.
    Append-only."""

    __tablename__ = "audit_events"
    __table_args__ = (Index("ix_audit_account", "account_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime, default=local_now)
    actor: Mapped[str] = mapped_column(String(60))  # the CSR (trainee) or 'system'
    operation: Mapped[str] = mapped_column(String(60))
    arguments: Mapped[dict[str, Any] | None]
    outcome: Mapped[str] = mapped_column(String(12))  # ok | refused | error
    message: Mapped[str | None] = mapped_column(Text)
    account_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"))


# --- Append-only guards ----------------------------------------------------------------

APPEND_ONLY = (FinancialTransaction, AuditEvent)


@event.listens_for(Session, "before_flush")
def _refuse_edits_of_ledger(session: Session, _context, _instances) -> None:
    for obj in list(session.dirty) + list(session.deleted):
        if isinstance(obj, APPEND_ONLY) and (obj in session.deleted or session.is_modified(obj)):
            raise PermissionError(f"{type(obj).__name__} rows are append-only: post a reversal instead")


for _model in APPEND_ONLY:
    _table = _model.__tablename__
    for _verb in ("UPDATE", "DELETE"):
        event.listen(
            _model.__table__,
            "after_create",
            DDL(
                f"CREATE TRIGGER {_table}_no_{_verb.lower()} BEFORE {_verb} ON {_table} "
                f"BEGIN SELECT RAISE(ABORT, '{_table} is append-only'); END"
            ).execute_if(dialect="sqlite"),
        )
