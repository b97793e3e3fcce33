"""The call engine: one call of one scenario on its own CIS sandbox.

Every step the trainee (or the lead) takes is an *action* in one JSON form, the same for a
live call, a stored attempt and a replay file::

    {"t": 12.5, "kind": "say", "option": "ask_name"}
    {"t": 30.0, "kind": "operation", "operation": "verify_identity", "arguments": {...}}
    {"t": 95.0, "kind": "end_call"}                 # the caller hangs up: after-call work begins
    {"t": 140.0, "kind": "wrap_up"}                 # after-call work done: the call is over
    {"t": 60.0, "kind": "reply", "text": "Dear ..."}  # an e-mail or letter scenario's drafted reply
    {"t": 150.0, "kind": "lead_score", "item": "empathy", "points": 3}

``t`` is seconds from the moment the call was answered. ``Call.apply`` checks an action
against the script and the call's state, runs CIS operations through
``fake_cis.operations.run`` (at the simulated time of the action, so a replay gets the
same fees), and records a ``Step`` with what happened. Grading reads the steps.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError
from sqlalchemy.orm import Session

from fake_cis import operations
from scenarios.expected import work_out
from scenarios.fixture import Refs, lay_fixture
from scenarios.schema import Option, Scenario
from scenarios.text import fill

ACTOR = "trainee"
MAX_CALL_SECONDS = 4 * 3600


class ActionError(ValueError):
    """An action that does not fit the call (the message says what was expected); nothing changed."""


class _Action(BaseModel):
    model_config = ConfigDict(extra="forbid")
    t: float = Field(ge=0, le=MAX_CALL_SECONDS)
    by: Literal["trainee", "lead"] = "trainee"


class Say(_Action):
    kind: Literal["say"]
    option: str


class RunOperation(_Action):
    kind: Literal["operation"]
    operation: str
    arguments: dict[str, Any] = {}


class EndCall(_Action):
    kind: Literal["end_call"]


class WrapUp(_Action):
    kind: Literal["wrap_up"]


class Reply(_Action):
    kind: Literal["reply"]
    text: str = Field(max_length=20000)


class LeadScore(_Action):
    kind: Literal["lead_score"]
    item: str
    points: Decimal = Field(ge=0, decimal_places=1)
    note: str | None = None


Action = Annotated[Say | RunOperation | EndCall | WrapUp | Reply | LeadScore, Field(discriminator="kind")]
ACTION = TypeAdapter(Action)


def parse_action(data: Any) -> Say | RunOperation | EndCall | WrapUp | Reply | LeadScore:
    try:
        return ACTION.validate_python(data)
    except ValidationError as error:
        problems = "; ".join(f"{'.'.join(str(p) for p in e['loc']) or 'action'}: {e['msg']}" for e in error.errors())
        raise ActionError(f"not a valid action ({problems}); an action is "
                          "{t, kind: say|operation|end_call|wrap_up|reply|lead_score, ...}") from None


@dataclass
class Step:
    seq: int
    action: dict[str, Any]  # as recorded (JSON)
    result: dict[str, Any]  # what happened: the caller's answer, the operation's outcome...

    @property
    def t(self) -> float:
        return self.action["t"]

    @property
    def kind(self) -> str:
        return self.action["kind"]


@dataclass
class Call:
    scenario: Scenario
    session: Session
    refs: Refs
    expected: dict[str, Any]
    caller_mode: Literal["scripted", "lead"] = "scripted"
    turn: str = ""
    mood: str = "neutral"
    revealed: set[str] = field(default_factory=set)
    said: list[str] = field(default_factory=list)
    steps: list[Step] = field(default_factory=list)
    ended_at: float | None = None
    wrapped_at: float | None = None
    supervisor_requested: bool = False

    @classmethod
    def begin(cls, scenario: Scenario, session: Session, *, caller_mode: str = "scripted") -> Call:
        """Lay the scenario's fixture on this (fresh) sandbox session and answer the call."""
        refs = lay_fixture(session, scenario.setup)
        expected = work_out(scenario, session, refs)
        return cls(scenario, session, refs, expected, caller_mode, turn=scenario.caller.script.start,
                   mood=scenario.caller.mood)

    # --- what the trainee sees ------------------------------------------------------------

    def text(self, value: str | None) -> str:
        return fill(value, self.scenario.caller.facts, self.expected, self.refs.today)

    @property
    def facts(self) -> dict[str, str]:
        return {name: self.text(value) for name, value in self.scenario.caller.facts.items()}

    @property
    def finished(self) -> bool:
        return self.wrapped_at is not None

    @property
    def last_t(self) -> float:
        return self.steps[-1].t if self.steps else 0.0

    def options(self) -> list[Option]:
        """What the trainee may say now (none once the call has ended)."""
        if self.ended_at is not None:
            return []
        turn = self.scenario.caller.script.turns[self.turn]
        return [o for o in turn.options if not (o.next is None and o.id in self.said)]

    def opening_line(self) -> str:
        first = self.scenario.caller.script.turns[self.scenario.caller.script.start].caller
        return " ".join(p for p in (self.text(self.scenario.caller.opening), self.text(first)) if p)

    def verified(self, account_number: str, before_seq: int | None = None) -> int | None:
        """The seq of the first successful verification of the caller on this account."""
        for step in self.steps:
            if before_seq is not None and step.seq >= before_seq:
                break
            if (step.kind == "operation" and step.action.get("operation") == "verify_identity"
                    and step.result.get("ok") and step.result.get("data", {}).get("verified")
                    and str(step.action.get("arguments", {}).get("account_number")) == account_number):
                return step.seq
        return None

    # --- doing things -----------------------------------------------------------------------

    def _now(self, t: float) -> datetime:
        end_of_day = datetime.combine(self.refs.today, time(23, 59, 59))
        return min(self.refs.call_start + timedelta(seconds=round(t, 3)), end_of_day)

    def apply(self, data: Any) -> Step:
        """Check one action against the call and carry it out; refuse (ActionError) without a change."""
        action = parse_action(data)
        if action.t < self.last_t:
            raise ActionError(f"t={action.t:g} s is before the previous action (t={self.last_t:g} s): actions come "
                              "in time order")
        if self.finished and action.kind != "lead_score":
            raise ActionError("the call is wrapped up: nothing more can be done in it")
        result = getattr(self, f"_{action.kind}")(action)
        recorded = action.model_dump(mode="json", exclude_defaults=False)
        if recorded.get("by") == "trainee":
            recorded.pop("by")
        step = Step(len(self.steps), recorded, result)
        self.steps.append(step)
        return step

    def _say(self, action: Say) -> dict[str, Any]:
        if self.ended_at is not None:
            raise ActionError("the call has ended: nothing more can be said to the caller")
        options = {o.id: o for o in self.options()}
        if action.option not in options:
            found = self.scenario.caller.script.option(action.option)
            where = f" (it belongs to turn {found[0]!r}, the call is at {self.turn!r})" if found else ""
            raise ActionError(f"option {action.option!r} cannot be said now{where}; options now: "
                              f"{', '.join(options) or 'none'}")
        option = options[action.option]
        self.said.append(option.id)
        if option.mood:
            self.mood = option.mood
        self.revealed.update(option.reveals)
        if option.supervisor:
            self.supervisor_requested = True
        lines = [self.text(option.reply)] if option.reply else []
        if option.next is not None:
            self.turn = option.next
            entering = self.scenario.caller.script.turns[option.next].caller
            if entering:
                lines.append(self.text(entering))
        if option.ends_call:
            self.ended_at = action.t
        return {"said": self.text(option.say), "reply": " ".join(lines), "mood": self.mood,
                "revealed": {f: self.facts[f] for f in option.reveals}, "turn": self.turn,
                "ended": option.ends_call}

    def _operation(self, action: RunOperation) -> dict[str, Any]:
        outcome = operations.run(self.session, action.operation, action.arguments, actor=ACTOR,
                                 today=self.refs.today, now=self._now(action.t))
        return {"ok": outcome.ok, "outcome": outcome.outcome, "message": outcome.message,
                "data": outcome.data}

    def _end_call(self, action: EndCall) -> dict[str, Any]:
        if self.ended_at is not None:
            raise ActionError("the call has already ended")
        self.ended_at = action.t
        return {"talk_s": action.t}

    def _wrap_up(self, action: WrapUp) -> dict[str, Any]:
        if self.ended_at is None:
            self.ended_at = action.t
        self.wrapped_at = action.t
        return {"handle_s": action.t, "after_call_s": action.t - self.ended_at}

    def _reply(self, action: Reply) -> dict[str, Any]:
        if self.scenario.channel not in ("email", "letter"):
            raise ActionError(f"a drafted reply belongs to an e-mail or letter scenario; this one is a "
                              f"{self.scenario.channel} call")
        if not action.text.strip():
            raise ActionError("the reply is empty: write the letter or e-mail to the customer")
        return {"words": len(action.text.split())}

    def _lead_score(self, action: LeadScore) -> dict[str, Any]:
        item = self.scenario.item(action.item)
        if item is None or item.lead is None:
            leads = [i.id for i in self.scenario.items if i.lead is not None]
            raise ActionError(f"{action.item!r} is not an item the lead scores; lead items: {', '.join(leads) or 'none'}")
        if action.points > item.points:
            raise ActionError(f"{item.id} is worth at most {item.points:g} points (got {action.points:g})")
        if self.caller_mode != "lead":
            raise ActionError("only a lead-led call has lead scores")
        return {"points": str(action.points)}

    def action_log(self) -> list[dict[str, Any]]:
        return [step.action for step in self.steps]
