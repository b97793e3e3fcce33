"""The station check page (opened on the workstation by ``csr-sim station-check``), the route its
script posts keys to, and the list of a session's station checks for HR."""

from __future__ import annotations

import json

from fastapi import Request
from fastapi.responses import JSONResponse
from nicegui import app, ui

from assessments.errors import InvalidInput, NotFound, NotPermitted
from assessments.exams import get_session
from assessments.station_checks import StationCheck, list_checks, parse_batch, receive_batch
from results.database import session_factory
from simulator.frame import frame

STATUS_WORDS = {"running": "checking...", "passed": "passed", "failed": "FAILED"}


def check_url(check: StationCheck) -> str:
    return f"/station-check/{check.id}?token={check.token}"


def register() -> None:
    @app.post("/api/station-checks/{check_id}/events")
    async def receive(check_id: int, request: Request) -> JSONResponse:
        try:
            batch = parse_batch(await request.body())
            with session_factory()() as session:
                receipt = receive_batch(session, check_id, batch)
        except InvalidInput as error:
            return JSONResponse({"detail": str(error)}, status_code=422)
        except NotFound as error:
            return JSONResponse({"detail": str(error)}, status_code=404)
        except NotPermitted as error:
            return JSONResponse({"detail": str(error)}, status_code=403)
        if receipt.duplicate:
            return JSONResponse({"detail": f"batch {receipt.seq} is already stored", "duplicate": True},
                                status_code=409)
        return JSONResponse({"stored": receipt.seq})

    @ui.page("/station-check/{check_id}")
    def station_check_page(check_id: int, token: str = "") -> None:
        with frame("Station check"):
            with session_factory()() as session:
                check = session.get(StationCheck, check_id)
                if check is None or token != check.token:
                    ui.label("This station check link is not valid. Start the check again with "
                             "csr-sim station-check.").classes("text-lg").mark("invalid")
                    return
                exam_session = get_session(session, check.session_id)
                _check_screen(check, exam_session)

    @ui.page("/sessions/{exam_session_id}/stations")
    def station_list_page(exam_session_id: int) -> None:
        from simulator.auth import require

        if require("admin", "lead") is None:
            return
        with frame("Station checks"):
            with session_factory()() as session:
                try:
                    exam_session = get_session(session, exam_session_id)
                except NotFound:
                    ui.label(f"There is no exam session {exam_session_id}.").mark("not-found")
                    return
                ui.label(f"Exam session {exam_session.id}: {exam_session.profile.name}, {exam_session.day:%d %b %Y}, "
                         f"{exam_session.place}").classes("text-gray-700")
                station_checks_table(session, exam_session.id)
                ui.markdown("To check a workstation, run on it: "
                            f"`csr-sim station-check --session {exam_session.id} --station \"NAME\"`")


def _check_screen(check: StationCheck, exam_session) -> None:
    ui.label(f"Station {check.station} - exam session {exam_session.id} ({exam_session.profile.name}, "
             f"{exam_session.day:%d %b %Y}, {exam_session.place})").classes("text-gray-700").mark("station")
    ui.markdown("This page checks that the keyboard of this workstation reaches the tests whole and on time. "
                "**Click in the box below, then keep your hands off the keyboard**: the check types a short "
                "sequence by itself, letters first, then numbers on the numeric keypad.")
    area = ui.element("textarea").classes("typing-area").mark("station-area").props(
        'autocomplete="off" autocorrect="off" autocapitalize="off" spellcheck="false" '
        'aria-label="Station check: keys arrive here"')
    count = ui.label("No keys received yet.").classes("text-gray-700").mark("count")
    verdict = ui.label("Waiting for the check to type.").classes("text-lg font-semibold").props(
        'role="status" aria-live="polite"').mark("verdict")

    def show_outcome() -> None:
        with session_factory()() as session:
            row = session.get(StationCheck, check.id)
            if row is None or row.status == "running":
                return
            if row.status == "passed":
                errors = row.figures.get("interval_abs_error_ms") or {}
                verdict.set_text(f"This station passed the check: all {row.figures.get('keys_sent')} keys "
                                 f"arrived, timing kept within {errors.get('p99', 0):.2f} ms (99th percentile), "
                                 "and the keypad reports as a keypad.")
                verdict.classes(replace="text-lg font-semibold text-green-900")
            else:
                verdict.set_text(f"This station FAILED the check. {row.reason}")
                verdict.classes(replace="text-lg font-semibold text-red-800")
        poll.cancel()

    poll = ui.timer(0.5, show_outcome)
    config = {"checkId": check.id, "token": check.token, "areaId": area.html_id, "countId": count.html_id}
    ui.add_body_html('<script src="/static/station_check.js"></script>')
    ui.add_body_html(
        "<script>(function wait(){const c=" + json.dumps(config).replace("</", "<\\/") + ";"
        "if(window.StationCheck&&document.getElementById(c.areaId)){window.StationCheck.start(c);}"
        "else{setTimeout(wait,50);}})();</script>")


def station_checks_table(session, exam_session_id: int) -> None:
    """Each station check of a session, newest first, failing ones with their reason."""
    checks = list_checks(session, exam_session_id)
    if not checks:
        ui.label("No station has been checked for this session yet.").mark("no-station-checks")
        return
    rows = []
    for check in checks:
        errors = check.figures.get("interval_abs_error_ms") or {}
        rows.append({
            "id": check.id, "station": check.station, "when": f"{check.started_at:%d %b %Y %H:%M} UTC",
            "result": STATUS_WORDS.get(check.status, check.status),
            "keys": (f"{check.figures.get('keydowns_received', 0)} of {check.figures.get('keys_sent', 0)}"
                     if check.figures else "-"),
            "p99": f"{errors['p99']:.2f} ms" if "p99" in errors else "-",
            "reason": check.reason or ("" if check.status != "passed" else "-"), "by": check.started_by,
        })
    columns = [{"name": k, "label": label, "field": k, "align": "left"} for k, label in (
        ("station", "Station"), ("when", "Checked"), ("result", "Result"), ("keys", "Keys arrived"),
        ("p99", "Timing error (p99)"), ("reason", "Why it failed"), ("by", "Checked by"))]
    ui.table(columns=columns, rows=rows, row_key="id").classes("w-full").props("dense flat bordered wrap-cells").mark(
        "station-checks")
