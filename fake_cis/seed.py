"""A repeatable population for the simulated CIS: one small California city.

``seed_population(engine, customers, seed, months)`` fills an empty CIS database;
``seed_template(path, ...)`` writes a fresh template file atomically (what ``csr-sim seed``
runs). The same seed (and the same ``today``) gives the same rows, byte for byte.

What is in it
-------------
Alder Springs, CA (ZIP 95720 and 95721). ``customers`` is the number of premises with
electric service (one meter each), about 90 % residential (single-family houses, apartment
complexes, a mobile-home park or two) and 10 % commercial along the arterials. There are
about 1.18 accounts per premise: the current customer, a previous one who moved out during
the history (about 13 % of accounts are closed), landlords' accounts, a few pending starts.
The history covers ``months`` monthly read/bill cycles (20 read cycles by route) ending
before ``today`` (default ``DEFAULT_TODAY``, stored as ``cis_info['today']``: the CIS's
simulated date). Accounts older than the history start with a zero balance at its first
read (the conversion to this CIS). In it:

- seasonal meter reads (summer air-conditioning peak; solar homes net of generation), about
  2 % estimated, with catch-up on the next actual read;
- a bill per read (a segment per billed agreement: electric, EV-discount credit), with the
  utility users tax, low-income (Energy Assistance) discount, establishment fee on new
  accounts, balanced payment (budget) amounts and annual true-up;
- payments: most on time (a third by autopay), a share late (late fees, reminders, 10-day
  and 48-hour notices), a few delinquent (non-pay disconnects and reconnects with fee and a
  deposit, payment arrangements kept or broken), returned payments (NSF fee, cash-only);
- move-outs and move-ins: final bills, deposits applied, closed accounts left unpaid and
  referred to the collection agency (some written off), balances transferred to the
  customer's new account, landlords' continuing-service agreements, pending starts/stops;
- deposits held (every commercial account; residential after a disconnect or bad history),
  program enrolments, a few bankruptcies (pre-petition balance held, assurance, proof of
  claim), high-bill disputes on estimated reads (re-read, cancel and rebill), contacts,
  letters, the daily cash log;
- look-alikes: relatives with the same surname on the same or a nearby street, fathers and
  sons (Jr.), and identical names at different addresses.

SSNs are random and only their hash and last four digits are stored: a scenario that needs
a caller to recite a full SSN adds its own person.

Every bill and payment is a ledger entry (``fake_cis.ledger`` conventions); balances are
never stored. Rates, fees and collection timings come from the policy file through
``fake_cis.policy`` (``tariff()``); bills are worked out as ``policy.bill_charges`` does,
in integer cents (``segment_cents``), because calling it 2.4 million times would take
longer than the whole seed. The bill's due date (21 days) is the seeder's own.

How it is fast
--------------
Faker is used once, to fill pools of names and words; a ``random.Random`` seeded from
``seed`` combines them. Rows are plain tuples, written with executemany in chunks inside
one transaction, with the big tables' indexes built after the load. Values are written in
SQLAlchemy's own SQLite storage format (ISO dates, money as REAL, booleans 0/1), so the
ORM reads them as ``date``, ``Decimal`` and ``bool``. SQLAlchemy's dictionary-based
``insert()`` executemany measured about 6x slower per row here, which matters at 14 million
rows.
"""

from __future__ import annotations

import hashlib
import heapq
import itertools
import json
import math
import os
import random
import tempfile
from bisect import insort
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path

from faker import Faker
from sqlalchemy import Engine, Index

from fake_cis import policy
from fake_cis.database import create_schema, make_engine
from fake_cis.models import CisBase, hash_ssn, search_key

Progress = Callable[[float, str], None]

GENERATOR = "alder-springs/1"
DEFAULT_TODAY = date(2026, 11, 16)  # the simulated 'today' the history ends on (a Monday)
CITY = "Alder Springs"
ZIP_CODES = ("95720", "95721")
AGENCY = "Sierra Credit Recovery"
COURT = "U.S. Bankruptcy Court, E.D. Cal."
CHUNK = 1000  # premises simulated and written per batch

# --- Amounts ----------------------------------------------------------------------------

BILL_DUE_DAYS = 21  # the bill's due date after the bill date (not in the policy file yet)


def _scaled(value: Decimal, places: int) -> int:
    """``value`` as an integer count of 10**-places units (exact, or an error)."""
    scaled = value * (10 ** places)
    if scaled != scaled.to_integral_value():
        raise ValueError(f"{value} has more than {places} decimal places")
    return int(scaled)


def _half_up(numerator: int, denominator: int) -> int:
    """numerator / denominator rounded half up (away from zero at .5), in integers."""
    if numerator < 0:
        return -_half_up(-numerator, denominator)
    return (2 * numerator + denominator) // (2 * denominator)


@dataclass(frozen=True)
class Tariff:
    """The policy's amounts as integers, for billing millions of periods quickly: money in
    cents, energy prices in 0.001 cent per kWh, kWh allowances in Wh a day, percentages in
    thousandths of a percent. Built from ``fake_cis.policy`` by ``tariff()``."""

    days_per_month: int
    residential_fixed: int
    residential_baseline_wh_per_day: int
    medical_baseline_wh_per_day: int
    residential_rates: tuple[int, int]
    commercial_fixed: int
    commercial_rate: int
    eap_discount: int
    users_tax: int
    ev_credit: tuple[int, ...]  # per vehicle per month, by weight class (EV_CLASSES)
    late_fee_rate: int
    late_fee_grace_days: int
    low_income_late_fee_exempt: bool
    nsf_fee: int
    cash_only_returns: int
    cash_only_months: int
    establishment_fee: int
    reconnect_fee: int
    reconnect_fee_after_hours: int
    commercial_min_deposit: int
    deposit_multiple: int
    notice_after_bill_days: int  # 10-day notice mailed no earlier than this after the bill
    notice_days: int  # mailing days + the notice's days: shut-off not before
    agency_after_final_days: int
    arrangement_max_months: int
    arrangement_min_down: int
    bill_due_days: int = BILL_DUE_DAYS


EV_CLASSES = ("light", "medium", "heavy")


def tariff(rules: policy.Policy | None = None) -> Tariff:
    """The seeder's amounts, from the policy file (``fake_cis/policy.yaml``)."""
    rules = rules or policy.load_policy()
    fees = rules.fees
    billing = rules.billing
    residential = billing.residential_rate
    commercial = billing.commercial_rate
    programs = rules.programs
    collections = rules.collections
    ev_rates = programs.ev_discount.per_vehicle_per_month
    return Tariff(
        days_per_month=billing.period.days_per_month,
        residential_fixed=_scaled(residential.customer_charge_per_month, 2),
        residential_baseline_wh_per_day=_scaled(residential.baseline_kwh_per_day, 3),
        medical_baseline_wh_per_day=_scaled(programs.medical.medical_baseline.kwh_per_day, 3),
        residential_rates=(_scaled(residential.tier1_per_kwh, 5), _scaled(residential.tier2_per_kwh, 5)),
        commercial_fixed=_scaled(commercial.customer_charge_per_month, 2),
        commercial_rate=_scaled(commercial.energy_per_kwh, 5),
        eap_discount=_scaled(programs.energy_assistance.discount_percent, 3),
        users_tax=_scaled(billing.utility_users_tax.percent, 3),
        ev_credit=tuple(_scaled(ev_rates[name], 2) for name in EV_CLASSES),
        late_fee_rate=_scaled(fees.late_payment.percent, 3),
        late_fee_grace_days=fees.late_payment.grace_days,
        low_income_late_fee_exempt=fees.late_payment_low_income_exemption.low_income_exempt,
        nsf_fee=_scaled(fees.returned_payment.fee, 2),
        cash_only_returns=fees.returned_payment_cash_only.returns,
        cash_only_months=fees.returned_payment_cash_only.cash_only_months,
        establishment_fee=_scaled(fees.account_establishment.amount, 2),
        reconnect_fee=_scaled(fees.reconnection.business_hours_fee, 2),
        reconnect_fee_after_hours=_scaled(fees.reconnection.after_hours_fee, 2),
        commercial_min_deposit=_scaled(rules.deposits.commercial.minimum, 2),
        deposit_multiple=int(rules.deposits.cap.multiple_of_average_periodic_bill),
        notice_after_bill_days=collections.ten_day_notice.earliest_days_after_bill,
        notice_days=collections.ten_day_notice.starts_days_after_mailing + collections.ten_day_notice.notice_days,
        agency_after_final_days=collections.agency_referral.days_after_final_bill,
        arrangement_max_months=collections.payment_arrangement.max_months,
        arrangement_min_down=_scaled(collections.arrangement_down_payment.minimum_percent, 3),
    )


def segment_cents(t: Tariff, commercial: bool, eap: bool, kwh: int, days: int, *, medical: bool = False,
                  ev_class: int = 0, ev_vehicles: int = 0) -> tuple[int, int, int, int, int, int]:
    """One billing period in cents, as ``fake_cis.policy.bill_charges`` works it out:
    (customer charge, energy, Energy Assistance discount (<= 0), tax, electric segment
    amount, EV discount (<= 0)). The tax (on the charges after every discount) sits on the
    electric segment; the EV discount is its own segment on the program agreement.
    Bills = electric + EV = ``bill_charges(...).total``."""
    month = t.days_per_month
    if commercial:
        fixed = _half_up(t.commercial_fixed * days, month)
        energy = _half_up(kwh * t.commercial_rate, 1000)
    else:
        fixed = _half_up(t.residential_fixed * days, month)
        per_day = t.residential_baseline_wh_per_day + (t.medical_baseline_wh_per_day if medical else 0)
        allowance = _half_up(per_day * days, 1000)
        tier1 = min(kwh, allowance)
        low, high = t.residential_rates
        energy = _half_up(tier1 * low, 1000) + _half_up((kwh - tier1) * high, 1000)
    charges = fixed + energy
    discount = -_half_up(charges * t.eap_discount, 100_000) if eap else 0
    ev = 0
    if ev_vehicles:
        ev = -min(_half_up(t.ev_credit[ev_class] * days, month) * ev_vehicles, charges + discount)
    tax = _half_up((charges + discount + ev) * t.users_tax, 100_000)
    return fixed, energy, discount, tax, charges + discount + tax, ev


# --- Storage ----------------------------------------------------------------------------

COLUMNS: dict[str, tuple[str, ...]] = {
    "cis_info": ("key", "value"),
    "persons": ("id", "kind", "first_name", "middle_name", "last_name", "suffix", "business_name", "name_key",
                "birth_date", "ssn_hash", "ssn_last4", "phone", "alt_phone", "email", "employer", "reference_name",
                "reference_phone", "mailing_address", "life_support", "third_party_name", "third_party_phone",
                "third_party_address", "created_at"),
    "accounts": ("id", "account_number", "customer_class", "status", "opened_on", "closed_on", "bill_cycle",
                 "credit_rating", "budget_billing", "autopay", "paperless", "cash_only", "cash_only_until",
                 "created_at"),
    "account_persons": ("id", "account_id", "person_id", "role", "financially_responsible", "relation", "since"),
    "premises": ("id", "house_number", "street_name", "street_key", "unit", "city", "state", "zip_code",
                 "premise_type", "owner_person_id", "continuing_service_account_id", "continuing_service_since"),
    "service_points": ("id", "premise_id", "kind", "state", "read_cycle", "location"),
    "meters": ("id", "service_point_id", "badge_number", "meter_type", "dials", "multiplier", "installed_on",
               "removed_on"),
    "meter_reads": ("id", "meter_id", "read_on", "reading", "estimated"),
    "service_agreements": ("id", "account_id", "premise_id", "kind", "rate_code", "status", "start_on", "end_on"),
    "bills": ("id", "account_id", "bill_on", "due_on", "current_charges", "amount_due", "final", "estimated",
              "canceled_on", "cancel_reason"),
    "bill_segments": ("id", "bill_id", "sa_id", "period_start", "period_end", "kwh", "fixed_charge",
                      "energy_charge", "discount", "tax", "amount"),
    "financial_transactions": ("id", "account_id", "sa_id", "kind", "amount", "effective_on", "due_on", "bill_id",
                               "payment_id", "adjustment_id", "reverses_id", "reference", "description"),
    "payments": ("id", "account_id", "amount", "received_on", "tender", "channel", "check_number", "canceled_on",
                 "cancel_reason"),
    "adjustments": ("id", "account_id", "sa_id", "kind", "amount", "effective_on", "reason", "created_by"),
    "deposits": ("id", "account_id", "sa_id", "kind", "amount", "reason", "held_since", "status", "released_on",
                 "issuer", "expires_on"),
    "payment_arrangements": ("id", "account_id", "sa_id", "created_on", "arrears", "down_payment", "installments",
                             "installment_amount", "first_due_on", "status", "status_on", "medical", "approved_by"),
    "service_orders": ("id", "account_id", "premise_id", "service_point_id", "kind", "status", "requested_on",
                       "scheduled_on", "completed_on", "after_hours", "result", "remarks"),
    "collection_events": ("id", "account_id", "kind", "event_on", "amount", "bill_id", "agency", "notes"),
    "bankruptcy_cases": ("id", "account_id", "person_id", "sa_id", "case_number", "court", "chapter", "petition_on",
                         "pre_petition_balance", "assurance_due_on", "assurance_received_on", "assurance_kind",
                         "claim_deadline_on", "claim_filed_on", "claim_amount", "claim_account_last4", "trustee",
                         "status", "status_on"),
    "program_enrollments": ("id", "account_id", "sa_id", "program", "status", "enrolled_on", "ends_on", "details"),
    "contact_log": ("id", "account_id", "person_id", "contact_at", "channel", "contact_type", "note", "csr"),
    "correspondence": ("id", "account_id", "kind", "sent_on", "delivery", "summary"),
    "manual_log_entries": ("id", "log", "entry_on", "account_id", "amount", "description", "recorded_by"),
}

#: Tables whose secondary indexes are dropped during the load and built afterwards.
BULK_TABLES = ("meter_reads", "bills", "bill_segments", "financial_transactions", "payments")


class _Random(random.Random):
    """random.Random with cheaper randint and choice (same distribution, fewer calls):
    the history draws millions of small numbers."""

    def randint(self, a: int, b: int) -> int:
        return a + int(self.random() * (b - a + 1))

    def choice(self, seq):
        return seq[int(self.random() * len(seq))]


class _Days(dict):
    """Ordinal -> ISO date string, computed once per day."""

    def __missing__(self, ordinal: int) -> str:
        value = self[ordinal] = date.fromordinal(ordinal).isoformat()
        return value


class _Sink:
    """Row buffers per table, written with executemany; ids are assigned here."""

    def __init__(self, connection) -> None:
        self.connection = connection
        self.rows: dict[str, list[tuple]] = {table: [] for table in COLUMNS}
        self.sql = {table: f"INSERT INTO {table} ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})"
                    for table, cols in COLUMNS.items()}
        self.ids = {table: itertools.count(1) for table in COLUMNS}
        self.counts: dict[str, int] = {table: 0 for table in COLUMNS}

    def next_id(self, table: str) -> int:
        return next(self.ids[table])

    def flush(self) -> None:
        for table, rows in self.rows.items():
            if rows:
                self.connection.exec_driver_sql(self.sql[table], rows)
                self.counts[table] += len(rows)
                rows.clear()


def _stamp(day: int, minutes: int) -> str:
    """A DATETIME in SQLAlchemy's SQLite storage format: the day plus minutes."""
    return f"{date.fromordinal(day).isoformat()} {minutes // 60:02d}:{minutes % 60:02d}:00.000000"


def _money(cents: int | None) -> float | None:
    return None if cents is None else cents / 100


def _luhn_digit(number: str) -> str:
    total = 0
    for index, char in enumerate(reversed(number)):
        value = int(char)
        if index % 2 == 0:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return str((10 - total % 10) % 10)


# --- Pools ------------------------------------------------------------------------------

TREES = ("Alder", "Oak", "Willow", "Cedar", "Pine", "Sycamore", "Madrone", "Laurel", "Juniper", "Manzanita",
         "Redbud", "Buckeye", "Cottonwood", "Aspen", "Birch", "Maple", "Walnut", "Almond", "Olive", "Orchard",
         "Quail", "Heron", "Meadowlark", "Spring", "Creek", "Canyon", "Ridge", "Vista", "Sierra", "Foothill",
         "Granite", "Gold", "Mill", "Railroad", "Depot", "Mission", "Ranch", "Valley", "Hillcrest", "Sunset")
SUFFIXES = ("St", "Ave", "Dr", "Ct", "Ln", "Way", "Pl", "Cir", "Rd", "Ter")
ARTERIALS = ("Main St", "Alder Springs Blvd", "Railroad Ave", "Commerce Way", "Spring Valley Rd",
             "Industrial Pkwy", "Gold Country Blvd", "Sierra College Dr")
BUSINESS_KINDS = ("Dental", "Auto Repair", "Market", "Laundromat", "Cafe", "Hair Studio", "Insurance",
                  "Hardware", "Pizza", "Tire & Brake", "Veterinary Clinic", "Nail Salon", "Pharmacy",
                  "Fitness", "Taqueria", "Bakery", "Feed & Supply", "Self Storage", "Chiropractic", "Florist")
DOMAINS = ("gmail.com", "gmail.com", "gmail.com", "yahoo.com", "hotmail.com", "outlook.com", "icloud.com",
           "comcast.net", "att.net", "sbcglobal.net")
LOCAL_EMPLOYERS = ("Alder Springs Unified School District", "City of Alder Springs", "Sutter Health",
                   "Placer County", "Raley's", "Walmart", "Caltrans", "Kaiser Permanente", "Self-employed",
                   "Home Depot", "Alder Springs Memorial Hospital", "UPS", "State of California")
ISSUERS = ("Five Star Bank", "Wells Fargo Bank", "River City Bank", "Travelers Casualty and Surety",
           "Western Surety Company", "Bank of America")
STAFF = ("mgarcia", "jnguyen", "dpatel", "slopez", "kwilson", "tchen", "rmartinez", "abrown", "lkim",
         "jhernandez", "cjohnson", "ewright")
TRUSTEES = ("Michael D. McGranahan", "Lawrence J. Loheit", "Kimberly J. Husted", "J. Michael Hopper",
            "David P. Cusick", "Russell D. Greer")
SEASON = (0.0, 1.05, 0.95, 0.86, 0.80, 0.90, 1.18, 1.52, 1.60, 1.36, 0.96, 0.88, 1.04)  # by month, 1-based
SOLAR = (0.0, 0.45, 0.60, 0.85, 1.05, 1.20, 1.30, 1.30, 1.22, 1.05, 0.80, 0.55, 0.42)


class _Pools:
    """Everything Faker is used for: pools the seeded Random then combines."""

    def __init__(self, seed: int) -> None:
        en = Faker("en_US")
        en.seed_instance(seed)
        es = Faker("es_MX")
        es.seed_instance(seed + 1)
        self.last = [en.last_name() for _ in range(2400)] + [es.last_name() for _ in range(1100)]
        self.female = [en.first_name_female() for _ in range(1400)] + [es.first_name_female() for _ in range(600)]
        self.male = [en.first_name_male() for _ in range(1400)] + [es.first_name_male() for _ in range(600)]
        self.companies = [en.company() for _ in range(1500)]
        words = list(dict.fromkeys([en.last_name() for _ in range(1500)] + [en.first_name() for _ in range(300)]))
        self.street_words = list(TREES) + [w for w in words if " " not in w and len(w) <= 11]
        self.landlord_companies = [f"{en.last_name()} Property Management" for _ in range(60)] + \
                                  [f"{en.last_name()} Realty" for _ in range(60)]


# --- Plan -------------------------------------------------------------------------------


class _Unit:
    """One account's electric service at one premise over an interval (a billing unit)."""

    __slots__ = ("account", "premise", "start", "end", "kind", "sa_id", "final", "transfer_to", "transfer_in",
                 "pending_stop", "gap_end")

    def __init__(self, account, premise, start, end, kind):
        self.account = account
        self.premise = premise
        self.start = start  # ordinal day service started (None: before the window)
        self.end = end  # ordinal day it stopped (None: still on)
        self.kind = kind  # converted | new | landlord
        self.sa_id = 0
        self.final = "paid"  # closed units: paid | unpaid | transfer
        self.transfer_to = None  # the mover's new unit
        self.transfer_in = None  # (day, cents) set by the old unit's simulation
        self.pending_stop = None
        self.gap_end = None


class _Acct:
    __slots__ = ("id", "number", "commercial", "status", "opened", "closed", "cycle", "person", "profile",
                 "autopay", "paperless", "budget", "eap", "medical", "life_support", "ev", "solar", "kind",
                 "persons", "bankruptcy", "dispute", "rating", "nsf", "cash_only_until", "deposit", "units",
                 "pending")

    def __init__(self, id_, number, commercial, cycle, kind):
        self.id = id_
        self.number = number
        self.commercial = commercial
        self.status = "active"
        self.opened = 0
        self.closed = None
        self.cycle = cycle
        self.person = 0
        self.profile = "prompt"
        self.autopay = self.paperless = self.budget = self.eap = self.medical = self.life_support = False
        self.ev = 0  # number of vehicles on the EV discount
        self.solar = None  # solar_nem | solar_rgp
        self.kind = kind  # resident | business | landlord
        self.persons = []  # (person_id, role, financially_responsible, relation)
        self.bankruptcy = None  # petition ordinal
        self.dispute = False
        self.rating = 90
        self.nsf = []  # ordinals of returned payments
        self.cash_only_until = None
        self.deposit = None  # planned deposit: (kind, cents, held_since, reason)
        self.units: list[_Unit] = []
        self.pending = False


class _Premise:
    __slots__ = ("id", "house", "street", "unit", "zip", "ptype", "cycle", "owner", "cs_account", "cs_since",
                 "base", "ac", "solar", "est_prone", "units", "rented", "sp_id", "meter_id", "dials", "state")

    def __init__(self, id_, house, street, unit, zip_code, ptype, cycle):
        self.id = id_
        self.house = house
        self.street = street
        self.unit = unit
        self.zip = zip_code
        self.ptype = ptype
        self.cycle = cycle
        self.owner = None
        self.cs_account = None
        self.cs_since = None
        self.base = 0.0
        self.ac = 1.0
        self.solar = 0.0
        self.est_prone = False
        self.units: list[_Unit] = []
        self.rented = False
        self.sp_id = self.meter_id = 0
        self.dials = 5
        self.state = "connected"


class _Seeder:
    def __init__(self, connection, customers: int, seed: int, months: int, today: date, progress: Progress | None):
        if customers < 20:
            raise ValueError("seed at least 20 customers")
        if not 3 <= months <= 120:
            raise ValueError("months must be between 3 and 120")
        self.customers = customers
        self.seed = seed
        self.months = months
        self.today = today.toordinal()
        self.progress = progress or (lambda fraction, message: None)
        self.rng = _Random(f"cis-plan:{seed}")
        self.sink = _Sink(connection)
        self.day = _Days()
        self.tariff = tariff()
        self.rebates = sorted(policy.load_policy().rebates)
        self.ssn_key = hashlib.sha256(f"cis-ssn-key:{seed}".encode()).hexdigest()[:32]
        self.used_numbers: set[int] = set()
        self.used_ssn: set[int] = set()
        self.recent_people: list[tuple[str, str, bool]] = []  # (first, last, female) of recent main persons
        self.all_people: list[tuple[str, str, bool]] = []
        self.stats: dict[str, int] = {}

    # ---- small helpers
    def bump(self, key: str, by: int = 1) -> None:
        self.stats[key] = self.stats.get(key, 0) + by

    def phone(self, rng: random.Random) -> str:
        area = "530" if rng.random() < 0.75 else "916"
        return f"{area}{rng.randint(200, 989)}{rng.randint(0, 9999):04d}"

    def account_number(self) -> str:
        while True:
            value = self.rng.randrange(100_000_000, 1_000_000_000)
            if value not in self.used_numbers:
                self.used_numbers.add(value)
                digits9 = str(value)
                return digits9 + _luhn_digit(digits9)

    def ssn(self) -> str:
        rng = self.rng
        while True:
            area = rng.randint(1, 899)
            if area == 666:
                continue
            value = f"{area:03d}{rng.randint(1, 99):02d}{rng.randint(1, 9999):04d}"
            if int(value) not in self.used_ssn:
                self.used_ssn.add(int(value))
                return value

    def add_person(self, *, first=None, last=None, female=False, middle=None, suffix=None, business=None,
                   age=None, created=None, extras=True) -> int:
        rng = self.rng
        pid = self.sink.next_id("persons")
        today = self.today
        created = created or today - rng.randint(400, 9000)
        if business:
            ein = f"{rng.randint(10, 99)}{rng.randint(1000000, 9999999)}"
            row = (pid, "business", None, None, None, None, business, search_key(business), None,
                   hash_ssn(ein, self.ssn_key), ein[-4:], self.phone(rng), None,
                   f"office@{search_key(business).split()[0].lower()}.com" if rng.random() < 0.5 else None,
                   None, None, None, None, 0, None, None, None, _stamp(created, 540))
            self.sink.rows["persons"].append(row)
            return pid
        if age is None:
            age = rng.choices((rng.randint(19, 34), rng.randint(35, 49), rng.randint(50, 64), rng.randint(65, 80),
                               rng.randint(81, 96)), (25, 28, 27, 15, 5))[0]
        birth = today - age * 365 - rng.randint(0, 364)
        ssn = self.ssn()
        email = None
        if rng.random() < 0.6:
            email = f"{search_key(first).replace(' ', '').lower()}.{search_key(last).replace(' ', '').lower()}" \
                    f"{rng.randint(1, 99) if rng.random() < 0.6 else ''}@{rng.choice(DOMAINS)}"
        employer = reference = reference_phone = mailing = third_name = third_phone = third_address = None
        if extras:
            if age < 67 and rng.random() < 0.7:
                employer = rng.choice(LOCAL_EMPLOYERS) if rng.random() < 0.4 else rng.choice(self.pools.companies)
            elif age >= 67:
                employer = "Retired"
            if rng.random() < 0.35:
                reference = f"{rng.choice(self.pools.female + self.pools.male)} {rng.choice(self.pools.last)}"
                reference_phone = self.phone(rng)
            if rng.random() < 0.03:
                mailing = f"PO Box {rng.randint(100, 4999)}, {CITY}, CA {rng.choice(ZIP_CODES)}"
            if age >= 65 and rng.random() < 0.2:
                third_last = last if rng.random() < 0.6 else rng.choice(self.pools.last)
                third_name = f"{rng.choice(self.pools.female + self.pools.male)} {third_last}"
                third_phone = self.phone(rng)
                third_address = f"{rng.randint(100, 9999)} {rng.choice(self.pools.street_words)} " \
                                 f"{rng.choice(SUFFIXES)}, {CITY}, CA {rng.choice(ZIP_CODES)}"
        name_key = search_key(" ".join(p for p in (last, first, middle, suffix) if p))
        row = (pid, "individual", first, middle, last, suffix, None, name_key, self.day[birth],
               hash_ssn(ssn, self.ssn_key), ssn[-4:], self.phone(rng),
               self.phone(rng) if rng.random() < 0.25 else None, email, employer, reference, reference_phone,
               mailing, 0, third_name, third_phone, third_address, _stamp(created, rng.randint(480, 1020)))
        self.sink.rows["persons"].append(row)
        if len(self.sink.rows["persons"]) >= 20000:
            self.sink.flush()
        return pid

    def pick_name(self, female: bool) -> tuple[str, str, str | None, str | None]:
        """A resident's (first, last, middle, suffix), making look-alikes on purpose."""
        rng = self.rng
        pools = self.pools
        first = rng.choice(pools.female if female else pools.male)
        last = rng.choice(pools.last)
        middle = rng.choice("ABCDEFGHJKLMNPRSTW") if rng.random() < 0.35 else None
        suffix = None
        roll = rng.random()
        if roll < 0.07 and self.recent_people:  # a relative on the same or a nearby street
            last = rng.choice(self.recent_people)[1]
            self.bump("lookalike_relative")
        elif roll < 0.074 and self.all_people:  # the same full name somewhere else in town
            first, last, female_other = rng.choice(self.all_people)
            self.bump("lookalike_same_name")
        elif roll < 0.078 and self.recent_people:  # father and son nearby
            other = rng.choice(self.recent_people)
            if not other[2]:
                first, last = other[0], other[1]
                suffix = "Jr."
                self.bump("lookalike_junior")
        return first, last, middle, suffix

    # ---- plan
    def plan(self) -> None:
        rng = self.rng
        n = self.customers
        n_commercial = max(2, round(n * 0.10))
        n_residential = n - n_commercial
        premises: list[_Premise] = []
        street_names: list[str] = []
        used_streets: set[str] = set(ARTERIALS)
        # Residential streets in order: consecutive streets are neighbours.
        res_streets: list[int] = []
        while len(premises) < n_residential:
            while True:
                name = f"{rng.choice(self.pools.street_words)} {rng.choice(SUFFIXES)}"
                if name not in used_streets:
                    used_streets.add(name)
                    break
            street = len(street_names)
            street_names.append(name)
            res_streets.append(street)
            number = rng.randint(1, 40) * 100 + rng.choice((0, 1, 2, 3, 5, 9))
            for _lot in range(rng.randint(16, 90)):
                if len(premises) >= n_residential:
                    break
                number += rng.choice((2, 4, 4, 6, 8))
                roll = rng.random()
                if roll < 0.015:
                    units = [f"Apt {u}" for u in range(1, rng.choice((8, 12, 16, 24, 36, 48)) + 1)]
                    ptype = "apartment"
                elif roll < 0.0165:
                    units = [f"Spc {u}" for u in range(1, rng.randint(20, 60) + 1)]
                    ptype = "mobile_home"
                else:
                    units = [None]
                    ptype = "single_family"
                for unit in units:
                    if len(premises) >= n_residential:
                        break
                    premises.append(_Premise(0, str(number), street, unit, "", ptype, 0))
        half = len(street_names) // 2
        for index, premise in enumerate(premises):
            premise.zip = ZIP_CODES[0] if premise.street < half else ZIP_CODES[1]
            premise.cycle = index * 20 // max(1, n_residential) + 1
        # Commercial premises along the arterials, some in strip centres.
        arterial_ids = []
        for name in ARTERIALS:
            arterial_ids.append(len(street_names))
            street_names.append(name)
        numbers = {street: rng.randint(1, 9) * 100 for street in arterial_ids}
        made = 0
        while made < n_commercial:
            street = rng.choice(arterial_ids)
            numbers[street] += rng.choice((10, 20, 30, 50))
            units = [f"Ste {c}" for c in "ABCDEF"[: rng.randint(2, 6)]] if rng.random() < 0.3 else [None]
            zip_code = ZIP_CODES[street % 2]
            cycle = rng.randint(1, 20)
            for unit in units:
                if made >= n_commercial:
                    break
                premises.append(_Premise(0, str(numbers[street]), street, unit, zip_code, "commercial", cycle))
                made += 1
        for index, premise in enumerate(premises):
            premise.id = index + 1
        self.premises = premises
        self.street_names = street_names
        self.progress(0.04, f"{len(premises):,} premises on {len(street_names):,} streets")
        self.plan_usage()
        self.plan_windows()
        self.plan_occupancy()
        self.progress(0.08, "customers planned")

    def plan_usage(self) -> None:
        rng = self.rng
        for premise in self.premises:
            ptype = premise.ptype
            if ptype == "commercial":
                premise.base = rng.lognormvariate(math.log(85), 0.9)
                premise.dials = 6
            elif ptype == "apartment":
                premise.base = rng.lognormvariate(math.log(10.5), 0.35)
            elif ptype == "mobile_home":
                premise.base = rng.lognormvariate(math.log(14), 0.35)
            else:
                premise.base = rng.lognormvariate(math.log(18), 0.35)
            premise.ac = rng.uniform(0.5, 1.5)
            premise.est_prone = rng.random() < 0.03
            if ptype == "single_family" and rng.random() < 0.07:
                premise.solar = rng.uniform(9, 22)  # kWh/day generated in an average month

    def plan_windows(self) -> None:
        """The read days of every cycle: the initial read, then ``months`` monthly reads,
        the last one at least a day before today (bills go out the day after a read)."""
        today = date.fromordinal(self.today)
        self.cycle_reads: dict[int, list[int]] = {}
        for cycle in range(1, 21):
            day_of_month = 2 + cycle
            days = []
            year, month = today.year, today.month
            while len(days) < self.months + 1:
                day = date(year, month, day_of_month).toordinal()
                if day < self.today - 1:
                    days.append(day)
                month -= 1
                if month == 0:
                    year, month = year - 1, 12
            self.cycle_reads[cycle] = sorted(days)
        self.window_start = min(reads[0] for reads in self.cycle_reads.values())

    def new_account(self, commercial: bool, cycle: int, kind: str) -> _Acct:
        account = _Acct(self.sink.next_id("accounts"), self.account_number(), commercial, cycle, kind)
        self.accounts.append(account)
        return account

    def choose_profile(self, account: _Acct) -> None:
        rng = self.rng
        roll = rng.random()
        if account.kind == "landlord":
            account.profile = "prompt"
        elif roll < 0.80:
            account.profile = "prompt"
        elif roll < 0.962:
            account.profile = "late"
        else:
            account.profile = "delinquent"
        account.paperless = rng.random() < 0.35
        if account.profile == "prompt" and rng.random() < 0.36:
            account.autopay = True
        if not account.commercial and account.kind == "resident":
            eap_chance = {"prompt": 0.09, "late": 0.22, "delinquent": 0.3}[account.profile]
            account.eap = rng.random() < eap_chance
            if not account.eap:
                account.medical = rng.random() < 0.02
            account.budget = account.profile == "prompt" and rng.random() < 0.05
            account.ev = rng.choice((1, 1, 1, 2)) if rng.random() < 0.03 else 0
        account.rating = {"prompt": rng.randint(82, 100), "late": rng.randint(50, 78),
                          "delinquent": rng.randint(10, 45)}[account.profile]

    def add_resident_persons(self, account: _Acct, since: int) -> None:
        rng = self.rng
        female = rng.random() < 0.52
        first, last, middle, suffix = self.pick_name(female)
        age = rng.randint(20, 40) if suffix == "Jr." else None
        main = self.add_person(first=first, last=last, female=female, middle=middle, suffix=suffix, age=age,
                               created=since)
        account.person = main
        account.persons.append((main, "main", True, "self"))
        self.recent_people.append((first, last, female))
        if len(self.recent_people) > 150:
            del self.recent_people[:50]
        if rng.random() < 0.25:
            self.all_people.append((first, last, female))
        if rng.random() < 0.22:  # spouse or partner on the account
            other_female = not female if rng.random() < 0.9 else female
            other_last = last if rng.random() < 0.8 else rng.choice(self.pools.last)
            other = self.add_person(first=rng.choice(self.pools.female if other_female else self.pools.male),
                                    last=other_last, female=other_female, created=since)
            account.persons.append((other, "co_applicant", True, "spouse"))
        if rng.random() < 0.08:  # someone allowed to call about it
            helper_last = last if rng.random() < 0.5 else rng.choice(self.pools.last)
            female_helper = rng.random() < 0.6
            helper = self.add_person(first=rng.choice(self.pools.female if female_helper else self.pools.male),
                                     last=helper_last, female=female_helper, created=since, extras=False)
            relation = rng.choice(("daughter", "son", "caregiver", "parent", "friend")) if helper_last == last \
                else rng.choice(("caregiver", "friend", "property manager"))
            account.persons.append((helper, "authorised_caller", False, relation))

    def add_business_persons(self, account: _Acct, since: int, premise: _Premise) -> None:
        rng = self.rng
        if rng.random() < 0.55:
            street_word = self.street_names[premise.street].split()[0]
            name = f"{rng.choice((street_word, rng.choice(self.pools.last), CITY))} {rng.choice(BUSINESS_KINDS)}"
        else:
            name = rng.choice(self.pools.companies)
        business = self.add_person(business=name, created=since)
        account.person = business
        account.persons.append((business, "main", True, "self"))
        female = rng.random() < 0.5
        first, last, middle, _ = self.pick_name(female)
        contact = self.add_person(first=first, last=last, female=female, middle=middle, created=since)
        account.persons.append((contact, "authorised_caller", False, rng.choice(("owner", "manager", "bookkeeper"))))

    def plan_occupancy(self) -> None:
        rng = self.rng
        today = self.today
        w0 = self.window_start
        self.accounts: list[_Acct] = []
        # Landlords: a company per apartment complex or park, individuals for rented houses.
        complexes: dict[tuple[int, str], _Acct | None] = {}
        individual_landlords: list[tuple[int, _Acct | None]] = []
        for premise in self.premises:
            if premise.ptype in ("apartment", "mobile_home"):
                premise.rented = True
            elif premise.ptype == "single_family" and not premise.solar and rng.random() < 0.3:
                premise.rented = True
        for premise in self.premises:
            if not premise.rented:
                continue
            if premise.ptype in ("apartment", "mobile_home"):
                key = (premise.street, premise.house)
                if key not in complexes:
                    owner = self.add_person(business=rng.choice(self.pools.landlord_companies)
                                            if rng.random() < 0.5 else
                                            f"{self.street_names[premise.street].split()[0]} "
                                            f"{'Apartments' if premise.ptype == 'apartment' else 'Mobile Estates'} LLC")
                    account = None
                    if rng.random() < 0.75:
                        account = self.new_account(True, premise.cycle, "landlord")
                        account.person = owner
                        account.persons.append((owner, "main", True, "owner"))
                        account.opened = today - rng.randint(400, 5000)
                    complexes[key] = (owner, account)
                owner, account = complexes[key]
            else:
                if not individual_landlords or rng.random() < 0.3:
                    female = rng.random() < 0.5
                    first, last, middle, _ = self.pick_name(female)
                    owner = self.add_person(first=first, last=last, female=female, middle=middle,
                                            age=rng.randint(40, 85))
                    account = None
                    if rng.random() < 0.35:
                        account = self.new_account(False, premise.cycle, "landlord")
                        account.person = owner
                        account.persons.append((owner, "main", True, "owner"))
                        account.opened = today - rng.randint(400, 5000)
                    individual_landlords.append((owner, account))
                owner, account = rng.choice(individual_landlords)
            premise.owner = owner
            if account is not None:
                premise.cs_account = account
                premise.cs_since = today - rng.randint(200, 4000)

        new_by_chunk_day: dict[int, dict[int, list[_Unit]]] = {}
        closed_residential: list[_Unit] = []
        for premise in self.premises:
            commercial = premise.ptype == "commercial"
            turnover = rng.random() < {"apartment": 0.3, "mobile_home": 0.1, "commercial": 0.08}.get(
                premise.ptype, 0.25 if premise.rented else 0.06)
            first_start = None
            account = self.new_account(commercial, premise.cycle, "business" if commercial else "resident")
            account.opened = w0 - rng.randint(30, 9000)
            units = []
            if turnover:
                stop = rng.randint(w0 + 25, today - 12)
                unit = _Unit(account, premise, None, stop, "converted")
                units.append(unit)
                account.status = "closed"
                account.closed = stop
                roll = rng.random()
                unit.final = "paid" if roll < 0.62 else "unpaid"
                if not commercial:
                    closed_residential.append(unit)
                start = stop
                if premise.cs_account is not None and rng.random() < 0.35:
                    gap_end = stop + rng.randint(8, 50)
                    landlord_unit = _Unit(premise.cs_account, premise, stop, gap_end if gap_end < today - 3 else None,
                                          "landlord")
                    units.append(landlord_unit)
                    start = gap_end
                if start < today - 3:
                    account = self.new_account(commercial, premise.cycle, "business" if commercial else "resident")
                    account.opened = start
                    unit = _Unit(account, premise, start, None, "new")
                    units.append(unit)
                    chunk = (premise.id - 1) // CHUNK
                    if not commercial:
                        new_by_chunk_day.setdefault(chunk, {}).setdefault(start, []).append(unit)
            else:
                units.append(_Unit(account, premise, first_start, None, "converted"))
            premise.units = units
            for unit in units:
                unit.account.units.append(unit)
            last = units[-1]
            if last.end is None and last.kind != "landlord" and rng.random() < 0.004:
                # Called to stop; a new customer is already lined up (transfer of service).
                last.pending_stop = today + rng.randint(1, 10)
                pending = self.new_account(commercial, premise.cycle, "business" if commercial else "resident")
                pending.status = "pending"
                pending.pending = True
                pending.opened = last.pending_stop
                pending_unit = _Unit(pending, premise, last.pending_stop, None, "new")
                pending.units.append(pending_unit)
                premise.units.append(pending_unit)

        # Movers: the same person closes an account and opens another nearby.
        for unit in closed_residential:
            chunk = (unit.premise.id - 1) // CHUNK
            by_day = new_by_chunk_day.get(chunk)
            if not by_day or rng.random() >= 0.3:
                continue
            for offset in range(-5, 16):
                candidates = by_day.get(unit.end + offset)
                if candidates:
                    target = candidates.pop()
                    if target.premise is unit.premise:
                        continue
                    unit.transfer_to = target
                    target.account.person = -1  # take the mover as the main person
                    target.account.persons = [(-unit.account.id, "main", True, "self")]
                    if unit.final == "unpaid" and rng.random() < 0.7:
                        unit.final = "transfer"
                    break

        # People, profiles, programs, deposits.
        for account in self.accounts:
            if account.kind == "landlord":
                self.choose_profile(account)
                continue
            premise = account.units[0].premise
            since = account.opened
            if account.commercial:
                self.add_business_persons(account, since, premise)
            elif account.person == -1:
                pass
            else:
                self.add_resident_persons(account, since)
            self.choose_profile(account)
        by_id = {account.id: account for account in self.accounts}
        for account in self.accounts:
            if account.person == -1:  # a mover: same people as the closed account
                old = by_id[-account.persons[0][0]]
                account.person = old.person
                account.persons = list(old.persons)
                account.profile = old.profile if old.profile != "delinquent" else "late"
            if account.kind == "landlord":
                continue
            if rng.random() < 0.006 and not account.commercial and not account.eap:
                account.life_support = True  # billed with the medical baseline, like medical
            unit = account.units[0]
            premise = unit.premise
            if premise.solar and account.kind == "resident" and unit.kind == "converted":
                account.solar = "solar_nem" if account.opened < w0 - 700 else "solar_rgp"
            # Deposits planned up front; the simulation adds non-pay deposits.
            if account.commercial and account.kind == "business":
                cents = self.deposit_cents(premise, True)
                kind = rng.choices(("cash", "letter_of_credit", "surety_bond"), (85, 10, 5))[0]
                account.deposit = (kind, cents, max(account.opened, w0 - 9000), "commercial")
            elif account.kind == "resident" and unit.kind == "converted" and account.profile == "delinquent" \
                    and rng.random() < 0.5:
                cents = self.deposit_cents(premise, False)
                held_since = account.opened if account.opened > w0 - 700 else w0 - rng.randint(30, 600)
                account.deposit = ("cash", cents, held_since, "late_history")
            elif account.kind == "resident" and unit.kind == "new" and rng.random() < 0.05:
                cents = self.deposit_cents(premise, False)
                account.deposit = ("cash", cents, unit.start, "incomplete_info")
            elif account.kind == "resident" and unit.kind == "converted" and account.profile == "prompt" \
                    and rng.random() < 0.02:
                cents = self.deposit_cents(premise, False)
                account.deposit = ("cash", cents, w0 - rng.randint(10, 330), "incomplete_info")
        # A few bankruptcies among active accounts with trouble paying, and high-bill disputes.
        active = [a for a in self.accounts if a.status == "active" and a.kind != "landlord"
                  and a.units[0].end is None and not a.pending]
        troubled = [a for a in active if a.profile != "prompt" and (a.units[0].start or w0) + 45 < today - 5]
        wanted = max(3, round(self.customers * 0.0009))
        for account in rng.sample(troubled, min(wanted, len(troubled))):
            account.bankruptcy = rng.randint(max((account.units[0].start or w0) + 45, today - 300), today - 5)
        for account in rng.sample(active, max(2, round(self.customers * 0.003))):
            account.dispute = True

    # ---- writing the plan
    def write_premise(self, premise: _Premise) -> None:
        rows = self.sink.rows
        rng = self.rng
        cs = premise.cs_account
        street = self.street_names[premise.street]
        rows["premises"].append((premise.id, premise.house, street, search_key(street), premise.unit, CITY, "CA",
                                 premise.zip, premise.ptype, premise.owner, cs.id if cs else None,
                                 self.day[premise.cs_since] if cs else None))
        premise.sp_id = self.sink.next_id("service_points")
        location = "meter room" if premise.unit and premise.ptype == "apartment" else rng.choice(
            ("left side", "right side", "rear", "garage", "front"))
        rows["service_points"].append((premise.sp_id, premise.id, "electric", premise.state, premise.cycle,
                                       location))
        premise.meter_id = self.sink.next_id("meters")
        ami = rng.random() < 0.85
        installed = self.window_start - rng.randint(30, 5000)
        badge = f"{'A' if ami else 'E'}{premise.id * 7919 % 10_000_000:07d}"  # 7919 is prime: all distinct
        rows["meters"].append((premise.meter_id, premise.sp_id, badge, "ami" if ami else "electromechanical",
                               premise.dials, 1, self.day[installed], None))

    def write_account(self, account: _Acct) -> None:
        rows = self.sink.rows
        rng = self.rng
        cash_only = account.cash_only_until is not None and account.cash_only_until > self.today
        opened_stamp = _stamp(account.opened, rng.randint(480, 1020))
        rows["accounts"].append((
            account.id, account.number, "commercial" if account.commercial else "residential", account.status,
            self.day[account.opened], self.day[account.closed] if account.closed else None, account.cycle,
            max(0, min(100, account.rating)), int(account.budget), int(account.autopay), int(account.paperless),
            int(cash_only), self.day[account.cash_only_until] if cash_only else None, opened_stamp))
        for person, role, responsible, relation in account.persons:
            rows["account_persons"].append((self.sink.next_id("account_persons"), account.id, person, role,
                                            int(responsible), relation, self.day[account.opened]))
        if account.life_support:
            self.life_support_people.add(account.person)

    # ---- history
    def premise_reads(self, premise: _Premise, rng: random.Random) -> list[list]:
        """[day, cumulative billed kWh register, estimated, read id, tag] for the premise;
        tag 1 = an over-estimated read that will be disputed, 2 = the re-read that corrects it."""
        days = list(self.cycle_reads[premise.cycle])
        extra = set()
        for unit in premise.units:
            if unit.start is not None and unit.start < self.today - 1:
                extra.add(unit.start)
            if unit.end is not None:
                extra.add(unit.end)
        if extra:
            days = sorted(set(days) | extra)
        dispute_index = None
        dispute_unit = next((u for u in premise.units if u.account.dispute and u.end is None and u.kind != "landlord"),
                            None)
        regular = set(self.cycle_reads[premise.cycle])
        if dispute_unit is not None:
            start = dispute_unit.start or 0
            candidates = [i for i, d in enumerate(days) if d in regular and d > start + 40 and d < self.today - 16
                          and i > 0]
            if candidates:
                dispute_index = rng.choice(candidates[-12:])
        base = premise.base
        ac = premise.ac
        solar = premise.solar
        est_chance = 0.12 if premise.est_prone else 0.015
        month_of = self.month_of
        true = rng.randint(0, 60000)
        billed = true
        reads = []
        meter = premise.meter_id
        previous = None
        for index, day in enumerate(days):
            if previous is not None:
                span = day - previous
                month = month_of(previous + span // 2)
                use = base * span * SEASON[month] ** ac * rng.uniform(0.9, 1.1)
                if solar:
                    use = max(0.0, use - solar * span * SOLAR[month])
                expected = base * span * SEASON[month] ** ac
                if solar:
                    expected = max(0.0, expected - solar * span * SOLAR[month])
                true += int(use)
                previous = day
                if index == dispute_index:
                    billed += int(expected * rng.uniform(2.1, 2.8)) + 200
                    reads.append([day, billed, True, 0, 1])
                    reread_day = day + rng.randint(7, 12)
                    reread = true + int(use / span * (reread_day - day))
                    reads.append([reread_day, reread, False, 0, 2])
                    billed = reread
                    continue
                if day in regular and rng.random() < est_chance and index < len(days) - 1:
                    billed += int(expected * 0.93)
                    reads.append([day, billed, True, 0, 0])
                    continue
                billed = max(billed, true)
            else:
                previous = day
            reads.append([day, billed, False, 0, 0])
        rows = self.sink.rows["meter_reads"]
        modulus = 10 ** premise.dials
        for read in reads:
            read_id = self.sink.next_id("meter_reads")
            read[3] = read_id
            rows.append((read_id, meter, self.day[read[0]], read[1] % modulus, int(read[2])))
        self.bump("reads", len(reads))
        self.bump("reads_estimated", sum(1 for r in reads if r[2]))
        return reads

    def month_of(self, ordinal: int) -> int:
        month = self._months.get(ordinal)
        if month is None:
            month = self._months[ordinal] = date.fromordinal(ordinal).month
        return month

    def simulate(self) -> None:
        self._months: dict[int, int] = {}
        self.life_support_people: set[int] = set()
        by_chunk: dict[int, list[_Premise]] = {}
        for premise in self.premises:
            by_chunk.setdefault((premise.id - 1) // CHUNK, []).append(premise)
        # An account row is written once all its billing units are simulated (a landlord's
        # may span chunks), so that its credit rating and cash-only flag are final.
        chunks = sorted(by_chunk)
        written: set[int] = set()
        total = len(chunks)
        for number, chunk in enumerate(chunks):
            rng = _Random(f"cis-history:{self.seed}:{chunk}")
            self.rng_history = rng
            premises = by_chunk[chunk]
            reads = {}
            for premise in premises:
                self.write_premise(premise)
                reads[premise.id] = self.premise_reads(premise, rng)
            units = [u for p in premises for u in p.units]
            # Movers' old accounts first: their unpaid balance follows them to the new one.
            units.sort(key=lambda u: 0 if u.transfer_to is not None else 1)
            for unit in units:
                account = unit.account
                if account.id not in written:
                    written.add(account.id)
                    self.start_account(account)
                self.simulate_unit(unit, reads[unit.premise.id], rng)
            for premise in premises:
                if premise.state != "connected":
                    # The service point's state changed during the history: rewrite it.
                    self.sink.rows["service_points"] = [
                        row if row[0] != premise.sp_id else row[:3] + (premise.state,) + row[4:]
                        for row in self.sink.rows["service_points"]]
            for unit in units:
                account = unit.account
                if account.id not in self.finished and all(u.premise.id <= premises[-1].id
                                                           for u in account.units):
                    self.finished.add(account.id)
                    self.finish_account(account)
            self.sink.flush()
            done = min((number + 1) * CHUNK, len(self.premises))
            self.progress(0.1 + 0.8 * (number + 1) / total, f"history: {done:,} of {len(self.premises):,} premises")
        for account in self.accounts:  # landlords without service and anything left
            if account.id not in written:
                written.add(account.id)
                self.start_account(account)
            if account.id not in self.finished:
                self.finished.add(account.id)
                self.finish_account(account)
        self.sink.flush()

    def start_account(self, account: _Acct) -> None:
        """Open an account: programs and the deposit it had before the window."""
        rows = self.sink.rows
        rng = self.rng_history if hasattr(self, "rng_history") else self.rng
        day = self.day
        w0 = self.window_start
        opened = max(account.opened, w0 - 3000)
        programs = rows["program_enrollments"]

        def enroll(program, status, enrolled, ends=None, details=None, sa_id=None):
            programs.append((self.sink.next_id("program_enrollments"), account.id, sa_id, program, status,
                             day[enrolled], day[ends] if ends else None,
                             json.dumps(details, sort_keys=True) if details is not None else None))
            self.bump(f"program_{program}")

        if account.eap:
            enrolled = max(opened, self.today - rng.randint(30, 1400))
            enroll("energy_assistance", "active", enrolled, enrolled + 730,
                   {"household_size": rng.randint(1, 7), "income_verified": True})
        if account.medical:
            enrolled = max(opened, self.today - rng.randint(30, 1400))
            enroll("medical_baseline", "active", enrolled, enrolled + 365 * 2,
                   {"physician_certified": True,
                    "baseline_kwh_per_day": str(Decimal(self.tariff.medical_baseline_wh_per_day) / 1000)})
        if account.life_support:
            enrolled = max(opened, self.today - rng.randint(30, 2000))
            enroll("life_support", "active", enrolled, None,
                   {"equipment": rng.choice(("oxygen concentrator", "home dialysis", "ventilator",
                                             "electric wheelchair", "apnea monitor")),
                    "physician_certified": True})
        if account.autopay:
            enrolled = max(opened, self.today - rng.randint(60, 3000))
            enroll("autopay", "active", enrolled, None, {"bank_last4": f"{rng.randint(0, 9999):04d}"})
        elif account.profile == "prompt" and rng.random() < 0.02:
            # Signed up recently: not active until the bank confirms (4-6 weeks).
            enroll("autopay", "pending", self.today - rng.randint(3, 25), None,
                   {"bank_last4": f"{rng.randint(0, 9999):04d}"})
        if account.paperless:
            enroll("paperless", "active", max(opened, self.today - rng.randint(30, 3000)), None,
                   {"email_verified": True})
        if account.solar:
            enroll(account.solar, "active", max(opened, w0 - rng.randint(30, 2500)), None,
                   {"system_kw": round(account.units[0].premise.solar / 4.2, 1)})
        if rng.random() < 0.02 and account.kind == "resident":
            rebate = rng.choice(self.rebates)
            enrolled = self.today - rng.randint(10, 600)
            amount = policy.rebate_amount(rebate, date.fromordinal(enrolled))
            if amount is not None:
                enroll("rebate", rng.choice(("pending", "active", "ended")), enrolled, None,
                       {"rebate": rebate, "amount": str(amount)})
        deposit = account.deposit
        if deposit is not None:
            kind, cents, held_since, reason = deposit
            if held_since < w0 or kind != "cash":
                # Held from before the window (or not cash): no ledger entries in the history.
                self.add_deposit(account, kind, cents, max(held_since, w0 - 6000), reason)
                account.deposit = None

    def add_deposit(self, account: _Acct, kind: str, cents: int, held_since: int, reason: str,
                    status: str = "held", released: int | None = None) -> int:
        rng = self.rng_history if hasattr(self, "rng_history") else self.rng
        deposit_id = self.sink.next_id("deposits")
        issuer = expires = None
        if kind != "cash":
            issuer = rng.choice(ISSUERS)
            expires = self.day[self.today + rng.randint(30, 700)]
        self.sink.rows["deposits"].append((deposit_id, account.id, None, kind, _money(cents), reason,
                                           self.day[held_since], status,
                                           self.day[released] if released else None, issuer, expires))
        if status == "held":
            self.held_deposits.setdefault(account.id, []).append((deposit_id, kind, cents))
        self.bump("deposits")
        return deposit_id

    def finish_account(self, account: _Acct) -> None:
        self.write_account(account)

    # The core: one billing unit, event by event.
    def simulate_unit(self, unit: _Unit, reads: list[list], rng: random.Random) -> None:  # noqa: C901
        account = unit.account
        if account.pending:
            self.pending_start(unit)
            return
        sink = self.sink
        rows = sink.rows
        ft_rows = rows["financial_transactions"]
        bill_rows = rows["bills"]
        seg_rows = rows["bill_segments"]
        pay_rows = rows["payments"]
        adj_rows = rows["adjustments"]
        ce_rows = rows["collection_events"]
        letters = rows["correspondence"]
        contacts = rows["contact_log"]
        orders = rows["service_orders"]
        day = self.day
        t = self.tariff
        today = self.today
        acc = account.id
        premise = unit.premise
        commercial = account.commercial
        profile = account.profile
        eap = account.eap
        delivery = "email" if account.paperless else "mail"
        next_id = sink.next_id

        start = unit.start if unit.start is not None else reads[0][0]
        end = unit.end
        # The reads that bound this unit's bills.
        bounds = [r for r in reads if r[0] >= start and (end is None or r[0] <= end)]
        if end is None:
            bounds = [r for r in bounds if r[0] < today - 1]
        if not bounds:
            return
        # Service agreement(s).
        sa = next_id("service_agreements")
        unit.sa_id = sa
        if commercial:
            rate = "C-1"
        elif account.kind == "landlord":
            rate = "R-1"
        else:
            rate = "R-1-EAP" if eap else ("R-1-MED" if account.medical or account.life_support else "R-1")
        if account.solar:
            rate += "-NEM" if account.solar == "solar_nem" else "-RGP"
        sa_start = unit.start if unit.start is not None else account.opened
        rows["service_agreements"].append((sa, acc, premise.id, "electric", rate,
                                           "stopped" if end is not None else "active", day[sa_start],
                                           day[end] if end is not None else None))
        ev_sa = None
        if account.ev and unit.kind != "landlord":
            ev_sa = next_id("service_agreements")
            ev_start = max(sa_start, today - rng.randint(60, 900))
            rows["service_agreements"].append((ev_sa, acc, premise.id, "program", "EV", "active" if end is None
                                               else "stopped", day[ev_start], day[end] if end is not None else None))
            ev_class = rng.choices((0, 1, 2), (60, 30, 10))[0]
            rows["program_enrollments"].append((next_id("program_enrollments"), acc, ev_sa, "ev_discount",
                                                "active" if end is None else "ended", day[ev_start],
                                                day[end] if end is not None else None,
                                                json.dumps({"vehicles": [EV_CLASSES[ev_class]] * account.ev},
                                                           sort_keys=True)))
            self.bump("program_ev_discount")
        else:
            ev_start = None
            ev_class = 0
        medical = account.medical or account.life_support

        # ---- the account's money, in cents
        balance = 0
        debts: list[list[int]] = []  # [due, remaining] sorted by due
        credit = 0
        state = {"off": None, "arrangement": None, "notice_until": 0, "dispute": False, "held": 0, "paid": 0,
                 "bankrupt": False, "late": 0}

        ft_ids = sink.ids["financial_transactions"]

        def ft(kind, cents, eff, due=None, bill=None, payment=None, adjustment=None, reverses=None, ref=None,
               desc=None, sa_id=sa):
            fid = next(ft_ids)
            ft_rows.append((fid, acc, sa_id, kind, cents / 100, day[eff], day[due] if due is not None else None,
                            bill, payment, adjustment, reverses, ref, desc))
            return fid

        def charge(due, cents):
            nonlocal balance
            balance += cents
            if debts and due < debts[-1][0]:
                insort(debts, [due, cents])
            else:
                debts.append([due, cents])
            if credit:
                apply()

        def settle(cents):
            nonlocal credit, balance
            balance -= cents
            credit += cents
            apply()

        def apply():
            nonlocal credit
            index = 0
            while credit > 0 and index < len(debts):
                debt = debts[index]
                if debt[1] > 0:
                    paid = min(credit, debt[1])
                    debt[1] -= paid
                    credit -= paid
                index += 1
            while debts and debts[0][1] <= 0:
                debts.pop(0)

        def reduce_debt(due, cents):
            """A negative debt entry: less is due on ``due``; any excess is a credit."""
            nonlocal credit, balance
            balance -= cents
            for debt in debts:
                if debt[0] == due:
                    take = min(max(debt[1], 0), cents)
                    debt[1] -= take
                    cents -= take
                    break
            if cents:
                credit += cents
            debts[:] = [d for d in debts if d[1] > 0]
            if credit:
                apply()

        def past_due(on):
            return sum(d[1] for d in debts if d[0] < on)

        def due_by(on):
            return max(0, sum(d[1] for d in debts if d[0] <= on) - credit)

        def adjustment(kind, cents, eff, due=None, reason=None, by="system", ref=None, sa_id=sa):
            aid = next_id("adjustments")
            adj_rows.append((aid, acc, sa_id, kind, cents / 100, day[eff], reason, by))
            fid = ft(kind, cents, eff, due=due, adjustment=aid, desc=reason, ref=ref, sa_id=sa_id)
            if cents > 0 and due is not None:
                charge(due, cents)
            else:
                settle(-cents) if cents < 0 else charge(eff, cents)
            return fid

        def event(kind, on, cents=None, bill=None, agency=None, notes=None):
            ce_rows.append((next_id("collection_events"), acc, kind, day[on], _money(cents), bill, agency, notes))
            self.bump(f"collection_{kind}")

        def letter(kind, on, summary):
            letters.append((next_id("correspondence"), acc, kind, day[on], delivery, summary))

        def note(on, contact_type, text_, channel="phone", minute=None):
            contacts.append((next_id("contact_log"), acc, account.person, _stamp(on, minute or rng.randint(480, 1020)),
                             channel, contact_type, text_, rng.choice(STAFF)))

        def order(kind, requested, completed=None, status="completed", result=None, remarks=None, after_hours=False,
                  scheduled=None):
            orders.append((next_id("service_orders"), acc, premise.id, premise.sp_id, kind, status, day[requested],
                           day[scheduled if scheduled is not None else (completed or requested)],
                           day[completed] if completed is not None else None, int(after_hours), result, remarks))
            self.bump(f"order_{kind}")

        preferred = self.payment_style(rng, commercial)

        def pay(on, cents, style=None, reason="bill"):
            if cents <= 0 or on >= today:
                return
            tender, channel = style or (("ach", "autopay") if account.autopay and reason == "bill" else
                                        (preferred if rng.random() < 0.85 else self.payment_style(rng, commercial)))
            if account.cash_only_until and on < account.cash_only_until and tender in ("check", "ach", "card"):
                tender, channel = rng.choice((("cash", "office"), ("certified_funds", "office"),
                                              ("money_order", "mail")))
            pid = next_id("payments")
            check = str(rng.randint(1001, 9999)) if tender == "check" else None
            bounced = (tender in ("check", "ach") and reason == "bill"
                       and rng.random() < (0.0008 if profile == "prompt" else 0.01))
            returned_on = on + rng.randint(4, 8) if bounced else None
            if returned_on is not None and returned_on >= today:
                returned_on = None
            pay_rows.append((pid, acc, cents / 100, day[on], tender, channel, check,
                             day[returned_on] if returned_on else None, "nsf" if returned_on else None))
            fid = ft("payment", -cents, on, payment=pid, ref=check)
            settle(cents)
            state["paid"] += 1
            if channel == "office" and tender == "cash" and on > today - 45:
                rows["manual_log_entries"].append((next_id("manual_log_entries"), "daily_cash", day[on], acc,
                                                   cents / 100, f"Cash payment, account {account.number}",
                                                   rng.choice(STAFF)))
            if returned_on is not None:
                push(returned_on, 1, "nsf", (pid, fid, cents, tender, check))

        heap: list = []
        seq = [0]

        def push(on, priority, kind, data=None):
            seq[0] += 1
            heapq.heappush(heap, (on, priority, seq[0], kind, data))

        # Opening: a new customer starts (fee, maybe a deposit), a converted one was already on.
        first_bill_due = bounds[1][0] + 1 + t.bill_due_days if len(bounds) > 1 else None
        if unit.kind == "new":
            order("start", start - rng.randint(1, 6), start, remarks="Start service")
            note(start - rng.randint(1, 6), "start_service",
                 f"Customer called to start service at {premise.house} {self.street_names[premise.street]}"
                 f"{' ' + premise.unit if premise.unit else ''}. Identity verified. Establishment fee "
                 f"${t.establishment_fee / 100:.2f} on the first bill explained.")
            letter("welcome", start + 1, "Welcome letter with account number and first-bill date")
            if first_bill_due is not None:
                adjustment("establishment_fee", t.establishment_fee, start, due=first_bill_due,
                           reason="Account establishment fee")
            if account.deposit is not None:
                kind, cents, held_since, reason = account.deposit
                due = first_bill_due or start + 21
                adjustment("deposit_charge", cents, start, due=due,
                           reason=f"Deposit required ({reason.replace('_', ' ')})")
                letter("deposit_request", start + 1, f"Deposit of ${cents / 100:.2f} required")
                push(min(due - 2, start + rng.randint(3, 20)), 1, "deposit_paid", (cents, reason))
                account.deposit = None
        elif unit.kind == "landlord":
            order("start", start, start, remarks="Continuing service agreement: service reverted to owner")
            letter("continuing_service", start + 1, "Service reverted to owner under continuing service agreement")
        if unit.transfer_in is not None:
            push(unit.transfer_in[0], 0, "transfer_in", unit.transfer_in)
        # Bills at each read after the first.
        for index in range(1, len(bounds)):
            read = bounds[index]
            if read[4] == 2:
                continue  # a re-read is billed when the dispute is settled
            bill_day = read[0] + (2 if (end is not None and read[0] == end) else 1)
            push(bill_day, 0, "bill", index)
        if account.bankruptcy and end is None and account.bankruptcy > start + 30:
            push(account.bankruptcy, 0, "bankruptcy")
        if end is not None and unit.kind != "landlord":
            order("stop", end - rng.randint(2, 10), end, remarks="Stop service: moving")
            note(end - rng.randint(2, 10), "stop_service",
                 f"Customer called to stop service; final read {date.fromordinal(end):%m/%d/%Y}. "
                 "Forwarding address taken.")
        if unit.pending_stop is not None:
            requested = today - rng.randint(1, 6)
            order("stop", requested, None, status="pending", scheduled=unit.pending_stop,
                  remarks="Stop service: moving")
            note(requested, "stop_service", "Customer called to stop service; a new customer starts the same day.")
        if not commercial and account.kind == "resident" and rng.random() < 0.12:
            earliest = max(start, self.window_start) + 20
            on = rng.randint(earliest, today - 1) if today - 1 > earliest else today - 1
            if end is None or on < end:
                note(on, "billing_question", rng.choice((
                    "Customer asked why the summer bill was higher; explained seasonal air-conditioning use.",
                    "Customer asked for the due date and amount; given. No further questions.",
                    "Customer asked about paperless billing; explained sign-up on the web portal.",
                    "Customer asked about the Energy Assistance Program; application mailed.",
                    "Customer reported a streetlight out on their street; referred to Public Works.",
                    "Customer asked about balanced payment; explained the 12-month average and true-up.")))
        if account.deposit is not None and account.deposit[0] == "cash":
            kind, cents, held_since, reason = account.deposit
            account.deposit = None
            adjustment("deposit_charge", cents, max(held_since, start), due=max(held_since, start) + 21,
                       reason=f"Deposit required ({reason.replace('_', ' ')})")
            push(max(held_since, start) + rng.randint(2, 15), 1, "deposit_paid", (cents, reason))
        deposit_held = None  # (deposit id, cents, since) of a cash deposit paid during the window

        budget = 0
        budget_since = 0
        budget_history: list[int] = []
        deferred: dict[int, int] = {}  # true-up due date -> cents deferred to it
        true_up_due = 0
        if account.budget:
            budget = max(1000, int(round(self.monthly_estimate(premise, commercial), -2)))
            budget_since = bounds[min(len(bounds) - 1, rng.randint(1, 8))][0]
        disputed = None  # (bill id, fid list, bill day, due, cents) of a bill under dispute

        while heap:
            on, _priority, _seq, kind, data = heapq.heappop(heap)
            if on >= today:
                break
            if kind == "bill":
                index = data
                read = bounds[index]
                previous = bounds[index - 1]
                span = max(1, read[0] - previous[0])
                kwh = max(0, read[1] - previous[1])
                vehicles = account.ev if ev_sa is not None and previous[0] >= ev_start else 0
                fixed, energy, discount, tax, amount, ev = segment_cents(
                    t, commercial, eap, kwh, span, medical=medical, ev_class=ev_class, ev_vehicles=vehicles)
                due = on + t.bill_due_days
                bill_id = next_id("bills")
                final = end is not None and read[0] == end
                segments = [(next_id("bill_segments"), bill_id, sa, day[previous[0]], day[read[0]], kwh,
                             fixed / 100, energy / 100, discount / 100, tax / 100, amount / 100)]
                fids = []
                total = amount
                in_budget = budget and read[0] >= budget_since and not final
                if in_budget:
                    budget_history.append(amount)
                    if len(budget_history) % 12 == 1:  # a new balanced-payment year: when is its true-up?
                        ahead = index + 11
                        true_up_due = (bounds[ahead][0] + 1 + t.bill_due_days if ahead < len(bounds)
                                       else due + round(30.44 * 11))
                    due_now = budget
                    defer = amount - budget
                    true_up = (len(budget_history) % 12 == 0)
                    if true_up:
                        due_now, defer = amount, 0
                    fids.append((ft("bill", due_now, on, due=due, bill=bill_id), "bill", due_now, due, sa))
                    charge(due, due_now)
                    if defer:
                        # Kept apart until it falls due, as the ledger's aging does.
                        deferred[true_up_due] = deferred.get(true_up_due, 0) + defer
                        balance += defer
                        fids.append((ft("budget_deferral", defer, on, due=true_up_due, bill=bill_id,
                                        desc="Balanced payment: deferred to the true-up"), "budget_deferral", defer,
                                     true_up_due, sa))
                    if len(budget_history) % 4 == 0:
                        recent = budget_history[-12:]
                        budget = max(1000, int(round(sum(recent) / len(recent), -2)))
                else:
                    fids.append((ft("bill", amount, on, due=due, bill=bill_id), "bill", amount, due, sa))
                    charge(due, amount)
                if final and deferred:  # balanced payment ends: what was deferred is due now
                    moved = 0
                    for later, cents in sorted(deferred.items()):
                        if later > due and cents:
                            ft("budget_deferral", -cents, on, due=later, bill=bill_id,
                               desc="Balanced payment ended: deferred amount due with the final bill")
                            deferred[later] = 0
                            moved += cents
                    if moved:
                        ft("budget_deferral", moved, on, due=due, bill=bill_id,
                           desc="Balanced payment ended: deferred amount due with the final bill")
                        deferred[due] = deferred.get(due, 0) + moved
                for falls_due in [d for d in deferred if d <= due]:  # the true-up
                    cents = deferred.pop(falls_due)
                    balance -= cents
                    if cents > 0:
                        charge(falls_due, cents)
                    elif cents < 0:
                        reduce_debt(falls_due, -cents)
                if ev:
                    segments.append((next_id("bill_segments"), bill_id, ev_sa, day[previous[0]], day[read[0]], 0,
                                     0.0, 0.0, ev / 100, 0.0, ev / 100))
                    fids.append((ft("bill", ev, on, due=due, bill=bill_id, sa_id=ev_sa), "bill", ev, due, ev_sa))
                    reduce_debt(due, -ev)
                    total += ev
                amount_due = due_by(due)
                seg_rows.extend(segments)
                bill_rows.append((bill_id, acc, day[on], day[due], total / 100, amount_due / 100, int(final),
                                  int(read[2]), None, None))
                if read[4] == 1:  # an over-estimate: the customer calls, a re-read follows
                    disputed = (bill_id, fids, on, due, total, index)
                    state["dispute"] = True
                    call = on + rng.randint(2, 5)
                    push(call, 1, "dispute_call", None)
                    continue
                if final:
                    event("final_bill", on, total, bill=bill_id)
                    letter("final_bill", on, "Final bill")
                    held = self.held_cash(account)
                    if held is not None:
                        deposit_id, cents = held
                        adjustment("deposit_refund", -cents, on, reason="Deposit applied to the final bill")
                        self.release_deposit(account, deposit_id, "applied", on)
                    push(due + rng.randint(10, 30), 2, "refund", None)  # if a credit is left
                    if unit.final == "paid":
                        push(on + rng.randint(5, 25), 1, "pay", due)
                    else:
                        push(due + t.agency_after_final_days - t.bill_due_days, 2, "agency", None)
                        if unit.final == "transfer" and unit.transfer_to is not None:
                            push(due + rng.randint(10, 40), 2, "transfer_out", None)
                    continue
                # How this bill gets paid.
                self.schedule_payment(rng, profile, account, state, on, due, push, amount_due)
                if profile != "prompt" or state["arrangement"]:
                    if not (eap and t.low_income_late_fee_exempt):
                        push(due + t.late_fee_grace_days + 1, 2, "late_fee", (bill_id, due, total))
                    push(on + t.notice_after_bill_days, 2, "ten_day", (bill_id, due))
                    if profile == "late":
                        push(due + 5, 2, "reminder", due)
                continue
            if kind in ("pay", "pay_exact", "pay_due"):
                if kind == "pay":
                    cents = due_by(data)
                elif kind == "pay_due":
                    cents = past_due(on + 1)
                else:
                    cents = data
                pay(on, cents)
                continue
            if kind == "autopay":
                pay(on, data, reason="bill")
                continue
            if kind == "deposit_paid":
                cents, reason = data
                pay(on, cents, reason="deposit")
                deposit_id = self.add_deposit(account, "cash", cents, on, reason)
                deposit_held = (deposit_id, cents, on)
                if on + 400 < today and profile == "prompt" and reason != "commercial":
                    push(on + rng.randint(370, 400), 2, "deposit_refund", (deposit_id, cents))
                continue
            if kind == "deposit_refund":
                deposit_id, cents = data
                if any(d[0] == deposit_id for d in self.held_deposits.get(acc, ())) and state["late"] == 0:
                    adjustment("deposit_refund", -cents, on, reason="Deposit refunded after 12 on-time payments")
                    self.release_deposit(account, deposit_id, "refunded", on)
                    letter("deposit_refund", on, f"Deposit of ${cents / 100:.2f} credited to the account")
                continue
            if kind == "late_fee":
                bill_id, due, total = data
                owed = past_due(on)
                if owed > 0 and not state["dispute"] and not state["bankrupt"]:
                    fee = _half_up(owed * t.late_fee_rate, 100_000)
                    if fee > 0:
                        adjustment("late_fee", fee, on, due=due + 30,
                                   reason=f"Late fee: bill due {date.fromordinal(due):%m/%d/%Y}")
                        state["late"] += 1
                        account.rating -= 2
                continue
            if kind == "reminder":
                if past_due(on) > 0 and on > state["notice_until"]:
                    event("reminder", on, past_due(on))
                    letter("reminder", on, "Past-due reminder")
                continue
            if kind == "ten_day":
                bill_id, due = data
                owed = past_due(on)
                if owed >= 2000 and on > state["notice_until"] and not state["dispute"] and not state["bankrupt"] \
                        and state["off"] is None and not state["arrangement"]:
                    event("ten_day_notice", on, owed, bill=bill_id)
                    letter("ten_day_notice", on, f"10-day disconnection notice: ${owed / 100:.2f} past due")
                    state["notice_until"] = on + t.notice_days + 2
                    if rng.random() < 0.45:
                        push(on + rng.randint(3, t.notice_days - 1), 1, "pay_due", None)
                    push(on + t.notice_days, 2, "forty_eight", bill_id)
                continue
            if kind == "forty_eight":
                owed = past_due(on)
                if owed >= 2000 and not state["dispute"] and not state["bankrupt"] and not state["arrangement"]:
                    event("forty_eight_hour_notice", on, owed)
                    letter("forty_eight_hour_notice", on, "48-hour notice posted at the premise")
                    roll = rng.random()
                    protected = account.life_support or account.medical
                    if (roll < 0.2 or (protected and roll < 0.7)) and owed >= 6000 and on + 60 < today:
                        self.arrangement(rng, account, state, on, owed, bounds, push, ft, settle, charge, pay,
                                         note, letter, protected)
                    elif roll < 0.78:
                        push(on + rng.randint(0, 1), 1, "pay_due", None)
                    elif not protected:
                        push(on + 2, 2, "disconnect", None)
                continue
            if kind == "disconnect":
                owed = past_due(on)
                if owed >= 2000 and state["off"] is None and not state["arrangement"]:
                    order("nonpay_disconnect", on - 2, on, result="Disconnected at the meter",
                          remarks=f"Past due ${owed / 100:.2f}")
                    event("disconnect", on, owed)
                    state["off"] = on
                    account.rating -= 15
                    if rng.random() < 0.9 or on < today - 25:
                        push(on + rng.choice((0, 0, 1, 1, 2, 3, 5)), 1, "reconnect", None)
                    else:
                        premise.state = "disconnected"
                continue
            if kind == "reconnect":
                owed = past_due(on + 1)
                after_hours = rng.random() < 0.25
                fee = t.reconnect_fee_after_hours if after_hours else t.reconnect_fee
                need_deposit = (not commercial and self.held_cash(account) is None and deposit_held is None)
                deposit_cents = self.deposit_cents(premise, False) if need_deposit else 0
                deposit_text = "; deposit required after disconnect" if need_deposit else ""
                note(on, "reconnect", f"Customer paid past due ${owed / 100:.2f} and reconnect fee "
                                      f"${fee / 100:.2f}{deposit_text}. "
                                      "Payment verified as posted before ordering the reconnect.",
                     channel="walk_in")
                pay(on, owed + fee, style=rng.choice((("cash", "office"), ("card", "phone"), ("card", "online"))),
                    reason="reconnect")
                adjustment("reconnect_fee", fee, on, due=on,
                           reason="Reconnect fee" + (" (after hours)" if after_hours else ""))
                order("reconnect", on, on, result="Service restored", after_hours=after_hours)
                if deposit_cents:
                    adjustment("deposit_charge", deposit_cents, on, due=on + 30,
                               reason="Deposit required after non-pay disconnect")
                    letter("deposit_request", on, f"Deposit of ${deposit_cents / 100:.2f} required")
                    push(on + rng.randint(5, 28), 1, "deposit_paid", (deposit_cents, "non_pay"))
                state["off"] = None
                continue
            if kind == "nsf":
                pid, fid, cents, tender, check = data
                ft("payment", cents, on, payment=pid, reverses=fid, ref=check,
                   desc=f"Reversal of entry {fid}: returned payment (NSF)")
                charge(on, cents)
                adjustment("nsf_fee", t.nsf_fee, on, due=on, reason="Returned payment fee")
                rows["manual_log_entries"].append((next_id("manual_log_entries"), "returned_checks", day[on], acc,
                                                   cents / 100, f"Returned {tender} payment"
                                                   f"{' #' + check if check else ''}, account {account.number}",
                                                   rng.choice(STAFF)))
                letter("returned_payment", on, "Returned payment: amount and fee due in cash or certified funds")
                account.nsf.append(on)
                account.rating -= 10
                self.bump("nsf")
                returned_on = date.fromordinal(on)
                if len([d for d in account.nsf if d > policy.add_months(returned_on, -12).toordinal()]) \
                        >= t.cash_only_returns:
                    account.cash_only_until = policy.add_months(returned_on, t.cash_only_months).toordinal()
                if rng.random() < 0.85:
                    push(on + rng.randint(1, 10), 1, "pay_exact", cents + t.nsf_fee)
                continue
            if kind == "dispute_call":
                bill_id, fids, bill_day, due, total, index = disputed
                note(on, "high_bill", "Customer disputes a high bill based on an estimated read. Re-read ordered; "
                                      "collection held while the dispute is investigated.")
                reread = bounds[index + 1] if index + 1 < len(bounds) and bounds[index + 1][4] == 2 else None
                if reread is None:
                    state["dispute"] = False
                    continue
                order("reread", on, reread[0], result=f"Actual read {reread[1] % 10 ** premise.dials}",
                      remarks="High bill on an estimated read")
                push(reread[0] + 1, 0, "rebill", reread)
                continue
            if kind == "rebill":
                reread = data
                bill_id, fids, bill_day, due, total, index = disputed
                # Cancel the bill: reverse each of its ledger entries...
                for fid, fkind, cents, fdue, fsa in fids:
                    ft(fkind, -cents, on, due=fdue, bill=bill_id, reverses=fid,
                       desc=f"Reversal of entry {fid}: bill canceled after re-read", sa_id=fsa)
                    if fkind == "budget_deferral" and fdue in deferred:
                        deferred[fdue] -= cents
                        balance -= cents
                    elif cents > 0:
                        reduce_debt(fdue, cents)
                    else:
                        charge(fdue, -cents)
                for row_index, row in enumerate(bill_rows):
                    if row[0] == bill_id:
                        bill_rows[row_index] = row[:8] + (day[on], "Estimated read too high: rebilled")
                # ... and bill the period again from the actual re-read.
                previous = bounds[index - 1]
                span = max(1, reread[0] - previous[0])
                kwh = max(0, reread[1] - previous[1])
                fixed, energy, discount, tax, amount, _ev = segment_cents(t, commercial, eap, kwh, span,
                                                                          medical=medical)
                new_bill = next_id("bills")
                new_due = on + t.bill_due_days
                seg_rows.append((next_id("bill_segments"), new_bill, sa, day[previous[0]], day[reread[0]], kwh,
                                 fixed / 100, energy / 100, discount / 100, tax / 100, amount / 100))
                ft("rebill", amount, on, due=new_due, bill=new_bill, desc=f"Rebill of bill {bill_id}")
                charge(new_due, amount)
                bill_rows.append((new_bill, acc, day[on], day[new_due], amount / 100, due_by(new_due) / 100, 0, 0,
                                  None, None))
                letter("rebill", on, "Corrected bill after re-read")
                state["dispute"] = False
                self.bump("rebills")
                push(on + rng.randint(3, 18), 1, "pay", new_due)
                continue
            if kind == "agency":
                if balance > 0:
                    event("agency_referral", on, balance, agency=AGENCY)
                    letter("agency_referral", on, f"Account referred to {AGENCY}")
                    account.rating = min(account.rating, 10)
                    if rng.random() < 0.5:
                        push(on + rng.randint(60, 150), 2, "write_off", None)
                continue
            if kind == "write_off":
                if balance > 0:
                    event("write_off", on, balance, agency=AGENCY)
                    adjustment("write_off", -balance, on, reason="Uncollectible: written off, with the agency")
                continue
            if kind == "transfer_out":
                target = unit.transfer_to
                if balance > 0 and target is not None and target.account.status != "closed":
                    cents = balance
                    adjustment("transfer", -cents, on,
                               reason=f"Balance transferred to account {target.account.number}")
                    target.transfer_in = (on, cents, account.number)
                    note(on, "transfer", f"Closed-account balance ${cents / 100:.2f} transferred to the "
                                         f"customer's new account {target.account.number}.")
                continue
            if kind == "transfer_in":
                _on, cents, source = data
                adjustment("transfer", cents, on, due=on + 21,
                           reason=f"Balance transferred from closed account {source}")
                self.bump("transfers")
                continue
            if kind == "refund":
                if balance < 0:
                    cents = -balance
                    adjustment("refund", cents, on, reason="Credit balance refunded by check")
                    rows["manual_log_entries"].append((next_id("manual_log_entries"), "refunds", day[on], acc,
                                                       cents / 100, f"Refund check mailed, account {account.number}",
                                                       rng.choice(STAFF)))
                    letter("refund", on, f"Refund check for ${cents / 100:.2f}")
                continue
            if kind == "bankruptcy":
                self.bankruptcy(rng, account, unit, state, on, balance, ft, push, note, letter)
                if balance > 0:
                    held = balance
                    balance -= held  # the pair nets to zero on the account; held apart below
                    credit += held
                    apply()
                    balance += held
                    state["held"] = held
                profile = "prompt"
                continue
            if kind == "discharge":
                bk_sa, held = data
                if held > 0:
                    ft("write_off", -held, on, sa_id=bk_sa, desc="Pre-petition debt discharged in bankruptcy")
                    balance -= held
                    state["held"] = 0
                continue
            if kind == "arrangement_break":
                arrangement_id, future = data
                if state["arrangement"] == arrangement_id:
                    # Installments not yet due fall due now.
                    moved = 0
                    for fdue, cents in future:
                        if cents > 0:
                            ft("arrangement", -cents, on, due=fdue,
                               desc=f"Arrangement {arrangement_id} broken: installment due now")
                            reduce_debt(fdue, cents)
                            moved += cents
                    if moved:
                        ft("arrangement", moved, on, due=on,
                           desc=f"Arrangement {arrangement_id} broken: remaining balance due")
                        charge(on, moved)
                    state["arrangement"] = None
                    account.rating -= 10
                    self.bump("arrangements_broken")
                continue
            if kind == "arrangement_done":
                if state["arrangement"] == data:
                    state["arrangement"] = None
                continue

        if account.budget and budget_since and unit.kind != "landlord":
            rows["program_enrollments"].append((
                next_id("program_enrollments"), acc, None, "balanced_payment", "active" if end is None else "ended",
                day[budget_since], day[end] if end is not None else None,
                json.dumps({"budget_amount": f"{budget / 100:.2f}"}, sort_keys=True)))
            self.bump("program_balanced_payment")
        # Closed units: the money the account still has.
        if end is not None and balance != 0:
            self.bump("closed_with_balance" if balance > 0 else "closed_with_credit")

    def monthly_estimate(self, premise: _Premise, commercial: bool) -> int:
        """An average month's bill at the premise, in cents."""
        return segment_cents(self.tariff, commercial, False, int(premise.base * 30), 30)[4]

    def deposit_cents(self, premise: _Premise, commercial: bool) -> int:
        """The policy's deposit: a multiple of the average monthly bill (commercial: at least
        the commercial minimum), rounded up to whole $5."""
        t = self.tariff
        cents = t.deposit_multiple * self.monthly_estimate(premise, commercial)
        if commercial:
            cents = max(cents, t.commercial_min_deposit)
        return -(-cents // 500) * 500

    def payment_style(self, rng: random.Random, commercial: bool) -> tuple[str, str]:
        roll = rng.random()
        if commercial:
            return ("check", "mail") if roll < 0.45 else ("ach", "online") if roll < 0.75 else ("card", "online")
        if roll < 0.36:
            return ("card", "online")
        if roll < 0.58:
            return ("check", "mail")
        if roll < 0.70:
            return ("card", "phone")
        if roll < 0.78:
            return ("cash", "office")
        if roll < 0.84:
            return ("check", "drop_box")
        if roll < 0.90:
            return ("ach", "online")
        if roll < 0.95:
            return ("check", "office")
        return ("money_order", "mail")

    def schedule_payment(self, rng, profile, account, state, bill_day, due, push, amount_due) -> None:
        if state["arrangement"]:
            plan = state["arrangement_plan"]
            if plan == "keep" or (plan == "break" and state["arrangement_paid"] > 0):
                state["arrangement_paid"] -= 1
                push(bill_day + rng.randint(3, 19), 1, "pay", due)
            return
        if profile == "prompt":
            if account.autopay:
                if amount_due > 0:
                    push(due, 1, "autopay", amount_due)
            else:
                push(bill_day + rng.randint(3, 20), 1, "pay", due)
        elif profile == "late":
            roll = rng.random()
            if roll < 0.10:
                return  # skipped: paid with the next bill, or after the notice
            if roll < 0.45:
                push(bill_day + rng.randint(3, 20), 1, "pay", due)
            else:
                push(due + rng.randint(1, 28), 1, "pay", due)
        else:
            roll = rng.random()
            if roll < 0.32:
                return
            push(due + rng.randint(-5, 35), 1, "pay", due)

    def held_cash(self, account: _Acct) -> tuple[int, int] | None:
        for deposit_id, kind, cents in self.held_deposits.get(account.id, ()):
            if kind == "cash":
                return deposit_id, cents
        return None

    def release_deposit(self, account: _Acct, deposit_id: int, status: str, on: int) -> None:
        held = self.held_deposits.get(account.id, [])
        held[:] = [entry for entry in held if entry[0] != deposit_id]
        rows = self.sink.rows["deposits"]
        for index in range(len(rows) - 1, -1, -1):
            if rows[index][0] == deposit_id:
                rows[index] = rows[index][:7] + (status, self.day[on]) + rows[index][9:]
                return
        # Already written in an earlier chunk: rewrite that row at the end.
        self.deposit_updates.append((status, self.day[on], deposit_id))

    def arrangement(self, rng, account, state, on, owed, bounds, push, ft, settle, charge, pay, note, letter,
                    medical) -> None:
        sink = self.sink
        day = self.day
        t = self.tariff
        least = _half_up(owed * t.arrangement_min_down, 100_000)
        down = max(least, -(-int(owed * rng.uniform(0.25, 0.5)) // 100) * 100)
        remaining = owed - down
        installments = rng.randint(3, t.arrangement_max_months if medical else 6)
        # As policy.arrangement_schedule: equal installments rounded half up, the last one
        # absorbing the rounding.
        each = _half_up(remaining, installments)
        amounts = [each] * (installments - 1) + [remaining - each * (installments - 1)]
        future_dues = [r[0] + 1 + self.tariff.bill_due_days for r in bounds if r[0] + 1 > on]
        while len(future_dues) < installments:
            future_dues.append((future_dues[-1] if future_dues else on) + 30)
        dues = future_dues[:installments]
        sa = sink.next_id("service_agreements")
        arrangement_id = sink.next_id("payment_arrangements")
        keep = rng.random() < 0.7
        last_due = dues[-1]
        if last_due < self.today:
            status, status_on = ("completed", last_due) if keep else ("broken", None)
        else:
            status, status_on = ("active", None) if keep else ("broken", None)
        broken_on = None
        paid_before_break = rng.randint(0, max(0, installments - 2))
        if not keep:
            broken_on = dues[min(paid_before_break, len(dues) - 1)] + 10
            if broken_on >= self.today:
                status, broken_on = "active", None
            else:
                status_on = broken_on
        sink.rows["service_agreements"].append((sa, account.id, None, "payment_arrangement", "PA",
                                                "active" if status == "active" else "closed", day[on],
                                                day[status_on] if status_on else None))
        sink.rows["payment_arrangements"].append((arrangement_id, account.id, sa, day[on], owed / 100, down / 100,
                                                  installments, each / 100, day[dues[0]], status,
                                                  day[status_on] if status_on else None, int(medical),
                                                  rng.choice(STAFF[:4]) if medical else None))
        self.bump("arrangements")
        pay(on, down, style=rng.choice((("card", "phone"), ("cash", "office"))), reason="arrangement")
        ft("arrangement", -remaining, on, desc=f"Arrears moved to payment arrangement {arrangement_id}")
        settle(remaining)
        for number, (due, cents) in enumerate(zip(dues, amounts, strict=True)):
            ft("arrangement", cents, on, due=due, sa_id=sa,
               desc=f"Arrangement {arrangement_id}: installment {number + 1} of {installments}")
            charge(due, cents)
        note(on, "payment_arrangement",
             f"Payment arrangement: ${owed / 100:.2f} past due, down payment ${down / 100:.2f}, "
             f"{installments} installments of ${each / 100:.2f} with the monthly bills. "
             "New bills must be paid on time or the arrangement breaks."
             + (" Medical certification on file; manager approved." if medical else ""))
        letter("arrangement", on, "Payment arrangement confirmation")
        state["arrangement"] = arrangement_id
        state["arrangement_plan"] = "keep" if keep else "break"
        state["arrangement_paid"] = installments if keep else paid_before_break
        if broken_on is not None:
            push(broken_on, 2, "arrangement_break",
                 (arrangement_id, [(d, c) for d, c in zip(dues, amounts, strict=True) if d > broken_on]))
        else:
            push(last_due + 1, 2, "arrangement_done", arrangement_id)

    def bankruptcy(self, rng, account, unit, state, on, balance, ft, push, note, letter) -> None:
        sink = self.sink
        day = self.day
        chapter = 11 if account.commercial else rng.choices((7, 13), (65, 35))[0]
        sa = sink.next_id("service_agreements")
        held = max(0, balance)
        sink.rows["service_agreements"].append((sa, account.id, None, "bankruptcy", f"BK{chapter}", "active",
                                                day[on], None))
        if held:
            ft("bankruptcy", -held, on, desc="Pre-petition balance moved to the bankruptcy agreement")
            ft("bankruptcy", held, on, sa_id=sa, desc="Pre-petition balance (collection stopped)")
        petition = date.fromordinal(on)
        assurance_due = policy.bankruptcy_assurance_due(chapter, petition).toordinal()
        relief_days = assurance_due - on
        received = kind = None
        if assurance_due < self.today:
            received = on + rng.randint(5, relief_days)
            kind = rng.choice(("cash_deposit", "cash_deposit", "letter_of_credit", "surety_bond"))
            cents = self.deposit_cents(unit.premise, account.commercial)
            if kind == "cash_deposit":
                push(received, 1, "deposit_paid", (cents, "bankruptcy"))
            else:
                self.add_deposit(account, "letter_of_credit" if kind == "letter_of_credit" else "surety_bond", cents,
                                 received, "bankruptcy")
        deadline = policy.proof_of_claim_deadline(chapter, petition)
        claim_deadline = deadline.toordinal() if deadline else None
        claim_filed = on + rng.randint(20, 60) if on + 60 < self.today and held else None
        status, status_on = "open", None
        if chapter == 7 and on + 100 < self.today:
            status, status_on = "discharged", on + rng.randint(90, 100)
            push(status_on, 2, "discharge", (sa, held))
        case = f"{date.fromordinal(on):%y}-{rng.randint(20000, 29999)}"
        sink.rows["bankruptcy_cases"].append((sink.next_id("bankruptcy_cases"), account.id, account.person, sa, case,
                                              COURT, chapter, day[on], held / 100, day[assurance_due],
                                              day[received] if received else None, kind,
                                              day[claim_deadline] if claim_deadline else None,
                                              day[claim_filed] if claim_filed else None,
                                              held / 100 if claim_filed else None, account.number[-4:],
                                              rng.choice(TRUSTEES) if chapter != 11 else None, status,
                                              day[status_on] if status_on else None))
        note(on, "bankruptcy", f"Customer reported a chapter {chapter} filing, case {case}. Pre-petition balance "
                               f"${held / 100:.2f} separated; assurance of payment due "
                               f"{date.fromordinal(assurance_due):%m/%d/%Y}.")
        letter("bankruptcy", on, "Acknowledgement of bankruptcy notice and adequate-assurance request")
        state["bankrupt"] = True
        self.bump("bankruptcies")

    def pending_start(self, unit: _Unit) -> None:
        """A customer lined up to start service after today: account, agreement, order."""
        account = unit.account
        rng = self.rng_history
        sa = self.sink.next_id("service_agreements")
        unit.sa_id = sa
        self.sink.rows["service_agreements"].append((sa, account.id, unit.premise.id, "electric",
                                                     "C-1" if account.commercial else "R-1", "pending",
                                                     self.day[unit.start], None))
        requested = self.today - rng.randint(1, 6)
        self.sink.rows["service_orders"].append((self.sink.next_id("service_orders"), account.id, unit.premise.id,
                                                 unit.premise.sp_id, "start", "pending", self.day[requested],
                                                 self.day[unit.start], None, 0, None, "Start service"))
        self.bump("order_start")

    # ---- finishing touches
    def write_info(self) -> None:
        info = {
            "schema": "1",
            "generator": GENERATOR,
            "seed": str(self.seed),
            "customers": str(self.customers),
            "months": str(self.months),
            "today": date.fromordinal(self.today).isoformat(),
            "history_start": date.fromordinal(self.window_start).isoformat(),
            "city": CITY,
            "zip_codes": ",".join(ZIP_CODES),
            "ssn_key": self.ssn_key,
            "tariff": json.dumps(asdict(self.tariff), sort_keys=True),
        }
        self.sink.rows["cis_info"].extend(sorted(info.items()))

    def run(self) -> dict[str, int]:
        self.progress(0.0, "filling name pools")
        self.pools = _Pools(self.seed)
        self.progress(0.02, "planning the city")
        self.held_deposits: dict[int, list[tuple[int, str, int]]] = {}
        self.deposit_updates: list[tuple] = []
        self.finished: set[int] = set()
        self.plan()
        self.sink.flush()
        self.simulate()
        connection = self.sink.connection
        if self.deposit_updates:
            connection.exec_driver_sql("UPDATE deposits SET status = ?, released_on = ? WHERE id = ?",
                                       self.deposit_updates)
        if self.life_support_people:
            connection.exec_driver_sql("UPDATE persons SET life_support = 1 WHERE id = ?",
                                       [(p,) for p in sorted(self.life_support_people)])
        self.write_info()
        self.sink.flush()
        counts = dict(self.sink.counts)
        counts.update({f"stat_{k}": v for k, v in sorted(self.stats.items())})
        return counts


def _pragma(connection, setting: str) -> None:
    """Run a PRAGMA and finish its statement (a pending result row would keep the
    connection's tables locked)."""
    result = connection.exec_driver_sql(f"PRAGMA {setting}")
    if result.returns_rows:
        result.all()
    result.close()


def _bulk_indexes() -> list[Index]:
    return [index for table in BULK_TABLES for index in CisBase.metadata.tables[table].indexes]


def seed_population(engine: Engine, customers: int = 36000, seed: int = 1, months: int = 24,
                    progress: Progress | None = None, *, today: date = DEFAULT_TODAY) -> dict[str, int]:
    """Fill an empty CIS database with a repeatable population; returns row counts.

    ``customers``: premises with service (see the module docstring). ``today``: the
    simulated date the history ends on, stored in ``cis_info``. ``progress(fraction,
    message)`` is called as the work goes on. Runs in one transaction.
    """
    if engine.dialect.name != "sqlite":
        raise ValueError("the seeder writes SQLite storage formats; seed a SQLite template")
    report = progress or (lambda fraction, message: None)
    create_schema(engine)
    indexes = _bulk_indexes()
    with engine.connect() as connection:
        if connection.exec_driver_sql("SELECT count(*) FROM accounts").scalar():
            raise ValueError("the CIS database already has accounts: seed an empty one")
        connection.commit()
        # Foreign keys are satisfied by construction (checked by the tests). One big
        # transaction into an empty file needs next to no rollback journal, whereas WAL would
        # write every page twice; the file is switched back to WAL at the end.
        for pragma in ("foreign_keys=OFF", "journal_mode=DELETE", "synchronous=OFF", "cache_size=-65536"):
            _pragma(connection, pragma)
        connection.commit()
        with connection.begin():
            for index in indexes:
                connection.exec_driver_sql(f"DROP INDEX IF EXISTS {index.name}")
            counts = _Seeder(connection, customers, seed, months, today, report).run()
            report(0.92, "building indexes")
            for index in indexes:
                index.create(connection)
            connection.exec_driver_sql("ANALYZE")
        for pragma in ("journal_mode=WAL", "synchronous=NORMAL", "foreign_keys=ON"):
            _pragma(connection, pragma)
        connection.commit()
    report(1.0, "done")
    return counts


def seed_template(path: str | Path | None = None, customers: int = 36000, seed: int = 1,
                  progress: Progress | None = None, *, months: int = 24, today: date = DEFAULT_TODAY) -> Path:
    """Seed a new template file and put it in place atomically: written under a temporary
    name in the same folder, then renamed over ``path`` (default: ``template_path()``)."""
    from fake_cis.database import checkpoint, template_path

    target = Path(path) if path is not None else template_path()
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".partial", dir=target.parent)
    os.close(handle)
    os.unlink(temporary)
    try:
        engine = make_engine(temporary)
        try:
            seed_population(engine, customers=customers, seed=seed, months=months, progress=progress, today=today)
        finally:
            engine.dispose()
        checkpoint(temporary)
        for suffix in ("-wal", "-shm"):
            Path(f"{temporary}{suffix}").unlink(missing_ok=True)
        for suffix in ("-wal", "-shm"):
            Path(f"{target}{suffix}").unlink(missing_ok=True)
        os.replace(temporary, target)
    finally:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{temporary}{suffix}").unlink(missing_ok=True)
    return target


def population_summary(path: str | Path) -> dict[str, float | int]:
    """Counts and shares of what a seeded CIS holds (for reports and benchmarks).

    Shares are of all accounts unless named otherwise; 'active' means an account with
    service at the end of the history. Past due is computed with ``fake_cis.ledger``'s
    rules on the CIS's today.
    """
    import sqlite3

    from fake_cis.ledger import aging_of

    connection = sqlite3.connect(f"file:{Path(path).resolve()}?mode=ro", uri=True)

    def one(query: str) -> int:
        return connection.execute(query).fetchone()[0] or 0

    try:
        today = date.fromisoformat(one("SELECT value FROM cis_info WHERE key = 'today'"))
        accounts = one("SELECT count(*) FROM accounts")
        active = one("SELECT count(*) FROM accounts WHERE status = 'active'")
        summary: dict[str, float | int] = {
            "premises": one("SELECT count(*) FROM premises"),
            "accounts": accounts,
            "accounts_active": active,
            "persons": one("SELECT count(*) FROM persons"),
            "residential_share_of_premises": one("SELECT count(*) FROM premises WHERE premise_type != 'commercial'")
            / one("SELECT count(*) FROM premises"),
            "residential_share_of_accounts": one("SELECT count(*) FROM accounts WHERE customer_class = 'residential'")
            / accounts,
            "closed_share": one("SELECT count(*) FROM accounts WHERE status = 'closed'") / accounts,
            "meter_reads": one("SELECT count(*) FROM meter_reads"),
            "estimated_read_share": one("SELECT avg(estimated) FROM meter_reads"),
            "bills": one("SELECT count(*) FROM bills"),
            "payments": one("SELECT count(*) FROM payments"),
            "ledger_entries": one("SELECT count(*) FROM financial_transactions"),
            "late_fee_share": one("SELECT count(DISTINCT account_id) FROM adjustments WHERE kind = 'late_fee'")
            / accounts,
            "nsf_share": one("SELECT count(DISTINCT account_id) FROM payments WHERE cancel_reason = 'nsf'") / accounts,
            "cash_only_share": one("SELECT count(*) FROM accounts WHERE cash_only = 1") / accounts,
            "ten_day_notice_share": one("SELECT count(DISTINCT account_id) FROM collection_events "
                                        "WHERE kind = 'ten_day_notice'") / accounts,
            "nonpay_disconnect_share": one("SELECT count(DISTINCT account_id) FROM collection_events "
                                           "WHERE kind = 'disconnect'") / accounts,
            "disconnected_now": one("SELECT count(*) FROM service_points WHERE state = 'disconnected'"),
            "closed_with_balance_share": one(
                "SELECT count(*) FROM accounts a WHERE status = 'closed' AND (SELECT sum(amount) FROM "
                "financial_transactions f WHERE f.account_id = a.id) > 0.005") / accounts,
            "agency_referral_share": one("SELECT count(DISTINCT account_id) FROM collection_events "
                                         "WHERE kind = 'agency_referral'") / accounts,
            "write_off_share": one("SELECT count(DISTINCT account_id) FROM adjustments WHERE kind = 'write_off'")
            / accounts,
            "balance_transfers": one("SELECT count(*) FROM adjustments WHERE kind = 'transfer' AND amount > 0"),
            "arrangement_share": one("SELECT count(DISTINCT account_id) FROM payment_arrangements") / accounts,
            "arrangements_active": one("SELECT count(*) FROM payment_arrangements WHERE status = 'active'"),
            "arrangements_broken": one("SELECT count(*) FROM payment_arrangements WHERE status = 'broken'"),
            "deposit_held_share": one("SELECT count(DISTINCT account_id) FROM deposits WHERE status = 'held'")
            / accounts,
            "bankruptcies": one("SELECT count(*) FROM bankruptcy_cases"),
            "rebills": one("SELECT count(*) FROM bills WHERE canceled_on IS NOT NULL"),
            "life_support_persons": one("SELECT count(*) FROM persons WHERE life_support = 1"),
            "pending_orders": one("SELECT count(*) FROM service_orders WHERE status = 'pending'"),
        }
        for program, count in connection.execute(
                "SELECT program, count(DISTINCT account_id) FROM program_enrollments WHERE status = 'active' "
                "GROUP BY program ORDER BY program"):
            summary[f"program_{program}_share_of_active"] = count / max(1, active)
        main_at_premise = (
            "SELECT pe.first_name f, pe.last_name l, pr.street_key s, pr.id p FROM persons pe "
            "JOIN account_persons ap ON ap.person_id = pe.id AND ap.role = 'main' "
            "JOIN service_agreements sa ON sa.account_id = ap.account_id AND sa.kind = 'electric' "
            "JOIN premises pr ON pr.id = sa.premise_id WHERE pe.kind = 'individual'")
        summary["lookalike_same_surname_same_street_groups"] = one(
            f"SELECT count(*) FROM (SELECT l, s FROM ({main_at_premise}) GROUP BY l, s "
            "HAVING count(DISTINCT p) > 1)")
        summary["lookalike_same_full_name_groups"] = one(
            f"SELECT count(*) FROM (SELECT f, l FROM ({main_at_premise}) GROUP BY f, l "
            "HAVING count(DISTINCT p) > 1)")
        summary["lookalike_junior_persons"] = one("SELECT count(*) FROM persons WHERE suffix = 'Jr.'")
        # Past due today, by the ledger's rules.
        rows: dict[int, list] = {}
        query = ("SELECT f.account_id, f.amount, f.due_on, f.effective_on, sa.kind FROM financial_transactions f "
                 "LEFT JOIN service_agreements sa ON sa.id = f.sa_id WHERE f.effective_on <= ?")
        for account_id, amount, due_on, effective_on, sa_kind in connection.execute(query, (today.isoformat(),)):
            rows.setdefault(account_id, []).append((
                Decimal(f"{amount:.2f}"), date.fromisoformat(due_on) if due_on else None,
                date.fromisoformat(effective_on), sa_kind))
        past_due = over_60 = 0
        for entries in rows.values():
            aging = aging_of(entries, today)
            if aging.past_due > 0:
                past_due += 1
                if aging.days_61_90 + aging.over_90 > 0:
                    over_60 += 1
        summary["past_due_today_share"] = past_due / accounts
        summary["past_due_over_60_days_share"] = over_60 / accounts
        return {key: round(value, 4) if isinstance(value, float) else value for key, value in summary.items()}
    finally:
        connection.close()
