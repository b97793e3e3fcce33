"""10-key pages: the entry test and the adding-machine drill - set up, key, see the result.

Exam attempts are taken only through an exam session (``simulator.exam_pages``), which uses
the entry screen here with the candidate's accommodations and returns to the check-in.
"""

from __future__ import annotations

import html

from nicegui import ui

from results.database import session_factory
from results.models import Attempt
from results.tenkey_attempts import DrillSetup, TenKeySetup, start_drill_attempt, start_tenkey_attempt
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
from simulator.tenkey_result_view import show_drill_result, show_tenkey_result
from skills_tests.tenkey_items import get_drill_batch, get_item_set, load_drill_batches, load_item_sets

KEYPAD_HELP = ("Use the numeric keypad with NumLock on. Key each number exactly as printed, including the "
               "decimal point, and press Enter (either Enter key) to go to the next line.")


def item_set_options() -> dict[str, str]:
    """The practice item sets (exam forms are kept for exam sessions)."""
    return {s.id: f"Practice: {s.title} ({len(s.items)} items)" for s in load_item_sets() if s.kind == "practice"}


def drill_options() -> dict[str, str]:
    return {b.id: f"{b.title} ({len(b.stubs)} stubs)" for b in load_drill_batches()}


def register() -> None:
    @ui.page("/tenkey")
    def tenkey_setup(form: str = "", minutes: int = 0, mode: str = "") -> None:
        with frame("10-key practice"):
            _setup_form(form, minutes)

    @ui.page("/tenkey/attempt/{attempt_id}", reconnect_timeout=TEST_PAGE_RECONNECT_S)
    def tenkey_attempt(attempt_id: str) -> None:
        _attempt_page(attempt_id, "tenkey", "10-key test", _entry_screen)

    @ui.page("/tenkey/result/{attempt_id}")
    def tenkey_result(attempt_id: str) -> None:
        _result_page(attempt_id, "tenkey", "10-key test result", show_tenkey_result)

    @ui.page("/tenkey/drill")
    def drill_setup(batch: str = "") -> None:
        with frame("Adding-machine drill"):
            _drill_setup_form(batch)

    @ui.page("/tenkey/drill/attempt/{attempt_id}", reconnect_timeout=TEST_PAGE_RECONNECT_S)
    def drill_attempt(attempt_id: str) -> None:
        _attempt_page(attempt_id, "drill", "Adding-machine drill", _drill_screen)

    @ui.page("/tenkey/drill/result/{attempt_id}")
    def drill_result(attempt_id: str) -> None:
        _result_page(attempt_id, "drill", "Adding-machine drill result", show_drill_result)


def _attempt_page(attempt_id: str, test: str, title: str, screen) -> None:
    if not auth.guard_attempt_page(attempt_id, taking=True):  # exam attempts: their candidate, HR, leads
        return
    with session_factory()() as session:
        attempt = session.get(Attempt, attempt_id)
        if exam_attempt_elsewhere(session, attempt):
            return
        if attempt is not None and attempt.test == test and attempt.status == "finished":
            ui.navigate.to(f"/tenkey/{'drill/' if test == 'drill' else ''}result/{attempt_id}")
            return
        if attempt is not None and attempt.test == test:
            note_practice_attempt(attempt)
        with frame(title):
            if attempt is None or attempt.test != test:
                _not_found(attempt_id)
            elif attempt.status == "in_progress":
                show_interrupted(attempt)
            else:
                screen(attempt)


def _result_page(attempt_id: str, test: str, title: str, show) -> None:
    if not auth.guard_attempt_page(attempt_id):
        return
    with session_factory()() as session:
        attempt = session.get(Attempt, attempt_id)
        with frame(title):
            if attempt is None or attempt.test != test or attempt.status != "finished":
                _not_found(attempt_id)
            elif not exam_result_withheld(session, attempt):
                remember_practice_result(attempt)
                show(session, attempt)


def _not_found(attempt_id: str) -> None:
    ui.label(f"There is no such 10-key test: {attempt_id}.").mark("not-found")
    ui.button("Start a 10-key test", on_click=lambda: ui.navigate.to("/tenkey"))


def _setup_form(form: str, minutes: int) -> None:
    options = item_set_options()
    default_form = form if form in options else next(o for o in options if "practice" in o)
    with ui.card().classes("w-full max-w-2xl p-6 gap-4"):
        ui.markdown(f"A column of numbers is printed on the screen. {KEYPAD_HELP} **The timer starts at your first "
                    "keystroke.** Backspace corrects the number you are keying; a number is final once you press Enter. "
                    "Your speed is shown while you key, and your result at the end. (Exams are taken at an exam "
                    "session, with the access code HR gives you.)")
        name = name_input()
        form_choice = ui.select(options, value=default_form, label="Numbers to key").classes("w-full")
        form_choice.props("outlined").mark("form")
        duration_choice = duration_toggle(minutes)
        keypad_only = ui.checkbox("Numeric keypad only (digits above the letters are refused)").mark("keypad-only")
        count_enter = ui.checkbox("Count Enter as a keystroke").mark("count-enter")
        problem = problem_label()

        def begin() -> None:
            setup = TenKeySetup(person_name=name.value or "", mode="practice", form_id=form_choice.value,
                                duration_s=int(duration_choice.value), count_enter=bool(count_enter.value),
                                keypad_only=bool(keypad_only.value))
            start_or_explain(problem, setup.person_name, lambda session: start_tenkey_attempt(session, setup))

        name.on("keydown.enter", begin)
        with ui.row().classes("items-center gap-4"):
            ui.button("Start the test", on_click=begin).props("unelevated size=lg").mark("start")
            ui.link("Or practise balancing a payment batch (adding-machine drill)", "/tenkey/drill")
            ui.link("Your recent practice results", "/practice").mark("to-practice")


def _drill_setup_form(batch: str) -> None:
    options = drill_options()
    with ui.card().classes("w-full max-w-2xl p-6 gap-4"):
        ui.markdown(
            "Balance a batch of payments as you would at the end of a shift. Key each payment's **check amount** "
            "followed by **+** on the keypad. When you have keyed them all, press **Enter** to total. The total must "
            "match the batch's control total: if a stub's printed amount differs from its check, key the check "
            "amount. Made a mistake? Key the same amount again followed by **-** to take it off."
        )
        name = name_input()
        batch_choice = ui.select(options, value=batch if batch in options else next(iter(options)),
                                 label="Payment batch").classes("w-full").props("outlined").mark("batch")
        keypad_only = ui.checkbox("Numeric keypad only").mark("keypad-only")
        problem = problem_label()

        def begin() -> None:
            setup = DrillSetup(person_name=name.value or "", batch_id=batch_choice.value,
                               keypad_only=bool(keypad_only.value))
            start_or_explain(problem, setup.person_name, lambda session: start_drill_attempt(session, setup))

        name.on("keydown.enter", begin)
        ui.button("Start the drill", on_click=begin).props("unelevated size=lg").mark("start")


def _header(attempt: Attempt, title: str, practice: bool, unit: str, exam: ExamScreen | None = None):
    kind = ("warm-up, does not count" if exam is not None else "practice") if practice else "exam conditions"
    with ui.row().classes("w-full items-center justify-between"):
        ui.label(f"{attempt.person.name} - {title} - {duration_words(attempt.duration_s)}"
                 f" - {kind}").classes("text-gray-700").mark("test-heading")
        with ui.row().classes("items-center gap-6"):
            speed = ui.label(f"- {unit}").classes("typing-timer text-gray-600").mark("speed") if practice else None
            timer = ui.label(timer_face(attempt, exam)).classes("typing-timer").mark("timer")
    return speed, timer


def _status_row():
    with ui.row().classes("w-full items-center justify-between"):
        status = ui.label("Loading the test...").classes("typing-status").props('aria-live="polite"').mark("status")
        finish = ui.button("Finish now (Ctrl+Enter)").props("outline").mark("finish")
    return status, finish


def _entry_area(label: str):
    return ui.element("textarea").classes("typing-area tenkey-area").mark("entry-area").props(
        f'readonly autocomplete="off" autocorrect="off" spellcheck="false" inputmode="decimal" aria-label="{label}"'
    )


def _entry_screen(attempt: Attempt, exam: ExamScreen | None = None) -> None:
    """The 10-key entry test. ``exam``: taken in an exam session (accommodations, back to the
    check-in, maybe resumed)."""
    item_set = get_item_set(attempt.form_id)
    practice = attempt.mode == "practice"
    apply_exam_styles(exam)
    speed, timer = _header(attempt, item_set.title, practice, "KPH", exam)
    ui.label(KEYPAD_HELP + (" Only the numeric keypad is accepted." if attempt.keypad_only else "")).classes(
        "text-gray-700")
    rows = "".join(f'<li data-i="{i}"><span class="n">{i + 1}</span>{html.escape(item.value)}</li>'
                   for i, item in enumerate(item_set.items))
    with ui.row().classes("w-full gap-6 no-wrap items-start"):
        with ui.column().classes("gap-1"):
            ui.label("Printed column").classes("text-sm uppercase tracking-wide text-gray-600")
            items = ui.html(f'<ol class="tenkey-items">{rows}</ol>', sanitize=False).classes("tenkey-column")
            items.mark("items")
        with ui.column().classes("gap-1 grow"):
            ui.label("Key here, one number per line").classes("text-sm uppercase tracking-wide text-gray-600")
            area = _entry_area("Key the numbers here")
    status, finish = _status_row()
    start_capture(
        attempt, "tenkey", exam, areaId=area.html_id, timerId=timer.html_id, speedId=speed.html_id if speed else None,
        statusId=status.html_id, finishId=finish.html_id, itemsId=items.html_id, itemCount=len(item_set.items),
        keypadOnly=attempt.keypad_only,
        readyText="Ready. NumLock on? Key the marked number and press Enter: the timer starts with your first key.",
    )


def _drill_screen(attempt: Attempt) -> None:
    batch = get_drill_batch(attempt.form_id)
    speed, timer = _header(attempt, batch.title, True, "KPH")
    with ui.row().classes("w-full gap-6 no-wrap items-start"):
        with ui.column().classes("gap-1"):
            ui.label("Payment batch").classes("text-sm uppercase tracking-wide text-gray-600")
            rows = [{"n": s.number, "stub": f"{s.stub_amount:,.2f}", "check": f"{s.check_amount:,.2f}"}
                    for s in batch.stubs]
            ui.table(columns=[
                {"name": "n", "label": "Stub", "field": "n", "align": "left"},
                {"name": "stub", "label": "Stub amount", "field": "stub", "align": "right"},
                {"name": "check", "label": "Check amount", "field": "check", "align": "right"},
            ], rows=rows, row_key="n").props("dense flat bordered hide-pagination").classes(
                "drill-stubs").mark("stubs")
            ui.label(f"Control total: {batch.control_total:,.2f}").classes("text-lg font-semibold").mark("control")
        with ui.column().classes("gap-1 grow"):
            ui.label("Adding-machine tape").classes("text-sm uppercase tracking-wide text-gray-600")
            area = _entry_area("Adding-machine tape")
            with ui.row().classes("items-baseline gap-2"):
                ui.label("Running total:").classes("text-lg")
                total = ui.label("0.00").classes("typing-timer").mark("running-total")
    status, finish = _status_row()
    start_capture(
        attempt, "drill", areaId=area.html_id, timerId=timer.html_id, speedId=speed.html_id, statusId=status.html_id,
        finishId=finish.html_id, totalId=total.html_id, keypadOnly=attempt.keypad_only,
        readyText="Ready. Key each check amount and +, then Enter to total. The timer starts with your first key.",
    )
