"""Practice metrics from the keystroke log."""

from __future__ import annotations

import json
import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from skills_tests.keystrokes import KeyEvent, reconstruct_text
from skills_tests.typing_metrics import KeyStat, typing_metrics

PANGRAM = "the quick brown fox jumps over the lazy dog"


def down(key: str, t: float, **flags) -> KeyEvent:
    code = {"Backspace": "Backspace", "Enter": "Enter", " ": "Space", "Shift": "ShiftLeft"}.get(key, f"Key{key.upper()}")
    return KeyEvent("down", key, code, 0, t, **flags)


def up(key: str, t: float) -> KeyEvent:
    return KeyEvent("up", key, "Key", 0, t)


def events_for(script: str, interval: float = 200.0, start: float = 5000.0) -> list[KeyEvent]:
    """Keydown/keyup events typing ``script`` at a steady pace; "<" is Backspace.

    Shift keydowns before capitals and all keyups are included: they must not count.
    """
    events: list[KeyEvent] = []
    t = start
    for char in script:
        key = {"<": "Backspace", "\n": "Enter"}.get(char, char)
        if char.isupper():
            events.append(down("Shift", t - interval / 4))
        events.append(down(key, t, shift=char.isupper()))
        events.append(up(key, t + interval / 4))
        t += interval
    return events


# --- keystrokes, accuracy and corrections -------------------------------------------------
# (source, script, keystrokes, correct, corrections)

COUNT_CASES = [
    pytest.param(PANGRAM, "the quick", 9, 9, 0, id="perfect"),
    pytest.param(PANGRAM, "teh quick", 9, 7, 0, id="swapped-letters-uncorrected"),
    pytest.param(PANGRAM, "teh<<he quick", 11, 9, 2, id="swapped-letters-corrected"),
    pytest.param(PANGRAM, "the quack<<<<<quick", 14, 13, 5, id="word-retyped"),
    pytest.param(PANGRAM, "the  quick", 10, 9, 0, id="extra-space"),
    pytest.param(PANGRAM, "the\nquick", 9, 9, 0, id="enter-between-words"),
    pytest.param(PANGRAM, "The quick", 9, 8, 0, id="wrong-capital"),
    pytest.param(PANGRAM, "the brown", 9, 9, 0, id="omitted-word-keystrokes-correct"),
    pytest.param(PANGRAM, "the the quick", 13, 9, 0, id="inserted-word-keystrokes-wrong"),
    pytest.param(PANGRAM, "thequick", 8, 8, 0, id="merged-only-the-space-missing"),
    pytest.param(PANGRAM, "the qu ick", 10, 9, 0, id="split-space-is-the-mistake"),
    pytest.param(PANGRAM, "quick the", 9, 1, 0, id="transposed-words"),
    pytest.param(PANGRAM, "thee quick", 10, 9, 0, id="extra-letter"),
    pytest.param(PANGRAM, "<<the", 3, 3, 2, id="backspace-on-empty-field"),
    pytest.param(PANGRAM, "the quick brown fox jumps over the lazy dog ok", 46, 44, 0, id="typed-past-the-end"),
    pytest.param("Tt", "tt", 2, 1, 0, id="case-sensitive"),
    pytest.param(PANGRAM, "", 0, 0, 0, id="nothing"),
]


@pytest.mark.parametrize(("source", "script", "keystrokes", "correct", "corrections"), COUNT_CASES)
def test_keystroke_counts(source, script, keystrokes, correct, corrections):
    metrics = typing_metrics(source, events_for(script), None)
    assert metrics.keystrokes == keystrokes
    assert metrics.correct_keystrokes == correct
    assert metrics.corrections == corrections
    expected_accuracy = 100.0 * correct / keystrokes if keystrokes else 0.0
    assert metrics.keystroke_accuracy == pytest.approx(expected_accuracy)


def test_ignores_keys_outside_the_field_and_shortcuts():
    events = events_for("the")
    events.insert(2, down("x", 5100.0, in_field=False))
    events.insert(2, down("v", 5150.0, ctrl=True))
    events.insert(2, down("Tab", 5160.0))
    metrics = typing_metrics(PANGRAM, events, None)
    assert (metrics.keystrokes, metrics.correct_keystrokes, metrics.corrections) == (3, 3, 0)


def test_keys_after_time_ran_out_do_not_count():
    events = events_for("the quick brown", interval=100.0)  # 15 keys over 1.4 s
    metrics = typing_metrics(PANGRAM, events, 1.0)
    assert metrics.keystrokes == 11  # t = 0, 0.1, ..., 1.0 s


# --- per key --------------------------------------------------------------------------------


def stats(metrics) -> dict[str, tuple[int, int]]:
    return {s.key: (s.presses, s.errors) for s in metrics.per_key}


@pytest.mark.parametrize(
    ("source", "script", "expected"),
    [
        pytest.param(
            PANGRAM, "teh quick",
            {"t": (1, 0), "h": (1, 1), "e": (1, 1), " ": (1, 0), **{c: (1, 0) for c in "quick"}},
            id="swap-charged-to-both-expected-keys",
        ),
        pytest.param(
            PANGRAM, "teh<<he",
            {"t": (1, 0), "h": (2, 1), "e": (2, 1)},
            id="corrected-mistake-still-counts",
        ),
        pytest.param("Tt", "tt", {"t": (2, 1)}, id="letters-grouped-lower-case"),
        pytest.param("a b", "a  b", {"a": (1, 0), " ": (1, 0), "b": (2, 1)}, id="extra-space-charged-to-next-letter"),
        pytest.param("ab", "ab cd", {"a": (1, 0), "b": (1, 0), " ": (1, 0)}, id="past-the-passage-not-attributed"),
        pytest.param("it's 5.", "it's 5.", {c: (1, 0) for c in "it's 5."}, id="punctuation-and-digits"),
    ],
)
def test_per_key(source, script, expected):
    assert stats(typing_metrics(source, events_for(script), None)) == expected


def test_per_key_sorted_and_latency():
    metrics = typing_metrics(PANGRAM, events_for("the quick", interval=150.0), None)
    assert [s.key for s in metrics.per_key] == sorted(s.key for s in metrics.per_key)
    by_key = {s.key: s for s in metrics.per_key}
    assert by_key["t"].mean_latency_ms is None  # first keystroke: nothing before it
    assert by_key["q"].mean_latency_ms == pytest.approx(150.0)
    assert by_key["h"] == KeyStat("h", 1, 0, 150.0)


def test_latency_counts_from_a_backspace():
    events = [down("t", 0.0), down("x", 100.0), down("Backspace", 400.0), down("h", 1000.0)]
    by_key = {s.key: s for s in typing_metrics(PANGRAM, events, None).per_key}
    assert by_key["h"].presses == 2 and by_key["h"].errors == 1
    assert by_key["h"].mean_latency_ms == pytest.approx((100.0 + 600.0) / 2)


# --- speed series ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("duration", "interval_ms", "ends", "first_wpm"),
    [
        pytest.param(60.0, 200.0, [10, 20, 30, 40, 50, 60], 60.0, id="60-seconds-six-intervals"),
        pytest.param(25.0, 200.0, [10, 20, 25], 60.0, id="partial-last-interval"),
        pytest.param(10.0, 100.0, [10], 120.0, id="one-interval"),
        pytest.param(30.0, 250.0, [10, 20, 30], 48.0, id="48-wpm"),
    ],
)
def test_speed_series(duration, interval_ms, ends, first_wpm):
    keys = int(duration * 1000 / interval_ms)
    script = ("the quick brown fox jumps over the lazy dog " * 40)[:keys]
    metrics = typing_metrics(PANGRAM * 40, events_for(script, interval=interval_ms), duration)
    assert [end for end, _ in metrics.speed_series] == pytest.approx(ends)
    assert metrics.speed_series[0][1] == pytest.approx(first_wpm)
    # the last (partial) interval is scaled by its length: the same steady pace
    assert metrics.speed_series[-1][1] == pytest.approx(first_wpm)


def test_speed_series_counts_deleted_characters_and_not_backspaces():
    events = events_for("ab<<ab", interval=1000.0)  # 4 characters + 2 backspaces over 5 s
    metrics = typing_metrics("ab", events, 10.0)
    assert metrics.speed_series == ((10.0, pytest.approx(4 / 5 / (10 / 60))),)


def test_speed_series_without_duration_ends_at_last_keystroke():
    metrics = typing_metrics(PANGRAM, events_for("the quick", interval=2000.0), None)  # 16 s
    assert [end for end, _ in metrics.speed_series] == pytest.approx([10.0, 16.0])


# --- consistency -------------------------------------------------------------------------------


def events_per_second(counts: list[int]) -> list[KeyEvent]:
    """Keystrokes spread inside each second: counts[s] of them in second s."""
    events = []
    for second, count in enumerate(counts):
        for k in range(count):
            events.append(down("a", second * 1000.0 + k * (1000.0 / max(count, 1))))
    return events


@pytest.mark.parametrize(
    ("counts", "consistency"),
    [
        pytest.param([5] * 60, 100.0, id="perfectly-even"),
        pytest.param([3, 1] * 10, 50.1, id="cv-one-half"),
        pytest.param([2, 0] * 10, 8.9, id="cv-one"),
    ],
)
def test_consistency(counts, consistency):
    metrics = typing_metrics("a " * 500, events_per_second(counts), float(len(counts)))
    assert metrics.consistency == pytest.approx(consistency, abs=0.05)


def test_even_rhythm_is_fully_consistent():
    metrics = typing_metrics(PANGRAM * 10, events_for((PANGRAM + " ") * 7, interval=200.0)[:600], 60.0)
    assert metrics.consistency == pytest.approx(100.0)


def test_short_remainder_joins_the_last_second():
    # 60.4 s: the last 0.4 s join second 59, which is then 1.4 s long with 7 keystrokes,
    # the same 5 per second as every other second
    events = events_per_second([5] * 60) + [down("a", 60_200.0), down("a", 60_400.0)]
    metrics = typing_metrics("a " * 500, events, 60.4)
    assert metrics.consistency == pytest.approx(100.0)


def test_no_keystrokes():
    metrics = typing_metrics(PANGRAM, [up("a", 0.0), down("Shift", 10.0)], 60.0)
    assert metrics.keystrokes == 0
    assert metrics.speed_series == ()
    assert metrics.consistency == 0.0
    assert metrics.per_key == ()
    assert metrics.keystroke_accuracy == 0.0


def test_rejects_bad_duration():
    with pytest.raises(ValueError):
        typing_metrics(PANGRAM, [], 0)


def test_to_dict_is_json():
    metrics = typing_metrics(PANGRAM, events_for("teh<<he quick brown", interval=170.0), 30.0)
    data = json.loads(json.dumps(metrics.to_dict()))
    assert data["keystrokes"] == 17 and data["corrections"] == 2
    assert data["keystroke_accuracy"] == 88.24  # 15 of 17
    assert len(data["speed_series"]) == 3
    assert {"key": "h", "presses": 2, "errors": 1, "mean_latency_ms": 170.0} in data["per_key"]


# --- properties ----------------------------------------------------------------------------------


@settings(max_examples=150, deadline=None)
@given(st.text(alphabet="abc <", max_size=60), st.floats(min_value=20, max_value=400))
def test_counts_agree_with_the_log(script, interval):
    events = events_for(script, interval=interval)
    metrics = typing_metrics("abc cab bca " * 10, events, None)
    assert metrics.keystrokes == sum(1 for c in script if c != "<")
    assert metrics.corrections == script.count("<")
    assert 0 <= metrics.correct_keystrokes <= metrics.keystrokes
    assert sum(s.presses for s in metrics.per_key) <= metrics.keystrokes
    assert all(0 <= s.errors <= s.presses for s in metrics.per_key)
    assert 0 <= metrics.consistency <= 100
    assert not any(math.isnan(wpm) for _, wpm in metrics.speed_series)
    reconstruct_text(events)  # the same log the metrics read


@settings(max_examples=100, deadline=None)
@given(st.integers(1, 40), st.data())
def test_typing_the_passage_perfectly_is_all_correct(words, data):
    source = " ".join(f"w{i}x" for i in range(60))
    script = " ".join(source.split()[:words])
    interval = data.draw(st.floats(min_value=30, max_value=300))
    metrics = typing_metrics(source, events_for(script, interval=interval), None)
    assert metrics.correct_keystrokes == metrics.keystrokes == len(script)
