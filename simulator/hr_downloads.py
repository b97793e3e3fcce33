"""Downloads and the printable summary of a session (admins only): the session's attempts as
CSV, one attempt's score report as PDF (with the session's proctor and the candidate's
accommodations), and a summary page to print for the session's paper file."""

from __future__ import annotations

from fastapi import HTTPException, Request
from fastapi.responses import Response
from nicegui import app, ui
from sqlalchemy import select

from assessments import audit, exams
from assessments.errors import NotFound
from assessments.models import ComponentAttempt, ExamSession, RosterEntry
from results.certificates import facts_for, render_pdf
from results.database import session_factory
from results.exports import attempts_csv, summary_rows
from simulator import auth
from simulator.frame import frame
from simulator.hr_common import ENTRY_STATUS, PRINT_CSS, accommodations, back_link, local_time, session_title


def session_attempt_ids(session, session_id: int) -> list[str]:
    """Every attempt of a session's candidates (warm-ups too), roster order then start order."""
    return list(session.scalars(
        select(ComponentAttempt.attempt_id).join(RosterEntry, ComponentAttempt.roster_entry_id == RosterEntry.id)
        .where(RosterEntry.session_id == session_id).order_by(RosterEntry.id, ComponentAttempt.id)))


def register() -> None:
    @app.get("/hr/sessions/{session_id}/attempts.csv")
    def session_csv(session_id: int, request: Request) -> Response:
        auth.require_route(request, "admin")
        with session_factory()() as session:
            if session.get(ExamSession, session_id) is None:
                raise HTTPException(404, f"There is no exam session {session_id}.")
            text = attempts_csv(session, session_attempt_ids(session, session_id))
        return Response("\ufeff" + text, media_type="text/csv; charset=utf-8", headers={
            "Content-Disposition": f'attachment; filename="exam-session-{session_id}-attempts.csv"',
            "Cache-Control": "no-store"})

    @app.get("/hr/attempts/{attempt_id}/report.pdf")
    def attempt_pdf(attempt_id: str, request: Request) -> Response:
        auth.require_route(request, "admin")
        with session_factory()() as session:
            link = session.scalars(select(ComponentAttempt).where(ComponentAttempt.attempt_id == attempt_id)).first()
            proctor = notes = None
            if link is not None:
                entry = session.get(RosterEntry, link.roster_entry_id)
                proctor, notes = entry.exam_session.proctor.username, accommodations(entry)
            try:
                facts = facts_for(session, attempt_id, proctor=proctor, accommodations=notes)
            except LookupError as error:
                raise HTTPException(404, str(error)) from None
        return Response(render_pdf(facts), media_type="application/pdf", headers={
            "Content-Disposition": f'attachment; filename="score-report-{attempt_id}.pdf"',
            "Cache-Control": "no-store"})

    @ui.page("/hr/sessions/{session_id}/summary")
    def summary_page(session_id: int) -> None:
        if auth.require("admin") is None:
            return
        with frame("Exam session summary"):
            ui.add_head_html(PRINT_CSS)
            back_link("Back to the session", f"/hr/sessions/{session_id}")
            _summary(session_id)


def _summary(session_id: int) -> None:
    with session_factory()() as session:
        try:
            row = exams.get_session(session, session_id)
        except NotFound:
            ui.label(f"There is no exam session {session_id}.").classes("text-lg").mark("not-found")
            return
        ui.button("Print", icon="print", on_click=lambda: ui.run_javascript("window.print()")).props(
            "unelevated").classes("no-print").mark("print")
        rows = summary_rows(session, session_attempt_ids(session, session_id))
        chain = audit.verify_chain(session)
        with ui.column().classes("print-area w-full gap-3").mark("summary"):
            ui.label(f"Exam session {row.id}: {session_title(row)}").classes("text-xl font-semibold")
            ui.label(f"Proctor: {row.proctor.username}. Status: {row.status}. Printed {local_time(_now())}.")
            ui.label("Candidates").classes("text-lg font-semibold")
            _table(("Candidate", "Accommodations", "Status"),
                   [(e.name, accommodations(e), ENTRY_STATUS[e.status]) for e in row.roster], "summary-roster")
            ui.label("Attempts (the first score of each attempt is the one that stands)").classes(
                "text-lg font-semibold")
            if rows:
                _table(rows[0].HEADINGS, [r.cells() for r in rows], "summary-attempts")
            else:
                ui.label("No tests have been taken in this session.")
            ui.label("Audit chain at printing").classes("text-lg font-semibold")
            ui.label(chain.summary()).classes("hash").mark("summary-chain")
            ui.label("Later, the record with this sequence number must still have this hash.").classes(
                "text-sm text-gray-700")
            ui.label("Proctor's signature: ______________________    Date: ____________").classes("mt-8")


def _now():
    from results.models import utcnow

    return utcnow()


def _table(headings, rows, marker: str) -> None:
    columns = [{"name": str(i), "label": h, "field": str(i), "align": "left"} for i, h in enumerate(headings)]
    data = [{"id": n, **{str(i): v for i, v in enumerate(r)}} for n, r in enumerate(rows)]
    ui.table(columns=columns, rows=data, row_key="id").props("flat bordered dense hide-pagination").classes(
        "w-full").mark(marker)
