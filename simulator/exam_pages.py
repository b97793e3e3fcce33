"""The candidate's side of an exam session: check in with the access code, see what to take,
take each test, and be told when everything is done.

A candidate does not sign in. ``/exam`` asks for the one-time code from their slip
(``assessments.codes.redeem_code``, throttled per client address); a right code binds this
browser to their roster entry (``simulator.auth.bind_exam_entry``), and ``/exam`` then shows
the check-in: their name, the session, each test with its time, where they stand on it and
what happens when they start it. Tests are taken on ``/exam/test/{attempt}`` (the typing or
10-key screen with the profile's settings and the candidate's accommodations), which comes
back to the check-in when the test ends. A call scenario component is a test-mode call with a
scripted caller on ``/calls/{call}`` (the only call page an exam-bound browser may open); once it
is wrapped up and graded the candidate comes back to the check-in.

Scores are not shown to the candidate: in a proctored exam the result goes to HR, who
reviews it (flags, incidents, the replay) before it is given out; the candidate is told
that each test was saved, and at the end to tell the proctor they are done.
"""

from __future__ import annotations

from nicegui import context, ui
from sqlalchemy import select
from sqlalchemy.orm import Session

from assessments import codes
from assessments.errors import NotFound, NotPermitted
from assessments.exam_attempts import (
    CALL_COMPONENT,
    LABELS,
    WARM_UP_SECONDS,
    ComponentState,
    can_start,
    component_states,
    is_voided,
    record_call_component,
    resume_granted,
    start_component,
)
from assessments.exams import effective_duration
from assessments.models import ComponentAttempt, ExamComponent, RosterEntry
from assessments.roster import get_entry
from results.attempts import SetupError
from results.database import session_factory
from results.models import Attempt, utcnow
from scenarios.loader import find_scenario
from simulator import auth, call_sessions
from simulator.capture_page import TEST_PAGE_RECONNECT_S, ExamScreen, duration_words, resume_state
from simulator.frame import frame
from skills_tests.tenkey_scoring import DEFAULT_MIN_ACCURACY

ORDER = ("typing", "tenkey", "scenario")
TEST_NAMES = {"typing": "Typing test", "tenkey": "10-key test", "scenario": "Call scenario"}
EXTENDED = {"x1.5": "time and a half", "x2": "double time"}
POLL_S = 4.0  # the check-in and the stopped-test screen look again this often (HR decisions, session opened)

EXAM_PAGE_CSS = ('<link rel="stylesheet" href="/static/exam.css"><style>'
                 'body.exam-page .app-header a:not(.app-brand){display:none}'
                 'body.exam-page .app-brand{pointer-events:none}</style>')


def client_key() -> str:
    """Wrong codes are counted per client address (a browser can clear its cookies; a station keeps its address)."""
    try:
        return f"ip:{context.client.ip or 'unknown'}"
    except RuntimeError:
        return "ip:unknown"


def _exam_page() -> None:
    """Exam pages keep the candidate on the exam: the header's links to other areas are hidden."""
    ui.add_head_html(EXAM_PAGE_CSS)
    ui.query("body").classes("exam-page")


def _accommodation_classes(entry: RosterEntry) -> None:
    ui.query("body").classes(" ".join(name for name, wanted in (("exam-large-text", entry.large_text),
                                                                 ("exam-high-contrast", entry.high_contrast))
                                      if wanted))


def register() -> None:
    @ui.page("/exam")
    def exam_home(saved: str = "") -> None:
        entry = auth.exam_entry()
        if entry is None:
            _code_page()
        else:
            _checkin_page(entry.id, saved)

    @ui.page("/exam/done")
    def exam_done() -> None:
        _exam_page()
        entry = auth.exam_entry()
        with frame("You are done"):
            if entry is None:
                ui.label("This browser is not checked in for an exam.").mark("not-checked-in")
                ui.button("Check in with an access code", on_click=lambda: ui.navigate.to("/exam")).props("unelevated")
                return
            _accommodation_classes(entry)
            _done_panel(entry.name)

    @ui.page("/exam/leave")
    def exam_leave(confirm: str = "") -> None:
        _exam_page()
        entry = auth.exam_entry()
        with frame("Leave the check-in"):
            if entry is None:
                ui.label("This browser is not checked in.").mark("not-checked-in")
                ui.button("Check in with an access code", on_click=lambda: ui.navigate.to("/exam")).props("unelevated")
                return
            if confirm == "yes":
                auth.release_exam_entry()
                ui.label(f"{entry.name} is no longer checked in on this browser. The next candidate can check in "
                         "with their own code.").classes("text-lg").mark("left")
                ui.button("Check in another candidate", on_click=lambda: ui.navigate.to("/exam")).props("unelevated")
                return
            ui.label(f"This browser is checked in for {entry.name}. Leave only if you are not {entry.name}, or "
                     "the proctor asks you to: coming back needs a new code from the proctor.").classes("text-lg")
            with ui.row().classes("gap-3"):
                ui.button("Yes, leave the check-in", on_click=lambda: ui.navigate.to("/exam/leave?confirm=yes")).props(
                    "unelevated color=negative").mark("confirm-leave")
                ui.button("No, back to my exam", on_click=lambda: ui.navigate.to("/exam")).props("outline")

    @ui.page("/exam/test/{attempt_id}", reconnect_timeout=TEST_PAGE_RECONNECT_S)
    def exam_test(attempt_id: str) -> None:
        _test_page(attempt_id)


# --- the access code ---------------------------------------------------------------------------


def _code_page() -> None:
    _exam_page()
    with frame("Check in for your exam"):
        with ui.card().classes("w-full max-w-xl p-6 gap-4"):
            ui.markdown("Type the **access code** printed on the slip the proctor gave you, then press **Enter**. "
                        "It has 8 letters and digits, like `ABCD-2345`; capitals, spaces and the dash do not matter.")
            code = ui.input("Access code", placeholder="ABCD-2345").props(
                'autofocus outlined autocomplete="off" autocapitalize="characters" spellcheck="false" '
                'maxlength="20"').classes("w-full exam-code").mark("code")
            problem = ui.label().classes("text-red-800 font-semibold").props('role="alert"').mark("code-problem")

            def check_in() -> None:
                typed = code.value or ""
                if not codes.normalise_code(typed):
                    problem.set_text("Type the code from your slip first (8 letters and digits, e.g. ABCD-2345).")
                    return
                try:
                    with session_factory()() as session:
                        entry = codes.redeem_code(session, typed, utcnow(), client_key())
                        entry_id = entry.id
                except codes.CodeError as error:
                    problem.set_text(str(error))
                    code.run_method("select")
                    return
                auth.bind_exam_entry(entry_id)
                ui.navigate.to("/exam")

            code.on("keydown.enter", check_in)
            ui.button("Check in", on_click=check_in).props("unelevated size=lg").mark("check-in")
        ui.label("Here to practise? Practice tests need no code.").classes("text-gray-700")
        ui.link("Go to the practice tests", "/practice")


# --- the check-in ---------------------------------------------------------------------------------


def _components(states: dict[str, ComponentState]) -> list[tuple[str, ComponentState]]:
    return sorted(states.items(), key=lambda item: ORDER.index(item[0]) if item[0] in ORDER else 9)


def all_done(states: dict[str, ComponentState]) -> bool:
    return bool(states) and all(state.finished_for_good for state in states.values())


def _checkin_page(entry_id: int, saved: str) -> None:
    _exam_page()
    with session_factory()() as session:
        try:
            entry = get_entry(session, entry_id)
        except NotFound:
            auth.release_exam_entry()
            ui.navigate.to("/exam")
            return
        exam_session = entry.exam_session
        states = component_states(session, entry)
        if all_done(states) and not saved:
            ui.navigate.to("/exam/done")
            return
        _accommodation_classes(entry)
        with frame(f"Welcome, {entry.name}"):
            ui.label(f"Exam: {exam_session.profile.name} - {exam_session.day:%A %d %B %Y} - {exam_session.place}"
                     ).classes("text-lg").mark("exam-session")
            arrangements = _arrangements(entry)
            if arrangements:
                ui.label(f"Your arrangements: {arrangements}.").mark("arrangements")
            if saved:
                _saved_note(session, entry, saved)
            components = ui.column().classes("w-full gap-4")
            status_line = ui.label().classes("text-gray-700").props('aria-live="polite"').mark("session-state")
            with ui.row().classes("w-full justify-end"):
                ui.link(f"Not {entry.name}? Leave this check-in", "/exam/leave").classes("text-sm")

    shown: dict[str, object] = {"signature": None}

    def render() -> None:
        with session_factory()() as session:
            entry = get_entry(session, entry_id)
            states = component_states(session, entry)
            checks = {name: (can_start(session, entry.id, name), can_start(session, entry.id, name, warm_up=True))
                      for name in states}
            signature = (entry.exam_session.status,
                         tuple((name, s.running.id if s.running else None, len(s.begun), s.remaining, s.passed,
                                checks[name][0].allowed, checks[name][0].reason, checks[name][1].allowed)
                               for name, s in _components(states)))
            if signature == shown["signature"]:
                return
            if shown["signature"] is not None and all_done(states):
                ui.navigate.to("/exam/done")
                return
            shown["signature"] = signature
            status_line.set_text(_session_state(entry.exam_session.status))
            components.clear()
            with components:
                for name, state in _components(states):
                    _component_card(entry, name, state, *checks[name])
                if all_done(states):
                    _done_panel(entry.name)

    render()
    ui.timer(POLL_S, render)


def _session_state(status: str) -> str:
    if status == "planned":
        return ("The session has not been opened yet: wait for the proctor to open it. This page updates by itself "
                "when you may start.")
    if status == "closed":
        return "This exam session is closed. Please speak to the proctor."
    return "Take the tests in any order. This page updates by itself."


def _arrangements(entry: RosterEntry) -> str:
    parts = []
    if entry.extended_time in EXTENDED:
        parts.append(f"{EXTENDED[entry.extended_time]} on every test")
    if entry.large_text:
        parts.append("larger text")
    if entry.high_contrast:
        parts.append("high contrast")
    return ", ".join(parts)


def _saved_note(session: Session, entry: RosterEntry, attempt_id: str) -> None:
    link = session.scalars(select(ComponentAttempt).where(
        (ComponentAttempt.attempt_id == attempt_id) | (ComponentAttempt.call_attempt_id == attempt_id),
        ComponentAttempt.roster_entry_id == entry.id)).first()
    if link is None:
        return
    label = LABELS.get(link.component, link.component)
    text = ("Your call is saved. The result goes to HR." if link.call_attempt_id is not None else
            f"Your {label} warm-up is over. It did not count: start the {label} test when you are ready."
            if link.warm_up else f"Your {label} test is saved. The result goes to HR.")
    with ui.card().classes("w-full p-3 bg-green-50"):
        ui.label(text).classes("text-lg font-semibold").props('role="status"').mark("saved")


def _instructions(spec: ExamComponent, seconds: int) -> list[str]:
    time = f"You have {duration_words(seconds)}. The timer starts with your first key, not before: read this first."
    if spec.component == "typing":
        rule = ("every error costs you one word per minute" if spec.rule == "standard"
                else f"every error costs you {spec.rule.split(':', 1)[-1]} words per minute")
        limit = f" and at most {spec.max_errors} errors" if spec.max_errors is not None else ""
        return [
            "Copy the printed passage into the box below it, as you would type a letter from paper.",
            time,
            f"What counts: words typed correctly. A wrong, missing or extra word is an error, and {rule}. "
            f"To pass you need {spec.threshold:g} net words per minute{limit}.",
            "Backspace corrects. The mouse and the arrow keys do not move the cursor, and pasting does not work.",
            "The test ends by itself when the time is up or when you type the last word of the passage; you can "
            "also end it early with Ctrl+Enter. Your speed is not shown while you type.",
        ]
    accuracy = spec.min_accuracy if spec.min_accuracy is not None else DEFAULT_MIN_ACCURACY
    return [
        "Key each number of the printed column on the numeric keypad, with NumLock on, exactly as printed "
        "(with the decimal point), and press Enter after each one.",
        time,
        f"What counts: numbers keyed exactly right. To pass you need {spec.threshold:,.0f} net keystrokes per hour "
        f"with at least {accuracy:g} % of the numbers right."
        + (" Enter counts as a keystroke." if spec.count_enter else ""),
        "Backspace corrects the number you are keying; once you press Enter that number is final."
        + (" Only the numeric keypad works: the digits above the letters do not." if spec.keypad_only else ""),
        "The test ends by itself when the time is up or after the last number; you can also end it early with "
        "Ctrl+Enter. Your speed is not shown while you key.",
    ]


def _state_words(state: ComponentState, check) -> tuple[str, str]:
    """(css state, what the candidate reads) for one component."""
    if state.running is not None:
        if check.allowed:
            return "ready", "Ready to continue: HR let this test go on where it stopped."
        return "blocked", ("Stopped during the test. Please raise your hand and tell the proctor: HR decides "
                           "whether you continue or take it again.")
    if state.finished_for_good:
        return "done", "Done. The result goes to HR."
    if not check.allowed:
        return "blocked", check.reason
    if state.begun:
        return "ready", check.reason
    return "ready", "Not started yet."


def _call_card(entry: RosterEntry, state: ComponentState, check) -> None:
    """The call scenario: what it is, where the candidate stands (never the score), Start or Back."""
    spec = state.component
    found = find_scenario(spec.form_id)
    title = found.scenario.title if found is not None else spec.form_id
    if state.running is not None:
        css, words = "ready", "Your call is still open: go back to it and finish it."
    elif state.finished_for_good:
        css, words = "done", "Done. The result goes to HR."
    elif not check.allowed:
        css, words = "blocked", check.reason
    else:
        css, words = "ready", check.reason if state.begun else "Not started yet."
    with ui.card().classes(f"w-full p-4 gap-2 component-card state-{css}").mark("component-scenario"):
        with ui.row().classes("w-full items-center justify-between"):
            ui.label(TEST_NAMES[CALL_COMPONENT]).classes("text-xl font-semibold")
            ui.label(title).classes("text-lg").mark("scenario-title")
        ui.label(words).classes("text-lg").mark("state-scenario")
        if css == "done":
            return
        if state.running is None:
            with ui.element("ul").classes("exam-steps list-disc pl-6"):
                for line in (
                    "A customer calls. The caller is scripted: choose what to say from the options shown "
                    "(or press 1-9).",
                    "Work the customer's account in the CIS beside the call, as you would on the job, and note "
                    "the account.",
                    "This is a test: there are no hints and no policy reference. The clock runs from the moment "
                    "the call opens, and handle time counts.",
                    "When the customer is done and your notes are in, press Wrap-up done. The call is graded "
                    "then, and you come back to this page.",
                ):
                    with ui.element("li"):
                        ui.label(line)
        problem = ui.label().classes("text-red-800 font-semibold").props('role="alert"').mark("problem-scenario")
        if check.allowed:
            entry_id = entry.id
            label = "Back to the call" if state.running is not None else "Start the call"
            ui.button(label, icon="call", on_click=lambda: _start_call(entry_id, problem)).props(
                "unelevated size=lg").mark("start-scenario")


def _start_call(entry_id: int, problem: ui.label) -> None:
    """Go back to the open exam call, or start the candidate's call in test mode and link it to the exam."""
    if auth.exam_entry_id() != entry_id:
        ui.navigate.to("/exam")
        return
    with session_factory()() as session:
        check = can_start(session, entry_id, CALL_COMPONENT)
        if not check.allowed:
            problem.set_text(check.reason)
            return
        if check.resume_attempt_id is not None:
            ui.navigate.to(f"/calls/{check.resume_attempt_id}")
            return
        entry = get_entry(session, entry_id)
        name, scenario_id = entry.name, entry.exam_session.profile.component(CALL_COMPONENT).form_id
    try:
        call_id = call_sessions.start_call(name, scenario_id, mode="test", caller="scripted", voice="off")
    except (SetupError, ValueError) as error:
        problem.set_text(f"The call could not be set up: {error}. Please tell the proctor.")
        return
    try:
        with session_factory()() as session:
            record_call_component(session, entry_id, call_id)
    except NotPermitted as error:
        problem.set_text(str(error))
        return
    ui.navigate.to(f"/calls/{call_id}")


def _component_card(entry: RosterEntry, name: str, state: ComponentState, check, warm_check) -> None:
    if name == CALL_COMPONENT:
        _call_card(entry, state, check)
        return
    spec = state.component
    seconds = effective_duration(spec.duration_s, entry.extended_time)
    css, words = _state_words(state, check)
    with ui.card().classes(f"w-full p-4 gap-2 component-card state-{css}").mark(f"component-{name}"):
        with ui.row().classes("w-full items-center justify-between"):
            ui.label(TEST_NAMES.get(name, name)).classes("text-xl font-semibold")
            ui.label(duration_words(seconds) + (" (with your extra time)" if entry.extended_time in EXTENDED else "")
                     ).classes("text-lg")
        ui.label(words).classes("text-lg").mark(f"state-{name}")
        if css == "done":
            return
        if state.running is None:
            with ui.element("ul").classes("exam-steps list-disc pl-6"):
                for line in _instructions(spec, seconds):
                    with ui.element("li"):
                        ui.label(line)
        buttons = ui.row().classes("gap-3 items-center")
        problem = ui.label().classes("text-red-800 font-semibold").props('role="alert"').mark(f"problem-{name}")
        entry_id = entry.id
        with buttons:
            if check.allowed:
                label = (f"Continue the {LABELS[name]} test" if state.running is not None
                         else f"Start the {LABELS[name]} test")
                ui.button(label, on_click=lambda: _start(entry_id, name, False, problem)).props(
                    "unelevated size=lg").mark(f"start-{name}")
            if warm_check.allowed and state.running is None:
                warm = effective_duration(WARM_UP_SECONDS, entry.extended_time)
                ui.button(f"Warm up first ({duration_words(warm)}, does not count)",
                          on_click=lambda: _start(entry_id, name, True, problem)).props("outline size=lg").mark(
                    f"warm-up-{name}")


def _start(entry_id: int, component: str, warm_up: bool, problem: ui.label) -> None:
    if auth.exam_entry_id() != entry_id:  # the browser was checked in for someone else meanwhile
        ui.navigate.to("/exam")
        return
    try:
        with session_factory()() as session:
            attempt = start_component(session, entry_id, component, warm_up=warm_up)
            attempt_id = attempt.id
    except NotPermitted as error:
        problem.set_text(str(error))
        return
    ui.navigate.to(f"/exam/test/{attempt_id}")


def _done_panel(name: str) -> None:
    with ui.card().classes("w-full p-6 gap-3 items-center bg-green-50").mark("done"):
        ui.label("\u2713").classes("exam-done-mark").props('aria-hidden="true"')
        ui.label(f"You are done, {name}. Please tell the proctor.").classes("text-2xl font-semibold").props(
            'role="status"')
        ui.label("Every test of your exam is saved. HR reviews the results and will let you know; nothing more "
                 "is needed from you at this computer.").classes("text-lg text-center")


# --- a test ---------------------------------------------------------------------------------------


def _test_page(attempt_id: str) -> None:
    from simulator import tenkey_pages, typing_pages

    _exam_page()
    entry_id = auth.exam_entry_id()
    with session_factory()() as session:
        attempt = session.get(Attempt, attempt_id)
        link = session.scalars(select(ComponentAttempt).where(ComponentAttempt.attempt_id == attempt_id)).first()
        if attempt is None or link is None:
            with frame("Exam test"):
                ui.label("There is no such exam test.").classes("text-lg").mark("not-found")
                ui.button("Go to my exam", on_click=lambda: ui.navigate.to("/exam")).props("unelevated")
            return
        if entry_id != link.roster_entry_id:
            if entry_id is None and auth.current_user() is None:
                auth.refusal_page("Check in first", "This test belongs to a candidate of an exam session. Check in "
                                  "with your access code at /exam.")
            else:
                auth.refusal_page("This test is not yours to open", "This test belongs to another candidate.",
                                  signed_in=auth.current_user() is not None)
            return
        if attempt.status == "finished" or is_voided(session, attempt_id):
            ui.navigate.to("/exam")
            return
        entry = get_entry(session, entry_id)
        label = LABELS.get(link.component, link.component)
        title = f"{label[0].upper()}{label[1:]} {'warm-up' if link.warm_up else 'test'}"
        resume = None
        if attempt.status == "in_progress":
            if not resume_granted(session, attempt):
                with frame(title):
                    _accommodation_classes(entry)
                    _stopped(attempt_id)
                return
            resume = resume_state(attempt)
        exam = ExamScreen(after_url=f"/exam?saved={attempt_id}", large_text=entry.large_text,
                          high_contrast=entry.high_contrast, resume=resume)
        with frame(title):
            if attempt.test == "typing":
                typing_pages._test_screen(attempt, exam)
            else:
                tenkey_pages._entry_screen(attempt, exam)


def _stopped(attempt_id: str) -> None:
    ui.label("Your test stopped: the page was closed or reloaded, or the connection to the server was lost. "
             "Everything you typed until then is saved.").classes("text-lg").mark("stopped")
    ui.label("Please raise your hand and tell the proctor. HR decides whether you continue where you stopped or "
             "take the test again; this page moves on by itself when they have.").classes("text-lg")

    def look() -> None:
        with session_factory()() as session:
            attempt = session.get(Attempt, attempt_id)
            if attempt.status == "finished" or is_voided(session, attempt_id):
                ui.navigate.to("/exam")
            elif resume_granted(session, attempt):
                ui.navigate.reload()

    ui.timer(POLL_S, look)
    ui.button("Back to my exam", on_click=lambda: ui.navigate.to("/exam")).props("outline")
