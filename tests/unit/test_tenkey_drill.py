"""The adding-machine drill: tape grammar, rebuilding the tape from keys, scoring a batch."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from skills_tests.keystrokes import KeyEvent
from skills_tests.tenkey_drill import (
    TapeError,
    TapeLine,
    drill_accepts,
    parse_tape,
    rebuild_tape_text,
    score_drill,
)
from skills_tests.tenkey_items import DrillBatch, DrillStub, get_drill_batch, load_drill_batches

D = Decimal


def batch_of(*stubs: tuple[str, str]) -> DrillBatch:
    """A made-up batch; each stub is (printed amount, check amount)."""
    rows = tuple(DrillStub(n, D(s), D(c)) for n, (s, c) in enumerate(stubs, start=1))
    control_total = sum((r.check_amount for r in rows), D("0.00"))
    return DrillBatch("tenkey-drill-test", "Test batch", "practice", control_total, rows)


# Three stubs; stub 2 is printed 41.52 but the check is for 45.12 (a transposition).
ODD = batch_of(("10.00", "10.00"), ("41.52", "45.12"), ("100.25", "100.25"))  # control total 155.37
EVEN = batch_of(("10.00", "10.00"), ("20.50", "20.50"), ("20.50", "20.50"))  # control total 51.00


def pad(key: str, t: float = 0.0) -> KeyEvent:
    codes = {".": "NumpadDecimal", "Enter": "NumpadEnter", "+": "NumpadAdd", "-": "NumpadSubtract", "=": "NumpadEqual"}
    return KeyEvent("down", key, codes.get(key, f"Numpad{key}"), 3, t)


def top(key: str, t: float = 0.0) -> KeyEvent:
    return KeyEvent("down", key, f"Digit{key}" if key.isdigit() else key, 0, t, shift=key == "+")


def keys(text: str, maker=pad) -> list[KeyEvent]:
    names = {"\n": "Enter", "\b": "Backspace"}
    return [maker(names.get(c, c)) if c != "\b" else top("Backspace") for c in text]


# --- parse_tape ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "lines", "total", "totalled", "pending"),
    [
        pytest.param("", [], "0.00", False, "", id="empty"),
        pytest.param("=", [], "0.00", True, "", id="total-only"),
        pytest.param("12.50+7.25+=", [("12.50", "+"), ("7.25", "+")], "19.75", True, "", id="two-amounts"),
        pytest.param("12.50+7.25+\n", [("12.50", "+"), ("7.25", "+")], "19.75", True, "", id="enter-totals"),
        pytest.param("45.21+45.21-45.12+=", [("45.21", "+"), ("45.21", "-"), ("45.12", "+")], "45.12", True, "",
                     id="correction"),
        pytest.param("45+", [("45.00", "+")], "45.00", False, "", id="whole-dollars"),
        pytest.param("45.1+", [("45.10", "+")], "45.10", False, "", id="one-decimal"),
        pytest.param(".5+", [("0.50", "+")], "0.50", False, "", id="leading-point"),
        pytest.param("45.+", [("45.00", "+")], "45.00", False, "", id="trailing-point"),
        pytest.param("4512+", [("4512.00", "+")], "4512.00", False, "", id="no-automatic-decimal"),
        pytest.param("10-", [("10.00", "-")], "-10.00", False, "", id="subtract-first"),
        pytest.param("10+3.1", [("10.00", "+")], "10.00", False, "3.1", id="pending-amount"),
    ],
)
def test_parse_tape(text, lines, total, totalled, pending):
    tape = parse_tape(text)
    assert tape.lines == tuple(TapeLine(D(a), s) for a, s in lines)
    assert tape.total == D(total)
    assert tape.totalled is totalled
    assert tape.pending == pending


@pytest.mark.parametrize(
    ("text", "message"),
    [
        pytest.param("12++", r"'\+' at position 4 has no amount before it", id="double-plus"),
        pytest.param("+12+", r"'\+' at position 1 has no amount", id="leading-plus"),
        pytest.param("12+-", r"'-' at position 4 has no amount", id="plus-minus"),
        pytest.param(".+", r"'\+' at position 2 has no amount", id="point-only"),
        pytest.param("1.2.3+", r"amount '1.2.' at position 4 has a second decimal point", id="two-points"),
        pytest.param("1.234+", r"'1.234' at position 5 has more than two digits after the decimal point",
                     id="three-decimals"),
        pytest.param("12a+", r"'a' at position 3 is not a tape key", id="letter"),
        pytest.param("12 +", r"' ' at position 3 is not a tape key", id="space"),
        pytest.param("12*", r"'\*' at position 3 is not a tape key", id="multiply"),
        pytest.param("1,000+", r"',' at position 2 is not a tape key", id="thousands-comma"),
        pytest.param("12+=3+", r"keys after the total at position 5: nothing may follow '=' or Enter \(at position 4\)",
                     id="keys-after-total"),
        pytest.param("12+==", r"keys after the total at position 5", id="double-total"),
        pytest.param("12=", r"amount '12' was not added with '\+' or '-' before the total at position 3",
                     id="amount-not-added"),
    ],
)
def test_parse_tape_rejects_malformed_tapes(text, message):
    with pytest.raises(TapeError, match=message):
        parse_tape(text)


def test_tape_error_is_a_value_error():
    assert issubclass(TapeError, ValueError)


# --- score_drill ---------------------------------------------------------------------------------


def test_balanced_batch_keyed_as_printed():
    score = score_drill(EVEN, "10.00+20.50+20.50+=", 30, 19)
    assert score.balanced and score.correct and score.totalled
    assert score.total == score.control_total == D("51.00")
    assert score.difference == D("0.00")
    assert [s.keyed_as for s in score.stubs] == ["check", "check", "check"]
    assert score.has_discrepancy is False
    assert score.discrepancy_found is None and score.discrepancy_corrected is None
    assert score.findings == ("Balanced: the keyed total 51.00 equals the control total.",)
    assert score.kph == pytest.approx(19 * 120)


def test_unbalanced_batch_not_corrected():
    score = score_drill(ODD, "10+41.52+100.25+=", 60, 18)
    assert not score.balanced and not score.correct
    assert score.total == D("151.77")
    assert score.difference == D("-3.60")
    assert [s.keyed_as for s in score.stubs] == ["check", "printed", "check"]
    assert score.discrepancy_found is False and score.discrepancy_corrected is False
    assert score.findings == (
        "Out of balance: keyed total 151.77, control total 155.37, 3.60 short.",
        "Stub 2 is printed 41.52 but its check is for 45.12: "
        "keyed with the printed amount (discrepancy not corrected).",
    )


@pytest.mark.parametrize(
    ("tape", "corrections"),
    [
        pytest.param("10+41.52+100.25+41.52-45.12+=", 1, id="printed-subtracted-then-check-added"),
        pytest.param("10+45.12+100.25+=", 0, id="check-amount-keyed-straight-away"),
        pytest.param("10+41.52+41.52-45.12+100.25+=", 1, id="corrected-at-once"),
        pytest.param("10+4.52+4.52-45.12+100.25+=", 1, id="own-mistake-corrected"),
    ],
)
def test_discrepancy_found_and_corrected(tape, corrections):
    score = score_drill(ODD, tape, 60, len(tape))
    assert score.balanced and score.correct
    assert score.total == D("155.37")
    assert score.stubs[1].keyed_as == "check"
    assert score.discrepancy_found is True and score.discrepancy_corrected is True
    assert score.corrections == corrections
    assert "keyed with the check amount (discrepancy found and corrected)" in score.findings[1]


def test_printed_amount_subtracted_but_check_never_added():
    score = score_drill(ODD, "10+41.52+100.25+41.52-=", 60, 23)
    assert score.total == D("110.25") and not score.balanced
    assert score.stubs[1].keyed_as == "missing"
    assert score.discrepancy_found is True and score.discrepancy_corrected is False
    assert "the printed amount was subtracted but the check amount was not added" in score.findings[1]


@pytest.mark.parametrize(
    ("tape", "finding"),
    [
        pytest.param("10+20.50+=", "Stub 3 (20.50) is not on the tape.", id="stub-missing"),
        pytest.param("10+20.50+20.05+=", "20.05 on the tape matches no stub.", id="miskeyed"),
        pytest.param("10+20.50+20.50+10+=", "10.00 on the tape matches no stub.", id="keyed-twice"),
        pytest.param("10+20.50+20.50+5-=", "5.00 was subtracted but never added.", id="unmatched-subtraction"),
        pytest.param("10+20.50+20.50+", "The tape was not totalled: '=' or Enter was never keyed.", id="not-totalled"),
        pytest.param("10+20.50+20.5", "The last amount, 20.5, was keyed but not added with '+' or '-'.", id="pending"),
        pytest.param("10+20.50+20.50+30+=", "Out of balance: keyed total 81.00, control total 51.00, 30.00 over.",
                     id="over"),
    ],
)
def test_findings(tape, finding):
    score = score_drill(EVEN, tape, 60, len(tape))
    assert finding in score.findings
    assert not score.correct


def test_not_totalled_but_balanced_is_not_correct():
    score = score_drill(EVEN, "10+20.50+20.50+", 60, 15)
    assert score.balanced and not score.totalled and not score.correct


def test_duplicate_amounts_match_both_stubs():
    score = score_drill(EVEN, "20.50+10+20.50+=", 60, 16)
    assert [s.keyed_as for s in score.stubs] == ["check", "check", "check"]
    assert score.correct


def test_amounts_are_exact_decimals():
    # 0.10 + 0.20 is exactly 0.30, which it would not be in binary floating point
    batch = batch_of(*[("0.10", "0.10")] * 4, *[("0.20", "0.20")] * 4)
    score = score_drill(batch, "0.1+" * 4 + ".2+" * 4 + "=", 10, 20)
    assert score.total == D("1.20") and score.balanced
    assert all(isinstance(a, Decimal) for a in score.amounts)
    assert score.amounts[:2] == (D("0.10"), D("0.10"))


def test_to_dict_is_json():
    score = score_drill(ODD, "10+41.52+41.52-45.12+100.25+=", 90, 30)
    data = json.loads(json.dumps(score.to_dict()))
    assert data["total"] == "155.37" and data["control_total"] == "155.37"
    assert data["balanced"] is True and data["correct"] is True
    assert data["amounts"] == ["10.00", "41.52", "-41.52", "45.12", "100.25"]
    assert data["stubs"][1] == {"number": 2, "stub_amount": "41.52", "check_amount": "45.12", "keyed_as": "check"}
    assert data["kph"] == pytest.approx(1200.0)
    assert data["findings"]


@pytest.mark.parametrize(
    ("seconds", "keystrokes"), [pytest.param(0, 1, id="zero-seconds"), pytest.param(10, -1, id="negative-keystrokes")]
)
def test_score_drill_argument_checks(seconds, keystrokes):
    with pytest.raises(ValueError):
        score_drill(EVEN, "", seconds, keystrokes)


def test_malformed_tape_raises_from_score_drill():
    with pytest.raises(TapeError, match="second decimal point"):
        score_drill(EVEN, "1.2.3+", 10, 6)


@pytest.mark.parametrize("batch", load_drill_batches(), ids=lambda b: b.id)
def test_committed_batches_keyed_as_printed_and_corrected(batch):
    printed = "".join(f"{s.stub_amount}+" for s in batch.stubs) + "="
    as_printed = score_drill(batch, printed, 120, len(printed))
    assert as_printed.balanced is batch.balances_as_printed
    odd = batch.discrepant_stub
    if odd is None:
        assert as_printed.correct
        return
    assert as_printed.difference == odd.stub_amount - odd.check_amount
    fixed = printed[:-1] + f"{odd.stub_amount}-{odd.check_amount}+="
    corrected = score_drill(batch, fixed, 150, len(fixed))
    assert corrected.correct and corrected.discrepancy_corrected


def test_a_committed_batch_with_a_transposition():
    batch = get_drill_batch("tenkey-drill-02")
    odd = batch.discrepant_stub
    assert odd is not None
    assert sorted(str(odd.stub_amount)) == sorted(str(odd.check_amount))
    # a transposition is always off by a multiple of 9 cents
    assert (odd.stub_amount - odd.check_amount) * 100 % 9 == 0


# --- drill_accepts and rebuild_tape_text ------------------------------------------------------------


@pytest.mark.parametrize(
    ("event", "free", "keypad_only"),
    [
        pytest.param(pad("7"), True, True, id="keypad-digit"),
        pytest.param(pad("+"), True, True, id="keypad-plus"),
        pytest.param(pad("-"), True, True, id="keypad-minus"),
        pytest.param(pad("="), True, True, id="keypad-equals"),
        pytest.param(pad("Enter"), True, True, id="keypad-enter"),
        pytest.param(top("Enter"), True, True, id="main-enter"),
        pytest.param(top("Backspace"), True, True, id="backspace"),
        pytest.param(top("7"), True, False, id="top-row-digit"),
        pytest.param(top("+"), True, False, id="top-row-plus"),
        pytest.param(top("="), True, False, id="top-row-equals"),
        pytest.param(pad("*"), False, False, id="keypad-multiply"),
        pytest.param(pad("/"), False, False, id="keypad-divide"),
        pytest.param(top("x"), False, False, id="letter"),
        pytest.param(KeyEvent("down", "End", "Numpad1", 3, 0.0), False, False, id="numlock-off"),
    ],
)
def test_drill_accepts(event, free, keypad_only):
    assert drill_accepts(event, keypad_only=False) is free
    assert drill_accepts(event, keypad_only=True) is keypad_only


@pytest.mark.parametrize(
    ("typed", "tape"),
    [
        pytest.param("12.50+7.25+=", "12.50+7.25+=", id="plain"),
        pytest.param("12++", "12+", id="second-plus-refused"),
        pytest.param("+-12+", "12+", id="operator-without-amount-refused"),
        pytest.param("1.2.3+", "1.23+", id="second-point-refused"),
        pytest.param("1.234+", "1.23+", id="third-decimal-refused"),
        pytest.param("12=+", "12+", id="total-with-pending-amount-refused"),
        pytest.param("12+=34+", "12+=", id="keys-after-total-refused"),
        pytest.param("12+\n", "12+\n", id="enter-totals"),
        pytest.param("14\b2+", "12+", id="backspace-in-amount"),
        pytest.param("12+\b\b3+", "12+3+", id="backspace-cannot-remove-a-printed-amount"),
        pytest.param("1.\b5+", "15+", id="backspace-removes-the-point"),
    ],
)
def test_rebuild_tape_text(typed, tape):
    assert rebuild_tape_text(keys(typed)) == tape


def test_rebuild_tape_keypad_only():
    events = [top("1"), pad("2"), top("+"), pad("+"), pad("3"), pad("+"), pad("=")]
    assert rebuild_tape_text(events, keypad_only=True) == "2+3+="
    assert rebuild_tape_text(events, keypad_only=False) == "12+3+="


@given(st.text(alphabet="0123456789.+-=\n\bx*", max_size=60))
def test_a_rebuilt_tape_always_parses(typed):
    tape = rebuild_tape_text(keys(typed))
    parsed = parse_tape(tape)
    assert parsed.total == sum((line.value for line in parsed.lines), D("0.00"))


@given(st.lists(st.decimals(min_value=D("0.01"), max_value=D("9999.99"), places=2), min_size=8, max_size=25))
def test_keying_the_check_amounts_always_balances(amounts):
    batch = batch_of(*[(str(a), str(a)) for a in amounts])
    tape = "".join(f"{a}+" for a in amounts) + "="
    score = score_drill(batch, tape, 60, len(tape))
    assert score.balanced and score.correct and score.difference == 0
