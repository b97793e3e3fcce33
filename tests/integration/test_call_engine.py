"""The call engine on a real sandbox: what an action may do, and how each kind of item grades."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from fake_cis import database as cis_database
from scenarios.call import ActionError, Call
from scenarios.grading import grade
from scenarios.loader import parse_scenario

SCENARIO = """
id: engine-test
title: Balance question
summary: A customer asks what she owes.
duties: [customer_contact]
difficulty: beginner
objectives: [Verify, then answer.]
target_handle_time_s: 100
setup:
  people:
    ana: {first_name: Ana, last_name: Reyes, birth_date: 1980-01-02, phone: "5305550100", ssn: "123-45-6789"}
  premises:
    home: {house_number: "12", street_name: Elm St}
  accounts:
    main:
      number: "7399999901"
      opened: -400
      people: [{person: ana}]
      service: [{premise: home, start: -400}]
      bills: [{on: -40, due: -19, amount: "120.00"}]
expected:
  owed: {past_due: main}
caller:
  name: Ana Reyes
  persona: Polite.
  opening: "How much do I owe?"
  facts: {phone: "5305550100", account: "7399999901"}
  script:
    start: ask
    turns:
      ask:
        options:
          - {id: ask_details, say: "May I have your account number and phone?", reveals: [account, phone], next: answer}
          - {id: blurt, say: "You owe ${expected.owed}.", discloses: true, quality: wrong, next: answer}
      answer:
        options:
          - {id: tell_amount, say: "The past-due amount is ${expected.owed}.", discloses: true, mood: calm}
          - {id: bye, say: "Goodbye.", ends_call: true}
rubric: {opening_verification: 40, resolution: 30, documentation: 10, soft_skills: 20}
items:
  - {id: verified, section: opening_verification, points: 40, text: Verify first., verify_first: main}
  - {id: told, section: resolution, points: 30, text: Tell the amount., said: [tell_amount]}
  - id: noted
    section: documentation
    points: 10
    text: Note the amount and the promise.
    noted: {account: main, facts: [{name: amount, any_of: ["${expected.owed}"]}, {name: promise, any_of: [promise]}]}
  - {id: manner, section: soft_skills, points: 10, text: Polite., lead: {solo_mood: [calm]}}
  - {id: time, section: soft_skills, points: 10, text: On time., handle_time: true}
fatal:
  - {id: disclosed, text: Disclosed before verifying., unverified_disclosure: main}
"""

VERIFY = {"kind": "operation", "operation": "verify_identity",
          "arguments": {"account_number": "7399999901", "name": "Ana Reyes", "phone": "5305550100"}}


@pytest.fixture(scope="module")
def template(tmp_path_factory):
    from fake_cis.seed import seed_template

    path = tmp_path_factory.mktemp("cis") / "template.sqlite3"
    seed_template(path, customers=50)
    return path


@pytest.fixture
def new_call(template):
    opened = []

    def make(caller_mode="scripted") -> Call:
        run_id = f"engine-test-{len(opened)}"
        cis_database.drop_sandbox(run_id)
        session = Session(cis_database.open_sandbox(run_id, template=template), expire_on_commit=False)
        opened.append((run_id, session))
        return Call.begin(parse_scenario(SCENARIO), session, caller_mode=caller_mode)

    yield make
    for run_id, session in opened:
        session.close()
        cis_database.drop_sandbox(run_id)


def act(call, t, kind, **fields):
    return call.apply({"t": t, "kind": kind, **fields})


def test_full_marks(new_call):
    call = new_call()
    act(call, 2, "say", option="ask_details")
    call.apply({"t": 20, **VERIFY})
    act(call, 30, "say", option="tell_amount")
    act(call, 40, "say", option="bye")
    call.apply({"t": 60, "kind": "operation", "operation": "add_note",
                "arguments": {"account_number": "7399999901", "note": "Told her $120.00 past due; promise to pay Fri."}})
    act(call, 80, "wrap_up")
    report = grade(call)
    assert report.total == 100, {i.id: i.detail for i in report.items}
    assert report.handle_time == {"talk_s": 40, "after_call_s": 40, "handle_s": 80, "target_s": 100}


def test_disclosing_before_verifying_is_fatal_and_loses_verification(new_call):
    call = new_call()
    act(call, 2, "say", option="blurt")
    call.apply({"t": 20, **VERIFY})
    act(call, 30, "wrap_up")
    report = grade(call)
    assert report.fatal and report.total == 0
    assert [f.id for f in report.fatal_items if f.hit] == ["disclosed"]
    verified = next(i for i in report.items if i.id == "verified")
    assert not verified.met and "blurt" in verified.detail


def test_partial_note_and_slow_call_earn_their_share(new_call):
    call = new_call()
    act(call, 2, "say", option="ask_details")
    call.apply({"t": 20, **VERIFY})
    act(call, 30, "say", option="tell_amount")
    act(call, 40, "say", option="bye")
    call.apply({"t": 100, "kind": "operation", "operation": "add_note",
                "arguments": {"account_number": "7399999901", "note": "Balance question: told the amount 120.00"}})
    act(call, 150, "wrap_up")  # 50 s over a 100 s target: half the time points
    items = {i.id: i for i in grade(call).items}
    assert items["noted"].earned == 5 and "promise" in items["noted"].detail
    assert items["time"].earned == 5


@pytest.mark.parametrize("actions,message", [
    ([{"t": 5, "kind": "say", "option": "tell_amount"}], "cannot be said now"),
    ([{"t": 5, "kind": "say", "option": "ask_details"}, {"t": 4, "kind": "end_call"}], "before the previous action"),
    ([{"t": 5, "kind": "end_call"}, {"t": 6, "kind": "say", "option": "ask_details"}], "the call has ended"),
    ([{"t": 5, "kind": "wrap_up"}, {"t": 6, "kind": "operation", "operation": "view_account",
                                    "arguments": {"account_number": "7399999901"}}], "wrapped up"),
    ([{"t": 5, "kind": "reply", "text": "Dear Ana"}], "belongs to an e-mail or letter scenario"),
    ([{"t": 5, "kind": "lead_score", "item": "manner", "points": 5}], "only a lead-led call"),
    ([{"t": 5, "kind": "shout"}], "not a valid action"),
    ([{"t": -1, "kind": "end_call"}], "not a valid action"),
    ([{"kind": "end_call"}], "not a valid action"),
], ids=["option-not-in-turn", "time-backwards", "say-after-end", "act-after-wrap-up", "reply-on-a-phone-call",
        "lead-score-in-solo", "unknown-kind", "negative-time", "no-time"])
def test_actions_that_do_not_fit_are_refused(new_call, actions, message):
    call = new_call()
    *before, last = actions
    for action in before:
        call.apply(action)
    steps = len(call.steps)
    with pytest.raises(ActionError, match=message):
        call.apply(last)
    assert len(call.steps) == steps


def test_lead_scores_soft_skills_in_a_lead_led_call(new_call):
    call = new_call("lead")
    act(call, 2, "say", option="ask_details", by="lead")
    call.apply({"t": 20, **VERIFY})
    act(call, 40, "say", option="bye", by="lead")
    act(call, 60, "wrap_up")
    with pytest.raises(ActionError, match="at most 10"):
        act(call, 61, "lead_score", item="manner", points=11, by="lead")
    with pytest.raises(ActionError, match="not an item the lead scores"):
        act(call, 61, "lead_score", item="told", points=1, by="lead")
    act(call, 62, "lead_score", item="manner", points=7, by="lead", note="warm tone")
    manner = next(i for i in grade(call).items if i.id == "manner")
    assert manner.earned == 7 and "warm tone" in manner.detail


def test_operations_run_at_the_call_s_simulated_time(new_call):
    call = new_call()
    call.apply({"t": 3600.5, **VERIFY})
    from fake_cis.models import AuditEvent
    from sqlalchemy import select

    event = call.session.scalars(select(AuditEvent).order_by(AuditEvent.id.desc())).first()
    assert event.at.isoformat() == f"{call.refs.today.isoformat()}T11:00:00.500000"


FULL_HISTORY = SCENARIO.replace('''      bills: [{on: -40, due: -19, amount: "120.00"}]''', '''      bills: [{on: -70, amount: "80.00"}, {on: -40, due: -19, amount: "120.00", estimated: true}]
      payments: [{on: -60, amount: "80.00", check_number: "1001"}, {on: -10, amount: "20.00", tender: cash}]
      charges: [{kind: late_fee, amount: "6.00", on: -8}]
      deposits: [{amount: "150.00", held_since: -300}]
      orders: [{kind: reread, premise: home, requested: -5}]
      collections: [{kind: ten_day_notice, on: -3, amount: "100.00"}]
      programs: [{program: paperless, enrolled: -100}]
      notes: [{on: -5, note: Customer disputes the estimated read.}]''')


def test_the_fixture_lays_every_kind_of_history_with_fixed_ids(template):
    from fake_cis import ledger
    from fake_cis.models import Deposit, Payment, ServiceOrder

    run_id = "engine-test-history"
    cis_database.drop_sandbox(run_id)
    with Session(cis_database.open_sandbox(run_id, template=template), expire_on_commit=False) as session:
        call = Call.begin(parse_scenario(FULL_HISTORY), session)
        account_id = call.refs.accounts["main"]
        assert ledger.balance(session, account_id) == 106  # 80 + 120 + 6 - 80 - 20
        assert call.expected["owed"] == 106  # the second bill and the late fee are past due, less the cash
        assert session.get(Payment, 900000001).check_number is None
        assert session.get(Payment, 900000000).check_number == "1001"
        assert session.get(Deposit, 900000000).amount == 150
        assert session.get(ServiceOrder, 900000000).kind == "reread"
        assert call.refs.premises == {"home": 900000000}
    cis_database.drop_sandbox(run_id)
