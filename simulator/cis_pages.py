"""The practice Customer Information System: search, account overview, every operation.

Each browser works in its own sandbox copy of the seeded CIS, so practice never touches
anyone else's data. Every look-up and change goes through fake_cis.operations, which
validates, records it in the audit trail and answers with a message shown here.
"""

from __future__ import annotations

import uuid
from typing import Any

from nicegui import app, ui
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from fake_cis.database import open_sandbox
from fake_cis.models import Account, Bill, BillSegment, Correspondence
from fake_cis.operations import OPERATIONS, OperationResult, run
from results.charts import usage_chart_png
from simulator.cis_template import STATE, ensure_template
from simulator.result_widgets import png
from simulator.frame import frame
from simulator.operation_form import operation_form

ACTOR = "trainee"
# The account overview's sections, in the order a CSR reads them.
SECTIONS = (
    ("persons", "People on the account"), ("service", "Service"), ("deposits", "Deposits"),
    ("arrangements", "Payment arrangements"), ("open_orders", "Open service orders"), ("programs", "Programs"),
    ("bankruptcy_cases", "Bankruptcy"), ("collection_events", "Collections"), ("recent_bills", "Recent bills"),
    ("recent_payments", "Recent payments"), ("recent_ledger", "Ledger"), ("recent_notes", "Notes and contacts"),
)


def _sandbox_session() -> Session:
    run_id = app.storage.user.get("cis_sandbox")
    if not run_id:
        run_id = app.storage.user["cis_sandbox"] = f"practice-{uuid.uuid4().hex}"
    return Session(open_sandbox(run_id), expire_on_commit=False)


def call(operation: str, arguments: dict[str, Any]) -> OperationResult:
    with _sandbox_session() as session:
        return run(session, operation, arguments, actor=ACTOR)


def usage_history(account_number: str, bills: int = 24) -> list[tuple[str, int, bool]]:
    """kWh of the account's last bills, oldest first, with the estimated-read mark (a read-only query)."""
    with _sandbox_session() as session:
        rows = session.execute(
            select(Bill.bill_on, func.sum(BillSegment.kwh), Bill.estimated)
            .join(BillSegment, BillSegment.bill_id == Bill.id).join(Account, Account.id == Bill.account_id)
            .where(Account.account_number == account_number, Bill.canceled_on.is_(None))
            .group_by(Bill.id).order_by(Bill.bill_on.desc()).limit(bills)
        ).all()
    return [(f"{bill_on:%b %y}", int(kwh or 0), bool(estimated)) for bill_on, kwh, estimated in reversed(rows)]


def correspondence(account_number: str) -> list[dict]:
    """Letters and e-mails sent on the account, newest first (a read-only query)."""
    with _sandbox_session() as session:
        letters = session.scalars(
            select(Correspondence).join(Account, Account.id == Correspondence.account_id)
            .where(Account.account_number == account_number).order_by(Correspondence.sent_on.desc())
        ).all()
    return [{"sent_on": c.sent_on.isoformat(), "kind": c.kind, "delivery": c.delivery, "summary": c.summary}
            for c in letters]


def _waiting_for_template() -> bool:
    """While the practice CIS is being prepared, show its progress instead of the page."""
    if STATE.ready:
        return False
    ensure_template()
    ui.label("The practice Customer Information System is being prepared (this happens once).").classes("text-lg")
    bar = ui.linear_progress(value=STATE.fraction, show_value=False).classes("max-w-xl").mark("seeding")
    note = ui.label(STATE.message)

    def update() -> None:
        if STATE.error:
            note.set_text(f"Preparing failed: {STATE.error}")
        elif STATE.ready:
            ui.navigate.reload()
        else:
            bar.set_value(STATE.fraction)
            note.set_text(f"{STATE.fraction:.0%} - {STATE.message}")

    ui.timer(0.5, update)
    return True


def _table(rows: list[dict], marker: str) -> None:
    if not rows:
        ui.label("None.").classes("text-gray-600")
        return
    columns = [{"name": k, "label": k.replace("_", " ").capitalize(), "field": k, "align": "left"} for k in rows[0]]
    shown = [{k: ("" if v is None else (", ".join(map(str, v)) if isinstance(v, list) else v)) for k, v in r.items()}
             for r in rows]
    ui.table(columns=columns, rows=shown).props("dense flat bordered wrap-cells").classes("w-full").mark(marker)


def register() -> None:
    @ui.page("/cis")
    def cis_search(q: str = "") -> None:
        with frame("Customer Information System (practice)"):
            if _waiting_for_template():
                return
            ui.label("Your own practice copy of the utility's records: nothing you do here reaches anyone else. "
                     "Search by name, account number, phone or service address. Press / to jump to the search box."
                     ).classes("text-gray-700")
            with ui.row().classes("w-full items-center no-wrap gap-2"):
                box = ui.input("Search customers", value=q).props("autofocus outlined clearable").classes("grow")
                box.mark("search")
                search_button = ui.button("Search").props("unelevated size=lg").mark("search-button")
            results = ui.column().classes("w-full")

            def search() -> None:
                results.clear()
                with results:
                    answer = call("search_customers", {"query": box.value or ""})
                    if not answer.ok:
                        ui.label(answer.message).classes("text-red-800 font-semibold").mark("cis-message")
                        return
                    ui.label(answer.message).classes("text-gray-700").mark("cis-message")
                    rows = answer.data["results"]
                    table = ui.table(columns=[{"name": k, "label": label, "field": k, "align": "left"} for k, label in (
                        ("name", "Name"), ("role", "Role"), ("account_number", "Account"),
                        ("account_status", "Status"), ("customer_class", "Class"),
                        ("service_address", "Service address"), ("opened_on", "Opened"), ("closed_on", "Closed"))],
                        rows=rows, row_key="account_number").props("dense flat bordered").classes("w-full")
                    table.mark("search-results")
                    table.on("rowClick", lambda e: e.args[1].get("account_number") and ui.navigate.to(
                        f"/cis/account/{e.args[1]['account_number']}"))

            box.on("keydown.enter", search)
            search_button.on_click(search)
            ui.keyboard(lambda e: box.run_method("focus") if e.key == "/" and e.action.keydown else None)
            if q:
                search()

    @ui.page("/cis/account/{account_number}")
    def cis_account(account_number: str) -> None:
        with frame("Account"):
            if _waiting_for_template():
                return
            overview = ui.column().classes("w-full gap-2")
            message = ui.label().classes("font-semibold").props('role="status" aria-live="polite"')
            message.mark("cis-message")

            def show() -> None:
                overview.clear()
                with overview:
                    answer = call("view_account", {"account_number": account_number})
                    if not answer.ok:
                        ui.label(answer.message).classes("text-red-800 font-semibold").mark("not-found")
                        return
                    _overview(answer.data)
                    letters = correspondence(account_number)
                    with ui.expansion(f"Correspondence ({len(letters)})").classes("w-full bg-white").mark(
                            "section-correspondence"):
                        _table(letters, "table-correspondence")
                    png(usage_chart_png(usage_history(account_number)), "Electricity use by bill")

            def submit(operation: str, arguments: dict[str, Any]) -> None:
                answer = call(operation, arguments)
                message.set_text(answer.message)
                message.classes(replace="font-semibold " + ("text-green-800" if answer.ok else "text-red-800"))
                if answer.ok:
                    show()

            show()
            ui.label("Actions").classes("text-xl font-semibold mt-4")
            writes = {name: op for name, op in OPERATIONS.items() if op.kind == "write"}
            chooser = ui.select({n: n.replace("_", " ").capitalize() for n in writes}, label="What do you need to do?",
                                with_input=True).props("outlined").classes("w-full max-w-xl").mark("action")
            form = ui.column().classes("w-full max-w-3xl")

            def pick() -> None:
                form.clear()
                if chooser.value:
                    with form:
                        operation_form(writes[chooser.value], {"account_number": account_number}, submit)

            chooser.on_value_change(pick)

            def shortcut(event) -> None:
                # CSRs type while they talk: Alt+N starts a note, Alt+S goes back to search.
                if not event.action.keydown or not event.modifiers.alt:
                    return
                if event.key == "n" and "add_note" in writes:
                    chooser.set_value("add_note")
                elif event.key == "s":
                    ui.navigate.to("/cis")

            ui.keyboard(shortcut, ignore=[])
            ui.label("Shortcuts: Alt+N add a note, Alt+S search, Enter in a form does it.").classes(
                "text-sm text-gray-600")


def _overview(data: dict) -> None:
    account = data["account"]
    with ui.row().classes("items-baseline gap-6"):
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
            _table(rows, f"table-{key}")
