"""The trainee's call screen: the call panel (what the caller says, what to say, the clock)
beside the call's own CIS.

Solo: the trainee picks what to say from the script's options (digits 1-9). Lead-led: a
lead plays the caller and records what the trainee said; the trainee sees that transcript
and works the CIS. Every step goes through simulator.call_sessions; the panel redraws
when the live call's version changes, so the lead's steps appear here as they happen.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from nicegui import background_tasks, run, ui

from fake_cis.policy import PolicyError, policy_rule
from results.models import CallAttempt
from scenarios.call import ActionError, Call
from simulator import call_sessions
from simulator.call_transcript import (
    CHANNEL_ICONS,
    CHANNEL_NAMES,
    caller_lines,
    clock,
    incoming_message,
    mood_badge,
    transcript,
)
from simulator.cis_workspace import (
    CallBackend,
    account_overview,
    action_chooser,
    message_label,
    search_bar,
    show_answer,
)

try:  # the caller's voice (espeak-ng); without it the lines are shown as text
    from simulator.voice import line_audio_url
except ImportError:  # pragma: no cover - only while the voice module is missing
    def line_audio_url(text: str, voice: str) -> str | None:
        return None

WRITTEN = ("email", "letter")


def started_at(row: CallAttempt) -> datetime:
    return row.created_at if row.created_at.tzinfo else row.created_at.replace(tzinfo=UTC)


class CallCis:
    """The CIS beside the call: search, the account on screen, the actions; all recorded."""

    def __init__(self, attempt_id: str):
        self.backend = CallBackend(attempt_id)
        self.context: dict[str, Any] = {"account_number": None, "premise_id": None}

    def build(self) -> None:
        with ui.row().classes("w-full items-center justify-between"):
            ui.label("Customer Information System").classes("text-xl font-semibold")
            ui.label("Everything you do here is recorded for grading.").classes("text-sm text-gray-600")
        self.search = search_bar(self.backend, self.open_row, autofocus=False)
        ui.label("Actions").classes("text-lg font-semibold mt-2")
        self.picked = ui.label().classes("text-sm text-gray-700").mark("cis-context")
        self.message = message_label()
        self.chooser = action_chooser(lambda: self.context, self.submit)
        self.chooser.on_value_change(lambda e: e.value and ui.run_javascript(
            f"getHtmlElement({self.chooser.id})?.scrollIntoView({{block: 'center', behavior: 'smooth'}})"))
        self.account = ui.column().classes("w-full gap-2 mt-2").mark("call-account")
        self._show_context()

    def _show_context(self) -> None:
        parts = []
        if self.context["account_number"]:
            parts.append(f"account {self.context['account_number']}")
        if self.context["premise_id"]:
            parts.append(f"premise {self.context['premise_id']}")
        self.picked.set_text("Forms start with " + " and ".join(parts) + "." if parts else
                             "Search and click a row to fill forms with its account and premise.")

    def open_row(self, row: dict) -> None:
        self.context["premise_id"] = row.get("premise_id")
        if row.get("account_number"):
            self.open_account(row["account_number"])
        else:
            self.context["account_number"] = None
            self.account.clear()
            ui.notify(f"Premise {row.get('premise_id')} picked: nobody is served there.")
        self._show_context()

    def open_account(self, number: str) -> None:
        self.context["account_number"] = number
        self.account.clear()
        with self.account:
            account_overview(self.backend, number)
        self._show_context()

    def submit(self, operation: str, arguments: dict[str, Any]) -> None:
        answer = self.backend.run(operation, arguments)
        show_answer(self.message, answer)
        if not answer.ok:
            return
        self.chooser.set_value(None)  # done: the next action starts from what is on screen now
        number = answer.data.get("account_number") or self.context["account_number"]
        if number:
            self.open_account(str(number))


class TraineeCall:
    """The call panel; ``build`` places it and the CIS side by side."""

    def __init__(self, row: CallAttempt, call: Call, base_url: str):
        self.id = row.id
        self.mode, self.caller_mode = row.mode, row.caller
        self.lead_code, self.base_url = row.lead_code, base_url.rstrip("/")
        self.scenario = call.scenario
        self.first_seen = call  # for what does not change: the message received
        self.today = call.refs.today
        self.started = started_at(row)
        self.written = self.scenario.channel in WRITTEN
        self.solo = row.caller == "scripted"
        self.voice_on = row.voice != "off" and self.solo and not self.written
        self.audio_only = self.voice_on and row.voice == "audio_only"
        self.seen = -1
        self.heard = 0  # caller lines whose audio has been queued
        self.finishing = False

    # --- the live call ------------------------------------------------------------------

    def live(self) -> call_sessions.LiveCall | None:
        try:
            return call_sessions.live_call(self.id)
        except call_sessions.CallNotFound:
            return None

    def act(self, action: dict[str, Any]) -> bool:
        try:
            call_sessions.act(self.id, action)
        except ActionError as error:
            ui.notify(str(error), type="warning")
            return False
        except call_sessions.CallNotFound:
            ui.navigate.to(f"/calls/result/{self.id}")
            return False
        self.refresh()
        return True

    # --- layout -------------------------------------------------------------------------

    def build(self) -> None:
        with ui.element("div").classes("call-layout w-full"):
            with ui.card().classes("call-panel p-4 gap-3").mark("call-panel"):
                self._header()
                self._controls()
                if not self.solo:
                    self._lead_link()
                self.talk = ui.column().classes("w-full gap-3")
                self._voice()
                self.options = ui.column().classes("w-full gap-2").mark("options")
                if self.written:
                    self._reply_editor()
                if self.mode == "practice":
                    self._practice_notes()
            with ui.card().classes("cis-panel p-4 gap-3").mark("cis-panel"):
                self.cis = CallCis(self.id)
                self.cis.build()
        ui.keyboard(self._key, ignore=["input", "select", "textarea"])
        ui.timer(1.0, self._tick)
        self._tick()  # the clock and the call as they are now

    def _header(self) -> None:
        with ui.row().classes("w-full items-center justify-between no-wrap"):
            with ui.row().classes("items-center gap-2 no-wrap"):
                ui.icon(CHANNEL_ICONS[self.scenario.channel], size="2rem").classes("text-primary")
                with ui.column().classes("gap-0"):
                    ui.label(CHANNEL_NAMES[self.scenario.channel]).classes("text-lg font-semibold")
                    ui.label(f"{'Practice' if self.mode == 'practice' else 'Test'} - "
                             f"{'scripted caller' if self.solo else 'your lead plays the caller'}").classes(
                        "text-sm text-gray-700")
            with ui.column().classes("items-end gap-0"):
                self.clock = ui.label("00:00").classes("call-clock").mark("call-clock")
                self.phase = ui.label().classes("text-sm text-gray-700").mark("call-phase")
        ui.label(f"Today in the CIS: {self.today:%A, %B} {self.today.day}, {self.today:%Y}").classes(
            "text-sm text-gray-700")
        self.mood = ui.row().classes("items-center")
        if self.written:
            incoming_message(self.first_seen)

    def _voice(self) -> None:
        self.audio = None
        self.voice_note = ui.label().classes("text-sm text-gray-700")
        if not self.voice_on:
            return
        with ui.row().classes("items-center gap-2"):
            self.audio = ui.audio("", controls=False, autoplay=True).mark("caller-audio")
            ui.button("Replay the last line", icon="replay", on_click=self.replay).props(
                "outline no-caps").mark("replay")
        self.voice_note.set_text("The caller's voice plays as each line comes in; if your browser held the first "
                                 "line back, press Replay (Alt+R)." +
                                 ("" if self.audio_only else " The words are shown as captions too."))

    def _reply_editor(self) -> None:
        ui.label("Your reply").classes("text-lg font-semibold")
        self.reply = ui.textarea(placeholder="Dear ...").props("outlined rows=10").classes("w-full").mark(
            "reply-text")
        with ui.row().classes("items-center gap-2"):
            ui.button("Save the reply", icon="send", on_click=self.save_reply).props("unelevated").mark(
                "save-reply")
            self.reply_state = ui.label().classes("text-sm text-gray-700").mark("reply-state")

    def _controls(self) -> None:
        end_label = "Mark as answered" if self.written else "End call"
        with ui.row().classes("w-full items-center gap-2"):
            self.end_button = ui.button(f"{end_label} (Alt+E)", icon="call_end", color="red-9",
                                        on_click=self.end_call).props("unelevated no-caps").mark("end-call")
            self.wrap_button = ui.button("Wrap-up done (Alt+W)", icon="task_alt", on_click=self.wrap_up).props(
                "unelevated no-caps").mark("wrap-up")
        self.next_step = ui.label().classes("text-sm text-gray-800").props('role="status" aria-live="polite"')
        self.next_step.mark("next-step")

    def _lead_link(self) -> None:
        path = f"/calls/{self.id}/lead?code={self.lead_code}"
        with ui.card().classes("w-full bg-blue-50 p-3 gap-1").mark("lead-link"):
            ui.label("Your lead plays the caller").classes("font-semibold")
            ui.label("Give them this link, or the code for the 'Calls waiting for a lead' page:").classes("text-sm")
            ui.label(f"{self.base_url}{path}").classes("font-mono text-sm break-all select-all")
            with ui.row().classes("items-center gap-2"):
                ui.label("Lead code:")
                ui.label(self.lead_code).classes("font-mono font-semibold select-all").mark("lead-code")
                ui.button("Copy the link", icon="content_copy", on_click=lambda: ui.run_javascript(
                    f"navigator.clipboard.writeText(window.location.origin + {path!r})")).props("flat dense no-caps")

    def _practice_notes(self) -> None:
        with ui.expansion("What this call trains", icon="school").classes("w-full bg-white").mark("objectives"):
            for objective in self.scenario.objectives:
                ui.label(f"- {objective}")
        if self.scenario.policy_refs:
            with ui.expansion("Policy reference", icon="policy").classes("w-full bg-white").mark("policy-refs"):
                for key in self.scenario.policy_refs:
                    _policy_entry(key)
        ui.label("Practice mode: after you choose what to say, a coaching note shows when it was not the best "
                 "thing to say.").classes("text-sm text-gray-600")

    # --- redrawing ------------------------------------------------------------------------

    def refresh(self) -> None:
        live = self.live()
        if live is None:
            self._graded()
            return
        self.seen = live.version
        call = live.call
        self.mood.clear()
        if not self.written:
            with self.mood:
                mood_badge(call.mood)
        self.talk.clear()
        with self.talk:
            with ui.scroll_area().classes("transcript w-full").mark("transcript") as area:
                transcript(call, hints=self.mode == "practice", caller_text=not self.audio_only,
                           play=self.play_line if self.audio_only else None)
            ui.timer(0.2, lambda: area.scroll_to(percent=1.0), once=True)
        self._options(call)
        self._phase(call)
        if self.voice_on:
            lines = caller_lines(call)
            if len(lines) > self.heard:
                self.heard = len(lines)
                background_tasks.create(self.play_line(len(lines) - 1), name="caller voice")

    def _options(self, call: Call) -> None:
        self.options.clear()
        with self.options:
            if call.ended_at is not None:
                return
            if not self.solo:
                ui.label("Talk to your lead as you would to the caller: they record what you say.").classes(
                    "text-gray-700")
                return
            choices = call.options()
            if not choices:
                return
            ui.label("What do you do? (press 1-9)" if self.written else "What do you say? (press 1-9)").classes(
                "font-semibold")
            for number, option in enumerate(choices[:9], start=1):
                button = ui.button(on_click=lambda o=option.id: self.say(o)).props("outline no-caps align=left")
                with button.classes("option-button w-full").mark(f"option-{option.id}"), \
                        ui.row().classes("items-start no-wrap gap-3"):
                    ui.label(str(number)).classes("option-digit")
                    ui.label(call.text(option.say)).classes("text-left")

    def _phase(self, call: Call) -> None:
        ended, wrapped = call.ended_at is not None, call.finished
        self.end_button.set_enabled(not ended)
        self.wrap_button.set_enabled(not wrapped)
        if wrapped:
            self.phase.set_text("Wrapped up")
            self.next_step.set_text("Waiting for your lead to grade the call..." if not self.solo else "Grading...")
        elif ended:
            self.phase.set_text("After-call work")
            self.next_step.set_text(("Marked as answered." if self.written else "The call has ended.")
                                    + " Finish your notes in the CIS, then press Wrap-up done.")
        elif self.written:
            self.phase.set_text("Working the message")
            self.next_step.set_text("Choose how to handle it, work the account in the CIS and write your reply; "
                                    "then mark it as answered.")
        elif self.solo:
            self.phase.set_text("On the call")
            self.next_step.set_text("Choose what to say, and work the account in the CIS as you go.")
        else:
            self.phase.set_text("On the call")
            self.next_step.set_text("Work the account in the CIS as you talk. End the call when the caller is done.")

    def _graded(self) -> None:
        if not self.finishing:
            self.finishing = True
            ui.navigate.to(f"/calls/result/{self.id}")

    def _tick(self) -> None:
        live = self.live()
        if live is None:
            self._graded()
            return
        call = live.call
        now = (datetime.now(UTC) - self.started).total_seconds()
        if call.ended_at is None:
            self.clock.set_text(clock(now))
        else:
            end = call.wrapped_at if call.wrapped_at is not None else now
            self.clock.set_text(f"{clock(call.ended_at)} + {clock(end - call.ended_at)}")
        if live.version != self.seen:
            self.refresh()

    # --- what the trainee does -------------------------------------------------------------

    def say(self, option_id: str) -> None:
        self.act({"kind": "say", "option": option_id})

    def end_call(self) -> None:
        self.act({"kind": "end_call"})

    def save_reply(self) -> None:
        if self.act({"kind": "reply", "text": self.reply.value or ""}):
            self.reply_state.set_text(f"Saved at {clock((datetime.now(UTC) - self.started).total_seconds())}. "
                                      "You can change it and save again until you wrap up.")

    def wrap_up(self) -> None:
        live = self.live()
        if live is None:
            self._graded()
            return
        if not live.call.finished and not self.act({"kind": "wrap_up"}):
            return
        if self.solo:
            self.finishing = True
            call_sessions.finish(self.id)
            ui.navigate.to(f"/calls/result/{self.id}")

    def _key(self, event) -> None:
        if not event.action.keydown or event.action.repeat:
            return
        key = str(event.key)
        if event.modifiers.alt:
            actions = {"e": self.end_call, "w": self.wrap_up, "r": self.replay,
                       "s": lambda: self.cis.search.run_method("focus"),
                       "n": lambda: self.cis.chooser.set_value("add_note")}
            if key.lower() in actions:
                actions[key.lower()]()
            return
        if self.solo and key.isdigit() and key != "0" and not event.modifiers.ctrl:
            live = self.live()
            if live is None:
                return
            choices = live.call.options()
            if int(key) <= len(choices):
                self.say(choices[int(key) - 1].id)

    # --- the voice -------------------------------------------------------------------------

    async def play_line(self, index: int) -> None:
        if self.audio is None:
            return
        live = self.live()
        lines = caller_lines(live.call) if live is not None else []
        if not 0 <= index < len(lines):
            return
        url = await run.io_bound(line_audio_url, lines[index], self.scenario.caller.voice)
        if url is None:
            self.voice_note.set_text("The caller's voice is not available on this computer (espeak-ng is not "
                                     "installed): the caller's lines are shown as text.")
            if self.audio_only:
                self.audio_only = False
                self.refresh()
            return
        self.audio.set_source(url)
        self.audio.play()

    async def replay(self) -> None:
        live = self.live()
        if live is not None:
            await self.play_line(len(caller_lines(live.call)) - 1)


def _policy_entry(key: str) -> None:
    try:
        rule = policy_rule(key)
    except PolicyError:
        ui.label(key).classes("font-mono")
        return
    values = rule.model_dump(mode="json", exclude={"source", "effective", "status"}, exclude_none=True)
    ui.label(key.replace("_", " ").replace(".", ": ")).classes("font-semibold")
    for name, value in values.items():
        shown = "; ".join(map(str, value)) if isinstance(value, list) else value
        ui.label(f"{name.replace('_', ' ')}: {shown}").classes("text-sm")
    ui.label(f"Source: {rule.source}").classes("text-xs text-gray-600")
