"""What was said on a call, as a chat: the caller on the left, the trainee on the right.

Built from the call's timeline (scenarios.grading.timeline), so the trainee, the lead and
the result page all read the same lines.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from nicegui import ui

from scenarios.call import Call
from scenarios.grading import timeline

CHANNEL_ICONS = {"phone": "call", "email": "mail", "letter": "drafts", "counter": "storefront"}
CHANNEL_NAMES = {"phone": "Phone call", "email": "E-mail", "letter": "Letter", "counter": "Customer at the counter"}
MOOD_COLOURS = {"calm": "green-9", "neutral": "blue-grey-8", "worried": "amber-10", "upset": "deep-orange-10",
                "angry": "red-10"}
QUALITY_COLOURS = {"good": "green-9", "acceptable": "blue-grey-8", "poor": "amber-10", "wrong": "red-10"}


def clock(seconds: float) -> str:
    seconds = max(0, int(seconds))
    return f"{seconds // 3600}:{seconds // 60 % 60:02d}:{seconds % 60:02d}" if seconds >= 3600 else \
        f"{seconds // 60:02d}:{seconds % 60:02d}"


def caller_lines(call: Call) -> list[str]:
    """Everything the caller has said so far, in order (the voice plays the newest)."""
    return [line["text"] for line in timeline(call) if line["who"] == "caller" and line["text"]]


def mood_badge(mood: str) -> None:
    ui.badge(f"Caller's mood: {mood}", color=MOOD_COLOURS.get(mood, "blue-grey-8")).classes(
        "text-sm px-2 py-1").mark("mood")


def incoming_message(call: Call) -> None:
    """An e-mail or letter scenario's message, laid out as it was received."""
    with ui.card().classes("w-full p-4 gap-1 incoming-message").mark("incoming-message"):
        ui.label(f"The {CHANNEL_NAMES[call.scenario.channel].lower()} received").classes(
            "text-sm font-semibold text-gray-700")
        ui.label(call.text(call.scenario.caller.opening)).classes("message-text")


def transcript(call: Call, *, hints: bool, caller_text: bool, show_cis: bool = False,
               play: Callable[[int], None] | None = None) -> None:
    """The conversation so far. ``hints``: practice coaching under each thing said;
    ``caller_text`` False: the caller's lines are only heard (each with a play button);
    ``show_cis``: CIS actions too (the lead's view). An e-mail or letter is shown by
    ``incoming_message``, so here only what follows it."""
    lines = timeline(call)
    written = call.scenario.channel in ("email", "letter")
    if written:
        first = call.scenario.caller.script.turns[call.scenario.caller.script.start].caller
        lines[0] = dict(lines[0], text=call.text(first))
    caller_name = "Message" if written else "Caller"
    spoken = 0
    shown = 0
    for line in lines:
        who = line["who"]
        stamp = clock(line["t"])
        if who == "caller" and not line["text"]:
            continue
        if who == "caller":
            index = spoken
            spoken += 1
            shown += 1
            with ui.chat_message(name=caller_name, stamp=stamp).classes("call-line caller-line").mark("caller-line"):
                if caller_text:
                    ui.label(line["text"])
                else:
                    ui.label("(spoken)").classes("italic text-gray-700")
                if play is not None:
                    ui.button("Play again", icon="replay", on_click=lambda i=index: play(i)).props(
                        "flat dense no-caps size=sm").mark("play-line")
        elif who in ("trainee", "lead"):
            shown += 1
            name = "Trainee" if show_cis else "You"
            if who == "lead" and not show_cis:
                name += " (recorded by your lead)"
            with ui.chat_message(name=name, stamp=stamp, sent=True).classes("call-line trainee-line").mark(
                    "trainee-line"):
                ui.label(line["text"])
                if hints and line.get("option"):
                    _coaching(call, line["option"])
        elif who == "cis" and show_cis:
            shown += 1
            colour = "text-green-900" if line.get("ok") else "text-red-800"
            ui.label(f"{stamp}  CIS - {line['text']}").classes(f"text-sm {colour} cis-line").mark("cis-line")
        elif who == "system":
            shown += 1
            ui.label(f"{stamp}  {line['text']}").classes("text-sm font-semibold text-gray-700 self-center")
    if not shown:
        ui.label("Nothing said yet.").classes("text-gray-600")


def _coaching(call: Call, option_id: str) -> None:
    found = call.scenario.caller.script.option(option_id)
    if found is None:
        return
    option = found[1]
    if option.quality != "good" or option.hint:
        with ui.row().classes("items-center gap-2 mt-1").mark("hint"):
            ui.badge(option.quality, color=QUALITY_COLOURS[option.quality])
            if option.hint:
                ui.label(option.hint).classes("text-sm")


def describe_value(value: Any) -> str:
    from scenarios.text import show

    if isinstance(value, dict):
        return "; ".join(f"{k.replace('_', ' ')} {describe_value(v)}" for k, v in value.items())
    if isinstance(value, list | tuple):
        return ", ".join(describe_value(v) for v in value)
    return show(value)
