"""Access codes on a real database: redeemed once, expire, replaced, throttled across restarts."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from assessments import accounts, codes, exams, throttle
from assessments.codes import ExpiredCode, TooManyTries, UsedCode, WrongCode
from assessments.errors import NotPermitted
from assessments.models import AccessCode, AuditRecord, CodeThrottle, RosterEntry
from assessments.times import end_of_day
from results import database
from results.models import utcnow
from tests.integration.test_assessments_world import SECRET, add_candidate, build_world, fast_hashing  # noqa: F401

pytestmark = pytest.mark.usefixtures("fast_hashing")
CLIENT = "192.0.2.10"


@pytest.fixture
def world(fresh_database):
    return build_world(fresh_database)


def _issue(world, entry_id, **kw) -> codes.IssuedCode:
    with world.session() as s:
        return codes.issue_code(s, world.lead, entry_id, secret=SECRET, **kw)


def _redeem(world, code, now=None, client=CLIENT):
    with world.session() as s:
        return codes.redeem_code(s, code, now or utcnow(), client, secret=SECRET)


def _fail(world, times: int, now):
    """Enter ``times`` wrong codes, each as soon as the lockout allows; return the time of the last."""
    for _ in range(times):
        with pytest.raises(WrongCode) as caught:
            _redeem(world, "ABCD-EFGH", now)
        last, now = now, now + timedelta(seconds=caught.value.wait_seconds)
    return last


def test_a_code_checks_the_candidate_in_once(world):
    entry = add_candidate(world)
    issued = _issue(world, entry.id)
    assert codes.is_well_formed(issued.code)
    checked = _redeem(world, issued.code.lower().replace("-", " "))
    assert (checked.id, checked.status) == (entry.id, "checked_in")
    with pytest.raises(UsedCode, match="already used"):
        _redeem(world, issued.code)
    with world.session() as s:
        last = s.scalars(select(AuditRecord).order_by(AuditRecord.seq.desc())).first()
        assert (last.actor, last.action, last.subject) == (f"candidate:{entry.id}", "code.redeemed",
                                                           f"roster_entry:{entry.id}")


def test_the_code_is_stored_only_as_a_keyed_digest_and_never_audited(world):
    entry = add_candidate(world)
    issued = _issue(world, entry.id)
    raw = issued.code.replace("-", "")
    with world.session() as s:
        row = s.scalars(select(AccessCode)).one()
        assert row.code_digest == codes.code_digest(issued.code, SECRET)
        stored = " ".join(str(v) for v in s.execute(select(AccessCode.__table__)).one())
        audited = " ".join(s.scalars(select(AuditRecord.details_json)).all())
        assert raw not in stored and issued.code not in stored
        assert raw not in audited and issued.code not in audited


def test_a_code_expires_at_the_end_of_the_session_day(world):
    entry = add_candidate(world)
    issued = _issue(world, entry.id)
    with world.session() as s:
        day = s.get(RosterEntry, entry.id).exam_session.day
    assert issued.expires_at == end_of_day(day)
    with pytest.raises(ExpiredCode, match="expired at"):
        _redeem(world, issued.code, now=issued.expires_at)
    assert _redeem(world, issued.code, now=issued.expires_at - timedelta(seconds=1)).status == "checked_in"


def test_hr_may_set_another_expiry_but_not_one_in_the_past(world):
    entry = add_candidate(world)
    soon = utcnow() + timedelta(minutes=30)
    issued = _issue(world, entry.id, expires_at=soon)
    assert issued.expires_at == soon
    with pytest.raises(ExpiredCode):
        _redeem(world, issued.code, now=soon + timedelta(minutes=1))
    with pytest.raises(NotPermitted, match="has passed"):
        _issue(world, entry.id, expires_at=utcnow() - timedelta(minutes=1))


def test_a_new_code_replaces_the_unused_one(world):
    entry = add_candidate(world)
    old = _issue(world, entry.id)
    new = _issue(world, entry.id)
    with pytest.raises(ExpiredCode, match="replaced by a newer one"):
        _redeem(world, old.code)
    assert _redeem(world, new.code).id == entry.id


def test_codes_for_every_waiting_candidate(world):
    first, second, third = (add_candidate(world, name) for name in ("Ana Ruiz", "Bo Chen", "Cy Diaz"))
    _redeem(world, _issue(world, first.id).code)
    with world.session() as s:
        slips = codes.issue_codes(s, world.lead, world.session_id, secret=SECRET)
    assert [(slip.entry_id, slip.name) for slip in slips] == [(second.id, "Bo Chen"), (third.id, "Cy Diaz")]
    assert len({slip.code for slip in slips}) == 2


def test_a_closed_session_takes_no_codes(world):
    entry = add_candidate(world)
    issued = _issue(world, entry.id)
    with world.session() as s:
        exams.close_session(s, world.lead, world.session_id)
    with pytest.raises(ExpiredCode, match="session is closed"):
        _redeem(world, issued.code)
    with pytest.raises(NotPermitted, match="closed"):
        _issue(world, entry.id)


def test_a_candidate_user_cannot_issue_codes(world):
    entry = add_candidate(world)
    with world.session() as s:
        candidate = accounts.create_user(s, "cand.one", "candidate password", "candidate", actor=world.admin)
        with pytest.raises(NotPermitted):
            codes.issue_code(s, candidate, entry.id, secret=SECRET)


@pytest.mark.parametrize("typed", [
    pytest.param("ABCD-EFGH", id="well-formed-unknown"),
    pytest.param("not a code", id="malformed"),
    pytest.param("", id="empty"),
])
def test_wrong_codes_are_refused_and_counted(world, typed):
    add_candidate(world)
    with pytest.raises(WrongCode, match="not right") as caught:
        _redeem(world, typed)
    assert caught.value.wait_seconds == 0
    with world.session() as s:
        assert s.get(CodeThrottle, throttle.client_digest(CLIENT)).failures == 1


def test_repeated_wrong_codes_lock_the_client_out_for_longer_each_time(world):
    entry = add_candidate(world)
    good = _issue(world, entry.id).code
    now = utcnow()
    waits = []
    for _ in range(throttle.FREE_FAILURES):
        with pytest.raises(WrongCode) as caught:
            _redeem(world, "ABCD-EFGH", now)
        waits.append(caught.value.wait_seconds)
    with pytest.raises(WrongCode, match="try again in 2 seconds") as caught:
        _redeem(world, "ABCD-EFGH", now)
    waits.append(caught.value.wait_seconds)
    assert waits == [0, 0, 0, 2]

    # locked: even the right code is not looked at, and the wait is counted down
    with pytest.raises(TooManyTries, match="try again in 1 seconds") as caught:
        _redeem(world, good, now + timedelta(seconds=1))
    assert caught.value.wait_seconds == 1
    # another client is not affected
    with pytest.raises(WrongCode) as caught:
        _redeem(world, "ABCD-EFGH", now, client="198.51.100.7")
    assert caught.value.wait_seconds == 0

    # after the wait, the next wrong code doubles it
    with pytest.raises(WrongCode) as caught:
        _redeem(world, "ABCD-EFGH", now + timedelta(seconds=2))
    assert caught.value.wait_seconds == 4


def test_the_lockout_survives_a_restart(world):
    add_candidate(world)
    now = _fail(world, throttle.FREE_FAILURES + 2, utcnow())  # the last one locks for 4 seconds
    database.reset()  # the application stops; a new process opens the database again
    factory = database.session_factory()
    with factory() as s, pytest.raises(TooManyTries) as caught:
        codes.redeem_code(s, "ABCD-EFGH", now + timedelta(seconds=1), CLIENT, secret=SECRET)
    assert caught.value.wait_seconds == 3


def test_a_right_code_clears_the_clients_failures(world):
    entry = add_candidate(world)
    good = _issue(world, entry.id).code
    now = _fail(world, throttle.FREE_FAILURES, utcnow())
    _redeem(world, good, now)
    with world.session() as s:
        assert s.get(CodeThrottle, throttle.client_digest(CLIENT)) is None


def test_failures_are_forgotten_after_a_quiet_hour(world):
    add_candidate(world)
    now = _fail(world, throttle.FREE_FAILURES + 3, utcnow())
    later = now + throttle.FORGET_AFTER
    with pytest.raises(WrongCode) as caught:
        _redeem(world, "ABCD-EFGH", later)
    assert caught.value.wait_seconds == 0
    with world.session() as s:
        assert s.get(CodeThrottle, throttle.client_digest(CLIENT)).failures == 1


def test_the_client_key_is_stored_only_as_a_digest(world):
    add_candidate(world)
    with pytest.raises(WrongCode):
        _redeem(world, "ABCD-EFGH")
    with world.session() as s:
        assert s.scalars(select(CodeThrottle.client_digest)).all() == [throttle.client_digest(CLIENT)]
        assert CLIENT not in s.scalars(select(CodeThrottle.client_digest)).one()


def test_the_default_secret_comes_from_the_data_directory(world):
    entry = add_candidate(world)
    with world.session() as s:
        issued = codes.issue_code(s, world.lead, entry.id)
        assert codes.redeem_code(s, issued.code, utcnow(), CLIENT).id == entry.id
    assert (database.data_dir() / "storage_secret").exists()
