"""The simulated utility's policy: the policy file, its loader, and every policy function."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from fake_cis.policy import (
    POLICY_FILE,
    Arrangement,
    BillCharges,
    DepositDecision,
    PolicyError,
    PolicyFileError,
    Restoration,
    add_months,
    agency_referral_due,
    arrangement_eligible,
    arrangement_schedule,
    bankruptcy_assurance_due,
    bill_charges,
    cents,
    deposit_decision,
    deposit_refund_due,
    forty_eight_hour_notice_expires,
    is_business_hours,
    late_fee,
    late_fee_assessment,
    load_policy,
    max_deposit,
    minimum_down_payment,
    nsf_consequences,
    parse_policy,
    policy_rule,
    policy_rules,
    program_conflicts,
    program_names,
    proof_of_claim_deadline,
    read_policy,
    rebate_amount,
    restoration_requirements,
    ten_day_notice_window,
    usd,
)

D = Decimal
DOCS = Path(__file__).resolve().parents[2] / "docs" / "policy.md"
POLICY_TEXT = POLICY_FILE.read_text(encoding="utf-8")
UTC = dt.timezone.utc
PACIFIC = ZoneInfo("America/Los_Angeles")


def d(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


def at(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text)


# --- the shipped policy file --------------------------------------------------------------


def test_shipped_policy_loads_and_is_cached():
    load_policy.cache_clear()
    first = load_policy()
    assert load_policy() is first
    assert load_policy(POLICY_FILE) is first


def test_every_entry_has_a_source_an_effective_date_and_a_status():
    rules = policy_rules()
    keys = [key for key, _ in rules]
    assert len(keys) == len(set(keys))
    assert len(rules) >= 35
    for key, rule in rules:
        assert rule.source.strip(), key
        assert isinstance(rule.effective, dt.date), key
        assert rule.status in {"confirmed", "default"}, key


@pytest.mark.parametrize(
    ("key", "status"),
    [
        pytest.param("fees.account_establishment", "confirmed", id="establishment-fee-confirmed"),
        pytest.param("deposits.cap", "confirmed", id="deposit-cap-statute"),
        pytest.param("collections.ten_day_notice", "confirmed", id="ten-day-notice-statute"),
        pytest.param("bankruptcy.assurance", "confirmed", id="bankruptcy-statute"),
        pytest.param("fees.late_payment", "default", id="late-fee-default"),
        pytest.param("fees.late_payment_low_income_exemption", "default", id="low-income-exemption-default"),
        pytest.param("fees.returned_payment", "default", id="nsf-fee-default"),
        pytest.param("fees.returned_payment_cash_only", "default", id="cash-only-default"),
        pytest.param("fees.reconnection", "default", id="reconnect-fee-default"),
        pytest.param("business_hours", "default", id="business-hours-default"),
        pytest.param("collections.arrangement_down_payment", "default", id="down-payment-default"),
        pytest.param("collections.arrangement_eligibility", "default", id="eligibility-default"),
        pytest.param("billing.utility_users_tax", "default", id="uut-default"),
        pytest.param("billing.residential_rate", "default", id="rates-default"),
        pytest.param("programs.medical.medical_baseline", "default", id="medical-baseline-kwh-default"),
        pytest.param("rebates.level2_charger", "default", id="rebate-default"),
        pytest.param("programs.net_metering", "default", id="legacy-closed-default"),
    ],
)
def test_status_of_key_entries(key, status):
    assert policy_rule(key).status == status


@pytest.mark.parametrize(
    ("key", "field", "value"),
    [
        pytest.param("fees.account_establishment", "amount", D("15.00"), id="establishment-15"),
        pytest.param("deposits.commercial", "minimum", D("300.00"), id="commercial-minimum-300"),
        pytest.param("deposits.cap", "multiple_of_average_periodic_bill", D("2"), id="cap-2x"),
        pytest.param("deposits.refund", "consecutive_on_time_payments", 12, id="refund-after-12"),
        pytest.param("fees.late_payment", "percent", D("5"), id="late-5-percent"),
        pytest.param("fees.late_payment", "grace_days", 10, id="grace-10-days"),
        pytest.param("fees.returned_payment", "fee", D("25.00"), id="nsf-25"),
        pytest.param("fees.reconnection", "business_hours_fee", D("30.00"), id="reconnect-30"),
        pytest.param("fees.reconnection", "after_hours_fee", D("50.00"), id="reconnect-50"),
        pytest.param("collections.payment_arrangement", "max_months", 12, id="arrangement-12-months"),
        pytest.param("collections.agency_referral", "days_after_final_bill", 90, id="agency-90-days"),
        pytest.param("programs.energy_assistance", "discount_percent", D("25"), id="eap-25-percent"),
        pytest.param("programs.autopay", "start_weeks", "4-6", id="autopay-4-6-weeks"),
        pytest.param("programs.balanced_payment", "recalculate_every_months", 4, id="balanced-every-4"),
        pytest.param("programs.balanced_payment", "lookback_months", 12, id="balanced-from-12"),
    ],
)
def test_values_from_the_reference(key, field, value):
    assert getattr(policy_rule(key), field) == value


def test_ev_discount_by_weight():
    rates = load_policy().programs.ev_discount.per_vehicle_per_month
    assert rates == {"light": D("9.00"), "medium": D("15.00"), "heavy": D("21.00")}


def test_unknown_policy_key_is_refused():
    with pytest.raises(PolicyError, match="no policy entry 'fees.nope'"):
        policy_rule("fees.nope")
    with pytest.raises(PolicyError, match="is a policy section"):
        policy_rule("fees")


def test_docs_list_every_policy_entry():
    text = DOCS.read_text(encoding="utf-8")
    missing = [key for key, _ in policy_rules() if f"`{key}`" not in text]
    assert not missing, f"docs/policy.md does not list {missing}"


def test_changing_a_value_is_a_data_change():
    data = yaml.safe_load(POLICY_TEXT)
    data["fees"]["late_payment"]["percent"] = "10"
    data["fees"]["reconnection"]["after_hours_fee"] = "90.00"
    changed = parse_policy(data)
    assert late_fee(D("200.00"), days_past_due=11, low_income=False, policy=changed) == D("20.00")
    saturday = at("2026-12-05 10:00")
    result = restoration_requirements(D("0.00"), saturday, deposit_required=False, deposit_amount=D(0), policy=changed)
    assert result.reconnect_fee == D("90.00")


# --- a broken policy file fails loudly, naming the field ----------------------------------


@pytest.mark.parametrize(
    ("old", "new", "field", "message"),
    [
        pytest.param(
            "    grace_days: 10\n", "", "fees.late_payment.grace_days", "required field is missing", id="missing-field"
        ),
        pytest.param(
            '    amount: "15.00"',
            '    amount: "-15.00"',
            "fees.account_establishment.amount",
            "must not be negative",
            id="negative-amount",
        ),
        pytest.param(
            'after_hours_fee: "50.00"',
            "after_hours_fee: 50.00",
            "fees.reconnection.after_hours_fee",
            "quoted string",
            id="unquoted-amount",
        ),
        pytest.param(
            'amount: "15.00"', 'amount: "15.001"', "fees.account_establishment.amount", "more than 2 decimal places",
            id="fraction-of-a-cent",
        ),
        pytest.param(
            'amount: "15.00"', 'amount: "fifteen"', "fees.account_establishment.amount", "not a number",
            id="not-a-number",
        ),
        pytest.param(
            'closes: "17:00"', "closes: 17:00", "business_hours.closes", "quoted time of day", id="unquoted-time"
        ),
        pytest.param(
            'opens: "08:00"', 'opens: "18:00"', "business_hours", "must be before closes", id="opens-after-closes"
        ),
        pytest.param(
            "percent: \"5\"\n    grace_days", "percent: \"105\"\n    grace_days", "fees.late_payment.percent",
            "not be more than 100", id="percent-over-100",
        ),
        pytest.param(
            "    billed: first bill", "    billed: first bill\n    amont: \"15.00\"", "fees.account_establishment.amont",
            "unknown field", id="misspelt-field",
        ),
        pytest.param(
            "  status: default\n  note: >-\n    Decides", "  status: maybe\n  note: >-\n    Decides",
            "business_hours.status", "'confirmed' or 'default'", id="unknown-status",
        ),
        pytest.param(
            "  timezone: America/Los_Angeles", "  timezone: Pacific/Nowhere", "business_hours",
            "not a known time zone", id="unknown-timezone",
        ),
        pytest.param(
            "- {date: 2026-01-19,", "- {date: 2026-13-19,", "business_hours.holidays[1].date", "ISO date",
            id="bad-holiday-date",
        ),
        pytest.param(
            "excludes: [medical]", "excludes: [medicl]", "programs", "'medicl', which is not a program",
            id="excludes-unknown-program",
        ),
        pytest.param(
            "        heavy: 6,000 lb and over\n", "", "programs.ev_discount", "must name the same classes",
            id="ev-classes-mismatch",
        ),
        pytest.param(
            '{effective: 2026-07-01, amount: "400.00"}', '{effective: 2025-01-01, amount: "400.00"}',
            "rebates.level2_charger", "in order of effective date", id="rebates-out-of-order",
        ),
        pytest.param(
            "    max_months: 12", "    max_months: twelve", "collections.payment_arrangement.max_months",
            "valid integer", id="count-not-a-number",
        ),
        pytest.param(
            "    fee: \"25.00\"\n", "    fee: \"25.00\"\n    fee: \"30.00\"\n", "", "found the key 'fee' twice",
            id="duplicate-key",
        ),
        pytest.param("version: 1", "version: 2", "version", "Input should be 1", id="wrong-version"),
        pytest.param("rebates:\n", "rebates: [\n", "", "not valid YAML", id="yaml-syntax-error"),
    ],
)
def test_broken_policy_file_names_the_field(tmp_path, old, new, field, message):
    assert POLICY_TEXT.count(old) >= 1, old
    broken = tmp_path / "policy.yaml"
    broken.write_text(POLICY_TEXT.replace(old, new, 1), encoding="utf-8")
    with pytest.raises(PolicyFileError) as caught:
        read_policy(broken)
    text = str(caught.value)
    assert str(broken) in text
    assert message in text
    if field:
        assert any(problem_field == field for problem_field, _ in caught.value.problems), caught.value.problems


def test_broken_policy_file_refused_by_load_policy(tmp_path):
    broken = tmp_path / "policy.yaml"
    broken.write_text(POLICY_TEXT.replace('    amount: "15.00"', '    amount: "-1.00"'), encoding="utf-8")
    with pytest.raises(PolicyFileError, match=r"fees\.account_establishment\.amount: must not be negative"):
        load_policy(broken)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        pytest.param("- just\n- a list\n", "must hold a mapping", id="not-a-mapping"),
        pytest.param("", "must hold a mapping", id="empty-file"),
    ],
)
def test_policy_file_of_the_wrong_shape(tmp_path, content, message):
    path = tmp_path / "policy.yaml"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(PolicyFileError, match=message):
        read_policy(path)


def test_missing_policy_file(tmp_path):
    with pytest.raises(PolicyFileError, match="cannot be read"):
        read_policy(tmp_path / "absent.yaml")


def test_missing_section_is_named():
    data = yaml.safe_load(POLICY_TEXT)
    del data["collections"]
    with pytest.raises(PolicyFileError, match="collections: required field is missing"):
        parse_policy(data)


# --- helpers ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        pytest.param(D("0.005"), D("0.01"), id="half-up"),
        pytest.param(D("0.0049"), D("0.00"), id="below-half"),
        pytest.param(D("2.675"), D("2.68"), id="half-up-not-banker"),
        pytest.param(D("-0.005"), D("-0.01"), id="negative-half-away"),
    ],
)
def test_cents_rounds_half_up(value, expected):
    assert cents(value) == expected


@pytest.mark.parametrize(
    ("value", "text"),
    [
        pytest.param(D("1234.5"), "$1,234.50", id="thousands"),
        pytest.param(D("-9"), "-$9.00", id="negative"),
        pytest.param(D("0"), "$0.00", id="zero"),
    ],
)
def test_usd(value, text):
    assert usd(value) == text


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        pytest.param("2027-01-31", 1, "2027-02-28", id="jan31-to-feb28"),
        pytest.param("2028-01-31", 1, "2028-02-29", id="leap-year"),
        pytest.param("2027-01-31", 2, "2027-03-31", id="day-kept-from-start"),
        pytest.param("2026-11-15", 2, "2027-01-15", id="year-rollover"),
        pytest.param("2026-03-15", 12, "2027-03-15", id="twelve-months"),
    ],
)
def test_add_months(day, months, expected):
    assert add_months(d(day), months) == d(expected)


# --- deposits -----------------------------------------------------------------------------


def _deposit(account_class="residential", *, shutoff=False, late=False, letter=False, bankrupt=False, avg="123.45",
             months=1) -> DepositDecision:
    return deposit_decision(
        account_class,
        prior_nonpay_shutoff=shutoff,
        late_payment_history=late,
        credit_letter=letter,
        in_bankruptcy=bankrupt,
        average_monthly_bill=D(avg),
        months_per_bill=months,
    )


@pytest.mark.parametrize(
    ("kwargs", "required", "amount", "cap", "waived", "reason"),
    [
        pytest.param({}, False, "0.00", "246.90", False, "No deposit", id="res-clean-history"),
        pytest.param({"shutoff": True}, True, "246.90", "246.90", False, "shut off for non-payment",
                     id="res-after-nonpay-shutoff"),
        pytest.param({"late": True}, True, "246.90", "246.90", False, "bad payment history",
                     id="res-late-history"),
        pytest.param({"shutoff": True, "late": True}, True, "246.90", "246.90", False,
                     "shut off for non-payment and there is a bad payment history", id="res-both-triggers"),
        pytest.param({"shutoff": True, "letter": True}, False, "0.00", "246.90", True, "waived",
                     id="res-credit-letter-waives"),
        pytest.param({"late": True, "letter": True}, False, "0.00", "246.90", True, "credit letter",
                     id="res-credit-letter-waives-late-history"),
        pytest.param({"letter": True}, False, "0.00", "246.90", False, "No deposit", id="res-letter-nothing-to-waive"),
        pytest.param({"bankrupt": True}, True, "246.90", "246.90", False, "bankruptcy", id="res-bankruptcy"),
        pytest.param({"bankrupt": True, "letter": True}, True, "246.90", "246.90", False,
                     "does not waive a bankruptcy", id="res-bankruptcy-letter-not-waived"),
        pytest.param({"bankrupt": True, "shutoff": True}, True, "246.90", "246.90", False, "would also be required",
                     id="res-bankruptcy-and-shutoff"),
        pytest.param({"shutoff": True, "months": 2}, True, "493.80", "493.80", False, "2 months x $123.45",
                     id="res-bimonthly-billing"),
        pytest.param({"shutoff": True, "avg": "100.005"}, True, "200.02", "200.02", False, "$100.01",
                     id="res-average-rounded-to-cents"),
        pytest.param({"avg": "0"}, False, "0.00", "0.00", False, "No deposit", id="res-no-estimate-not-needed"),
        pytest.param({"account_class": "commercial", "avg": "90.00"}, True, "300.00", "300.00", False,
                     "commercial minimum", id="com-small-business-minimum"),
        pytest.param({"account_class": "commercial", "avg": "150.00"}, True, "300.00", "300.00", False,
                     "at least the commercial minimum", id="com-exactly-minimum"),
        pytest.param({"account_class": "commercial", "avg": "150.01"}, True, "300.02", "300.02", False,
                     "2 x the average bill", id="com-just-above-minimum"),
        pytest.param({"account_class": "commercial", "avg": "400.00"}, True, "800.00", "800.00", False,
                     "2 x the average bill", id="com-large-business"),
        pytest.param({"account_class": "commercial", "avg": "0"}, True, "300.00", "300.00", False,
                     "commercial minimum", id="com-no-estimate-minimum"),
        pytest.param({"account_class": "commercial", "letter": True, "avg": "90.00"}, True, "300.00", "300.00",
                     False, "residential deposits only", id="com-letter-does-not-waive"),
        pytest.param({"account_class": "commercial", "bankrupt": True, "avg": "90.00"}, True, "300.00", "300.00",
                     False, "assurance of payment", id="com-bankruptcy"),
    ],
)
def test_deposit_decision(kwargs, required, amount, cap, waived, reason):
    kwargs = dict(kwargs)
    account_class = kwargs.pop("account_class", "residential")
    decision = _deposit(account_class, **kwargs)
    assert decision.required is required
    assert decision.amount == D(amount)
    assert decision.cap == D(cap)
    assert decision.waived is waived
    assert any(reason in r for r in decision.reasons), decision.reasons
    assert decision.refs
    assert bool(decision.forms) is required


def test_deposit_forms():
    assert "surety bond" in _deposit(shutoff=True).forms
    assert _deposit(bankrupt=True).forms == load_policy().bankruptcy.assurance.forms
    assert [ref.key for ref in _deposit(shutoff=True, letter=True).refs] == [
        "deposits.residential_required",
        "deposits.waiver",
    ]


@pytest.mark.parametrize(
    ("call", "message"),
    [
        pytest.param(lambda: _deposit("industrial"), "unknown account class 'industrial'", id="unknown-class"),
        pytest.param(lambda: _deposit(avg="-1"), "must not be negative", id="negative-average"),
        pytest.param(lambda: _deposit(months=0), "months_per_bill must be 1 to 12", id="zero-months-per-bill"),
        pytest.param(lambda: _deposit(months=13), "months_per_bill must be 1 to 12", id="13-months-per-bill"),
        pytest.param(lambda: _deposit(shutoff=True, avg="0"), "estimate the average monthly bill",
                     id="required-without-estimate"),
        pytest.param(lambda: _deposit(shutoff=None), "prior_nonpay_shutoff must be True or False", id="flag-not-bool"),
        pytest.param(
            lambda: deposit_decision("residential", prior_nonpay_shutoff=True, late_payment_history=False,
                                     credit_letter=False, in_bankruptcy=False, average_monthly_bill=123.45),
            "must be a Decimal, not float",
            id="float-average",
        ),
    ],
)
def test_deposit_refusals(call, message):
    with pytest.raises(PolicyError, match=re.escape(message)):
        call()


@pytest.mark.parametrize(
    ("average", "account_class", "months", "expected"),
    [
        pytest.param("0", "residential", 1, "0.00", id="res-zero"),
        pytest.param("50.00", "residential", 1, "100.00", id="res-twice"),
        pytest.param("50.00", "residential", 3, "300.00", id="res-quarterly"),
        pytest.param("0", "commercial", 1, "300.00", id="com-zero-minimum"),
        pytest.param("149.99", "commercial", 1, "300.00", id="com-below-minimum"),
        pytest.param("150.01", "commercial", 1, "300.02", id="com-above-minimum"),
    ],
)
def test_max_deposit(average, account_class, months, expected):
    assert max_deposit(D(average), account_class, months_per_bill=months) == D(expected)


@given(
    average=st.decimals(min_value=D("0.01"), max_value=D("20000"), places=3),
    months=st.integers(1, 12),
    shutoff=st.booleans(),
    late=st.booleans(),
    letter=st.booleans(),
    bankrupt=st.booleans(),
)
def test_residential_deposit_never_above_the_cap(average, months, shutoff, late, letter, bankrupt):
    decision = deposit_decision(
        "residential",
        prior_nonpay_shutoff=shutoff,
        late_payment_history=late,
        credit_letter=letter,
        in_bankruptcy=bankrupt,
        average_monthly_bill=average,
        months_per_bill=months,
    )
    assert decision.cap == cents(cents(average) * months * 2)
    assert D(0) <= decision.amount <= decision.cap
    assert decision.required == (bankrupt or ((shutoff or late) and not letter))


@given(average=st.decimals(min_value=D("0"), max_value=D("20000"), places=2), bankrupt=st.booleans())
def test_commercial_deposit_always_required_at_least_the_minimum(average, bankrupt):
    decision = deposit_decision(
        "commercial",
        prior_nonpay_shutoff=False,
        late_payment_history=False,
        credit_letter=True,
        in_bankruptcy=bankrupt,
        average_monthly_bill=average,
    )
    assert decision.required
    assert decision.amount == max(D("300.00"), cents(average * 2))


@pytest.mark.parametrize(
    ("payments", "due"),
    [
        pytest.param(0, False, id="none"),
        pytest.param(11, False, id="eleven"),
        pytest.param(12, True, id="twelve"),
        pytest.param(13, True, id="thirteen"),
    ],
)
def test_deposit_refund_due(payments, due):
    assert deposit_refund_due(payments) is due


@pytest.mark.parametrize(
    ("payments", "message"),
    [
        pytest.param(-1, "at least 0", id="negative"),
        pytest.param(12.0, "whole number", id="float"),
        pytest.param(True, "whole number", id="bool"),
    ],
)
def test_deposit_refund_refusals(payments, message):
    with pytest.raises(PolicyError, match=message):
        deposit_refund_due(payments)


# --- restoration and business hours -------------------------------------------------------


@pytest.mark.parametrize(
    ("moment", "business", "why"),
    [
        pytest.param(at("2026-12-01 10:00"), True, "within business hours", id="tuesday-morning"),
        pytest.param(at("2026-12-01 08:00"), True, "within business hours", id="opening-minute"),
        pytest.param(at("2026-12-01 07:59"), False, "before business hours", id="one-minute-before-opening"),
        pytest.param(at("2026-12-01 16:59"), True, "within business hours", id="16-59"),
        pytest.param(at("2026-12-01 16:59:59"), True, "within business hours", id="16-59-59"),
        pytest.param(at("2026-12-01 17:00"), False, "after business hours", id="17-00-closing"),
        pytest.param(at("2026-12-04 16:30"), True, "within business hours", id="friday-afternoon"),
        pytest.param(at("2026-12-05 10:00"), False, "not a business day", id="saturday"),
        pytest.param(at("2026-12-06 10:00"), False, "not a business day", id="sunday"),
        pytest.param(at("2026-12-25 10:00"), False, "holiday (Christmas Day)", id="christmas"),
        pytest.param(at("2026-11-27 10:00"), False, "Day after Thanksgiving", id="day-after-thanksgiving"),
        pytest.param(at("2026-07-03 10:00"), False, "Independence Day (observed)", id="observed-holiday"),
        pytest.param(dt.datetime(2026, 12, 1, 16, 30, tzinfo=UTC), True, "08:30", id="utc-is-0830-pacific"),
        pytest.param(dt.datetime(2026, 12, 2, 1, 30, tzinfo=UTC), False, "17:30", id="utc-is-1730-pacific"),
        pytest.param(dt.datetime(2026, 7, 1, 15, 30, tzinfo=UTC), True, "08:30", id="summer-time-utc-0830-pdt"),
        pytest.param(dt.datetime(2026, 12, 1, 16, 59, tzinfo=PACIFIC), True, "16:59", id="aware-pacific"),
    ],
)
def test_reconnection_fee_by_time(moment, business, why):
    assert is_business_hours(moment) is business
    result = restoration_requirements(D("100.00"), moment, deposit_required=False, deposit_amount=D("0"))
    assert result.after_hours is not business
    assert result.reconnect_fee == (D("30.00") if business else D("50.00"))
    assert result.total == D("100.00") + result.reconnect_fee
    assert any(why in reason for reason in result.reasons), result.reasons


@pytest.mark.parametrize(
    ("past_due", "moment", "deposit_required", "deposit", "expected"),
    [
        pytest.param("212.40", "2026-12-01 10:00", False, "0", ("212.40", "30.00", False, "0.00", "242.40"),
                     id="business-hours-no-deposit"),
        pytest.param("212.40", "2026-12-05 10:00", True, "240.00", ("212.40", "50.00", True, "240.00", "502.40"),
                     id="saturday-with-deposit"),
        pytest.param("0.00", "2026-12-01 10:00", False, "0", ("0.00", "30.00", False, "0.00", "30.00"),
                     id="nothing-past-due"),
        pytest.param("1500.55", "2026-12-01 17:00", True, "300.00", ("1500.55", "50.00", True, "300.00", "1850.55"),
                     id="after-hours-commercial-deposit"),
    ],
)
def test_restoration_requirements(past_due, moment, deposit_required, deposit, expected):
    result = restoration_requirements(D(past_due), at(moment), deposit_required=deposit_required,
                                      deposit_amount=D(deposit))
    assert isinstance(result, Restoration)
    assert (result.past_due, result.reconnect_fee, result.after_hours, result.deposit, result.total) == (
        D(expected[0]), D(expected[1]), expected[2], D(expected[3]), D(expected[4])
    )
    assert result.total == result.past_due + result.reconnect_fee + result.deposit
    assert f"Total to restore service: {usd(result.total)}." in result.reasons
    assert any("actually posted" in reason for reason in result.reasons)
    assert {ref.key for ref in result.refs} >= {"fees.reconnection", "business_hours"}


@pytest.mark.parametrize(
    ("args", "kwargs", "message"),
    [
        pytest.param((D("-1.00"), at("2026-12-01 10:00")), {"deposit_required": False, "deposit_amount": D(0)},
                     "past_due must not be negative", id="negative-past-due"),
        pytest.param((D("10.005"), at("2026-12-01 10:00")), {"deposit_required": False, "deposit_amount": D(0)},
                     "fraction of a cent", id="sub-cent"),
        pytest.param((10.5, at("2026-12-01 10:00")), {"deposit_required": False, "deposit_amount": D(0)},
                     "must be a Decimal, not float", id="float-past-due"),
        pytest.param((D("10"), d("2026-12-01")), {"deposit_required": False, "deposit_amount": D(0)},
                     "at must be a datetime", id="date-not-datetime"),
        pytest.param((D("10"), at("2026-12-01 10:00")), {"deposit_required": True, "deposit_amount": D(0)},
                     "deposit_amount is not positive", id="required-deposit-zero"),
        pytest.param((D("10"), at("2026-12-01 10:00")), {"deposit_required": False, "deposit_amount": D("50")},
                     "deposit_required is False", id="deposit-given-not-required"),
    ],
)
def test_restoration_refusals(args, kwargs, message):
    with pytest.raises(PolicyError, match=re.escape(message)):
        restoration_requirements(*args, **kwargs)


# --- payment arrangements -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("balance", "down", "months", "first_due", "amounts", "dates"),
    [
        pytest.param("1000.00", "250.00", 3, "2026-12-15", ["250.00"] * 3, ["2026-12-15", "2027-01-15", "2027-02-15"],
                     id="even-split"),
        pytest.param("1000.00", "250.00", 7, "2027-01-31", ["107.14"] * 6 + ["107.16"],
                     ["2027-01-31", "2027-02-28", "2027-03-31", "2027-04-30", "2027-05-31", "2027-06-30",
                      "2027-07-31"], id="last-absorbs-rounding-up"),
        pytest.param("2.67", "0.67", 3, "2026-12-01", ["0.67", "0.67", "0.66"],
                     ["2026-12-01", "2027-01-01", "2027-02-01"], id="last-absorbs-rounding-down"),
        pytest.param("480.00", "120.00", 1, "2026-12-10", ["360.00"], ["2026-12-10"], id="one-month"),
        pytest.param("1200.00", "300.00", 12, "2026-12-10", ["75.00"] * 12, None, id="twelve-months-allowed"),
        pytest.param("100.02", "25.01", 2, "2028-01-31", ["37.51", "37.50"], ["2028-01-31", "2028-02-29"],
                     id="minimum-rounded-half-up-and-leap-february"),
        pytest.param("500.00", "400.00", 4, "2026-12-01", ["25.00"] * 4, None, id="large-down-payment"),
    ],
)
def test_arrangement_schedule(balance, down, months, first_due, amounts, dates):
    plan = arrangement_schedule(D(balance), D(down), months, d(first_due))
    assert isinstance(plan, Arrangement)
    assert [amount for _, amount in plan.installments] == [D(a) for a in amounts]
    if dates:
        assert [due for due, _ in plan.installments] == [d(x) for x in dates]
    assert plan.down_payment == D(down)
    assert plan.total == plan.balance == D(balance)
    assert any("paid on time" in reason for reason in plan.reasons)


@pytest.mark.parametrize(
    ("balance", "down", "months", "message"),
    [
        pytest.param("1200.00", "300.00", 13, "an arrangement runs 1 to 12 months (got 13)", id="13-months"),
        pytest.param("1200.00", "300.00", 0, "an arrangement runs 1 to 12 months (got 0)", id="zero-months"),
        pytest.param("1200.00", "300.00", -2, "1 to 12 months (got -2)", id="negative-months"),
        pytest.param("1000.00", "249.99", 6, "down payment $249.99 is below the minimum $250.00 (25 % of the "
                     "$1,000.00 balance)", id="down-one-cent-below-minimum"),
        pytest.param("100.02", "25.00", 6, "below the minimum $25.01", id="minimum-rounds-half-up"),
        pytest.param("1000.00", "1000.01", 6, "down payment $1,000.01 is more than the balance $1,000.00",
                     id="down-above-balance"),
        pytest.param("1000.00", "1000.00", 6, "is the whole balance: nothing is left to arrange",
                     id="down-equals-balance"),
        pytest.param("0.00", "0.00", 6, "balance must be positive", id="zero-balance"),
        pytest.param("-50.00", "0.00", 6, "balance must be positive", id="credit-balance"),
        pytest.param("0.10", "0.03", 12, "the remaining $0.07 is too small to split into 12 installments",
                     id="remainder-too-small"),
        pytest.param("1000.00", "-5.00", 6, "must not be negative", id="negative-down"),
        pytest.param("1000.001", "250.00", 6, "fraction of a cent", id="sub-cent-balance"),
    ],
)
def test_arrangement_refusals(balance, down, months, message):
    with pytest.raises(PolicyError, match=re.escape(message)):
        arrangement_schedule(D(balance), D(down), months, d("2026-12-15"))


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        pytest.param({"months": 6.0}, "months must be a whole number", id="float-months"),
        pytest.param({"months": True}, "months must be a whole number", id="bool-months"),
        pytest.param({"first_due": at("2026-12-15 00:00")}, "first_due must be a date", id="datetime-first-due"),
    ],
)
def test_arrangement_refuses_wrong_types(kwargs, message):
    args = {"months": 6, "first_due": d("2026-12-15")} | kwargs
    with pytest.raises(PolicyError, match=message):
        arrangement_schedule(D("1000.00"), D("250.00"), args["months"], args["first_due"])


def test_policy_error_is_a_value_error():
    with pytest.raises(ValueError):
        arrangement_schedule(D("1000.00"), D("250.00"), 13, d("2026-12-15"))


@given(
    balance_cents=st.integers(min_value=100, max_value=10_000_000),
    down_fraction=st.fractions(min_value=0, max_value=1),
    months=st.integers(1, 12),
    first_due=st.dates(min_value=dt.date(2026, 1, 1), max_value=dt.date(2030, 12, 31)),
)
def test_arrangement_installments_add_up(balance_cents, down_fraction, months, first_due):
    balance = D(balance_cents) / 100
    minimum = minimum_down_payment(balance)
    # any down payment from the minimum up to the balance less $1.00 (so every installment gets a cent)
    room = balance - D("1.00") - minimum
    if room < 0:
        return
    down = minimum + cents(room * D(down_fraction.numerator) / D(down_fraction.denominator))
    plan = arrangement_schedule(balance, down, months, first_due)
    amounts = [amount for _, amount in plan.installments]
    assert sum(amounts) == balance - down
    assert plan.total == balance
    assert len(amounts) == months
    assert all(a > 0 for a in amounts)
    assert len(set(amounts[:-1])) <= 1
    assert abs(amounts[-1] - amounts[0]) <= D("0.01") * months
    dates = [due for due, _ in plan.installments]
    assert dates[0] == first_due and all(a < b for a, b in zip(dates, dates[1:]))


@given(
    balance=st.decimals(min_value=D("-10"), max_value=D("5000"), places=2),
    down=st.decimals(min_value=D("-10"), max_value=D("5000"), places=2),
    months=st.integers(-1, 14),
)
def test_arrangement_either_refuses_or_adds_up(balance, down, months):
    try:
        plan = arrangement_schedule(balance, down, months, dt.date(2027, 1, 15))
    except PolicyError:
        return
    assert sum(amount for _, amount in plan.installments) == balance - down
    assert 1 <= months <= 12 and minimum_down_payment(balance) <= down < balance


@pytest.mark.parametrize(
    ("kwargs", "eligible", "eligible_from", "reason"),
    [
        pytest.param({"today": d("2026-12-01")}, True, None, "Eligible", id="no-history"),
        pytest.param({"today": d("2026-12-01"), "has_active_arrangement": True}, False, None, "already in force",
                     id="arrangement-in-force"),
        pytest.param({"today": d("2027-03-14"), "last_broken_on": d("2026-03-15")}, False, d("2027-03-15"),
                     "within the last 12 months", id="broken-11-months-ago"),
        pytest.param({"today": d("2027-03-15"), "last_broken_on": d("2026-03-15")}, True, None, "Eligible",
                     id="broken-exactly-12-months-ago"),
        pytest.param({"today": d("2026-12-01"), "last_broken_on": d("2026-12-01")}, False, d("2027-12-01"),
                     "broke on 2026-12-01", id="broken-today"),
        pytest.param({"today": d("2027-02-28"), "last_broken_on": d("2026-02-28")}, True, None, "Eligible",
                     id="broken-feb-28"),
        pytest.param({"today": d("2026-12-01"), "last_broken_on": d("2026-06-01"), "has_active_arrangement": True},
                     False, None, "already in force", id="both-bars"),
    ],
)
def test_arrangement_eligible(kwargs, eligible, eligible_from, reason):
    result = arrangement_eligible(**kwargs)
    assert result.eligible is eligible
    assert result.eligible_from == eligible_from
    assert any(reason in r for r in result.reasons), result.reasons


def test_arrangement_eligible_refuses_a_future_break():
    with pytest.raises(PolicyError, match="is after today"):
        arrangement_eligible(today=d("2026-12-01"), last_broken_on=d("2026-12-02"))


# --- late fee and returned payments -------------------------------------------------------


@pytest.mark.parametrize(
    ("past_due", "days", "low_income", "fee", "reason"),
    [
        pytest.param("180.00", 10, False, "0.00", "within the 10-day grace period", id="day-10-in-grace"),
        pytest.param("180.00", 11, False, "9.00", "5 % of the past-due $180.00", id="day-11-fee"),
        pytest.param("180.00", 1, False, "0.00", "grace period", id="day-1"),
        pytest.param("180.00", 0, False, "0.00", "not past due yet", id="due-today"),
        pytest.param("180.00", -3, False, "0.00", "not past due yet", id="not-yet-due"),
        pytest.param("180.00", 45, True, "0.00", "low-income rate customers are exempt", id="low-income-exempt"),
        pytest.param("180.00", 10, True, "0.00", "grace period", id="low-income-in-grace"),
        pytest.param("0.00", 30, False, "0.00", "nothing is past due", id="nothing-past-due"),
        pytest.param("-20.00", 30, False, "0.00", "nothing is past due", id="credit-balance"),
        pytest.param("100.10", 30, False, "5.01", "5 %", id="rounds-half-up"),
        pytest.param("0.10", 30, False, "0.01", "5 %", id="half-cent-up"),
        pytest.param("0.09", 30, False, "0.00", "5 %", id="below-half-cent"),
        pytest.param("12345.67", 90, False, "617.28", "5 %", id="large-balance"),
    ],
)
def test_late_fee(past_due, days, low_income, fee, reason):
    assert late_fee(D(past_due), days_past_due=days, low_income=low_income) == D(fee)
    assessment = late_fee_assessment(D(past_due), days_past_due=days, low_income=low_income)
    assert assessment.amount == D(fee)
    assert any(reason in r for r in assessment.reasons), assessment.reasons
    assert assessment.refs[0].key == "fees.late_payment"


@pytest.mark.parametrize(
    ("past_due", "days", "message"),
    [
        pytest.param(180.0, 11, "must be a Decimal, not float", id="float-amount"),
        pytest.param(D("10.001"), 11, "fraction of a cent", id="sub-cent"),
        pytest.param(D("10.00"), "11", "days_past_due must be a whole number", id="days-as-text"),
    ],
)
def test_late_fee_refusals(past_due, days, message):
    with pytest.raises(PolicyError, match=message):
        late_fee(past_due, days_past_due=days, low_income=False)


@pytest.mark.parametrize(
    ("count", "returned_on", "fee", "cash_only", "months", "until"),
    [
        pytest.param(0, None, "0.00", False, 0, None, id="no-returns"),
        pytest.param(1, d("2026-11-02"), "25.00", False, 0, None, id="first-return"),
        pytest.param(2, d("2026-11-02"), "25.00", True, 12, d("2027-11-02"), id="second-return-cash-only"),
        pytest.param(3, None, "25.00", True, 12, None, id="third-return-no-date"),
        pytest.param(2, d("2028-02-29"), "25.00", True, 12, d("2029-02-28"), id="leap-day-return"),
    ],
)
def test_nsf_consequences(count, returned_on, fee, cash_only, months, until):
    result = nsf_consequences(count, returned_on=returned_on)
    assert result.fee == D(fee)
    assert result.cash_only is cash_only
    assert result.cash_only_months == months
    assert result.cash_only_until == until
    assert ("cash" in result.accepted_forms) is cash_only


@pytest.mark.parametrize(
    ("count", "message"),
    [
        pytest.param(-1, "at least 0", id="negative"),
        pytest.param("2", "whole number", id="text"),
        pytest.param(True, "whole number", id="bool"),
    ],
)
def test_nsf_refusals(count, message):
    with pytest.raises(PolicyError, match=message):
        nsf_consequences(count)


# --- notices and agency referral ----------------------------------------------------------


@pytest.mark.parametrize(
    ("bill", "mailed", "earliest", "not_before"),
    [
        pytest.param("2026-11-02", None, "2026-11-21", "2026-12-06", id="earliest-mailing"),
        pytest.param("2026-12-20", None, "2027-01-08", "2027-01-23", id="across-new-year"),
        pytest.param("2028-02-10", None, "2028-02-29", "2028-03-15", id="leap-year"),
        pytest.param("2026-11-02", "2026-11-21", "2026-11-21", "2026-12-06", id="mailed-on-earliest-day"),
        pytest.param("2026-11-02", "2026-11-25", "2026-11-21", "2026-12-10", id="mailed-later"),
    ],
)
def test_ten_day_notice_window(bill, mailed, earliest, not_before):
    window = ten_day_notice_window(d(bill), mailed_on=d(mailed) if mailed else None)
    assert window.earliest_mailing == d(earliest)
    assert window.disconnect_not_before == d(not_before)
    first, second = window
    assert (first, second) == (d(earliest), d(not_before))
    assert window.refs[0].source == "PUC 10010"


def test_ten_day_notice_mailed_too_early():
    with pytest.raises(PolicyError, match="mailed 2026-11-20 is too early: the earliest mailing date is 2026-11-21"):
        ten_day_notice_window(d("2026-11-02"), mailed_on=d("2026-11-20"))


def test_forty_eight_hour_notice():
    assert forty_eight_hour_notice_expires(at("2026-12-01 09:15")) == at("2026-12-03 09:15")
    with pytest.raises(PolicyError, match="posted_at must be a datetime"):
        forty_eight_hour_notice_expires(d("2026-12-01"))


@pytest.mark.parametrize(
    ("final_bill", "today", "unpaid", "due"),
    [
        pytest.param("2026-08-01", "2026-10-29", "84.12", False, id="day-89"),
        pytest.param("2026-08-01", "2026-10-30", "84.12", True, id="day-90"),
        pytest.param("2026-08-01", "2026-10-31", "84.12", True, id="day-91"),
        pytest.param("2026-08-01", "2026-08-01", "84.12", False, id="final-bill-day"),
        pytest.param("2026-08-01", "2027-08-01", "0.00", False, id="paid-in-full"),
        pytest.param("2026-08-01", "2027-08-01", "-12.00", False, id="credit-balance"),
        pytest.param("2026-08-01", "2026-10-30", "0.01", True, id="one-cent-unpaid"),
    ],
)
def test_agency_referral_due(final_bill, today, unpaid, due):
    assert agency_referral_due(d(final_bill), d(today), D(unpaid)) is due


@pytest.mark.parametrize(
    ("args", "message"),
    [
        pytest.param((d("2026-08-01"), d("2026-07-31"), D("5.00")), "is before the final bill date", id="today-before"),
        pytest.param((d("2026-08-01"), d("2026-12-01"), 5.0), "not float", id="float-unpaid"),
        pytest.param(("2026-08-01", d("2026-12-01"), D("5")), "final_bill_date must be a date", id="text-date"),
    ],
)
def test_agency_referral_refusals(args, message):
    with pytest.raises(PolicyError, match=message):
        agency_referral_due(*args)


# --- bankruptcy ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("chapter", "order", "due"),
    [
        pytest.param(7, "2026-03-02", "2026-03-22", id="chapter-7-20-days"),
        pytest.param(13, "2026-03-02", "2026-03-22", id="chapter-13-20-days"),
        pytest.param(12, "2026-03-02", "2026-03-22", id="chapter-12-20-days"),
        pytest.param(11, "2026-03-02", "2026-04-01", id="chapter-11-30-days"),
        pytest.param(7, "2026-12-20", "2027-01-09", id="across-year-end"),
    ],
)
def test_bankruptcy_assurance_due(chapter, order, due):
    assert bankruptcy_assurance_due(chapter, d(order)) == d(due)


@pytest.mark.parametrize(
    ("chapter", "petition", "deadline"),
    [
        pytest.param(7, "2026-03-02", "2026-05-11", id="chapter-7-70-days"),
        pytest.param(13, "2026-03-02", "2026-05-11", id="chapter-13-70-days"),
        pytest.param(12, "2026-03-02", "2026-05-11", id="chapter-12-70-days"),
        pytest.param(11, "2026-03-02", None, id="chapter-11-court-sets-bar-date"),
    ],
)
def test_proof_of_claim_deadline(chapter, petition, deadline):
    assert proof_of_claim_deadline(chapter, d(petition)) == (d(deadline) if deadline else None)


@pytest.mark.parametrize(
    "chapter",
    [pytest.param(9, id="chapter-9"), pytest.param(15, id="chapter-15"), pytest.param("7", id="text"),
     pytest.param(True, id="bool"), pytest.param(0, id="zero")],
)
def test_bankruptcy_chapter_refused(chapter):
    with pytest.raises(PolicyError, match="bankruptcy chapter must be one of 7, 11, 12, 13"):
        bankruptcy_assurance_due(chapter, d("2026-03-02"))
    with pytest.raises(PolicyError, match="bankruptcy chapter must be one of"):
        proof_of_claim_deadline(chapter, d("2026-03-02"))


# --- programs and rebates -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("enrolled", "new", "expected"),
    [
        pytest.param(set(), "energy_assistance", [], id="eap-alone"),
        pytest.param({"medical"}, "energy_assistance", ["cannot be combined with Medical / life-support"],
                     id="eap-with-medical"),
        pytest.param({"energy_assistance"}, "medical", ["cannot be combined with Energy Assistance Program"],
                     id="medical-with-eap"),
        pytest.param({"net_metering"}, "renewable_generation", ["cannot be combined with Legacy net metering"],
                     id="solar-plans-exclusive"),
        pytest.param(set(), "net_metering", ["closed to new enrollment"], id="legacy-net-metering-closed"),
        pytest.param({"net_metering"}, "net_metering", ["Already enrolled in Legacy net metering"],
                     id="legacy-already-enrolled"),
        pytest.param({"paperless"}, "paperless", ["Already enrolled in Paperless billing"], id="paperless-twice"),
        pytest.param({"paperless", "autopay"}, "balanced_payment", [], id="billing-programs-combine"),
        pytest.param({"medical", "ev_discount"}, "autopay", [], id="medical-ev-autopay"),
        pytest.param(frozenset({"energy_assistance", "ev_discount"}), "renewable_generation", [], id="frozenset"),
        pytest.param(["medical", "medical"], "energy_assistance", ["cannot be combined"], id="list-with-repeat"),
        pytest.param({"medical", "net_metering"}, "energy_assistance", ["cannot be combined with Medical"],
                     id="one-conflict-among-several"),
    ],
)
def test_program_conflicts(enrolled, new, expected):
    conflicts = program_conflicts(enrolled, new)
    assert len(conflicts) == len(expected)
    for fragment, message in zip(expected, conflicts):
        assert fragment in message


@pytest.mark.parametrize(
    ("enrolled", "new", "message"),
    [
        pytest.param(set(), "solar", "unknown program 'solar'; valid: energy_assistance, medical, ev_discount",
                     id="unknown-new-program"),
        pytest.param({"low_income"}, "paperless", "unknown program 'low_income'", id="unknown-enrolled"),
        pytest.param("medical", "paperless", "not one string", id="enrolled-as-string"),
    ],
)
def test_program_conflicts_refusals(enrolled, new, message):
    with pytest.raises(PolicyError, match=re.escape(message)):
        program_conflicts(enrolled, new)


def test_program_names():
    names = program_names()
    assert names["energy_assistance"] == "Energy Assistance Program"
    assert list(names) == [
        "energy_assistance", "medical", "ev_discount", "net_metering", "renewable_generation", "paperless",
        "autopay", "balanced_payment",
    ]


@pytest.mark.parametrize(
    ("rebate", "on", "amount"),
    [
        pytest.param("level2_charger", "2025-06-30", None, id="before-first-amount"),
        pytest.param("level2_charger", "2025-07-01", "500.00", id="first-amount-day"),
        pytest.param("level2_charger", "2026-06-30", "500.00", id="day-before-change"),
        pytest.param("level2_charger", "2026-07-01", "400.00", id="new-amount-day"),
        pytest.param("panel_upgrade", "2027-01-01", "750.00", id="panel-upgrade"),
        pytest.param("heat_pump_water_heater", "2026-12-01", "1000.00", id="heat-pump-water-heater"),
    ],
)
def test_rebate_amount(rebate, on, amount):
    assert rebate_amount(rebate, d(on)) == (D(amount) if amount else None)


def test_rebate_end_date_and_unknown_rebate():
    data = yaml.safe_load(POLICY_TEXT)
    data["rebates"]["panel_upgrade"]["ends"] = "2027-01-01"
    policy = parse_policy(data)
    assert rebate_amount("panel_upgrade", d("2026-12-31"), policy=policy) == D("750.00")
    assert rebate_amount("panel_upgrade", d("2027-01-01"), policy=policy) is None
    with pytest.raises(PolicyError, match="unknown rebate 'solar_panels'; valid: level2_charger"):
        rebate_amount("solar_panels", d("2026-12-01"))


# --- bill charges -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwh", "account_class", "kwargs", "segments", "subtotal", "tax", "total", "allowance"),
    [
        pytest.param(0, "residential", {}, ["12.00"], "12.00", "0.60", "12.60", 360, id="res-no-use"),
        pytest.param(360, "residential", {}, ["12.00", "54.00"], "66.00", "3.30", "69.30", 360,
                     id="res-exactly-baseline"),
        pytest.param(361, "residential", {}, ["12.00", "54.00", "0.19"], "66.19", "3.31", "69.50", 360,
                     id="res-one-kwh-above-baseline"),
        pytest.param(812, "residential", {}, ["12.00", "54.00", "85.88"], "151.88", "7.59", "159.47", 360,
                     id="res-two-tiers"),
        pytest.param(812, "residential", {"low_income": True}, ["12.00", "54.00", "85.88", "-37.97"], "113.91",
                     "5.70", "119.61", 360, id="res-energy-assistance"),
        pytest.param(812, "residential", {"medical": True}, ["12.00", "121.80"], "133.80", "6.69", "140.49", 855,
                     id="res-medical-baseline"),
        pytest.param(900, "residential", {"medical": True, "days": 31}, ["12.40", "132.60", "3.04"], "148.04",
                     "7.40", "155.44", 884, id="res-medical-31-days-allowance-rounded"),
        pytest.param(200, "residential", {"days": 15}, ["6.00", "27.00", "3.80"], "36.80", "1.84", "38.64", 180,
                     id="res-15-day-period"),
        pytest.param(812, "residential", {"low_income": True, "ev_vehicles": ("light", "heavy", "light")},
                     ["12.00", "54.00", "85.88", "-37.97", "-18.00", "-21.00"], "74.91", "3.75", "78.66", 360,
                     id="res-eap-and-ev"),
        pytest.param(500, "residential", {"ev_vehicles": ("medium",)}, ["12.00", "54.00", "26.60", "-15.00"],
                     "77.60", "3.88", "81.48", 360, id="res-ev-medium"),
        pytest.param(0, "residential", {"ev_vehicles": ("heavy", "heavy", "heavy")}, ["12.00", "-12.00"], "0.00",
                     "0.00", "0.00", 360, id="res-ev-discount-limited-to-charges"),
        pytest.param(1400, "commercial", {"days": 31}, ["25.83", "231.00"], "256.83", "12.84", "269.67", None,
                     id="com-31-days"),
        pytest.param(0, "commercial", {}, ["25.00"], "25.00", "1.25", "26.25", None, id="com-no-use"),
    ],
)
def test_bill_charges(kwh, account_class, kwargs, segments, subtotal, tax, total, allowance):
    bill = bill_charges(kwh, account_class, **kwargs)
    assert isinstance(bill, BillCharges)
    assert [amount for _, amount in bill.segments] == [D(s) for s in segments]
    assert (bill.subtotal, bill.tax, bill.total) == (D(subtotal), D(tax), D(total))
    assert bill.baseline_allowance_kwh == allowance
    assert bill.lines[-1] == (bill.tax_description, bill.tax)
    assert bill.refs[-1].key == "billing.utility_users_tax"


def test_energy_assistance_discount_is_before_tax_and_not_on_tax():
    plain = bill_charges(812, "residential")
    assisted = bill_charges(812, "residential", low_income=True)
    discount = -assisted.segments[-1][1]
    assert discount == cents(plain.subtotal * D("0.25"))
    assert assisted.tax == cents((plain.subtotal - discount) * D("0.05"))
    assert any("not applied to the tax itself" in reason for reason in assisted.reasons)
    assert assisted.segments[-1][0] == "Energy Assistance Program discount (25 % of $151.88)"


def test_ev_discount_limit_is_explained():
    bill = bill_charges(0, "residential", ev_vehicles=("heavy", "heavy", "heavy"))
    assert any("limited to $12.00 of $63.00" in reason for reason in bill.reasons)


def test_bill_descriptions():
    bill = bill_charges(812, "residential", ev_vehicles=("light",))
    assert [text for text, _ in bill.segments] == [
        "Customer charge (30 days at $12.00 a month)",
        "Energy, 360 kWh within the baseline allowance at $0.15/kWh",
        "Energy, 452 kWh above the baseline allowance at $0.19/kWh",
        "EV discount, 1 light vehicle ($9.00 per vehicle a month)",
    ]
    assert bill.tax_description == "Utility users tax (5 % of $142.88)"


@pytest.mark.parametrize(
    ("kwh", "account_class", "kwargs", "message"),
    [
        pytest.param(500, "residential", {"low_income": True, "medical": True},
                     "Energy Assistance Program cannot be combined with the Medical / life-support discount",
                     id="eap-and-medical"),
        pytest.param(500, "commercial", {"low_income": True}, "Energy Assistance Program is for residential accounts",
                     id="commercial-eap"),
        pytest.param(500, "commercial", {"medical": True}, "Medical / life-support is for residential accounts",
                     id="commercial-medical"),
        pytest.param(500, "commercial", {"ev_vehicles": ("light",)}, "EV discount is for residential accounts",
                     id="commercial-ev"),
        pytest.param(500, "residential", {"ev_vehicles": ("suv",)}, "unknown EV weight class 'suv'; valid: light, "
                     "medium, heavy", id="unknown-ev-class"),
        pytest.param(500, "residential", {"ev_vehicles": "light"}, "not one string", id="ev-as-string"),
        pytest.param(500, "residential", {"days": 0}, "days must be 1 to 62 (got 0)", id="zero-days"),
        pytest.param(500, "residential", {"days": 63}, "days must be 1 to 62 (got 63)", id="63-days"),
        pytest.param(-1, "residential", {}, "kwh must be at least 0", id="negative-kwh"),
        pytest.param(1.5, "residential", {}, "kwh must be a whole number", id="fractional-kwh"),
        pytest.param(500, "industrial", {}, "unknown account class 'industrial'; valid: residential, commercial",
                     id="unknown-class"),
        pytest.param(500, "residential", {"low_income": "yes"}, "low_income must be True or False",
                     id="flag-not-bool"),
    ],
)
def test_bill_charges_refusals(kwh, account_class, kwargs, message):
    with pytest.raises(PolicyError, match=re.escape(message)):
        bill_charges(kwh, account_class, **kwargs)


@st.composite
def bills(draw):
    account_class = draw(st.sampled_from(["residential", "commercial"]))
    kwargs = {"days": draw(st.integers(1, 62))}
    if account_class == "residential":
        program = draw(st.sampled_from(["none", "low_income", "medical"]))
        if program != "none":
            kwargs[program] = True
        kwargs["ev_vehicles"] = tuple(draw(st.lists(st.sampled_from(["light", "medium", "heavy"]), max_size=4)))
    return draw(st.integers(0, 20_000)), account_class, kwargs


@given(bills())
def test_bill_total_is_subtotal_plus_tax(case):
    kwh, account_class, kwargs = case
    bill = bill_charges(kwh, account_class, **kwargs)
    assert bill.subtotal == sum(amount for _, amount in bill.segments)
    assert bill.total == bill.subtotal + bill.tax
    assert bill.tax == cents(bill.subtotal * D("0.05"))
    assert bill.subtotal >= 0
    assert all(amount == cents(amount) for _, amount in bill.segments)
    discounts = [text for text, amount in bill.segments if amount < 0]
    assert all("discount" in text for text in discounts)


@given(kwh=st.integers(0, 5000), days=st.integers(1, 62))
def test_discounts_never_raise_the_bill(kwh, days):
    plain = bill_charges(kwh, "residential", days=days)
    assert bill_charges(kwh, "residential", days=days, low_income=True).total <= plain.total
    assert bill_charges(kwh, "residential", days=days, medical=True).total <= plain.total
    assert bill_charges(kwh, "residential", days=days, ev_vehicles=("light",)).total <= plain.total
