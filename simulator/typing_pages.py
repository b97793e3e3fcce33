"""Typing-test pages: set up, take the test, see the result."""

from __future__ import annotations

from nicegui import ui

from results.database import session_factory
from results.models import Attempt
from results.typing_attempts import TypingSetup, start_typing_attempt
from simulator.capture_page import TEST_PAGE_RECONNECT_S, show_interrupted, start_capture
from simulator.frame import frame
from simulator.setup_form import duration_toggle, mode_radio, name_input, problem_label, start_or_explain
from simulator.typing_result_view import show_result
from skills_tests.passages import get_passage, load_passages

MODE_LABELS = {
    "practice": "Practice - your speed is shown while you type",
    "exam": "Exam conditions - figures are shown only at the end",
}


def passage_options() -> dict[str, str]:
    options = {}
    for passage in load_passages():
        prefix = "Exam form" if passage.kind == "exam" else "Practice"
        options[passage.id] = f"{prefix}: {passage.title} ({passage.stats.words} words)"
    return options


def register() -> None:
    @ui.page("/typing")
    def typing_setup(passage: str = "", minutes: int = 0, mode: str = "") -> None:
        with frame("Typing test"):
            _setup_form(passage, minutes, mode)

    @ui.page("/typing/attempt/{attempt_id}", reconnect_timeout=TEST_PAGE_RECONNECT_S)
    def typing_attempt(attempt_id: str) -> None:
        with session_factory()() as session:
            attempt = session.get(Attempt, attempt_id)
            if attempt is None:
                with frame("Typing test"):
                    _not_found(attempt_id)
                return
            if attempt.status == "finished":
                ui.navigate.to(f"/typing/result/{attempt_id}")
                return
            with frame("Typing test"):
                _test_screen(attempt)

    @ui.page("/typing/result/{attempt_id}")
    def typing_result(attempt_id: str) -> None:
        with session_factory()() as session:
            attempt = session.get(Attempt, attempt_id)
            with frame("Typing test result"):
                if attempt is None or attempt.status != "finished":
                    _not_found(attempt_id)
                else:
                    show_result(session, attempt)


def _not_found(attempt_id: str) -> None:
    ui.label(f"There is no finished typing test with the number {attempt_id}.").mark("not-found")
    ui.button("Start a typing test", on_click=lambda: ui.navigate.to("/typing"))


def _setup_form(passage: str, minutes: int, mode: str) -> None:
    options = passage_options()
    default_passage = passage if passage in options else next(iter(o for o in options if o.startswith("practice")))
    with ui.card().classes("w-full max-w-2xl p-6 gap-4"):
        ui.markdown(
            "You will copy a printed passage into a box for a fixed time. **The timer starts at your first "
            "keystroke**, not before. Type as you would from a letter on your desk: Backspace corrects; the "
            "mouse and arrow keys do not move the cursor; pasting is not possible."
        )
        name = name_input()
        mode_choice = mode_radio(MODE_LABELS, mode)
        passage_choice = ui.select(options, value=default_passage, label="Passage").classes("w-full")
        passage_choice.props("outlined").mark("passage")
        duration_choice = duration_toggle(minutes)
        problem = problem_label()

        def begin() -> None:
            setup = TypingSetup(person_name=name.value or "", mode=mode_choice.value, form_id=passage_choice.value,
                                duration_s=int(duration_choice.value))
            start_or_explain(problem, setup.person_name, lambda session: start_typing_attempt(session, setup))

        name.on("keydown.enter", begin)
        ui.button("Start the test", on_click=begin).props("unelevated size=lg").mark("start")


def _test_screen(attempt: Attempt) -> None:
    passage = get_passage(attempt.form_id)
    practice = attempt.mode == "practice"
    if attempt.status == "in_progress":
        show_interrupted(attempt)
        return
    with ui.row().classes("w-full items-center justify-between"):
        ui.label(f"{attempt.person.name} - {passage.title} - {attempt.duration_s // 60} min"
                 f" - {'practice' if practice else 'exam conditions'}").classes("text-gray-700")
        with ui.row().classes("items-center gap-6"):
            if practice:
                speed = ui.label("- WPM").classes("typing-timer text-gray-600").mark("speed")
            timer = ui.label(f"{attempt.duration_s // 60}:00").classes("typing-timer").mark("timer")
    ui.label("Printed copy").classes("text-sm uppercase tracking-wide text-gray-600")
    ui.label(passage.text).classes("printed-copy w-full").props('aria-label="Passage to copy"').mark("passage-text")
    ui.label("Type here").classes("text-sm uppercase tracking-wide text-gray-600")
    area = ui.element("textarea").classes("typing-area").mark("typing-area").props(
        'readonly autocomplete="off" autocorrect="off" autocapitalize="off" spellcheck="false" '
        'aria-label="Type the passage here" data-gramm="false"'
    )
    with ui.row().classes("w-full items-center justify-between"):
        status = ui.label("Loading the test...").classes("typing-status").props('aria-live="polite"').mark("status")
        finish = ui.button("Finish now (Ctrl+Enter)").props("outline").mark("finish")
    start_capture(
        attempt, "typing", sourceText=passage.text, areaId=area.html_id, timerId=timer.html_id,
        speedId=speed.html_id if practice else None, statusId=status.html_id, finishId=finish.html_id,
        readyText="Ready. Click in the box if needed and start typing: the timer starts with your first key.",
    )
