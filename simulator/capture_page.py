"""Starting the keystroke-capture script on a test page (shared by every skills test)."""

from __future__ import annotations

import json

from nicegui import ui

from results.database import session_factory
from results.finishing import finish_attempt, result_url
from results.models import Attempt

# A test page must survive a dropped connection for as long as a test can last: NiceGUI
# otherwise forgets the page after 3 s and reloads it, which would end the test.
TEST_PAGE_RECONNECT_S = 900


def start_capture(attempt: Attempt, kind: str, **elements_and_options: object) -> None:
    """Load keystroke_capture.js and start it once the page's elements exist.

    ``elements_and_options`` are the script's settings: NiceGUI element ids (areaId,
    timerId, statusId, finishId, ...) and the test's rules (keypadOnly, itemCount, ...).
    """
    config = {"attemptId": attempt.id, "token": attempt.capture_token, "durationS": attempt.duration_s,
              "kind": kind, **elements_and_options}
    ui.add_body_html('<script src="/static/keystroke_capture.js"></script>')
    ui.add_body_html(
        "<script>(function wait(){const c=" + json.dumps(config).replace("</", "<\\/") + ";"
        "if(window.KeystrokeCapture&&document.getElementById(c.areaId)&&document.getElementById(c.finishId))"
        "{window.KeystrokeCapture.start(c);}else{setTimeout(wait,50);}})();</script>"
    )


def show_interrupted(attempt: Attempt) -> None:
    """The page was reloaded or closed during the test: what was keyed is saved on the server."""
    ui.label("This test was interrupted (the page was reloaded or closed). Everything keyed until then "
             "is saved.").classes("text-lg").mark("interrupted")

    def score_saved() -> None:
        with session_factory()() as session:
            finish_attempt(session, attempt.id, attempt.capture_token, "early")
        ui.navigate.to(result_url(attempt))

    with ui.row():
        ui.button("Score what was saved", on_click=score_saved).props("unelevated")
        ui.button("Start again", on_click=lambda: ui.navigate.to("/")).props("outline")
