"""The call scenario component of an exam: the profile, linking the candidate's call, its state as
the call is graded, and pass or fail by the pass mark (calls are stored rows here: no CIS is run)."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from assessments import exam_attempts, exams
from assessments.errors import InvalidInput, NotPermitted
from assessments.exam_attempts import can_start, component_states, record_call_component, refresh_status
from assessments.models import ComponentAttempt, RosterEntry
from results.models import CallAttempt, CallGrade, Person
from tests.integration.test_assessments_world import (  # noqa: F401
    TYPING_FORM,
    World,
    add_candidate,
    check_in,
    fast_hashing,
    make_users,
)

pytestmark = pytest.mark.usefixtures("fast_hashing")
SCENARIO = "renter-starts-service"


def scenario_world(factory, *, threshold=None, typing=False) -> World:
    admin, lead = make_users(factory)
    call = {"component": "scenario", "form_id": SCENARIO}
    if threshold is not None:
        call["threshold"] = threshold
    specs = ([{"component": "typing", "duration_s": 60, "form_id": TYPING_FORM}] if typing else []) + [call]
    with factory() as s:
        profile = exams.create_profile(s, admin, {"name": "CSR I exam with a call", "components": specs})
        row = exams.create_session(s, admin, profile.id, date.today(), "Training room", lead.id)
        exams.open_session(s, lead, row.id)
        return World(factory, admin, lead, profile.id, row.id)


def new_call(world: World, name="Ana Ruiz", scenario=SCENARIO, mode="test") -> str:
    """A call as call_sessions.start_call stores it (the live CIS side is not needed here)."""
    with world.session() as s:
        person = s.scalars(select(Person).where(Person.name == name)).first() or Person(name=name)
        s.add(person)
        s.flush()
        call = CallAttempt(person_id=person.id, scenario_id=scenario, scenario_sha256="x" * 64, mode=mode,
                           caller="scripted", voice="off", sandbox="sb")
        s.add(call)
        s.commit()
        return call.id


def grade(world: World, call_id: str, total: float, fatal=False) -> None:
    with world.session() as s:
        s.add(CallGrade(attempt_id=call_id, version=1, total=total, fatal=fatal, details_json="{}"))
        s.get(CallAttempt, call_id).status = "graded"
        s.commit()
        assert exam_attempts.call_finished(s, call_id) is not None


def state_of(world: World, entry_id: int):
    with world.session() as s:
        entry = s.get(RosterEntry, entry_id)
        return component_states(s, entry)["scenario"], entry.status


def test_a_profile_takes_a_scenario_component_with_a_default_pass_mark(fresh_database):
    w = scenario_world(fresh_database)
    with w.session() as s:
        profile = exams.list_profiles(s)[0]
        spec = profile.component("scenario")
        assert (spec.form_id, spec.threshold) == (SCENARIO, 80.0)


def test_an_unknown_scenario_is_refused_with_the_valid_ids(fresh_database):
    admin, _ = make_users(fresh_database)
    with fresh_database() as s, pytest.raises(InvalidInput) as error:
        exams.create_profile(s, admin, {"name": "Bad", "components": [
            {"component": "scenario", "form_id": "no-such-call"}]})
    message = " ".join(error.value.problems)
    assert "'no-such-call' is not a valid scenario" in message
    assert SCENARIO in message
    with fresh_database() as s, pytest.raises(InvalidInput) as error:
        exams.create_profile(s, admin, {"name": "Bad", "components": [
            {"component": "scenario", "form_id": SCENARIO, "threshold": 120}]})
    assert "out of 100" in " ".join(error.value.problems)


def test_the_call_moves_from_not_started_to_in_call_to_graded_and_passes_at_the_mark(fresh_database):
    w = scenario_world(fresh_database, threshold=70, typing=True)
    entry = add_candidate(w)
    check_in(w, entry.id)
    state, _ = state_of(w, entry.id)
    assert not state.counted and state.running is None and not state.passed
    with w.session() as s:
        check = can_start(s, entry.id, "scenario")
        assert check.allowed and check.resume_attempt_id is None
        assert not can_start(s, entry.id, "scenario", warm_up=True).allowed
        with pytest.raises(NotPermitted):
            exam_attempts.start_component(s, entry.id, "scenario")

    call_id = new_call(w)
    with w.session() as s:
        link = record_call_component(s, entry.id, call_id)
        assert (link.attempt_id, link.call_attempt_id) == (None, call_id)
    state, status = state_of(w, entry.id)
    assert status == "in_test"
    assert state.running.id == call_id and state.call_state(state.running) == "in call"
    with w.session() as s:  # going back to the open call; nothing else starts meanwhile
        assert can_start(s, entry.id, "scenario").resume_attempt_id == call_id
        assert "still under way" in can_start(s, entry.id, "typing").reason
        with pytest.raises(NotPermitted):
            record_call_component(s, entry.id, new_call(w))

    grade(w, call_id, 70.0)
    state, status = state_of(w, entry.id)
    assert state.running is None and state.call_state(state.counted[0]) == "graded"
    assert state.call_passed(state.counted[0]) is True and state.passed and state.finished_for_good
    assert status == "checked_in"  # the typing test is still to take
    with w.session() as s:
        assert "You have passed the call scenario test" in can_start(s, entry.id, "scenario").reason


@pytest.mark.parametrize(("total", "fatal"), [(69.5, False), (95.0, True)])
def test_below_the_mark_or_a_fatal_error_does_not_pass(fresh_database, total, fatal):
    w = scenario_world(fresh_database, threshold=70)
    entry = add_candidate(w)
    check_in(w, entry.id)
    call_id = new_call(w)
    with w.session() as s:
        record_call_component(s, entry.id, call_id)
    grade(w, call_id, total, fatal)
    state, status = state_of(w, entry.id)
    assert state.call_passed(state.counted[0]) is False and not state.passed
    assert state.remaining == 0 and status == "done"
    with w.session() as s:
        assert refresh_status(s, s.get(RosterEntry, entry.id)) == "done"


def test_only_a_test_mode_call_of_the_profiles_scenario_is_recorded_and_only_once(fresh_database):
    w = scenario_world(fresh_database)
    first, second = add_candidate(w), add_candidate(w, "Bo Chen")
    check_in(w, first.id)
    check_in(w, second.id, client_key="10.0.0.6")
    with w.session() as s:
        with pytest.raises(NotPermitted, match="test mode"):
            record_call_component(s, first.id, new_call(w, mode="practice"))
        with pytest.raises(NotPermitted, match="scenario"):
            record_call_component(s, first.id, new_call(w, scenario="other-scenario"))
    call_id = new_call(w)
    with w.session() as s:
        record_call_component(s, first.id, call_id)
        with pytest.raises(NotPermitted, match="already belongs"):
            record_call_component(s, second.id, call_id)
        assert exam_attempts.call_owner(s, call_id) == first.id
        assert len(s.scalars(select(ComponentAttempt)).all()) == 1
