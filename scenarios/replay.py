"""Grading a recorded action log headlessly: a fresh sandbox, the fixture, every action, the grade.

A replay file is JSON: either a list of actions, or ``{"caller": "scripted"|"lead",
"description": ..., "expect": {...}, "actions": [...]}``. ``expect`` (used by the library's
tests) states what the log must score: ``total``, and optionally ``fatal`` (the fatal
item ids hit) and ``missed`` (the ids of items not fully earned).
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from fake_cis import database as cis_database
from scenarios.call import ActionError, Call
from scenarios.grading import GradeReport, grade
from scenarios.schema import Scenario
from scenarios.text import fill


class ReplayError(ValueError):
    """The log cannot be replayed: unreadable, or an action does not fit the call (which one, and why)."""


@dataclass
class ReplayFile:
    actions: list[dict[str, Any]]
    caller: str = "scripted"
    description: str = ""
    expect: dict[str, Any] = field(default_factory=dict)


def read_replay(path: str | Path) -> ReplayFile:
    file = Path(path)
    if not file.is_file():
        raise ReplayError(f"no action log at {path} (expected a JSON file: a list of actions)")
    try:
        data = json.loads(file.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ReplayError(f"{path} is not JSON: {error}") from None
    if isinstance(data, list):
        return ReplayFile(data)
    if not isinstance(data, dict) or not isinstance(data.get("actions"), list):
        raise ReplayError(f"{path}: expected a list of actions or an object with \"actions\": [...]")
    caller = data.get("caller", "scripted")
    if caller not in ("scripted", "lead"):
        raise ReplayError(f"{path}: caller must be \"scripted\" or \"lead\", not {caller!r}")
    return ReplayFile(data["actions"], caller, data.get("description", ""), data.get("expect", {}))


def _days(value: Any, call: Call) -> Any:
    """A hand-written log may name days as ``{today+4}``: filled for the CIS it replays on."""
    if isinstance(value, str) and "{today" in value:
        return fill(value, {}, {}, call.refs.today)
    if isinstance(value, dict):
        return {k: _days(v, call) for k, v in value.items()}
    if isinstance(value, list):
        return [_days(v, call) for v in value]
    return value


def play(call: Call, actions: list[dict[str, Any]]) -> None:
    for index, action in enumerate(actions):
        try:
            call.apply(_days(action, call))
        except ActionError as error:
            raise ReplayError(f"action {index + 1} ({json.dumps(action)[:120]}): {error}") from None


def replay(scenario: Scenario, actions: list[dict[str, Any]], *, caller: str = "scripted",
           template: str | Path | None = None) -> GradeReport:
    """Grade a log on a throwaway sandbox of the template (the configured one by default)."""
    run_id = f"replay-{uuid.uuid4().hex}"
    engine = cis_database.open_sandbox(run_id, template=template)
    try:
        with Session(engine, expire_on_commit=False) as session:
            call = Call.begin(scenario, session, caller_mode=caller)
            play(call, actions)
            return grade(call)
    finally:
        cis_database.drop_sandbox(run_id)
