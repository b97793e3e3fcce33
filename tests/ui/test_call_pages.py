"""Call scenarios through the UI (simulated browser): the list and start form, one solo call
taken to its result, re-grading, the lead view's code check and the progress page."""

from __future__ import annotations

from nicegui.testing import User

from simulator import call_sessions
from tests.ui.call_helpers import (
    SCENARIO,
    _signed_in_lead,
    _use_template,
    only,
    press,
    small_template,
    start_from_the_form,
    work_the_cis,
)

__all__ = ["_signed_in_lead", "_use_template", "small_template"]  # fixtures used by every test here


async def test_the_list_shows_each_scenario_and_an_invalid_file_with_its_first_problem(
        user: User, tmp_path, monkeypatch) -> None:
    from scenarios import loader

    library = tmp_path / "library"
    library.mkdir()
    (library / "01-renter-starts-service.yaml").write_text((loader.LIBRARY / "01-renter-starts-service.yaml")
                                                           .read_text())
    (library / "99-broken.yaml").write_text("id: broken\ntitle: [unclosed\n")
    monkeypatch.setattr(loader, "LIBRARY", library)
    await user.open("/calls")
    await user.should_see(marker=f"scenario-{SCENARIO}")
    await user.should_see("A renter starts service")
    await user.should_see("start stop transfer")  # its duties
    await user.should_see(marker="scenario-invalid-99-broken")
    await user.should_see("not valid YAML")


async def test_starting_without_a_name_says_what_is_missing(user: User) -> None:
    await user.open("/calls")
    user.find(marker="start-call").click()
    problem = only(user, "setup-problem")
    assert "name" in problem.text.lower()
    assert call_sessions.calls_of() == []


async def test_a_solo_call_golden_path_through_the_ui_scores_100(user: User) -> None:
    attempt_id = await start_from_the_form(user, "Pat Trainee")
    await user.should_see("moving into an apartment on Oak Avenue")  # the caller's opening line
    await user.should_see(marker="policy-refs")  # practice: the policy at hand

    press(user, "1")  # digits pick an option: 1 is the full greeting
    await user.should_see("Maria Elena Delgado")
    user.find(marker="option-ask_address").click()
    await user.should_see(marker="option-ask_identity")
    user.find(marker="option-ask_identity").click()
    await user.should_see(marker="option-ask_email")
    user.find(marker="option-ask_email").click()
    await user.should_see(marker="option-explain_fee")

    await work_the_cis(user, attempt_id)

    user.find(marker="option-explain_fee").click()
    await user.should_see(marker="option-close")
    user.find(marker="option-close").click()  # the caller hangs up: after-call work
    await user.should_see("The call has ended")
    assert not only(user, "end-call").enabled

    user.find(marker="wrap-up").click()
    await user.should_see(marker="total", retries=30)
    assert only(user, "total").text == "100 / 100"
    await user.should_see(marker="timeline")
    await user.should_not_see(marker="fatal")
    assert call_sessions.attempt(attempt_id).status == "graded"

    user.find(marker="regrade").click()  # the stored log replayed on a fresh CIS
    await user.should_see(marker="regrade-message", retries=30)
    assert "reproduces the grade" in only(user, "regrade-message").text
    assert [g.total for g in call_sessions.attempt(attempt_id).grades] == [100, 100]

    # the call's action log downloads in the replay form, and grades the same headlessly
    await user.should_see(marker="action-log")
    response = await user.http_client.get(f"/calls/{attempt_id}/actions.json")
    log = response.json()
    assert log["scenario"] == "renter-starts-service" and log["caller"] == "scripted"
    from scenarios.loader import LIBRARY, load_scenario
    from scenarios.replay import replay

    scenario = load_scenario(LIBRARY / "01-renter-starts-service.yaml")
    assert replay(scenario, log["actions"]).total == 100


async def test_a_wrong_choice_in_practice_shows_its_hint_and_a_fatal_result(user: User) -> None:
    attempt_id = await start_from_the_form(user, "Sam Trainee")
    user.find(marker="option-greet").click()
    await user.should_see(marker="option-deposit_for_everyone")
    user.find(marker="option-deposit_for_everyone").click()
    await user.should_see(marker="hint")  # practice: the coaching note under what was said
    await user.should_see("A residential deposit needs a trigger")
    press(user, "w", alt=True)  # Alt+W: wrap-up done
    await user.should_see(marker="fatal", retries=30)
    assert only(user, "total").text == "0 / 100"
    await user.should_see("Demanding a deposit")
    assert call_sessions.grade_report(attempt_id)["fatal_hit"] == ["deposit_demanded"]


async def test_test_mode_hides_hints_and_the_policy(user: User) -> None:
    await start_from_the_form(user, "Tess Trainee", mode="test")
    await user.should_not_see(marker="policy-refs")
    user.find(marker="option-greet_curt").click()
    await user.should_see("Uh... Maria Delgado.")
    await user.should_not_see(marker="hint")


async def test_a_letter_shows_as_received_and_the_reply_is_recorded(user: User) -> None:
    from scenarios.loader import load_library

    letter = next(e.scenario for e in load_library() if e.valid and e.scenario.channel in ("email", "letter"))
    attempt_id = await start_from_the_form(user, "Wren Writer", scenario=letter.id)
    await user.should_see(marker="incoming-message")
    await user.should_see(marker="reply-text")
    reply = "Dear Counsel, we have recorded the filing and stopped collection of the balance owed before it."
    user.find(marker="reply-text").type(reply)
    user.find(marker="save-reply").click()
    assert only(user, "reply-state").text.startswith("Saved")
    assert call_sessions.stored_actions(attempt_id)[-1]["kind"] == "reply"
    assert call_sessions.stored_actions(attempt_id)[-1]["text"] == reply


async def test_a_wrong_lead_code_is_refused(user: User) -> None:
    attempt_id = call_sessions.start_call("Lee Trainee", SCENARIO, caller="lead")
    await user.open(f"/calls/{attempt_id}/lead?code=not-the-code")
    await user.should_see(marker="refused")
    await user.should_see("That lead code is not right for this call.")
    await user.should_not_see(marker="script")
    await user.open(f"/calls/{attempt_id}/lead")
    await user.should_see("needs the call's lead code")
    await user.should_not_see(marker="script")


async def test_calls_waiting_for_a_lead_open_with_the_code(user: User) -> None:
    attempt_id = call_sessions.start_call("Lee Trainee", SCENARIO, caller="lead")
    code = call_sessions.attempt(attempt_id).lead_code
    await user.open("/calls/active")
    await user.should_see("Lee Trainee")
    user.find(marker=f"code-{attempt_id}").type(code)
    user.find("Open the lead view").click()
    await user.should_see(marker="script")
    await user.should_see("You are Maria Delgado")


async def test_progress_lists_calls_and_filters_by_trainee(user: User) -> None:
    for name in ("Ann Able", "Ben Baker"):
        attempt_id = call_sessions.start_call(name, SCENARIO)
        call_sessions.act(attempt_id, {"kind": "say", "option": "greet"})
        call_sessions.finish(attempt_id)
    await user.open("/progress")
    await user.should_see(marker="attempts")
    assert {r["trainee"] for r in only(user, "attempts").rows} == {"Ann Able", "Ben Baker"}
    await user.open("/progress?trainee=ann%20able")
    await user.should_see("Ann Able: average per scenario")
    assert {r["trainee"] for r in only(user, "attempts").rows} == {"Ann Able"}
    assert [r["scenario"] for r in only(user, "averages").rows] == ["A renter starts service"]


async def test_home_page_links_to_calls_and_progress(user: User) -> None:
    await user.open("/")
    await user.should_see("Open call scenarios")
    await user.should_see("Open training progress")
    user.find("Open call scenarios").click()
    await user.should_see(marker="start-form")
