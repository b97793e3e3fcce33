"""Typing-test pages: set up and take a practice test, see the result.

Exam attempts are taken only through an exam session (``simulator.exam_pages``), which uses
this page's test screen with the candidate's accommodations and returns to the check-in.
"""

from __future__ import annotations

from nicegui import ui

from results.database import session_factory
from results.models import Attempt
from results.typing_attempts import TypingSetup, start_typing_attempt
from simulator import auth
from simulator.capture_page import (
    TEST_PAGE_RECONNECT_S,
    ExamScreen,
    apply_exam_styles,
    duration_words,
    show_interrupted,
    start_capture,
    timer_face,
)
from simulator.frame import frame
from simulator.setup_form import (
    duration_toggle,
    exam_attempt_elsewhere,
    exam_result_withheld,
    name_input,
    note_practice_attempt,
    problem_label,
    remember_practice_result,
    start_or_explain,
)
from simulator.typing_result_view import show_result
from skills_tests.passages import get_passage, load_passages


def passage_options() -> dict[str, str]:
    """The practice passages. Exam forms are kept for exam sessions: a candidate must not
    rehearse the exact text they will be tested on."""
    return {p.id: f"Practice: {p.title} ({p.stats.words} words)" for p in load_passages() if p.kind == "practice"}


def register() -> None:
    @ui.page("/typing")
    def typing_setup(passage: str = "", minutes: int = 0, mode: str = "") -> None:
        with frame("Typing practice"):
            _setup_form(passage, minutes)

    @ui.page("/typing/attempt/{attempt_id}", reconnect_timeout=TEST_PAGE_RECONNECT_S)
    def typing_attempt(attempt_id: str) -> None:
        if not auth.guard_attempt_page(attempt_id, taking=True):  # exam attempts: their candidate, HR, leads
            return
        with session_factory()() as session:
            attempt = session.get(Attempt, attempt_id)
            if attempt is None:
                with frame("Typing test"):
                    _not_found(attempt_id)
                return
            if exam_attempt_elsewhere(session, attempt):
                return
            if attempt.status == "finished":
                ui.navigate.to(f"/typing/result/{attempt_id}")
                return
            note_practice_attempt(attempt)
            with frame("Typing test"):
                _test_screen(attempt)

    @ui.page("/typing/result/{attempt_id}")
    def typing_result(attempt_id: str) -> None:
        if not auth.guard_attempt_page(attempt_id):
            return
        with session_factory()() as session:
            attempt = session.get(Attempt, attempt_id)
            with frame("Typing test result"):
                if attempt is None or attempt.status != "finished":
                    _not_found(attempt_id)
                elif not exam_result_withheld(session, attempt):
                    remember_practice_result(attempt)
                    show_result(session, attempt)


def _not_found(attempt_id: str) -> None:
    ui.label(f"There is no finished typing test with the number {attempt_id}.").mark("not-found")
    ui.button("Start a typing test", on_click=lambda: ui.navigate.to("/typing"))


def _setup_form(passage: str, minutes: int) -> None:
    options = passage_options()
    default_passage = passage if passage in options else next(iter(o for o in options if o.startswith("practice")))
    with ui.card().classes("w-full max-w-2xl p-6 gap-4"):
        ui.markdown(
            "You will copy a printed passage into a box for a fixed time. **The timer starts at your first "
            "keystroke**, not before. Type as you would from a letter on your desk: Backspace corrects; the "
            "mouse and arrow keys do not move the cursor; pasting is not possible. Your speed is shown while "
            "you type, and your result with every error at the end. (Exams are taken at an exam session, with "
            "the access code HR gives you.)"
        )
        name = name_input()
        passage_choice = ui.select(options, value=default_passage, label="Passage").classes("w-full")
        passage_choice.props("outlined").mark("passage")
        duration_choice = duration_toggle(minutes)
        problem = problem_label()

        def begin() -> None:
            setup = TypingSetup(person_name=name.value or "", mode="practice", form_id=passage_choice.value,
                                duration_s=int(duration_choice.value))
            start_or_explain(problem, setup.person_name, lambda session: start_typing_attempt(session, setup))

        name.on("keydown.enter", begin)
        with ui.row().classes("items-center gap-4"):
            ui.button("Start the test", on_click=begin).props("unelevated size=lg").mark("start")
            ui.link("Your recent practice results", "/practice").mark("to-practice")


def _test_screen(attempt: Attempt, exam: ExamScreen | None = None) -> None:
    """The test itself. ``exam``: taken in an exam session (accommodations, back to the check-in,
    maybe resumed); otherwise a practice test, whose reload offers to score what was saved."""
    passage = get_passage(attempt.form_id)
    practice = attempt.mode == "practice"
    if attempt.status == "in_progress" and (exam is None or exam.resume is None):
        show_interrupted(attempt)
        return
    apply_exam_styles(exam)
    kind = ("warm-up, does not count" if exam is not None else "practice") if practice else "exam conditions"
    with ui.row().classes("w-full items-center justify-between"):
        ui.label(f"{attempt.person.name} - {passage.title} - {duration_words(attempt.duration_s)}"
                 f" - {kind}").classes("text-gray-700").mark("test-heading")
        with ui.row().classes("items-center gap-6"):
            if practice:
                speed = ui.label("- WPM").classes("typing-timer text-gray-600").mark("speed")
            timer = ui.label(timer_face(attempt, exam)).classes("typing-timer").mark("timer")
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
        attempt, "typing", exam, sourceText=passage.text, areaId=area.html_id, timerId=timer.html_id,
        speedId=speed.html_id if practice else None, statusId=status.html_id, finishId=finish.html_id,
        readyText="Ready. Click in the box if needed and start typing: the timer starts with your first key.",
    )
