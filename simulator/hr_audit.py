"""The audit chain (admins): its records, newest first, and a check that it is whole."""

from __future__ import annotations

import json
from urllib.parse import quote

from nicegui import ui
from sqlalchemy import func, select

from assessments import audit
from assessments.models import AuditRecord
from results.database import session_factory
from simulator import auth
from simulator.frame import frame
from simulator.hr_common import PRINT_CSS, back_link, local_time

PAGE_SIZE = 200


def register() -> None:
    @ui.page("/hr/audit")
    def audit_page(before: int = 0, subject: str = "") -> None:
        if auth.require("admin") is None:
            return
        with frame("Audit chain", wide=True):
            ui.add_head_html(PRINT_CSS)
            back_link("HR exams and results", "/hr")
            _verify_box()
            _records(before, subject.strip())


def _verify_box() -> None:
    ui.label("Every HR action is a record chained to the one before by its hash, so changing, removing or "
             "reordering a record breaks the chain from there on. Note the head's number and hash now and then "
             "(for example on a session's printed summary): later, that record must still have that hash."
             ).classes("text-gray-700")
    result = ui.column().classes("w-full")

    def verify() -> None:
        with session_factory()() as session:
            report = audit.verify_chain(session)
        result.clear()
        with result, ui.card().classes("w-full p-4 " + ("bg-green-50" if report.intact else "bg-red-50")).props(
                'role="status"').mark("chain-report"):
            ui.label("The chain is intact." if report.intact else
                     f"The chain is BROKEN at record {report.broken_at}: {report.reason}.").classes(
                "text-lg font-semibold").mark("chain-intact" if report.intact else "chain-broken")
            ui.label(report.summary()).classes("hash")

    ui.button("Verify the chain", on_click=verify).props("unelevated").mark("verify-chain")


def _details(details_json: str) -> str:
    """'key: value, ...' for a flat record; nested values stay JSON."""
    try:
        details = json.loads(details_json)
    except ValueError:
        return details_json
    if not isinstance(details, dict):
        return details_json
    flat = (str, int, float, bool, type(None))
    return ", ".join(f"{key}: {value if isinstance(value, flat) else json.dumps(value)}"
                     for key, value in details.items()) or "-"


def _records(before: int, subject: str) -> None:
    with session_factory()() as session:
        query = select(AuditRecord).order_by(AuditRecord.seq.desc()).limit(PAGE_SIZE)
        if before > 0:
            query = query.where(AuditRecord.seq < before)
        if subject:
            query = query.where(AuditRecord.subject == subject)
        records = session.scalars(query).all()
        total = session.scalar(select(func.count()).select_from(AuditRecord))
    with ui.row().classes("w-full items-center justify-between mt-4"):
        ui.label(f"{total} records" + (f"; showing those about {subject}" if subject else "")).classes(
            "text-lg font-semibold")
        with ui.row().classes("items-center gap-2"):
            about = ui.input("About (e.g. roster_entry:12)", value=subject).props("outlined dense").classes(
                "w-72").mark("audit-subject")

            def show() -> None:
                ui.navigate.to(f"/hr/audit?subject={quote((about.value or '').strip())}")

            about.on("keydown.enter", show)
            ui.button("Show", on_click=show).props("outline")
            if subject:
                ui.link("Show every record", "/hr/audit")
    rows = [{"seq": r.seq, "at": local_time(r.at), "actor": r.actor, "action": r.action, "subject": r.subject,
             "details": _details(r.details_json), "hash": r.hash[:16] + "..."} for r in records]
    ui.table(columns=[
        {"name": "seq", "label": "#", "field": "seq", "align": "right"},
        {"name": "at", "label": "When (local)", "field": "at", "align": "left"},
        {"name": "actor", "label": "Who", "field": "actor", "align": "left"},
        {"name": "action", "label": "Action", "field": "action", "align": "left"},
        {"name": "subject", "label": "About", "field": "subject", "align": "left"},
        {"name": "details", "label": "Details", "field": "details", "align": "left",
         "style": "white-space: normal; word-break: break-word; max-width: 28rem"},
        {"name": "hash", "label": "Hash", "field": "hash", "align": "left", "classes": "hash"},
    ], rows=rows, row_key="seq").props("flat bordered dense").classes("w-full").mark("audit-table")
    if records and records[-1].seq > 1:
        target = f"/hr/audit?before={records[-1].seq}" + (f"&subject={quote(subject)}" if subject else "")
        ui.link(f"Older records (before #{records[-1].seq})", target).mark("older")
