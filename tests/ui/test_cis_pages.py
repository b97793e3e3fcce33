"""The practice CIS screens through the UI (simulated user) on a small seeded template."""

from __future__ import annotations

import sqlite3

import pytest
from nicegui.testing import User

from tests.ui.call_helpers import _use_template, small_template  # noqa: F401 - the seeded CIS for each test


@pytest.fixture(autouse=True)
async def _signed_in_trainee(_use_template, user: User, monkeypatch):
    """The practice CIS is for signed-in trainees, leads and HR."""
    from tests.ui.test_signin_and_roles import signed_in_as

    await signed_in_as(user, monkeypatch, "candidate", "trainee.tester")


def _an_active_account(template) -> tuple[str, str]:
    """(account number, main person's last name) of an active residential account."""
    with sqlite3.connect(template) as db:
        return db.execute(
            "SELECT a.account_number, p.last_name FROM accounts a JOIN account_persons ap ON ap.account_id = a.id "
            "AND ap.role = 'main' JOIN persons p ON p.id = ap.person_id WHERE a.status = 'active' "
            "AND a.customer_class = 'residential' AND p.last_name IS NOT NULL ORDER BY a.id LIMIT 1").fetchone()


async def test_search_finds_the_customer_and_opens_the_account(user: User, small_template) -> None:
    number, last_name = _an_active_account(small_template)
    await user.open("/cis")
    user.find(marker="search").type(last_name)
    user.find(marker="search-button").click()
    await user.should_see(marker="search-results")
    rows = user.find(marker="search-results").elements.pop().rows
    assert number in [r["account_number"] for r in rows]
    await user.open(f"/cis/account/{number}")
    await user.should_see(marker="account-number")
    await user.should_see(marker="balance")
    await user.should_see(marker="section-persons")
    await user.should_see(marker="section-correspondence")


async def test_a_too_short_search_is_refused_with_a_message(user: User) -> None:
    await user.open("/cis")
    user.find(marker="search").type("a")
    user.find(marker="search-button").click()
    await user.should_see("at least 2 characters")


async def test_an_action_form_runs_the_operation_and_a_refusal_says_what_is_wrong(user: User, small_template) -> None:
    number, _ = _an_active_account(small_template)
    await user.open(f"/cis/account/{number}")
    balance_before = user.find(marker="balance").elements.pop().text
    user.find(marker="action").elements.pop().set_value("post_payment")
    await user.should_see(marker="run-operation")
    user.find(marker="run-operation").click()  # no amount, no tender: refused, nothing posted
    await user.should_see("amount")
    assert user.find(marker="balance").elements.pop().text == balance_before

    user.find(marker="arg-amount").type("25.00")
    user.find(marker="arg-tender").elements.pop().set_value("cash")
    user.find(marker="run-operation").click()
    message = user.find(marker="cis-message").elements.pop()
    assert "text-green-800" in message.classes, message.text
    assert user.find(marker="balance").elements.pop().text != balance_before


async def test_unknown_account_says_so(user: User) -> None:
    await user.open("/cis/account/0000000000")
    await user.should_see(marker="not-found")


async def test_a_move_out_then_a_new_customer_started_from_the_forms(user: User, small_template) -> None:
    with sqlite3.connect(small_template) as db:
        premise_id, number = db.execute(
            "SELECT sa.premise_id, a.account_number FROM service_agreements sa JOIN accounts a ON a.id = sa.account_id "
            "WHERE sa.kind = 'electric' AND sa.status = 'active' AND a.customer_class = 'residential' "
            "ORDER BY sa.id LIMIT 1").fetchone()
    await user.open(f"/cis/account/{number}")
    action = user.find(marker="action").elements.pop()
    action.set_value("stop_service")
    await user.should_see(marker="arg-stop_on")
    user.find(marker="arg-stop_on").type("2026-11-19")
    user.find(marker="run-operation").click()
    message = user.find(marker="cis-message").elements.pop()
    assert "text-green-800" in message.classes, message.text

    action.set_value("start_service")
    await user.should_see(marker="group-new_person")  # the new customer's details are one group of fields
    user.find(marker="arg-premise_id").type(str(premise_id))
    user.find(marker="arg-start_on").type("2026-11-20")
    user.find(marker="arg-account_number").clear()  # a new customer gets a new account
    user.find(marker="arg-first_name").type("Rosa")
    user.find(marker="arg-last_name").type("Quintero")
    user.find(marker="arg-phone").type("530-555-0199")
    user.find(marker="run-operation").click()
    message = user.find(marker="cis-message").elements.pop()
    assert "text-green-800" in message.classes, message.text
    with sqlite3.connect(small_template) as db:  # the template is untouched: the work was in the sandbox
        assert db.execute("SELECT count(*) FROM persons WHERE last_name = 'Quintero' AND first_name = 'Rosa'"
                          ).fetchone() == (0,)
