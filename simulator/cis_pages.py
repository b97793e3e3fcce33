"""The practice Customer Information System: search, account overview, every operation.

Each browser works in its own sandbox copy of the seeded CIS, so practice never touches
anyone else's data. Every look-up and change goes through fake_cis.operations, which
validates, records it in the audit trail and answers with a message shown here. The
screens themselves are the pieces in simulator/cis_workspace.py, which a call's CIS
panel shares (there every operation is recorded in the call's log instead).
"""

from __future__ import annotations

import uuid
from typing import Any

from nicegui import app, ui

from simulator import auth
from simulator.cis_template import STATE, ensure_template
from simulator.cis_workspace import (
    SandboxBackend,
    account_overview,
    action_chooser,
    message_label,
    search_bar,
    show_answer,
)
from simulator.frame import frame


def practice_backend() -> SandboxBackend:
    """This browser's own practice sandbox."""
    run_id = app.storage.user.get("cis_sandbox")
    if not run_id:
        run_id = app.storage.user["cis_sandbox"] = f"practice-{uuid.uuid4().hex}"
    return SandboxBackend(run_id)


def waiting_for_template() -> bool:
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


def register() -> None:
    @ui.page("/cis")
    def cis_search(q: str = "") -> None:
        if auth.require("candidate", "lead", "admin") is None:  # trainees, leads and HR
            return
        with frame("Customer Information System (practice)"):
            if waiting_for_template():
                return
            ui.label("Your own practice copy of the utility's records: nothing you do here reaches anyone else. "
                     "Search by name, account number, phone or service address. Press / to jump to the search box."
                     ).classes("text-gray-700")

            def open_row(row: dict) -> None:
                if row.get("account_number"):
                    ui.navigate.to(f"/cis/account/{row['account_number']}")
                else:
                    ui.notify(f"Premise {row.get('premise_id')} has no account to open (nobody is served there).")

            box = search_bar(practice_backend(), open_row, q=q)
            ui.keyboard(lambda e: box.run_method("focus") if e.key == "/" and e.action.keydown else None)

    @ui.page("/cis/account/{account_number}")
    def cis_account(account_number: str) -> None:
        if auth.require("candidate", "lead", "admin") is None:
            return
        with frame("Account"):
            if waiting_for_template():
                return
            backend = practice_backend()
            overview = ui.column().classes("w-full gap-2")
            message = message_label()

            def show() -> None:
                overview.clear()
                with overview:
                    account_overview(backend, account_number)

            def submit(operation: str, arguments: dict[str, Any]) -> None:
                answer = backend.run(operation, arguments)
                show_answer(message, answer)
                if answer.ok:
                    show()

            show()
            ui.label("Actions").classes("text-xl font-semibold mt-4")
            chooser = action_chooser(lambda: {"account_number": account_number}, submit)

            def shortcut(event) -> None:
                # CSRs type while they talk: Alt+N starts a note, Alt+S goes back to search.
                if not event.action.keydown or not event.modifiers.alt:
                    return
                if event.key == "n":
                    chooser.set_value("add_note")
                elif event.key == "s":
                    ui.navigate.to("/cis")

            ui.keyboard(shortcut, ignore=[])
            ui.label("Shortcuts: Alt+N add a note, Alt+S search, Enter in a form does it.").classes(
                "text-sm text-gray-600")
