"""Pieces of every test's set-up form, and starting the test it describes."""

from __future__ import annotations

from collections.abc import Callable

from nicegui import app, ui
from sqlalchemy.orm import Session

from results.attempts import DURATIONS_S, MODES, SetupError
from results.database import session_factory
from results.models import Attempt

ATTEMPT_PAGES = {"typing": "/typing/attempt/{id}", "tenkey": "/tenkey/attempt/{id}",
                 "drill": "/tenkey/drill/attempt/{id}"}


def name_input() -> ui.input:
    """The person's name, remembered in the browser for the next test."""
    name = ui.input("Your name", value=app.storage.user.get("name", "")).props("autofocus outlined")
    return name.classes("w-full").mark("name")


def mode_radio(labels: dict[str, str], mode: str) -> ui.radio:
    return ui.radio(labels, value=mode if mode in MODES else "practice").mark("mode")


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
