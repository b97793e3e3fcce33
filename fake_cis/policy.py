"""The simulated utility's policy: every fee, rate and rule, and the decisions made from them.

The values live in ``fake_cis/policy.yaml``, each with its source, the date it applies from
and whether it is ``confirmed`` (statute or the utility's own stated practice) or a
``default`` (a comparable utility's value or a simulator choice that HR / the utility should
set). This module

- validates that file with pydantic models when it is loaded (``load_policy``): a missing
  field, an unknown field, a negative or malformed amount, an unquoted amount or time, a
  duplicated key or a program excluding a program that does not exist stops the load with
  a ``PolicyFileError`` naming the field, e.g. ``fees.reconnection.after_hours_fee``;
- decides with pure functions: no database, no clock, no I/O beyond reading the policy
  file once. Money is ``Decimal`` rounded half-up to cents; dates are ``datetime.date``,
  moments ``datetime.datetime`` (naive means the utility's local time).

Decisions return small frozen dataclasses that carry the figures together with the
reasons (sentences a result page can show) and references (``PolicyRef``) naming the
policy entries used, their sources and status. A request the policy refuses raises ``PolicyError`` (a
``ValueError``) with a message a CSR can read. The rules are described, with a worked
example each, in ``docs/policy.md``.

Every function takes an optional keyword ``policy``; without it the cached policy from
``fake_cis/policy.yaml`` is used.
"""

from __future__ import annotations

import calendar
import datetime as dt
import functools
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from pathlib import Path
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml
from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictBool,
    StrictInt,
    StringConstraints,
    ValidationError,
    model_validator,
)

POLICY_FILE = Path(__file__).with_name("policy.yaml")

CENT = Decimal("0.01")
ACCOUNT_CLASSES = ("residential", "commercial")
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


class PolicyError(ValueError):
    """A request the policy refuses or cannot decide; the message says why."""


class PolicyFileError(ValueError):
    """The policy file cannot be read or is invalid; ``problems`` lists (field, message)."""

    def __init__(self, path: Path | str, problems: list[tuple[str, str]]):
        self.path = Path(path)
        self.problems = problems
        lines = "\n".join(f"  {field}: {message}" if field else f"  {message}" for field, message in problems)
        super().__init__(f"policy file {self.path} is invalid:\n{lines}")


# --- value types read from the file ----------------------------------------------------


def _decimal_text(value: Any, *, places: int, maximum: Decimal | None = None, example: str) -> Decimal:
    if isinstance(value, Decimal):
        number = value
    elif isinstance(value, str):
        try:
            number = Decimal(value.strip())
        except InvalidOperation:
            raise ValueError(f"{value!r} is not a number") from None
    else:
        raise ValueError(f"write the number as a quoted string such as {example!r}, not {value!r}")
    if not number.is_finite():
        raise ValueError(f"{value!r} is not a finite number")
    if number < 0:
        raise ValueError(f"must not be negative (got {value!r})")
    if maximum is not None and number > maximum:
        raise ValueError(f"must not be more than {maximum} (got {value!r})")
    if number != 0 and -number.as_tuple().exponent > places:
        raise ValueError(f"{value!r} has more than {places} decimal places")
    return number


def _money_text(value: Any) -> Decimal:
    return _decimal_text(value, places=2, example="15.00")


def _rate_text(value: Any) -> Decimal:
    return _decimal_text(value, places=5, example="0.15000")


def _percent_text(value: Any) -> Decimal:
    return _decimal_text(value, places=3, maximum=Decimal(100), example="5")


def _quantity_text(value: Any) -> Decimal:
    return _decimal_text(value, places=3, example="12")


def _iso_date(value: Any) -> dt.date:
    if isinstance(value, dt.datetime):
        raise ValueError(f"must be a date without a time, such as 2026-07-01 (got {value!r})")
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise ValueError(f"must be an ISO date such as 2026-07-01 (got {value!r})")


def _time_of_day(value: Any) -> dt.time:
    # Unquoted 17:00 reaches us from YAML as the integer 1020: refuse anything but text.
    if isinstance(value, str):
        try:
            parsed = dt.time.fromisoformat(value.strip())
            if len(value.strip()) == 5:
                return parsed
        except ValueError:
            pass
    raise ValueError(f"must be a quoted time of day such as '08:00' (got {value!r})")


Money = Annotated[Decimal, BeforeValidator(_money_text)]
Rate = Annotated[Decimal, BeforeValidator(_rate_text)]
Percent = Annotated[Decimal, BeforeValidator(_percent_text)]
Quantity = Annotated[Decimal, BeforeValidator(_quantity_text)]
IsoDate = Annotated[dt.date, BeforeValidator(_iso_date)]
TimeOfDay = Annotated[dt.time, BeforeValidator(_time_of_day)]
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
Count = Annotated[StrictInt, Field(ge=0)]
PositiveCount = Annotated[StrictInt, Field(ge=1)]
AccountClass = Literal["residential", "commercial"]
Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Rule(_Model):
    """One policy entry: its own values plus where they come from."""

    source: Text
    effective: IsoDate
    status: Literal["confirmed", "default"]
    note: Text | None = None


# --- the policy file's shape -------------------------------------------------------------


class Holiday(_Model):
    date: IsoDate
    name: Text


class BusinessHours(Rule):
    timezone: Text
    weekdays: tuple[Weekday, ...] = Field(min_length=1)
    opens: TimeOfDay
    closes: TimeOfDay
    holidays: tuple[Holiday, ...] = ()

    @model_validator(mode="after")
    def _check(self) -> BusinessHours:
        try:
            ZoneInfo(self.timezone)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"timezone {self.timezone!r} is not a known time zone") from None
        if self.opens >= self.closes:
            raise ValueError(f"opens ({self.opens:%H:%M}) must be before closes ({self.closes:%H:%M})")
        if len(set(self.weekdays)) != len(self.weekdays):
            raise ValueError("weekdays lists a day twice")
        dates = [h.date for h in self.holidays]
        if len(set(dates)) != len(dates):
            raise ValueError("holidays lists a date twice")
        return self


class AccountEstablishment(Rule):
    amount: Money
    billed: Text
    not_charged_when: tuple[Text, ...] = ()


class LatePayment(Rule):
    percent: Percent
    grace_days: Count


class LowIncomeExemption(Rule):
    low_income_exempt: StrictBool


class ReturnedPayment(Rule):
    fee: Money


class ReturnedPaymentCashOnly(Rule):
    returns: PositiveCount
    within_months: PositiveCount
    cash_only_months: PositiveCount
    accepted_forms: tuple[Text, ...] = Field(min_length=1)


class Reconnection(Rule):
    business_hours_fee: Money
    after_hours_fee: Money


class Fees(_Model):
    account_establishment: AccountEstablishment
    late_payment: LatePayment
    late_payment_low_income_exemption: LowIncomeExemption
    returned_payment: ReturnedPayment
    returned_payment_cash_only: ReturnedPaymentCashOnly
    reconnection: Reconnection


class ResidentialDepositRequired(Rule):
    required_when: tuple[Text, ...] = Field(min_length=1)
    may_require_when: tuple[Text, ...] = ()


class CommercialDeposit(Rule):
    minimum: Money


class BankruptcyDeposit(Rule):
    required_when: tuple[Text, ...] = Field(min_length=1)


class DepositCap(Rule):
    multiple_of_average_periodic_bill: Quantity
    applies_to: tuple[AccountClass, ...] = Field(min_length=1)


class DepositWaiver(Rule):
    waived_when: tuple[Text, ...] = Field(min_length=1)
    applies_to: tuple[AccountClass, ...] = Field(min_length=1)


class DepositForms(Rule):
    accepted: tuple[Text, ...] = Field(min_length=1)


class DepositRefund(Rule):
    consecutive_on_time_payments: PositiveCount
    on_close: Text
    refund_mailed_within_weeks: Text


class Deposits(_Model):
    residential_required: ResidentialDepositRequired
    commercial: CommercialDeposit
    bankruptcy: BankruptcyDeposit
    cap: DepositCap
    waiver: DepositWaiver
    forms: DepositForms
    refund: DepositRefund


class BillingPeriod(Rule):
    days_per_month: PositiveCount
    max_days: PositiveCount

    @model_validator(mode="after")
    def _check(self) -> BillingPeriod:
        if self.max_days < self.days_per_month:
            raise ValueError(f"max_days ({self.max_days}) must be at least days_per_month ({self.days_per_month})")
        return self


class ResidentialRate(Rule):
    customer_charge_per_month: Money
    baseline_kwh_per_day: Quantity
    tier1_per_kwh: Rate
    tier2_per_kwh: Rate


class CommercialRate(Rule):
    customer_charge_per_month: Money
    energy_per_kwh: Rate


class UtilityUsersTax(Rule):
    percent: Percent
    base: Text


class Billing(_Model):
    period: BillingPeriod
    residential_rate: ResidentialRate
    commercial_rate: CommercialRate
    utility_users_tax: UtilityUsersTax


class TenDayNotice(Rule):
    earliest_days_after_bill: Count
    starts_days_after_mailing: Count
    notice_days: PositiveCount


class FortyEightHourNotice(Rule):
    hours: PositiveCount
    contact_attempt_hours_before: PositiveCount
    third_party_notice_for: tuple[Text, ...] = ()


class DisconnectionHolds(Rule):
    no_disconnection_while: tuple[Text, ...] = Field(min_length=1)


class PaymentArrangement(Rule):
    max_months: PositiveCount
    keep_current: Text


class ArrangementDownPayment(Rule):
    minimum_percent: Percent


class ArrangementEligibilityRule(Rule):
    broken_arrangement_lookback_months: Count


class AgencyReferral(Rule):
    days_after_final_bill: PositiveCount


class Collections(_Model):
    ten_day_notice: TenDayNotice
    forty_eight_hour_notice: FortyEightHourNotice
    disconnection_holds: DisconnectionHolds
    payment_arrangement: PaymentArrangement
    arrangement_down_payment: ArrangementDownPayment
    arrangement_eligibility: ArrangementEligibilityRule
    agency_referral: AgencyReferral


class BankruptcyAssurance(Rule):
    chapters: tuple[PositiveCount, ...] = Field(min_length=1)
    days_after_order_for_relief: PositiveCount
    chapter_11_days_after_petition: PositiveCount
    forms: tuple[Text, ...] = Field(min_length=1)


class ProofOfClaim(Rule):
    days_after_petition: PositiveCount
    chapters: tuple[PositiveCount, ...] = Field(min_length=1)
    form: Text
    account_digits_shown: PositiveCount


class Bankruptcy(_Model):
    assurance: BankruptcyAssurance
    proof_of_claim: ProofOfClaim

    @model_validator(mode="after")
    def _check(self) -> Bankruptcy:
        unknown = sorted(set(self.proof_of_claim.chapters) - set(self.assurance.chapters))
        if unknown:
            raise ValueError(f"proof_of_claim.chapters {unknown} are not in assurance.chapters")
        return self


class Program(Rule):
    name: Text
    classes: tuple[AccountClass, ...] = Field(min_length=1)
    excludes: tuple[Text, ...] = ()
    requires: tuple[Text, ...] = ()
    open_to_new_enrollment: StrictBool = True


class EnergyAssistance(Program):
    discount_percent: Percent
    applies_to: tuple[Text, ...] = Field(min_length=1)


class MedicalBaseline(Rule):
    kwh_per_day: Quantity


class Medical(Program):
    holds_disconnection: StrictBool
    medical_baseline: MedicalBaseline


class EvWeightClasses(Rule):
    by_curb_weight: dict[Text, Text] = Field(min_length=1)


class EvDiscount(Program):
    per_vehicle_per_month: dict[Text, Money] = Field(min_length=1)
    weight_classes: EvWeightClasses

    @model_validator(mode="after")
    def _check(self) -> EvDiscount:
        if set(self.per_vehicle_per_month) != set(self.weight_classes.by_curb_weight):
            raise ValueError(
                "per_vehicle_per_month and weight_classes.by_curb_weight must name the same classes "
                f"({sorted(self.per_vehicle_per_month)} vs {sorted(self.weight_classes.by_curb_weight)})"
            )
        return self


class NetMetering(Program):
    true_up: Text


class Autopay(Program):
    start_weeks: Text


class BalancedPayment(Program):
    recalculate_every_months: PositiveCount
    lookback_months: PositiveCount


class Programs(_Model):
    energy_assistance: EnergyAssistance
    medical: Medical
    ev_discount: EvDiscount
    net_metering: NetMetering
    renewable_generation: Program
    paperless: Program
    autopay: Autopay
    balanced_payment: BalancedPayment

    def items(self) -> tuple[tuple[str, Program], ...]:
        return tuple((key, getattr(self, key)) for key in type(self).model_fields)

    @model_validator(mode="after")
    def _check(self) -> Programs:
        known = set(type(self).model_fields)
        for key, program in self.items():
            for other in program.excludes:
                if other not in known:
                    raise ValueError(
                        f"{key}.excludes names {other!r}, which is not a program ({', '.join(sorted(known))})"
                    )
                if other == key:
                    raise ValueError(f"{key}.excludes names the program itself")
        return self


class DatedAmount(_Model):
    effective: IsoDate
    amount: Money


class Rebate(Rule):
    name: Text
    amounts: tuple[DatedAmount, ...] = Field(min_length=1)
    ends: IsoDate | None = None

    @model_validator(mode="after")
    def _check(self) -> Rebate:
        dates = [a.effective for a in self.amounts]
        if any(b <= a for a, b in zip(dates, dates[1:])):
            raise ValueError("amounts must be listed in order of effective date, one amount per date")
        if self.ends is not None and self.ends <= dates[-1]:
            raise ValueError("ends must be after the last amount's effective date")
        return self


class Policy(_Model):
    version: Literal[1]
    business_hours: BusinessHours
    fees: Fees
    deposits: Deposits
    billing: Billing
    collections: Collections
    bankruptcy: Bankruptcy
    programs: Programs
    rebates: dict[Text, Rebate] = Field(min_length=1)


# --- loading ----------------------------------------------------------------------------


class _StrictLoader(yaml.SafeLoader):
    """SafeLoader that refuses a key written twice in one mapping (YAML keeps the last)."""


def _mapping_without_duplicates(loader: _StrictLoader, node: yaml.MappingNode, deep: bool = False) -> dict:
    seen: dict[Any, yaml.Mark] = {}
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=deep)
        if key in seen:
            raise yaml.constructor.ConstructorError(
                "while reading a mapping", node.start_mark, f"found the key {key!r} twice", key_node.start_mark
            )
        seen[key] = key_node.start_mark
    return loader.construct_mapping(node, deep=deep)


_StrictLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _mapping_without_duplicates)
# Dates stay text so that a bad one (2026-13-01) is reported by the model with its field name.
_StrictLoader.yaml_implicit_resolvers = {
    first: [(tag, pattern) for tag, pattern in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def _field_path(loc: tuple) -> str:
    path = ""
    for part in loc:
        if isinstance(part, int):
            path += f"[{part}]"
        else:
            path += f".{part}" if path else str(part)
    return path


def _problems(error: ValidationError) -> list[tuple[str, str]]:
    problems = []
    for item in error.errors():
        message = item["msg"]
        if item["type"] == "missing":
            message = "required field is missing"
        elif item["type"] == "extra_forbidden":
            message = "unknown field (misspelt, or not part of the policy)"
        elif message.startswith("Value error, "):
            message = message.removeprefix("Value error, ")
        problems.append((_field_path(item["loc"]), message))
    return problems


def parse_policy(data: Any, *, path: Path | str = "<policy>") -> Policy:
    """Validate already-read policy data; ``PolicyFileError`` names each bad field."""
    if not isinstance(data, Mapping):
        raise PolicyFileError(path, [("", "the file must hold a mapping of policy sections")])
    try:
        return Policy.model_validate(data)
    except ValidationError as error:
        raise PolicyFileError(path, _problems(error)) from None


def read_policy(path: Path | str = POLICY_FILE) -> Policy:
    """Read and validate a policy file (not cached)."""
    path = Path(path)
    try:
        with path.open(encoding="utf-8") as stream:  # a stream, so YAML errors name the file
            data = yaml.load(stream, Loader=_StrictLoader)  # noqa: S506 - a SafeLoader subclass
    except OSError as error:
        raise PolicyFileError(path, [("", f"cannot be read: {error.strerror or error}")]) from None
    except (yaml.YAMLError, ValueError) as error:
        raise PolicyFileError(path, [("", f"is not valid YAML: {error}")]) from None
    return parse_policy(data, path=path)


@functools.lru_cache(maxsize=8)
def _load_cached(path: Path) -> Policy:
    return read_policy(path)


def load_policy(path: Path | str | None = None) -> Policy:
    """The policy from ``path`` (default ``fake_cis/policy.yaml``), read once and cached."""
    return _load_cached(Path(path).resolve() if path is not None else POLICY_FILE.resolve())


load_policy.cache_clear = _load_cached.cache_clear  # type: ignore[attr-defined]


# --- references to policy entries -------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PolicyRef:
    """A policy entry a decision used: its key in policy.yaml and where the value comes from."""

    key: str
    source: str
    effective: dt.date
    status: str

    def __str__(self) -> str:
        return f"{self.key}: {self.source} ({self.status}, effective {self.effective.isoformat()})"


def policy_rules(policy: Policy | None = None) -> tuple[tuple[str, Rule], ...]:
    """Every entry of the policy with its dotted key, in file order (nested entries after their parent)."""
    policy = policy or load_policy()
    found: list[tuple[str, Rule]] = []

    def walk(value: Any, key: str) -> None:
        if isinstance(value, Rule):
            found.append((key, value))
        if isinstance(value, BaseModel):
            for name in type(value).model_fields:
                walk(getattr(value, name), f"{key}.{name}" if key else name)
        elif isinstance(value, Mapping):
            for name, item in value.items():
                walk(item, f"{key}.{name}")

    walk(policy, "")
    return tuple(found)


def policy_rule(key: str, policy: Policy | None = None) -> Rule:
    """The policy entry at a dotted key such as ``fees.reconnection``."""
    value: Any = policy or load_policy()
    for part in key.split("."):
        if isinstance(value, BaseModel) and part in type(value).model_fields:
            value = getattr(value, part)
        elif isinstance(value, Mapping) and part in value:
            value = value[part]
        else:
            raise PolicyError(f"no policy entry {key!r}")
    if not isinstance(value, Rule):
        raise PolicyError(f"{key!r} is a policy section, not an entry")
    return value


def _refs(policy: Policy, *keys: str) -> tuple[PolicyRef, ...]:
    refs = []
    for key in dict.fromkeys(keys):
        rule = policy_rule(key, policy)
        refs.append(PolicyRef(key, rule.source, rule.effective, rule.status))
    return tuple(refs)


# --- small helpers ----------------------------------------------------------------------


def cents(value: Decimal) -> Decimal:
    """Round to cents, half up (0.005 -> 0.01)."""
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def usd(value: Decimal) -> str:
    """$1,234.50 / -$9.00"""
    value = cents(value)
    return f"-${-value:,.2f}" if value < 0 else f"${value:,.2f}"


def _pct(value: Decimal) -> str:
    return f"{value.normalize():f} %"


def _per_kwh(value: Decimal) -> str:
    text = f"{value.normalize():f}"
    whole, _, frac = text.partition(".")
    return f"${whole}.{frac.ljust(2, '0')}/kWh"


def add_months(day: dt.date, months: int) -> dt.date:
    """The same day ``months`` later, or the month's last day when it is shorter (Jan 31 + 1 = Feb 28)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return day.replace(year=year, month=month, day=min(day.day, calendar.monthrange(year, month)[1]))


def _money_arg(value: Any, name: str) -> Decimal:
    """An amount owed or paid: a Decimal (or int / numeric str) in whole cents."""
    if isinstance(value, bool) or isinstance(value, float):
        raise PolicyError(f"{name} must be a Decimal, not {type(value).__name__} ({value!r})")
    if isinstance(value, int):
        value = Decimal(value)
    elif isinstance(value, str):
        try:
            value = Decimal(value.strip())
        except InvalidOperation:
            raise PolicyError(f"{name} {value!r} is not an amount") from None
    if not isinstance(value, Decimal) or not value.is_finite():
        raise PolicyError(f"{name} must be a Decimal amount (got {value!r})")
    if value != value.quantize(CENT):
        raise PolicyError(f"{name} {value} has a fraction of a cent")
    return value + 0  # normalises -0


def _estimate_arg(value: Any, name: str) -> Decimal:
    """An estimate (such as an average bill): any non-negative Decimal, rounded to cents."""
    if isinstance(value, bool) or isinstance(value, float):
        raise PolicyError(f"{name} must be a Decimal, not {type(value).__name__} ({value!r})")
    if isinstance(value, int):
        value = Decimal(value)
    if not isinstance(value, Decimal) or not value.is_finite():
        raise PolicyError(f"{name} must be a Decimal amount (got {value!r})")
    if value < 0:
        raise PolicyError(f"{name} must not be negative (got {usd(value)})")
    return cents(value)


def _int_arg(value: Any, name: str, *, minimum: int | None = None, maximum: int | None = None) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise PolicyError(f"{name} must be a whole number (got {value!r})")
    if minimum is not None and value < minimum or maximum is not None and value > maximum:
        if maximum is None:
            raise PolicyError(f"{name} must be at least {minimum} (got {value})")
        raise PolicyError(f"{name} must be {minimum} to {maximum} (got {value})")
    return value


def _date_arg(value: Any, name: str) -> dt.date:
    if isinstance(value, dt.datetime) or not isinstance(value, dt.date):
        raise PolicyError(f"{name} must be a date (got {value!r})")
    return value


def _account_class(value: Any) -> str:
    if value not in ACCOUNT_CLASSES:
        raise PolicyError(f"unknown account class {value!r}; valid: {', '.join(ACCOUNT_CLASSES)}")
    return value


def _days_text(days: int) -> str:
    return "1 day" if days == 1 else f"{days} days"


# --- deposits ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class DepositDecision:
    required: bool
    amount: Decimal  # 0 when not required
    cap: Decimal  # the most that may be asked of this account
    reasons: tuple[str, ...]
    refs: tuple[PolicyRef, ...]
    waived: bool = False  # a deposit would have been required but a credit letter waived it
    forms: tuple[str, ...] = ()  # acceptable forms, when required


def max_deposit(
    average_monthly_bill: Decimal, account_class: str, *, months_per_bill: int = 1, policy: Policy | None = None
) -> Decimal:
    """The most the utility may ask as a deposit.

    Residential: ``multiple x average periodic bill`` (PUC 10009.6: twice the estimated
    average periodic bill; a periodic bill is ``months_per_bill`` months). Commercial: the
    larger of the commercial minimum and that multiple - the minimum wins for a small
    business whose doubled bill is below it.
    """
    policy = policy or load_policy()
    account_class = _account_class(account_class)
    average = _estimate_arg(average_monthly_bill, "average_monthly_bill")
    months_per_bill = _int_arg(months_per_bill, "months_per_bill", minimum=1, maximum=12)
    doubled = cents(average * months_per_bill * policy.deposits.cap.multiple_of_average_periodic_bill)
    if account_class == "commercial":
        return max(doubled, policy.deposits.commercial.minimum)
    return doubled


def deposit_decision(
    account_class: str,
    *,
    prior_nonpay_shutoff: bool,
    late_payment_history: bool,
    credit_letter: bool,
    in_bankruptcy: bool,
    average_monthly_bill: Decimal,
    months_per_bill: int = 1,
    policy: Policy | None = None,
) -> DepositDecision:
    """Whether a deposit is required, how much, and why.

    - Bankruptcy of an active customer: required as assurance of payment, any class; a
      credit letter does not waive it.
    - Commercial: always required; amount = max(commercial minimum, 2 x average periodic bill).
    - Residential: required after a shut-off for non-payment or with a bad payment history
      on a prior account, unless a credit letter from a previous utility shows
      creditworthiness (then waived entirely); amount = the cap, 2 x average periodic bill.
    """
    policy = policy or load_policy()
    account_class = _account_class(account_class)
    flags = {
        "prior_nonpay_shutoff": prior_nonpay_shutoff,
        "late_payment_history": late_payment_history,
        "credit_letter": credit_letter,
        "in_bankruptcy": in_bankruptcy,
    }
    for name, flag in flags.items():
        if not isinstance(flag, bool):
            raise PolicyError(f"{name} must be True or False (got {flag!r})")
    average = _estimate_arg(average_monthly_bill, "average_monthly_bill")
    months_per_bill = _int_arg(months_per_bill, "months_per_bill", minimum=1, maximum=12)
    cap = max_deposit(average, account_class, months_per_bill=months_per_bill, policy=policy)
    multiple = policy.deposits.cap.multiple_of_average_periodic_bill
    periodic = cents(average * months_per_bill)
    periodic_text = (
        f"average bill {usd(periodic)}"
        if months_per_bill == 1
        else f"average periodic bill {usd(periodic)} ({months_per_bill} months x {usd(average)})"
    )

    reasons: list[str] = []
    keys: list[str] = []
    required = waived = False
    if in_bankruptcy:
        required = True
        reasons.append("The customer has declared bankruptcy: a deposit is required as assurance of payment.")
        keys += ["deposits.bankruptcy", "bankruptcy.assurance"]
        if credit_letter:
            reasons.append("A credit letter does not waive a bankruptcy assurance deposit.")
    if account_class == "commercial":
        required = True
        reasons.append("Every commercial account pays a deposit.")
        keys.append("deposits.commercial")
        if credit_letter and not in_bankruptcy:
            reasons.append("A credit letter waives residential deposits only.")
    else:
        triggers = []
        if prior_nonpay_shutoff:
            triggers.append("service was shut off for non-payment")
        if late_payment_history:
            triggers.append("there is a bad payment history on a prior account")
        if triggers:
            keys.append("deposits.residential_required")
            why = " and ".join(triggers)
            if in_bankruptcy:
                reasons.append(f"A deposit would also be required because {why}.")
            elif credit_letter:
                waived = True
                keys.append("deposits.waiver")
                reasons.append(
                    f"A deposit would be required because {why}, but it is waived: a credit letter from a "
                    "previous utility shows creditworthiness."
                )
            else:
                required = True
                reasons.append(f"A deposit is required because {why}.")
        elif not in_bankruptcy:
            keys.append("deposits.residential_required")
            reasons.append(
                "No deposit: no shut-off for non-payment and no bad payment history on a prior account."
            )

    amount = Decimal("0.00")
    forms: tuple[str, ...] = ()
    if required:
        amount = cap
        keys.append("deposits.cap")
        doubled = cents(periodic * multiple)
        if account_class == "commercial":
            minimum = policy.deposits.commercial.minimum
            if doubled < minimum:
                reasons.append(
                    f"Amount {usd(amount)}: the commercial minimum, which is more than "
                    f"{multiple.normalize():f} x the {periodic_text} ({usd(doubled)})."
                )
            else:
                reasons.append(
                    f"Amount {usd(amount)}: {multiple.normalize():f} x the {periodic_text}, "
                    f"at least the commercial minimum {usd(minimum)}."
                )
        else:
            reasons.append(
                f"Amount {usd(amount)}: the most allowed, {multiple.normalize():f} x the {periodic_text}."
            )
        if amount <= 0:
            raise PolicyError(
                "a deposit is required but the estimated average bill is $0.00: estimate the average "
                "monthly bill for the premise before setting the deposit"
            )
        if in_bankruptcy:
            forms = policy.bankruptcy.assurance.forms
        else:
            forms = policy.deposits.forms.accepted
            keys.append("deposits.forms")
        reasons.append(f"Accepted as: {', '.join(forms)}.")
    return DepositDecision(required, amount, cap, tuple(reasons), _refs(policy, *keys), waived, forms)


def deposit_refund_due(consecutive_on_time_payments: int, *, policy: Policy | None = None) -> bool:
    """True once the customer has made the required run of consecutive on-time payments (12)."""
    policy = policy or load_policy()
    count = _int_arg(consecutive_on_time_payments, "consecutive_on_time_payments", minimum=0)
    return count >= policy.deposits.refund.consecutive_on_time_payments


# --- business hours and restoration -----------------------------------------------------


def _local_time(at: dt.datetime, policy: Policy) -> dt.datetime:
    if not isinstance(at, dt.datetime):
        raise PolicyError(f"at must be a datetime (got {at!r})")
    if at.tzinfo is None:
        return at
    return at.astimezone(ZoneInfo(policy.business_hours.timezone)).replace(tzinfo=None)


def _business_hours(at: dt.datetime, policy: Policy) -> tuple[bool, str]:
    hours = policy.business_hours
    local = _local_time(at, policy)
    when = f"{local:%A %Y-%m-%d %H:%M}"
    span = f"{hours.opens:%H:%M}-{hours.closes:%H:%M}"
    holiday = next((h.name for h in hours.holidays if h.date == local.date()), None)
    if holiday:
        return False, f"{when} is a holiday ({holiday})"
    if WEEKDAYS[local.weekday()] not in hours.weekdays:
        return False, f"{when} is not a business day"
    if local.time() < hours.opens:
        return False, f"{when} is before business hours ({span})"
    if local.time() >= hours.closes:
        return False, f"{when} is after business hours ({span})"
    return True, f"{when} is within business hours ({span})"


def is_business_hours(at: dt.datetime, *, policy: Policy | None = None) -> bool:
    """Business days (not holidays) from opening time up to, not including, closing time."""
    return _business_hours(at, policy or load_policy())[0]


@dataclass(frozen=True, slots=True)
class Restoration:
    past_due: Decimal
    reconnect_fee: Decimal
    after_hours: bool
    deposit: Decimal
    total: Decimal
    reasons: tuple[str, ...]
    refs: tuple[PolicyRef, ...] = ()


def restoration_requirements(
    past_due: Decimal,
    at: dt.datetime,
    *,
    deposit_required: bool,
    deposit_amount: Decimal,
    policy: Policy | None = None,
) -> Restoration:
    """What must be paid to restore service after a non-pay disconnection, at moment ``at``.

    Past-due amount + reconnection fee (business-hours or after-hours rate by ``at``) + the
    deposit when one is now required (see ``deposit_decision``).
    """
    policy = policy or load_policy()
    past_due = _money_arg(past_due, "past_due")
    if past_due < 0:
        raise PolicyError(f"past_due must not be negative (got {usd(past_due)}); a credit leaves nothing past due")
    deposit_amount = _money_arg(deposit_amount, "deposit_amount")
    if deposit_required and deposit_amount <= 0:
        raise PolicyError("deposit_required is True but deposit_amount is not positive")
    if not deposit_required and deposit_amount != 0:
        raise PolicyError(f"deposit_amount {usd(deposit_amount)} given but deposit_required is False")
    business, when = _business_hours(at, policy)
    fees = policy.fees.reconnection
    fee = fees.business_hours_fee if business else fees.after_hours_fee
    reasons = [
        f"Past-due amount {usd(past_due)} must be paid before service is restored."
        if past_due > 0
        else "Nothing is past due.",
        f"Reconnection fee {usd(fee)}: {when}, so the "
        f"{'business-hours' if business else 'after-hours'} fee applies.",
    ]
    keys = ["fees.reconnection", "business_hours"]
    deposit = deposit_amount if deposit_required else Decimal("0.00")
    if deposit_required:
        reasons.append(f"A deposit of {usd(deposit)} is now required.")
    total = past_due + fee + deposit
    reasons.append(f"Total to restore service: {usd(total)}.")
    if fees.note:
        reasons.append(fees.note)
    return Restoration(past_due, fee, not business, deposit, total, tuple(reasons), _refs(policy, *keys))


# --- payment arrangements ----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Arrangement:
    down_payment: Decimal
    installments: tuple[tuple[dt.date, Decimal], ...]  # (due date, amount), monthly
    total: Decimal  # down payment + installments = the balance arranged
    balance: Decimal
    minimum_down_payment: Decimal
    reasons: tuple[str, ...]
    refs: tuple[PolicyRef, ...] = ()


def minimum_down_payment(balance: Decimal, *, policy: Policy | None = None) -> Decimal:
    """The smallest down payment an arrangement of ``balance`` accepts (percent of it, half-up to cents)."""
    policy = policy or load_policy()
    balance = _money_arg(balance, "balance")
    return cents(balance * policy.collections.arrangement_down_payment.minimum_percent / 100)


def arrangement_schedule(
    balance: Decimal, down_payment: Decimal, months: int, first_due: dt.date, *, policy: Policy | None = None
) -> Arrangement:
    """A payment arrangement: the down payment now, then ``months`` monthly installments.

    Installments are the remaining balance divided by ``months``, rounded half-up to cents,
    all equal except the last, which absorbs the rounding so the schedule adds up exactly.
    Due dates fall on ``first_due``'s day of the month (the month's last day in shorter
    months). Refused: a balance that is not positive, months outside 1..max (12), a down
    payment below the minimum or not less than the balance, and a remainder too small to
    give every installment at least one cent.
    """
    policy = policy or load_policy()
    rules = policy.collections
    balance = _money_arg(balance, "balance")
    if balance <= 0:
        raise PolicyError(f"balance must be positive to set up an arrangement (got {usd(balance)})")
    down = _money_arg(down_payment, "down_payment")
    if down < 0:
        raise PolicyError(f"down payment must not be negative (got {usd(down)})")
    max_months = rules.payment_arrangement.max_months
    if isinstance(months, bool) or not isinstance(months, int):
        raise PolicyError(f"months must be a whole number (got {months!r})")
    if not 1 <= months <= max_months:
        raise PolicyError(
            f"an arrangement runs 1 to {max_months} months (got {months}); "
            f"the policy does not allow more than {max_months}"
        )
    first_due = _date_arg(first_due, "first_due")
    minimum = minimum_down_payment(balance, policy=policy)
    percent = rules.arrangement_down_payment.minimum_percent
    if down < minimum:
        raise PolicyError(
            f"down payment {usd(down)} is below the minimum {usd(minimum)} "
            f"({_pct(percent)} of the {usd(balance)} balance)"
        )
    if down > balance:
        raise PolicyError(f"down payment {usd(down)} is more than the balance {usd(balance)}")
    if down == balance:
        raise PolicyError(
            f"down payment {usd(down)} is the whole balance: nothing is left to arrange; take it as a payment"
        )
    remaining = balance - down
    regular = cents(remaining / months)
    last = remaining - regular * (months - 1)
    if regular <= 0 or last <= 0:
        raise PolicyError(f"the remaining {usd(remaining)} is too small to split into {months} installments")
    installments = tuple(
        (add_months(first_due, i), regular if i < months - 1 else last) for i in range(months)
    )
    if months == 1:
        plan = f"One installment of {usd(last)} due {first_due.isoformat()}."
    elif last == regular:
        plan = f"{months} monthly installments of {usd(regular)}, the first due {first_due.isoformat()}."
    else:
        plan = (
            f"{months} monthly installments from {first_due.isoformat()}: {months - 1} of {usd(regular)} "
            f"and a last one of {usd(last)} (it absorbs the rounding)."
        )
    reasons = (
        f"Down payment {usd(down)} due now (minimum {usd(minimum)}, {_pct(percent)} of {usd(balance)}).",
        plan,
        f"Total {usd(balance)} over {months} month{'s' if months != 1 else ''} "
        f"(the policy allows up to {max_months}).",
        rules.payment_arrangement.keep_current[0].upper() + rules.payment_arrangement.keep_current[1:] + ".",
    )
    return Arrangement(
        down,
        installments,
        down + sum((amount for _, amount in installments), Decimal("0.00")),
        balance,
        minimum,
        reasons,
        _refs(policy, "collections.payment_arrangement", "collections.arrangement_down_payment"),
    )


@dataclass(frozen=True, slots=True)
class ArrangementEligibility:
    eligible: bool
    reasons: tuple[str, ...]
    refs: tuple[PolicyRef, ...]
    eligible_from: dt.date | None = None  # when a broken arrangement stops counting, if that is the only bar


def arrangement_eligible(
    *,
    today: dt.date,
    has_active_arrangement: bool = False,
    last_broken_on: dt.date | None = None,
    policy: Policy | None = None,
) -> ArrangementEligibility:
    """Whether a new payment arrangement may be offered.

    Not while another arrangement is in force, nor within the lookback (12 months) of the
    day an arrangement broke: broken on 2026-03-15 bars a new one through 2027-03-14.
    """
    policy = policy or load_policy()
    today = _date_arg(today, "today")
    lookback = policy.collections.arrangement_eligibility.broken_arrangement_lookback_months
    reasons: list[str] = []
    eligible_from = None
    if has_active_arrangement:
        reasons.append("An arrangement is already in force; it must be completed or broken first.")
    if last_broken_on is not None:
        last_broken_on = _date_arg(last_broken_on, "last_broken_on")
        if last_broken_on > today:
            raise PolicyError(f"last_broken_on {last_broken_on.isoformat()} is after today {today.isoformat()}")
        clear = add_months(last_broken_on, lookback)
        if today < clear:
            reasons.append(
                f"An arrangement broke on {last_broken_on.isoformat()}, within the last {lookback} months; "
                f"a new one can be offered from {clear.isoformat()}."
            )
            if not has_active_arrangement:
                eligible_from = clear
    eligible = not reasons
    if eligible:
        reasons.append(
            f"Eligible: no arrangement in force and none broken in the last {lookback} months."
        )
    return ArrangementEligibility(
        eligible,
        tuple(reasons),
        _refs(policy, "collections.arrangement_eligibility", "collections.payment_arrangement"),
        eligible_from,
    )


# --- late fee and returned payments -----------------------------------------------------


@dataclass(frozen=True, slots=True)
class LateFeeAssessment:
    amount: Decimal
    reasons: tuple[str, ...]
    refs: tuple[PolicyRef, ...]


def late_fee_assessment(
    past_due: Decimal, *, days_past_due: int, low_income: bool, policy: Policy | None = None
) -> LateFeeAssessment:
    """``late_fee`` with its reasons."""
    policy = policy or load_policy()
    past_due = _money_arg(past_due, "past_due")
    days = _int_arg(days_past_due, "days_past_due")
    rule = policy.fees.late_payment
    exemption = policy.fees.late_payment_low_income_exemption
    keys = ["fees.late_payment"]
    zero = Decimal("0.00")
    if past_due <= 0:
        return LateFeeAssessment(zero, ("No late fee: nothing is past due.",), _refs(policy, *keys))
    if days <= 0:
        return LateFeeAssessment(zero, ("No late fee: the bill is not past due yet.",), _refs(policy, *keys))
    if days <= rule.grace_days:
        return LateFeeAssessment(
            zero,
            (f"No late fee: {_days_text(days)} past due is within the {rule.grace_days}-day grace period.",),
            _refs(policy, *keys),
        )
    if low_income and exemption.low_income_exempt:
        keys.append("fees.late_payment_low_income_exemption")
        return LateFeeAssessment(
            zero, ("No late fee: low-income rate customers are exempt.",), _refs(policy, *keys)
        )
    amount = cents(past_due * rule.percent / 100)
    return LateFeeAssessment(
        amount,
        (
            f"Late fee {usd(amount)}: {_pct(rule.percent)} of the past-due {usd(past_due)}, "
            f"{_days_text(days)} past due (more than the {rule.grace_days}-day grace period).",
        ),
        _refs(policy, *keys),
    )


def late_fee(past_due: Decimal, *, days_past_due: int, low_income: bool, policy: Policy | None = None) -> Decimal:
    """5 % of the past-due amount once it is more than 10 days past due; 0 within the grace
    period, for low-income rate customers (exempt) and when nothing is past due."""
    return late_fee_assessment(past_due, days_past_due=days_past_due, low_income=low_income, policy=policy).amount


@dataclass(frozen=True, slots=True)
class NsfConsequences:
    fee: Decimal
    cash_only: bool
    cash_only_months: int  # 0 when not cash only
    cash_only_until: dt.date | None  # known when the return date is given
    accepted_forms: tuple[str, ...]  # what the account may pay with while cash only
    reasons: tuple[str, ...]
    refs: tuple[PolicyRef, ...]


def nsf_consequences(
    returned_payments_last_12_months: int, *, returned_on: dt.date | None = None, policy: Policy | None = None
) -> NsfConsequences:
    """Fee for a returned payment and whether the account goes cash only.

    ``returned_payments_last_12_months`` counts the payment just returned. The fee is
    charged per returned payment; at 2 returns within 12 months the account pays in cash /
    certified funds only for 12 months (from ``returned_on`` when given).
    """
    policy = policy or load_policy()
    count = _int_arg(returned_payments_last_12_months, "returned_payments_last_12_months", minimum=0)
    fee_rule = policy.fees.returned_payment
    cash_rule = policy.fees.returned_payment_cash_only
    keys = ["fees.returned_payment", "fees.returned_payment_cash_only"]
    if count == 0:
        return NsfConsequences(
            Decimal("0.00"), False, 0, None, (), ("No returned payments: no fee.",), _refs(policy, *keys)
        )
    if returned_on is not None:
        returned_on = _date_arg(returned_on, "returned_on")
    reasons = [f"Returned-payment fee {usd(fee_rule.fee)}."]
    cash_only = count >= cash_rule.returns
    until = None
    months = 0
    if cash_only:
        months = cash_rule.cash_only_months
        until = add_months(returned_on, months) if returned_on is not None else None
        reasons.append(
            f"{count} returned payments in {cash_rule.within_months} months (limit {cash_rule.returns - 1}): "
            f"cash only for {months} months"
            + (f", until {until.isoformat()}" if until else "")
            + f"; accepted: {', '.join(cash_rule.accepted_forms)}."
        )
    else:
        reasons.append(
            f"{count} returned payment{'s' if count != 1 else ''} in {cash_rule.within_months} months: "
            f"cash only begins at {cash_rule.returns}."
        )
    return NsfConsequences(
        fee_rule.fee,
        cash_only,
        months,
        until,
        cash_rule.accepted_forms if cash_only else (),
        tuple(reasons),
        _refs(policy, *keys),
    )


# --- collections notices and agency referral --------------------------------------------


@dataclass(frozen=True, slots=True)
class NoticeWindow:
    """Unpacks as ``(earliest_mailing, disconnect_not_before)``."""

    earliest_mailing: dt.date
    disconnect_not_before: dt.date
    mailed_on: dt.date | None
    reasons: tuple[str, ...]
    refs: tuple[PolicyRef, ...]

    def __iter__(self) -> Iterator[dt.date]:
        return iter((self.earliest_mailing, self.disconnect_not_before))


def ten_day_notice_window(
    bill_date: dt.date, *, mailed_on: dt.date | None = None, policy: Policy | None = None
) -> NoticeWindow:
    """When the 10-day disconnection notice may be mailed and the earliest shut-off date.

    The notice may be mailed no earlier than 19 days after the bill; its 10 days start 5
    days after mailing, so shut-off is not before mailing + 5 + 10 days (bill + 34 days when
    mailed on the earliest day). Pass ``mailed_on`` for a notice already mailed.
    """
    policy = policy or load_policy()
    rule = policy.collections.ten_day_notice
    bill_date = _date_arg(bill_date, "bill_date")
    earliest = bill_date + dt.timedelta(days=rule.earliest_days_after_bill)
    mailing = earliest
    if mailed_on is not None:
        mailing = _date_arg(mailed_on, "mailed_on")
        if mailing < earliest:
            raise PolicyError(
                f"a notice mailed {mailing.isoformat()} is too early: the earliest mailing date is "
                f"{earliest.isoformat()}, {rule.earliest_days_after_bill} days after the {bill_date.isoformat()} bill"
            )
    starts = mailing + dt.timedelta(days=rule.starts_days_after_mailing)
    not_before = starts + dt.timedelta(days=rule.notice_days)
    reasons = (
        f"The notice may be mailed from {earliest.isoformat()}, {rule.earliest_days_after_bill} days after "
        f"the {bill_date.isoformat()} bill.",
        f"Mailed {mailing.isoformat()}{'' if mailed_on else ' (the earliest day)'}: the {rule.notice_days} days "
        f"start {rule.starts_days_after_mailing} days later, on {starts.isoformat()}, so service may not be "
        f"shut off before {not_before.isoformat()}.",
    )
    return NoticeWindow(earliest, not_before, mailed_on, reasons, _refs(policy, "collections.ten_day_notice"))


def forty_eight_hour_notice_expires(posted_at: dt.datetime, *, policy: Policy | None = None) -> dt.datetime:
    """The moment a 48-hour notice posted at the premises runs out."""
    policy = policy or load_policy()
    if not isinstance(posted_at, dt.datetime):
        raise PolicyError(f"posted_at must be a datetime (got {posted_at!r})")
    return posted_at + dt.timedelta(hours=policy.collections.forty_eight_hour_notice.hours)


def agency_referral_due(
    final_bill_date: dt.date, today: dt.date, unpaid: Decimal, *, policy: Policy | None = None
) -> bool:
    """True when a closed account still owes money 90 or more days after its final bill."""
    policy = policy or load_policy()
    final_bill_date = _date_arg(final_bill_date, "final_bill_date")
    today = _date_arg(today, "today")
    unpaid = _money_arg(unpaid, "unpaid")
    if today < final_bill_date:
        raise PolicyError(f"today {today.isoformat()} is before the final bill date {final_bill_date.isoformat()}")
    return unpaid > 0 and (today - final_bill_date).days >= policy.collections.agency_referral.days_after_final_bill


# --- bankruptcy -------------------------------------------------------------------------


def _chapter_arg(chapter: Any, policy: Policy) -> int:
    chapters = policy.bankruptcy.assurance.chapters
    if isinstance(chapter, bool) or chapter not in chapters:
        raise PolicyError(
            f"bankruptcy chapter must be one of {', '.join(str(c) for c in chapters)} (got {chapter!r})"
        )
    return chapter


def bankruptcy_assurance_due(chapter: int, order_for_relief: dt.date, *, policy: Policy | None = None) -> dt.date:
    """The last day for adequate assurance of payment; service may be cut after it without one.

    20 days after the order for relief; Chapter 11: 30 days after the petition (11 U.S.C.
    366(b), (c)(2)). In a voluntary case the petition date is the order for relief, so both
    count from ``order_for_relief``.
    """
    policy = policy or load_policy()
    rule = policy.bankruptcy.assurance
    chapter = _chapter_arg(chapter, policy)
    order_for_relief = _date_arg(order_for_relief, "order_for_relief")
    days = rule.chapter_11_days_after_petition if chapter == 11 else rule.days_after_order_for_relief
    return order_for_relief + dt.timedelta(days=days)


def proof_of_claim_deadline(chapter: int, petition_date: dt.date, *, policy: Policy | None = None) -> dt.date | None:
    """Deadline to file the proof of claim (Form 410): 70 days after the petition in Chapter
    7, 12 and 13; ``None`` in Chapter 11, where the court sets the bar date."""
    policy = policy or load_policy()
    rule = policy.bankruptcy.proof_of_claim
    chapter = _chapter_arg(chapter, policy)
    petition_date = _date_arg(petition_date, "petition_date")
    if chapter not in rule.chapters:
        return None
    return petition_date + dt.timedelta(days=rule.days_after_petition)


# --- programs and rebates ---------------------------------------------------------------


def program_names(policy: Policy | None = None) -> dict[str, str]:
    """Program key -> display name, in policy order."""
    policy = policy or load_policy()
    return {key: program.name for key, program in policy.programs.items()}


def program_conflicts(enrolled: Iterable[str], new_program: str, *, policy: Policy | None = None) -> list[str]:
    """Why ``new_program`` cannot be added to an account already in ``enrolled``; empty when it can.

    Conflicts: already enrolled; a program that excludes (or is excluded by) one already
    enrolled - the Energy Assistance Program and the medical discount, legacy net metering
    and the renewable-generation plan; a program closed to new enrollment. Unknown program
    keys raise ``PolicyError`` listing the valid ones.
    """
    policy = policy or load_policy()
    programs = dict(policy.programs.items())
    if isinstance(enrolled, str):
        raise PolicyError("enrolled must be a collection of program keys, not one string")
    enrolled = list(dict.fromkeys(enrolled))
    unknown = [key for key in [*enrolled, new_program] if key not in programs]
    if unknown:
        raise PolicyError(
            f"unknown program {', '.join(repr(k) for k in unknown)}; valid: {', '.join(programs)}"
        )
    new = programs[new_program]
    conflicts: list[str] = []
    if new_program in enrolled:
        conflicts.append(f"Already enrolled in {new.name}.")
    for key in enrolled:
        if key == new_program:
            continue
        if key in new.excludes or new_program in programs[key].excludes:
            conflicts.append(f"{new.name} cannot be combined with {programs[key].name}, which the account has.")
    if not new.open_to_new_enrollment and new_program not in enrolled:
        conflicts.append(f"{new.name} is closed to new enrollment." + (f" {new.note}" if new.note else ""))
    return conflicts


def rebate_amount(rebate: str, on: dt.date, *, policy: Policy | None = None) -> Decimal | None:
    """The rebate in force on a date (the latest amount effective on or before it); ``None``
    before the first amount or from the rebate's end date."""
    policy = policy or load_policy()
    if rebate not in policy.rebates:
        raise PolicyError(f"unknown rebate {rebate!r}; valid: {', '.join(policy.rebates)}")
    on = _date_arg(on, "on")
    entry = policy.rebates[rebate]
    if entry.ends is not None and on >= entry.ends:
        return None
    current = None
    for dated in entry.amounts:
        if dated.effective <= on:
            current = dated.amount
    return current


# --- bill charges -----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class BillCharges:
    segments: tuple[tuple[str, Decimal], ...]  # charges, then discounts as negative amounts
    subtotal: Decimal  # sum of the segments: the utility users tax base
    tax: Decimal
    total: Decimal  # subtotal + tax
    baseline_allowance_kwh: int | None  # residential only
    reasons: tuple[str, ...]
    refs: tuple[PolicyRef, ...]
    tax_description: str = "Utility users tax"

    @property
    def lines(self) -> tuple[tuple[str, Decimal], ...]:
        """The segments followed by the tax line, as printed on a bill."""
        return (*self.segments, (self.tax_description, self.tax))


def bill_charges(
    kwh: int,
    account_class: str,
    *,
    days: int = 30,
    low_income: bool = False,
    medical: bool = False,
    ev_vehicles: tuple[str, ...] = (),
    policy: Policy | None = None,
) -> BillCharges:
    """The charges for one billing period of ``days`` days with ``kwh`` used.

    1. Customer charge: the monthly charge x days / 30.
    2. Energy: residential in two tiers - up to the baseline allowance (kWh a day x days,
       plus the medical baseline kWh a day for medical customers, rounded to whole kWh) at
       the tier-1 price, the rest at tier 2; commercial at one flat price.
    3. Energy Assistance Program discount (low income): 25 % of the customer and energy
       charges, as a negative segment.
    4. EV discount: per vehicle by weight class, a month's amount x days / 30; limited to
       what is left of the charges, so discounts never make the bill a credit.
    5. Utility users tax: the percent of the subtotal, i.e. of the charges after the
       discounts. The discount is taken off the charges before the tax is worked out and
       is never taken off the tax itself.
    Each segment is rounded half-up to cents; subtotal = sum of segments; total = subtotal + tax.
    """
    policy = policy or load_policy()
    account_class = _account_class(account_class)
    kwh = _int_arg(kwh, "kwh", minimum=0)
    period = policy.billing.period
    days = _int_arg(days, "days", minimum=1, maximum=period.max_days)
    programs = policy.programs
    for name, flag in (("low_income", low_income), ("medical", medical)):
        if not isinstance(flag, bool):
            raise PolicyError(f"{name} must be True or False (got {flag!r})")
    if isinstance(ev_vehicles, str):
        raise PolicyError("ev_vehicles must be a tuple of weight classes, not one string")
    ev_vehicles = tuple(ev_vehicles)
    ev_rates = programs.ev_discount.per_vehicle_per_month
    unknown = [v for v in ev_vehicles if v not in ev_rates]
    if unknown:
        raise PolicyError(
            f"unknown EV weight class {', '.join(repr(v) for v in unknown)}; valid: {', '.join(ev_rates)}"
        )
    chosen = [
        (key, program)
        for key, program, flag in (
            ("energy_assistance", programs.energy_assistance, low_income),
            ("medical", programs.medical, medical),
            ("ev_discount", programs.ev_discount, bool(ev_vehicles)),
        )
        if flag
    ]
    for key, program in chosen:
        if account_class not in program.classes:
            raise PolicyError(f"{program.name} is for {', '.join(program.classes)} accounts, not {account_class}")
    if low_income and medical:
        raise PolicyError(
            f"{programs.energy_assistance.name} cannot be combined with the {programs.medical.name} discount"
        )

    fraction = Decimal(days) / Decimal(period.days_per_month)
    segments: list[tuple[str, Decimal]] = []
    reasons: list[str] = []
    keys = ["billing.period"]
    rate_key = f"billing.{account_class}_rate"
    keys.append(rate_key)
    rate = policy.billing.residential_rate if account_class == "residential" else policy.billing.commercial_rate
    monthly = rate.customer_charge_per_month
    segments.append(
        (f"Customer charge ({_days_text(days)} at {usd(monthly)} a month)", cents(monthly * fraction))
    )
    allowance_kwh: int | None = None
    if account_class == "residential":
        residential = policy.billing.residential_rate
        baseline = residential.baseline_kwh_per_day * days
        extra = programs.medical.medical_baseline.kwh_per_day * days if medical else Decimal(0)
        allowance_kwh = int((baseline + extra).quantize(Decimal(1), rounding=ROUND_HALF_UP))
        text = f"Baseline allowance {allowance_kwh} kWh: {residential.baseline_kwh_per_day.normalize():f} kWh a day"
        if medical:
            keys += ["programs.medical", "programs.medical.medical_baseline"]
            text += (
                f" plus the medical baseline {programs.medical.medical_baseline.kwh_per_day.normalize():f} kWh a day"
            )
        reasons.append(f"{text}, for {_days_text(days)}.")
        tier1 = min(kwh, allowance_kwh)
        tier2 = kwh - tier1
        if tier1:
            segments.append(
                (
                    f"Energy, {tier1} kWh within the baseline allowance at {_per_kwh(residential.tier1_per_kwh)}",
                    cents(tier1 * residential.tier1_per_kwh),
                )
            )
        if tier2:
            segments.append(
                (
                    f"Energy, {tier2} kWh above the baseline allowance at {_per_kwh(residential.tier2_per_kwh)}",
                    cents(tier2 * residential.tier2_per_kwh),
                )
            )
    else:
        commercial = policy.billing.commercial_rate
        if kwh:
            segments.append(
                (f"Energy, {kwh} kWh at {_per_kwh(commercial.energy_per_kwh)}", cents(kwh * commercial.energy_per_kwh))
            )
    charges = sum((amount for _, amount in segments), Decimal("0.00"))
    left = charges
    if low_income:
        assistance = programs.energy_assistance
        keys.append("programs.energy_assistance")
        discount = cents(charges * assistance.discount_percent / 100)
        segments.append(
            (f"{assistance.name} discount ({_pct(assistance.discount_percent)} of {usd(charges)})", -discount)
        )
        reasons.append(
            f"{assistance.name}: {_pct(assistance.discount_percent)} off the customer and energy charges "
            f"({usd(charges)}), taken before the utility users tax and not applied to the tax itself."
        )
        left -= discount
    if ev_vehicles:
        keys += ["programs.ev_discount", "programs.ev_discount.weight_classes"]
        counts = Counter(ev_vehicles)
        for weight in ev_rates:  # policy order: light, medium, heavy
            if not counts[weight]:
                continue
            per_vehicle = cents(ev_rates[weight] * fraction)
            wanted = per_vehicle * counts[weight]
            given = min(wanted, left)
            label = "vehicle" if counts[weight] == 1 else "vehicles"
            segments.append(
                (
                    f"EV discount, {counts[weight]} {weight} {label} ({usd(ev_rates[weight])} per vehicle a month)",
                    -given,
                )
            )
            if given < wanted:
                reasons.append(
                    f"EV discount for {weight} vehicles limited to {usd(given)} of {usd(wanted)}: "
                    "discounts never take the bill below zero."
                )
            left -= given
    subtotal = sum((amount for _, amount in segments), Decimal("0.00"))
    tax_rule = policy.billing.utility_users_tax
    keys.append("billing.utility_users_tax")
    tax = cents(subtotal * tax_rule.percent / 100)
    reasons.append(
        f"Utility users tax {usd(tax)}: {_pct(tax_rule.percent)} of the charges after discounts, {usd(subtotal)}."
    )
    return BillCharges(
        tuple(segments),
        subtotal,
        tax,
        subtotal + tax,
        allowance_kwh,
        tuple(reasons),
        _refs(policy, *keys),
        f"Utility users tax ({_pct(tax_rule.percent)} of {usd(subtotal)})",
    )
