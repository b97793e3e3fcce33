"""Every CSR duty as one named operation on the CIS.

A trainee's work on a call is a list of ``{"operation": name, "arguments": {...}}``. Each
operation in ``OPERATIONS`` has

- an argument model (pydantic, unknown arguments refused, precise types: money is a
  decimal in whole cents, dates are ISO dates, choices are fixed lists);
- a function ``(ctx, args) -> dict`` that checks the business rules, changes the CIS and
  returns a JSON-serialisable result (ids created, figures, what was found).

``run(session, operation, arguments, actor=...)`` validates the arguments, runs the
operation in one transaction (all or nothing) and writes an ``AuditEvent`` (who, when,
operation, arguments, outcome) in every case:

- ``ok``: the changes and the audit event are committed together;
- ``refused``: the arguments were invalid or a business rule said no
  (``OperationRefused``, ``policy.PolicyError``, ``ledger.LedgerError``); everything the
  operation did is rolled back and only the audit event is committed, in its own
  transaction, with the message the trainee sees;
- ``error``: an unexpected failure; rolled back the same way, the audit event says what
  failed.

Reads (``search_customers``, ``verify_identity``, ``view_account``) are audited too, so a
grader can tell when account details were shown and whether identity was verified
first. Money moves only through ``fake_cis.ledger``; every fee, limit and rule comes from
``fake_cis.policy``. ``today`` and ``now`` can be given to ``run`` (scenarios, tests);
by default ``today`` is the CIS's simulated today (``cis_info['today']``).

The operation names and argument names are a stable public language: scenarios record
and grade them. ``docs/cis.md`` is generated from this registry
(``python -m fake_cis.operations --doc``) and a test keeps it up to date.
"""

from __future__ import annotations

import argparse
import json
import logging
import re
import string
import sys
import types
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any, Literal, Union, get_args, get_origin

import annotated_types
from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    model_validator,
)
from sqlalchemy import case as sql_case
from sqlalchemy import func, literal, or_, select, union_all
from sqlalchemy.orm import Session

from fake_cis import ledger, policy
from fake_cis.ledger import LedgerError
from fake_cis.models import (
    CANCEL_REASONS,
    CHANNELS,
    CENT,
    LOCAL_TZ,
    PROGRAMS,
    ROLES,
    TENDERS,
    Account,
    AccountPerson,
    Adjustment,
    AuditEvent,
    BankruptcyCase,
    Bill,
    BillSegment,
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
    digits,
    hash_ssn,
    local_now,
    search_key,
)
from fake_cis.policy import PolicyError, usd

log = logging.getLogger(__name__)

ZERO = Decimal("0.00")
DOC_PATH = Path(__file__).resolve().parent.parent / "docs" / "cis.md"


# --- results, refusals, the registry ------------------------------------------------------


class OperationRefused(Exception):
    """A business rule says no. The message is what the trainee sees; nothing changes."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class OperationResult:
    """What ``run`` returns. ``outcome`` is ``ok``, ``refused`` or ``error``; ``data`` is
    the operation's JSON-serialisable result (empty unless ok)."""

    ok: bool
    operation: str
    message: str
    data: dict[str, Any] = field(default_factory=dict)
    outcome: str = "ok"
    audit_event_id: int | None = None


@dataclass
class Context:
    """What an operation works with: the session, who is acting, and the clock."""

    session: Session
    actor: str
    today: date
    now: datetime
    operation: str
    account_id: int | None = None  # the account the audit event is filed under
    message: str | None = None

    @property
    def policy(self) -> policy.Policy:
        return policy.load_policy()

    def on_account(self, account: Account) -> None:
        """File the audit event under this account (the first account an operation touches)."""
        if self.account_id is None:
            self.account_id = account.id

    def post(self, account: Account, kind: str, amount: Decimal, description: str, *,
             effective: date | None = None, **kwargs: Any) -> FinancialTransaction:
        return ledger.post(self.session, account.id, kind, amount, effective=effective or self.today,
                           description=description, posted_at=self.now, **kwargs)

    def reverse(self, entry: FinancialTransaction, reason: str, *, effective: date | None = None):
        return ledger.reverse(self.session, entry.id, reason, effective=effective or self.today,
                              posted_at=self.now)


@dataclass(frozen=True)
class Operation:
    name: str
    kind: Literal["read", "write"]
    arguments: type[BaseModel]
    function: Callable[[Context, Any], dict]
    summary: str
    description: str
    refusals: tuple[str, ...]
    returns: str
    redact: tuple[str, ...] = ()  # argument names never written to the audit trail
    file_under_account: bool = True  # False: the audit event names no account


OPERATIONS: dict[str, Operation] = {}


def operation(name: str, arguments: type[BaseModel], *, kind: Literal["read", "write"] = "write",
              refusals: tuple[str, ...] = (), returns: str = "", redact: tuple[str, ...] = (),
              file_under_account: bool = True):
    """Register ``function`` as the operation ``name``. Its docstring is the purpose: the
    first paragraph the summary, the rest the description (both go into docs/cis.md)."""

    def register(function: Callable[[Context, Any], dict]) -> Callable[[Context, Any], dict]:
        if name in OPERATIONS:
            raise ValueError(f"operation {name!r} registered twice")
        doc = (function.__doc__ or "").strip()
        doc = doc.replace("``", "`")
        paragraphs = [" ".join(line.strip() for line in p.splitlines()) for p in re.split(r"\n\s*\n", doc) if p.strip()]
        OPERATIONS[name] = Operation(
            name, kind, arguments, function, paragraphs[0] if paragraphs else "", "\n\n".join(paragraphs[1:]),
            tuple(refusals), returns, tuple(redact), file_under_account,
        )
        return function

    return register


# --- argument types -----------------------------------------------------------------------


@dataclass(frozen=True)
class Label:
    """How an argument type is named in docs/cis.md."""

    text: str


def _text_field(value: Any) -> Any:
    return value.strip() if isinstance(value, str) else value


def _account_number(value: Any) -> str:
    if not isinstance(value, str):
        raise ValueError("must be a 10-digit account number written as text, e.g. \"4001234567\"")
    if re.search(r"[^\d\s-]", value) or len(digits(value)) != 10:
        raise ValueError("must be a 10-digit account number")
    return digits(value)


def _phone(value: Any) -> str:
    if not isinstance(value, str):
        raise ValueError("must be a 10-digit phone number written as text, e.g. \"916-555-0142\"")
    number = digits(value)
    if len(number) == 11 and number.startswith("1"):
        number = number[1:]
    if re.search(r"[^\d\s().+-]", value) or len(number) != 10:
        raise ValueError("must be a 10-digit phone number")
    return number


def _last4(value: Any) -> str:
    if not isinstance(value, str) or not re.fullmatch(r"\d{4}", value.strip()):
        raise ValueError("must be exactly 4 digits written as text, e.g. \"0421\"")
    return value.strip()


def _ssn(value: Any) -> str:
    if not isinstance(value, str) or re.search(r"[^\d\s-]", value) or len(digits(value)) != 9:
        raise ValueError("must be a 9-digit SSN (or EIN for a business) written as text")
    return digits(value)


def _email(value: Any) -> str:
    if not isinstance(value, str) or not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", value.strip()):
        raise ValueError("must be an e-mail address such as name@example.com")
    return value.strip()


def Text(max_length: int, label: str = "text") -> Any:  # noqa: N802 - a type factory
    return Annotated[str, BeforeValidator(_text_field), StringConstraints(min_length=1, max_length=max_length),
                     Label(f"{label} (up to {max_length} characters)")]


AccountNumber = Annotated[str, BeforeValidator(_account_number), Label("account number (10 digits, as text)")]
Phone = Annotated[str, BeforeValidator(_phone), Label("phone number (10 digits, as text)")]
Last4 = Annotated[str, BeforeValidator(_last4), Label("4 digits, as text")]
Ssn = Annotated[str, BeforeValidator(_ssn), Label("SSN / EIN (9 digits, as text)")]
Email = Annotated[str, BeforeValidator(_email), Label("e-mail address")]
Money = Annotated[Decimal, Field(gt=0, max_digits=12, decimal_places=2),
                  Label("amount in dollars, more than 0, whole cents (e.g. \"42.50\")")]
MoneyOrZero = Annotated[Decimal, Field(ge=0, max_digits=12, decimal_places=2),
                        Label("amount in dollars, 0 or more, whole cents (e.g. \"42.50\")")]
def _whole(value: Any) -> Any:
    if isinstance(value, bool):
        raise ValueError("must be a whole number")
    return value


def _comma_list(value: Any) -> Any:
    """A list, or text separated by commas (as a form field gives it)."""
    if isinstance(value, str):
        return [part.strip() for part in value.split(",") if part.strip()]
    return value


Id = Annotated[int, BeforeValidator(_whole), Field(gt=0), Label("id (whole number)")]
Whole = Annotated[int, BeforeValidator(_whole)]


class Args(BaseModel):
    """Arguments of an operation: unknown names refused, text trimmed."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, frozen=True)


# --- validation messages ------------------------------------------------------------------


def _location(loc: tuple) -> str:
    text = ""
    for part in loc:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else str(part)
    return text


def _expectation(error: dict, op: Operation | None) -> str:
    kind, ctx = error["type"], error.get("ctx") or {}
    message = error["msg"]
    if kind == "missing":
        return "is required"
    if kind == "extra_forbidden":
        known = ", ".join(op.arguments.model_fields) if op else ""
        return f"is not an argument of {op.name if op else 'this operation'} (arguments: {known})"
    if kind == "literal_error":
        return f"must be one of {ctx.get('expected', '')}".replace("'", "")
    if kind in ("greater_than", "greater_than_equal", "less_than", "less_than_equal"):
        words = {"greater_than": "more than", "greater_than_equal": "at least", "less_than": "less than",
                 "less_than_equal": "at most"}[kind]
        limit = next(iter(ctx.values()), "")
        return f"must be {words} {limit}"
    if kind == "decimal_max_places":
        return "must be in whole cents (at most 2 decimal places)"
    if kind in ("decimal_max_digits", "decimal_whole_digits"):
        return "is too large"
    if kind in ("decimal_parsing", "decimal_type"):
        return "must be an amount such as \"42.50\""
    if kind.startswith("date") or kind.startswith("datetime"):
        return "must be a date written YYYY-MM-DD"
    if kind.startswith("int") or kind == "int_from_float":
        return "must be a whole number"
    if kind.startswith("bool"):
        return "must be true or false"
    if kind == "string_too_short":
        return "must not be empty"
    if kind == "string_too_long":
        return f"must be at most {ctx.get('max_length')} characters"
    if kind in ("string_type", "model_type", "model_attributes_type", "dict_type"):
        return "must be " + {"string_type": "text", "dict_type": "an object"}.get(kind, "an object")
    if kind == "list_type":
        return "must be a list"
    if kind == "too_short":
        return "must not be empty"
    message = message.removeprefix("Value error, ").removeprefix("Assertion failed, ")
    return message[:1].lower() + message[1:]


def validation_message(op: Operation | None, error: ValidationError, name: str) -> str:
    """One sentence naming each bad argument and what is expected."""
    problems = []
    for item in error.errors(include_url=False):
        where = _location(item["loc"])
        what = _expectation(item, op)
        problems.append(f"{where} {what}" if where else what)
    problems = list(dict.fromkeys(problems))
    return f"Invalid arguments for {name}: " + "; ".join(problems) + "."


# --- audit trail --------------------------------------------------------------------------

WITHHELD = "[withheld]"


def _redacted(value: Any, redact: tuple[str, ...] = ()) -> Any:
    """The arguments as the audit trail keeps them: an SSN as its last 4 only, and the
    operation's withheld fields replaced."""
    if isinstance(value, Mapping):
        out = {}
        for key, item in value.items():
            if key == "ssn":
                number = digits(item) if isinstance(item, str) else ""
                out[key] = f"***-**-{number[-4:]}" if len(number) == 9 else WITHHELD
            elif key in redact and item is not None:
                out[key] = WITHHELD
            else:
                out[key] = _redacted(item, redact)
        return out
    if isinstance(value, list | tuple):
        return [_redacted(item, redact) for item in value]
    return value


def jsonable(value: Any) -> Any:
    """Plain JSON values: Decimal -> "12.50", date -> "2026-07-01", tuples -> lists."""
    if isinstance(value, Decimal):
        value = value + 0  # no negative zero
        return str(value.quantize(CENT)) if value == value.quantize(CENT) else str(value)
    if isinstance(value, datetime):
        return value.isoformat(timespec="seconds")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [jsonable(v) for v in value]
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)


def _raw_arguments(arguments: Any) -> dict[str, Any] | None:
    if isinstance(arguments, Mapping):
        return jsonable(arguments)
    return {"_not_an_object": jsonable(arguments)} if arguments is not None else None


def _guess_account_id(session: Session, arguments: Any) -> int | None:
    """The account an invalid request was about, when it named an existing one."""
    if not isinstance(arguments, Mapping):
        return None
    for key in ("account_number", "to_account_number"):
        value = arguments.get(key)
        if isinstance(value, str) and len(digits(value)) == 10:
            found = session.scalar(select(Account.id).where(Account.account_number == digits(value)))
            if found is not None:
                return found
    return None


def _write_audit(session: Session, *, at: datetime, actor: str, operation: str, arguments: Any,
                 outcome: str, message: str, account_id: int | None) -> int:
    if account_id is not None and session.get(Account, account_id) is None:
        account_id = None  # created by the rolled-back work
    event = AuditEvent(at=at, actor=actor[:60], operation=operation[:60], arguments=arguments, outcome=outcome,
                       message=message, account_id=account_id)
    session.add(event)
    session.commit()
    return event.id


def run(session: Session, operation: str, arguments: Mapping[str, Any] | None, *, actor: str,
        today: date | None = None, now: datetime | None = None) -> OperationResult:
    """Validate and run one operation; commit its changes with an audit event, or refuse.

    ``actor`` is the CSR (trainee) or ``system``. ``today`` defaults to ``now``'s date or
    the CIS's simulated today; ``now`` (naive local time, or aware and converted) defaults
    to ``today`` at the current wall-clock time. ``run`` owns the session's transaction:
    call it with no uncommitted changes; it commits on every outcome.
    """
    if not isinstance(actor, str) or not actor.strip():
        raise ValueError("run() needs the actor: the CSR's name or 'system'")
    actor = actor.strip()
    if session.new or session.dirty or session.deleted:
        raise RuntimeError("run() owns the transaction: commit or roll back pending changes first")
    if now is not None and now.tzinfo is not None:
        now = now.astimezone(LOCAL_TZ).replace(tzinfo=None)
    if today is None:
        today = now.date() if now is not None else ledger.cis_today(session)
    if now is None:
        now = datetime.combine(today, local_now().time().replace(microsecond=0))
    if now.date() != today:
        raise ValueError(f"now ({now.isoformat()}) is not on today ({today.isoformat()})")

    def refuse(message: str, arguments_for_audit: Any, account_id: int | None) -> OperationResult:
        event_id = _write_audit(session, at=now, actor=actor, operation=str(operation), arguments=arguments_for_audit,
                                outcome="refused", message=message, account_id=account_id)
        return OperationResult(False, str(operation), message, {}, "refused", event_id)

    op = OPERATIONS.get(operation) if isinstance(operation, str) else None
    redact = op.redact if op else ()
    raw = _redacted(_raw_arguments(arguments), redact)
    if op is None:
        return refuse(f"Unknown operation {operation!r}. Operations: {', '.join(OPERATIONS)}.", raw, None)
    if not isinstance(arguments, Mapping):
        return refuse(f"Invalid arguments for {op.name}: the arguments must be an object of names and values.",
                      raw, None)
    try:
        args = op.arguments.model_validate(dict(arguments))
    except ValidationError as error:
        account_id = _guess_account_id(session, arguments) if op.file_under_account else None
        session.rollback()
        return refuse(validation_message(op, error, op.name), raw, account_id)

    audit_arguments = _redacted(jsonable(args.model_dump(exclude_unset=True)), redact)
    ctx = Context(session, actor, today, now, op.name)
    try:
        data = jsonable(op.function(ctx, args) or {})
        json.dumps(data)
        message = ctx.message or f"{op.name} done."
        account_id = ctx.account_id if op.file_under_account else None
        event = AuditEvent(at=now, actor=actor[:60], operation=op.name, arguments=audit_arguments, outcome="ok",
                           message=message, account_id=account_id)
        session.add(event)
        session.commit()
        return OperationResult(True, op.name, message, data, "ok", event.id)
    except (OperationRefused, PolicyError, LedgerError) as error:
        session.rollback()
        if isinstance(error, OperationRefused):
            message = error.message
        else:  # the policy's and the ledger's messages start in lower case
            message = str(error)[:1].upper() + str(error)[1:]
        return refuse(message, audit_arguments, ctx.account_id if op.file_under_account else None)
    except Exception as error:  # noqa: BLE001 - every outcome is audited
        session.rollback()
        log.exception("operation %s failed", op.name)
        message = f"The operation failed: {type(error).__name__}: {error}"
        event_id = _write_audit(session, at=now, actor=actor, operation=op.name, arguments=audit_arguments,
                                outcome="error", message=message[:2000],
                                account_id=ctx.account_id if op.file_under_account else None)
        return OperationResult(False, op.name, message, {}, "error", event_id)


def run_all(session: Session, actions: list[Mapping[str, Any]], *, actor: str, today: date | None = None,
            now: datetime | None = None) -> list[OperationResult]:
    """Run a recorded list of ``{"operation": name, "arguments": {...}}`` in order."""
    results = []
    for action in actions:
        results.append(run(session, action.get("operation"), action.get("arguments", {}), actor=actor,
                           today=today, now=now))
    return results


# --- shared look-ups ----------------------------------------------------------------------

OPEN_ORDER_STATUSES = ("pending", "dispatched")
OPEN_SA_STATUSES = ("pending", "active")
RETURNED_REASONS = ("nsf", "stop_payment")  # a payment the bank sent back: fee and cash-only count
MEDICAL_PROGRAMS = ("medical_baseline", "life_support")

#: The CIS's program codes (``models.PROGRAMS``) and the policy entry each one follows.
POLICY_PROGRAM = {
    "energy_assistance": "energy_assistance",
    "medical_baseline": "medical",
    "life_support": "medical",
    "ev_discount": "ev_discount",
    "balanced_payment": "balanced_payment",
    "autopay": "autopay",
    "paperless": "paperless",
    "solar_nem": "net_metering",
    "solar_rgp": "renewable_generation",
    "rebate": None,  # rebates: policy.rebates
}

#: Tenders a cash-only account may use, by the words the policy lists them in.
TENDER_FOR_POLICY_FORM = {
    "cash": "cash",
    "cashier's check": "certified_funds",
    "certified funds": "certified_funds",
    "money order": "money_order",
}

DEFAULT_RATE_CODE = {"residential": "R-1", "commercial": "C-1"}

#: The average monthly bill (deposit amount, balanced payment) is taken over this many months of bills.
AVERAGE_BILL_MONTHS = 12


def _account(ctx: Context, number: str) -> Account:
    account = ctx.session.scalar(select(Account).where(Account.account_number == number))
    if account is None:
        raise OperationRefused(f"No account {number}: check the number (search_customers finds accounts by name, "
                               "phone or address).")
    ctx.on_account(account)
    return account


def _open_account(ctx: Context, number: str) -> Account:
    account = _account(ctx, number)
    if account.status == "closed":
        raise OperationRefused(f"Account {number} is closed (since {_iso(account.closed_on)}).")
    return account


def _iso(day: date | None) -> str:
    return day.isoformat() if day else "an unknown date"


def _person(ctx: Context, person_id: int) -> Person:
    person = ctx.session.get(Person, person_id)
    if person is None:
        raise OperationRefused(f"No person with id {person_id}.")
    return person


def _premise(ctx: Context, premise_id: int) -> Premise:
    premise = ctx.session.get(Premise, premise_id)
    if premise is None:
        raise OperationRefused(f"No premise with id {premise_id}.")
    return premise


def _roles(session: Session, account: Account) -> list[AccountPerson]:
    return list(session.scalars(select(AccountPerson).where(AccountPerson.account_id == account.id)
                                .order_by(AccountPerson.id)))


def _main_person(session: Session, account: Account) -> Person | None:
    return session.scalar(select(Person).join(AccountPerson, AccountPerson.person_id == Person.id)
                          .where(AccountPerson.account_id == account.id, AccountPerson.role == "main"))


def _electric(session: Session, account: Account, *, open_only: bool = True) -> list[ServiceAgreement]:
    query = select(ServiceAgreement).where(ServiceAgreement.account_id == account.id,
                                           ServiceAgreement.kind == "electric")
    if open_only:
        query = query.where(ServiceAgreement.status.in_(OPEN_SA_STATUSES), ServiceAgreement.end_on.is_(None))
    return list(session.scalars(query.order_by(ServiceAgreement.start_on.desc(), ServiceAgreement.id.desc())))


def _service_point(session: Session, premise_id: int) -> ServicePoint | None:
    return session.scalar(select(ServicePoint).where(ServicePoint.premise_id == premise_id,
                                                     ServicePoint.kind == "electric").order_by(ServicePoint.id))


def _current_meter(session: Session, service_point: ServicePoint | None) -> Meter | None:
    if service_point is None:
        return None
    return session.scalar(select(Meter).where(Meter.service_point_id == service_point.id, Meter.removed_on.is_(None))
                          .order_by(Meter.installed_on.desc()))


def _active_programs(session: Session, account: Account) -> list[ProgramEnrollment]:
    return list(session.scalars(select(ProgramEnrollment).where(ProgramEnrollment.account_id == account.id,
                                                                ProgramEnrollment.status == "active")))


def _open_bankruptcy(session: Session, account: Account) -> BankruptcyCase | None:
    return session.scalar(select(BankruptcyCase).where(BankruptcyCase.account_id == account.id,
                                                       BankruptcyCase.status == "open")
                          .order_by(BankruptcyCase.petition_on.desc()))


def _active_arrangement(session: Session, account: Account) -> PaymentArrangement | None:
    return session.scalar(select(PaymentArrangement).where(PaymentArrangement.account_id == account.id,
                                                           PaymentArrangement.status == "active"))


def _low_income(session: Session, account: Account) -> bool:
    return any(p.program == "energy_assistance" for p in _active_programs(session, account))


def _life_support(session: Session, account: Account) -> bool:
    """Life support or a medical program on the account: disconnection is held."""
    if any(role.person.life_support for role in _roles(session, account)):
        return True
    return any(p.program in MEDICAL_PROGRAMS for p in _active_programs(session, account))


def _aging(ctx: Context, account: Account) -> ledger.Aging:
    return ledger.aging(ctx.session, account.id, ctx.today)


def _collectible(ctx: Context, account: Account) -> Decimal:
    """What the customer owes on today, without bankruptcy-held debt."""
    aging = _aging(ctx, account)
    return aging.balance - aging.held


def _utility_name(session: Session) -> str:
    name = session.get(CisInfo, "utility_name")
    if name is not None and name.value:
        return name.value
    city = session.get(CisInfo, "city")
    return f"{city.value} Public Utilities" if city is not None and city.value else "the Electric Utility"


def _payment_credit(session: Session, payment: Payment) -> FinancialTransaction | None:
    """The payment's own ledger credit, if it has not been reversed."""
    for entry in session.scalars(select(FinancialTransaction).where(
            FinancialTransaction.payment_id == payment.id, FinancialTransaction.kind == "payment",
            FinancialTransaction.reverses_id.is_(None)).order_by(FinancialTransaction.id)):
        if ledger.reversal_of(session, entry.id) is None:
            return entry
    return None


def _cancel_open_orders(ctx: Context, account: Account, kind: str, why: str) -> list[int]:
    canceled = []
    for order in ctx.session.scalars(select(ServiceOrder).where(ServiceOrder.account_id == account.id,
                                                                ServiceOrder.kind == kind,
                                                                ServiceOrder.status.in_(OPEN_ORDER_STATUSES))):
        order.status = "canceled"
        order.completed_on = ctx.today
        order.result = why
        canceled.append(order.id)
    return canceled


def _average_monthly_bill(session: Session, account: Account, premise_ids: list[int], today: date) -> Decimal | None:
    """The average of the last 12 months' bills: this account's, else the premise's."""
    since = policy.add_months(today, -AVERAGE_BILL_MONTHS)
    amounts = list(session.scalars(select(Bill.current_charges).where(
        Bill.account_id == account.id, Bill.canceled_on.is_(None), Bill.bill_on >= since, Bill.bill_on <= today)))
    if not amounts and premise_ids:
        amounts = list(session.scalars(
            select(func.sum(BillSegment.amount)).join(Bill, Bill.id == BillSegment.bill_id)
            .join(ServiceAgreement, ServiceAgreement.id == BillSegment.sa_id)
            .where(ServiceAgreement.premise_id.in_(premise_ids), Bill.canceled_on.is_(None), Bill.bill_on >= since,
                   Bill.bill_on <= today)
            .group_by(Bill.id)))
    amounts = [Decimal(a) for a in amounts if a is not None]
    if not amounts:
        return None
    return policy.cents(sum(amounts, ZERO) / len(amounts))


def _on_time_streak(ctx: Context, account: Account) -> int:
    """Consecutive bills, newest first, with nothing past due the day after their due date."""
    streak = 0
    bills = ctx.session.scalars(select(Bill).where(Bill.account_id == account.id, Bill.canceled_on.is_(None),
                                                   Bill.due_on < ctx.today).order_by(Bill.due_on.desc()))
    for bill in bills:
        if ledger.past_due(ctx.session, account.id, bill.due_on + timedelta(days=1)) > 0:
            break
        streak += 1
    return streak


def _returned_payments(session: Session, account: Account, since: date, until: date) -> list[Payment]:
    return list(session.scalars(select(Payment).where(
        Payment.account_id == account.id, Payment.cancel_reason.in_(RETURNED_REASONS),
        Payment.canceled_on >= since, Payment.canceled_on <= until)))


def _premise_address(premise: Premise | None) -> str | None:
    return premise.address if premise is not None else None


def _occupant_agreements(session: Session, premise: Premise, start_on: date) -> list[ServiceAgreement]:
    """Electric agreements at the premise still running on ``start_on``."""
    return list(session.scalars(select(ServiceAgreement).where(
        ServiceAgreement.premise_id == premise.id, ServiceAgreement.kind == "electric",
        ServiceAgreement.status.in_(OPEN_SA_STATUSES),
        or_(ServiceAgreement.end_on.is_(None), ServiceAgreement.end_on > start_on))))


def _new_account_number(session: Session) -> str:
    # A scenario sandbox sets its own sequence, so its new accounts get the same numbers
    # whatever population lies under it (a recorded call replays anywhere).
    sequence = session.get(CisInfo, "next_account_number")
    if sequence is not None:
        candidate = int(sequence.value)
        while session.scalar(select(Account.id).where(Account.account_number == f"{candidate:010d}")) is not None:
            candidate += 1
        sequence.value = str(candidate + 1)
        return f"{candidate:010d}"
    numbers = [int(n) for n in session.scalars(select(Account.account_number)) if n.isdigit()]
    candidate = max(numbers, default=4_000_000_000) + 1
    taken = set(numbers)
    while candidate in taken or candidate > 9_999_999_999:
        candidate = candidate + 1 if candidate < 9_999_999_999 else 1_000_000_000
    return f"{candidate:010d}"


def _fee_adjustment(ctx: Context, account: Account, kind: str, amount: Decimal, reason: str, *,
                    effective: date | None = None, due_on: date | None | object = None,
                    sa_id: int | None = None) -> Adjustment:
    """A charge or credit that is not a bill or a payment: an Adjustment and its ledger entry."""
    effective = effective or ctx.today
    adjustment = Adjustment(account_id=account.id, sa_id=sa_id, kind=kind, amount=amount, effective_on=effective,
                            reason=reason, created_by=ctx.actor[:40])
    ctx.session.add(adjustment)
    ctx.session.flush()
    extra: dict[str, Any] = {"adjustment_id": adjustment.id, "sa_id": sa_id}
    if due_on is not None:
        extra["due_on"] = due_on
    ctx.post(account, kind, amount, reason, effective=effective, **extra)
    return adjustment


# --- search, identity, account view -------------------------------------------------------

SEARCH_KINDS = ("name", "account_number", "phone", "address")


class SearchCustomersArgs(Args):
    query: Text(120) = Field(description="What the caller gave: a name with the last name or business name "
                                         "('Ana Garcia', 'Garcia, Ana', 'Garcia'), an account number (or its first "
                                         "digits), a phone number (or its last 4 or 7 digits) or a service address "
                                         "('1420 Oak Ave', 'Oak Ave').")
    by: Literal["any", "name", "account_number", "phone", "address"] = Field(
        "any", description="What the query is; `any` guesses from its shape (digits only: account number or "
                           "phone; a house number then words: address; otherwise a name).")
    include_closed: bool = Field(True, description="Also list closed accounts.")
    limit: Whole = Field(20, ge=1, le=100, description="At most this many rows.")


def _search_kinds(query: str) -> tuple[str, ...]:
    if not re.search(r"[A-Za-z]", query):
        return ("account_number", "phone")
    if re.match(r"^\s*\d+[A-Za-z]?\s+\S", query):
        return ("address",)
    return ("name",)


# A search finds its rows in one query that orders them the way they are shown and keeps the
# first ``limit + 1``; only the service address of those rows is then looked up, in one batch.
# The order: accounts that are not closed first, then rows without an account (a person with
# no role, a vacant premise), then closed accounts; by name (``Person.display_name``, written
# in SQL below), then account number.


def _display_name_sql() -> Any:
    """``Person.display_name`` as a SQL expression: the business name, or the non-empty parts
    of first, middle and last name and suffix joined by single spaces."""
    def part(column: Any) -> Any:
        return sql_case((column != "", column + " "), else_="")

    joined = part(Person.first_name) + part(Person.middle_name) + part(Person.last_name) + part(Person.suffix)
    return func.coalesce(sql_case((Person.kind == "business", func.coalesce(Person.business_name, "")),
                              else_=func.substr(joined, 1, func.length(joined) - 1)), "").collate("BINARY")


_BY_NAME = _display_name_sql()
# 0: an account that is not closed, 1: no account, 2: a closed account.
_BY_STATUS = sql_case((Account.status == "closed", 2), (Account.id.is_(None), 1), else_=0)
_ROW_COLUMNS = (
    Person.id.label("person_id"), Person.kind, Person.first_name, Person.middle_name, Person.last_name,
    Person.suffix, Person.business_name, Account.id.label("account_id"), Account.account_number,
    Account.status.label("account_status"), Account.customer_class, Account.opened_on, Account.closed_on,
)
_PREMISE_COLUMNS = (Premise.id.label("premise_id"), Premise.house_number, Premise.street_name, Premise.unit,
                    Premise.city, Premise.state, Premise.zip_code)


def _person_rows(session: Session, conditions: list, include_closed: bool, n: int) -> list[dict]:
    """One row per role of each person meeting ``conditions`` (a person with no role: one
    row without an account); the first ``n``."""
    query = (select(*_ROW_COLUMNS, AccountPerson.role)
             .select_from(Person)
             .outerjoin(AccountPerson, AccountPerson.person_id == Person.id)
             .outerjoin(Account, Account.id == AccountPerson.account_id)
             .where(*conditions))
    if not include_closed:
        query = query.where(or_(AccountPerson.id.is_(None), Account.status != "closed"))
    query = query.order_by(_BY_STATUS, _BY_NAME, func.coalesce(Account.account_number, ""), Person.name_key,
                           Person.id, AccountPerson.id).limit(n)
    return _rows(session, session.execute(query).all())


def _account_rows(session: Session, conditions: list, include_closed: bool, n: int) -> list[dict]:
    """One row per person on each account meeting ``conditions``; the first ``n``."""
    query = (select(*_ROW_COLUMNS, AccountPerson.role)
             .select_from(Account)
             .join(AccountPerson, AccountPerson.account_id == Account.id)
             .join(Person, Person.id == AccountPerson.person_id)
             .where(*conditions))
    if not include_closed:
        query = query.where(Account.status != "closed")
    query = query.order_by(_BY_STATUS, _BY_NAME, Account.account_number, AccountPerson.id).limit(n)
    return _rows(session, session.execute(query).all())


def _premise_rows(session: Session, conditions: list, include_closed: bool, n: int) -> list[dict]:
    """One row per account ever served at each premise meeting ``conditions``, with the
    account's main person, or one row for the premise alone when it has no account to show;
    the first ``n``."""
    main = (select(AccountPerson.person_id)
            .where(AccountPerson.account_id == ServiceAgreement.account_id, AccountPerson.role == "main")
            .order_by(AccountPerson.id).limit(1).scalar_subquery())
    served = (select(ServiceAgreement.premise_id, ServiceAgreement.account_id, main.label("person_id"))
              .join(Premise, Premise.id == ServiceAgreement.premise_id)
              .join(Account, Account.id == ServiceAgreement.account_id)
              .where(ServiceAgreement.kind == "electric", *conditions))
    if not include_closed:
        served = served.where(Account.status != "closed")
    served = served.distinct().subquery()
    query = (select(*_ROW_COLUMNS, *_PREMISE_COLUMNS)
             .select_from(Premise)
             .outerjoin(served, served.c.premise_id == Premise.id)
             .outerjoin(Account, Account.id == served.c.account_id)
             .outerjoin(Person, Person.id == served.c.person_id)
             .where(*conditions)
             .order_by(_BY_STATUS, _BY_NAME, func.coalesce(Account.account_number, ""), Premise.street_key,
                       Premise.house_number, Premise.unit, Premise.id)
             .limit(n))
    return _rows(session, session.execute(query).all(), at_premise=True)


def _rows(session: Session, found: list, *, at_premise: bool = False) -> list[dict[str, Any]]:
    """Result rows from the rows of ``_ROW_COLUMNS`` (and ``role``, or ``_PREMISE_COLUMNS``
    with ``at_premise``). Without a premise, a row shows the premise of its account's latest
    electric agreement."""
    premises: dict[int, Any] = {}
    if not at_premise:
        accounts = {r.account_id for r in found if r.account_id is not None}
        if accounts:
            for r in session.execute(select(ServiceAgreement.account_id, *_PREMISE_COLUMNS)
                                     .outerjoin(Premise, Premise.id == ServiceAgreement.premise_id)
                                     .where(ServiceAgreement.account_id.in_(accounts),
                                            ServiceAgreement.kind == "electric")
                                     .order_by(ServiceAgreement.start_on.desc(), ServiceAgreement.id.desc())):
                premises.setdefault(r.account_id, r)
    rows = []
    for r in found:  # the models' own display_name and address, on the selected columns
        person = r.person_id is not None
        account = r.account_id is not None
        premise = r if at_premise else premises.get(r.account_id)
        if premise is not None and premise.premise_id is None:
            premise = None
        rows.append({
            "person_id": r.person_id,
            "name": Person.display_name.fget(r) if person else None,
            "role": ("main" if person else None) if at_premise else r.role,
            "account_number": r.account_number if account else None,
            "account_status": r.account_status if account else None,
            "customer_class": r.customer_class if account else None,
            "opened_on": r.opened_on if account else None,
            "closed_on": r.closed_on if account else None,
            "premise_id": premise.premise_id if premise is not None else None,
            "service_address": Premise.address.fget(premise) if premise is not None else None,
        })
    return rows


STREET_WORDS = {"AVENUE": "AVE", "STREET": "ST", "ROAD": "RD", "DRIVE": "DR", "BOULEVARD": "BLVD", "LANE": "LN",
                "COURT": "CT", "PLACE": "PL", "CIRCLE": "CIR", "PARKWAY": "PKWY", "HIGHWAY": "HWY", "TERRACE": "TER",
                "NORTH": "N", "SOUTH": "S", "EAST": "E", "WEST": "W"}


def _street_tokens(value: str) -> list[str]:
    return [STREET_WORDS.get(token, token) for token in search_key(value).split()]


def _search(session: Session, kind: str, query: str, include_closed: bool, n: int) -> list[dict]:
    """The first ``n`` rows of one kind of search, in result order."""
    if kind == "name":
        # One of the words starts the name key (the last name, or a business name): index range
        # scans; every word must start a word of the name ('Ana Garcia', 'Garcia, Ana M').
        tokens = search_key(query).split()
        if not tokens:
            return []
        spaced = literal(" ") + Person.name_key
        conditions = [or_(*(Person.name_key.like(f"{t}%") for t in dict.fromkeys(tokens))),
                      *(spaced.like(f"% {t}%") for t in dict.fromkeys(tokens))]
        return _person_rows(session, conditions, include_closed, n)
    if kind == "account_number":
        number = digits(query)
        if len(number) < 4:
            return []
        return _account_rows(session, [Account.account_number.like(f"{number}%")], include_closed, n)
    if kind == "phone":
        number = digits(query)
        if len(number) == 11 and number.startswith("1"):
            number = number[1:]
        if len(number) < 4:
            return []
        pattern = number if len(number) == 10 else f"%{number}"
        # Each number column on its own, so that even the last digits ('%1234') read only the
        # columns' indexes, not the whole table.
        matching = union_all(*(select(Person.id).where(column.is_not(None), column.like(pattern))
                           for column in (Person.phone, Person.alt_phone)))
        return _person_rows(session, [Person.id.in_(matching)], include_closed, n)
    # address
    tokens = _street_tokens(query)
    house = tokens[0] if tokens and tokens[0][:1].isdigit() else None
    street = tokens[1:] if house else tokens
    conditions = []
    if house:
        conditions.append(Premise.house_number == house)
    if street:
        conditions.append(Premise.street_key.like(f"{street[0]}%"))
    if not conditions:
        return []
    if len(street) > 1:  # more words: keep the premises whose street or unit has them all (if any has)
        wanted = [t for t in street if t not in ("APT", "UNIT", "STE")]

        def fits(street_name: str, unit: str | None) -> bool:
            words = set(_street_tokens(street_name)) | set(search_key(unit).split())
            return all(any(w.startswith(t) for w in words) for t in wanted)

        candidates = session.execute(select(Premise.id, Premise.street_name, Premise.unit).where(*conditions)).all()
        fitting = [premise_id for premise_id, street_name, unit in candidates if fits(street_name, unit)]
        if fitting and len(fitting) < len(candidates):  # name the shorter list
            others = [premise_id for premise_id, street_name, unit in candidates if not fits(street_name, unit)]
            conditions.append(Premise.id.in_(fitting) if len(fitting) <= len(others) else Premise.id.not_in(others))
    return _premise_rows(session, conditions, include_closed, n)


@operation("search_customers", SearchCustomersArgs, kind="read",
           returns="`count`, `truncated`, `results`: rows of person_id, name, role, account_number, account_status, "
                   "customer_class, opened_on, closed_on, premise_id, service_address (a vacant premise: a row "
                   "without person and account).",
           refusals=("The query has fewer than 2 characters.",))
def search_customers(ctx: Context, args: SearchCustomersArgs) -> dict:
    """Find customers by name, account number, phone or service address.

    Each row is one person on one account (an address search: the main person of each
    account ever served there, and vacant premises), with enough to tell look-alikes apart:
    middle name and suffix, role, account status and dates, the service address. Identity
    details (birth date, SSN, phone) are not shown.
    """
    if len(args.query) < 2:
        raise OperationRefused("Give at least 2 characters to search for.")
    kinds = _search_kinds(args.query) if args.by == "any" else (args.by,)
    rows: list[dict] = []
    seen = set()
    for kind in kinds:
        for row in _search(ctx.session, kind, args.query, args.include_closed, args.limit + 1):
            key = (row["person_id"], row["account_number"], row["premise_id"])
            if key not in seen:
                seen.add(key)
                rows.append(row)
    rows.sort(key=lambda r: (r["account_status"] == "closed", r["account_status"] is None, r["name"] or "",
                             r["account_number"] or ""))
    truncated = len(rows) > args.limit
    rows = rows[: args.limit]
    more = " (more not shown)" if truncated else ""
    ctx.message = f"Search by {'/'.join(kinds)} for {args.query!r}: {len(rows)} row(s){more}."
    return {"count": len(rows), "truncated": truncated, "searched_by": list(kinds), "results": rows}


class VerifyIdentityArgs(Args):
    account_number: AccountNumber = Field(description="The account the caller asks about.")
    name: Text(120) = Field(description="The caller's full name as they give it.")
    ssn_last4: Last4 | None = Field(None, description="Last 4 digits of the SSN (EIN for a business) the caller gave.")
    birth_date: date | None = Field(None, description="Date of birth the caller gave.")
    service_address: Text(200) | None = Field(None, description="Service address the caller gave.")
    phone: Phone | None = Field(None, description="Phone number the caller gave.")

    @model_validator(mode="after")
    def _one_detail(self) -> VerifyIdentityArgs:
        if not any((self.ssn_last4, self.birth_date, self.service_address, self.phone)):
            raise ValueError("give the caller's name and at least one of ssn_last4, birth_date, service_address, phone")
        return self


BUSINESS_WORDS = {"LLC", "INC", "CO", "CORP", "CORPORATION", "COMPANY", "LTD", "LP", "LLP", "THE"}


def _name_matches(person: Person, given: str) -> bool:
    tokens = search_key(given).split()
    if person.kind == "business":  # the name without LLC, Inc. and the like
        needed = [w for w in search_key(person.business_name).split() if w not in BUSINESS_WORDS]
        return bool(needed) and all(word in tokens for word in needed)
    needed = search_key(person.first_name).split() + search_key(person.last_name).split()
    return bool(needed) and all(word in tokens for word in needed)


def _address_matches(premise: Premise, given: str) -> bool:
    tokens = _street_tokens(given)
    if not tokens or tokens[0] != search_key(premise.house_number):
        return False
    street = _street_tokens(premise.street_name)
    return bool(street) and street[0] in tokens[1:]


@operation("verify_identity", VerifyIdentityArgs, kind="read",
           returns="`verified` (true/false), `person_id` and `role` of the verified person (only when verified), "
                   "`matched`, `did_not_match`, `not_on_file`: lists of the details checked. Stored values are never "
                   "returned.",
           refusals=("The account does not exist.", "No identifying detail besides the name was given."))
def verify_identity(ctx: Context, args: VerifyIdentityArgs) -> dict:
    """Check the caller is a person on the account before discussing it.

    Verified when the name matches a person on the account and every detail the caller
    gave (at least one of SSN last 4, date of birth, service address, phone) matches what
    is on file for that person. The answer says which details matched, never the stored
    values.
    """
    account = _account(ctx, args.account_number)
    roles = _roles(ctx.session, account)
    role = next((r for r in roles if _name_matches(r.person, args.name)), None)
    given = [name for name in ("ssn_last4", "birth_date", "service_address", "phone") if getattr(args, name)]
    if role is None:
        ctx.message = f"Identity not verified on account {account.account_number}: the name is not on the account."
        return {"verified": False, "person_id": None, "role": None, "matched": [], "did_not_match": ["name", *given],
                "not_on_file": []}
    person = role.person
    matched, missed, absent = ["name"], [], []

    def check(name: str, stored: Any, ok: bool) -> None:
        if stored in (None, "", []):
            absent.append(name)
        elif ok:
            matched.append(name)
        else:
            missed.append(name)

    if args.ssn_last4:
        check("ssn_last4", person.ssn_last4, person.ssn_last4 == args.ssn_last4)
    if args.birth_date:
        check("birth_date", person.birth_date, person.birth_date == args.birth_date)
    if args.phone:
        phones = [p for p in (person.phone, person.alt_phone) if p]
        check("phone", phones, args.phone in phones)
    if args.service_address:
        premises = [sa.premise for sa in _electric(ctx.session, account, open_only=False) if sa.premise]
        check("service_address", premises, any(_address_matches(p, args.service_address) for p in premises))
    verified = len(matched) > 1 and not missed
    ctx.message = (
        f"Identity {'verified' if verified else 'not verified'} on account {account.account_number}"
        f"{f' as person {person.id} ({role.role})' if verified else ''}: matched {', '.join(matched)}"
        + (f"; did not match {', '.join(missed)}" if missed else "")
        + (f"; not on file {', '.join(absent)}" if absent else "") + "."
    )
    return {"verified": verified, "person_id": person.id if verified else None, "role": role.role if verified else None,
            "matched": matched, "did_not_match": missed, "not_on_file": absent}


class AccountArgs(Args):
    account_number: AccountNumber = Field(description="The account.")


def _alerts(ctx: Context, account: Account, aging: ledger.Aging) -> list[str]:
    session = ctx.session
    alerts = []
    if _life_support(session, account):
        alerts.append("Life support / medical: disconnection is held.")
    if account.cash_only and (account.cash_only_until is None or account.cash_only_until >= ctx.today):
        until = f" until {account.cash_only_until.isoformat()}" if account.cash_only_until else ""
        forms = ", ".join(ctx.policy.fees.returned_payment_cash_only.accepted_forms)
        alerts.append(f"Cash only{until}: accept {forms}.")
    case = _open_bankruptcy(session, account)
    if case is not None:
        alerts.append(f"Bankruptcy case {case.case_number} (chapter {case.chapter}) open: pre-petition debt "
                      f"{usd(case.pre_petition_balance)} is not collected; assurance due "
                      f"{case.assurance_due_on.isoformat()}.")
    for event in session.scalars(select(CollectionEvent).where(
            CollectionEvent.account_id == account.id, CollectionEvent.kind.in_(("agency_referral", "write_off")))):
        if event.kind == "agency_referral":
            alerts.append(f"Referred to collection agency {event.agency or ''} on {event.event_on.isoformat()}: "
                          "notify the agency of any payment.".replace("  ", " "))
        else:
            alerts.append(f"Bad debt written off on {event.event_on.isoformat()}.")
    arrangement = _active_arrangement(session, account)
    if arrangement is not None:
        alerts.append(f"Payment arrangement in force since {arrangement.created_on.isoformat()}.")
    if aging.past_due > 0:
        alerts.append(f"{usd(aging.past_due)} past due ({aging.days_past_due} days).")
    held = _held_deposits(session, account)
    if held:
        alerts.append(f"Deposit held: {usd(sum((d.amount for d in held), ZERO))}.")
    programs = [p.program for p in _active_programs(session, account)]
    if programs:
        alerts.append(f"Programs: {', '.join(programs)}.")
    open_orders = session.scalar(select(func.count()).select_from(ServiceOrder).where(
        ServiceOrder.account_id == account.id, ServiceOrder.status.in_(OPEN_ORDER_STATUSES)))
    if open_orders:
        alerts.append(f"{open_orders} open service order(s).")
    return alerts


@operation("view_account", AccountArgs, kind="read",
           returns="`account` (number, class, status, dates, flags), `persons` (roles and contact details; birth date "
                   "and SSN only as on-file flags), `service` (agreements with premise and meter state), `balance`, "
                   "`past_due`, `aging`, `alerts`, `deposits`, `arrangements`, `open_orders`, `programs`, "
                   "`bankruptcy_cases`, `collection_events`, `recent_bills`, `recent_payments`, `recent_ledger`, "
                   "`recent_notes`.",
           refusals=("The account does not exist.",))
def view_account(ctx: Context, args: AccountArgs) -> dict:
    """Show the account overview a CSR works from.

    Persons and their roles, the service premise(s), the balance and what is past due,
    alerts (life support, cash only, bankruptcy, collections, arrangement, open orders),
    deposits, programs, and the recent bills, payments, ledger entries and notes.
    """
    session = ctx.session
    account = _account(ctx, args.account_number)
    aging = _aging(ctx, account)
    persons = [{
        "person_id": r.person.id, "name": r.person.display_name, "role": r.role,
        "financially_responsible": r.financially_responsible, "relation": r.relation, "since": r.since,
        "phone": r.person.phone, "alt_phone": r.person.alt_phone, "email": r.person.email,
        "mailing_address": r.person.mailing_address, "life_support": r.person.life_support,
        "third_party_name": r.person.third_party_name, "third_party_phone": r.person.third_party_phone,
        "third_party_address": r.person.third_party_address,
        "birth_date_on_file": r.person.birth_date is not None, "ssn_on_file": r.person.ssn_hash is not None,
    } for r in _roles(session, account)]
    service = []
    for sa in _electric(session, account, open_only=False)[:5]:
        point = _service_point(session, sa.premise_id) if sa.premise_id else None
        meter = _current_meter(session, point)
        service.append({"sa_id": sa.id, "premise_id": sa.premise_id, "service_address": _premise_address(sa.premise),
                        "status": sa.status, "rate_code": sa.rate_code, "start_on": sa.start_on, "end_on": sa.end_on,
                        "service_point_state": point.state if point else None,
                        "meter_badge": meter.badge_number if meter else None})
    deposits = [{"deposit_id": d.id, "kind": d.kind, "amount": d.amount, "reason": d.reason, "status": d.status,
                 "held_since": d.held_since, "released_on": d.released_on}
                for d in session.scalars(select(Deposit).where(Deposit.account_id == account.id).order_by(Deposit.id))]
    arrangements = [{"arrangement_id": a.id, "status": a.status, "created_on": a.created_on, "arrears": a.arrears,
                     "down_payment": a.down_payment, "installments": a.installments,
                     "installment_amount": a.installment_amount, "first_due_on": a.first_due_on, "medical": a.medical}
                    for a in session.scalars(select(PaymentArrangement)
                                             .where(PaymentArrangement.account_id == account.id)
                                             .order_by(PaymentArrangement.id.desc()).limit(3))]
    orders = [{"order_id": o.id, "kind": o.kind, "status": o.status, "premise_id": o.premise_id,
               "requested_on": o.requested_on, "scheduled_on": o.scheduled_on, "after_hours": o.after_hours,
               "remarks": o.remarks}
              for o in session.scalars(select(ServiceOrder).where(ServiceOrder.account_id == account.id,
                                                                  ServiceOrder.status.in_(OPEN_ORDER_STATUSES))
                                       .order_by(ServiceOrder.id))]
    programs = [{"enrollment_id": p.id, "program": p.program, "enrolled_on": p.enrolled_on, "ends_on": p.ends_on,
                 "details": p.details} for p in _active_programs(session, account)]
    cases = [{"case_id": c.id, "case_number": c.case_number, "chapter": c.chapter, "status": c.status,
              "petition_on": c.petition_on, "pre_petition_balance": c.pre_petition_balance,
              "assurance_due_on": c.assurance_due_on, "assurance_received_on": c.assurance_received_on,
              "claim_deadline_on": c.claim_deadline_on, "claim_filed_on": c.claim_filed_on}
             for c in session.scalars(select(BankruptcyCase).where(BankruptcyCase.account_id == account.id))]
    events = [{"kind": e.kind, "event_on": e.event_on, "amount": e.amount, "agency": e.agency}
              for e in session.scalars(select(CollectionEvent).where(CollectionEvent.account_id == account.id)
                                       .order_by(CollectionEvent.event_on.desc(), CollectionEvent.id.desc()).limit(6))]
    bills = [{"bill_id": b.id, "bill_on": b.bill_on, "due_on": b.due_on, "current_charges": b.current_charges,
              "amount_due": b.amount_due, "final": b.final, "estimated": b.estimated, "canceled_on": b.canceled_on}
             for b in session.scalars(select(Bill).where(Bill.account_id == account.id)
                                      .order_by(Bill.bill_on.desc(), Bill.id.desc()).limit(6))]
    payments = [{"payment_id": p.id, "received_on": p.received_on, "amount": p.amount, "tender": p.tender,
                 "channel": p.channel, "check_number": p.check_number, "status": p.status,
                 "cancel_reason": p.cancel_reason}
                for p in session.scalars(select(Payment).where(Payment.account_id == account.id)
                                         .order_by(Payment.received_on.desc(), Payment.id.desc()).limit(6))]
    entries = list(session.scalars(select(FinancialTransaction).where(FinancialTransaction.account_id == account.id)
                                   .order_by(FinancialTransaction.id.desc()).limit(12)))
    reversed_ids = set(session.scalars(select(FinancialTransaction.reverses_id).where(
        FinancialTransaction.reverses_id.in_([e.id for e in entries]))))
    recent_ledger = [{"transaction_id": e.id, "kind": e.kind, "amount": e.amount, "effective_on": e.effective_on,
                      "due_on": e.due_on, "description": e.description, "reverses_id": e.reverses_id,
                      "reversed": e.id in reversed_ids} for e in entries]
    notes = [{"contact_at": n.contact_at, "channel": n.channel, "contact_type": n.contact_type, "note": n.note,
              "csr": n.csr}
             for n in session.scalars(select(ContactLog).where(ContactLog.account_id == account.id)
                                      .order_by(ContactLog.contact_at.desc(), ContactLog.id.desc()).limit(5))]
    ctx.message = f"Account {account.account_number} shown."
    return {
        "account": {"account_number": account.account_number, "customer_class": account.customer_class,
                    "status": account.status, "opened_on": account.opened_on, "closed_on": account.closed_on,
                    "bill_cycle": account.bill_cycle, "credit_rating": account.credit_rating,
                    "budget_billing": account.budget_billing, "autopay": account.autopay,
                    "paperless": account.paperless, "cash_only": account.cash_only,
                    "cash_only_until": account.cash_only_until},
        "persons": persons, "service": service, "balance": aging.balance, "past_due": aging.past_due,
        "aging": {"current": aging.current, "days_1_30": aging.days_1_30, "days_31_60": aging.days_31_60,
                  "days_61_90": aging.days_61_90, "over_90": aging.over_90, "held": aging.held,
                  "oldest_due_on": aging.oldest_due_on},
        "alerts": _alerts(ctx, account, aging), "deposits": deposits, "arrangements": arrangements,
        "open_orders": orders, "programs": programs, "bankruptcy_cases": cases, "collection_events": events,
        "recent_bills": bills, "recent_payments": payments, "recent_ledger": recent_ledger, "recent_notes": notes,
    }


# --- people ------------------------------------------------------------------------------


class NewPerson(Args):
    """A person not yet in the CIS."""

    kind: Literal["individual", "business"] = Field("individual", description="A person or a business.")
    first_name: Text(40) | None = Field(None, description="Individuals: required.")
    middle_name: Text(40) | None = Field(None, description="Middle name, if given.")
    last_name: Text(60) | None = Field(None, description="Individuals: required.")
    suffix: Text(8) | None = Field(None, description="Jr., Sr., III...")
    business_name: Text(120) | None = Field(None, description="Businesses: required.")
    birth_date: date | None = Field(None, description="Date of birth (individuals).")
    ssn: Ssn | None = Field(None, description="SSN (EIN for a business): kept only as a keyed hash and its last 4 "
                                              "digits, and only the last 4 reach the audit trail.")
    phone: Phone | None = Field(None, description="Main phone.")
    alt_phone: Phone | None = Field(None, description="Other phone.")
    email: Email | None = Field(None, description="E-mail address.")
    employer: Text(120) | None = Field(None, description="Employer.")
    mailing_address: Text(300) | None = Field(None, description="Where bills go when not the service address.")

    @model_validator(mode="after")
    def _names(self) -> NewPerson:
        if self.kind == "individual" and not (self.first_name and self.last_name):
            raise ValueError("a new individual needs first_name and last_name")
        if self.kind == "business" and not self.business_name:
            raise ValueError("a new business needs business_name")
        return self


def _create_person(ctx: Context, new: NewPerson) -> Person:
    session = ctx.session
    if new.birth_date is not None and new.birth_date >= ctx.today:
        raise OperationRefused(f"The birth date {new.birth_date.isoformat()} is not before today.")
    ssn_hash = None
    if new.ssn:
        key = session.get(CisInfo, "ssn_key")
        if key is None:
            raise RuntimeError("this CIS database has no ssn_key in cis_info")
        ssn_hash = hash_ssn(new.ssn, key.value)
        existing = session.scalar(select(Person).where(Person.ssn_hash == ssn_hash))
        if existing is not None:
            raise OperationRefused(f"A person with this SSN is already in the CIS (person {existing.id}, "
                                   f"{existing.display_name}): use person_id instead of new_person.")
    if new.kind == "business":
        name_key = search_key(new.business_name)
    else:
        name_key = search_key(" ".join(p for p in (new.last_name, new.first_name, new.middle_name) if p))
    person = Person(kind=new.kind, first_name=new.first_name, middle_name=new.middle_name, last_name=new.last_name,
                    suffix=new.suffix, business_name=new.business_name, name_key=name_key, birth_date=new.birth_date,
                    ssn_hash=ssn_hash, ssn_last4=new.ssn[-4:] if new.ssn else None, phone=new.phone,
                    alt_phone=new.alt_phone, email=new.email, employer=new.employer,
                    mailing_address=new.mailing_address, created_at=ctx.now)
    session.add(person)
    session.flush()
    return person


def _person_from(ctx: Context, person_id: int | None, new_person: NewPerson | None) -> Person:
    if person_id is not None:
        return _person(ctx, person_id)
    assert new_person is not None
    return _create_person(ctx, new_person)


def _one_person(person_id: int | None, new_person: NewPerson | None) -> None:
    if (person_id is None) == (new_person is None):
        raise ValueError("give either person_id (someone already in the CIS) or new_person, not both")


# --- start, stop, transfer service ------------------------------------------------------


class StartServiceArgs(Args):
    premise_id: Id = Field(description="The premise to serve (from search_customers by address).")
    start_on: date = Field(description="The day service starts: today or later.")
    person_id: Id | None = Field(None, description="The customer, when already in the CIS.")
    new_person: NewPerson | None = Field(None, description="The customer, when new to the CIS.")
    account_number: AccountNumber | None = Field(
        None, description="Add the service to this existing active account instead of opening a new one "
                          "(then give neither person_id nor new_person).")
    customer_class: Literal["residential", "commercial"] | None = Field(
        None, description="Default: commercial for a commercial premise, otherwise residential.")
    rate_code: Text(16) | None = Field(None, description="Rate schedule; default R-1 (residential) or C-1 "
                                                         "(commercial).")

    @model_validator(mode="after")
    def _who(self) -> StartServiceArgs:
        if self.account_number is not None:
            if self.person_id is not None or self.new_person is not None:
                raise ValueError("with account_number the customer is that account's main person: give neither "
                                 "person_id nor new_person")
        else:
            _one_person(self.person_id, self.new_person)
        return self


def _end_agreement(ctx: Context, agreement: ServiceAgreement, end_on: date) -> None:
    agreement.end_on = end_on
    if end_on <= ctx.today:
        agreement.status = "stopped"


def _new_agreement(ctx: Context, account: Account, premise: Premise, rate_code: str | None,
                   start_on: date) -> ServiceAgreement:
    agreement = ServiceAgreement(account_id=account.id, premise_id=premise.id, kind="electric", rate_code=rate_code,
                                 status="active" if start_on <= ctx.today else "pending", start_on=start_on)
    ctx.session.add(agreement)
    ctx.session.flush()
    return agreement


def _order(ctx: Context, kind: str, premise: Premise, account: Account | None, *, scheduled_on: date | None = None,
           remarks: str | None = None, after_hours: bool = False) -> ServiceOrder:
    point = _service_point(ctx.session, premise.id)
    order = ServiceOrder(account_id=account.id if account else None, premise_id=premise.id,
                         service_point_id=point.id if point else None, kind=kind, status="pending",
                         requested_on=ctx.today, scheduled_on=scheduled_on or ctx.today, after_hours=after_hours,
                         remarks=remarks)
    ctx.session.add(order)
    ctx.session.flush()
    return order


def _take_premise(ctx: Context, premise: Premise, start_on: date, account: Account | None) -> list[str]:
    """Refuse when someone else still has service at the premise on ``start_on``; end the
    landlord's continuing service there. Returns the landlord accounts ended."""
    ended = []
    for agreement in _occupant_agreements(ctx.session, premise, start_on):
        owner = agreement.account
        landlords = agreement.account_id == premise.continuing_service_account_id
        if landlords and (account is None or owner.id != account.id):
            _end_agreement(ctx, agreement, start_on)
            ended.append(owner.account_number)
            continue
        if account is not None and owner.id == account.id:
            raise OperationRefused(f"Account {account.account_number} already has service at {premise.address}.")
        until = f"until {agreement.end_on.isoformat()}" if agreement.end_on else "with no stop date"
        raise OperationRefused(
            f"{premise.address} has service on account {owner.account_number} {until}: that customer must stop "
            f"service first (a customer moving between premises is a transfer_service).")
    return ended


def _prior_balances(ctx: Context, person: Person, new_account: Account) -> list[dict]:
    """Move what the person still owes on closed accounts they held to the new account."""
    moved = []
    for role in ctx.session.scalars(select(AccountPerson).where(AccountPerson.person_id == person.id,
                                                                AccountPerson.role == "main")):
        old = role.account
        if old.id == new_account.id or old.status != "closed":
            continue
        owed = _collectible(ctx, old)
        if owed <= 0:
            continue
        ctx.post(old, "transfer", -owed, f"Balance moved to account {new_account.account_number}",
                 reference=new_account.account_number)
        ctx.post(new_account, "transfer", owed, f"Unpaid balance from closed account {old.account_number}",
                 reference=old.account_number)
        moved.append({"from_account_number": old.account_number, "amount": owed})
    return moved


@operation("start_service", StartServiceArgs,
           returns="`account_number`, `person_id`, `sa_id`, `order_id` (the start order), `establishment_fee` (on a "
                   "new account), `prior_balances_moved`, `landlord_service_ended`.",
           refusals=("The premise, person or account does not exist, or the account is closed.",
                     "The start date is before today.",
                     "The premise has service on another account on the start date (the landlord's continuing "
                     "service is ended instead).",
                     "A new person's SSN is already on file for someone else.",
                     "A new person's birth date is not in the past."))
def start_service(ctx: Context, args: StartServiceArgs) -> dict:
    """Start electric service at a premise: a new account (or an existing one) for the customer.

    A new account gets the customer as its main, financially responsible person, the
    account establishment fee from policy (due with the first bill, one billing period after
    the start), and any balance the customer still owes on a closed account of theirs. A
    start order is created for the start date. Service the landlord kept under a continuing
    service agreement ends on that date.
    """
    session = ctx.session
    account = _open_account(ctx, args.account_number) if args.account_number else None
    premise = _premise(ctx, args.premise_id)
    if args.start_on < ctx.today:
        raise OperationRefused(f"The start date {args.start_on.isoformat()} is before today ({ctx.today.isoformat()}).")
    landlord_ended = _take_premise(ctx, premise, args.start_on, account)
    customer_class = args.customer_class or ("commercial" if premise.premise_type == "commercial" else "residential")
    fee = None
    moved: list[dict] = []
    if account is not None:
        if args.customer_class and args.customer_class != account.customer_class:
            raise OperationRefused(f"Account {account.account_number} is {account.customer_class}, not "
                                   f"{args.customer_class}.")
        customer_class = account.customer_class
        person = _main_person(session, account)
    else:
        person = _person_from(ctx, args.person_id, args.new_person)
        point = _service_point(session, premise.id)
        account = Account(account_number=_new_account_number(session), customer_class=customer_class, status="active",
                          opened_on=args.start_on, bill_cycle=point.read_cycle if point else 1, created_at=ctx.now)
        session.add(account)
        session.flush()
        ctx.on_account(account)
        session.add(AccountPerson(account_id=account.id, person_id=person.id, role="main", financially_responsible=True,
                                  relation="self", since=args.start_on))
    rate_code = args.rate_code or DEFAULT_RATE_CODE[customer_class]
    agreement = _new_agreement(ctx, account, premise, rate_code, args.start_on)
    order = _order(ctx, "start", premise, account, scheduled_on=args.start_on)
    if args.account_number is None:
        rule = ctx.policy.fees.account_establishment
        if rule.amount > 0:
            due = args.start_on + timedelta(days=ctx.policy.billing.period.days_per_month)
            _fee_adjustment(ctx, account, "establishment_fee", rule.amount, "Account establishment fee",
                            effective=args.start_on, due_on=due, sa_id=agreement.id)
            fee = rule.amount
        moved = _prior_balances(ctx, person, account)
    ctx.message = (f"Service starts {args.start_on.isoformat()} at {premise.address} on account "
                   f"{account.account_number}"
                   + (f"; establishment fee {usd(fee)}" if fee else "")
                   + (f"; {len(moved)} prior balance(s) moved" if moved else "") + ".")
    return {"account_number": account.account_number, "person_id": person.id if person else None,
            "sa_id": agreement.id, "order_id": order.id, "establishment_fee": fee, "prior_balances_moved": moved,
            "landlord_service_ended": landlord_ended}


class StopServiceArgs(Args):
    account_number: AccountNumber = Field(description="The account stopping service.")
    stop_on: date = Field(description="The last day of service: today or later.")
    premise_id: Id | None = Field(None, description="Which premise, when the account serves more than one.")
    forwarding_address: Text(300) | None = Field(None, description="Where the final bill goes (saved as the main "
                                                                   "person's mailing address).")


def _pick_agreement(ctx: Context, account: Account, premise_id: int | None) -> ServiceAgreement:
    agreements = _electric(ctx.session, account)
    if premise_id is not None:
        chosen = [a for a in agreements if a.premise_id == premise_id]
        if not chosen:
            raise OperationRefused(f"Account {account.account_number} has no active service at premise {premise_id}.")
        return chosen[0]
    if not agreements:
        raise OperationRefused(f"Account {account.account_number} has no active service (or its stop is already set).")
    if len(agreements) > 1:
        raise OperationRefused(f"Account {account.account_number} has service at {len(agreements)} premises "
                               f"({', '.join(str(a.premise_id) for a in agreements)}): give premise_id.")
    return agreements[0]


def _stop(ctx: Context, account: Account, agreement: ServiceAgreement, stop_on: date) -> dict:
    session = ctx.session
    premise = agreement.premise
    _end_agreement(ctx, agreement, stop_on)
    landlord = None
    if premise.continuing_service_account_id:
        landlord = session.get(Account, premise.continuing_service_account_id)
    order_id = reverted = None
    if landlord is not None and landlord.id != account.id and landlord.status == "active":
        _new_agreement(ctx, landlord, premise, DEFAULT_RATE_CODE[landlord.customer_class], stop_on)
        reverted = landlord.account_number
    else:
        order_id = _order(ctx, "stop", premise, account, scheduled_on=stop_on).id
    closes = not _electric(session, account)
    if closes and stop_on <= ctx.today:
        account.status = "closed"
        account.closed_on = stop_on
    return {"sa_id": agreement.id, "stop_order_id": order_id, "reverted_to_account_number": reverted,
            "account_closes_on": stop_on if closes else None}


@operation("stop_service", StopServiceArgs,
           returns="`sa_id`, `stop_order_id` (none when service reverts to the landlord), "
                   "`reverted_to_account_number`, `account_closes_on` (when no other service is left).",
           refusals=("The account does not exist or is closed.", "The account has no active service (at that premise).",
                     "The account serves several premises and no premise_id was given.",
                     "The stop date is before today or before the service started."))
def stop_service(ctx: Context, args: StopServiceArgs) -> dict:
    """Stop service at a premise on a date.

    A stop order is created for the date, unless the landlord has a continuing service
    agreement for the premise: then service reverts to the landlord's account, with no
    turn-off and no fee. When no other service is left the account closes: at once for a
    stop today; for a later date the agreement and the stop order carry the date and the
    account stays active until then (``account_closes_on``). The final bill follows.
    """
    account = _open_account(ctx, args.account_number)
    agreement = _pick_agreement(ctx, account, args.premise_id)
    if args.stop_on < ctx.today:
        raise OperationRefused(f"The stop date {args.stop_on.isoformat()} is before today ({ctx.today.isoformat()}).")
    if args.stop_on < agreement.start_on:
        raise OperationRefused(f"The stop date {args.stop_on.isoformat()} is before service started "
                               f"({agreement.start_on.isoformat()}).")
    result = _stop(ctx, account, agreement, args.stop_on)
    if args.forwarding_address:
        main = _main_person(ctx.session, account)
        if main is not None:
            main.mailing_address = args.forwarding_address
    where = agreement.premise.address
    ctx.message = (f"Service at {where} stops {args.stop_on.isoformat()}"
                   + (f"; reverts to landlord account {result['reverted_to_account_number']}"
                      if result["reverted_to_account_number"] else "") + ".")
    return result


class TransferServiceArgs(Args):
    account_number: AccountNumber = Field(description="The account moving.")
    to_premise_id: Id = Field(description="The new premise.")
    stop_on: date = Field(description="Last day of service at the old premise: today or later.")
    start_on: date = Field(description="First day of service at the new premise: today or later.")
    from_premise_id: Id | None = Field(None, description="The old premise, when the account serves more than one.")


@operation("transfer_service", TransferServiceArgs,
           returns="`sa_id` and `start_order_id` at the new premise, `stopped_sa_id`, `stop_order_id`, "
                   "`reverted_to_account_number`.",
           refusals=("The account does not exist, is closed or has no active service.",
                     "The new premise is the old one, or does not exist.",
                     "A date is before today, or the stop is before the old service started.",
                     "The new premise has service on another account on the start date."))
def transfer_service(ctx: Context, args: TransferServiceArgs) -> dict:
    """Move a customer's service to a new premise on the same account.

    Service stops at the old premise on ``stop_on`` (a stop order, or reverting to the
    landlord) and starts at the new one on ``start_on`` (a start order). The balance stays
    on the account and no establishment fee is charged.
    """
    account = _open_account(ctx, args.account_number)
    old = _pick_agreement(ctx, account, args.from_premise_id)
    if args.to_premise_id == old.premise_id:
        raise OperationRefused("The new premise is the one the account already serves: give the new address's premise.")
    new_premise = _premise(ctx, args.to_premise_id)
    for label, day in (("stop", args.stop_on), ("start", args.start_on)):
        if day < ctx.today:
            raise OperationRefused(f"The {label} date {day.isoformat()} is before today ({ctx.today.isoformat()}).")
    if args.stop_on < old.start_on:
        raise OperationRefused(f"The stop date {args.stop_on.isoformat()} is before service started "
                               f"({old.start_on.isoformat()}).")
    _take_premise(ctx, new_premise, args.start_on, account)
    agreement = _new_agreement(ctx, account, new_premise, old.rate_code, args.start_on)
    start_order = _order(ctx, "start", new_premise, account, scheduled_on=args.start_on)
    stopped = _stop(ctx, account, old, args.stop_on)
    ctx.message = (f"Service moves from {old.premise.address} (stops {args.stop_on.isoformat()}) to "
                   f"{new_premise.address} (starts {args.start_on.isoformat()}).")
    return {"sa_id": agreement.id, "start_order_id": start_order.id, "stopped_sa_id": old.id,
            "stop_order_id": stopped["stop_order_id"],
            "reverted_to_account_number": stopped["reverted_to_account_number"]}


# --- payments ----------------------------------------------------------------------------


class PostPaymentArgs(Args):
    account_number: AccountNumber = Field(description="The account paid.")
    amount: Money = Field(description="The money received.")
    tender: Literal[TENDERS] = Field(description="How it was paid.")
    channel: Literal[CHANNELS] = Field("office", description="Where it came in.")
    received_on: date | None = Field(None, description="Day received; default today, never in the future.")
    check_number: Text(12) | None = Field(None, description="Required for a check.")

    @model_validator(mode="after")
    def _check_number(self) -> PostPaymentArgs:
        if self.tender == "check" and not self.check_number:
            raise ValueError("a check payment needs check_number")
        return self


def _cash_only_tenders(ctx: Context) -> tuple[list[str], str]:
    forms = ctx.policy.fees.returned_payment_cash_only.accepted_forms
    tenders = [TENDER_FOR_POLICY_FORM[f.lower()] for f in forms if f.lower() in TENDER_FOR_POLICY_FORM]
    return tenders or ["cash"], ", ".join(forms)


def _is_cash_only(account: Account, on: date) -> bool:
    return account.cash_only and (account.cash_only_until is None or account.cash_only_until >= on)


@operation("post_payment", PostPaymentArgs,
           returns="`payment_id`, `balance` and `past_due` after the payment, `agency_to_notify` (when the account "
                   "is with a collection agency).",
           refusals=("The amount is zero or negative.", "The account does not exist.",
                     "The received date is in the future.",
                     "A cash-only account pays by a tender the policy does not accept.",
                     "A check without its check number."))
def post_payment(ctx: Context, args: PostPaymentArgs) -> dict:
    """Post a payment received to the account's ledger.

    Closed accounts take payments too (a final bill). A cash-only account (after returned
    payments) may pay only by the forms the policy accepts. When the account has been
    referred to a collection agency the result names the agency to notify.
    """
    account = _account(ctx, args.account_number)
    received = args.received_on or ctx.today
    if received > ctx.today:
        raise OperationRefused(f"The received date {received.isoformat()} is in the future.")
    if _is_cash_only(account, received):
        tenders, forms = _cash_only_tenders(ctx)
        if args.tender not in tenders:
            until = f" until {account.cash_only_until.isoformat()}" if account.cash_only_until else ""
            raise OperationRefused(f"Account {account.account_number} is cash only{until}: accepted {forms}; a "
                                   f"{args.tender} payment cannot be taken.")
    payment = Payment(account_id=account.id, amount=args.amount, received_on=received, tender=args.tender,
                      channel=args.channel, check_number=args.check_number)
    ctx.session.add(payment)
    ctx.session.flush()
    ctx.post(account, "payment", -args.amount, f"Payment, {args.tender} ({args.channel})", effective=received,
             payment_id=payment.id, reference=args.check_number)
    agency = ctx.session.scalar(select(CollectionEvent.agency).where(CollectionEvent.account_id == account.id,
                                                                     CollectionEvent.kind == "agency_referral"))
    aging = _aging(ctx, account)
    ctx.message = f"Payment {usd(args.amount)} ({args.tender}) posted to account {account.account_number}."
    return {"payment_id": payment.id, "balance": aging.balance, "past_due": aging.past_due, "agency_to_notify": agency}


class TransferPaymentArgs(Args):
    payment_id: Id = Field(description="The misapplied payment.")
    to_account_number: AccountNumber = Field(description="The account it belongs to.")
    reason: Text(300) = Field(description="Why it is moved (e.g. 'customer wrote the neighbour's account number').")


def _undo_late_fees(ctx: Context, account: Account, since: date, why: str) -> list[dict]:
    """Late fees charged on or after ``since`` that the account would not have owed: each
    is reversed and, if a smaller fee was still due, charged again at that amount."""
    session = ctx.session
    low_income = _low_income(session, account)
    fees = list(session.scalars(select(FinancialTransaction).where(
        FinancialTransaction.account_id == account.id, FinancialTransaction.kind == "late_fee",
        FinancialTransaction.amount > 0, FinancialTransaction.reverses_id.is_(None),
        FinancialTransaction.effective_on >= since).order_by(FinancialTransaction.effective_on,
                                                             FinancialTransaction.id)))
    undone = []
    for fee in fees:
        if ledger.reversal_of(session, fee.id) is not None:
            continue
        then = ledger.aging(session, account.id, fee.effective_on)
        due = policy.late_fee(then.past_due, days_past_due=then.days_past_due, low_income=low_income)
        reference = _adjust_reference(fee)
        credited = -(session.scalar(select(func.sum(FinancialTransaction.amount)).where(
            FinancialTransaction.account_id == account.id, FinancialTransaction.reference == reference)) or ZERO)
        left = fee.amount - Decimal(credited)
        if due >= left:
            continue
        if credited:  # a CSR already credited part or all of it: take off only what is still too much
            ctx.post(account, "late_fee", due - left, f"Late fee recalculated after {why}", due_on=fee.due_on,
                     reference=reference)
            undone.append({"transaction_id": fee.id, "amount": left, "recharged": due})
            continue
        ctx.reverse(fee, why)
        if due > 0:
            ctx.post(account, "late_fee", due, f"Late fee recalculated after {why}", effective=fee.effective_on,
                     due_on=fee.due_on)
        undone.append({"transaction_id": fee.id, "amount": fee.amount, "recharged": due})
    return undone


def _posted_payment(ctx: Context, payment_id: int) -> tuple[Payment, Account]:
    """A payment that is still posted, with its account (the audit event is filed under it)."""
    payment = ctx.session.get(Payment, payment_id)
    if payment is None:
        raise OperationRefused(f"No payment with id {payment_id}.")
    account = ctx.session.get(Account, payment.account_id)
    ctx.on_account(account)
    if payment.canceled_on is not None:
        raise OperationRefused(f"Payment {payment.id} was already canceled ({payment.cancel_reason}) on "
                               f"{payment.canceled_on.isoformat()}.")
    return payment, account


@operation("transfer_payment", TransferPaymentArgs,
           returns="`canceled_payment_id`, `new_payment_id`, `from_account_number`, `late_fees_reversed` (entries, "
                   "amounts and any smaller fee charged again).",
           refusals=("The payment does not exist or was already canceled.",
                     "The target account is the payment's own account, is closed, or does not exist."))
def transfer_payment(ctx: Context, args: TransferPaymentArgs) -> dict:
    """Move a misapplied payment to the account it was meant for.

    The payment is canceled on the wrong account (reason ``misapplied``, its ledger credit
    reversed) and posted again on the right one as of the day it was received, never as a
    manual credit. Late fees the right account was charged because the payment was missing
    are reversed (recalculated by policy).
    """
    session = ctx.session
    payment, source = _posted_payment(ctx, args.payment_id)
    if args.to_account_number == source.account_number:
        raise OperationRefused(f"Payment {payment.id} is already on account {source.account_number}: a transfer needs "
                               "a different account.")
    target = session.scalar(select(Account).where(Account.account_number == args.to_account_number))
    if target is None:
        raise OperationRefused(f"No account {args.to_account_number}: check the number.")
    if target.status == "closed":
        raise OperationRefused(f"Account {target.account_number} is closed: a payment cannot be transferred to a "
                               "closed account.")
    credit = _payment_credit(session, payment)
    if credit is None:
        raise OperationRefused(f"Payment {payment.id} has no ledger credit left to move.")
    payment.canceled_on = ctx.today
    payment.cancel_reason = "misapplied"
    ctx.reverse(credit, f"misapplied, moved to account {target.account_number}: {args.reason}")
    moved = Payment(account_id=target.id, amount=payment.amount, received_on=payment.received_on, tender=payment.tender,
                    channel=payment.channel, check_number=payment.check_number)
    session.add(moved)
    session.flush()
    ctx.post(target, "payment", -payment.amount, f"Payment {payment.id} moved from account {source.account_number}: "
             f"{args.reason}", effective=payment.received_on, payment_id=moved.id, reference=payment.check_number)
    undone = _undo_late_fees(ctx, target, payment.received_on, f"misapplied payment {payment.id} moved")
    ctx.message = (f"Payment {payment.id} ({usd(payment.amount)}) moved from account {source.account_number} to "
                   f"{target.account_number}" + (f"; {len(undone)} late fee(s) reversed" if undone else "") + ".")
    return {"canceled_payment_id": payment.id, "new_payment_id": moved.id, "from_account_number": source.account_number,
            "to_account_number": target.account_number, "late_fees_reversed": undone}


class ReversePaymentArgs(Args):
    payment_id: Id = Field(description="The payment to cancel.")
    reason: Literal[tuple(r for r in CANCEL_REASONS if r != "misapplied")] = Field(
        "nsf", description="`nsf` / `stop_payment`: the bank returned it (fee, counts toward cash only); "
                           "`duplicate` / `entry_error`: a posting mistake. A misapplied payment is a "
                           "transfer_payment.")
    returned_on: date | None = Field(None, description="Day the bank returned it; default today.")


@operation("reverse_payment", ReversePaymentArgs,
           returns="`payment_id`, `returned_payment_fee`, `returned_payments_in_period`, `cash_only`, "
                   "`cash_only_until`, `balance`.",
           refusals=("The payment does not exist or was already canceled.",
                     "The returned date is in the future or before the payment was received.",
                     "A cash payment is reported returned by the bank (nsf / stop_payment)."))
def reverse_payment(ctx: Context, args: ReversePaymentArgs) -> dict:
    """Cancel a payment: a returned check or debit (NSF), or a posting mistake.

    The payment keeps its row with the cancel reason and its ledger credit is reversed.
    For a returned payment the policy's returned-payment fee is charged, and after the
    policy's number of returns within its period the account becomes cash only for the
    policy's months.
    """
    session = ctx.session
    payment, account = _posted_payment(ctx, args.payment_id)
    returned = args.returned_on or ctx.today
    if returned > ctx.today:
        raise OperationRefused(f"The returned date {returned.isoformat()} is in the future.")
    if returned < payment.received_on:
        raise OperationRefused(f"The returned date {returned.isoformat()} is before the payment was received "
                               f"({payment.received_on.isoformat()}).")
    bank_return = args.reason in RETURNED_REASONS
    if bank_return and payment.tender == "cash":
        raise OperationRefused("A cash payment cannot come back from the bank: use entry_error or duplicate for a "
                               "posting mistake.")
    credit = _payment_credit(session, payment)
    if credit is None:
        raise OperationRefused(f"Payment {payment.id} has no ledger credit left to reverse.")
    payment.canceled_on = returned
    payment.cancel_reason = args.reason
    ctx.reverse(credit, f"payment canceled: {args.reason}", effective=returned)
    fee = None
    count = 0
    if bank_return:
        rule = ctx.policy.fees.returned_payment_cash_only
        count = len(_returned_payments(session, account, policy.add_months(returned, -rule.within_months), returned))
        nsf = policy.nsf_consequences(count, returned_on=returned)
        if nsf.fee > 0:
            _fee_adjustment(ctx, account, "nsf_fee", nsf.fee, f"Returned payment {payment.id} ({args.reason})",
                            effective=returned)
            fee = nsf.fee
        if nsf.cash_only:
            account.cash_only = True
            until = nsf.cash_only_until
            if until and (account.cash_only_until is None or account.cash_only_until < until):
                account.cash_only_until = until
    ctx.message = (f"Payment {payment.id} ({usd(payment.amount)}) canceled: {args.reason}"
                   + (f"; returned-payment fee {usd(fee)}" if fee else "")
                   + (f"; account cash only until {account.cash_only_until.isoformat()}"
                      if bank_return and account.cash_only and account.cash_only_until else "") + ".")
    return {"payment_id": payment.id, "returned_payment_fee": fee, "returned_payments_in_period": count,
            "cash_only": account.cash_only, "cash_only_until": account.cash_only_until,
            "balance": ledger.balance(session, account.id)}


# --- charges and adjustments ---------------------------------------------------------------

ADJUSTABLE_KINDS = ("bill", "late_fee", "nsf_fee", "establishment_fee", "reconnect_fee", "rebill", "deposit_charge")


class AdjustChargeArgs(Args):
    account_number: AccountNumber = Field(description="The account charged.")
    transaction_id: Id = Field(description="The ledger entry of the charge (view_account: recent_ledger).")
    amount: Money = Field(description="How much of the charge to credit (all of it to waive it).")
    reason: Text(300) = Field(description="Why (e.g. 'late fee waived: first late payment in two years').")


def _adjust_reference(entry: FinancialTransaction) -> str:
    return f"adjusts #{entry.id}"


@operation("adjust_charge", AdjustChargeArgs,
           returns="`adjustment_id`, `credited` (this adjustment), `left_on_charge`, `balance`.",
           refusals=("The account or the entry does not exist, or the entry is on another account.",
                     "The entry is not a charge (payments, refunds, transfers... are not adjusted), is a reversal "
                     "or was reversed.",
                     "The amount is zero or negative, or more than what is left of the charge after earlier "
                     "adjustments."))
def adjust_charge(ctx: Context, args: AdjustChargeArgs) -> dict:
    """Credit all or part of a charge, with a reason: e.g. waive a late fee.

    The credit is an adjustment of the charge's own kind (a bill charge: ``rebill``) with
    the charge's due date, so it takes away the debt it was charged as; never more than
    what is left of the charge.
    """
    session = ctx.session
    account = _account(ctx, args.account_number)
    entry = session.get(FinancialTransaction, args.transaction_id)
    if entry is None or entry.account_id != account.id:
        raise OperationRefused(f"No ledger entry {args.transaction_id} on account {account.account_number}.")
    if entry.reverses_id is not None:
        raise OperationRefused(f"Entry {entry.id} is a reversal, not a charge.")
    if entry.kind not in ADJUSTABLE_KINDS or entry.amount <= 0:
        raise OperationRefused(f"Entry {entry.id} is a {entry.kind} of {usd(entry.amount)}, not a charge: only "
                               f"charges ({', '.join(ADJUSTABLE_KINDS)}) can be adjusted.")
    reversal = ledger.reversal_of(session, entry.id)
    if reversal is not None:
        raise OperationRefused(f"Entry {entry.id} was already reversed (entry {reversal.id}).")
    reference = _adjust_reference(entry)
    credited = -(session.scalar(select(func.sum(FinancialTransaction.amount)).where(
        FinancialTransaction.account_id == account.id, FinancialTransaction.reference == reference)) or ZERO)
    left = entry.amount - Decimal(credited)
    if left <= 0:
        raise OperationRefused(f"The {entry.kind} charge {entry.id} ({usd(entry.amount)}) has already been fully "
                               "credited.")
    if args.amount > left:
        raise OperationRefused(f"The adjustment {usd(args.amount)} is more than the {usd(left)} left of the "
                               f"{entry.kind} charge {entry.id} ({usd(entry.amount)}).")
    kind = entry.kind if entry.kind != "bill" else "rebill"
    adjustment = Adjustment(account_id=account.id, sa_id=entry.sa_id, kind=kind, amount=-args.amount,
                            effective_on=ctx.today, reason=args.reason, created_by=ctx.actor[:40])
    session.add(adjustment)
    session.flush()
    ctx.post(account, kind, -args.amount, f"Adjustment of entry {entry.id}: {args.reason}", due_on=entry.due_on,
             sa_id=entry.sa_id, bill_id=entry.bill_id, adjustment_id=adjustment.id, reference=reference)
    ctx.message = f"{usd(args.amount)} of the {entry.kind} charge {entry.id} credited: {args.reason}."
    return {"adjustment_id": adjustment.id, "credited": args.amount, "left_on_charge": left - args.amount,
            "balance": ledger.balance(session, account.id)}


# --- deposits -----------------------------------------------------------------------------


class AssessDepositArgs(Args):
    account_number: AccountNumber = Field(description="The account.")
    kind: Literal["cash", "letter_of_credit", "surety_bond"] = Field(
        "cash", description="Cash is billed to the account; a letter of credit or surety bond is recorded as held.")
    amount: Money | None = Field(None, description="Default: the amount the policy decides (the cap). Less may be "
                                                   "asked, never more than the cap.")
    credit_letter: bool = Field(False, description="The customer showed a credit letter from a previous utility.")
    prior_nonpay_shutoff: bool | None = Field(None, description="Service was shut off for non-payment before; "
                                                                "default: from the CIS records.")
    late_payment_history: bool | None = Field(None, description="Bad payment history on a prior account; default: "
                                                                "from the CIS records.")
    average_monthly_bill: Money | None = Field(None, description="Estimate of the monthly bill; default: the "
                                                                 "average of the last 12 months' bills of the account "
                                                                 "or its premise.")
    issuer: Text(80) | None = Field(None, description="Bank or surety (letter of credit, surety bond).")
    expires_on: date | None = Field(None, description="When the letter of credit or bond expires.")

    @model_validator(mode="after")
    def _security(self) -> AssessDepositArgs:
        if self.kind != "cash" and not self.issuer:
            raise ValueError(f"a {self.kind.replace('_', ' ')} needs issuer")
        if self.kind == "cash" and (self.issuer or self.expires_on):
            raise ValueError("issuer and expires_on are for a letter of credit or surety bond, not cash")
        return self


def _responsible_people(session: Session, account: Account) -> list[int]:
    return [r.person_id for r in _roles(session, account) if r.financially_responsible or r.role == "main"]


def _accounts_of(session: Session, person_ids: list[int]) -> list[int]:
    if not person_ids:
        return []
    return list(set(session.scalars(select(AccountPerson.account_id).where(
        AccountPerson.person_id.in_(person_ids), AccountPerson.role.in_(("main", "co_applicant"))))))


def _had_nonpay_shutoff(session: Session, account: Account) -> bool:
    accounts = _accounts_of(session, _responsible_people(session, account)) or [account.id]
    if session.scalar(select(func.count()).select_from(CollectionEvent).where(
            CollectionEvent.account_id.in_(accounts), CollectionEvent.kind == "disconnect")):
        return True
    return bool(session.scalar(select(func.count()).select_from(ServiceOrder).where(
        ServiceOrder.account_id.in_(accounts), ServiceOrder.kind == "nonpay_disconnect",
        ServiceOrder.status == "completed")))


def _late_history(session: Session, account: Account) -> bool:
    """An unreversed late fee on another (prior) account of the people responsible for this one."""
    others = [a for a in _accounts_of(session, _responsible_people(session, account)) if a != account.id]
    if not others:
        return False
    fees = session.scalars(select(FinancialTransaction).where(
        FinancialTransaction.account_id.in_(others), FinancialTransaction.kind == "late_fee",
        FinancialTransaction.amount > 0, FinancialTransaction.reverses_id.is_(None)))
    return any(ledger.reversal_of(session, fee.id) is None for fee in fees)


def _held_deposits(session: Session, account: Account) -> list[Deposit]:
    return list(session.scalars(select(Deposit).where(Deposit.account_id == account.id, Deposit.status == "held")))


def _deposit_charge(session: Session, deposit: Deposit) -> FinancialTransaction | None:
    for entry in session.scalars(select(FinancialTransaction).where(
            FinancialTransaction.account_id == deposit.account_id, FinancialTransaction.kind == "deposit_charge",
            FinancialTransaction.amount > 0, FinancialTransaction.reverses_id.is_(None),
            or_(FinancialTransaction.reference == f"deposit {deposit.id}",
                FinancialTransaction.sa_id == deposit.sa_id if deposit.sa_id else False))):
        if ledger.reversal_of(session, entry.id) is None:
            return entry
    return None


@dataclass(frozen=True)
class DepositQuote:
    decision: policy.DepositDecision
    average_monthly_bill: Decimal
    prior_nonpay_shutoff: bool


def deposit_quote(session: Session, account: Account, today: date, *, credit_letter: bool = False,
                  average_monthly_bill: Decimal | None = None, prior_nonpay_shutoff: bool | None = None,
                  late_payment_history: bool | None = None) -> DepositQuote | None:
    """The policy's deposit decision for an account from its own records (what
    ``assess_deposit`` asks, and what a scenario's grader expects); None without any bill
    to average and no estimate given."""
    premises = [sa.premise_id for sa in _electric(session, account, open_only=False) if sa.premise_id]
    average = average_monthly_bill or _average_monthly_bill(session, account, premises, today)
    if average is None:
        return None
    shutoff = prior_nonpay_shutoff if prior_nonpay_shutoff is not None else _had_nonpay_shutoff(session, account)
    late = late_payment_history if late_payment_history is not None else _late_history(session, account)
    decision = policy.deposit_decision(account.customer_class, prior_nonpay_shutoff=shutoff, late_payment_history=late,
                                       credit_letter=credit_letter,
                                       in_bankruptcy=_open_bankruptcy(session, account) is not None,
                                       average_monthly_bill=average)
    return DepositQuote(decision, average, shutoff)


@operation("assess_deposit", AssessDepositArgs,
           returns="`deposit_id`, `amount`, `cap`, `reasons` (the policy's), `accepted_forms`, `charged` (cash: "
                   "billed to the account).",
           refusals=("The account does not exist or is closed.",
                     "The policy requires no deposit (reasons given), e.g. a credit letter waives a residential one.",
                     "The amount, with deposits already held, is above the cap (twice the average bill; commercial: "
                     "at least the commercial minimum).",
                     "No bill history to average and no average_monthly_bill given.",
                     "The form (letter of credit, surety bond) is not one the policy accepts."))
def assess_deposit(ctx: Context, args: AssessDepositArgs) -> dict:
    """Ask for a deposit as the policy decides (``policy.deposit_decision``).

    Required for commercial accounts, after a shut-off for non-payment or with a bad
    payment history on a prior account (a credit letter waives a residential deposit), and
    as adequate assurance in bankruptcy. The amount is the policy's cap unless a smaller
    one is given; deposits already held count toward the cap. A cash deposit is billed to
    the account (due now); a letter of credit or surety bond is recorded as held.
    """
    session = ctx.session
    account = _open_account(ctx, args.account_number)
    quote = deposit_quote(session, account, ctx.today, credit_letter=args.credit_letter,
                          average_monthly_bill=args.average_monthly_bill,
                          prior_nonpay_shutoff=args.prior_nonpay_shutoff,
                          late_payment_history=args.late_payment_history)
    if quote is None:
        raise OperationRefused("No bills in the last 12 months for this account or its premise: give "
                               "average_monthly_bill, an estimate of the monthly bill.")
    decision, average, shutoff = quote.decision, quote.average_monthly_bill, quote.prior_nonpay_shutoff
    case = _open_bankruptcy(session, account)
    if not decision.required:
        raise OperationRefused("No deposit is required. " + " ".join(decision.reasons))
    held = sum((d.amount for d in _held_deposits(session, account)), ZERO)
    amount = args.amount if args.amount is not None else decision.amount - held
    if amount <= 0:
        raise OperationRefused(f"Deposits of {usd(held)} are already held: that is all the policy allows "
                               f"(cap {usd(decision.cap)}).")
    if held + amount > decision.cap:
        already = f" with {usd(held)} already held" if held else ""
        raise OperationRefused(f"The deposit {usd(amount)}{already} is above the cap of {usd(decision.cap)} for this "
                               f"account (average bill {usd(average)}).")
    form = args.kind.replace("_", " ")
    if args.kind != "cash" and not any(form in f.lower() for f in decision.forms):
        raise OperationRefused(f"A {form} is not accepted here: accepted {', '.join(decision.forms)}.")
    reason = ("bankruptcy" if case is not None else "commercial" if account.customer_class == "commercial"
              else "non_pay" if shutoff else "late_history")
    agreement = ServiceAgreement(account_id=account.id, kind="deposit", status="active", start_on=ctx.today)
    session.add(agreement)
    session.flush()
    deposit = Deposit(account_id=account.id, sa_id=agreement.id, kind=args.kind, amount=amount, reason=reason,
                      held_since=ctx.today, status="held", issuer=args.issuer, expires_on=args.expires_on)
    session.add(deposit)
    session.flush()
    if args.kind == "cash":
        adjustment = Adjustment(account_id=account.id, sa_id=agreement.id, kind="deposit_charge", amount=amount,
                                effective_on=ctx.today, reason=f"Deposit ({reason})", created_by=ctx.actor[:40])
        session.add(adjustment)
        session.flush()
        ctx.post(account, "deposit_charge", amount, f"Deposit {deposit.id} ({reason})", sa_id=agreement.id,
                 adjustment_id=adjustment.id, reference=f"deposit {deposit.id}")
    if case is not None and case.assurance_kind is None:
        case.assurance_kind = "cash_deposit" if args.kind == "cash" else args.kind
    ctx.message = f"Deposit {usd(amount)} ({args.kind}, {reason}) assessed on account {account.account_number}."
    return {"deposit_id": deposit.id, "amount": amount, "cap": decision.cap, "reasons": list(decision.reasons),
            "accepted_forms": list(decision.forms), "charged": args.kind == "cash"}


class DepositArgs(Args):
    deposit_id: Id = Field(description="The deposit (view_account: deposits).")


class WaiveDepositArgs(DepositArgs):
    credit_letter_from: Text(120) = Field(description="The previous utility whose credit letter shows the customer's "
                                                      "creditworthiness.")


@operation("waive_deposit", WaiveDepositArgs,
           returns="`deposit_id`, `charge_reversed` (the deposit charge's ledger entry, if it was billed).",
           refusals=("The deposit does not exist or is not held.",
                     "The account's class is not one the policy's waiver applies to (commercial).",
                     "It is a bankruptcy assurance deposit, or the account has an open bankruptcy case."))
def waive_deposit(ctx: Context, args: WaiveDepositArgs) -> dict:
    """Waive a held deposit on a credit letter from the customer's previous utility.

    Only for the account classes the policy's waiver applies to (residential), never a
    bankruptcy assurance deposit. The deposit is released and its charge reversed.
    """
    session = ctx.session
    deposit = session.get(Deposit, args.deposit_id)
    if deposit is None:
        raise OperationRefused(f"No deposit with id {args.deposit_id}.")
    account = session.get(Account, deposit.account_id)
    ctx.on_account(account)
    if deposit.status != "held":
        raise OperationRefused(f"Deposit {deposit.id} is {deposit.status}: only a held deposit can be waived.")
    rule = ctx.policy.deposits.waiver
    if account.customer_class not in rule.applies_to:
        raise OperationRefused(f"A credit letter waives {', '.join(rule.applies_to)} deposits only; account "
                               f"{account.account_number} is {account.customer_class}.")
    if deposit.reason == "bankruptcy" or _open_bankruptcy(session, account) is not None:
        raise OperationRefused("A credit letter does not waive a bankruptcy assurance deposit.")
    charge = _deposit_charge(session, deposit)
    if charge is not None:
        ctx.reverse(charge, f"deposit waived: credit letter from {args.credit_letter_from}")
    deposit.status = "released"
    deposit.released_on = ctx.today
    ctx.message = f"Deposit {deposit.id} ({usd(deposit.amount)}) waived: credit letter from {args.credit_letter_from}."
    return {"deposit_id": deposit.id, "charge_reversed": charge.id if charge else None}


@operation("refund_deposit", DepositArgs,
           returns="`deposit_id`, `status` (refunded: credited to the account; applied: to a closed account's final "
                   "bill; released: a letter of credit or bond), `credited`, `credit_balance` (to pay out with "
                   "issue_refund).",
           refusals=("The deposit does not exist or is not held.",
                     "The account is open and has fewer consecutive on-time payments than the policy asks.",
                     "It is held as bankruptcy assurance while the case is open."))
def refund_deposit(ctx: Context, args: DepositArgs) -> dict:
    """Return a held deposit: after the policy's run of on-time payments, or on closing.

    A cash deposit is credited to the account (on a closed account it is applied to the
    final bill; any credit left is then paid out with issue_refund); a letter of credit or
    surety bond is released.
    """
    session = ctx.session
    deposit = session.get(Deposit, args.deposit_id)
    if deposit is None:
        raise OperationRefused(f"No deposit with id {args.deposit_id}.")
    account = session.get(Account, deposit.account_id)
    ctx.on_account(account)
    if deposit.status != "held":
        raise OperationRefused(f"Deposit {deposit.id} is {deposit.status}: only a held deposit can be refunded.")
    case = _open_bankruptcy(session, account)
    if deposit.reason == "bankruptcy" and case is not None:
        raise OperationRefused(f"Deposit {deposit.id} is held as adequate assurance while bankruptcy case "
                               f"{case.case_number} is open.")
    if account.status != "closed":
        streak = _on_time_streak(ctx, account)
        if not policy.deposit_refund_due(streak):
            needed = ctx.policy.deposits.refund.consecutive_on_time_payments
            raise OperationRefused(f"Not yet: account {account.account_number} has {streak} consecutive on-time "
                                   f"payment(s); the policy refunds a deposit after {needed} (or when the account "
                                   "closes).")
    credited = None
    if deposit.kind == "cash":
        _fee_adjustment(ctx, account, "deposit_refund", -deposit.amount, f"Deposit {deposit.id} returned",
                        sa_id=deposit.sa_id)
        credited = deposit.amount
        deposit.status = "applied" if account.status == "closed" else "refunded"
    else:
        deposit.status = "released"
    deposit.released_on = ctx.today
    balance = ledger.balance(session, account.id)
    ctx.message = f"Deposit {deposit.id} ({usd(deposit.amount)}) {deposit.status}."
    return {"deposit_id": deposit.id, "status": deposit.status, "credited": credited,
            "credit_balance": -balance if balance < 0 else ZERO}


class IssueRefundArgs(Args):
    account_number: AccountNumber = Field(description="The account with a credit balance.")
    amount: Money = Field(description="How much to pay out; at most the credit balance.")
    method: Literal["check", "card", "ach"] = Field("check", description="How it is paid out.")
    mail_to: Text(300) | None = Field(None, description="Where a refund check goes, when not the mailing address.")


@operation("issue_refund", IssueRefundArgs,
           returns="`adjustment_id`, `refunded`, `credit_balance_left`.",
           refusals=("The account does not exist.", "The amount is zero or negative.",
                     "The account has no credit balance, or the amount is more than it."))
def issue_refund(ctx: Context, args: IssueRefundArgs) -> dict:
    """Pay a credit balance out to the customer (check, card or ACH).

    Never more than the credit balance, counting charges already posted for later dates.
    """
    session = ctx.session
    account = _account(ctx, args.account_number)
    owed = max(ledger.balance(session, account.id, as_of=ctx.today), ledger.balance(session, account.id))
    credit = -owed
    if credit <= 0:
        raise OperationRefused(f"Account {account.account_number} has no credit balance (balance {usd(owed)}): "
                               "nothing to refund.")
    if args.amount > credit:
        raise OperationRefused(f"The refund {usd(args.amount)} is more than the credit balance {usd(credit)}.")
    where = f", to {args.mail_to}" if args.mail_to else ""
    adjustment = _fee_adjustment(ctx, account, "refund", args.amount, f"Refund by {args.method}{where}")
    ctx.message = f"Refund {usd(args.amount)} by {args.method} from account {account.account_number}."
    return {"adjustment_id": adjustment.id, "refunded": args.amount, "credit_balance_left": credit - args.amount}


# --- payment arrangements ------------------------------------------------------------------


class CreatePaymentArrangementArgs(Args):
    account_number: AccountNumber = Field(description="The account with arrears (what is past due).")
    down_payment: MoneyOrZero = Field(description="Paid now; at least the policy's minimum percent of the arrears.")
    months: Whole = Field(ge=1, description="Monthly installments after the down payment; at most the policy's "
                                          "maximum (12).")
    first_due_on: date = Field(description="Due date of the first installment: after today; the others fall on the "
                                           "same day of the following months.")
    medical: bool = Field(False, description="A life-threatening shut-off plan (physician certification, manager "
                                             "review).")


@operation("create_payment_arrangement", CreatePaymentArrangementArgs,
           returns="`arrangement_id`, `arrears`, `down_payment`, `installments` (due date and amount each), "
                   "`minimum_down_payment`, `reasons`, `disconnect_orders_canceled`.",
           refusals=("The account does not exist or is closed.", "Nothing is past due.",
                     "The first installment is not after today.",
                     "More months than the policy allows (12), a down payment below the policy's minimum or not less "
                     "than the arrears.",
                     "An arrangement is in force, or one broke within the policy's lookback."))
def create_payment_arrangement(ctx: Context, args: CreatePaymentArrangementArgs) -> dict:
    """Spread the past-due amount over a down payment and monthly installments (``policy.arrangement_schedule``).

    The arrears are rescheduled on the ledger (nets to zero): the part after the down
    payment stops being past due and falls due installment by installment. A pending
    non-pay disconnect order is canceled while the arrangement is in force.
    """
    session = ctx.session
    account = _open_account(ctx, args.account_number)
    if args.first_due_on <= ctx.today:
        raise OperationRefused(f"The first installment must fall due after today ({ctx.today.isoformat()}); got "
                               f"{args.first_due_on.isoformat()}.")
    arrangements = list(session.scalars(select(PaymentArrangement).where(PaymentArrangement.account_id == account.id)))
    broken = [a.status_on or a.created_on for a in arrangements if a.status == "broken"]
    eligibility = policy.arrangement_eligible(today=ctx.today,
                                              has_active_arrangement=any(a.status == "active" for a in arrangements),
                                              last_broken_on=max(broken) if broken else None)
    if not eligibility.eligible:
        raise OperationRefused(" ".join(eligibility.reasons))
    aging = _aging(ctx, account)
    if aging.past_due <= 0:
        raise OperationRefused(f"Nothing is past due on account {account.account_number}: there are no arrears to "
                               "arrange.")
    plan = policy.arrangement_schedule(aging.past_due, args.down_payment, args.months, args.first_due_on)
    agreement = ServiceAgreement(account_id=account.id, kind="payment_arrangement", status="active",
                                 start_on=ctx.today, end_on=plan.installments[-1][0])
    session.add(agreement)
    session.flush()
    rescheduled = aging.past_due - plan.down_payment
    ctx.post(account, "arrangement", -rescheduled, "Arrears rescheduled under a payment arrangement",
             due_on=aging.oldest_due_on, sa_id=agreement.id)
    for number, (due, amount) in enumerate(plan.installments, 1):
        ctx.post(account, "arrangement", amount, f"Arrangement installment {number} of {len(plan.installments)}",
                 due_on=due, sa_id=agreement.id)
    arrangement = PaymentArrangement(account_id=account.id, sa_id=agreement.id, created_on=ctx.today,
                                     arrears=aging.past_due, down_payment=plan.down_payment,
                                     installments=len(plan.installments), installment_amount=plan.installments[0][1],
                                     first_due_on=args.first_due_on, status="active", status_on=ctx.today,
                                     medical=args.medical, approved_by=ctx.actor[:40])
    session.add(arrangement)
    session.flush()
    canceled = _cancel_open_orders(ctx, account, "nonpay_disconnect", "Canceled: payment arrangement in force")
    ctx.message = (f"Payment arrangement on account {account.account_number}: {usd(plan.down_payment)} down, "
                   f"{len(plan.installments)} installment(s) from {args.first_due_on.isoformat()}.")
    return {"arrangement_id": arrangement.id, "arrears": aging.past_due, "down_payment": plan.down_payment,
            "installments": [{"due_on": due, "amount": amount} for due, amount in plan.installments],
            "minimum_down_payment": plan.minimum_down_payment, "reasons": list(plan.reasons),
            "disconnect_orders_canceled": canceled}


# --- service orders ----------------------------------------------------------------------

CSR_ORDER_KINDS = ("reread", "meter_test", "reconnect", "nonpay_disconnect", "investigation")


class CreateServiceOrderArgs(Args):
    account_number: AccountNumber = Field(description="The account.")
    kind: Literal[CSR_ORDER_KINDS] = Field(description="The field activity.")
    premise_id: Id | None = Field(None, description="Default: the account's service premise.")
    scheduled_on: date | None = Field(None, description="Default today; never before today.")
    remarks: Text(500) | None = Field(None, description="For the field crew; required for an investigation.")

    @model_validator(mode="after")
    def _remarks(self) -> CreateServiceOrderArgs:
        if self.kind == "investigation" and not self.remarks:
            raise ValueError("an investigation order needs remarks saying what to look at")
        return self


def _order_premise(ctx: Context, account: Account, premise_id: int | None) -> Premise:
    agreements = _electric(ctx.session, account, open_only=False)
    if premise_id is not None:
        for agreement in agreements:
            if agreement.premise_id == premise_id:
                return agreement.premise
        raise OperationRefused(f"Account {account.account_number} has no service at premise {premise_id}.")
    current = [a for a in agreements if a.status in OPEN_SA_STATUSES]
    if len({a.premise_id for a in current}) > 1:
        raise OperationRefused(f"Account {account.account_number} has service at several premises: give premise_id.")
    chosen = current or agreements
    if not chosen:
        raise OperationRefused(f"Account {account.account_number} has no service premise.")
    return chosen[0].premise


def _check_disconnect(ctx: Context, account: Account, point: ServicePoint | None, scheduled: date) -> ledger.Aging:
    session = ctx.session
    if _life_support(session, account):
        raise OperationRefused(f"Account {account.account_number} has a life-support / medical hold: it may not be "
                               "disconnected for non-payment.")
    if _active_arrangement(session, account) is not None:
        raise OperationRefused(f"Account {account.account_number} has a payment arrangement in force: no "
                               "disconnection while it is kept.")
    case = _open_bankruptcy(session, account)
    if case is not None:
        raise OperationRefused(f"Bankruptcy case {case.case_number} is open on account {account.account_number}: "
                               "service may not be cut for the filing or for pre-petition debt.")
    if point is not None and point.state == "disconnected":
        raise OperationRefused("Service is already disconnected.")
    aging = _aging(ctx, account)
    if aging.past_due <= 0:
        raise OperationRefused(f"Nothing is past due on account {account.account_number}.")
    notice = session.scalar(select(CollectionEvent).where(CollectionEvent.account_id == account.id,
                                                          CollectionEvent.kind == "ten_day_notice")
                            .order_by(CollectionEvent.event_on.desc(), CollectionEvent.id.desc()))
    oldest_bill = session.scalar(select(Bill).where(Bill.account_id == account.id, Bill.canceled_on.is_(None),
                                                    Bill.due_on == aging.oldest_due_on).order_by(Bill.bill_on))
    if notice is None or (oldest_bill is not None and notice.event_on < oldest_bill.bill_on):
        raise OperationRefused("No 10-day disconnection notice has been mailed for the past-due bill: it must be "
                               "mailed, and its time run out, before a shut-off.")
    bill = session.get(Bill, notice.bill_id) if notice.bill_id else session.scalar(
        select(Bill).where(Bill.account_id == account.id, Bill.bill_on <= notice.event_on)
        .order_by(Bill.bill_on.desc()))
    rule = ctx.policy.collections.ten_day_notice
    bill_on = bill.bill_on if bill is not None else notice.event_on - timedelta(days=rule.earliest_days_after_bill)
    window = policy.ten_day_notice_window(bill_on, mailed_on=notice.event_on)
    if scheduled < window.disconnect_not_before:
        raise OperationRefused(f"The 10-day notice mailed {notice.event_on.isoformat()} allows shut-off from "
                               f"{window.disconnect_not_before.isoformat()}: schedule it then or later.")
    return aging


@operation("create_service_order", CreateServiceOrderArgs,
           returns="`order_id`, `kind`, `scheduled_on`; a reconnect also `reconnect_fee`, `after_hours`, "
                   "`restoration` (the policy's reasons) and `deposit_required` (advice).",
           refusals=("The account does not exist; closed accounts take only rereads and meter tests.",
                     "The premise is not one the account is served at; the scheduled date is before today.",
                     "An open order of the same kind exists at the premise; no meter for a reread or meter test.",
                     "Reconnect: service is not disconnected, or anything is still past due (the past due must be "
                     "paid and posted first).",
                     "Non-pay disconnect: a life-support / medical hold, a payment arrangement in force, an open "
                     "bankruptcy, nothing past due, already disconnected, or no 10-day notice whose time has run out.",
                     "Investigation without remarks."))
def create_service_order(ctx: Context, args: CreateServiceOrderArgs) -> dict:
    """Send a field order: reread, meter test, reconnect, non-pay disconnect or investigation.

    A reconnect follows the policy's restoration rule: nothing may be past due (the
    payment must have posted), and the reconnection fee - business-hours or after-hours by
    the time of the order - is charged. A non-pay disconnect is refused while disconnection
    is held (life support or medical, a payment arrangement, an open bankruptcy) and before
    the 10-day notice's time has run out.
    """
    session = ctx.session
    account = _account(ctx, args.account_number)
    if account.status == "closed" and args.kind not in ("reread", "meter_test"):
        raise OperationRefused(f"Account {account.account_number} is closed: only a reread or meter test can be "
                               "ordered on it.")
    scheduled = args.scheduled_on or ctx.today
    if scheduled < ctx.today:
        raise OperationRefused(f"The scheduled date {scheduled.isoformat()} is before today ({ctx.today.isoformat()}).")
    premise = _order_premise(ctx, account, args.premise_id)
    point = _service_point(session, premise.id)
    duplicate = session.scalar(select(ServiceOrder).where(ServiceOrder.premise_id == premise.id,
                                                          ServiceOrder.kind == args.kind,
                                                          ServiceOrder.status.in_(OPEN_ORDER_STATUSES)))
    if duplicate is not None:
        raise OperationRefused(f"A {args.kind} order ({duplicate.id}) is already open at {premise.address}.")
    data: dict[str, Any] = {}
    after_hours = False
    if args.kind in ("reread", "meter_test") and _current_meter(session, point) is None:
        raise OperationRefused(f"No meter is installed at {premise.address}.")
    if args.kind == "nonpay_disconnect":
        _check_disconnect(ctx, account, point, scheduled)
    if args.kind == "reconnect":
        if point is None or point.state != "disconnected":
            pending = session.scalar(select(ServiceOrder.id).where(
                ServiceOrder.premise_id == premise.id, ServiceOrder.kind == "nonpay_disconnect",
                ServiceOrder.status.in_(OPEN_ORDER_STATUSES)))
            hint = f" (cancel the pending disconnect order {pending} instead)" if pending else ""
            raise OperationRefused(f"Service at {premise.address} is connected: there is nothing to reconnect{hint}.")
        aging = _aging(ctx, account)
        # Today: the fee by the time of the request; a later day: by the opening time of that day
        # (a weekend or holiday is after hours).
        at = ctx.now if scheduled == ctx.today else datetime.combine(scheduled, ctx.policy.business_hours.opens)
        restoration = policy.restoration_requirements(aging.past_due, at, deposit_required=False,
                                                      deposit_amount=ZERO)
        if aging.past_due > 0:
            raise OperationRefused(
                f"Reconnect refused: {usd(aging.past_due)} is still past due on account {account.account_number}. The "
                f"past due and the reconnection fee ({usd(restoration.reconnect_fee)}) must be paid, and the payment "
                "posted, before service is restored.")
        after_hours = restoration.after_hours
        _fee_adjustment(ctx, account, "reconnect_fee", restoration.reconnect_fee,
                        f"Reconnection fee ({'after hours' if after_hours else 'business hours'})")
        data.update(reconnect_fee=restoration.reconnect_fee, after_hours=after_hours,
                    restoration=list(restoration.reasons), deposit_required=_deposit_advice(ctx, account))
    order = _order(ctx, args.kind, premise, account, scheduled_on=scheduled, remarks=args.remarks,
                   after_hours=after_hours)
    ctx.message = (f"{args.kind} order {order.id} for {premise.address} on {scheduled.isoformat()}"
                   + (f"; reconnection fee {usd(data['reconnect_fee'])}" if "reconnect_fee" in data else "") + ".")
    return {"order_id": order.id, "kind": args.kind, "scheduled_on": scheduled, **data}


def _deposit_advice(ctx: Context, account: Account) -> Decimal | None:
    """The deposit the policy now asks after a shut-off, when none is held (None: none due or no estimate)."""
    session = ctx.session
    if _held_deposits(session, account):
        return None
    premises = [sa.premise_id for sa in _electric(session, account, open_only=False) if sa.premise_id]
    average = _average_monthly_bill(session, account, premises, ctx.today)
    if average is None or average <= 0:
        return None
    in_bankruptcy = _open_bankruptcy(session, account) is not None
    decision = policy.deposit_decision(account.customer_class, prior_nonpay_shutoff=True, late_payment_history=False,
                                       credit_letter=False, in_bankruptcy=in_bankruptcy, average_monthly_bill=average)
    return decision.amount if decision.required else None


class CancelServiceOrderArgs(Args):
    order_id: Id = Field(description="The open order.")
    reason: Text(300) = Field(description="Why it is canceled.")


@operation("cancel_service_order", CancelServiceOrderArgs,
           returns="`order_id`, `kind`.",
           refusals=("The order does not exist, or is completed or canceled already.",))
def cancel_service_order(ctx: Context, args: CancelServiceOrderArgs) -> dict:
    """Cancel an open field order, e.g. a disconnect once the past due is paid."""
    order = ctx.session.get(ServiceOrder, args.order_id)
    if order is None:
        raise OperationRefused(f"No service order with id {args.order_id}.")
    if order.account_id is not None:
        ctx.account_id = order.account_id
    if order.status not in OPEN_ORDER_STATUSES:
        raise OperationRefused(f"Order {order.id} is {order.status}: only an open order can be canceled.")
    order.status = "canceled"
    order.result = f"Canceled: {args.reason}"
    ctx.message = f"{order.kind} order {order.id} canceled: {args.reason}."
    return {"order_id": order.id, "kind": order.kind}


# --- bankruptcy, agency, write-off --------------------------------------------------------


class RecordBankruptcyArgs(Args):
    account_number: AccountNumber = Field(description="The customer's account.")
    case_number: Text(20) = Field(description="The court's case number.")
    court: Text(60) = Field(description="The bankruptcy court (district).")
    chapter: Whole = Field(description="Bankruptcy chapter: one the policy lists (7, 11, 12, 13).")
    petition_on: date = Field(description="Date the petition was filed: today or earlier.")
    order_for_relief_on: date | None = Field(None, description="Date of the order for relief; default the petition "
                                                               "date (a voluntary case).")
    trustee: Text(80) | None = Field(None, description="The trustee, if appointed.")
    person_id: Id | None = Field(None, description="The debtor, a person on the account; default the main person.")


@operation("record_bankruptcy", RecordBankruptcyArgs,
           returns="`case_id`, `pre_petition_balance`, `assurance_due_on`, `claim_deadline_on` (none in Chapter 11: "
                   "the court sets it), `disconnect_orders_canceled`.",
           refusals=("The account or person does not exist, or the person is not on the account.",
                     "The petition date is in the future, or the order for relief is before the petition.",
                     "A chapter the policy does not list.", "The account already has an open bankruptcy case."))
def record_bankruptcy(ctx: Context, args: RecordBankruptcyArgs) -> dict:
    """Record a customer's bankruptcy filing.

    The balance owed before the petition date moves to a bankruptcy agreement, where it is
    held from collection (it is no longer past due; it is claimed through the case). The
    adequate-assurance due date and the proof-of-claim deadline come from policy; pending
    non-pay disconnect orders are canceled.
    """
    session = ctx.session
    account = _account(ctx, args.account_number)
    if args.petition_on > ctx.today:
        raise OperationRefused(f"The petition date {args.petition_on.isoformat()} is in the future.")
    relief = args.order_for_relief_on or args.petition_on
    if relief < args.petition_on:
        raise OperationRefused(f"The order for relief ({relief.isoformat()}) is before the petition "
                               f"({args.petition_on.isoformat()}).")
    existing = _open_bankruptcy(session, account)
    if existing is not None:
        raise OperationRefused(f"Account {account.account_number} already has open bankruptcy case "
                               f"{existing.case_number}.")
    assurance_due = policy.bankruptcy_assurance_due(args.chapter, relief)
    claim_deadline = policy.proof_of_claim_deadline(args.chapter, args.petition_on)
    if args.person_id is not None:
        person = _person(ctx, args.person_id)
        if not any(r.person_id == person.id for r in _roles(session, account)):
            raise OperationRefused(f"Person {person.id} is not on account {account.account_number}.")
    else:
        person = _main_person(session, account)
    before = ledger.aging(session, account.id, args.petition_on - timedelta(days=1))
    pre_petition = max(before.balance - before.held, ZERO)
    agreement = ServiceAgreement(account_id=account.id, kind="bankruptcy", status="active", start_on=args.petition_on)
    session.add(agreement)
    session.flush()
    if pre_petition > 0:
        held_from = args.petition_on - timedelta(days=1)
        ctx.post(account, "bankruptcy", -pre_petition,
                 f"Pre-petition balance moved to bankruptcy case {args.case_number}", due_on=held_from,
                 reference=args.case_number)
        ctx.post(account, "bankruptcy", pre_petition, f"Pre-petition balance, case {args.case_number}",
                 due_on=held_from, sa_id=agreement.id, reference=args.case_number)
    digits_shown = ctx.policy.bankruptcy.proof_of_claim.account_digits_shown
    case = BankruptcyCase(account_id=account.id, person_id=person.id if person else None, sa_id=agreement.id,
                          case_number=args.case_number, court=args.court, chapter=args.chapter,
                          petition_on=args.petition_on, pre_petition_balance=pre_petition,
                          assurance_due_on=assurance_due, claim_deadline_on=claim_deadline,
                          claim_account_last4=account.account_number[-digits_shown:], trustee=args.trustee,
                          status="open", status_on=ctx.today)
    session.add(case)
    session.flush()
    canceled = _cancel_open_orders(ctx, account, "nonpay_disconnect", f"Canceled: bankruptcy case {args.case_number}")
    ctx.message = (f"Bankruptcy case {args.case_number} (chapter {args.chapter}) recorded on account "
                   f"{account.account_number}: pre-petition {usd(pre_petition)}, assurance due "
                   f"{assurance_due.isoformat()}.")
    return {"case_id": case.id, "pre_petition_balance": pre_petition, "assurance_due_on": assurance_due,
            "claim_deadline_on": claim_deadline, "disconnect_orders_canceled": canceled}


class ProofOfClaimArgs(Args):
    account_number: AccountNumber = Field(description="The debtor's account.")
    case_number: Text(20) | None = Field(None, description="Default: the account's open case.")


@operation("prepare_proof_of_claim", ProofOfClaimArgs,
           returns="`form` (Official Form 410), `creditor`, `debtor`, `case_number`, `court`, `chapter`, "
                   "`petition_on`, `claim_amount` (the pre-petition balance), `account_last4`, `basis`, `secured`, "
                   "`deadline` (none in Chapter 11: the court sets it), `late`.",
           refusals=("The account does not exist, or has no open case (by that number).",
                     "The pre-petition balance is nothing: there is no claim."))
def prepare_proof_of_claim(ctx: Context, args: ProofOfClaimArgs) -> dict:
    """Prepare the data for the proof of claim (Official Form 410) in the customer's bankruptcy.

    The claim is the pre-petition balance; the account number shows its last digits only
    (as many as the policy says). The figures are kept on the case; filing it with the
    court is a separate step.
    """
    session = ctx.session
    account = _account(ctx, args.account_number)
    query = select(BankruptcyCase).where(BankruptcyCase.account_id == account.id, BankruptcyCase.status == "open")
    if args.case_number:
        query = query.where(BankruptcyCase.case_number == args.case_number)
    case = session.scalar(query.order_by(BankruptcyCase.petition_on.desc()))
    if case is None:
        which = f" numbered {args.case_number}" if args.case_number else ""
        raise OperationRefused(f"Account {account.account_number} has no open bankruptcy case{which}.")
    if case.pre_petition_balance <= 0:
        raise OperationRefused(f"Nothing was owed before the petition in case {case.case_number}: there is no claim.")
    rule = ctx.policy.bankruptcy.proof_of_claim
    last = account.account_number[-rule.account_digits_shown:]
    case.claim_amount = case.pre_petition_balance
    case.claim_account_last4 = last
    debtor = session.get(Person, case.person_id) if case.person_id else _main_person(session, account)
    late = case.claim_deadline_on is not None and ctx.today > case.claim_deadline_on
    ctx.message = (f"Proof of claim ({rule.form}) prepared for case {case.case_number}: "
                   f"{usd(case.pre_petition_balance)}"
                   + (f", deadline {case.claim_deadline_on.isoformat()}" if case.claim_deadline_on else
                      ", deadline set by the court") + (" (past the deadline)" if late else "") + ".")
    return {"form": rule.form, "creditor": _utility_name(session), "debtor": debtor.display_name if debtor else None,
            "case_number": case.case_number, "court": case.court, "chapter": case.chapter,
            "petition_on": case.petition_on, "claim_amount": case.pre_petition_balance, "account_last4": last,
            "basis": "Electric service provided before the petition date", "secured": False,
            "deadline": case.claim_deadline_on, "late": late}


class ReferToAgencyArgs(AccountArgs):
    agency: Text(60) = Field(description="The collection agency.")


@operation("refer_to_agency", ReferToAgencyArgs,
           returns="`collection_event_id`, `amount` referred, `final_bill_on`, `days_since_final_bill`.",
           refusals=("The account does not exist, is not closed, or has no final bill.",
                     "Nothing is owed, or the final bill is more recent than the policy's days.",
                     "The account was already referred."))
def refer_to_agency(ctx: Context, args: ReferToAgencyArgs) -> dict:
    """Refer a closed account's unpaid final bill to a collection agency.

    Only when the final bill is at least the policy's number of days old and still unpaid
    (``policy.agency_referral_due``).
    """
    session = ctx.session
    account = _account(ctx, args.account_number)
    if account.status != "closed":
        raise OperationRefused(f"Account {account.account_number} is {account.status}: only a closed account's final "
                               "bill goes to a collection agency.")
    final = session.scalar(select(Bill).where(Bill.account_id == account.id, Bill.final.is_(True),
                                              Bill.canceled_on.is_(None)).order_by(Bill.bill_on.desc()))
    if final is None:
        raise OperationRefused(f"Account {account.account_number} has no final bill yet.")
    referred = session.scalar(select(CollectionEvent).where(CollectionEvent.account_id == account.id,
                                                            CollectionEvent.kind == "agency_referral"))
    if referred is not None:
        raise OperationRefused(f"Account {account.account_number} was already referred to {referred.agency} on "
                               f"{referred.event_on.isoformat()}.")
    owed = _collectible(ctx, account)
    days = (ctx.today - final.bill_on).days
    if owed <= 0:
        raise OperationRefused(f"Account {account.account_number} owes nothing (balance {usd(owed)}).")
    if not policy.agency_referral_due(final.bill_on, ctx.today, owed):
        needed = ctx.policy.collections.agency_referral.days_after_final_bill
        raise OperationRefused(f"The final bill of {final.bill_on.isoformat()} is {days} days old: accounts go to an "
                               f"agency {needed} days after the final bill.")
    event = CollectionEvent(account_id=account.id, kind="agency_referral", event_on=ctx.today, amount=owed,
                            bill_id=final.id, agency=args.agency)
    session.add(event)
    session.flush()
    ctx.message = f"Account {account.account_number} referred to {args.agency} for {usd(owed)}."
    return {"collection_event_id": event.id, "amount": owed, "final_bill_on": final.bill_on,
            "days_since_final_bill": days}


class WriteOffArgs(AccountArgs):
    reason: Text(300) = Field(description="Why the debt is uncollectable.")


@operation("write_off", WriteOffArgs,
           returns="`written_off` (amount), `parts` (collectible and/or discharged pre-petition debt), "
                   "`collection_event_id`.",
           refusals=("The account does not exist.",
                     "Neither a closed account referred to a collection agency with something owed, nor a "
                     "discharged bankruptcy with pre-petition debt left."))
def write_off(ctx: Context, args: WriteOffArgs) -> dict:
    """Write off bad debt.

    What a closed account still owes after it went to a collection agency, and the
    pre-petition debt of a discharged bankruptcy. The ledger gets write-off credits; a
    collection event records it.
    """
    session = ctx.session
    account = _account(ctx, args.account_number)
    parts = []
    discharged = session.scalars(select(BankruptcyCase).where(BankruptcyCase.account_id == account.id,
                                                              BankruptcyCase.status == "discharged",
                                                              BankruptcyCase.sa_id.is_not(None)))
    for case in discharged:
        held = Decimal(session.scalar(select(func.sum(FinancialTransaction.amount)).where(
            FinancialTransaction.sa_id == case.sa_id)) or ZERO)
        if held > 0:
            _fee_adjustment(ctx, account, "write_off", -held, f"Discharged in bankruptcy case {case.case_number}: "
                            f"{args.reason}", sa_id=case.sa_id)
            parts.append({"part": "discharged_pre_petition", "case_number": case.case_number, "amount": held})
    referred = session.scalar(select(func.count()).select_from(CollectionEvent).where(
        CollectionEvent.account_id == account.id, CollectionEvent.kind == "agency_referral"))
    owed = _collectible(ctx, account)
    if account.status == "closed" and referred and owed > 0:
        _fee_adjustment(ctx, account, "write_off", -owed, f"Bad debt: {args.reason}")
        parts.append({"part": "collectible", "amount": owed})
    if not parts:
        if account.status != "closed":
            raise OperationRefused(f"Account {account.account_number} is {account.status}: only a closed account's "
                                   "debt (after a collection agency referral) or discharged pre-petition debt is "
                                   "written off.")
        if not referred:
            raise OperationRefused(f"Account {account.account_number} has not been referred to a collection agency: "
                                   "refer it first (refer_to_agency).")
        raise OperationRefused(f"Account {account.account_number} owes nothing to write off.")
    total = sum((p["amount"] for p in parts), ZERO)
    event = CollectionEvent(account_id=account.id, kind="write_off", event_on=ctx.today, amount=total,
                            notes=args.reason)
    session.add(event)
    session.flush()
    ctx.message = f"{usd(total)} written off on account {account.account_number}: {args.reason}."
    return {"written_off": total, "parts": parts, "collection_event_id": event.id}


# --- programs -----------------------------------------------------------------------------


class EnrollProgramArgs(AccountArgs):
    program: Literal[PROGRAMS] = Field(description="The program.")
    requirements_confirmed: bool = Field(False, description="The program's requirements in the policy (income "
                                                            "limits, physician certification...) were checked.")
    ev_vehicles: Annotated[list[Text(20)], BeforeValidator(_comma_list),
                           Label("list of weight classes (or text separated by commas)")] | None = Field(
        None, description="ev_discount: the weight class of each vehicle (the policy's classes: light, medium, heavy).")
    rebate: Text(40) | None = Field(None, description="rebate: which rebate (the policy's list, e.g. "
                                                      "level2_charger).")
    bank_account_last4: Last4 | None = Field(None, description="autopay: last 4 digits of the bank account.")
    ends_on: date | None = Field(None, description="Recertification or end date; after today.")

    @model_validator(mode="after")
    def _details(self) -> EnrollProgramArgs:
        for name, program in (("ev_vehicles", "ev_discount"), ("rebate", "rebate"), ("bank_account_last4", "autopay")):
            if getattr(self, name) is not None and self.program != program:
                raise ValueError(f"{name} is only for {program}")
        if self.program == "ev_discount" and not self.ev_vehicles:
            raise ValueError("ev_discount needs ev_vehicles: the weight class of each vehicle")
        if self.program == "rebate" and not self.rebate:
            raise ValueError("a rebate needs rebate: which one")
        return self


ACCOUNT_FLAG = {"autopay": "autopay", "paperless": "paperless", "balanced_payment": "budget_billing"}


@operation("enroll_program", EnrollProgramArgs,
           returns="`enrollment_id`, `program`, `details` (vehicles, rebate amount, budget amount...), `notes`.",
           refusals=("The account does not exist or is closed; already enrolled.",
                     "The program conflicts with one the account has (the Energy Assistance Program and the medical "
                     "discount are exclusive; so are the two solar plans), is closed to new enrollment, or is not "
                     "for the account's class.",
                     "The policy's requirements were not confirmed; paperless without an e-mail address.",
                     "An unknown EV weight class or rebate, or no rebate in force today; an end date not after today."))
def enroll_program(ctx: Context, args: EnrollProgramArgs) -> dict:
    """Enrol the account in a program (``policy.program_conflicts``).

    Autopay, paperless and balanced payment also set the account's flag; life support
    sets the life-support flag of the account's main person, which holds disconnection.
    """
    session = ctx.session
    account = _open_account(ctx, args.account_number)
    if args.ends_on is not None and args.ends_on <= ctx.today:
        raise OperationRefused(f"The end date {args.ends_on.isoformat()} is not after today.")
    active = _active_programs(session, account)
    if any(p.program == args.program for p in active):
        raise OperationRefused(f"Account {account.account_number} is already enrolled in {args.program}.")
    key = POLICY_PROGRAM[args.program]
    details: dict[str, Any] = {}
    notes: list[str] = []
    if key is None:
        amount = policy.rebate_amount(args.rebate, ctx.today)
        if amount is None:
            raise OperationRefused(f"No {args.rebate} rebate is offered on {ctx.today.isoformat()}.")
        details = {"rebate": args.rebate, "amount": str(amount)}
    else:
        program = getattr(ctx.policy.programs, key)
        enrolled = [POLICY_PROGRAM[p.program] for p in active
                    if POLICY_PROGRAM.get(p.program) and POLICY_PROGRAM[p.program] != key]
        conflicts = policy.program_conflicts(enrolled, key)
        if conflicts:
            raise OperationRefused(" ".join(conflicts))
        if account.customer_class not in program.classes:
            raise OperationRefused(f"{program.name} is for {', '.join(program.classes)} accounts; account "
                                   f"{account.account_number} is {account.customer_class}.")
        if program.requires and not args.requirements_confirmed:
            raise OperationRefused(f"{program.name} requires {', '.join(program.requires)}: check it, then confirm "
                                   "with requirements_confirmed.")
        if args.program == "paperless":
            main = _main_person(session, account)
            if main is None or not main.email:
                raise OperationRefused(f"{program.name} needs an e-mail address on file for account "
                                       f"{account.account_number}: add one first (update_contact).")
        if args.program == "ev_discount":
            classes = ctx.policy.programs.ev_discount.per_vehicle_per_month
            unknown = [v for v in args.ev_vehicles if v not in classes]
            if unknown:
                raise OperationRefused(f"Unknown EV weight class {', '.join(unknown)}: one of {', '.join(classes)}.")
            details = {"vehicles": list(args.ev_vehicles)}
        if args.program == "autopay":
            details = {"bank_last4": args.bank_account_last4} if args.bank_account_last4 else {}
            notes.append(f"Autopay takes {ctx.policy.programs.autopay.start_weeks} weeks to start: keep paying until "
                         "the bill says autopay.")
        if args.program == "balanced_payment":
            premises = [sa.premise_id for sa in _electric(session, account) if sa.premise_id]
            average = _average_monthly_bill(session, account, premises, ctx.today)
            if average is not None:
                details = {"budget_amount": str(average)}
    enrollment = ProgramEnrollment(account_id=account.id, program=args.program, status="active",
                                   enrolled_on=ctx.today, ends_on=args.ends_on, details=details or None)
    session.add(enrollment)
    session.flush()
    if args.program in ACCOUNT_FLAG:
        setattr(account, ACCOUNT_FLAG[args.program], True)
    if args.program == "life_support":
        main = _main_person(session, account)
        if main is not None:
            main.life_support = True
    ctx.message = f"Account {account.account_number} enrolled in {args.program}."
    return {"enrollment_id": enrollment.id, "program": args.program, "details": details, "notes": notes}


class UnenrollProgramArgs(AccountArgs):
    program: Literal[PROGRAMS] = Field(description="The program to end.")
    reason: Text(300) = Field(description="Why it ends.")


@operation("unenroll_program", UnenrollProgramArgs,
           returns="`enrollment_id`, `program`.",
           refusals=("The account does not exist, or is not enrolled in the program.",))
def unenroll_program(ctx: Context, args: UnenrollProgramArgs) -> dict:
    """End a program on the account today; its account flag (autopay, paperless, balanced
    payment, life support) is cleared."""
    session = ctx.session
    account = _account(ctx, args.account_number)
    enrollment = next((p for p in _active_programs(session, account) if p.program == args.program), None)
    if enrollment is None:
        raise OperationRefused(f"Account {account.account_number} is not enrolled in {args.program}.")
    enrollment.status = "ended"
    enrollment.ends_on = ctx.today
    enrollment.details = {**(enrollment.details or {}), "ended_because": args.reason}
    if args.program in ACCOUNT_FLAG:
        setattr(account, ACCOUNT_FLAG[args.program], False)
    if args.program == "life_support":
        for role in _roles(session, account):
            role.person.life_support = False
    ctx.message = f"Account {account.account_number} left {args.program}: {args.reason}."
    return {"enrollment_id": enrollment.id, "program": args.program}


# --- people and contact details -----------------------------------------------------------

CONTACT_FIELDS = ("phone", "alt_phone", "email", "mailing_address", "third_party_name", "third_party_phone",
                  "third_party_address")


class UpdateContactArgs(Args):
    person_id: Id = Field(description="The person (view_account: persons).")
    account_number: AccountNumber | None = Field(None, description="The account the call is about (the person must "
                                                                   "be on it).")
    phone: Phone | None = Field(None, description="Main phone; null clears it.")
    alt_phone: Phone | None = Field(None, description="Other phone; null clears it.")
    email: Email | None = Field(None, description="E-mail; null clears it.")
    mailing_address: Text(300) | None = Field(None, description="Where bills go; null: the service address.")
    third_party_name: Text(120) | None = Field(None, description="Third party told before any shut-off (customers 65 "
                                                                 "and older, dependent adults).")
    third_party_phone: Phone | None = Field(None, description="The third party's phone.")
    third_party_address: Text(300) | None = Field(None, description="The third party's address.")

    @model_validator(mode="after")
    def _something(self) -> UpdateContactArgs:
        if not set(CONTACT_FIELDS) & self.model_fields_set:
            raise ValueError(f"nothing to update: give at least one of {', '.join(CONTACT_FIELDS)}")
        return self


@operation("update_contact", UpdateContactArgs,
           returns="`person_id`, `changed` (the fields changed).",
           refusals=("The person or account does not exist, or the person is not on the account.",
                     "No contact field was given."))
def update_contact(ctx: Context, args: UpdateContactArgs) -> dict:
    """Change a person's phone numbers, e-mail, mailing address or third-party notice contact.

    Only the fields given change; a field given as null is cleared.
    """
    session = ctx.session
    if args.account_number:
        account = _account(ctx, args.account_number)
    person = _person(ctx, args.person_id)
    roles = list(session.scalars(select(AccountPerson).where(AccountPerson.person_id == person.id)
                                 .order_by(AccountPerson.id)))
    if args.account_number:
        if not any(r.account_id == account.id for r in roles):
            raise OperationRefused(f"Person {person.id} is not on account {account.account_number}.")
    elif roles:
        ctx.account_id = next((r.account_id for r in roles if r.account.status == "active"), roles[0].account_id)
    changed = []
    for name in CONTACT_FIELDS:
        if name in args.model_fields_set and getattr(person, name) != getattr(args, name):
            setattr(person, name, getattr(args, name))
            changed.append(name)
    ctx.message = f"Contact details of person {person.id} updated: {', '.join(changed) or 'no change'}."
    return {"person_id": person.id, "changed": changed}


class AddPersonArgs(AccountArgs):
    role: Literal[ROLES] = Field(description="main (one per account), co_applicant, authorised_caller (may discuss "
                                             "the account, owes nothing) or landlord.")
    person_id: Id | None = Field(None, description="The person, when already in the CIS.")
    new_person: NewPerson | None = Field(None, description="The person, when new to the CIS.")
    financially_responsible: bool | None = Field(None, description="Default: yes for main and co_applicant, no "
                                                                   "otherwise.")
    relation: Text(20) | None = Field(None, description="To the main person: spouse, son, manager...")

    @model_validator(mode="after")
    def _who(self) -> AddPersonArgs:
        _one_person(self.person_id, self.new_person)
        return self


@operation("add_person", AddPersonArgs,
           returns="`person_id`, `role`, `financially_responsible`.",
           refusals=("The account does not exist or is closed; the person does not exist or is already on it.",
                     "A second main person.", "A main person who is not financially responsible, or an authorised "
                     "caller or landlord who is."))
def add_person(ctx: Context, args: AddPersonArgs) -> dict:
    """Add a person to the account: co-applicant, authorised caller, landlord, or the main person."""
    session = ctx.session
    account = _open_account(ctx, args.account_number)
    roles = _roles(session, account)
    if args.role == "main" and any(r.role == "main" for r in roles):
        raise OperationRefused(f"Account {account.account_number} already has a main person.")
    responsible = args.financially_responsible
    if responsible is None:
        responsible = args.role in ("main", "co_applicant")
    if args.role == "main" and not responsible:
        raise OperationRefused("The main person is always financially responsible.")
    if args.role in ("authorised_caller", "landlord") and responsible:
        raise OperationRefused(f"A {args.role.replace('_', ' ')} may discuss the account but is never financially "
                               "responsible for it.")
    if args.person_id is not None:
        already = next((r for r in roles if r.person_id == args.person_id), None)
        if already is not None:
            raise OperationRefused(f"Person {args.person_id} is already on account {account.account_number} as "
                                   f"{already.role}.")
    person = _person_from(ctx, args.person_id, args.new_person)
    session.add(AccountPerson(account_id=account.id, person_id=person.id, role=args.role,
                              financially_responsible=responsible, relation=args.relation, since=ctx.today))
    ctx.message = f"{person.display_name} added to account {account.account_number} as {args.role}."
    return {"person_id": person.id, "role": args.role, "financially_responsible": responsible}


# --- notes, letters, logs -----------------------------------------------------------------


def _code(value: Any) -> str:
    if not isinstance(value, str) or not re.fullmatch(r"[a-z][a-z0-9_]{0,29}", value.strip()):
        raise ValueError("must be a short code of lower-case words joined by _, e.g. billing_question")
    return value.strip()


Code = Annotated[str, BeforeValidator(_code), Label("code: lower-case words joined by _ (up to 30 characters)")]


class AddNoteArgs(Args):
    note: Text(2000) = Field(description="What was asked, said and done.")
    account_number: AccountNumber | None = Field(None, description="The account (none for a caller without one).")
    contact_type: Code = Field("general", description="What the contact was about: billing_question, "
                                                      "start_service, payment_arrangement...")
    channel: Literal["phone", "walk_in", "email", "letter"] = Field("phone", description="How the customer got in "
                                                                                         "touch.")
    person_id: Id | None = Field(None, description="Who called, when known.")


@operation("add_note", AddNoteArgs,
           returns="`note_id`.",
           refusals=("The account or person does not exist.", "An empty note."))
def add_note(ctx: Context, args: AddNoteArgs) -> dict:
    """Add a note to the contact log: what the customer asked and what was done."""
    account = _account(ctx, args.account_number) if args.account_number else None
    if args.person_id is not None:
        _person(ctx, args.person_id)
    note = ContactLog(account_id=account.id if account else None, person_id=args.person_id, contact_at=ctx.now,
                      channel=args.channel, contact_type=args.contact_type, note=args.note, csr=ctx.actor[:40])
    ctx.session.add(note)
    ctx.session.flush()
    where = f" to account {account.account_number}" if account else ""
    ctx.message = f"Note added ({args.contact_type}){where}."
    return {"note_id": note.id}


@dataclass(frozen=True)
class LetterTemplate:
    title: str
    purpose: str
    body: str

    @property
    def placeholders(self) -> list[str]:
        return list(dict.fromkeys(name for _, name, _, _ in string.Formatter().parse(self.body) if name))


_CLOSING = "\n\nSincerely,\nCustomer Service\n{utility_name}"

TEMPLATES: dict[str, LetterTemplate] = {
    "welcome": LetterTemplate(
        "Welcome", "A new account: number, service address, establishment fee.",
        "Dear {customer_name},\n\nWelcome to {utility_name}. Your electric account {account_number} is set up for "
        "service at {service_address}.\n\nYour first bill includes the one-time account establishment fee of "
        "{establishment_fee}. Each bill shows the date it is due by; you can pay online, by phone, by mail or at our "
        "office." + _CLOSING),
    "deposit_request": LetterTemplate(
        "Deposit request", "The deposit held or billed on the account, its accepted forms and when it is returned.",
        "Dear {customer_name},\n\nA deposit of {deposit_amount} is required for account {account_number} at "
        "{service_address}. We accept it as {deposit_forms}.\n\nA cash deposit is credited back to your account after "
        "{deposit_refund_payments} consecutive on-time payments, or applied to your final bill when you close the "
        "account." + _CLOSING),
    "deposit_refund": LetterTemplate(
        "Deposit returned", "The latest deposit returned: credited, applied to the final bill or released.",
        "Dear {customer_name},\n\nYour deposit of {returned_deposit_amount} on account {account_number} was "
        "{deposit_outcome} on {deposit_released_on}. Your balance is now {balance}." + _CLOSING),
    "payment_arrangement": LetterTemplate(
        "Payment arrangement", "The terms of the arrangement in force.",
        "Dear {customer_name},\n\nThis confirms the payment arrangement on account {account_number}: a down payment of "
        "{down_payment} now, then {installments} monthly installment(s) of {installment_amount}, the first due "
        "{first_due_on}; {arrangement_total} in all.\n\n{keep_current}" + _CLOSING),
    "returned_payment": LetterTemplate(
        "Returned payment", "The latest payment the bank returned, the fee, and cash-only status.",
        "Dear {customer_name},\n\nYour payment of {returned_amount} received {returned_received_on} on account "
        "{account_number} was returned by your bank. A returned-payment fee of {returned_payment_fee} has been "
        "charged to the account. {cash_only_notice}\n\nYour balance is now {balance}." + _CLOSING),
    "past_due_reminder": LetterTemplate(
        "Past-due reminder", "What is past due; an invitation to call about an arrangement.",
        "Dear {customer_name},\n\nOur records show {past_due} past due on account {account_number} for service at "
        "{service_address}. Please pay it as soon as you can. If you cannot pay it all at once, call us to ask about "
        "a payment arrangement." + _CLOSING),
    "credit_history_letter": LetterTemplate(
        "Letter of credit history", "For a customer's next utility: how long they were served and how they paid.",
        "To whom it may concern:\n\n{customer_name} has had electric service with {utility_name} on account "
        "{account_number} since {opened_on}{closed_text}. The account's latest {on_time_payments} bill(s) were paid "
        "on time, and {returned_payments} payment(s) were returned in the last {returned_period_months} months."
        + _CLOSING),
    "bankruptcy_assurance_request": LetterTemplate(
        "Adequate assurance request", "The open bankruptcy case: assurance due date and accepted forms.",
        "Dear {customer_name},\n\nWe have been notified of bankruptcy case {case_number}. Your service continues; the "
        "{pre_petition_balance} owed before the petition will be handled through the case. Under 11 U.S.C. 366, "
        "adequate assurance of payment for future service is due by {assurance_due_on}, as {assurance_forms}."
        + _CLOSING),
}


class _Missing(Exception):
    pass


def _letter_values(ctx: Context, account: Account) -> dict[str, Callable[[], str]]:
    """Each placeholder's value, worked out only when a template uses it."""
    session = ctx.session
    p = ctx.policy

    def main() -> Person:
        person = _main_person(session, account)
        if person is None:
            raise _Missing("a main person on the account")
        return person

    def premise() -> Premise:
        agreements = _electric(session, account, open_only=False)
        if not agreements or agreements[0].premise is None:
            raise _Missing("a service address")
        return agreements[0].premise

    def deposit(statuses: tuple[str, ...]) -> Deposit:
        found = session.scalar(select(Deposit).where(Deposit.account_id == account.id, Deposit.status.in_(statuses))
                               .order_by(Deposit.released_on.desc() if statuses != ("held",) else Deposit.id.desc(),
                                         Deposit.id.desc()))
        if found is None:
            raise _Missing("a held deposit" if statuses == ("held",) else "a returned deposit")
        return found

    def arrangement() -> PaymentArrangement:
        found = _active_arrangement(session, account)
        if found is None:
            raise _Missing("a payment arrangement in force")
        return found

    def returned() -> Payment:
        found = session.scalar(select(Payment).where(Payment.account_id == account.id,
                                                     Payment.cancel_reason.in_(RETURNED_REASONS))
                               .order_by(Payment.canceled_on.desc(), Payment.id.desc()))
        if found is None:
            raise _Missing("a returned payment")
        return found

    def case() -> BankruptcyCase:
        found = _open_bankruptcy(session, account)
        if found is None:
            raise _Missing("an open bankruptcy case")
        return found

    def past_due() -> str:
        amount = _aging(ctx, account).past_due
        if amount <= 0:
            raise _Missing("an amount past due")
        return usd(amount)

    def cash_only() -> str:
        if not _is_cash_only(account, ctx.today):
            return ""
        until = f" until {account.cash_only_until.isoformat()}" if account.cash_only_until else ""
        forms = ", ".join(p.fees.returned_payment_cash_only.accepted_forms)
        return f"From now on{until} we can accept only {forms} on this account."

    def arrangement_total() -> str:
        a = arrangement()
        installments = session.scalars(select(FinancialTransaction.amount).where(
            FinancialTransaction.sa_id == a.sa_id, FinancialTransaction.amount > 0))
        return usd(a.down_payment + sum((Decimal(x) for x in installments), ZERO))

    outcome = {"refunded": "credited to your account", "applied": "applied to your final bill",
               "released": "released"}
    return {
        "utility_name": lambda: _utility_name(session),
        "today": lambda: ctx.today.isoformat(),
        "customer_name": lambda: main().display_name,
        "account_number": lambda: account.account_number,
        "service_address": lambda: premise().address,
        "balance": lambda: usd(ledger.balance(session, account.id)),
        "past_due": past_due,
        "establishment_fee": lambda: usd(p.fees.account_establishment.amount),
        "deposit_amount": lambda: usd(deposit(("held",)).amount),
        "deposit_forms": lambda: ", ".join(p.deposits.forms.accepted),
        "deposit_refund_payments": lambda: str(p.deposits.refund.consecutive_on_time_payments),
        "returned_deposit_amount": lambda: usd(deposit(tuple(outcome)).amount),
        "deposit_outcome": lambda: outcome[deposit(tuple(outcome)).status],
        "deposit_released_on": lambda: _iso(deposit(tuple(outcome)).released_on),
        "down_payment": lambda: usd(arrangement().down_payment),
        "installments": lambda: str(arrangement().installments),
        "installment_amount": lambda: usd(arrangement().installment_amount),
        "first_due_on": lambda: arrangement().first_due_on.isoformat(),
        "arrangement_total": arrangement_total,
        "keep_current": lambda: p.collections.payment_arrangement.keep_current[:1].upper()
        + p.collections.payment_arrangement.keep_current[1:] + ".",
        "returned_amount": lambda: usd(returned().amount),
        "returned_received_on": lambda: returned().received_on.isoformat(),
        "returned_payment_fee": lambda: usd(p.fees.returned_payment.fee),
        "cash_only_notice": cash_only,
        "opened_on": lambda: account.opened_on.isoformat(),
        "closed_text": lambda: f" until {account.closed_on.isoformat()}" if account.closed_on else "",
        "on_time_payments": lambda: str(_on_time_streak(ctx, account)),
        "returned_period_months": lambda: str(p.fees.returned_payment_cash_only.within_months),
        "returned_payments": lambda: str(len(_returned_payments(
            session, account, policy.add_months(ctx.today, -p.fees.returned_payment_cash_only.within_months),
            ctx.today))),
        "case_number": lambda: case().case_number,
        "pre_petition_balance": lambda: usd(case().pre_petition_balance),
        "assurance_due_on": lambda: case().assurance_due_on.isoformat(),
        "assurance_forms": lambda: ", ".join(p.bankruptcy.assurance.forms),
    }


class PrepareCorrespondenceArgs(AccountArgs):
    template: Literal[tuple(TEMPLATES)] = Field(description="The letter (see Letter templates below).")
    delivery: Literal["mail", "email"] | None = Field(None, description="Default: e-mail for a paperless account "
                                                                        "with an e-mail address, otherwise mail.")


@operation("prepare_correspondence", PrepareCorrespondenceArgs,
           returns="`correspondence_id`, `template`, `delivery`, `text` (the letter).",
           refusals=("The account does not exist.",
                     "The account lacks what the letter is about (no held deposit, no arrangement in force, no "
                     "returned payment, nothing past due, no open bankruptcy...).",
                     "E-mail delivery without an e-mail address."))
def prepare_correspondence(ctx: Context, args: PrepareCorrespondenceArgs) -> dict:
    """Prepare a letter from a template, its placeholders filled from the account and policy.

    The letter is stored as correspondence sent today and its text returned.
    """
    account = _account(ctx, args.account_number)
    template = TEMPLATES[args.template]
    values = _letter_values(ctx, account)
    main = _main_person(ctx.session, account)
    delivery = args.delivery or ("email" if account.paperless and main is not None and main.email else "mail")
    if delivery == "email" and (main is None or not main.email):
        raise OperationRefused(f"Account {account.account_number} has no e-mail address: send it by mail or add one "
                               "(update_contact).")
    filled = {}
    for name in template.placeholders:
        try:
            filled[name] = values[name]()
        except _Missing as missing:
            raise OperationRefused(f"The {args.template} letter needs {missing} on account {account.account_number}, "
                                   "which it does not have.") from None
    text = template.body.format_map(filled)
    letter = Correspondence(account_id=account.id, kind=args.template, sent_on=ctx.today, delivery=delivery,
                            summary=text)
    ctx.session.add(letter)
    ctx.session.flush()
    ctx.message = f"{template.title} letter prepared for account {account.account_number} ({delivery})."
    return {"correspondence_id": letter.id, "template": args.template, "delivery": delivery, "text": text}


MANUAL_LOGS = ("daily_cash", "returned_checks", "meter_tests", "refunds")


class RecordManualLogArgs(Args):
    log: Literal[MANUAL_LOGS] = Field(description="Which of the office's manual logs.")
    description: Text(500) = Field(description="The line as written in the log.")
    entry_on: date | None = Field(None, description="Default today; never in the future.")
    account_number: AccountNumber | None = Field(None, description="The account the line is about, if any.")
    amount: Money | None = Field(None, description="Required in the daily cash, returned checks and refunds logs.")

    @model_validator(mode="after")
    def _amount(self) -> RecordManualLogArgs:
        if self.log != "meter_tests" and self.amount is None:
            raise ValueError(f"the {self.log} log needs amount")
        return self


@operation("record_manual_log", RecordManualLogArgs,
           returns="`entry_id`.",
           refusals=("The account does not exist.", "The date is in the future.",
                     "No amount (or a zero or negative one) in a money log."))
def record_manual_log(ctx: Context, args: RecordManualLogArgs) -> dict:
    """Write a line in one of the office's manual logs: daily cash, returned checks,
    meter tests, refunds."""
    entry_on = args.entry_on or ctx.today
    if entry_on > ctx.today:
        raise OperationRefused(f"The entry date {entry_on.isoformat()} is in the future.")
    account = _account(ctx, args.account_number) if args.account_number else None
    entry = ManualLogEntry(log=args.log, entry_on=entry_on, account_id=account.id if account else None,
                           amount=args.amount, description=args.description, recorded_by=ctx.actor[:40])
    ctx.session.add(entry)
    ctx.session.flush()
    ctx.message = f"Line added to the {args.log} log" + (f" for {usd(args.amount)}" if args.amount else "") + "."
    return {"entry_id": entry.id}


class ReportUnauthorizedUsageArgs(Args):
    premise_id: Id = Field(description="Where (from search_customers by address).")
    concern: Literal["meter_tampering", "bypass", "unauthorized_connection", "other"] = Field(
        description="What kind of usage is reported.")
    observation: Text(1000) = Field(description="What the reporter says they saw, in their words. Kept only in the "
                                                "revenue-protection report.")
    anonymous: bool = Field(False, description="The reporter gives no name or phone.")
    reporter_name: Text(120) | None = Field(None, description="Kept only in the revenue-protection report.")
    reporter_phone: Phone | None = Field(None, description="Kept only in the revenue-protection report.")

    @model_validator(mode="after")
    def _reporter(self) -> ReportUnauthorizedUsageArgs:
        if self.anonymous and (self.reporter_name or self.reporter_phone):
            raise ValueError("an anonymous report takes no reporter_name or reporter_phone")
        if not self.anonymous and not (self.reporter_name or self.reporter_phone):
            raise ValueError("give reporter_name or reporter_phone, or anonymous: true")
        return self


REVENUE_PROTECTION_LOG = "revenue_protection"


@operation("report_unauthorized_usage", ReportUnauthorizedUsageArgs,
           redact=("reporter_name", "reporter_phone", "observation"), file_under_account=False,
           returns="`report_reference` (RP-n), `order_id` (the investigation order).",
           refusals=("The premise does not exist.", "Reporter details given for an anonymous report, or neither "
                     "details nor anonymous."))
def report_unauthorized_usage(ctx: Context, args: ReportUnauthorizedUsageArgs) -> dict:
    """Take a report of possible unauthorized usage (meter tampering, a bypass, an
    unauthorized connection) and refer it to the revenue-protection investigator.

    The report - reporter and observation - is kept apart in the revenue-protection log,
    not on any account, and the audit trail withholds them. The premise gets an
    investigation order with neutral remarks (a field check, no accusation), and the
    contact log a note naming only the report reference.
    """
    session = ctx.session
    premise = _premise(ctx, args.premise_id)
    reporter = "anonymous" if args.anonymous else ", ".join(
        x for x in (args.reporter_name, args.reporter_phone and f"phone {args.reporter_phone}") if x)
    report = ManualLogEntry(log=REVENUE_PROTECTION_LOG, entry_on=ctx.today, account_id=None, amount=None,
                            description="(pending)", recorded_by=ctx.actor[:40])
    session.add(report)
    session.flush()
    reference = f"RP-{report.id}"
    report.description = (f"{reference}: {args.concern.replace('_', ' ')} reported at premise {premise.id}, "
                          f"{premise.address}. Reporter: {reporter}. Observation: {args.observation}")
    occupants = _occupant_agreements(session, premise, ctx.today)
    account = occupants[0].account if occupants else None
    order = _order(ctx, "investigation", premise, account,
                   remarks=f"Revenue protection field check ({reference}): inspect the meter and service connection.")
    session.add(ContactLog(account_id=None, person_id=None, contact_at=ctx.now, channel="phone",
                           contact_type="unauthorized_usage_report",
                           note=f"Report about premise {premise.id} referred to revenue protection as {reference}.",
                           csr=ctx.actor[:40]))
    ctx.message = f"Report {reference} referred to revenue protection; investigation order {order.id}."
    return {"report_reference": reference, "order_id": order.id}


# --- the reference in docs/cis.md -----------------------------------------------------------


def _constraint_text(metadata: list) -> str:
    parts = []
    for item in metadata:
        if isinstance(item, annotated_types.Ge):
            parts.append(f"at least {item.ge}")
        elif isinstance(item, annotated_types.Gt):
            parts.append(f"more than {item.gt}")
        elif isinstance(item, annotated_types.Le):
            parts.append(f"at most {item.le}")
        elif isinstance(item, annotated_types.Lt):
            parts.append(f"less than {item.lt}")
    return ", ".join(parts)


def _type_text(annotation: Any, metadata: list | None = None) -> str:
    for item in metadata or ():
        if isinstance(item, Label):
            return item.text
    origin = get_origin(annotation)
    if origin is Annotated:
        base, *extra = get_args(annotation)
        return _type_text(base, list(extra))
    if origin in (Union, types.UnionType):
        parts = [a for a in get_args(annotation) if a is not type(None)]
        return " or ".join(_type_text(a) for a in parts)
    if origin is Literal:
        return "one of " + ", ".join(f"`{v}`" for v in get_args(annotation))
    if origin is list:
        return f"list of {_type_text(get_args(annotation)[0])}"
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return f"object: {annotation.__name__} (below)"
    names = {bool: "true / false", int: "whole number", str: "text", date: "date (YYYY-MM-DD)", Decimal: "amount"}
    text = names.get(annotation, getattr(annotation, "__name__", str(annotation)))
    constraint = _constraint_text(metadata or [])
    return f"{text}, {constraint}" if constraint else text


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _argument_table(model: type[BaseModel]) -> list[str]:
    lines = ["| argument | type | required | meaning |", "|---|---|---|---|"]
    for name, info in model.model_fields.items():
        kind = _type_text(info.annotation, list(info.metadata))
        if info.is_required():
            required = "yes"
        elif info.default is None:
            required = "no"
        else:
            required = f"no (default `{json.dumps(jsonable(info.default))}`)"
        lines.append(f"| `{name}` | {_cell(kind)} | {required} | {_cell(info.description or '')} |")
    return lines


def operations_reference_markdown() -> str:
    """docs/cis.md: every operation with its purpose, arguments, result and refusals."""
    out = [
        "# CIS operations",
        "",
        "<!-- Generated from fake_cis/operations.py by `python -m fake_cis.operations --doc`; do not edit by hand. -->",
        "",
        "Every CSR duty in the simulated Customer Information System is one named operation. A trainee's",
        "actions are recorded as a list of `{\"operation\": name, \"arguments\": {...}}`, and",
        "`fake_cis.operations.run(session, operation, arguments, actor=...)` carries out each one:",
        "",
        "1. The arguments are validated: unknown names are refused, amounts are decimals in whole cents",
        "   (a JSON string such as `\"42.50\"` or a number), dates are `YYYY-MM-DD`, choices come from fixed",
        "   lists. Every problem is named in one message, e.g. `Invalid arguments for post_payment: amount",
        "   must be more than 0; tender must be one of cash, check, ...`.",
        "2. The operation checks the business rules; every fee, limit and rule comes from",
        "   `fake_cis/policy.yaml` (see `fake_cis/policy.py`), and money moves only through the ledger",
        "   (`fake_cis/ledger.py`).",
        "3. Its changes are committed in one transaction together with an audit event (who, when,",
        "   operation, arguments, outcome, message). A refused request changes nothing: only its audit",
        "   event (outcome `refused`) is written. An unexpected failure is rolled back and audited as",
        "   `error`. Reads (`search_customers`, `verify_identity`, `view_account`) are audited too.",
        "",
        "`run` returns `OperationResult(ok, operation, message, data, outcome, audit_event_id)`; `data` is",
        "the JSON result described under each operation (money as decimal strings, dates as ISO dates).",
        "`today` and `now` may be given to `run`; by default `today` is the CIS's simulated today. The audit",
        "trail keeps an SSN as its last 4 digits only and withholds what an operation marks as withheld.",
        "",
        "Every operation also refuses invalid arguments (missing or unknown names, wrong types, zero or",
        "negative amounts where an amount must be positive, fractions of a cent).",
        "",
        "## Operations",
        "",
        "| operation | kind | purpose |",
        "|---|---|---|",
    ]
    for op in OPERATIONS.values():
        out.append(f"| [`{op.name}`](#{op.name}) | {op.kind} | {_cell(op.summary)} |")
    for op in OPERATIONS.values():
        out += ["", f"## {op.name}", "", op.summary]
        if op.description:
            out += ["", op.description]
        out += ["", "Arguments:", "", *_argument_table(op.arguments)]
        if op.returns:
            out += ["", f"Returns: {op.returns}"]
        if op.redact:
            out += ["", "Withheld from the audit trail: " + ", ".join(f"`{n}`" for n in op.redact) + "."]
        if op.refusals:
            out += ["", "Refused when:", ""] + [f"- {r}" for r in op.refusals]
    out += ["", "## Shared argument types", "", "### NewPerson", "", (NewPerson.__doc__ or "").strip(),
            "An individual needs `first_name` and `last_name`; a business needs `business_name`.", "",
            *_argument_table(NewPerson)]
    out += ["", "## Letter templates", "", "`prepare_correspondence` fills these placeholders from the account and",
            "the policy; a letter whose subject the account lacks is refused.", "",
            "| template | title | about | placeholders |", "|---|---|---|---|"]
    for name, template in TEMPLATES.items():
        placeholders = ", ".join(f"`{p}`" for p in template.placeholders)
        out.append(f"| `{name}` | {template.title} | {_cell(template.purpose)} | {placeholders} |")
    return "\n".join(out) + "\n"


def write_reference(path: Path = DOC_PATH) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(operations_reference_markdown(), encoding="utf-8")
    return path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m fake_cis.operations", description="The CIS operations.")
    parser.add_argument("--doc", nargs="?", const=str(DOC_PATH), metavar="PATH",
                        help=f"write the operations reference (default {DOC_PATH})")
    options = parser.parse_args(argv)
    if options.doc:
        print(f"wrote {write_reference(Path(options.doc))}")
    else:
        for op in OPERATIONS.values():
            print(f"{op.name:28} {op.summary}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
