"""Practice metrics from the keystroke log: keystroke accuracy, corrections, speed over
time, rhythm consistency and per-key error rates.

These are feedback for practice, not exam figures: the exam score (net WPM, errors) comes
from the final text alone, see ``skills_tests.typing_scoring`` and docs/scoring.md.

Definitions:

- keystrokes: keydowns that put a character into the typing area (letters, digits,
  punctuation, space, Enter), including ones later deleted; Backspace is not one;
- correct keystrokes: keystrokes equal to the character expected at that point (see
  below); a mistake corrected later still counts as a mistake (the Monkeytype / toipe
  definition of keystroke accuracy);
- corrections: Backspace presses;
- speed series: gross WPM typed in each 10-second interval from the first keystroke, the
  last (partial) interval scaled by its length;
- consistency: 100 * (1 - tanh(c + c^3/3 + c^5/5)), c the coefficient of variation of the
  keystrokes per second over the active time (Monkeytype's formula);
- per key: for each expected character (letters lowercased), how many keystrokes were
  made where it was expected, how many of those were wrong, and the mean time since the
  previous keydown that changed the text.

The expected character of a keystroke: from the text typed so far, the keystroke either
starts a new word (the text is empty or ends in whitespace) or continues the last word at
some offset. The typed word's index is mapped to its passage word through the alignment
of the final text (falling back to the same index for a word that is no longer there),
and the expected character is that passage word's character at the offset, or a space
(a line break is just as good) at or past the word's end.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from skills_tests.alignment import align_words
from skills_tests.keystrokes import KeyEvent, events_in_window, first_keystroke_time, reconstruct_text
from skills_tests.typing_scoring import passage_words, report_round, split_words

__all__ = ["INTERVAL_S", "SEPARATOR_KEY", "KeyStat", "TypingMetrics", "typing_metrics"]

INTERVAL_S = 10.0  # length of one speed-series interval
SEPARATOR_KEY = " "  # per-key entry for the space (or line break) expected after a word


@dataclass(frozen=True)
class KeyStat:
    key: str
    presses: int
    errors: int
    mean_latency_ms: float | None

    def to_dict(self) -> dict:
        return {
            "key": self.key,
            "presses": self.presses,
            "errors": self.errors,
            "mean_latency_ms": None if self.mean_latency_ms is None else round(self.mean_latency_ms, 1),
        }


@dataclass(frozen=True)
class TypingMetrics:
    keystrokes: int
    correct_keystrokes: int
    keystroke_accuracy: float  # percent
    corrections: int
    speed_series: tuple[tuple[float, float], ...]  # (end of interval in s, gross WPM)
    consistency: float  # percent
    per_key: tuple[KeyStat, ...]  # sorted by key

    def to_dict(self) -> dict:
        return {
            "keystrokes": self.keystrokes,
            "correct_keystrokes": self.correct_keystrokes,
            "keystroke_accuracy": report_round(self.keystroke_accuracy),
            "corrections": self.corrections,
            "speed_series": [[round(end, 3), report_round(wpm)] for end, wpm in self.speed_series],
            "consistency": report_round(self.consistency),
            "per_key": [stat.to_dict() for stat in self.per_key],
        }


def _word_targets(source_words: Sequence[str], final_text: str) -> dict[int, str | None]:
    """For each word of the final text, the passage text it was meant to be.

    Position by position: a transposed pair is held against the two passage words in
    passage order, a merged word against the two words run together (only the space is
    missing), the two halves of a split word against the matching parts of the passage
    word, and an inserted word against nothing.
    """
    typed = split_words(final_text)
    alignment = align_words(
        source_words,
        typed.words,
        extra_space=typed.extra_space,
        allow_unfinished_last=not typed.ends_in_whitespace,
    )
    targets: dict[int, str | None] = {}
    for step in alignment.steps:
        j = step.typed_index
        if j is None:
            continue
        if step.kind == "inserted":
            targets[j] = None
        elif step.kind == "transposed":
            targets[j], targets[j + 1] = step.source_words
        elif step.kind == "merged":
            targets[j] = "".join(step.source_words)
        elif step.kind == "split":
            whole = step.source_words[0]
            head = len(step.typed_words[0])
            targets[j] = whole
            targets[j + 1] = whole[head:]
        else:
            targets[j] = step.source_words[0]
    return targets


def _consistency(counts_per_second: Sequence[float]) -> float:
    if not counts_per_second:
        return 0.0
    mean = sum(counts_per_second) / len(counts_per_second)
    if mean <= 0:
        return 0.0
    variance = sum((x - mean) ** 2 for x in counts_per_second) / len(counts_per_second)
    c = math.sqrt(variance) / mean
    return 100.0 * (1.0 - math.tanh(c + c**3 / 3 + c**5 / 5))


def _bin_count(length: float, size: float) -> int:
    # rounding first keeps float noise (60.000000001 s) from opening an extra bin
    return math.ceil(round(length / size, 6))


def typing_metrics(source: str, events: Sequence[KeyEvent], duration_s: float | None) -> TypingMetrics:
    """Practice metrics for one attempt.

    ``duration_s`` is the timed window: keys after it do not count, and the speed series
    and consistency run over it (pass the time actually taken when the candidate finished
    early). Without it, the window ends at the last keystroke.
    """
    if duration_s is not None and not (math.isfinite(duration_s) and duration_s > 0):
        raise ValueError(f"duration_s must be a positive number or None, not {duration_s!r}")
    window = events_in_window(events, duration_s)
    start = first_keystroke_time(window)
    source_words = passage_words(source)
    targets = _word_targets(source_words, reconstruct_text(window))

    keystrokes = correct = corrections = 0
    key_presses: dict[str, int] = {}
    key_errors: dict[str, int] = {}
    key_latency: dict[str, list[float]] = {}
    key_times: list[float] = []  # ms after the first keystroke, one per keystroke
    # One entry per character in the typing area: (words so far, inside a word, offset).
    state: list[tuple[int, bool, int]] = []
    previous_t: float | None = None
    last_t: float | None = None

    for event in window:
        inserted = event.inserts
        if inserted is None and not event.is_backspace:
            continue
        last_t = event.t
        if event.is_backspace:
            corrections += 1
            if state:
                state.pop()
            previous_t = event.t
            continue

        words_so_far, in_word, length = state[-1] if state else (0, False, 0)
        if in_word:
            word_index, offset = words_so_far - 1, length
        else:
            word_index, offset = words_so_far, 0
        if word_index in targets:
            target = targets[word_index]
        else:  # a word no longer in the final text: same index in the passage
            target = source_words[word_index] if word_index < len(source_words) else None
        if target is None:
            expected = None
        elif offset < len(target):
            expected = target[offset]
        else:
            expected = SEPARATOR_KEY

        keystrokes += 1
        if expected == SEPARATOR_KEY:
            ok = inserted.isspace()
        else:
            ok = inserted == expected
        if ok:
            correct += 1
        if expected is not None:
            key = expected.lower()
            key_presses[key] = key_presses.get(key, 0) + 1
            if not ok:
                key_errors[key] = key_errors.get(key, 0) + 1
            if previous_t is not None:
                key_latency.setdefault(key, []).append(event.t - previous_t)
        previous_t = event.t
        key_times.append(max(0.0, event.t - start))

        if inserted.isspace():
            state.append((words_so_far, False, 0))
        elif in_word:
            state.append((words_so_far, True, length + 1))
        else:
            state.append((words_so_far + 1, True, 1))

    if start is None:
        active_s = 0.0
    elif duration_s is not None:
        active_s = float(duration_s)
    else:
        active_s = (last_t - start) / 1000.0

    speed_series: list[tuple[float, float]] = []
    consistency = 0.0
    if active_s > 0:
        intervals = _bin_count(active_s, INTERVAL_S)
        counts = [0] * intervals
        for t in key_times:
            counts[min(int(t / 1000.0 // INTERVAL_S), intervals - 1)] += 1
        for index, count in enumerate(counts):
            begin = index * INTERVAL_S
            end = min(begin + INTERVAL_S, active_s)
            speed_series.append((end, count / 5 / ((end - begin) / 60)))

        # Whole seconds; a remainder shorter than a second joins the last one.
        seconds = max(1, math.floor(round(active_s, 6)))
        per_second = [0] * seconds
        for t in key_times:
            per_second[min(int(t // 1000.0), seconds - 1)] += 1
        last_length = active_s - (seconds - 1)
        rates = [float(x) for x in per_second[:-1]] + [per_second[-1] / last_length]
        consistency = _consistency(rates)

    per_key = tuple(
        KeyStat(
            key=key,
            presses=key_presses[key],
            errors=key_errors.get(key, 0),
            mean_latency_ms=(sum(key_latency[key]) / len(key_latency[key])) if key in key_latency else None,
        )
        for key in sorted(key_presses)
    )
    return TypingMetrics(
        keystrokes=keystrokes,
        correct_keystrokes=correct,
        keystroke_accuracy=100.0 * correct / keystrokes if keystrokes else 0.0,
        corrections=corrections,
        speed_series=tuple(speed_series),
        consistency=consistency,
        per_key=per_key,
    )
