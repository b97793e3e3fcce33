"""Shared set-up for the call-page tests: a small seeded CIS and the golden path's steps."""

from __future__ import annotations

from datetime import timedelta

import pytest
from nicegui import ui
from nicegui.testing import User

from fake_cis import database as cis_database
from fake_cis.seed import seed_template
from simulator import call_sessions

SCENARIO = "renter-starts-service"


@pytest.fixture(scope="module")
def small_template(tmp_path_factory):
    path = tmp_path_factory.mktemp("cis") / "template.sqlite3"
    seed_template(path, customers=200, seed=7)
    return path


@pytest.fixture(autouse=True)
def _use_template(small_template, monkeypatch, tmp_path):
    monkeypatch.setenv("CSR_SIM_CIS_TEMPLATE", str(small_template))
    monkeypatch.setenv("CSR_SIM_CIS_SANDBOX_DIR", str(tmp_path / "sandboxes"))
    cis_database.reset()
    yield
    call_sessions.drop_live_calls()
    cis_database.reset()


@pytest.fixture(autouse=True)
async def _signed_in_lead(_use_template, user: User, monkeypatch):
    """Call scenarios are for signed-in trainees, leads and HR: the browser signs in as a lead,
    who may also open the lead view, the calls waiting for a lead and the progress page."""
    from tests.ui.test_signin_and_roles import signed_in_as

    await signed_in_as(user, monkeypatch)


def only(user: User, marker: str):
    found = user.find(marker=marker).elements
    assert len(found) == 1, f"{len(found)} elements marked {marker}"
    return next(iter(found))


async def start_from_the_form(user: User, name: str, *, caller: str = "scripted", mode: str = "practice",
                              scenario: str = SCENARIO) -> str:
    """Fill in the start form on /calls and start; returns the new call's id."""
    await user.open("/calls")
    await user.should_see(marker=f"scenario-{scenario}")
    user.find(marker="name").type(name)
    only(user, "scenario").set_value(scenario)
    only(user, "caller").set_value(caller)
    only(user, "mode").set_value(mode)
    user.find(marker="start-call").click()
    await user.should_see(marker="cis-panel")
    return call_sessions.calls_of(name)[0]["id"]


async def work_the_cis(user: User, attempt_id: str) -> None:
    """Find the premise, start service for Maria as she dictated, then note the account."""
    today = call_sessions.live_call(attempt_id).call.refs.today
    move_in = (today + timedelta(days=4)).isoformat()
    user.find(marker="search").type("1420 Oak Ave")
    user.find(marker="search-button").click()
    await user.should_see(marker="search-results")
    results = only(user, "search-results")
    row = next(r for r in results.rows if r["premise_id"] == 900000000)
    user.find(marker="search-results").trigger("rowClick", [None, row])
    await user.should_see(marker="account-number")  # the landlord's account: the premise is picked

    only(user, "action").set_value("start_service")
    await user.should_see(marker="group-new_person")
    assert only(user, "arg-premise_id").value == "900000000"  # from the row clicked
    assert only(user, "arg-account_number").value == ""  # a new customer gets a new account
    user.find(marker="arg-start_on").type(move_in)
    for field, value in (("first_name", "Maria"), ("middle_name", "Elena"), ("last_name", "Delgado"),
                         ("birth_date", "1997-06-14"), ("ssn", "612-40-3381"), ("phone", "5305550142"),
                         ("email", "maria.delgado97@example.com")):
        user.find(marker=f"arg-{field}").type(value)
    user.find(marker="run-operation").click()
    message = only(user, "cis-message")
    assert "text-green-800" in message.classes, message.text
    await user.should_see(content="Account 8000000001")  # the new account is on screen

    only(user, "action").set_value("add_note")
    await user.should_see(marker="arg-note")
    assert only(user, "arg-account_number").value == "8000000001"
    user.find(marker="arg-contact_type").clear().type("start_service")
    user.find(marker="arg-note").type(f"New customer Maria Delgado. Service starts {move_in} at 1420 Oak Ave "
                                      "Apt 3. Establishment fee $15.00 on first bill. No deposit: no trigger.")
    user.find(marker="run-operation").click()
    message = only(user, "cis-message")
    assert "text-green-800" in message.classes, message.text


def press(user: User, key: str, *, alt: bool = False) -> None:
    """A key pressed on the page (outside any input), as ui.keyboard reports it."""
    user.find(kind=ui.keyboard).trigger("key", {
        "action": "keydown", "repeat": False, "altKey": alt, "ctrlKey": False, "metaKey": False,
        "shiftKey": False, "key": key, "code": f"Key{key.upper()}", "location": 0})
