"""10-key practice metrics from the keystroke log."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from skills_tests.keystrokes import KeyEvent
from skills_tests.tenkey_metrics import KEYPAD_KEYS, NUMLOCK_OFF_KEYS, kph_series, tenkey_metrics

PAD_CODES = {".": "NumpadDecimal", "\n": "NumpadEnter", "\b": "Backspace"}
KEY_NAMES = {"\n": "Enter", "\b": "Backspace"}


def keyed(text: str, start_ms: float = 1000.0, interval_ms: float = 250.0, location: int = 3) -> list[KeyEvent]:
    """Keydown/keyup pairs keying ``text`` at a steady pace ("\\n" Enter, "\\b" Backspace)."""
    events: list[KeyEvent] = []
    t = start_ms
    for ch in text:
        key = KEY_NAMES.get(ch, ch)
        loc = 0 if ch == "\b" else location
        code = PAD_CODES.get(ch, f"Numpad{ch}") if loc == 3 else ("Digit" + ch if ch.isdigit() else key)
        events.append(KeyEvent("down", key, code, loc, t))
        events.append(KeyEvent("up", key, code, loc, t + 60))
        t += interval_ms
    return events


def down(key: str, location: int, t: float, code: str = "") -> KeyEvent:
    return KeyEvent("down", key, code or key, location, t)


# --- KPH over time -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("offsets", "duration", "series"),
    [
        pytest.param([], 30, [(10, 0.0), (20, 0.0), (30, 0.0)], id="nothing"),
        # 5 keystrokes in the first 10 s: 5 * 3600 / 10 = 1,800 KPH
        pytest.param([0, 1, 2, 3, 4], 20, [(10, 1800.0), (20, 0.0)], id="first-interval"),
        # on a boundary: 10.0 starts the second interval, [10, 20)
        pytest.param([9.99, 10.0], 20, [(10, 360.0), (20, 360.0)], id="boundary"),
        # a keystroke at exactly the end belongs to the last interval
        pytest.param([20.0], 20, [(10, 0.0), (20, 360.0)], id="at-the-end"),
        # 25 s: the last interval is 5 s long; 1 keystroke in it = 720 KPH
        pytest.param([22.0], 25, [(10, 0.0), (20, 0.0), (25, 720.0)], id="short-last-interval"),
        pytest.param([31.0], 30, [(10, 0.0), (20, 0.0), (30, 0.0)], id="after-the-end-ignored"),
        pytest.param([1.0], 4, [(4, 900.0)], id="shorter-than-one-interval"),
        # float noise does not open an extra interval
        pytest.param([], 30.000000001, [(10, 0.0), (20, 0.0), (30, 0.0)], id="float-noise"),
    ],
)
def test_kph_series(offsets, duration, series):
    result = kph_series(offsets, duration)
    assert [end for end, _ in result] == [end for end, _ in series]
    assert [kph for _, kph in result] == pytest.approx([kph for _, kph in series])


def test_steady_keying_series():
    # 120 keys 250 ms apart from offset 0: keys 0-39 fall in [0, 10), 40-79 in [10, 20),
    # 80-119 in [20, 30]; each digit in a 10 s interval is worth 360 KPH, Enters nothing
    text = "12345\n" * 20
    metrics = tenkey_metrics(["12345"] * 20, keyed(text), 30)
    digits = [sum(c != "\n" for c in part) for part in (text[:40], text[40:80], text[80:])]
    assert digits == [34, 33, 33]
    assert metrics.speed_series == ((10.0, 34 * 360.0), (20.0, 33 * 360.0), (30.0, 33 * 360.0))


def test_without_a_duration_the_window_ends_at_the_last_keystroke():
    # 21 keys 250 ms apart: 5 s from the first to the last
    metrics = tenkey_metrics(["12345"] * 4, keyed("12345\n" * 3 + "123"), None)
    assert metrics.duration_s == 5.0
    assert metrics.speed_series == ((5.0, 18 * 720.0),)


@pytest.mark.parametrize(("count_enter", "keystrokes"), [(False, 10), (True, 12)])
def test_keystrokes_follow_the_enter_setting(count_enter, keystrokes):
    metrics = tenkey_metrics(["12345", "67890"], keyed("12345\n67890\n"), 60, count_enter=count_enter)
    assert metrics.keystrokes == keystrokes
    assert sum(kph for _, kph in metrics.speed_series) * 10 / 3600 == pytest.approx(keystrokes)


def test_keys_after_the_window_are_ignored():
    # 8 keys 1 s apart from t=1 s; a 5 s window holds the first 6 (0..5 s)
    metrics = tenkey_metrics(["12345678"], keyed("12345678", interval_ms=1000.0), 5)
    assert metrics.keystrokes == 6


# --- per-key error rate and latency -------------------------------------------------------


@pytest.mark.parametrize(
    ("key", "text", "presses", "errors", "extra"),
    [
        pytest.param(["12"], "12\n", {"1": 1, "2": 1}, {}, 0, id="all-correct"),
        pytest.param(["12"], "13\n", {"1": 1, "2": 1}, {"2": 1}, 0, id="wrong-digit"),
        # Backspace then the right digit: the wrong press and the retry both count for "2"
        pytest.param(["12"], "13\b2\n", {"1": 1, "2": 2}, {"2": 1}, 0, id="corrected"),
        pytest.param(["1.5"], "1.5\n", {"1": 1, ".": 1, "5": 1}, {}, 0, id="decimal-point"),
        pytest.param(["1.5"], "15\n", {"1": 1, ".": 1}, {".": 1}, 0, id="point-left-out"),
        pytest.param(["12"], "123\n", {"1": 1, "2": 1}, {}, 1, id="extra-digit"),
        # positions restart with every entry
        pytest.param(["12", "34"], "12\n34\n", {"1": 1, "2": 1, "3": 1, "4": 1}, {}, 0, id="second-entry"),
        # a skipped item: its digits are never expected; "34" is keyed where "56" is expected
        pytest.param(
            ["12", "34", "56"], "12\n\n34\n", {"1": 1, "2": 1, "5": 1, "6": 1}, {"5": 1, "6": 1}, 0, id="skip"
        ),
        pytest.param(["1"], "1\n2\n", {"1": 1}, {}, 1, id="past-the-last-item"),
    ],
)
def test_per_key_errors(key, text, presses, errors, extra):
    metrics = tenkey_metrics(key, keyed(text), 60)
    assert {s.key: s.presses for s in metrics.per_key} == presses
    assert {s.key: s.errors for s in metrics.per_key if s.errors} == errors
    assert metrics.extra_keystrokes == extra
    listed = [s.key for s in metrics.per_key]
    assert listed == [k for k in KEYPAD_KEYS if k in listed]  # keypad order


def test_backspace_does_not_reach_into_a_submitted_entry():
    # "12\n" submitted; Backspace on the empty entry does nothing, so "3" is at position 0 of item 2
    metrics = tenkey_metrics(["12", "34"], keyed("12\n\b34\n"), 60)
    assert metrics.stat("3").presses == 1 and metrics.stat("3").errors == 0
    assert metrics.corrections == 1


def test_error_rate_and_error_map():
    metrics = tenkey_metrics(["11", "11"], keyed("17\n11\n"), 60)
    assert metrics.stat("1").presses == 4
    assert metrics.stat("1").errors == 1
    assert metrics.stat("1").error_rate == 0.25
    assert metrics.error_map() == {"1": (4, 1)}
    assert metrics.stat("9").presses == 0 and metrics.stat("9").error_rate == 0.0


def test_latency_is_the_interval_from_the_previous_accepted_keydown():
    events = [
        down("1", 3, 1000.0, "Numpad1"),
        down("2", 3, 1300.0, "Numpad2"),  # 300 ms
        down("Shift", 1, 1350.0, "ShiftLeft"),  # not accepted: does not restart the clock
        down("a", 0, 1380.0, "KeyA"),  # refused: neither
        down("2", 3, 1400.0, "Numpad2"),  # 100 ms
        down("Enter", 3, 1500.0, "NumpadEnter"),
        down("3", 3, 1750.0, "Numpad3"),  # 250 ms after the Enter, an extra keystroke
    ]
    metrics = tenkey_metrics(["122"], events, 60)
    assert metrics.stat("1").mean_latency_ms is None  # the first keystroke has no previous keydown
    assert metrics.stat("2").mean_latency_ms == pytest.approx(200.0)
    assert metrics.mean_latency_ms == pytest.approx((300 + 100 + 250) / 3)


# --- corrections, keypad share, NumLock, refused keys ------------------------------------


def test_corrections_count_backspaces():
    metrics = tenkey_metrics(["123"], keyed("14\b\b23\n"), 60)
    assert metrics.corrections == 2


@pytest.mark.parametrize(
    ("events", "share"),
    [
        pytest.param(keyed("123\n"), 1.0, id="all-keypad"),
        pytest.param(keyed("123\n", location=0), 0.0, id="all-top-row"),
        pytest.param(keyed("12", location=3) + keyed("34", start_ms=2000, location=0), 0.5, id="half"),
        pytest.param([], 0.0, id="no-keys"),
        # Enter and Backspace do not count either way
        pytest.param(keyed("1\n\b", location=3), 1.0, id="enter-and-backspace-not-counted"),
    ],
)
def test_keypad_share(events, share):
    assert tenkey_metrics(["1234"], events, 60).keypad_share == pytest.approx(share)


def test_keypad_share_counts_refused_top_row_digits():
    events = keyed("12", location=0) + keyed("12", start_ms=2000, location=3)
    metrics = tenkey_metrics(["12"], events, 60, keypad_only=True)
    assert metrics.keypad_share == 0.5
    assert metrics.refused_keys == 2
    assert metrics.stat("1").presses == 1  # only the keypad "1" reached the field


@pytest.mark.parametrize("nav_key", sorted(NUMLOCK_OFF_KEYS))
def test_numlock_off_keys(nav_key):
    events = [down(nav_key, 3, 1000.0, "Numpad1"), *keyed("1", start_ms=1100.0)]
    metrics = tenkey_metrics(["1"], events, 60)
    assert metrics.numlock_off_keys == 1
    assert metrics.refused_keys == 1
    assert metrics.keypad_share == 1.0


def test_navigation_keys_off_the_keypad_are_not_numlock_off():
    events = [down("ArrowLeft", 0, 1000.0, "ArrowLeft"), down("End", 0, 1001.0, "End"), *keyed("1", start_ms=1100.0)]
    assert tenkey_metrics(["1"], events, 60).numlock_off_keys == 0


def test_modifiers_are_not_refused_keys():
    events = [down("NumLock", 3, 900.0, "NumLock"), down("Shift", 1, 950.0, "ShiftLeft"), *keyed("1a", start_ms=1000.0)]
    assert tenkey_metrics(["1"], events, 60).refused_keys == 1  # only the letter


# --- to_dict and argument checks ---------------------------------------------------------


def test_to_dict_is_json():
    metrics = tenkey_metrics(["142.87", "95820"], keyed("142.78\n95820\n\b"), 30)
    data = json.loads(json.dumps(metrics.to_dict()))
    assert data["speed_series"][0][0] == 10.0
    assert data["speed_series"][2] == [30.0, 0.0]
    eight = next(k for k in data["per_key"] if k["key"] == "8")
    assert (eight["presses"], eight["errors"], eight["error_rate"]) == (2, 1, 0.5)
    for name in ("keystrokes", "corrections", "keypad_share", "numlock_off_keys", "refused_keys", "mean_latency_ms"):
        assert name in data


@pytest.mark.parametrize("duration", [0, -1, float("nan"), float("inf")])
def test_duration_must_be_positive(duration):
    with pytest.raises(ValueError, match="duration_s"):
        tenkey_metrics(["1"], keyed("1"), duration)


@given(st.text(alphabet="0123456789.\n\b", max_size=80))
def test_presses_and_extras_add_up_to_the_characters_keyed(text):
    metrics = tenkey_metrics(["142.87", "1004338217", "95820"], keyed(text), 600)
    characters = sum(c in "0123456789." for c in text)
    assert sum(s.presses for s in metrics.per_key) + metrics.extra_keystrokes == characters
    assert metrics.keystrokes == characters
    assert metrics.corrections == text.count("\b")
