"""Timing flags: human-like typing gives none; machine-like timing is flagged with its numbers and place."""

from __future__ import annotations

import random

import pytest

from skills_tests.keystrokes import KeyEvent
from skills_tests.timing_integrity import (
    MIN_HUMAN_MEDIAN_INTERVAL_MS,
    hold_times,
    identical_hold_flags,
    key_presses,
    regular_interval_flags,
    timing_flags,
    too_fast_flags,
    zero_gap_burst_flags,
)

LETTERS = "the quick brown fox jumps over the lazy dog "


def stream(gaps, holds, *, start=1000.0, keys=LETTERS, repeat=False) -> list[KeyEvent]:
    """Keydown/keyup pairs: ``gaps[i]`` ms before key i (the first is ignored), held ``holds[i]`` ms."""
    events, t = [], start
    for i, (gap, hold) in enumerate(zip(gaps, holds)):
        t += gap if i else 0.0
        key = keys[i % len(keys)]
        code = f"Key{key.upper()}" if key != " " else "Space"
        events.append(KeyEvent("down", key, code, 0, t, repeat=repeat))
        events.append(KeyEvent("up", key, code, 0, t + hold))
    return sorted(events, key=lambda e: e.t)


def human_gaps(n, seed=1, median=170.0, spread=0.45) -> list[float]:
    rng = random.Random(seed)
    return [median * rng.lognormvariate(0, spread) for _ in range(n)]


def human_holds(n, seed=2, mean=95.0, sd=22.0) -> list[float]:
    rng = random.Random(seed)
    return [max(35.0, rng.gauss(mean, sd)) for _ in range(n)]


def jittered(n, interval, fraction, seed=3) -> list[float]:
    rng = random.Random(seed)
    return [interval * (1 + rng.uniform(-fraction, fraction)) for _ in range(n)]


def human(n, seed=1, **kw) -> list[KeyEvent]:
    return stream(human_gaps(n, seed, **kw), human_holds(n, seed + 100))


def with_burst(n_before, burst, gap=0.0) -> list[KeyEvent]:
    """Human typing with ``burst`` keys ``gap`` ms apart after ``n_before`` keys, then more human typing."""
    gaps = human_gaps(n_before) + [150.0] + [gap] * (burst - 1) + human_gaps(60, seed=9)
    return stream(gaps, human_holds(len(gaps)))


def holds_mostly(n, share, hold=48.0) -> list[KeyEvent]:
    same = int(n * share)
    return stream(human_gaps(n), [hold] * same + human_holds(n - same))


CASES = [
    # (log, the flag codes expected)
    pytest.param(human(300), set(), id="human-like-jitter"),
    pytest.param(human(400, seed=4, median=100.0, spread=0.35), set(), id="fast-human-120-wpm"),
    pytest.param(stream(human_gaps(200, median=260.0, spread=0.4), human_holds(200), keys="1234567890\n"), set(),
                 id="human-10-key-operator"),
    pytest.param(human(600, seed=5, median=260.0, spread=0.7), set(), id="slow-hesitant-typist"),
    pytest.param(stream([120.0] * 100, [50.0] * 100), {"too_regular", "identical_holds"},
                 id="machine-regular-120ms-stream"),
    pytest.param(stream([120.0] * 100, human_holds(100)), {"too_regular"},
                 id="machine-intervals-with-human-holds"),
    pytest.param(stream(jittered(120, 150.0, 0.03), human_holds(120)), {"too_regular"},
                 id="machine-with-3pc-jitter"),
    pytest.param(stream(jittered(120, 150.0, 0.30), human_holds(120)), set(),
                 id="uniform-30pc-jitter-is-not-regular-enough"),
    pytest.param(stream([120.0] * 49, human_holds(49)), set(), id="49-regular-keys-too-few"),
    pytest.param(stream([120.0] * 50, human_holds(50)), {"too_regular"}, id="50-regular-keys-enough"),
    pytest.param(stream(jittered(60, 40.0, 0.5), human_holds(60)), {"too_fast"}, id="sustained-300-wpm"),
    pytest.param(with_burst(80, 29, gap=35.0), set(), id="29-fast-keys-is-a-burst-not-sustained"),
    pytest.param(with_burst(80, 31, gap=35.0), {"too_fast"},
                 id="31-fast-keys-sustained"),
    pytest.param(stream(jittered(60, 55.0, 0.5), human_holds(60)), set(), id="218-wpm-is-fast-but-human"),
    pytest.param(stream(([40.0] * 9 + [300.0]) * 6, human_holds(60)), {"too_fast"},
                 id="fast-program-pausing-every-ten-keys"),
    pytest.param(stream(human_gaps(100), [48.0] * 100), {"identical_holds"}, id="identical-holds"),
    pytest.param(holds_mostly(100, 0.92), {"identical_holds"}, id="92pc-identical-holds"),
    pytest.param(holds_mostly(100, 0.85), set(), id="85pc-identical-holds-is-not-nearly-all"),
    pytest.param(stream(human_gaps(29), [48.0] * 29), set(), id="29-identical-holds-too-few"),
    pytest.param(with_burst(40, 6), {"zero_gap_burst"}, id="six-keys-at-one-instant"),
    pytest.param(with_burst(40, 4), {"zero_gap_burst"}, id="four-keys-at-one-instant"),
    pytest.param(with_burst(40, 3), set(), id="three-key-rollover"),
    pytest.param(with_burst(40, 2), set(), id="two-key-rollover"),
    pytest.param(with_burst(40, 6, gap=2.0), set(), id="six-keys-2ms-apart-are-not-zero-gap"),
    pytest.param(human(40) + stream([33.0] * 80, [2700.0] * 80, start=20_000.0, keys="a", repeat=True), set(),
                 id="held-key-auto-repeat-is-ignored"),
    pytest.param([], set(), id="empty-log"),
    pytest.param([KeyEvent("down", "Shift", "ShiftLeft", 1, 5.0)], set(), id="no-keystrokes"),
]


@pytest.mark.parametrize("events, expected", CASES)
def test_flag_codes(events, expected):
    assert {flag.code for flag in timing_flags(events)} == expected


def test_a_machine_stream_is_flagged_with_its_numbers_and_place():
    events = human(60) + stream([120.0] * 100, human_holds(100), start=60_000.0)
    (flag,) = regular_interval_flags(events)
    start = (60_000.0 - 1000.0) / 1000
    assert (flag.start_s, flag.end_s) == (pytest.approx(start), pytest.approx(start + 99 * 0.12))
    assert "100 keys from 0:59.0 to 1:10.9" in flag.message
    assert "about 120 ms apart" in flag.message and "coefficient of variation 0.000" in flag.message
    assert "above 0.10" in flag.message


def test_two_machine_stretches_are_two_flags():
    first = stream([120.0] * 60, human_holds(60))
    pause_then_human = stream(human_gaps(40), human_holds(40), start=20_000.0)
    second = stream([90.0] * 60, human_holds(60), start=40_000.0)
    flags = regular_interval_flags(first + pause_then_human + second)
    assert [(f.code, round(f.start_s, 1)) for f in flags] == [("too_regular", 0.0), ("too_regular", 39.0)]
    assert "60 keys" in flags[0].message and "about 90 ms apart" in flags[1].message


def test_too_fast_says_how_fast_and_where():
    events = with_burst(80, 40, gap=30.0)
    (flag,) = too_fast_flags(events)
    assert "40 keys" in flag.message
    assert "median 30 ms apart (about 400 WPM, 33 keys a second)" in flag.message
    assert f"about 250 WPM ({MIN_HUMAN_MEDIAN_INTERVAL_MS:.0f} ms a key)" in flag.message
    assert flag.end_s - flag.start_s == pytest.approx(39 * 0.030)


def test_identical_holds_say_how_many_and_how_long():
    (flag,) = identical_hold_flags(holds_mostly(100, 0.95, hold=61.0))
    assert flag.code == "identical_holds"
    assert "95 of 100 keys (95%)" in flag.message and "same 61 ms" in flag.message


def test_a_zero_gap_burst_shows_the_keys_and_the_instant():
    events = with_burst(40, 6)
    (flag,) = zero_gap_burst_flags(events)
    presses = key_presses(events)
    burst_start = (presses[41].t - presses[0].t) / 1000
    assert flag.start_s == flag.end_s == pytest.approx(burst_start)
    assert flag.message.startswith("6 keys at ")
    assert "arrived at the same instant" in flag.message


def test_flags_come_in_the_order_they_happened():
    events = with_burst(40, 6) + stream([120.0] * 60, human_holds(60), start=30_000.0)
    flags = timing_flags(events)
    assert [f.code for f in flags] == ["zero_gap_burst", "too_regular"]
    assert flags[0].start_s < flags[1].start_s
    assert all(set(f.to_dict()) == {"code", "message", "start_s", "end_s"} for f in flags)


def test_hold_times_pair_each_press_with_its_release():
    events = [
        KeyEvent("down", "a", "KeyA", 0, 0.0), KeyEvent("down", "b", "KeyB", 0, 50.0),
        KeyEvent("up", "a", "KeyA", 0, 90.0), KeyEvent("down", "a", "KeyA", 0, 120.0, repeat=True),
        KeyEvent("up", "b", "KeyB", 0, 130.0), KeyEvent("down", "Shift", "ShiftLeft", 1, 140.0),
        KeyEvent("up", "Shift", "ShiftLeft", 1, 200.0), KeyEvent("down", "c", "KeyC", 0, 210.0),
    ]
    assert [(down.key, hold) for down, hold in hold_times(events)] == [("a", 90.0), ("b", 80.0)]


def test_only_deliberate_key_presses_are_timed():
    events = [
        KeyEvent("down", "a", "KeyA", 0, 0.0), KeyEvent("down", "a", "KeyA", 0, 30.0, repeat=True),
        KeyEvent("down", "Shift", "ShiftLeft", 1, 40.0), KeyEvent("down", "x", "KeyX", 0, 50.0, in_field=False),
        KeyEvent("down", "Backspace", "Backspace", 0, 60.0), KeyEvent("down", "Enter", "Enter", 0, 70.0),
    ]
    assert [e.key for e in key_presses(events)] == ["a", "Backspace", "Enter"]
