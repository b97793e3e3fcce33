"""Keystroke timing a person at a keyboard would not produce: flags for HR to look at.

A flag is a reason to look at an attempt (watch the replay, ask the proctor), never a
verdict: a coarse browser clock, remote-desktop software or an accessibility tool can
make honest typing look mechanical. Each flag names what was seen, the numbers, and
where in the test (seconds from the first keystroke, as on the speed chart).

Only deliberate key presses are looked at: keydowns that change the text, without the
browser's auto-repeat of a held key (which is machine-regular by design).
"""

from __future__ import annotations

import statistics
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass
from itertools import pairwise

from skills_tests.keystrokes import KeyEvent, first_keystroke_time

# People's gaps between keys vary with the letter pair, the word and the reading: their
# coefficient of variation (standard deviation / mean) stays well above 0.2 even for
# expert typists and 10-key operators. A program that types on a timer sits near 0.
MIN_HUMAN_INTERVAL_CV = 0.10
# Over 50 keys a person's variation always shows; shorter runs can look even by chance.
REGULARITY_WINDOW_KEYS = 50

# The fastest sustained typing on record is about 212-216 WPM; 250 WPM (5 characters a
# word) is beyond anyone, i.e. a median under 48 ms between keys.
FASTEST_HUMAN_WPM = 250
MIN_HUMAN_MEDIAN_INTERVAL_MS = 60_000 / (FASTEST_HUMAN_WPM * 5)
# 30 keys is about six words: long enough that a fast burst on a familiar word does not count.
SPEED_WINDOW_KEYS = 30

# People hold keys for roughly 60-150 ms with a spread of tens of milliseconds, so nine
# in ten presses held for the same time to the millisecond is a program's fixed hold.
SAME_HOLD_TOLERANCE_MS = 1.0
MAX_HUMAN_SAME_HOLD_SHARE = 0.90
MIN_HOLDS = 30  # fewer presses say too little about a habit

# Keys "at the same instant": less than a millisecond apart. Two or three keys can share
# one keyboard report in fast rollover; four or more at once is text put in by software.
ZERO_GAP_MS = 1.0
MIN_BURST_KEYS = 4


@dataclass(frozen=True)
class TimingFlag:
    code: str  # too_regular | too_fast | identical_holds | zero_gap_burst
    message: str  # plain language, with the numbers
    start_s: float  # where: seconds from the first keystroke
    end_s: float

    def to_dict(self) -> dict:
        return asdict(self)


def key_presses(events: Sequence[KeyEvent]) -> list[KeyEvent]:
    """The deliberate presses: keydowns that change the text, auto-repeat left out."""
    return [e for e in events if e.edits_text and not e.repeat]


def _clock(seconds: float) -> str:
    minutes, rest = divmod(max(seconds, 0.0), 60)
    return f"{int(minutes)}:{rest:04.1f}"


def _span(start_s: float, end_s: float) -> str:
    return f"at {_clock(start_s)}" if end_s - start_s < 0.05 else f"from {_clock(start_s)} to {_clock(end_s)}"


def _intervals(presses: Sequence[KeyEvent]) -> list[float]:
    return [b.t - a.t for a, b in pairwise(presses)]


def _runs(values: Iterator[tuple[int, float]], size: int) -> list[tuple[int, int, float]]:
    """Merge overlapping flagged windows ``(first key, value)`` into ``(first key, last key, worst value)``."""
    runs: list[tuple[int, int, float]] = []
    for first, value in values:
        last = first + size - 1
        if runs and first <= runs[-1][1]:
            start, _, worst = runs[-1]
            runs[-1] = (start, last, min(worst, value))
        else:
            runs.append((first, last, value))
    return runs


def _windows(presses: Sequence[KeyEvent], size: int) -> Iterator[tuple[int, list[float]]]:
    gaps = _intervals(presses)
    for first in range(len(presses) - size + 1):
        yield first, gaps[first:first + size - 1]


def _coefficient_of_variation(gaps: list[float]) -> float:
    mean = statistics.fmean(gaps)
    return statistics.pstdev(gaps) / mean if mean > 0 else 0.0


def regular_interval_flags(events: Sequence[KeyEvent]) -> list[TimingFlag]:
    """Stretches of at least 50 keys whose gaps barely vary."""
    presses, origin = key_presses(events), first_keystroke_time(events)
    flagged = ((first, cv) for first, gaps in _windows(presses, REGULARITY_WINDOW_KEYS)
               if (cv := _coefficient_of_variation(gaps)) < MIN_HUMAN_INTERVAL_CV)
    flags = []
    for first, last, cv in _runs(flagged, REGULARITY_WINDOW_KEYS):
        gaps = _intervals(presses[first:last + 1])
        start, end = (presses[first].t - origin) / 1000, (presses[last].t - origin) / 1000
        flags.append(TimingFlag(
            "too_regular",
            f"{last - first + 1} keys {_span(start, end)} came at almost exactly even intervals "
            f"(about {statistics.fmean(gaps):.0f} ms apart; coefficient of variation {cv:.3f} where people "
            f"typing stay above {MIN_HUMAN_INTERVAL_CV:.2f}).",
            start, end))
    return flags


def too_fast_flags(events: Sequence[KeyEvent]) -> list[TimingFlag]:
    """Stretches of at least 30 keys faster than anyone has sustained."""
    presses, origin = key_presses(events), first_keystroke_time(events)
    flagged = ((first, median) for first, gaps in _windows(presses, SPEED_WINDOW_KEYS)
               if (median := statistics.median(gaps)) < MIN_HUMAN_MEDIAN_INTERVAL_MS)
    flags = []
    for run_first, run_last, _ in _runs(flagged, SPEED_WINDOW_KEYS):
        # A window's median turns fast once just over half of it is fast: report only the
        # fast stretch itself, and only if it is long enough on its own.
        fast = [i for i in range(run_first, run_last)
                if presses[i + 1].t - presses[i].t < MIN_HUMAN_MEDIAN_INTERVAL_MS]
        first, last = fast[0], fast[-1] + 1
        if last - first + 1 < SPEED_WINDOW_KEYS:
            continue
        median = statistics.median(_intervals(presses[first:last + 1]))
        start, end = (presses[first].t - origin) / 1000, (presses[last].t - origin) / 1000
        pace = (f"about {60_000 / (median * 5):.0f} WPM, {1000 / median:.0f} keys a second"
                if median > 0 else "keys at the same instant")
        flags.append(TimingFlag(
            "too_fast",
            f"{last - first + 1} keys {_span(start, end)} came a median {median:.0f} ms apart ({pace}); "
            f"no one has sustained more than about {FASTEST_HUMAN_WPM} WPM "
            f"({MIN_HUMAN_MEDIAN_INTERVAL_MS:.0f} ms a key).",
            start, end))
    return flags


def hold_times(events: Sequence[KeyEvent]) -> list[tuple[KeyEvent, float]]:
    """Each deliberate press with how long it was held (its key's next keyup); unreleased keys left out."""
    pending: dict[str, KeyEvent] = {}
    holds: list[tuple[KeyEvent, float]] = []
    for event in events:
        if event.is_down:
            if event.edits_text and not event.repeat:
                pending[event.code] = event
        elif event.code in pending:
            down = pending.pop(event.code)
            holds.append((down, event.t - down.t))
    holds.sort(key=lambda pair: pair[0].t)
    return holds


def identical_hold_flags(events: Sequence[KeyEvent]) -> list[TimingFlag]:
    """Nearly every key held down for the same time, to the millisecond."""
    holds = hold_times(events)
    if len(holds) < MIN_HOLDS:
        return []
    common, _ = Counter(round(hold) for _, hold in holds).most_common(1)[0]
    same = [down for down, hold in holds if abs(hold - common) <= SAME_HOLD_TOLERANCE_MS]
    share = len(same) / len(holds)
    if share < MAX_HUMAN_SAME_HOLD_SHARE:
        return []
    origin = first_keystroke_time(events)
    start, end = (same[0].t - origin) / 1000, (same[-1].t - origin) / 1000
    return [TimingFlag(
        "identical_holds",
        f"{len(same)} of {len(holds)} keys ({share:.0%}) {_span(start, end)} were held down for the same "
        f"{common} ms (to within {SAME_HOLD_TOLERANCE_MS:g} ms); people's hold times vary by tens of "
        "milliseconds.",
        start, end)]


def zero_gap_burst_flags(events: Sequence[KeyEvent]) -> list[TimingFlag]:
    """Runs of four or more keys arriving at the same instant."""
    presses, origin = key_presses(events), first_keystroke_time(events)
    flags: list[TimingFlag] = []
    first = 0
    for i in range(1, len(presses) + 1):
        if i < len(presses) and presses[i].t - presses[i - 1].t < ZERO_GAP_MS:
            continue
        if i - first >= MIN_BURST_KEYS:
            start, end = (presses[first].t - origin) / 1000, (presses[i - 1].t - origin) / 1000
            text = "".join(p.inserts or "" for p in presses[first:i]).replace("\n", " ")
            flags.append(TimingFlag(
                "zero_gap_burst",
                f"{i - first} keys {_span(start, end)} arrived at the same instant (less than "
                f"{ZERO_GAP_MS:g} ms apart: {text[:40]!r}); keys typed by hand are milliseconds apart.",
                start, end))
        first = i
    return flags


def timing_flags(events: Sequence[KeyEvent]) -> list[TimingFlag]:
    """Every timing flag for a keystroke log, in the order they happened."""
    if first_keystroke_time(events) is None:
        return []
    flags = (regular_interval_flags(events) + too_fast_flags(events) + identical_hold_flags(events)
             + zero_gap_burst_flags(events))
    return sorted(flags, key=lambda flag: (flag.start_s, flag.code))
