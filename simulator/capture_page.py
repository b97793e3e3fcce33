"""Starting the keystroke-capture script on a test page (shared by every skills test)."""

from __future__ import annotations

import json
from dataclasses import dataclass

from nicegui import ui

from results.database import session_factory
from results.finishing import finish_attempt, result_url
from results.keystroke_log import stored_events
from results.models import Attempt
from results.replay import replay_frames
from skills_tests.keystrokes import first_keystroke_time

# A test page must survive a dropped connection for as long as a test can last: NiceGUI
# otherwise forgets the page after 3 s and reloads it, which would end the test.
TEST_PAGE_RECONNECT_S = 900
# A resumed test's first key is stamped this long after the last stored one: the time between
# the interruption and the candidate's return is not test time.
RESUME_GAP_MS = 1.0


@dataclass(frozen=True)
class ExamScreen:
    """How a test page differs when it is part of an exam session: where to go when the test
    ends (the check-in page, not the result), the candidate's accommodations, and where a test
    HR let resume continues from (``resume_state``)."""

    after_url: str = "/exam"
    large_text: bool = False
    high_contrast: bool = False
    resume: dict | None = None


def clock_text(seconds: float) -> str:
    """A timer's face: 450 -> "7:30"."""
    seconds = max(0, int(seconds))
    return f"{seconds // 60}:{seconds % 60:02d}"


def duration_words(seconds: int) -> str:
    """300 -> "5 minutes", 90 -> "1 minute 30 seconds" (extended time gives such durations)."""
    minutes, rest = divmod(int(seconds), 60)
    parts = []
    if minutes:
        parts.append(f"{minutes} minute{'s' if minutes != 1 else ''}")
    if rest or not minutes:
        parts.append(f"{rest} second{'s' if rest != 1 else ''}")
    return " ".join(parts)


def resume_state(attempt: Attempt) -> dict:
    """Where a stopped attempt stands, for the page that continues it: the next batch number, the
    last stored time stamp, when its timer started (None: no key typed yet), the time used, and
    the entry area's text as scoring rebuilds it from the stored keystrokes."""
    events = stored_events(attempt.batches)
    start = first_keystroke_time(events)
    last_t = max((e.t for e in events), default=0.0)
    frames = replay_frames(attempt.test, events, keypad_only=attempt.keypad_only, duration_s=attempt.duration_s)
    used_s = 0.0 if start is None else min(attempt.duration_s, max(0.0, (last_t - start) / 1000))
    return {"seq": len(attempt.batches), "lastT": last_t, "startT": start, "usedS": used_s,
            "text": frames[-1].text if frames else "", "gapMs": RESUME_GAP_MS}


def timer_face(attempt: Attempt, exam: ExamScreen | None) -> str:
    used = exam.resume["usedS"] if exam is not None and exam.resume else 0
    return clock_text(attempt.duration_s - used)


def apply_exam_styles(exam: ExamScreen | None) -> None:
    """The candidate's accommodations as page styles (static/exam.css)."""
    if exam is None:
        return
    ui.add_head_html('<link rel="stylesheet" href="/static/exam.css">')
    classes = " ".join(name for name, wanted in (("exam-large-text", exam.large_text),
                                                  ("exam-high-contrast", exam.high_contrast)) if wanted)
    if classes:
        ui.query("body").classes(classes)


def start_capture(attempt: Attempt, kind: str, exam: ExamScreen | None = None, **elements_and_options: object) -> None:
    """Load keystroke_capture.js and start it once the page's elements exist.

    ``elements_and_options`` are the script's settings: NiceGUI element ids (areaId,
    timerId, statusId, finishId, ...) and the test's rules (keypadOnly, itemCount, ...).
    ``exam``: go to ``exam.after_url`` when the test ends, and continue a resumed attempt.
    """
    config = {"attemptId": attempt.id, "token": attempt.capture_token, "durationS": attempt.duration_s,
              "kind": kind, **elements_and_options}
    if exam is not None:
        config["afterUrl"] = exam.after_url
        if exam.resume is not None:
            config["resume"] = exam.resume
            left = duration_words(round(attempt.duration_s - exam.resume["usedS"]))
            config["readyText"] = (f"Welcome back. Your test continues where it stopped, with {left} left. Click in "
                                   "the box if needed: the timer goes on with your first key.")
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
