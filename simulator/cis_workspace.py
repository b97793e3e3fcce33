"""The CIS screens as pieces a page places: customer search, account overview, action forms.

They run against a *backend*. The practice CIS uses the browser's own sandbox and calls
``fake_cis.operations.run`` on it; a call uses ``CallBackend``, which sends every operation
through ``call_sessions.act`` so that it lands in the call's action log (and is graded).
Read-only helper queries (usage history, letters) read the backend's session directly.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol, TypeVar

from nicegui import ui
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from fake_cis.database import open_sandbox
from fake_cis.models import Account, Bill, BillSegment, Correspondence
from fake_cis.operations import OPERATIONS, run
from results.charts import usage_chart_png
from simulator.operation_form import operation_form
from simulator.result_widgets import png

T = TypeVar("T")
ACTOR = "trainee"
# The account overview's sections, in the order a CSR reads them.
SECTIONS = (
    ("persons", "People on the account"), ("service", "Service"), ("deposits", "Deposits"),
    ("arrangements", "Payment arrangements"), ("open_orders", "Open service orders"), ("programs", "Programs"),
    ("bankruptcy_cases", "Bankruptcy"), ("collection_events", "Collections"), ("recent_bills", "Recent bills"),
    ("recent_payments", "Recent payments"), ("recent_ledger", "Ledger"), ("recent_notes", "Notes and contacts"),
)
SEARCH_COLUMNS = (("name", "Name"), ("role", "Role"), ("account_number", "Account"), ("account_status", "Status"),
                  ("customer_class", "Class"), ("service_address", "Service address"), ("premise_id", "Premise"),
                  ("opened_on", "Opened"), ("closed_on", "Closed"))
WRITES = {name: op for name, op in OPERATIONS.items() if op.kind == "write"}
# Operations whose account_number means something else than "the account on screen".
NO_ACCOUNT_PREFILL = {"start_service"}


@dataclass(frozen=True)
class Answer:
    """What an operation said: ok or not, the message a CSR reads, the data."""

    ok: bool
    message: str
    data: dict[str, Any] = field(default_factory=dict)


class Backend(Protocol):
    def run(self, operation: str, arguments: dict[str, Any]) -> Answer: ...

    def read(self, query: Callable[[Session], T]) -> T: ...


class SandboxBackend:
    """The practice CIS: operations run straight on one sandbox copy."""

    def __init__(self, run_id: str):
        self.run_id = run_id

    def run(self, operation: str, arguments: dict[str, Any]) -> Answer:
        with Session(open_sandbox(self.run_id), expire_on_commit=False) as session:
            result = run(session, operation, arguments, actor=ACTOR)
        return Answer(result.ok, result.message, result.data)

    def read(self, query: Callable[[Session], T]) -> T:
        with Session(open_sandbox(self.run_id), expire_on_commit=False) as session:
            return query(session)


class CallBackend:
    """A call's CIS: every operation is an action of the call, recorded in its log."""

    def __init__(self, attempt_id: str):
        self.attempt_id = attempt_id

    def run(self, operation: str, arguments: dict[str, Any]) -> Answer:
        from scenarios.call import ActionError
        from simulator import call_sessions

        try:
            step = call_sessions.act(self.attempt_id, {"kind": "operation", "operation": operation,
                                                       "arguments": arguments})
        except (ActionError, call_sessions.CallNotFound) as error:
            return Answer(False, str(error))
        result = step.result
        return Answer(bool(result["ok"]), result["message"], result.get("data") or {})

    def read(self, query: Callable[[Session], T]) -> T:
        from simulator import call_sessions

        live = call_sessions.live_call(self.attempt_id)
        with live.lock:
            return query(live.session)


# --- read-only look-ups ----------------------------------------------------------------------


def usage_history(session: Session, account_number: str, bills: int = 24) -> list[tuple[str, int, bool]]:
    """kWh of the account's last bills, oldest first, with the estimated-read mark."""
    rows = session.execute(
        select(Bill.bill_on, func.sum(BillSegment.kwh), Bill.estimated)
        .join(BillSegment, BillSegment.bill_id == Bill.id).join(Account, Account.id == Bill.account_id)
        .where(Account.account_number == account_number, Bill.canceled_on.is_(None))
        .group_by(Bill.id).order_by(Bill.bill_on.desc()).limit(bills)
    ).all()
    return [(f"{bill_on:%b %y}", int(kwh or 0), bool(estimated)) for bill_on, kwh, estimated in reversed(rows)]


def correspondence(session: Session, account_number: str) -> list[dict]:
    """Letters and e-mails sent on the account, newest first."""
    letters = session.scalars(
        select(Correspondence).join(Account, Account.id == Correspondence.account_id)
        .where(Account.account_number == account_number).order_by(Correspondence.sent_on.desc())
    ).all()
    return [{"sent_on": c.sent_on.isoformat(), "kind": c.kind, "delivery": c.delivery, "summary": c.summary}
            for c in letters]


# --- pieces ------------------------------------------------------------------------------------


def message_label() -> ui.label:
    label = ui.label().classes("font-semibold").props('role="status" aria-live="polite"')
    return label.mark("cis-message")


def show_answer(label: ui.label, answer: Answer) -> None:
    label.set_text(answer.message)
    label.classes(replace="font-semibold " + ("text-green-800" if answer.ok else "text-red-800"))


def table(rows: list[dict], marker: str) -> None:
    if not rows:
        ui.label("None.").classes("text-gray-600")
        return
    columns = [{"name": k, "label": k.replace("_", " ").capitalize(), "field": k, "align": "left"} for k in rows[0]]
    shown = [{k: ("" if v is None else (", ".join(map(str, v)) if isinstance(v, list) else v)) for k, v in r.items()}
             for r in rows]
    ui.table(columns=columns, rows=shown).props("dense flat bordered wrap-cells").classes("w-full").mark(marker)


def search_bar(backend: Backend, on_row: Callable[[dict], None], *, q: str = "", autofocus: bool = True) -> ui.input:
    """The search box, its button and the results; a click on a row calls ``on_row``."""
    with ui.row().classes("w-full items-center no-wrap gap-2"):
        box = ui.input("Search customers", value=q).props("outlined clearable" + (" autofocus" if autofocus else ""))
        box.classes("grow").mark("search")
        button = ui.button("Search").props("unelevated size=lg").mark("search-button")
    results = ui.column().classes("w-full")

    def search() -> None:
        results.clear()
        with results:
            answer = backend.run("search_customers", {"query": box.value or ""})
            if not answer.ok:
                ui.label(answer.message).classes("text-red-800 font-semibold").mark("search-message")
                return
            ui.label(answer.message + " Click a row to open it.").classes("text-gray-700").mark("search-message")
            rows = [dict(r, key=i) for i, r in enumerate(answer.data["results"])]
            grid = ui.table(columns=[{"name": k, "label": label, "field": k, "align": "left"}
                                     for k, label in SEARCH_COLUMNS], rows=rows, row_key="key")
            grid.props("dense flat bordered").classes("w-full cursor-pointer").mark("search-results")
            grid.on("rowClick", lambda e: on_row(e.args[1]))

    box.on("keydown.enter", search)
    button.on_click(search)
    if q:
        search()
    return box


def account_overview(backend: Backend, account_number: str) -> bool:
    """The account as view_account shows it, with letters and the usage chart; False if not found."""
    answer = backend.run("view_account", {"account_number": account_number})
    if not answer.ok:
        ui.label(answer.message).classes("text-red-800 font-semibold").mark("not-found")
        return False
    _overview(answer.data)
    letters = backend.read(lambda s: correspondence(s, account_number))
    with ui.expansion(f"Correspondence ({len(letters)})").classes("w-full bg-white").mark("section-correspondence"):
        table(letters, "table-correspondence")
    png(usage_chart_png(backend.read(lambda s: usage_history(s, account_number))), "Electricity use by bill")
    return True


def _overview(data: dict) -> None:
    account = data["account"]
    with ui.row().classes("items-baseline gap-x-6 gap-y-1"):
        ui.label(f"Account {account['account_number']}").classes("text-xl font-semibold").mark("account-number")
        ui.label(f"{account['customer_class']} - {account['status']}").classes("text-gray-700")
        ui.label(f"Balance {data['balance']}").classes("text-lg font-semibold").mark("balance")
        ui.label(f"Past due {data['past_due']}").classes("text-lg").mark("past-due")
    if data["alerts"]:
        with ui.row().classes("gap-2").mark("alerts"):
            for alert in data["alerts"]:
                ui.badge(alert, color="red-9").classes("text-sm p-2")
    for key, title in SECTIONS:
        rows = data.get(key) or []
        with ui.expansion(f"{title} ({len(rows)})", value=key in ("persons", "service")).classes(
                "w-full bg-white").mark(f"section-{key}"):
            table(rows, f"table-{key}")


def prefill_for(operation: str, context: dict[str, Any]) -> dict[str, Any]:
    """The values a form starts with: the account on screen, the premise picked in a search."""
    values = {k: v for k, v in context.items() if v not in (None, "")}
    if operation in NO_ACCOUNT_PREFILL:
        values.pop("account_number", None)
    return values


def action_chooser(context: Callable[[], dict[str, Any]],
                   submit: Callable[[str, dict[str, Any]], None]) -> ui.select:
    """'What do you need to do?': a select of every change the CIS can make, and its form."""
    chooser = ui.select({n: n.replace("_", " ").capitalize() for n in WRITES}, label="What do you need to do?",
                        with_input=True).props("outlined").classes("w-full max-w-xl").mark("action")
    form = ui.column().classes("w-full max-w-3xl")

    def pick() -> None:
        form.clear()
        if chooser.value:
            with form:
                operation_form(WRITES[chooser.value], prefill_for(chooser.value, context()), submit)

    chooser.on_value_change(pick)
    return chooser
