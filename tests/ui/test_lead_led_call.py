"""A lead-led call in two simulated browsers: the trainee works the CIS while the lead plays
the caller from the script, records what the trainee says, scores the soft skills and
grades; both end on the same result."""

from __future__ import annotations

from collections.abc import Callable

from nicegui.testing import User

from simulator import call_sessions
from tests.ui.call_helpers import (
    _signed_in_lead,
    _use_template,
    only,
    small_template,
    start_from_the_form,
    work_the_cis,
)
from tests.ui.test_signin_and_roles import sign_in

__all__ = ["_signed_in_lead", "_use_template", "small_template"]  # fixtures used by every test here

POLL = 40  # retries of 0.1 s: the pages poll the live call every second


async def test_a_lead_plays_the_caller_and_grades_while_the_trainee_works_the_cis(
        user: User, create_user: Callable[[], User]) -> None:
    trainee = user
    attempt_id = await start_from_the_form(trainee, "Tia Trainee", caller="lead")
    await trainee.should_see(marker="lead-link")
    await trainee.should_not_see(marker="option-greet")  # the lead plays the caller: no options
    code = only(trainee, "lead-code").text
    assert code == call_sessions.attempt(attempt_id).lead_code

    lead = create_user()
    await sign_in(lead, "lead.tester", "a long enough password")  # the lead view is for leads and HR
    await lead.open(f"/calls/{attempt_id}/lead?code={code}")
    await lead.should_see(marker="script")
    await lead.should_see("Late twenties, moving to Alder Springs")  # the persona
    await lead.should_see("612-40-3381")  # every fact, given or not
    await lead.should_see(marker="turn-greeting")

    lead.find(marker="lead-option-greet").click()
    await lead.should_see(marker="lead-option-ask_address")
    await trainee.should_see("Thank you for calling Alder Springs", retries=POLL)  # recorded by the lead
    for option in ("ask_address", "ask_identity", "ask_email"):
        lead.find(marker=f"lead-option-{option}").click()
        await lead.should_see(marker="trainee-line")
    await trainee.should_see("maria.delgado97@example.com", retries=POLL)

    await work_the_cis(trainee, attempt_id)
    await lead.should_see(content="start_service: Service starts", retries=POLL)  # the trainee's CIS, live

    lead.find(marker="lead-option-explain_fee").click()
    await lead.should_see(marker="lead-option-close")
    lead.find(marker="lead-option-close").click()
    await trainee.should_see("The call has ended", retries=POLL)

    lead.find(marker="grade-call").click()  # no score yet: the lead is told what is missing
    assert "Give a score for" in only(lead, "lead-message").text
    lead.find(marker="score-courtesy").type("6")
    lead.find(marker="note-courtesy").type("Friendly; could slow down when confirming the date.")

    trainee.find(marker="wrap-up").click()
    await trainee.should_see("Waiting for your lead to grade", retries=POLL)
    await lead.should_see(content="Wrapped up", retries=POLL)

    lead.find(marker="grade-call").click()
    await lead.should_see(marker="total", retries=POLL)
    assert only(lead, "total").text == "98 / 100"
    await lead.should_see("Friendly; could slow down when confirming the date.")  # the lead's note, with the item
    assert only(lead, "points-courtesy").text == "6 of 8"

    await trainee.should_see(marker="total", retries=POLL)  # the trainee's page follows the lead's grade
    assert only(trainee, "total").text == "98 / 100"
    stored = call_sessions.stored_actions(attempt_id)
    assert [a["option"] for a in stored if a["kind"] == "say"] == [
        "greet", "ask_address", "ask_identity", "ask_email", "explain_fee", "close"]
    assert all(a.get("by") == "lead" for a in stored if a["kind"] == "say")
    assert {a["operation"] for a in stored if a["kind"] == "operation"} >= {"search_customers", "start_service",
                                                                         "add_note"}
