"""Pure rules of the scenario engine: placeholders, check operators, spelling, normalising."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import pytest

from scenarios.expected import ExpectedError, lookup
from scenarios.fixture import Refs
from scenarios.grading import _normalised, _tenth, misspelled
from scenarios.state_checks import _matches
from scenarios.text import fill

TODAY = date(2026, 11, 16)
REFS = Refs(today=TODAY, call_start=datetime(2026, 11, 16, 10, 0))
EXPECTED = {"fee": Decimal("15.00"), "restore": {"total": Decimal("1234.5"), "deposit": Decimal("0.00")}}


@pytest.mark.parametrize("text,facts,result", [
    ("plain", {}, "plain"),
    ("fee ${expected.fee}", {}, "fee $15.00"),
    ("total {expected.restore.total}", {}, "total 1,234.50"),
    ("on {today+4}", {}, "on 2026-11-20"),
    ("since {today-16}", {}, "since 2026-10-31"),
    ("on {today+4:long}", {}, "on Friday, November 20"),
    ("on {today+4:short}", {}, "on 11/20"),
    ("on {today-16:mon}", {}, "on Oct 31"),
    ("today {today}", {}, "today 2026-11-16"),
    ("call {facts.phone}", {"phone": "530-555-0142"}, "call 530-555-0142"),
    ("moving {facts.move}", {"move": "{today+4:long}"}, "moving Friday, November 20"),
    ("unknown {facts.nope} stays", {}, "unknown {facts.nope} stays"),
    ("braces {not a placeholder}", {}, "braces {not a placeholder}"),
], ids=["plain", "money", "nested-money", "day-ahead", "day-back", "spoken-day", "short-day", "month-day", "today", "fact", "fact-with-day",
        "unknown-fact", "other-braces"])
def test_fill(text, facts, result):
    assert fill(text, facts, EXPECTED, TODAY) == result


def test_lookup_names_what_is_missing():
    with pytest.raises(ExpectedError, match="no expected amount 'fees'"):
        lookup(EXPECTED, "fees")
    with pytest.raises(ExpectedError, match="has no part 'tota'"):
        lookup(EXPECTED, "restore.tota")


@pytest.mark.parametrize("value,condition,result", [
    (Decimal("15.00"), "15", True),
    (Decimal("15.00"), 15.0, True),
    (Decimal("15.00"), {"expected": "fee"}, True),
    (Decimal("15.01"), {"expected": "fee"}, False),
    (Decimal("20.00"), {"gte": 15, "lte": 20}, True),
    (Decimal("20.01"), {"gte": 15, "lte": 20}, False),
    (Decimal("5"), {"gt": 5}, False),
    (Decimal("4.99"), {"lt": 5}, True),
    ("held", {"in": ["held", "applied"]}, True),
    ("refunded", {"in": ["held", "applied"]}, False),
    ("canceled", {"ne": "pending"}, True),
    (None, {"ne": None}, False),
    (None, None, True),
    ("x", None, False),
    (None, {"gte": 1}, False),
    ("Customer moved to 12 Elm St", {"contains": "elm st"}, True),
    (None, {"contains": "elm"}, False),
    (date(2026, 11, 20), "{today+4}", True),
    (date(2026, 11, 20), {"days": 4}, True),
    (date(2026, 11, 21), {"days": 4}, False),
    (datetime(2026, 11, 16, 10, 5), {"days": 0}, True),
    (date(2026, 11, 25), {"gte": {"days": 5}}, True),
    (True, True, True),
    (False, True, False),
], ids=["money-text", "money-float", "expected", "expected-off-by-a-cent", "range", "above-range", "gt-equal",
        "lt", "in", "not-in", "ne", "ne-null", "null", "not-null", "null-compared", "contains", "contains-null",
        "day-text", "days", "days-off", "timestamp-on-day", "gte-days", "bool", "bool-false"])
def test_check_conditions(value, condition, result):
    assert _matches(value, condition, REFS, EXPECTED) is result


@pytest.mark.parametrize("text,accepted,wrong", [
    ("Dear Ms. Delgado, thank you for your letter.", set(), []),
    ("We recieved your payment and aplied it.", set(), ["aplied", "recieved"]),
    ("Your account 7300000107 is current.", set(), []),
    ("Please email billing@aspu.example.org.", set(), []),
    ("The reread is scheduled.", {"reread"}, []),
    ("Sincerly, Customer Service", set(), ["sincerly"]),
    ("Dear Mr. Qarshaw,", set(), ["qarshaw"]),
    ("Dear Mr. Qarshaw,", {"qarshaw"}, []),
    ("Your ACH payment and the customer's PG&E letter.", set(), []),
], ids=["clean", "two-misspellings", "numbers", "email-address", "accepted-term", "capitalised-misspelling",
        "unknown-name", "name-from-the-scenario", "abbreviations-and-possessive"])
def test_misspelled(text, accepted, wrong):
    assert misspelled(text, accepted) == wrong


@pytest.mark.parametrize("text,how,result", [
    ("(530) 555-0142", "digits", "5305550142"),
    ("  12  Elm   St ", "spacing", "12 elm st"),
    ("12 Elm St", "exact", "12 Elm St"),
])
def test_normalised(text, how, result):
    assert _normalised(text, how) == result


@pytest.mark.parametrize("value,result", [
    (Decimal("3.25"), Decimal("3.3")), (Decimal("3.24"), Decimal("3.2")), (Decimal("7"), Decimal("7.0")),
    (Decimal("2") / 3, Decimal("0.7")),
])
def test_points_round_half_up_to_a_tenth(value, result):
    assert _tenth(value) == result


@pytest.mark.parametrize("value,condition,result", [
    ("Seen Saturday night by the meter", {"contains": "{facts.when}"}, True),
    ("Seen Friday", {"contains": "{facts.when}"}, False),
    ("5305550917", "{facts.phone}", True),
    ("5305550918", {"in": ["{facts.phone}", "5305550100"]}, False),
], ids=["contains-fact", "contains-other", "fact-equals", "fact-in-list"])
def test_check_conditions_fill_the_caller_s_facts(value, condition, result):
    facts = {"when": "Saturday", "phone": "5305550917"}
    assert _matches(value, condition, REFS, EXPECTED, facts) is result
