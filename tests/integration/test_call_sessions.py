"""Live call attempts on a real database: actions stored as they happen, a restart rebuilds
the call from its log, grading stores a version and a re-grade reproduces it."""

from __future__ import annotations

import json

import pytest

from scenarios.call import ActionError
from scenarios.replay import read_replay
from scenarios.loader import LIBRARY
from simulator import call_sessions

GOLDEN = read_replay(LIBRARY / "01-renter-starts-service" / "golden.json")


@pytest.fixture
def cis_template(tmp_path, monkeypatch, fresh_database):
    from fake_cis.seed import seed_template

    path = tmp_path / "template.sqlite3"
    seed_template(path, customers=200)
    monkeypatch.setenv("CSR_SIM_CIS_TEMPLATE", str(path))
    yield path
    call_sessions.drop_live_calls()


def _days(action):
    text = json.dumps(action).replace("{today+4}", "2026-11-20")
    return json.loads(text)


def test_a_call_survives_a_restart_and_grades_like_its_replay(cis_template):
    attempt_id = call_sessions.start_call("Pat Trainee", "renter-starts-service")
    half = len(GOLDEN.actions) // 2
    for action in GOLDEN.actions[:half]:
        call_sessions.act(attempt_id, _days(action))
    before = call_sessions.live_call(attempt_id).call
    turn, said = before.turn, list(before.said)

    call_sessions.drop_live_calls()  # the server process went away
    rebuilt = call_sessions.live_call(attempt_id).call
    assert (rebuilt.turn, rebuilt.said) == (turn, said)
    assert len(call_sessions.stored_actions(attempt_id)) == half

    for action in GOLDEN.actions[half:]:
        call_sessions.act(attempt_id, _days(action))
    stored = call_sessions.finish(attempt_id)
    assert stored.version == 1 and stored.total == 100
    again = call_sessions.regrade(attempt_id)
    assert again.version == 2 and again.total == stored.total
    first, second = call_sessions.grade_report(attempt_id, 1), call_sessions.grade_report(attempt_id, 2)
    assert first["sections"] == second["sections"]
    assert call_sessions.attempt(attempt_id).status == "graded"


def test_an_action_that_does_not_fit_is_refused_and_not_stored(cis_template):
    attempt_id = call_sessions.start_call("Pat Trainee", "renter-starts-service")
    with pytest.raises(ActionError, match="cannot be said now"):
        call_sessions.act(attempt_id, {"kind": "say", "option": "close", "t": 1})
    assert call_sessions.stored_actions(attempt_id) == []


def test_start_call_refuses_unknown_scenarios_and_settings(cis_template):
    with pytest.raises(call_sessions.SetupError, match="No valid scenario"):
        call_sessions.start_call("Pat", "no-such-scenario")
    with pytest.raises(call_sessions.SetupError, match="mode must be one of"):
        call_sessions.start_call("Pat", "renter-starts-service", mode="exam")
    with pytest.raises(call_sessions.SetupError, match="name"):
        call_sessions.start_call("   ", "renter-starts-service")
