"""Pieces of every practice test's set-up form, starting the test it describes, and the
practice history this browser keeps (``app.storage.browser``: the signed session cookie)."""

from __future__ import annotations

from collections.abc import Callable

from nicegui import app, ui
from nicegui.persistence import ReadOnlyDict
from sqlalchemy import select
from sqlalchemy.orm import Session

from results.attempts import DURATIONS_S, SetupError
from results.database import session_factory
from results.models import Attempt

ATTEMPT_PAGES = {"typing": "/typing/attempt/{id}", "tenkey": "/tenkey/attempt/{id}",
                 "drill": "/tenkey/drill/attempt/{id}"}


def name_input() -> ui.input:
    """The person's name, remembered in the browser for the next test."""
    name = ui.input("Your name", value=app.storage.user.get("name", "")).props("autofocus outlined")
    return name.classes("w-full").mark("name")


def duration_toggle(minutes: int) -> ui.toggle:
    return ui.toggle({d: f"{d // 60} minute{'s' if d > 60 else ''}" for d in DURATIONS_S},
                     value=minutes * 60 if minutes * 60 in DURATIONS_S else 60).mark("duration")


def problem_label() -> ui.label:
    return ui.label().classes("text-red-800 font-semibold").props('role="alert"').mark("setup-problem")


def start_or_explain(problem: ui.label, person_name: str, start: Callable[[Session], Attempt]) -> None:
    """Start the test and open its page, or say what to change and start nothing."""
    try:
        with session_factory()() as session:
            attempt = start(session)
    except SetupError as error:
        problem.set_text(str(error))
        return
    app.storage.user["name"] = " ".join(person_name.split())
    ui.navigate.to(ATTEMPT_PAGES[attempt.test].format(id=attempt.id))


# --- exam attempts are taken through the exam session, not these pages ---------------------------

EXAM_TEST_PAGE = "/exam/test/{id}"


def exam_attempt_elsewhere(session: Session, attempt: Attempt | None) -> bool:
    """An attempt of an exam session (a counted test or a warm-up) is taken on the exam's own test
    page, which checks whose it is: go there and return True."""
    from assessments.models import ComponentAttempt

    if attempt is None:
        return False
    linked = session.scalar(select(ComponentAttempt.id).where(ComponentAttempt.attempt_id == attempt.id))
    if linked is None:
        return False
    ui.navigate.to(EXAM_TEST_PAGE.format(id=attempt.id))
    return True


def exam_result_withheld(session: Session, attempt: Attempt) -> bool:
    """An exam attempt's result is for HR (admins and leads), who review it before it is given out; a
    candidate who opens it is told so instead. Returns True when the page said that."""
    from assessments.models import ComponentAttempt
    from simulator import auth

    linked = session.scalar(select(ComponentAttempt.id).where(ComponentAttempt.attempt_id == attempt.id))
    if linked is None:
        return False
    user = auth.current_user()
    if user is not None and user.role in auth.STAFF:
        return False
    ui.label("Your test is saved. Its result goes to HR, who will let you know.").classes("text-lg").mark(
        "result-withheld")
    ui.button("Back to my exam", on_click=lambda: ui.navigate.to("/exam")).props("unelevated")
    return True


# --- the practice history kept in this browser ------------------------------------------------------

HISTORY_KEY = "practice_history"
HISTORY_LENGTH = 12  # the cookie holding it must stay well under 4 KB


def _browser_storage() -> dict | None:
    """This browser's cookie storage while the page is being built; None once it cannot change."""
    try:
        storage = app.storage.browser
    except (RuntimeError, AssertionError):
        return None
    return None if isinstance(storage, ReadOnlyDict) else storage


def practice_history() -> list[dict]:
    """This browser's practice attempts, newest first: ``i`` attempt id, ``k`` test, ``f`` form, ``d``
    when (UTC, ISO), and once finished ``n`` net rate, ``u`` its unit, ``a`` accuracy (per cent or None)."""
    try:
        history = app.storage.browser.get(HISTORY_KEY, [])
    except (RuntimeError, AssertionError):
        return []
    return [dict(item) for item in history if isinstance(item, dict) and "i" in item]


def note_practice_attempt(attempt: Attempt) -> None:
    """A practice test opened in this browser: put it at the top of the browser's history."""
    storage = _browser_storage()
    if storage is None or attempt.mode != "practice":
        return
    history = [item for item in practice_history() if item["i"] != attempt.id]
    history.insert(0, {"i": attempt.id, "k": attempt.test, "f": attempt.form_id,
                       "d": f"{attempt.created_at:%Y-%m-%dT%H:%M}"})
    storage[HISTORY_KEY] = history[:HISTORY_LENGTH]


def remember_practice_result(attempt: Attempt) -> None:
    """A practice result shown in the browser that took the test: keep its figures in the history."""
    storage = _browser_storage()
    if storage is None or attempt.mode != "practice" or attempt.latest_score is None:
        return
    history = practice_history()
    item = next((item for item in history if item["i"] == attempt.id), None)
    if item is None or "n" in item:
        return
    score = attempt.scores[0]
    item.update(n=round(score.net_rate, 1), u=score.rate_unit,
                a=None if score.accuracy is None else round(score.accuracy, 1),
                d=f"{attempt.finished_at or attempt.created_at:%Y-%m-%dT%H:%M}")
    storage[HISTORY_KEY] = history
