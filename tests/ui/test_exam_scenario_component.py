"""An exam's call scenario through the UI (simulated browser): the checked-in candidate starts the
call from the check-in, takes it in test mode, wraps up, comes back to the check-in without seeing
the score, and HR's dashboard shows the graded call with a link to its result."""

from __future__ import annotations

import pytest
from nicegui.testing import User
from sqlalchemy import select

from assessments import codes, passwords
from assessments.models import ComponentAttempt, RosterEntry
from results.database import session_factory
from results.models import CallAttempt
from tests.integration.test_assessments_scenario_component import scenario_world
from tests.integration.test_assessments_world import FAST, add_candidate
from tests.ui.call_helpers import SCENARIO, _use_template, only, small_template
from tests.ui.test_signin_and_roles import sign_in

__all__ = ["_use_template", "small_template"]  # fixtures: a small seeded CIS for the call


@pytest.fixture(autouse=True)
def fast_hashing(monkeypatch):
    monkeypatch.setattr(passwords, "CURRENT", FAST)


async def test_the_candidate_takes_the_call_and_hr_sees_it_graded(user: User) -> None:
    w = scenario_world(session_factory(), threshold=80)
    entry = add_candidate(w)
    with w.session() as s:
        code = codes.issue_code(s, w.lead, entry.id).code
    await user.open("/exam")
    user.find(marker="code").type(code)
    user.find(marker="check-in").click()
    await user.should_see("Welcome, Ana Ruiz", retries=20)
    await user.should_see("Call scenario")
    await user.should_see("The caller is scripted")
    await user.should_see("no hints")
    await user.should_see("handle time counts")
    user.find(marker="start-scenario").click()
    await user.should_see(marker="cis-panel", retries=30)

    with session_factory()() as s:
        link = s.scalars(select(ComponentAttempt).where(ComponentAttempt.roster_entry_id == entry.id)).one()
        call = s.get(CallAttempt, link.call_attempt_id)
        assert (call.scenario_id, call.mode, call.caller) == (SCENARIO, "test", "scripted")
        assert s.get(RosterEntry, entry.id).status == "in_test"
        call_id = call.id
    await user.should_not_see(marker="policy-refs")  # test mode: no policy at hand

    user.find(marker="option-greet").click()
    await user.should_see("Maria Elena Delgado")
    user.find(marker="wrap-up").click()
    await user.should_see("You are done, Ana Ruiz. Please tell the proctor.", retries=30)  # back on the exam
    await user.should_not_see(marker="total")  # the score goes to HR, not to the candidate
    await user.open(f"/exam?saved={call_id}")
    await user.should_see("Your call is saved. The result goes to HR.", retries=20)
    with session_factory()() as s:
        assert s.get(CallAttempt, call_id).status == "graded"
        assert s.get(RosterEntry, entry.id).status == "done"

    # The result page sends the candidate back to the check-in; other call pages need an account.
    await user.open(f"/calls/result/{call_id}")
    await user.should_see("You are done", retries=20)
    await user.should_not_see(marker="total")
    await user.open("/calls")
    await user.should_see(marker="username", retries=20)  # the sign-in form

    await sign_in(user, "hr.admin", "correct horse battery")
    await user.open(f"/hr/sessions/{w.session_id}")
    await user.should_see(marker=f"dash-{entry.id}", retries=20)
    line = only(user, f"line-{call_id}")
    assert line.text.startswith("Call 1: ") and "of 100" in line.text and "pass mark 80" in line.text
    await user.should_see(marker=f"call-result-{call_id}")
    await user.open(f"/calls/result/{call_id}")
    await user.should_see(marker="total", retries=20)  # HR sees the graded call
