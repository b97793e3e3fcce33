"""The keystroke replay of an attempt, for HR (admins and leads): the attempt played back at real
speed from its stored keystrokes (``results.replay``), with play/pause, 1x/2x/4x and a time
slider; typing shows the text growing with refused keys marked, 10-key shows each entry beside
the printed number. The flags and incidents recorded on the attempt are listed with their times.
"""

from __future__ import annotations

import json
from itertools import pairwise

from nicegui import ui

from results.database import session_factory
from results.finishing import result_url
from results.models import Attempt
from results.replay import ReplayFrame, replay_attempt
from simulator import auth
from simulator.capture_page import duration_words
from simulator.frame import frame
from simulator.result_widgets import INCIDENT_LABELS
from skills_tests.passages import get_passage
from skills_tests.tenkey_items import get_drill_batch, get_item_set

TEST_NAMES = {"typing": "Typing test", "tenkey": "10-key test", "drill": "Adding-machine drill"}


def compact_frames(frames: tuple[ReplayFrame, ...] | list[ReplayFrame]) -> list[list]:
    """Frames as ``[t_ms, key, keep, add, refused, late]``: the text after each key is the previous
    text's first ``keep`` characters plus ``add`` (a whole text per key would grow with the square
    of the attempt's length)."""
    out, previous = [], ""
    for frame_ in frames:
        text = frame_.text
        keep = 0
        limit = min(len(previous), len(text))
        while keep < limit and previous[keep] == text[keep]:
            keep += 1
        out.append([round(frame_.t_ms, 1), frame_.key, keep, text[keep:], frame_.refused, frame_.late])
        previous = text
    return out


def expand_frames(compact: list[list]) -> list[str]:
    """The texts the compact frames describe (what the player rebuilds)."""
    texts, text = [], ""
    for _t, _key, keep, add, _refused, _late in compact:
        text = text[:keep] + add
        texts.append(text)
    return texts


def _form_title(attempt: Attempt) -> str:
    try:
        if attempt.test == "typing":
            return get_passage(attempt.form_id).title
        if attempt.test == "drill":
            return get_drill_batch(attempt.form_id).title
        return get_item_set(attempt.form_id).title
    except KeyError:
        return attempt.form_id


def replay_data(attempt: Attempt) -> dict:
    replay = replay_attempt(attempt)
    data = {"test": attempt.test, "frames": compact_frames(replay.frames), "timeLimitMs": replay.time_limit_ms}
    if attempt.test == "tenkey":
        data["items"] = list(get_item_set(attempt.form_id).keys)
    return data


def register() -> None:
    @ui.page("/attempts/{attempt_id}/replay")
    def replay_page(attempt_id: str) -> None:
        if auth.require("admin", "lead") is None:
            return
        with session_factory()() as session:
            attempt = session.get(Attempt, attempt_id)
            with frame("Keystroke replay", wide=True):
                if attempt is None:
                    ui.label(f"There is no test attempt {attempt_id}.").classes("text-lg").mark("not-found")
                    return
                _replay_screen(attempt)


def _replay_screen(attempt: Attempt) -> None:
    ui.add_head_html('<link rel="stylesheet" href="/static/exam.css">')
    status = {"finished": "finished", "in_progress": "in progress or stopped", "created": "not begun"}
    ui.label(f"{attempt.person.name} - {TEST_NAMES.get(attempt.test, attempt.test)} - {_form_title(attempt)} - "
             f"{duration_words(attempt.duration_s)} - {attempt.mode} - {status.get(attempt.status, attempt.status)}"
             ).classes("text-gray-700").mark("replay-heading")
    data = replay_data(attempt)
    if not data["frames"]:
        ui.label("Nothing was typed in this attempt.").classes("text-lg").mark("nothing-typed")
    else:
        gaps = [b[0] - a[0] for a, b in pairwise(data["frames"])]
        ui.label(f"{len(data['frames'])} keys over {data['frames'][-1][0] / 1000:.1f} s; the longest pause between "
                 f"keys {max(gaps, default=0) / 1000:.1f} s. Space or the Play button starts and pauses.").classes(
            "text-sm text-gray-600")
        if attempt.test == "typing":
            with ui.expansion("The passage (printed copy)", icon="article").classes("w-full bg-white"):
                ui.label(get_passage(attempt.form_id).text).classes("printed-copy w-full")
        player = ui.element("div").classes("w-full replay-player").props('tabindex="0"').mark("replay-player")
        config = {"rootId": player.html_id, "data": data}
        ui.add_body_html('<script src="/static/replay_player.js"></script>')
        ui.add_body_html(
            "<script>(function wait(){const c=" + json.dumps(config, separators=(",", ":")).replace("</", "<\\/")
            + ";if(window.ReplayPlayer&&document.getElementById(c.rootId)){window.ReplayPlayer.start(c);}"
            "else{setTimeout(wait,50);}})();</script>")
    _incident_list(attempt, data)
    with ui.row().classes("gap-3 mt-4"):
        if attempt.status == "finished":
            ui.button("See the result", on_click=lambda: ui.navigate.to(result_url(attempt))).props("outline")


def _incident_list(attempt: Attempt, data: dict) -> None:
    """Flags and incidents, with where they happened on the replay's clock when known."""
    if not attempt.incidents:
        ui.label("Nothing was flagged or recorded during this attempt.").classes("mt-4").mark("no-incidents")
        return
    ui.label("Flags and incidents").classes("text-xl font-semibold mt-4")
    first_down = _first_keydown_t(attempt)
    for incident in sorted(attempt.incidents, key=lambda i: (i.kind != "timing_flag", i.id)):
        at = ""
        if incident.kind != "timing_flag" and incident.t is not None and first_down is not None \
                and incident.t >= first_down:  # a timing flag says where itself
            at = f"at {(incident.t - first_down) / 1000:.1f} s: "
        label = INCIDENT_LABELS.get(incident.kind, incident.kind)
        ui.label(f"- {at}{label} {incident.detail}").classes(
            "review" if incident.kind == "timing_flag" else "").mark(f"incident-{incident.kind}")


def _first_keydown_t(attempt: Attempt) -> float | None:
    from results.keystroke_log import stored_events
    from results.replay import MODIFIER_KEYS

    return next((e.t for e in stored_events(attempt.batches) if e.is_down and e.key not in MODIFIER_KEYS), None)
