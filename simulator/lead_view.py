"""The lead's script view of a lead-led call: the lead plays the caller from it.

The lead sees the persona, the caller's mood, every fact (the ones not yet given too), the
amounts the grader expects and the whole script, the current turn highlighted. Clicking
an option records what the trainee said, as the lead heard it. The trainee's CIS actions
appear as they happen. The lead scores the soft-skill items and grades the call.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from nicegui import ui

from results.models import CallAttempt
from scenarios.call import ActionError, Call
from scenarios.schema import Option
from simulator import call_sessions
from simulator.call_panel import started_at
from simulator.call_transcript import (
    QUALITY_COLOURS,
    clock,
    describe_value,
    mood_badge,
    transcript,
)


class LeadView:
    def __init__(self, row: CallAttempt, call: Call):
        self.id = row.id
        self.trainee = row.person.name
        self.scenario = call.scenario
        self.started = started_at(row)
        self.lead_items = [i for i in self.scenario.items if i.lead is not None]
        self.seen = -1
        self.seen_turn = ""
        self.done = False
        self.confirmed = False  # grading a call the trainee has not wrapped up needs a second press

    def live(self) -> call_sessions.LiveCall | None:
        try:
            return call_sessions.live_call(self.id)
        except call_sessions.CallNotFound:
            return None

    # --- layout -------------------------------------------------------------------------

    def build(self, call: Call) -> None:
        with ui.row().classes("w-full items-center justify-between"):
            ui.label(f"{self.trainee} is taking the call. You play the caller: read the caller's lines, and click "
                     "what the trainee says (digits 1-9 pick the current turn's options).").classes("text-gray-800")
            with ui.column().classes("items-end gap-0"):
                self.clock = ui.label("00:00").classes("call-clock").mark("call-clock")
                self.phase = ui.label().classes("text-sm text-gray-700").mark("call-phase")
        with ui.element("div").classes("lead-layout w-full"):
            with ui.column().classes("gap-3"):
                self._persona(call)
                ui.label("The script").classes("text-xl font-semibold")
                self.script = ui.column().classes("w-full gap-3").mark("script")
            with ui.column().classes("gap-3 lead-side"):
                with ui.card().classes("w-full p-4 gap-2"):
                    ui.label("What has happened (live)").classes("text-lg font-semibold")
                    self.feed = ui.column().classes("w-full").mark("live-feed")
                self._scoring(call)
        ui.keyboard(self._key, ignore=["input", "select", "textarea"])
        ui.timer(1.0, self._tick)
        self._tick()  # the clock and the call as they are now

    def _persona(self, call: Call) -> None:
        caller = self.scenario.caller
        with ui.card().classes("w-full p-4 gap-2").mark("persona"):
            with ui.row().classes("w-full items-center justify-between"):
                ui.label(f"You are {caller.name}").classes("text-lg font-semibold")
                self.mood = ui.row()
            ui.label(caller.persona)
            ui.label(f"Opening line: \"{call.opening_line()}\"").classes("font-semibold")
            with ui.expansion("Facts the caller knows (give them only when asked)", value=True).classes(
                    "w-full").mark("facts"):
                self.facts = ui.column().classes("w-full gap-0")
            if call.expected:
                with ui.expansion("Amounts the grader expects", value=True).classes("w-full").mark("expected"):
                    for name, value in call.expected.items():
                        ui.label(f"{name.replace('_', ' ')}: {describe_value(value)}").classes("text-sm")

    def _scoring(self, call: Call) -> None:
        recorded = _lead_scores(call)
        self.inputs: dict[str, tuple[ui.number, ui.input]] = {}
        with ui.card().classes("w-full p-4 gap-2").mark("lead-scoring"):
            ui.label("Your scores").classes("text-lg font-semibold")
            if not self.lead_items:
                ui.label("This scenario has no items for the lead to score.").classes("text-gray-700")
            for item in self.lead_items:
                given = recorded.get(item.id, {})
                with ui.column().classes("w-full gap-1"):
                    ui.label(f"{item.text} ({item.points:g} points)").classes("font-semibold")
                    with ui.row().classes("w-full items-start no-wrap gap-2"):
                        points = ui.number(f"Points (0-{item.points:g})", value=_number(given.get("points")), min=0,
                                           max=float(item.points), step=0.5, format="%.1f").props("outlined dense")
                        points.classes("w-40").mark(f"score-{item.id}")
                        note = ui.input("Note (optional)", value=given.get("note") or "").props("outlined dense")
                        note.classes("grow").mark(f"note-{item.id}")
                self.inputs[item.id] = (points, note)
            self.score_message = ui.label().classes("font-semibold").props('role="alert"').mark("lead-message")
            self.grade_note = ui.label().classes("text-sm text-gray-700")
            ui.button("Grade the call", icon="grading", on_click=self.grade).props("unelevated size=lg").mark(
                "grade-call")

    # --- redrawing ------------------------------------------------------------------------

    def refresh(self) -> None:
        live = self.live()
        if live is None:
            self._graded()
            return
        self.seen = live.version
        call = live.call
        self.mood.clear()
        with self.mood:
            mood_badge(call.mood)
        self.facts.clear()
        with self.facts:
            for name, value in call.facts.items():
                given = name in call.revealed
                with ui.row().classes("gap-2 items-baseline"):
                    ui.label(f"{name.replace('_', ' ')}:").classes("text-sm text-gray-700")
                    ui.label(value).classes("text-sm font-semibold")
                    if given:
                        ui.badge("given", color="green-9").props("outline")
        self.feed.clear()
        with self.feed:
            with ui.scroll_area().classes("transcript w-full") as area:
                transcript(call, hints=False, caller_text=True, show_cis=True)
            ui.timer(0.2, lambda: area.scroll_to(percent=1.0), once=True)
        self._script(call)
        ended, wrapped = call.ended_at is not None, call.finished
        self.phase.set_text("Wrapped up" if wrapped else "After-call work" if ended else "On the call")
        self.grade_note.set_text("The trainee has wrapped up: score the items and grade the call." if wrapped else
                                 "The trainee has not wrapped up yet; grading now ends the call for them.")

    def _script(self, call: Call) -> None:
        available = {o.id for o in call.options()}
        self.script.clear()
        with self.script:
            for name, turn in self.scenario.caller.script.turns.items():
                current = name == call.turn and call.ended_at is None
                card = ui.card().classes("w-full p-3 gap-2 turn-card" + (" turn-current" if current else ""))
                with card.mark(f"turn-{name}"):
                    with ui.row().classes("items-center gap-2"):
                        ui.label(name.replace("_", " ").capitalize()).classes("font-semibold")
                        if current:
                            ui.badge("now", color="primary")
                    if turn.caller:
                        ui.label(f"Caller: \"{call.text(turn.caller)}\"").classes("italic")
                    numbered = [o for o in turn.options if o.id in available] if current else []
                    for option in turn.options:
                        digit = numbered.index(option) + 1 if option in numbered else None
                        self._option(call, option, option.id in available, digit)
                if current and self.seen_turn != name:
                    self.seen_turn = name
                    ui.run_javascript(f"getHtmlElement({card.id})?.scrollIntoView("
                                      "{block: 'nearest', behavior: 'smooth'})")

    def _option(self, call: Call, option: Option, enabled: bool, digit: int | None) -> None:
        said = option.id in call.said
        with ui.row().classes("w-full items-start no-wrap gap-2"):
            with ui.element("div").classes("lead-option-slot"):
                if enabled:
                    ui.button(str(digit) if digit else "Said", on_click=lambda o=option.id: self.record(o)).props(
                        "unelevated dense no-caps").classes("w-full").mark(f"lead-option-{option.id}")
                elif said:
                    ui.badge("said", color="green-9").classes("text-sm")
            with ui.column().classes("gap-0 grow"):
                with ui.row().classes("items-center gap-2"):
                    ui.label(f"Trainee: \"{call.text(option.say)}\"").classes("font-semibold" if enabled else "")
                    ui.badge(option.quality, color=QUALITY_COLOURS[option.quality]).props("outline")
                if option.hint:
                    ui.label(option.hint).classes("text-sm text-gray-700")
                if option.reply:
                    ui.label(f"You answer: \"{call.text(option.reply)}\"").classes("text-sm italic")

    def _tick(self) -> None:
        live = self.live()
        if live is None:
            self._graded()
            return
        call = live.call
        now = (datetime.now(UTC) - self.started).total_seconds()
        self.clock.set_text(clock(now if call.ended_at is None else
                                  (call.wrapped_at if call.wrapped_at is not None else now)))
        if live.version != self.seen:
            self.refresh()

    def _graded(self) -> None:
        if not self.done:
            self.done = True
            ui.navigate.to(f"/calls/result/{self.id}")

    # --- what the lead does ----------------------------------------------------------------

    def record(self, option_id: str) -> None:
        try:
            call_sessions.act(self.id, {"kind": "say", "option": option_id, "by": "lead"})
        except ActionError as error:
            ui.notify(str(error), type="warning")
        except call_sessions.CallNotFound:
            self._graded()
            return
        self.refresh()

    def _key(self, event) -> None:
        key = str(event.key)
        if not event.action.keydown or event.action.repeat or event.modifiers.alt or event.modifiers.ctrl:
            return
        if key.isdigit() and key != "0":
            live = self.live()
            if live is None:
                return
            choices = live.call.options()
            if int(key) <= len(choices):
                self.record(choices[int(key) - 1].id)

    def grade(self) -> None:
        live = self.live()
        if live is None:
            self._graded()
            return
        recorded = _lead_scores(live.call)
        missing, wanted = [], []
        for item in self.lead_items:
            points, note = self.inputs[item.id]
            if points.value is None or points.value == "":
                missing.append(item.text)
                continue
            try:
                value = Decimal(str(points.value)).quantize(Decimal("0.1"))
            except InvalidOperation:
                missing.append(item.text)
                continue
            text = (note.value or "").strip() or None
            if recorded.get(item.id) != {"points": value, "note": text}:
                wanted.append({"kind": "lead_score", "item": item.id, "points": str(value), "note": text})
        if missing:
            self.score_message.set_text("Give a score for: " + "; ".join(missing))
            return
        if not live.call.finished and not self.confirmed:
            self.confirmed = True
            self.score_message.set_text("The trainee has not wrapped up yet. Press Grade the call again to end "
                                        "the call for them and grade it now.")
            return
        for action in wanted:
            try:
                call_sessions.act(self.id, action)
            except ActionError as error:
                self.score_message.set_text(str(error))
                return
        self.done = True
        call_sessions.finish(self.id)
        ui.navigate.to(f"/calls/result/{self.id}")


def _number(value: Decimal | None) -> float | None:
    return None if value is None else float(value)


def _lead_scores(call: Call) -> dict[str, dict[str, Any]]:
    """The lead's latest score of each item: points and note."""
    scores: dict[str, dict[str, Any]] = {}
    for step in call.steps:
        if step.kind == "lead_score":
            scores[step.action["item"]] = {"points": Decimal(str(step.action["points"])).quantize(Decimal("0.1")),
                                           "note": step.action.get("note")}
    return scores
