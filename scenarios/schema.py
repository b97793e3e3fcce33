"""The scenario language: what one YAML file in scenarios/library/ may say.

A scenario has metadata, a *setup* (the fixture laid on a fresh CIS sandbox), *expected*
amounts worked out from the policy once the fixture is laid, a *caller* (persona, facts
and a branching script of turns and options), a *rubric* of weighted sections and the
*items* graded in them, and *fatal* items that zero the call. docs/scenarios.md is the
field reference; every rule about the shape of a file lives here.
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

SECTIONS = ("opening_verification", "diagnosis", "accuracy", "resolution", "documentation", "soft_skills")
Section = Literal["opening_verification", "diagnosis", "accuracy", "resolution", "documentation", "soft_skills"]
SECTION_TITLES = {
    "opening_verification": "Opening and verification",
    "diagnosis": "Diagnosis",
    "accuracy": "Accuracy",
    "resolution": "Resolution",
    "documentation": "Documentation",
    "soft_skills": "Soft skills",
}
Mood = Literal["calm", "neutral", "worried", "upset", "angry"]
Channel = Literal["phone", "email", "letter", "counter"]
Quality = Literal["good", "acceptable", "poor", "wrong"]

# The duties of the job, as the job description lists them; a scenario names those it trains.
DUTIES = (
    "customer_contact", "cis_data_entry", "payments", "adjustments", "deposits", "refunds", "bankruptcy",
    "payment_programs", "credit_and_deposit_policy", "restoration_of_service", "unauthorized_usage",
    "delinquent_accounts", "collection_agency", "customer_education", "manual_logs", "correspondence",
    "start_stop_transfer",
)
Duty = Literal[
    "customer_contact", "cis_data_entry", "payments", "adjustments", "deposits", "refunds", "bankruptcy",
    "payment_programs", "credit_and_deposit_policy", "restoration_of_service", "unauthorized_usage",
    "delinquent_accounts", "collection_agency", "customer_education", "manual_logs", "correspondence",
    "start_stop_transfer",
]

KEY = re.compile(r"^[a-z][a-z0-9_]*$")
ID = re.compile(r"^[a-z0-9][a-z0-9-]*$")

#: A day in the fixture: a whole number of days from the CIS's today (-30 = a month ago) or a date.
Day = int | date


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _key(value: str, what: str) -> str:
    if not KEY.match(value):
        raise ValueError(f"{what} {value!r} must be lower-case letters, digits and _ (starting with a letter)")
    return value


# --- setup: the fixture ---------------------------------------------------------------------


class PersonFixture(Strict):
    kind: Literal["individual", "business"] = "individual"
    first_name: str | None = None
    middle_name: str | None = None
    last_name: str | None = None
    suffix: str | None = None
    business_name: str | None = None
    birth_date: date | None = None
    ssn: str | None = Field(None, pattern=r"^\d{3}-?\d{2}-?\d{4}$")
    phone: str | None = Field(None, pattern=r"^\d{10}$")
    alt_phone: str | None = Field(None, pattern=r"^\d{10}$")
    email: str | None = None
    employer: str | None = None
    mailing_address: str | None = None
    life_support: bool = False
    third_party_name: str | None = None
    third_party_phone: str | None = Field(None, pattern=r"^\d{10}$")
    third_party_address: str | None = None

    @model_validator(mode="after")
    def _named(self) -> PersonFixture:
        if self.kind == "individual" and not (self.first_name and self.last_name):
            raise ValueError("an individual needs first_name and last_name")
        if self.kind == "business" and not self.business_name:
            raise ValueError("a business needs business_name")
        return self


class ReadFixture(Strict):
    on: Day
    reading: int = Field(ge=0)
    estimated: bool = False


class PremiseFixture(Strict):
    house_number: str
    street_name: str
    unit: str | None = None
    city: str = "Alder Springs"
    zip_code: str = Field("95720", pattern=r"^\d{5}$")
    premise_type: Literal["single_family", "apartment", "mobile_home", "commercial"] = "single_family"
    owner: str | None = None  # a person key: the landlord
    continuing_service_account: str | None = None  # an account key: the landlord's continuing service
    connected: bool = True
    meter_type: Literal["ami", "electromechanical"] = "ami"
    reads: tuple[ReadFixture, ...] = ()


class RoleFixture(Strict):
    person: str
    role: Literal["main", "co_applicant", "authorised_caller", "landlord"] = "main"
    relation: str | None = None


class ServiceFixture(Strict):
    premise: str
    start: Day
    end: Day | None = None
    rate_code: str | None = None


class BillFixture(Strict):
    on: Day
    due: Day | None = None  # default: 21 days after the bill
    amount: Decimal = Field(gt=0, decimal_places=2)
    kwh: int = Field(0, ge=0)
    estimated: bool = False
    final: bool = False


class PaymentFixture(Strict):
    on: Day
    amount: Decimal = Field(gt=0, decimal_places=2)
    tender: Literal["cash", "check", "money_order", "card", "ach", "certified_funds"] = "check"
    channel: Literal["office", "mail", "online", "phone", "autopay", "drop_box", "agency"] = "mail"
    check_number: str | None = None


class ChargeFixture(Strict):
    kind: Literal["late_fee", "nsf_fee", "establishment_fee", "reconnect_fee", "deposit_charge", "transfer"]
    amount: Decimal = Field(decimal_places=2)
    on: Day
    due: Day | None = None
    reason: str | None = None


class DepositFixture(Strict):
    kind: Literal["cash", "letter_of_credit", "surety_bond"] = "cash"
    amount: Decimal = Field(gt=0, decimal_places=2)
    held_since: Day
    reason: Literal["commercial", "non_pay", "late_history", "bankruptcy", "incomplete_info"] = "late_history"


class OrderFixture(Strict):
    kind: Literal["start", "stop", "reread", "meter_test", "nonpay_disconnect", "reconnect", "investigation"]
    status: Literal["pending", "dispatched", "completed", "canceled"] = "pending"
    premise: str
    requested: Day = 0
    scheduled: Day | None = None
    completed: Day | None = None


class CollectionFixture(Strict):
    kind: Literal["reminder", "ten_day_notice", "forty_eight_hour_notice", "disconnect", "final_bill",
                  "agency_referral", "write_off"]
    on: Day
    amount: Decimal | None = Field(None, decimal_places=2)
    agency: str | None = None
    notes: str | None = None


class ProgramFixture(Strict):
    program: Literal["energy_assistance", "medical_baseline", "life_support", "ev_discount", "balanced_payment",
                     "autopay", "paperless", "rebate", "solar_nem", "solar_rgp"]
    status: Literal["pending", "active", "ended", "denied"] = "active"
    enrolled: Day
    details: dict[str, Any] | None = None


class NoteFixture(Strict):
    on: Day
    note: str
    contact_type: str = "general"
    channel: Literal["phone", "walk_in", "email", "letter"] = "phone"


class AccountFixture(Strict):
    number: str = Field(pattern=r"^\d{10}$")
    customer_class: Literal["residential", "commercial"] = "residential"
    status: Literal["active", "closed"] = "active"
    opened: Day
    closed: Day | None = None
    bill_cycle: int = Field(1, ge=1, le=20)
    credit_rating: int = Field(80, ge=0, le=100)
    autopay: bool = False
    paperless: bool = False
    budget_billing: bool = False
    cash_only: bool = False
    people: tuple[RoleFixture, ...] = Field(min_length=1)
    service: tuple[ServiceFixture, ...] = ()
    bills: tuple[BillFixture, ...] = ()
    payments: tuple[PaymentFixture, ...] = ()
    charges: tuple[ChargeFixture, ...] = ()
    deposits: tuple[DepositFixture, ...] = ()
    orders: tuple[OrderFixture, ...] = ()
    collections: tuple[CollectionFixture, ...] = ()
    programs: tuple[ProgramFixture, ...] = ()
    notes: tuple[NoteFixture, ...] = ()

    @model_validator(mode="after")
    def _one_main(self) -> AccountFixture:
        mains = [r for r in self.people if r.role == "main"]
        if len(mains) != 1:
            raise ValueError(f"an account needs exactly one person with role main (found {len(mains)})")
        if self.status == "closed" and self.closed is None:
            raise ValueError("a closed account needs its closed day")
        return self


class Setup(Strict):
    """The fixture: people, premises and accounts laid on the sandbox, keyed by names the
    rest of the file refers to. ``clock`` is the time of day the call comes in."""

    clock: str = Field("10:00", pattern=r"^([01]\d|2[0-3]):[0-5]\d$")
    people: dict[str, PersonFixture] = {}
    premises: dict[str, PremiseFixture] = {}
    accounts: dict[str, AccountFixture] = {}

    @field_validator("people", "premises", "accounts")
    @classmethod
    def _keys(cls, value: dict) -> dict:
        for key in value:
            _key(key, "key")
        return value

    @model_validator(mode="after")
    def _references(self) -> Setup:
        problems = []
        for key, premise in self.premises.items():
            if premise.owner and premise.owner not in self.people:
                problems.append(f"premises.{key}.owner: no person {premise.owner!r} in setup.people")
            if premise.continuing_service_account and premise.continuing_service_account not in self.accounts:
                problems.append(f"premises.{key}.continuing_service_account: no account "
                                f"{premise.continuing_service_account!r} in setup.accounts")
        numbers: dict[str, str] = {}
        for key, account in self.accounts.items():
            if account.number in numbers:
                problems.append(f"accounts.{key}.number: {account.number} is also account {numbers[account.number]}")
            numbers[account.number] = key
            for i, role in enumerate(account.people):
                if role.person not in self.people:
                    problems.append(f"accounts.{key}.people.{i}.person: no person {role.person!r} in setup.people")
            premises = [s.premise for s in account.service] + [o.premise for o in account.orders]
            for premise in premises:
                if premise not in self.premises:
                    problems.append(f"accounts.{key}: no premise {premise!r} in setup.premises")
            if (account.bills or account.orders) and not account.service:
                problems.append(f"accounts.{key}: bills and orders need a service (a premise) on the account")
        if problems:
            raise ValueError("; ".join(problems))
        return self


# --- expected amounts -------------------------------------------------------------------

EXPECTED_KINDS = ("policy", "past_due", "balance", "restoration", "deposit", "min_down_payment", "value")


class Expected(Strict):
    """One amount the grader expects, worked out when the fixture is laid. Exactly one of:
    ``policy`` (a dotted path into policy.yaml), ``past_due`` / ``balance`` / ``restoration``
    / ``deposit`` / ``min_down_payment`` (of an account key), ``value`` (a literal)."""

    policy: str | None = None
    past_due: str | None = None
    balance: str | None = None
    restoration: str | None = None
    deposit: str | None = None
    min_down_payment: str | None = None
    value: Decimal | str | None = None
    plus: tuple[str, ...] = ()  # names of other expected amounts to add (computed in file order)
    minus: tuple[str, ...] = ()  # ... and to subtract

    @model_validator(mode="after")
    def _one(self) -> Expected:
        given = [k for k in EXPECTED_KINDS if getattr(self, k) is not None]
        if len(given) != 1:
            raise ValueError(f"give exactly one of {', '.join(EXPECTED_KINDS)} (got {', '.join(given) or 'none'})")
        return self


# --- the caller -------------------------------------------------------------------------------


class Option(Strict):
    """Something the trainee may say, and how the caller takes it."""

    id: str
    say: str
    quality: Quality = "good"
    hint: str | None = None  # shown in practice mode: why this is (not) the thing to say
    reply: str | None = None  # the caller's answer
    mood: Mood | None = None  # the caller's mood after it
    reveals: tuple[str, ...] = ()  # facts the caller gives in the reply
    next: str | None = None  # the next turn; none: stay on this turn (the option is used up)
    ends_call: bool = False
    discloses: bool = False  # tells the caller account details (needs verification first)
    supervisor: bool = False  # the caller asks for a supervisor

    @field_validator("id")
    @classmethod
    def _id(cls, value: str) -> str:
        return _key(value, "option id")


class Turn(Strict):
    caller: str | None = None  # what the caller says when the call reaches this turn
    options: tuple[Option, ...] = ()


class Script(Strict):
    start: str
    turns: dict[str, Turn] = Field(min_length=1)

    @model_validator(mode="after")
    def _graph(self) -> Script:
        problems = []
        if self.start not in self.turns:
            problems.append(f"start: no turn {self.start!r} (turns: {', '.join(self.turns)})")
        seen: dict[str, str] = {}
        for name, turn in self.turns.items():
            _key(name, "turn name")
            for option in turn.options:
                if option.id in seen:
                    problems.append(f"turns.{name}: option id {option.id!r} is also used in turn {seen[option.id]!r}")
                seen[option.id] = name
                if option.next is not None and option.next not in self.turns:
                    problems.append(f"turns.{name}.{option.id}.next: no turn {option.next!r}")
        if problems:
            raise ValueError("; ".join(problems))
        return self

    def option(self, option_id: str) -> tuple[str, Option] | None:
        for name, turn in self.turns.items():
            for option in turn.options:
                if option.id == option_id:
                    return name, option
        return None


class Caller(Strict):
    name: str  # how the caller introduces themself
    persona: str  # who they are, for the lead playing them
    mood: Mood = "neutral"
    voice: str = Field("en-us", pattern=r"^[a-z]{2,3}(-[a-z0-9]{2,8})*(\+[a-z0-9]{1,12})?$")  # espeak-ng voice
    opening: str  # the first thing the trainee hears (or the message they receive)
    facts: dict[str, str] = {}  # what the caller knows and gives when asked (the lead sees them all)
    script: Script

    @field_validator("facts")
    @classmethod
    def _fact_keys(cls, value: dict) -> dict:
        for key in value:
            _key(key, "fact name")
        return value


# --- grading ------------------------------------------------------------------------------------

TABLES = ("accounts", "account_persons", "persons", "service_agreements", "payments", "adjustments", "deposits",
          "payment_arrangements", "service_orders", "collection_events", "bankruptcy_cases", "program_enrollments",
          "contact_log", "correspondence", "manual_log_entries", "financial_transactions", "premises",
          "service_points", "bills")


class StateCheck(Strict):
    """Rows of a CIS table at the end of the call. ``where`` maps columns to values; the keys
    ``account``, ``person`` and ``premise`` take a fixture key (or a name bound by an earlier
    check) for the id column. A value is a literal, null, ``{expected: name}``, ``{days: n}``
    or an operator: ``{gte|gt|lte|lt|ne: v}``, ``{in: [..]}``, ``{contains: text}``.
    ``count``: exactly that many rows (default: at least one); ``none: true``: no row.
    ``bind``: remember the first row's account (or the row id) under a name."""

    table: Literal["accounts", "account_persons", "persons", "service_agreements", "payments", "adjustments",
                   "deposits", "payment_arrangements", "service_orders", "collection_events", "bankruptcy_cases",
                   "program_enrollments", "contact_log", "correspondence", "manual_log_entries",
                   "financial_transactions", "premises", "service_points", "bills"]
    where: dict[str, Any] = {}
    count: int | None = Field(None, ge=0)
    none: bool = False
    new: bool = False  # only rows the trainee created (not the fixture's or the population's)
    bind: str | None = None


class Matcher(Strict):
    """An event in the call: an operation (that succeeded) with argument values, or an option said."""

    operation: str | None = None
    where: dict[str, Any] = {}
    said: tuple[str, ...] = ()

    @model_validator(mode="after")
    def _one(self) -> Matcher:
        if (self.operation is None) == (not self.said):
            raise ValueError("give either operation (with optional where) or said")
        return self


class OrderRule(Strict):
    first: Matcher
    then: Matcher


class EnteredRule(Strict):
    """A value the caller dictated, as the trainee typed it into an operation."""

    operation: str
    path: str  # argument path, dotted: new_person.phone
    value: str  # what should be there (may use {facts.x} / {expected.x})
    normalize: Literal["exact", "digits", "spacing"] = "exact"


class Phrase(Strict):
    name: str
    any_of: tuple[str, ...] = Field(min_length=1)


class NotedRule(Strict):
    account: str
    facts: tuple[Phrase, ...] = Field(min_length=1)


class ReplyRule(Strict):
    """The trainee's drafted letter or e-mail: its facts, tone markers and spelling."""

    facts: tuple[Phrase, ...] = ()
    tone: tuple[Phrase, ...] = ()
    max_spelling_errors: int = Field(2, ge=0)
    words_ok: tuple[str, ...] = ()  # names and terms the spelling check should accept


class LeadRule(Strict):
    """A soft-skill item the lead scores (0..points) in lead-led mode; solo: by the script."""

    solo_said: tuple[str, ...] = ()
    solo_not_said: tuple[str, ...] = ()
    solo_mood: tuple[Mood, ...] = ()

    @model_validator(mode="after")
    def _solo(self) -> LeadRule:
        if not (self.solo_said or self.solo_not_said or self.solo_mood):
            raise ValueError("a lead item needs a solo rule (solo_said, solo_not_said or solo_mood) for calls "
                             "without a lead")
        return self


ITEM_KINDS = ("state", "said", "not_said", "verify_first", "order", "entered", "noted", "handle_time", "lead",
              "reply", "mood")


class Item(Strict):
    id: str
    section: Section
    points: Decimal = Field(gt=0, decimal_places=1)
    text: str  # what is expected, in words the trainee reads on the result
    policy: str | None = None  # the policy entry it follows (key in policy.yaml)
    state: StateCheck | None = None
    said: tuple[str, ...] | None = None
    not_said: tuple[str, ...] | None = None
    verify_first: str | None = None
    order: OrderRule | None = None
    entered: EnteredRule | None = None
    noted: NotedRule | None = None
    handle_time: bool | None = None
    lead: LeadRule | None = None
    reply: ReplyRule | None = None
    mood: tuple[Mood, ...] | None = None

    @field_validator("id")
    @classmethod
    def _id(cls, value: str) -> str:
        return _key(value, "item id")

    @model_validator(mode="after")
    def _one_kind(self) -> Item:
        given = [k for k in ITEM_KINDS if getattr(self, k) is not None]
        if len(given) != 1:
            raise ValueError(f"an item needs exactly one of {', '.join(ITEM_KINDS)} (got {', '.join(given) or 'none'})")
        return self

    @property
    def kind(self) -> str:
        return next(k for k in ITEM_KINDS if getattr(self, k) is not None)


FATAL_KINDS = ("said", "state", "unverified_disclosure")


class FatalItem(Strict):
    id: str
    text: str
    said: tuple[str, ...] | None = None
    state: StateCheck | None = None
    unverified_disclosure: str | None = None  # an account key

    @model_validator(mode="after")
    def _one_kind(self) -> FatalItem:
        given = [k for k in FATAL_KINDS if getattr(self, k) is not None]
        if len(given) != 1:
            raise ValueError(f"a fatal item needs exactly one of {', '.join(FATAL_KINDS)} "
                             f"(got {', '.join(given) or 'none'})")
        return self

    @property
    def kind(self) -> str:
        return next(k for k in FATAL_KINDS if getattr(self, k) is not None)


class Scenario(Strict):
    id: str
    title: str
    channel: Channel = "phone"
    duties: tuple[Duty, ...] = Field(min_length=1)
    difficulty: Literal["beginner", "intermediate", "advanced"]
    objectives: tuple[str, ...] = Field(min_length=1)
    policy_refs: tuple[str, ...] = ()
    target_handle_time_s: int = Field(gt=0, le=7200)
    summary: str  # one or two sentences for the scenario list
    setup: Setup
    expected: dict[str, Expected] = {}
    caller: Caller
    rubric: dict[Section, int]
    items: tuple[Item, ...] = Field(min_length=1)
    fatal: tuple[FatalItem, ...] = ()

    @field_validator("id")
    @classmethod
    def _scenario_id(cls, value: str) -> str:
        if not ID.match(value):
            raise ValueError(f"id {value!r} must be lower-case letters, digits and dashes")
        return value

    @model_validator(mode="after")
    def _consistent(self) -> Scenario:
        problems = []
        total = sum(self.rubric.values())
        if total != 100:
            problems.append(f"rubric: the section weights add up to {total}, not 100")
        for section, weight in self.rubric.items():
            points = sum((i.points for i in self.items if i.section == section), Decimal(0))
            if points != weight:
                problems.append(f"rubric.{section}: its items' points add up to {points:g}, not its weight {weight}")
        for item in self.items:
            if item.section not in self.rubric:
                problems.append(f"items.{item.id}.section: {item.section} has no weight in rubric")
        ids = [i.id for i in self.items] + [f.id for f in self.fatal]
        duplicates = sorted({i for i in ids if ids.count(i) > 1})
        if duplicates:
            problems.append(f"items/fatal: ids used twice: {', '.join(duplicates)}")
        problems += self._references()
        if problems:
            raise ValueError("; ".join(problems))
        return self

    def _references(self) -> list[str]:
        from fake_cis.operations import OPERATIONS

        problems = []
        options = {o.id for t in self.caller.script.turns.values() for o in t.options}
        accounts = set(self.setup.accounts)
        binds = {i.state.bind for i in self.items if i.state and i.state.bind}
        binds |= {f.state.bind for f in self.fatal if f.state and f.state.bind}

        def said(where: str, ids: tuple[str, ...] | None) -> None:
            for option in ids or ():
                if option not in options:
                    problems.append(f"{where}: no option {option!r} in the caller's script")

        def account(where: str, key: str | None) -> None:
            if key is not None and key not in accounts and key not in binds:
                problems.append(f"{where}: no account {key!r} in setup.accounts (nor bound by a check)")

        def operation(where: str, name: str | None) -> None:
            if name is not None and name not in OPERATIONS:
                problems.append(f"{where}: no CIS operation {name!r}")

        for name, expected in self.expected.items():
            _key(name, "expected name")
            for kind in ("past_due", "balance", "restoration", "deposit", "min_down_payment"):
                account(f"expected.{name}.{kind}", getattr(expected, kind))
            for other in expected.plus + expected.minus:
                if other not in self.expected:
                    problems.append(f"expected.{name}: no expected amount {other!r} to add or subtract")
        for item in self.items:
            where = f"items.{item.id}"
            said(where + ".said", item.said)
            said(where + ".not_said", item.not_said)
            account(where + ".verify_first", item.verify_first)
            if item.order:
                for m in (item.order.first, item.order.then):
                    said(where + ".order", m.said)
                    operation(where + ".order", m.operation)
            if item.entered:
                operation(where + ".entered.operation", item.entered.operation)
            if item.noted:
                account(where + ".noted.account", item.noted.account)
            if item.lead:
                said(where + ".lead", item.lead.solo_said + item.lead.solo_not_said)
            if item.reply and self.channel not in ("email", "letter"):
                problems.append(f"{where}.reply: only an email or letter scenario has a drafted reply")
        for fatal in self.fatal:
            said(f"fatal.{fatal.id}.said", fatal.said)
            account(f"fatal.{fatal.id}.unverified_disclosure", fatal.unverified_disclosure)
        for fact in re.findall(r"\{facts\.([a-z0-9_]+)\}", self.model_dump_json()):
            if fact not in self.caller.facts:
                problems.append(f"caller: text uses {{facts.{fact}}} but there is no fact {fact!r}")
        for name in re.findall(r"\{expected\.([a-z0-9_]+)", self.model_dump_json()):
            if name not in self.expected:
                problems.append(f"text uses {{expected.{name}}} but there is no expected amount {name!r}")
        def expected_refs(value: Any) -> None:
            if isinstance(value, dict):
                if set(value) == {"expected"} and str(value["expected"]).split(".")[0] not in self.expected:
                    problems.append(f"a check uses {{expected: {value['expected']}}} but there is no expected "
                                    f"amount {str(value['expected']).split('.')[0]!r}")
                for inner in value.values():
                    expected_refs(inner)
            elif isinstance(value, list | tuple):
                for inner in value:
                    expected_refs(inner)

        expected_refs(self.model_dump(include={"items", "fatal"}))
        for turn in self.caller.script.turns.values():
            for option in turn.options:
                for fact in option.reveals:
                    if fact not in self.caller.facts:
                        problems.append(f"option {option.id}.reveals: no fact {fact!r} in caller.facts")
        return problems

    def item(self, item_id: str) -> Item | None:
        return next((i for i in self.items if i.id == item_id), None)
