"""Practice metrics for the 10-key test, computed from the keystroke log.

These figures help a candidate (and a trainer) see *how* the items were keyed; they are
not part of the score. The log is replayed under the entry field's rules
(``tenkey_scoring.tenkey_accepts``: refused keys change nothing; Backspace does not
reach past a submitted entry), keeping only the keys inside the timed window.

* **Speed series (KPH over time)**: for each 10-second interval from the first keystroke,
  the digits and decimal points accepted in it (plus Enters when the exam counts
  Enter), times 3600, divided by the interval's length; one ``(end_s, kph)`` point per
  interval, as the typing test's speed series. The last interval is shorter when the
  window is not a multiple of 10 seconds.
* **Per-key error rate**: each accepted digit or point is compared with the character
  expected at that place, i.e. the same offset inside the current entry of the current
  item. For every expected character ("0"-"9", "."), ``presses`` counts the keystrokes
  made where it was expected and ``errors`` those that were a different character.
  Keystrokes beyond the end of an item (or after the last item) expect nothing and are
  counted as ``extra_keystrokes``. A character keyed again after a Backspace is another
  press.
* **Latency**: the time from the previous keydown that the entry field accepted (a
  digit, point, Enter or Backspace; not Shift, not a refused key) to a digit or point
  keydown; the mean per expected character and overall, in milliseconds.
* **Corrections**: accepted Backspaces.
* **Keypad share**: of all keydowns that produce a digit or a point (accepted or not),
  the share made on the numeric keypad (``location == 3``). Touch 10-key means the
  keypad; a low share means the top row was used.
* **Refused keys**: keydowns the entry field refused (letters, top-row digits under the
  keypad-only setting, NumLock-off keys, ...), not counting Shift, Ctrl, Alt, Meta and
  the lock keys themselves.
* **NumLock-off keys**: keypad keydowns that arrive as navigation keys ("End",
  "ArrowDown", "Clear", ...) because NumLock is off. Any such key means the candidate's
  keypad is not typing digits: the page should say "Turn NumLock on".
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from skills_tests.keystrokes import KEYPAD_LOCATION, KeyEvent, events_in_window, first_keystroke_time
from skills_tests.tenkey_scoring import ENTRY_CHARACTERS, tenkey_accepts
from skills_tests.typing_scoring import report_round

INTERVAL_S = 10.0  # length of one speed-series interval
KEYPAD_KEYS: tuple[str, ...] = ("0", "1", "2", "3", "4", "5", "6", "7", "8", "9", ".")

# What the keypad's keys send with NumLock off (KeyboardEvent.key).
NUMLOCK_OFF_KEYS = frozenset({
    "End", "ArrowDown", "PageDown", "ArrowLeft", "Clear", "ArrowRight", "Home", "ArrowUp", "PageUp",
    "Insert", "Delete",
})

# Keys that change nothing by themselves; not counted as refused keys.
MODIFIER_KEYS = frozenset({"Shift", "Control", "Alt", "AltGraph", "Meta", "NumLock", "CapsLock", "ScrollLock"})


@dataclass(frozen=True)
class KeyStat:
    key: str  # the expected character: "0"-"9" or "."
    presses: int = 0
    errors: int = 0
    mean_latency_ms: float | None = None

    @property
    def error_rate(self) -> float:
        return self.errors / self.presses if self.presses else 0.0

    def to_dict(self) -> dict:
        return {
            "key": self.key,
            "presses": self.presses,
            "errors": self.errors,
            "error_rate": report_round(self.error_rate),
            "mean_latency_ms": None if self.mean_latency_ms is None else round(self.mean_latency_ms, 1),
        }


@dataclass(frozen=True)
class TenKeyMetrics:
    duration_s: float  # the window the speed series covers
    count_enter: bool
    keystrokes: int  # accepted digits and points, plus Enters when counted
    speed_series: tuple[tuple[float, float], ...]  # (end of interval in s, KPH)
    per_key: tuple[KeyStat, ...] = ()  # keys that were expected at least once, in keypad order
    extra_keystrokes: int = 0
    mean_latency_ms: float | None = None
    corrections: int = 0
    keypad_share: float = 0.0
    numlock_off_keys: int = 0
    refused_keys: int = 0

    def stat(self, key: str) -> KeyStat:
        """The figures for one expected character (all zero if it was never expected)."""
        return next((s for s in self.per_key if s.key == key), KeyStat(key))

    def error_map(self) -> dict[str, tuple[int, int]]:
        """``{expected character: (presses, errors)}``, as ``results.charts.keypad_error_map_png`` takes it."""
        return {s.key: (s.presses, s.errors) for s in self.per_key}

    def to_dict(self) -> dict:
        return {
            "duration_s": self.duration_s,
            "count_enter": self.count_enter,
            "keystrokes": self.keystrokes,
            "speed_series": [[round(end, 3), report_round(kph)] for end, kph in self.speed_series],
            "per_key": [s.to_dict() for s in self.per_key],
            "extra_keystrokes": self.extra_keystrokes,
            "mean_latency_ms": None if self.mean_latency_ms is None else round(self.mean_latency_ms, 1),
            "corrections": self.corrections,
            "keypad_share": report_round(self.keypad_share),
            "numlock_off_keys": self.numlock_off_keys,
            "refused_keys": self.refused_keys,
        }


def _mean(values: list[float]) -> float | None:
    return sum(values) / len(values) if values else None


def kph_series(
    offsets_s: Sequence[float], duration_s: float, interval_s: float = INTERVAL_S
) -> list[tuple[float, float]]:
    """``(end_s, kph)`` per interval of ``[0, duration_s]`` for keystrokes at ``offsets_s``.

    Intervals are ``[0, 10)``, ``[10, 20)``, ...; the last one also takes a keystroke at
    exactly ``duration_s`` and is scaled to its own length when it is shorter (the
    convention of the typing test's speed series). Keystrokes outside ``[0,
    duration_s]`` are ignored.
    """
    if duration_s <= 0:
        return []
    count = max(1, math.ceil(round(duration_s / interval_s, 6)))  # rounding: no bin for float noise
    tallies = [0] * count
    for offset in offsets_s:
        if 0 <= offset <= duration_s:
            tallies[min(int(offset // interval_s), count - 1)] += 1
    series = []
    for index, tally in enumerate(tallies):
        begin = index * interval_s
        end = min(begin + interval_s, duration_s)
        series.append((end, tally * 3600 / (end - begin)))
    return series


def tenkey_metrics(
    key: Sequence[str], events: Sequence[KeyEvent], duration_s: float | None, *,
    keypad_only: bool = False, count_enter: bool = False,
) -> TenKeyMetrics:
    """Practice metrics for the keystroke log ``events`` keyed against the items ``key``.

    ``duration_s`` is the timed window, counted from the first keystroke: keys after it
    do not count and the speed series runs over it (pass the time actually taken when
    the candidate finished early). Without it, the window ends at the last keystroke.
    ``keypad_only`` and ``count_enter`` are the exam's settings, as in scoring.
    """
    if duration_s is not None and not (math.isfinite(duration_s) and duration_s > 0):
        raise ValueError(f"duration_s must be a positive number or None, not {duration_s!r}")
    window = events_in_window(events, duration_s)
    start = first_keystroke_time(window)

    presses = dict.fromkeys(KEYPAD_KEYS, 0)
    errors = dict.fromkeys(KEYPAD_KEYS, 0)
    latencies: dict[str, list[float]] = {k: [] for k in KEYPAD_KEYS}
    all_latencies: list[float] = []
    counted_offsets: list[float] = []
    extra = corrections = refused = numlock_off = 0
    char_keydowns = keypad_char_keydowns = 0
    last_t: float | None = None

    entry_index = 0  # items submitted so far
    current: list[str] = []  # the entry being keyed
    previous_t: float | None = None  # the previous keydown the entry field accepted

    for event in window:
        if not event.is_down:
            continue
        if event.location == KEYPAD_LOCATION and event.key in NUMLOCK_OFF_KEYS:
            numlock_off += 1
        inserted = event.inserts
        if inserted is not None and inserted in ENTRY_CHARACTERS:
            char_keydowns += 1
            keypad_char_keydowns += event.location == KEYPAD_LOCATION
        if not tenkey_accepts(event, keypad_only):
            refused += event.key not in MODIFIER_KEYS
            continue
        latency = None if previous_t is None else event.t - previous_t
        previous_t = last_t = event.t
        if event.is_backspace:
            corrections += 1
            if current:
                current.pop()
            continue
        offset_s = (event.t - (start or 0.0)) / 1000.0
        if inserted == "\n":
            entry_index += 1
            current = []
            if count_enter:
                counted_offsets.append(offset_s)
            continue
        assert inserted is not None
        counted_offsets.append(offset_s)
        item = key[entry_index] if entry_index < len(key) else ""
        position = len(current)
        current.append(inserted)
        if latency is not None:
            all_latencies.append(latency)
        if position >= len(item) or item[position] not in presses:
            extra += 1
            continue
        expected = item[position]
        presses[expected] += 1
        errors[expected] += inserted != expected
        if latency is not None:
            latencies[expected].append(latency)

    if duration_s is not None:
        active_s = float(duration_s)
    elif start is not None and last_t is not None:
        active_s = (last_t - start) / 1000.0
    else:
        active_s = 0.0
    per_key = tuple(KeyStat(k, presses[k], errors[k], _mean(latencies[k])) for k in KEYPAD_KEYS if presses[k])
    return TenKeyMetrics(
        duration_s=active_s,
        count_enter=count_enter,
        keystrokes=len(counted_offsets),
        speed_series=tuple(kph_series(counted_offsets, active_s)),
        per_key=per_key,
        extra_keystrokes=extra,
        mean_latency_ms=_mean(all_latencies),
        corrections=corrections,
        keypad_share=keypad_char_keydowns / char_keydowns if char_keydowns else 0.0,
        numlock_off_keys=numlock_off,
        refused_keys=refused,
    )
