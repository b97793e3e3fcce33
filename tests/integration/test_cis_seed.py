"""The seeded CIS: repeatable, consistent with its ledger, realistic in its shares, and
copied into isolated per-run sandboxes."""

from __future__ import annotations

import hashlib
import re
import sqlite3
from datetime import date, datetime
from decimal import Decimal

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from fake_cis import database, ledger
from fake_cis.models import (
    Account,
    Bill,
    BillSegment,
    CisBase,
    FinancialTransaction,
    MeterRead,
    Person,
    ProgramEnrollment,
    ServiceAgreement,
)
from fake_cis.seed import DEFAULT_TODAY, seed_population, seed_template

CUSTOMERS = 300
SEED = 7


def digest(path) -> str:
    """A hash of every row of every table, in primary-key order."""
    connection = sqlite3.connect(str(path))
    try:
        content = hashlib.sha256()
        for table in sorted(CisBase.metadata.tables):
            content.update(table.encode())
            for row in connection.execute(f"SELECT * FROM {table} ORDER BY 1"):
                content.update(repr(row).encode())
        return content.hexdigest()
    finally:
        connection.close()


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    return tmp_path_factory.mktemp("cis")


@pytest.fixture(scope="module")
def template(folder):
    steps: list[tuple[float, str]] = []
    path = seed_template(folder / "template.sqlite3", customers=CUSTOMERS, seed=SEED,
                         progress=lambda fraction, message: steps.append((fraction, message)))
    fractions = [fraction for fraction, _ in steps]
    assert fractions[0] == 0.0 and fractions[-1] == 1.0 and fractions == sorted(fractions)
    return path


@pytest.fixture(scope="module")
def sql(template):
    connection = sqlite3.connect(str(template))
    yield lambda query, *args: connection.execute(query, args).fetchall()
    connection.close()


@pytest.fixture(scope="module")
def engine(template):
    engine = database.make_engine(template)
    yield engine
    engine.dispose()


def scalar(sql, query, *args):
    return sql(query, *args)[0][0]


# --- Repeatable ----------------------------------------------------------------------------


def test_the_same_seed_gives_the_same_rows_and_another_seed_does_not(template, folder):
    again = seed_template(folder / "again.sqlite3", customers=CUSTOMERS, seed=SEED)
    other = seed_template(folder / "other.sqlite3", customers=CUSTOMERS, seed=SEED + 1)
    assert digest(again) == digest(template)
    assert digest(other) != digest(template)


def test_the_template_is_written_atomically_and_knows_its_today(template, folder, sql):
    assert not [p.name for p in folder.iterdir() if p.name.endswith(".partial")]
    info = dict(sql("SELECT key, value FROM cis_info"))
    assert info["today"] == DEFAULT_TODAY.isoformat()
    assert (info["seed"], info["customers"], info["months"]) == (str(SEED), str(CUSTOMERS), "24")
    assert info["city"] == "Alder Springs" and len(info["ssn_key"]) == 32
    assert scalar(sql, "PRAGMA journal_mode") == "wal"


def test_seeding_refuses_a_database_that_already_has_accounts(engine):
    with pytest.raises(ValueError, match="already has accounts"):
        seed_population(engine, customers=CUSTOMERS, seed=SEED)


# --- Consistent ------------------------------------------------------------------------------


def test_the_database_is_sound(sql):
    assert sql("PRAGMA integrity_check") == [("ok",)]
    assert sql("PRAGMA foreign_key_check") == []


def test_every_account_balance_is_the_sum_of_its_ledger(engine):
    with Session(engine) as session:
        sums: dict[int, Decimal] = {}
        for account_id, amount in session.execute(select(FinancialTransaction.account_id,
                                                         FinancialTransaction.amount)):
            sums[account_id] = sums.get(account_id, Decimal("0.00")) + amount
        accounts = session.scalars(select(Account.id)).all()
        for account_id in accounts:
            expected = sums.get(account_id, Decimal("0.00"))
            assert ledger.balance(session, account_id) == expected
            aging = ledger.aging(session, account_id, DEFAULT_TODAY)
            assert aging.balance == expected
            assert aging.current + aging.past_due + aging.held == expected
            assert 0 <= aging.past_due <= max(expected - aging.held, Decimal(0))


def test_every_bill_is_ledger_charges_and_every_payment_a_ledger_credit(sql):
    # A bill's entries add up to its charges (to zero once canceled and reversed).
    assert sql("""
        SELECT count(*) FROM bills b
        LEFT JOIN (SELECT bill_id, sum(amount) AS total FROM financial_transactions
                   WHERE bill_id IS NOT NULL GROUP BY bill_id) f ON f.bill_id = b.id
        WHERE round(coalesce(f.total, 0), 2) !=
              round(CASE WHEN b.canceled_on IS NULL THEN b.current_charges ELSE 0 END, 2)""") == [(0,)]
    assert sql("""
        SELECT count(*) FROM bills b JOIN (SELECT bill_id, sum(amount) AS total FROM bill_segments
                                           GROUP BY bill_id) s ON s.bill_id = b.id
        WHERE round(s.total, 2) != round(b.current_charges, 2)""") == [(0,)]
    assert scalar(sql, "SELECT count(*) FROM bills WHERE id NOT IN (SELECT bill_id FROM bill_segments)") == 0
    assert sql("""
        SELECT count(*) FROM payments p WHERE NOT EXISTS (
            SELECT 1 FROM financial_transactions f WHERE f.payment_id = p.id AND f.reverses_id IS NULL
            AND round(f.amount, 2) = round(-p.amount, 2))""") == [(0,)]
    # A canceled (returned) payment's credit is reversed; no other is.
    assert sql("""
        SELECT count(*) FROM payments p WHERE (p.canceled_on IS NOT NULL) != EXISTS (
            SELECT 1 FROM financial_transactions f WHERE f.payment_id = p.id AND f.reverses_id IS NOT NULL)
        """) == [(0,)]


def test_ledger_rows_follow_the_conventions(sql):
    assert scalar(sql, "SELECT count(*) FROM financial_transactions WHERE amount = 0") == 0
    assert scalar(sql, """SELECT count(*) FROM financial_transactions WHERE due_on IS NOT NULL
                          AND kind IN ('payment', 'refund', 'write_off', 'deposit_refund')""") == 0
    assert scalar(sql, "SELECT count(*) FROM financial_transactions WHERE kind = 'bill' AND amount > 0 "
                       "AND due_on IS NULL") == 0
    assert sql("""SELECT count(*) FROM financial_transactions r JOIN financial_transactions o
                  ON o.id = r.reverses_id
                  WHERE round(o.amount + r.amount, 2) != 0 OR o.kind != r.kind OR o.account_id != r.account_id
                  OR o.reverses_id IS NOT NULL""") == [(0,)]
    # Adjustments carry their money in exactly one ledger entry.
    assert sql("""SELECT count(*) FROM adjustments a WHERE 1 != (SELECT count(*) FROM financial_transactions f
                  WHERE f.adjustment_id = a.id AND f.reverses_id IS NULL AND round(f.amount, 2) = round(a.amount, 2))
               """) == [(0,)]
    # Moves between agreements net to zero on the account.
    for kind in ("arrangement", "bankruptcy"):
        for account_id, total in sql(f"SELECT account_id, round(sum(amount), 2) FROM financial_transactions "
                                     f"WHERE kind = '{kind}' GROUP BY account_id"):
            assert total == 0, (kind, account_id)


def test_the_orm_reads_the_bulk_rows_with_their_python_types(engine):
    with Session(engine) as session:
        bill = session.scalars(select(Bill).where(Bill.final.is_(True))).first()
        assert isinstance(bill.due_on, date) and isinstance(bill.current_charges, Decimal)
        assert bill.current_charges == bill.current_charges.quantize(Decimal("0.01"))
        assert bill.final is True and bill.segments and isinstance(bill.segments[0].kwh, int)
        read = session.scalars(select(MeterRead).where(MeterRead.estimated.is_(True))).first()
        assert read.kind == "estimated"
        program = session.scalars(select(ProgramEnrollment).where(ProgramEnrollment.details.is_not(None))).first()
        assert isinstance(program.details, dict)
        person = session.scalars(select(Person).where(Person.kind == "individual")).first()
        assert isinstance(person.created_at, datetime) and isinstance(person.birth_date, date)
        assert re.fullmatch(r"[0-9a-f]{64}", person.ssn_hash) and re.fullmatch(r"\d{4}", person.ssn_last4)
        assert re.fullmatch(r"\d{10}", person.phone)
        account = session.get(Account, 1)
        assert account.persons and account.persons[0].role == "main"


def test_account_numbers_are_ten_unique_digits_with_a_check_digit(sql):
    numbers = [row[0] for row in sql("SELECT account_number FROM accounts")]
    assert len(numbers) == len(set(numbers))
    for number in numbers:
        assert re.fullmatch(r"[1-9]\d{9}", number)
        total = 0
        for index, char in enumerate(reversed(number)):
            value = int(char) * (2 if index % 2 else 1)
            total += value - 9 if value > 9 else value
        assert total % 10 == 0, number


def test_every_account_has_one_main_person_and_closed_accounts_a_final_bill(sql):
    assert scalar(sql, """SELECT count(*) FROM accounts a WHERE 1 != (SELECT count(*) FROM account_persons p
                          WHERE p.account_id = a.id AND p.role = 'main')""") == 0
    assert scalar(sql, """SELECT count(*) FROM accounts a WHERE a.status = 'closed' AND NOT EXISTS (
                          SELECT 1 FROM bills b WHERE b.account_id = a.id AND b.final = 1)""") == 0


# --- Realistic enough -----------------------------------------------------------------------


def share(sql, numerator: str, denominator: str) -> float:
    return scalar(sql, numerator) / scalar(sql, denominator)


def test_the_population_has_the_shares_of_a_small_city(sql):
    assert scalar(sql, "SELECT count(*) FROM premises") == CUSTOMERS
    assert sql("SELECT DISTINCT city FROM premises") == [("Alder Springs",)]
    assert sorted(r[0] for r in sql("SELECT DISTINCT zip_code FROM premises")) == ["95720", "95721"]
    assert 0.85 <= share(sql, "SELECT count(*) FROM premises WHERE premise_type != 'commercial'",
                         "SELECT count(*) FROM premises") <= 0.95
    assert 0.85 <= share(sql, "SELECT count(*) FROM accounts WHERE customer_class = 'residential'",
                         "SELECT count(*) FROM accounts") <= 0.95
    assert 0.04 <= share(sql, "SELECT count(*) FROM accounts WHERE status = 'closed'",
                         "SELECT count(*) FROM accounts") <= 0.25
    assert 0.005 <= share(sql, "SELECT count(*) FROM meter_reads WHERE estimated = 1",
                          "SELECT count(*) FROM meter_reads") <= 0.05
    assert 0.9 <= share(sql, "SELECT count(*) FROM payments", "SELECT count(*) FROM bills") <= 1.15
    assert 0.04 <= share(sql, "SELECT count(DISTINCT account_id) FROM adjustments WHERE kind = 'late_fee'",
                         "SELECT count(*) FROM accounts") <= 0.35
    # Two years of monthly bills for an account that was on the whole time.
    assert scalar(sql, "SELECT max(n) FROM (SELECT count(*) AS n FROM bills GROUP BY account_id)") >= 24
    # Summer bills are bigger than spring bills (air conditioning).
    summer = scalar(sql, "SELECT avg(kwh) FROM bill_segments WHERE strftime('%m', period_end) IN ('08', '09')")
    spring = scalar(sql, "SELECT avg(kwh) FROM bill_segments WHERE strftime('%m', period_end) IN ('04', '05')")
    assert summer > 1.3 * spring


def test_the_hard_cases_are_all_there(sql):
    def count(query):
        return scalar(sql, query)

    assert count("SELECT count(*) FROM collection_events WHERE kind = 'disconnect'") >= 1
    assert count("SELECT count(*) FROM service_orders WHERE kind = 'reconnect'") >= 1
    assert count("SELECT count(*) FROM collection_events WHERE kind = 'agency_referral'") >= 1
    assert count("SELECT count(*) FROM collection_events WHERE kind = 'ten_day_notice'") >= 1
    assert count("""SELECT count(*) FROM accounts a WHERE status = 'closed' AND
                    (SELECT sum(amount) FROM financial_transactions f WHERE f.account_id = a.id) > 0""") >= 1
    assert count("SELECT count(*) FROM payment_arrangements") >= 1
    assert count("SELECT count(*) FROM deposits WHERE status = 'held'") >= 1
    assert count("SELECT count(*) FROM bankruptcy_cases") >= 3
    assert count("SELECT count(*) FROM payments WHERE cancel_reason = 'nsf'") >= 1
    assert count("SELECT count(*) FROM bills WHERE canceled_on IS NOT NULL") >= 1  # rebilled after a re-read
    assert count("SELECT count(*) FROM persons WHERE life_support = 1") >= 1
    assert count("SELECT count(*) FROM persons WHERE third_party_name IS NOT NULL") >= 1
    assert count("SELECT count(*) FROM premises WHERE continuing_service_account_id IS NOT NULL") >= 1
    assert count("SELECT count(*) FROM service_orders WHERE status = 'pending'") >= 1
    programs = {row[0] for row in sql("SELECT DISTINCT program FROM program_enrollments")}
    assert {"energy_assistance", "autopay", "paperless", "balanced_payment", "ev_discount"} <= programs
    assert count("SELECT count(*) FROM manual_log_entries WHERE log = 'daily_cash'") >= 1
    assert count("SELECT count(*) FROM contact_log") >= 1 and count("SELECT count(*) FROM correspondence") >= 1


def test_look_alike_customers_make_the_search_take_care(sql):
    main_at_premise = """
        SELECT pe.first_name, pe.last_name, pr.street_key, pr.id AS premise
        FROM persons pe JOIN account_persons ap ON ap.person_id = pe.id AND ap.role = 'main'
        JOIN service_agreements sa ON sa.account_id = ap.account_id AND sa.kind = 'electric'
        JOIN premises pr ON pr.id = sa.premise_id WHERE pe.kind = 'individual'"""
    same_surname_same_street = scalar(sql, f"""
        SELECT count(*) FROM (SELECT last_name, street_key FROM ({main_at_premise})
                              GROUP BY 1, 2 HAVING count(DISTINCT premise) > 1)""")
    same_name_elsewhere = scalar(sql, f"""
        SELECT count(*) FROM (SELECT first_name, last_name FROM ({main_at_premise})
                              GROUP BY 1, 2 HAVING count(DISTINCT premise) > 1)""")
    assert same_surname_same_street >= 3
    assert same_name_elsewhere >= 1


# --- Sandboxes ------------------------------------------------------------------------------


def _ledger_rows(engine_or_path) -> int:
    if isinstance(engine_or_path, Engine):
        with engine_or_path.connect() as connection:
            return connection.exec_driver_sql("SELECT count(*) FROM financial_transactions").scalar()
    connection = sqlite3.connect(str(engine_or_path))
    try:
        return connection.execute("SELECT count(*) FROM financial_transactions").fetchone()[0]
    finally:
        connection.close()


@pytest.mark.parametrize("method", ["copy", "backup"])
def test_a_sandbox_is_an_isolated_copy_of_the_template(template, tmp_path, method):
    before = _ledger_rows(template)
    first = database.make_sandbox(template, tmp_path, "run-a", method=method)
    second = database.make_sandbox(template, tmp_path, "run-b", method=method)
    assert digest(first) == digest(template)
    engine = database.make_engine(first)
    try:
        with Session(engine) as session:
            account_id = session.scalar(select(func.min(Account.id)))
            ledger.post(session, account_id, "payment", "-12.34", effective=DEFAULT_TODAY)
            session.commit()
        assert _ledger_rows(engine) == before + 1
    finally:
        engine.dispose()
    assert _ledger_rows(template) == before
    assert _ledger_rows(second) == before


def test_open_and_drop_sandbox_by_run_id(template, tmp_path, monkeypatch):
    monkeypatch.setenv("CSR_SIM_CIS_TEMPLATE", str(template))
    monkeypatch.setenv("CSR_SIM_CIS_SANDBOX_DIR", str(tmp_path / "boxes"))
    database.reset()
    try:
        engine = database.open_sandbox("attempt-1")
        assert database.open_sandbox("attempt-1") is engine  # a page reload finds the same copy
        with Session(engine) as session:
            ledger.post(session, 1, "late_fee", "5.00", effective=DEFAULT_TODAY)
            session.commit()
        other = database.open_sandbox("attempt-2")
        assert _ledger_rows(engine) == _ledger_rows(other) + 1
        path = database.sandbox_path("attempt-1")
        assert path.exists()
        database.drop_sandbox("attempt-1")
        assert not path.exists() and not path.with_name(path.name + "-wal").exists()
        fresh = database.open_sandbox("attempt-1")
        assert _ledger_rows(fresh) == _ledger_rows(template)
        with pytest.raises(ValueError):
            database.open_sandbox("../escape")
    finally:
        database.reset()


def test_a_missing_template_says_to_seed_first(tmp_path):
    with pytest.raises(FileNotFoundError, match="csr-sim seed"):
        database.make_sandbox(tmp_path / "none.sqlite3", tmp_path, "x")


# --- Bills follow the policy ----------------------------------------------------------------


def test_the_fast_bill_arithmetic_is_the_policys():
    from fake_cis import policy
    from fake_cis.seed import EV_CLASSES, segment_cents, tariff

    rates = tariff()
    for kwh in (0, 1, 137, 359, 360, 361, 612, 1499, 2873, 40112):
        for days in (1, 17, 28, 30, 31, 33, 45, 62):
            cases = [("commercial", False, False, 0, 0)] + [
                ("residential", eap, medical, ev_class, vehicles)
                for eap, medical in ((False, False), (True, False), (False, True))
                for ev_class, vehicles in ((0, 0), (0, 1), (1, 2), (2, 1))]
            for account_class, eap, medical, ev_class, vehicles in cases:
                fixed, energy, discount, tax, amount, ev = segment_cents(
                    rates, account_class == "commercial", eap, kwh, days, medical=medical, ev_class=ev_class,
                    ev_vehicles=vehicles)
                expected = policy.bill_charges(kwh, account_class, days=days, low_income=eap, medical=medical,
                                               ev_vehicles=(EV_CLASSES[ev_class],) * vehicles)
                case = (kwh, days, account_class, eap, medical, ev_class, vehicles)
                assert Decimal(amount + ev) / 100 == expected.total, case
                assert Decimal(tax) / 100 == expected.tax, case
                assert Decimal(fixed + energy + discount + ev) / 100 == expected.subtotal, case


def test_every_seeded_bill_is_what_the_policy_charges(engine):
    import json

    from fake_cis import policy

    checked = 0
    with Session(engine) as session:
        rows = session.execute(select(
            Bill.id, Bill.current_charges, Account.customer_class, ServiceAgreement.rate_code,
            BillSegment.kwh, BillSegment.period_start, BillSegment.period_end,
        ).join(Account, Account.id == Bill.account_id).join(BillSegment, BillSegment.bill_id == Bill.id)
            .join(ServiceAgreement, ServiceAgreement.id == BillSegment.sa_id)
            .where(ServiceAgreement.kind == "electric")).all()
        vehicles: dict[int, tuple[str, ...]] = {}
        for bill_id, details in session.execute(
                select(BillSegment.bill_id, ProgramEnrollment.details)
                .join(ProgramEnrollment, ProgramEnrollment.sa_id == BillSegment.sa_id)
                .where(ProgramEnrollment.program == "ev_discount")):
            details = details if isinstance(details, dict) else json.loads(details)
            vehicles[bill_id] = tuple(details["vehicles"])
        for bill_id, charges, account_class, rate_code, kwh, start, end in rows:
            expected = policy.bill_charges(kwh, account_class, days=(end - start).days,
                                           low_income="EAP" in rate_code, medical="MED" in rate_code,
                                           ev_vehicles=vehicles.get(bill_id, ()))
            assert charges == expected.total, (bill_id, rate_code, kwh, start, end)
            checked += 1
    assert checked > 24 * CUSTOMERS * 0.9
