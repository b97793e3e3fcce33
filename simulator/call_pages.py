"""Call-scenario pages: the scenario list and start form, the trainee's call, the lead's
script view, the calls waiting for a lead, and the result."""

from __future__ import annotations

import secrets

from fastapi import HTTPException, Request
from fastapi.responses import JSONResponse
from nicegui import app, ui

from results.attempts import SetupError
from scenarios.loader import LibraryEntry, find_scenario, load_library
from scenarios.replay import ReplayError
from simulator import auth, call_sessions
from simulator.call_panel import TraineeCall
from simulator.call_result_view import show_call_result
from simulator.call_transcript import CHANNEL_ICONS, CHANNEL_NAMES
from simulator.cis_pages import waiting_for_template
from simulator.frame import frame
from simulator.lead_view import LeadView
from simulator.setup_form import name_input, problem_label

MODES = {"practice": "Practice: coaching after each choice, the policy at hand",
         "test": "Test: no coaching, no policy reference"}
CALLERS = {"scripted": "Scripted: you choose what to say from the options",
           "lead": "Lead-led: your lead plays the caller and scores your soft skills"}
VOICES = {"off": "Off: read the caller's lines", "captions": "Voice with captions: hear and read",
          "audio_only": "Audio only: hear the caller, no text (scripted caller)"}


def register() -> None:
    @ui.page("/calls")
    def calls(scenario: str = "") -> None:
        if auth.require("candidate", "lead", "admin") is None:  # trainees take calls; leads and HR too
            return
        with frame("Call scenarios"):
            if waiting_for_template():
                return
            _start_page(scenario)

    @app.get("/calls/{attempt_id}/actions.json")
    def call_action_log(attempt_id: str, request: Request) -> JSONResponse:
        """The call's stored action log, in the replay-file form (a golden replay is recorded this way)."""
        auth.require_route(request, "lead", "admin")  # a golden log is an answer key
        try:
            row = call_sessions.attempt(attempt_id)
        except call_sessions.CallNotFound as error:
            raise HTTPException(404, str(error)) from None
        log = {"description": f"{row.person.name}, {row.created_at:%Y-%m-%d %H:%M} UTC", "scenario": row.scenario_id,
               "caller": row.caller, "actions": call_sessions.stored_actions(attempt_id)}
        return JSONResponse(log, headers={"Content-Disposition":
                                          f'attachment; filename="{row.scenario_id}-{attempt_id[:8]}.json"'})

    @ui.page("/calls/active")
    def calls_active() -> None:
        if auth.require("lead", "admin") is None:
            return
        with frame("Calls waiting for a lead"):
            _active_calls()

    @ui.page("/calls/result/{attempt_id}")
    def call_result(attempt_id: str, version: int | None = None, regraded: int = 0) -> None:
        viewer = auth.call_page_access(attempt_id)
        if viewer is None:
            return
        if viewer == "candidate":  # an exam's call: the result goes to HR, the candidate back to the check-in
            ui.navigate.to(f"/exam?saved={attempt_id}")
            return
        with frame("Call result"):
            try:
                row = call_sessions.attempt(attempt_id)
            except call_sessions.CallNotFound:
                _not_found(attempt_id)
                return
            report = call_sessions.grade_report(attempt_id, version)
            if report is None:
                ui.label("This call has not been graded yet." if version is None else
                         f"This call has no grade version {version}.").classes("text-lg").mark("not-graded")
                ui.button("Back to the call", on_click=lambda: ui.navigate.to(f"/calls/{attempt_id}"))
                return
            show_call_result(row, report, regraded=bool(regraded))

    @ui.page("/calls/{attempt_id}/lead")
    def lead_page(attempt_id: str, code: str = "") -> None:
        if auth.require("lead", "admin") is None:  # the script holds the caller's facts and the expected answers
            return
        with frame(f"Lead view: {_title(attempt_id, by_attempt=True)}", wide=True):
            try:
                row = call_sessions.attempt(attempt_id)
            except call_sessions.CallNotFound:
                _not_found(attempt_id)
                return
            if not code or not secrets.compare_digest(code.encode(), row.lead_code.encode()):
                _refused(attempt_id, bool(code))
                return
            if row.caller != "lead":
                ui.label("This call has a scripted caller: there is nothing for a lead to play.").classes(
                    "text-lg").mark("refused")
                return
            if row.status == "graded":
                ui.navigate.to(f"/calls/result/{attempt_id}")
                return
            live = _live_or_explain(attempt_id)
            if live is not None:
                LeadView(row, live.call).build(live.call)

    @ui.page("/calls/{attempt_id}")
    def trainee_page(attempt_id: str, request: Request) -> None:
        viewer = auth.call_page_access(attempt_id)
        if viewer is None:
            return
        try:
            row = call_sessions.attempt(attempt_id)
        except call_sessions.CallNotFound:
            with frame("Call"):
                _not_found(attempt_id)
            return
        if row.status == "graded":
            ui.navigate.to(f"/exam?saved={attempt_id}" if viewer == "candidate" else f"/calls/result/{attempt_id}")
            return
        if viewer == "candidate":
            from simulator.exam_pages import _exam_page

            _exam_page()  # the candidate stays on the exam: the header's links are hidden
        with frame(f"Call: {_title(row.scenario_id)}", wide=True):
            live = _live_or_explain(attempt_id)
            if live is not None:
                TraineeCall(row, live.call, str(request.base_url)).build()


def _title(scenario_id: str, *, by_attempt: bool = False) -> str:
    """The scenario's title for a page heading (its id when it cannot be read)."""
    if by_attempt:
        try:
            scenario_id = call_sessions.attempt(scenario_id).scenario_id
        except call_sessions.CallNotFound:
            return "no such call"
    entry = find_scenario(scenario_id)
    return entry.scenario.title if entry is not None else scenario_id


def _not_found(attempt_id: str) -> None:
    ui.label(f"There is no call {attempt_id}.").classes("text-lg").mark("not-found")
    ui.button("Call scenarios", on_click=lambda: ui.navigate.to("/calls")).props("unelevated")


def _refused(attempt_id: str, given: bool) -> None:
    with ui.card().classes("w-full max-w-2xl p-4 bg-amber-50").mark("refused"):
        ui.label("That lead code is not right for this call." if given else "The lead view needs the call's lead "
                 "code.").classes("text-lg font-semibold")
        ui.label("The link with the right code is on the trainee's call screen. You can also type the code the "
                 "trainee reads out to you here.")
        box = ui.input("Lead code").props("outlined autofocus").classes("w-80").mark("lead-code-input")

        def go() -> None:
            ui.navigate.to(f"/calls/{attempt_id}/lead?code={(box.value or '').strip()}")

        box.on("keydown.enter", go)
        ui.button("Open the lead view", on_click=go).props("unelevated")


def _live_or_explain(attempt_id: str) -> call_sessions.LiveCall | None:
    try:
        return call_sessions.live_call(attempt_id)
    except call_sessions.CallNotFound as error:
        ui.label(str(error)).classes("text-lg").mark("not-found")
    except (ReplayError, SetupError) as error:
        ui.label(f"This call cannot be rebuilt: {error}").classes("text-lg text-red-800").mark("not-found")
    return None


# --- the scenario list and the start form ----------------------------------------------------


def _start_page(chosen: str) -> None:
    entries = load_library()
    valid = [e for e in entries if e.valid]
    ui.label("Take a customer's call and work it in the CIS; the call is graded when you wrap up. Choose a "
             "scenario, then start.").classes("text-gray-700")
    with ui.row().classes("gap-4 text-sm"):
        ui.link("Leading a call? Calls waiting for a lead", "/calls/active").mark("active-link")
        ui.link("Training progress", "/progress")
    options = {e.id: f"{e.scenario.title} ({e.scenario.difficulty}, {CHANNEL_NAMES[e.scenario.channel].lower()})"
               for e in valid}
    with ui.card().classes("w-full max-w-5xl p-6 gap-3").mark("start-form"):
        ui.label("Start a call").classes("text-xl font-semibold")
        name = name_input()
        scenario = ui.select(options, label="Scenario", value=chosen if chosen in options else
                             (next(iter(options)) if options else None)).props("outlined").classes("w-full")
        scenario.mark("scenario")
        with ui.grid(columns=3).classes("w-full gap-4 start-choices"):
            mode = _choice("Mode", MODES, "practice", "mode")
            caller = _choice("Caller", CALLERS, "scripted", "caller")
            voice = _choice("Caller's voice", VOICES, "off", "voice")
        problem = problem_label()

        def start() -> None:
            try:
                attempt_id = call_sessions.start_call(name.value or "", scenario.value or "", mode=mode.value,
                                                      caller=caller.value, voice=voice.value)
            except SetupError as error:
                problem.set_text(str(error))
                return
            except ValueError as error:  # the scenario's fixture or amounts do not fit this CIS
                problem.set_text(f"This scenario could not be set up on the practice CIS: {error}")
                return
            app.storage.user["name"] = " ".join((name.value or "").split())
            ui.navigate.to(f"/calls/{attempt_id}")

        ui.button("Start the call", icon="call", on_click=start).props("unelevated size=lg").mark("start-call")
        name.on("keydown.enter", start)

    ui.label(f"The scenarios ({len(valid)} ready" + (f", {len(entries) - len(valid)} invalid)" if
                                                    len(entries) > len(valid) else ")")).classes(
        "text-xl font-semibold mt-4")
    with ui.column().classes("w-full gap-3").mark("scenario-list"):
        for entry in entries:
            _scenario_card(entry, scenario)


def duty_name(duty: str) -> str:
    return " ".join("CIS" if word == "cis" else word for word in duty.split("_"))


def _choice(title: str, options: dict[str, str], value: str, marker: str) -> ui.radio:
    with ui.column().classes("gap-1").props(f'role="group" aria-label="{title}"'):
        ui.label(title).classes("font-semibold")
        return ui.radio(options, value=value).props("dense").classes("gap-2").mark(marker)


def _scenario_card(entry: LibraryEntry, select: ui.select) -> None:
    if not entry.valid:
        with ui.card().classes("w-full p-4 gap-1 bg-amber-50").mark(f"scenario-invalid-{entry.path.stem}"):
            with ui.row().classes("items-center gap-2"):
                ui.badge("invalid", color="red-9")
                ui.label(entry.path.name).classes("font-mono font-semibold")
            first = entry.problems[0] if entry.problems else "unreadable"
            ui.label(f"First problem: {first}").classes("text-sm text-red-900 break-all")
            ui.label(f"{len(entry.problems)} problem(s) in all; `csr-sim scenario validate` lists them.").classes(
                "text-sm text-gray-700")
        return
    s = entry.scenario
    with ui.card().classes("w-full p-4 gap-1").mark(f"scenario-{s.id}"):
        with ui.row().classes("w-full items-center justify-between no-wrap"):
            with ui.row().classes("items-center gap-2 no-wrap"):
                ui.icon(CHANNEL_ICONS[s.channel], size="1.6rem").classes("text-primary")
                ui.label(s.title).classes("text-lg font-semibold")
                ui.badge(s.difficulty, color="blue-grey-8").props("outline")
            ui.button("Choose", on_click=lambda i=s.id: (select.set_value(i), select.run_method("focus"),
                                                          ui.run_javascript("window.scrollTo(0, 0)"))).props(
                "outline no-caps").mark(f"choose-{s.id}")
        ui.label(f"{s.id} - {CHANNEL_NAMES[s.channel]} - target handle time {s.target_handle_time_s // 60} min"
                 ).classes("text-sm text-gray-700")
        ui.label(s.summary)
        ui.label("Duties: " + ", ".join(duty_name(d) for d in s.duties)).classes("text-sm text-gray-700")


def _active_calls() -> None:
    waiting = [r for r in call_sessions.calls_of() if r["caller"] == "lead" and r["status"] != "graded"]
    titles = {e.id: e.scenario.title for e in load_library() if e.valid}
    ui.label("Lead-led calls that are not graded yet. Open one with the lead code shown on the trainee's call "
             "screen.").classes("text-gray-700")
    if not waiting:
        ui.label("No lead-led call is open. A trainee starts one from Call scenarios with 'Lead-led'.").classes(
            "text-lg").mark("no-active")
        ui.button("Call scenarios", on_click=lambda: ui.navigate.to("/calls")).props("unelevated")
        return
    with ui.column().classes("w-full gap-3").mark("active-calls"):
        for row in waiting:
            with ui.card().classes("w-full p-4"), ui.row().classes("w-full items-center gap-4"):
                with ui.column().classes("gap-0 grow"):
                    ui.label(f"{row['person']} - {titles.get(row['scenario_id'], row['scenario_id'])}").classes(
                        "font-semibold")
                    ui.label(f"Started {row['started']:%d %b %Y %H:%M} UTC - {row['status'].replace('_', ' ')}"
                             ).classes("text-sm text-gray-700")
                box = ui.input("Lead code").props("outlined dense").classes("w-56").mark(f"code-{row['id']}")

                def go(b: ui.input = box, attempt_id: str = row["id"]) -> None:
                    ui.navigate.to(f"/calls/{attempt_id}/lead?code={(b.value or '').strip()}")

                box.on("keydown.enter", lambda _e, go=go: go())
                ui.button("Open the lead view", on_click=lambda _e, go=go: go()).props("unelevated no-caps")
