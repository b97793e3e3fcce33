"""Live calls: a trainee's call attempt, its sandbox, its stored action log and its grades.

A call attempt is a row in ``call_attempts`` plus an append-only ``call_actions`` log. The
live ``Call`` (engine state + the sandbox session) is kept in memory, shared by the
trainee's and the lead's browsers. Every action is applied to the live call first and
stored only when it fits; after a restart the call is rebuilt by replaying its stored log
on a fresh sandbox, so nothing acknowledged is lost. Grading stores a version; a re-grade
replays the log on a fresh sandbox and adds another.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from assessments import exam_attempts
from fake_cis import database as cis_database
from results.attempts import SetupError, find_or_create_person, validated_name
from results.database import session_factory
from results.models import CallAction, CallAttempt, CallGrade, utcnow
from scenarios.call import ActionError, Call, Step
from scenarios.grading import GradeReport, grade
from scenarios.loader import LibraryEntry, find_scenario, sha256_of
from scenarios.replay import play

MODES = ("practice", "test")
CALLERS = ("scripted", "lead")
VOICES = ("off", "captions", "audio_only")


class CallNotFound(LookupError):
    pass


@dataclass
class LiveCall:
    attempt_id: str
    call: Call
    session: Session
    lock: threading.RLock
    version: int = 0  # bumped on every step: pages poll it to refresh


_live: dict[str, LiveCall] = {}
_guard = threading.Lock()


def _sandbox_id(attempt_id: str) -> str:
    return f"call-{attempt_id}"


def _entry(scenario_id: str) -> LibraryEntry:
    entry = find_scenario(scenario_id)
    if entry is None:
        raise SetupError(f"No valid scenario {scenario_id!r} in the library.")
    return entry


def start_call(name: str, scenario_id: str, *, mode: str = "practice", caller: str = "scripted",
               voice: str = "off") -> str:
    """Open a call: a person, an attempt row, a fresh sandbox with the fixture. Returns the attempt id."""
    name = validated_name(name)
    for value, allowed, what in ((mode, MODES, "mode"), (caller, CALLERS, "caller"), (voice, VOICES, "voice")):
        if value not in allowed:
            raise SetupError(f"The {what} must be one of {', '.join(allowed)}, not {value!r}.")
    if caller == "lead" and voice == "audio_only":
        raise SetupError("With a lead playing the caller the trainee hears the lead: choose voice off.")
    entry = _entry(scenario_id)
    with session_factory()() as db:
        person = find_or_create_person(db, name)
        attempt = CallAttempt(person_id=person.id, scenario_id=entry.id, scenario_sha256=sha256_of(entry.path),
                              mode=mode, caller=caller, voice=voice, sandbox="")
        db.add(attempt)
        db.flush()
        attempt.sandbox = _sandbox_id(attempt.id)
        db.commit()
        attempt_id = attempt.id
    _open(attempt_id, entry, caller, [])
    return attempt_id


def _open(attempt_id: str, entry: LibraryEntry, caller: str, actions: list[dict[str, Any]]) -> LiveCall:
    run_id = _sandbox_id(attempt_id)
    cis_database.drop_sandbox(run_id)  # a rebuilt call starts from the template again
    engine = cis_database.open_sandbox(run_id)
    session = Session(engine, expire_on_commit=False)
    call = Call.begin(entry.scenario, session, caller_mode=caller)
    play(call, actions)
    live = LiveCall(attempt_id, call, session, threading.RLock(), len(actions))
    with _guard:
        _live[attempt_id] = live
    return live


def attempt(attempt_id: str) -> CallAttempt:
    with session_factory()() as db:
        row = db.get(CallAttempt, attempt_id)
        if row is None:
            raise CallNotFound(f"No call attempt {attempt_id!r}.")
        row.person  # noqa: B018 - load it while the session is open
        row.grades  # noqa: B018
        return row


def stored_actions(attempt_id: str) -> list[dict[str, Any]]:
    with session_factory()() as db:
        rows = db.scalars(select(CallAction).where(CallAction.attempt_id == attempt_id).order_by(CallAction.seq))
        return [json.loads(r.action_json) for r in rows]


def live_call(attempt_id: str) -> LiveCall:
    """The live call, rebuilt from its stored log if the server restarted since."""
    with _guard:
        live = _live.get(attempt_id)
    if live is not None:
        return live
    row = attempt(attempt_id)
    if row.status == "graded":
        raise CallNotFound(f"Call {attempt_id} is finished and graded.")
    return _open(attempt_id, _entry(row.scenario_id), row.caller, stored_actions(attempt_id))


def elapsed(attempt_id: str) -> float:
    """Seconds since the call was answered (the clock every action is stamped with)."""
    row = attempt(attempt_id)
    started = row.created_at if row.created_at.tzinfo else row.created_at.replace(tzinfo=utcnow().tzinfo)
    return round(max(0.0, (utcnow() - started).total_seconds()), 1)


def act(attempt_id: str, action: dict[str, Any]) -> Step:
    """Apply one action to the live call and store it; ActionError leaves both unchanged."""
    live = live_call(attempt_id)
    with live.lock:
        action = dict(action)
        action.setdefault("t", max(elapsed(attempt_id), live.call.last_t))
        step = live.call.apply(action)
        with session_factory()() as db:
            db.add(CallAction(attempt_id=attempt_id, seq=step.seq, action_json=json.dumps(step.action)))
            row = db.get(CallAttempt, attempt_id)
            if row.status != "graded":
                row.status = ("wrapped" if live.call.finished else "wrap_up" if live.call.ended_at is not None
                              else "in_call")
            db.commit()
        live.version += 1
        return step


def _store_grade(attempt_id: str, report: GradeReport) -> CallGrade:
    with session_factory()() as db:
        version = len(db.scalars(select(CallGrade.id).where(CallGrade.attempt_id == attempt_id)).all()) + 1
        stored = CallGrade(attempt_id=attempt_id, version=version, total=float(report.total), fatal=report.fatal,
                           details_json=json.dumps(report.to_dict()))
        db.add(stored)
        row = db.get(CallAttempt, attempt_id)
        row.status = "graded"
        row.graded_at = row.graded_at or utcnow()
        db.commit()
        return stored


def finish(attempt_id: str) -> CallGrade:
    """Grade the call as it stands (wrapping it up first if needed), store the grade, free the sandbox."""
    live = live_call(attempt_id)
    with live.lock:
        if not live.call.finished:
            act(attempt_id, {"kind": "wrap_up", "t": max(elapsed(attempt_id), live.call.last_t)})
        report = grade(live.call)
        stored = _store_grade(attempt_id, report)
        with session_factory()() as db:  # an exam's call: the candidate's status moves on
            exam_attempts.call_finished(db, attempt_id)
        live.session.close()
        with _guard:
            _live.pop(attempt_id, None)
        cis_database.drop_sandbox(_sandbox_id(attempt_id))
        live.version += 1
        return stored


def regrade(attempt_id: str) -> CallGrade:
    """Replay the stored log on a fresh sandbox and store the grade as a new version."""
    from scenarios.replay import replay

    row = attempt(attempt_id)
    scenario = _entry(row.scenario_id).scenario
    return _store_grade(attempt_id, replay(scenario, stored_actions(attempt_id), caller=row.caller))


def grade_report(attempt_id: str, version: int | None = None) -> dict[str, Any] | None:
    with session_factory()() as db:
        query = select(CallGrade).where(CallGrade.attempt_id == attempt_id).order_by(CallGrade.version)
        grades = list(db.scalars(query))
        if not grades:
            return None
        chosen = grades[0] if version is None else next((g for g in grades if g.version == version), None)
        if chosen is None:
            return None
        data = json.loads(chosen.details_json)
        data["version"], data["versions"] = chosen.version, len(grades)
        return data


def calls_of(person_name: str | None = None, limit: int = 200) -> list[dict[str, Any]]:
    """Call attempts (newest first) with their first grade: a trainee's history, a lead's overview."""
    with session_factory()() as db:
        query = select(CallAttempt).order_by(CallAttempt.created_at.desc()).limit(limit)
        rows = []
        for row in db.scalars(query):
            if person_name and row.person.name.lower() != person_name.lower():
                continue
            first = row.grades[0] if row.grades else None
            rows.append({"id": row.id, "person": row.person.name, "scenario_id": row.scenario_id, "mode": row.mode,
                         "caller": row.caller, "voice": row.voice, "status": row.status,
                         "started": row.created_at, "total": first.total if first else None,
                         "fatal": first.fatal if first else None})
        return rows


def drop_live_calls() -> None:
    """Forget every live call (tests; a restart does this by itself)."""
    with _guard:
        calls = list(_live.values())
        _live.clear()
    for live in calls:
        live.session.close()


__all__ = ["ActionError", "CallNotFound", "SetupError", "start_call", "act", "finish", "regrade", "live_call",
           "grade_report", "calls_of", "stored_actions", "elapsed"]
