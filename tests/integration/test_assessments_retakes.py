"""A candidate's exam on a real database: starting components, accommodations, retakes, interruptions."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from assessments import audit, exam_attempts, interruptions
from assessments.errors import InvalidInput, NotFound, NotPermitted
from assessments.exam_attempts import can_start, grant_retake, start_component
from assessments.models import AuditRecord, ComponentAttempt, RetakeGrant, RosterEntry
from results.finishing import finish_attempt
from results.keystroke_log import ingest_batch, parse_batch
from results.models import Attempt, utcnow
from tests.integration.helpers import batch_body, key_events
from tests.integration.test_assessments_world import (  # noqa: F401
    TYPING_FORM,
    add_candidate,
    bad_typing,
    build_world,
    check_in,
    fast_hashing,
    good_typing,
    type_and_finish,
    type_only,
)

pytestmark = pytest.mark.usefixtures("fast_hashing")


def _status(world, entry_id) -> str:
    with world.session() as s:
        return s.get(RosterEntry, entry_id).status


def _can(world, entry_id, component="typing", **kw):
    with world.session() as s:
        return can_start(s, entry_id, component, **kw)


def _start(world, entry_id, component="typing", **kw) -> Attempt:
    with world.session() as s:
        return start_component(s, entry_id, component, **kw)


def test_the_exam_attempt_carries_the_profile_settings_and_is_linked(fresh_database):
    world = build_world(fresh_database, typing_threshold=50.0)
    entry = add_candidate(world)
    assert _status(world, entry.id) == "waiting"
    assert _can(world, entry.id).reason == "Check in with your access code first."
    check_in(world, entry.id)
    assert _status(world, entry.id) == "checked_in"
    assert _can(world, entry.id) == exam_attempts.StartCheck(True, "Attempt 1 of 1 at the typing test.")
    attempt = _start(world, entry.id)
    assert (attempt.test, attempt.mode, attempt.form_id, attempt.duration_s, attempt.threshold) == (
        "typing", "exam", TYPING_FORM, 60, 50.0)
    assert _status(world, entry.id) == "in_test"
    with world.session() as s:
        link = s.scalars(select(ComponentAttempt)).one()
        assert (link.roster_entry_id, link.component, link.attempt_id, link.warm_up) == (
            entry.id, "typing", attempt.id, False)
        assert s.get(Attempt, attempt.id).person.name == "Ana Ruiz"


def test_two_candidates_with_the_same_name_get_separate_people(fresh_database):
    world = build_world(fresh_database)
    one = add_candidate(world, "Ana Ruiz", email="ana1@example.org")
    two = add_candidate(world, "Ana Ruiz", email="ana2@example.org")
    check_in(world, one.id)
    check_in(world, two.id)
    assert _start(world, one.id).person_id != _start(world, two.id).person_id


@pytest.mark.parametrize(("accommodation", "seconds"), [
    pytest.param("none", 60, id="none"),
    pytest.param("x1.5", 90, id="x1.5"),
    pytest.param("x2", 120, id="x2"),
])
def test_extended_time_lengthens_the_attempt(fresh_database, accommodation, seconds):
    world = build_world(fresh_database)
    entry = add_candidate(world, extended_time=accommodation)
    check_in(world, entry.id)
    assert _start(world, entry.id).duration_s == seconds


def test_one_attempt_then_a_retake_only_with_a_reason(fresh_database):
    world = build_world(fresh_database)
    entry = add_candidate(world)
    check_in(world, entry.id)
    first = _start(world, entry.id)
    type_and_finish(world, first, bad_typing())
    assert _status(world, entry.id) == "done"  # failed, and no attempts left
    check = _can(world, entry.id)
    assert not check.allowed
    assert check.reason == "You have used your 1 attempt at the typing test. HR can grant a retake."
    with world.session() as s:
        with pytest.raises(NotPermitted, match=check.reason):
            start_component(s, entry.id, "typing")
        with pytest.raises(InvalidInput, match="reason: say why"):
            grant_retake(s, world.admin, entry.id, "typing", "   ")
        with pytest.raises(NotPermitted):
            grant_retake(s, world.lead, entry.id, "typing", "fire alarm")
        with pytest.raises(InvalidInput, match="no 10-key test"):
            grant_retake(s, world.admin, entry.id, "tenkey", "fire alarm")
        assert s.scalars(select(RetakeGrant)).all() == []
        grant = grant_retake(s, world.admin, entry.id, "typing", "  fire alarm during\nthe test ")
        assert grant.reason == "fire alarm during the test"
        last = s.scalars(select(AuditRecord).order_by(AuditRecord.seq.desc())).first()
        assert (last.actor, last.action, last.subject) == ("hr.admin", "retake.granted", f"roster_entry:{entry.id}")
        assert "fire alarm during the test" in last.details_json
    assert _status(world, entry.id) == "checked_in"
    assert _can(world, entry.id).reason == "Attempt 2 of 2 at the typing test."
    second = _start(world, entry.id)
    assert second.id != first.id
    type_and_finish(world, second, good_typing())
    assert _status(world, entry.id) == "done"
    assert _can(world, entry.id).reason == "You have passed the typing test."
    with world.session() as s:
        assert audit.verify_chain(s).intact


def test_attempts_allowed_two_lets_a_failed_candidate_try_again_but_not_after_a_pass(fresh_database):
    world = build_world(fresh_database, attempts_allowed=2)
    entry = add_candidate(world)
    check_in(world, entry.id)
    type_and_finish(world, _start(world, entry.id), bad_typing())
    assert _status(world, entry.id) == "checked_in"
    type_and_finish(world, _start(world, entry.id), good_typing())
    assert _status(world, entry.id) == "done"
    assert _can(world, entry.id).reason == "You have passed the typing test."


def test_a_page_opened_but_never_typed_in_is_reused_and_uses_nothing(fresh_database):
    world = build_world(fresh_database)
    entry = add_candidate(world)
    check_in(world, entry.id)
    first = _start(world, entry.id)
    check = _can(world, entry.id)
    assert (check.allowed, check.resume_attempt_id) == (True, first.id)
    assert _start(world, entry.id).id == first.id
    with world.session() as s:
        assert len(s.scalars(select(ComponentAttempt)).all()) == 1


def test_one_component_at_a_time(fresh_database):
    world = build_world(fresh_database, components=("typing", "tenkey"))
    entry = add_candidate(world)
    check_in(world, entry.id)
    type_only(world, _start(world, entry.id, "typing"), "The ")
    assert _can(world, entry.id, "tenkey").reason == "The typing test is still under way; finish it first."
    assert _can(world, entry.id, "typing").reason.startswith("The typing test is already under way.")
    assert _can(world, entry.id, "drill").reason == "This exam has no drill test."


def test_tests_start_only_while_the_session_is_open(fresh_database):
    world = build_world(fresh_database, open_session=False)
    entry = add_candidate(world)
    check_in(world, entry.id)
    assert _can(world, entry.id).reason == "The exam session is planned; tests start only while it is open."


def test_warm_up_rules(fresh_database):
    world = build_world(fresh_database, warm_up_allowed=True)
    entry = add_candidate(world, extended_time="x2")
    check_in(world, entry.id)
    warm = _start(world, entry.id, warm_up=True)
    assert (warm.mode, warm.form_id, warm.duration_s) == ("practice", "practice-short", 120)
    type_and_finish(world, warm, good_typing())
    assert _status(world, entry.id) == "checked_in"  # a warm-up does not count
    assert _can(world, entry.id, warm_up=True).reason == "You have had the typing warm-up."
    assert _can(world, entry.id).reason == "Attempt 1 of 1 at the typing test."
    type_and_finish(world, _start(world, entry.id), bad_typing())
    assert not _can(world, entry.id, warm_up=True).allowed


def test_no_warm_up_unless_the_profile_allows_it(fresh_database):
    world = build_world(fresh_database)
    entry = add_candidate(world)
    check_in(world, entry.id)
    assert _can(world, entry.id, warm_up=True).reason == "This exam has no warm-up."


def test_interrupted_attempts_are_listed_and_resumed(fresh_database):
    world = build_world(fresh_database)
    entry = add_candidate(world)
    check_in(world, entry.id)
    attempt = _start(world, entry.id)
    type_only(world, attempt, "The quick")
    with world.session() as s:
        assert interruptions.list_interrupted(s, world.session_id) == []  # still active
        later = utcnow() + timedelta(minutes=5)
        [found] = interruptions.list_interrupted(s, world.session_id, later)
        assert (found.attempt_id, found.entry_id, found.name, found.component) == (
            attempt.id, entry.id, "Ana Ruiz", "typing")
        assert found.idle_seconds >= 290
    assert not _can(world, entry.id).allowed
    with world.session() as s:
        with pytest.raises(NotPermitted):
            interruptions.decide_interrupted(s, world.lead, attempt.id, "resume")
        with pytest.raises(InvalidInput, match="expected resume or retake"):
            interruptions.decide_interrupted(s, world.admin, attempt.id, "restart")
        with pytest.raises(NotFound):
            interruptions.decide_interrupted(s, world.admin, "no-such-attempt", "resume")
        interruptions.decide_interrupted(s, world.admin, attempt.id, "resume", "network cable came loose")
        assert interruptions.list_interrupted(s, world.session_id, utcnow() + timedelta(minutes=5)) == []
    check = _can(world, entry.id)
    assert (check.allowed, check.resume_attempt_id) == (True, attempt.id)
    assert _start(world, entry.id).id == attempt.id
    with world.session() as s:
        last = s.scalars(select(AuditRecord).order_by(AuditRecord.seq.desc())).first()
        assert (last.action, last.subject) == ("interrupted.resume", f"roster_entry:{entry.id}")


def test_an_interrupted_attempt_replaced_by_a_retake(fresh_database):
    world = build_world(fresh_database)
    entry = add_candidate(world)
    check_in(world, entry.id)
    attempt = _start(world, entry.id)
    type_only(world, attempt, "The quick")
    with world.session() as s:
        with pytest.raises(InvalidInput, match="reason"):
            interruptions.decide_interrupted(s, world.admin, attempt.id, "retake")
        interruptions.decide_interrupted(s, world.admin, attempt.id, "retake", "PC rebooted for updates")
        with pytest.raises(NotPermitted, match="already replaced"):
            interruptions.decide_interrupted(s, world.admin, attempt.id, "resume")
        assert interruptions.list_interrupted(s, world.session_id, utcnow() + timedelta(hours=1)) == []
        [grant] = s.scalars(select(RetakeGrant)).all()
        assert grant.reason == f"interrupted attempt {attempt.id}: PC rebooted for updates"
    assert _status(world, entry.id) == "checked_in"
    check = _can(world, entry.id)
    assert (check.allowed, check.reason) == (True, "Attempt 2 of 2 at the typing test.")
    second = _start(world, entry.id)
    assert second.id != attempt.id
    type_and_finish(world, second, good_typing())
    assert _status(world, entry.id) == "done"
    with world.session() as s:
        assert s.get(Attempt, attempt.id).status == "in_progress"  # kept as it was: its keystrokes are evidence


def test_a_finished_attempt_has_nothing_to_decide(fresh_database):
    world = build_world(fresh_database)
    entry = add_candidate(world)
    check_in(world, entry.id)
    attempt = _start(world, entry.id)
    type_and_finish(world, attempt, good_typing())
    with world.session() as s, pytest.raises(NotPermitted, match="finished, not in progress"):
        interruptions.decide_interrupted(s, world.admin, attempt.id, "resume")


def test_the_candidate_is_done_only_when_every_component_is(fresh_database):
    world = build_world(fresh_database, components=("typing", "tenkey"))
    entry = add_candidate(world)
    check_in(world, entry.id)
    type_and_finish(world, _start(world, entry.id, "typing"), good_typing())
    assert _status(world, entry.id) == "checked_in"
    tenkey = _start(world, entry.id, "tenkey")
    assert (tenkey.test, tenkey.form_id, tenkey.duration_s, tenkey.min_accuracy) == (
        "tenkey", "tenkey-exam-a", 180, 97.0)
    with world.session() as s:
        ingest_batch(s, tenkey.id, parse_batch(batch_body(tenkey.capture_token, 0, key_events("12\n", keypad=True))))
        finish_attempt(s, tenkey.id, tenkey.capture_token, "early")
        assert exam_attempts.attempt_finished(s, tenkey.id) == "done"
        assert exam_attempts.attempt_finished(s, "not-an-exam-attempt") is None


def test_a_long_lived_session_sees_attempts_finished_elsewhere(fresh_database):
    world = build_world(fresh_database)
    entry = add_candidate(world)
    check_in(world, entry.id)
    attempt = _start(world, entry.id)
    with world.session() as page:  # e.g. the proctor's screen, open all along
        assert can_start(page, entry.id, "typing").resume_attempt_id == attempt.id
        type_and_finish(world, attempt, good_typing())  # the candidate's requests, in other sessions
        assert can_start(page, entry.id, "typing").reason == "You have passed the typing test."
        grant_retake(page, world.admin, entry.id, "typing", "score disputed, retest ordered")
        assert can_start(page, entry.id, "typing").reason == "Attempt 2 of 2 at the typing test."
