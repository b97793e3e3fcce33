"""10-key scoring: entries against the key, KPH, accuracy, the entry field's accepted keys."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from skills_tests.keystrokes import KeyEvent
from skills_tests.tenkey_scoring import (
    DEFAULT_MIN_ACCURACY,
    DEFAULT_THRESHOLD_NET_KPH,
    EntryResult,
    TenKeyScore,
    entries_from_text,
    rebuild_entry_text,
    score_tenkey,
    tenkey_accepts,
)


def down(key: str, location: int = 0, code: str = "", t: float = 0.0, **flags) -> KeyEvent:
    return KeyEvent("down", key, code or key, location, t, **flags)


def pad(key: str, t: float = 0.0) -> KeyEvent:
    """A keydown on the numeric keypad with NumLock on."""
    codes = {".": "NumpadDecimal", "Enter": "NumpadEnter", "+": "NumpadAdd", "-": "NumpadSubtract"}
    return down(key, 3, codes.get(key, f"Numpad{key}"), t)


def top(key: str, t: float = 0.0) -> KeyEvent:
    """A keydown on the main keyboard."""
    return down(key, 0, f"Digit{key}" if key.isdigit() else key, t)


# --- score_tenkey: correctness of each entry -------------------------------------------


@pytest.mark.parametrize(
    ("key", "entries", "correct", "skipped"),
    [
        pytest.param(["142.87"], ["142.87"], [True], [False], id="exact"),
        pytest.param(["142.80"], ["142.8"], [False], [False], id="trailing-zero-dropped"),
        pytest.param(["142.8"], ["142.80"], [False], [False], id="trailing-zero-added"),
        pytest.param(["250.00"], ["250"], [False], [False], id="cents-left-out"),
        pytest.param(["1004338217"], ["100433821"], [False], [False], id="digit-missing"),
        pytest.param(["1004338217"], ["10043382177"], [False], [False], id="digit-extra"),
        pytest.param(["45.12"], ["41.52"], [False], [False], id="transposition"),
        pytest.param(["95820"], ["095820"], [False], [False], id="leading-zero-added"),
        pytest.param(["95820"], [""], [False], [True], id="skipped"),
        pytest.param(
            ["12", "34", "56"], ["12", "", "56"], [True, False, True], [False, True, False], id="skip-in-middle"
        ),
        pytest.param(["12", "34", "56"], ["12", "34"], [True, True], [False, False], id="fewer-entries-than-items"),
        pytest.param(["12", "34"], ["34", "12"], [False, False], [False, False], id="swapped-entries-by-position"),
        pytest.param(["12"], [" 12"], [False], [False], id="space-is-not-equal"),
    ],
)
def test_each_entry_is_compared_with_the_item_in_its_position(key, entries, correct, skipped):
    score = score_tenkey(key, entries, 60)
    assert [r.correct for r in score.results] == correct
    assert [r.skipped for r in score.results] == skipped
    assert [r.position for r in score.results] == list(range(1, len(entries) + 1))
    assert [r.expected for r in score.results] == list(key[: len(entries)])
    assert score.correct == sum(correct)
    assert score.errors == len(entries) - sum(correct)


# --- score_tenkey: the arithmetic, by hand ---------------------------------------------


@pytest.mark.parametrize(
    ("key", "entries", "seconds", "count_enter", "keystrokes", "gross", "net", "accuracy"),
    [
        # 100 items of 7 characters in 300 s: 700 keystrokes -> 700 * 3600 / 300 = 8,400 KPH
        pytest.param(["1234.56"] * 100, ["1234.56"] * 100, 300, False, 700, 8400.0, 8400.0, 100.0, id="100x7-in-300s"),
        # Enter counted: 800 keystrokes -> 9,600 KPH
        pytest.param(
            ["1234.56"] * 100, ["1234.56"] * 100, 300, True, 800, 9600.0, 9600.0, 100.0, id="100x7-enter-counted"
        ),
        # 100 entries, 3 wrong (still 7 chars): gross 8,400; net 97 * 7 * 12 = 8,148; 97 %
        pytest.param(
            ["1234.56"] * 100, ["1234.56"] * 97 + ["1234.65"] * 3, 300, False, 700, 8400.0, 8148.0, 97.0,
            id="three-wrong",
        ),
        # 2 of 4 correct in 60 s: keystrokes 5+4+5+0 = 14 -> 840 gross; net 4+5 = 9 -> 540
        pytest.param(
            ["142.87", "1000", "95820", "31.50"], ["142.8", "1000", "95820", ""], 60, False, 14, 840.0, 540.0, 50.0,
            id="mixed-with-skip",
        ),
        # same with Enter: 14 + 4 = 18 -> 1,080 gross; net (4+1) + (5+1) = 11 -> 660
        pytest.param(
            ["142.87", "1000", "95820", "31.50"], ["142.8", "1000", "95820", ""], 60, True, 18, 1080.0, 660.0, 50.0,
            id="mixed-with-skip-enter-counted",
        ),
        # only skipped entries: nothing keyed, 0 %; with Enter each skip is one keystroke
        pytest.param(["1", "2"], ["", ""], 10, False, 0, 0.0, 0.0, 0.0, id="all-skipped"),
        pytest.param(["1", "2"], ["", ""], 10, True, 2, 720.0, 0.0, 0.0, id="all-skipped-enter-counted"),
        # nothing submitted: all zero, accuracy 0.0 by definition
        pytest.param(["1", "2"], [], 300, False, 0, 0.0, 0.0, 0.0, id="nothing-submitted"),
        pytest.param([], [], 300, True, 0, 0.0, 0.0, 0.0, id="empty-key"),
        # one correct 5-digit item in 1.5 s: 5 * 3600 / 1.5 = 12,000
        pytest.param(["95820"], ["95820"], 1.5, False, 5, 12000.0, 12000.0, 100.0, id="fractional-seconds"),
        # 1 of 3 correct: 33.33... %
        pytest.param(["1", "2", "3"], ["1", "3", "2"], 36, False, 3, 300.0, 100.0, 100 / 3, id="one-third"),
    ],
)
def test_kph_and_accuracy_arithmetic(key, entries, seconds, count_enter, keystrokes, gross, net, accuracy):
    score = score_tenkey(key, entries, seconds, count_enter=count_enter)
    assert score.keystrokes == keystrokes
    assert score.gross_kph == pytest.approx(gross)
    assert score.net_kph == pytest.approx(net)
    assert score.accuracy == pytest.approx(accuracy)
    assert score.entries == len(entries)
    assert score.seconds == float(seconds)
    assert score.count_enter is count_enter


def test_count_enter_is_off_by_default():
    assert score_tenkey(["12"], ["12"], 36).keystrokes == 2
    assert score_tenkey(["12"], ["12"], 36, count_enter=True).keystrokes == 3


@pytest.mark.parametrize(
    ("entries", "count", "message"),
    [
        pytest.param(["1", "2", "3"], 2, "3 entries for 2 items", id="one-too-many"),
        pytest.param(["1"], 0, "1 entries for 0 items", id="no-items"),
    ],
)
def test_more_entries_than_items_is_refused(entries, count, message):
    with pytest.raises(ValueError, match=message):
        score_tenkey(["9"] * count, entries, 60)


@pytest.mark.parametrize(
    "seconds",
    [
        pytest.param(0, id="zero"),
        pytest.param(-5.0, id="negative"),
        pytest.param(float("nan"), id="nan"),
        pytest.param(float("inf"), id="infinite"),
    ],
)
def test_seconds_must_be_positive(seconds):
    with pytest.raises(ValueError, match="seconds"):
        score_tenkey(["1"], ["1"], seconds)


# --- pass decision -----------------------------------------------------------------------


def test_defaults_are_the_documented_values():
    assert DEFAULT_THRESHOLD_NET_KPH == 8000
    assert DEFAULT_MIN_ACCURACY == 97.0


def _score(net_kph: float, accuracy: float) -> TenKeyScore:
    return TenKeyScore(300.0, False, 100, 0, 0, 0, net_kph, net_kph, accuracy, ())


@pytest.mark.parametrize(
    ("net_kph", "accuracy", "kwargs", "passes"),
    [
        pytest.param(8000.0, 97.0, {}, True, id="exactly-at-both-defaults"),
        pytest.param(7999.99, 100.0, {}, False, id="just-under-kph"),
        # figures are compared as reported, to two decimals with halves rounded up
        pytest.param(7999.995, 100.0, {}, True, id="reported-as-8000.00"),
        pytest.param(7999.9949, 100.0, {}, False, id="reported-as-7999.99"),
        pytest.param(12000.0, 96.99, {}, False, id="just-under-accuracy"),
        pytest.param(9000.0, 98.0, {}, True, id="above-both"),
        pytest.param(6000.0, 99.0, {"threshold_net_kph": 6000}, True, id="hr-lower-threshold"),
        pytest.param(9000.0, 97.5, {"min_accuracy": 98.0}, False, id="hr-stricter-accuracy"),
        pytest.param(0.0, 0.0, {"threshold_net_kph": 0, "min_accuracy": 0}, True, id="zero-thresholds"),
    ],
)
def test_passes(net_kph, accuracy, kwargs, passes):
    assert _score(net_kph, accuracy).passes(**kwargs) is passes


def test_three_wrong_in_a_hundred_passes_at_defaults_four_do_not():
    key = ["1234.56"] * 100
    assert score_tenkey(key, ["1234.56"] * 97 + ["1"] * 3, 300).passes() is True  # net 8,148, 97 %
    assert score_tenkey(key, ["1234.56"] * 96 + ["1"] * 4, 300).passes() is False  # 96 %


# --- to_dict -------------------------------------------------------------------------------


def test_to_dict_is_json_and_lists_wrong_entries_beside_their_keys():
    score = score_tenkey(["142.87", "1000", "95820", "31.50"], ["142.8", "1000", "", "31.50"], 60, count_enter=True)
    data = json.loads(json.dumps(score.to_dict()))
    names = ("keystrokes", "gross_kph", "net_kph", "errors", "accuracy", "entries", "correct", "seconds", "count_enter")
    for name in names:
        assert name in data
    assert data["errors"] == 2
    assert data["net_keystrokes"] == 5 + 6
    assert (data["gross_kph"], data["net_kph"], data["accuracy"]) == (1080.0, 660.0, 50.0)
    assert data["wrong"] == [
        {"position": 1, "expected": "142.87", "entered": "142.8", "correct": False, "skipped": False},
        {"position": 3, "expected": "95820", "entered": "", "correct": False, "skipped": True},
    ]


def test_to_dict_reports_two_decimals():
    data = score_tenkey(["1", "2", "3"], ["1", "3", "2"], 7).to_dict()
    assert data["accuracy"] == 33.33  # 100 / 3
    assert data["gross_kph"] == 1542.86  # 3 * 3600 / 7 = 1542.857...
    assert data["net_kph"] == 514.29


def test_wrong_lists_results_in_order():
    score = score_tenkey(["1", "2", "3"], ["9", "2", ""], 10)
    assert score.wrong == (
        EntryResult(1, "1", "9", False, False),
        EntryResult(3, "3", "", False, True),
    )


# --- entries_from_text -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "entries"),
    [
        pytest.param("", [], id="empty"),
        pytest.param("142.87", [], id="only-a-partial-entry"),
        pytest.param("142.87\n", ["142.87"], id="one-entry"),
        pytest.param("142.87\n95820\n", ["142.87", "95820"], id="two-entries"),
        pytest.param("142.87\n958", ["142.87"], id="trailing-partial-dropped"),
        pytest.param("12\n\n345\n67", ["12", "", "345"], id="blank-line-is-a-skip"),
        pytest.param("\n", [""], id="enter-only"),
        pytest.param("\n\n\n", ["", "", ""], id="three-skips"),
        pytest.param("1\n\n", ["1", ""], id="skip-at-end"),
    ],
)
def test_entries_from_text(text, entries):
    assert entries_from_text(text) == entries


# --- tenkey_accepts ------------------------------------------------------------------------

NUMLOCK_OFF = [
    ("End", "Numpad1"), ("ArrowDown", "Numpad2"), ("PageDown", "Numpad3"), ("ArrowLeft", "Numpad4"),
    ("Clear", "Numpad5"), ("ArrowRight", "Numpad6"), ("Home", "Numpad7"), ("ArrowUp", "Numpad8"),
    ("PageUp", "Numpad9"), ("Insert", "Numpad0"), ("Delete", "NumpadDecimal"),
]


@pytest.mark.parametrize(
    ("event", "free", "keypad_only"),
    [
        pytest.param(pad("7"), True, True, id="keypad-digit"),
        pytest.param(pad("0"), True, True, id="keypad-zero"),
        pytest.param(pad("."), True, True, id="keypad-point"),
        pytest.param(pad("Enter"), True, True, id="keypad-enter"),
        pytest.param(top("7"), True, False, id="top-row-digit"),
        pytest.param(top("."), True, False, id="main-keyboard-point"),
        pytest.param(top("Enter"), True, True, id="main-enter"),
        pytest.param(top("Backspace"), True, True, id="backspace"),
        pytest.param(top("a"), False, False, id="letter"),
        pytest.param(top(" "), False, False, id="space"),
        pytest.param(pad(","), False, False, id="keypad-comma-decimal"),
        pytest.param(pad("+"), False, False, id="keypad-plus"),
        pytest.param(pad("-"), False, False, id="keypad-minus"),
        pytest.param(down("*", 3, "NumpadMultiply"), False, False, id="keypad-multiply"),
        pytest.param(down("Tab"), False, False, id="tab"),
        pytest.param(down("Shift", 1, "ShiftLeft"), False, False, id="shift"),
        pytest.param(down("NumLock", 3, "NumLock"), False, False, id="numlock-key"),
        pytest.param(down("7", 3, "Numpad7", ctrl=True), False, False, id="ctrl-digit"),
        pytest.param(KeyEvent("up", "7", "Numpad7", 3, 0.0), False, False, id="keyup"),
        pytest.param(down("7", 3, "Numpad7", in_field=False), False, False, id="outside-the-field"),
        *(pytest.param(down(k, 3, c), False, False, id=f"numlock-off-{k}") for k, c in NUMLOCK_OFF),
    ],
)
def test_tenkey_accepts(event, free, keypad_only):
    """``free``: accepted without the keypad-only setting; ``keypad_only``: accepted with it."""
    assert tenkey_accepts(event, keypad_only=False) is free
    assert tenkey_accepts(event, keypad_only=True) is keypad_only


# --- rebuild_entry_text --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("events", "keypad_only", "text"),
    [
        pytest.param([pad("1"), pad("."), pad("5"), pad("Enter")], True, "1.5\n", id="keypad-entry"),
        pytest.param([top("1"), pad("2"), top("Enter")], False, "12\n", id="mixed-rows-free"),
        pytest.param([top("1"), pad("2"), top("Enter")], True, "2\n", id="top-row-refused-keypad-only"),
        pytest.param([pad("1"), top("a"), pad("2")], False, "12", id="letter-ignored"),
        pytest.param([pad("1"), pad("3"), top("Backspace"), pad("2")], True, "12", id="backspace-in-entry"),
        pytest.param([pad("1"), pad("Enter"), top("Backspace"), pad("2")], True, "1\n2", id="backspace-stops-at-enter"),
        pytest.param([top("Backspace"), top("Backspace"), pad("4")], True, "4", id="backspace-on-empty-field"),
        pytest.param([pad("Enter"), pad("Enter")], True, "\n\n", id="two-skips"),
        pytest.param(
            [down("End", 3, "Numpad1"), down("Clear", 3, "Numpad5"), pad("5")], False, "5",
            id="numlock-off-keys-ignored",
        ),
    ],
)
def test_rebuild_entry_text(events, keypad_only, text):
    assert rebuild_entry_text(events, keypad_only) == text


def test_rebuild_then_score():
    events = [pad(c if c != "\n" else "Enter") for c in "142.87\n95820\n31.5"]
    entries = entries_from_text(rebuild_entry_text(events, keypad_only=True))
    score = score_tenkey(["142.87", "95820", "31.50"], entries, 12)
    assert (score.entries, score.correct, score.keystrokes) == (2, 2, 11)


# --- properties ------------------------------------------------------------------------------

keys_strategy = st.lists(st.from_regex(r"[1-9][0-9]{0,9}(\.[0-9]{2})?", fullmatch=True), min_size=1, max_size=50)


@given(key=keys_strategy, seconds=st.floats(min_value=0.5, max_value=3600), count_enter=st.booleans())
def test_keying_the_key_exactly_is_perfect(key, seconds, count_enter):
    score = score_tenkey(key, key, seconds, count_enter=count_enter)
    assert score.accuracy == 100.0
    assert score.errors == 0
    assert score.net_kph == score.gross_kph
    assert score.keystrokes == sum(map(len, key)) + (len(key) if count_enter else 0)


@given(key=keys_strategy, data=st.data())
def test_net_never_exceeds_gross_and_counts_add_up(key, data):
    entries = data.draw(st.lists(st.sampled_from([*key, "", "1", "0.00"]), max_size=len(key)))
    score = score_tenkey(key, entries, 60, count_enter=data.draw(st.booleans()))
    assert score.net_kph <= score.gross_kph
    assert score.correct + score.errors == score.entries == len(entries)
    assert 0.0 <= score.accuracy <= 100.0


@given(text=st.text(alphabet="0123456789.\n", max_size=60))
def test_typing_text_on_the_keypad_rebuilds_it(text):
    events = [pad("Enter" if c == "\n" else c) for c in text]
    assert rebuild_entry_text(events, keypad_only=True) == text
    assert "\n".join(entries_from_text(text)) + ("\n" if "\n" in text else "") == text[: text.rfind("\n") + 1]
