"""10-key test scoring: entries against the answer key, keystrokes per hour, accuracy.

The rules, as HR quotes them (the 10-key scoring page in ``docs/`` has worked examples):

1. The candidate keys each item and presses Enter to submit it. Each submitted entry is
   compared with the item in the same position (the first entry with item 1, and so
   on). An entry is correct only if it is exactly the item as printed, character for
   character: "142.80" keyed as "142.8" is wrong. An empty entry (Enter pressed with
   nothing keyed) is a skipped item and counts as wrong. Whatever is keyed after the
   last Enter when time runs out was never submitted and is not scored.
2. **Keystrokes** are the characters of all submitted entries, correct or not, plus one
   per submitted entry when the exam counts Enter as a keystroke (a per-exam setting,
   off by default). Backspaces and the characters they removed are not keystrokes.
3. **Gross KPH** (keystrokes per hour) = keystrokes x 3600 / seconds.
4. **Net KPH** = keystrokes of the correct entries only (with their Enters when Enter
   counts) x 3600 / seconds.
5. **Errors** = submitted entries that are wrong, skipped ones included.
6. **Accuracy** = correct entries / submitted entries x 100. With no submitted entries
   the accuracy is 0.0 (there is nothing to be accurate about).
7. The candidate passes when the reported net KPH is at least the threshold *and* the
   reported accuracy is at least the minimum; figures are reported to two decimals,
   halves rounded up (``typing_scoring.report_round``, as for the typing test). No
   authoritative standard exists for either: ``DEFAULT_THRESHOLD_NET_KPH`` and
   ``DEFAULT_MIN_ACCURACY`` are this product's defaults, which HR sets per exam.

The entry field accepts only what ``tenkey_accepts`` allows (digits, the decimal point,
Enter and Backspace; with the keypad-only setting, digits and the point must come from the
numeric keypad). Enter submits the entry: a submitted entry is final, so Backspace in an
empty entry does nothing. ``rebuild_entry_text`` rebuilds the field's content from the
keystroke log under these rules and ``entries_from_text`` splits it into entries.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from skills_tests.keystrokes import KeyEvent, accepted_by_numeric_field
from skills_tests.typing_scoring import report_round

DEFAULT_THRESHOLD_NET_KPH = 8000.0  # a product default, not a published standard
DEFAULT_MIN_ACCURACY = 97.0  # per cent; a product default, not a published standard

ENTRY_CHARACTERS = frozenset("0123456789.")


@dataclass(frozen=True)
class EntryResult:
    position: int  # 1-based item number
    expected: str
    entered: str
    correct: bool
    skipped: bool

    def to_dict(self) -> dict:
        return {
            "position": self.position, "expected": self.expected, "entered": self.entered,
            "correct": self.correct, "skipped": self.skipped,
        }


@dataclass(frozen=True)
class TenKeyScore:
    seconds: float
    count_enter: bool
    entries: int  # submitted entries, skipped ones included
    correct: int
    errors: int
    keystrokes: int
    gross_kph: float
    net_kph: float
    accuracy: float  # per cent, 0.0 when nothing was submitted
    results: tuple[EntryResult, ...]

    @property
    def net_keystrokes(self) -> int:
        """Keystrokes of the correct entries (with their Enters when Enter counts)."""
        return sum(len(r.entered) + (1 if self.count_enter else 0) for r in self.results if r.correct)

    @property
    def wrong(self) -> tuple[EntryResult, ...]:
        """The entries that are wrong or skipped, in order."""
        return tuple(r for r in self.results if not r.correct)

    def passes(
        self, threshold_net_kph: float = DEFAULT_THRESHOLD_NET_KPH, min_accuracy: float = DEFAULT_MIN_ACCURACY
    ) -> bool:
        """Reported net KPH at least ``threshold_net_kph`` and reported accuracy at least ``min_accuracy``."""
        return report_round(self.net_kph) >= threshold_net_kph and report_round(self.accuracy) >= min_accuracy

    def to_dict(self) -> dict:
        """JSON-serialisable summary, figures as reported (two decimals); lists the wrong and
        skipped entries beside their keys."""
        return {
            "seconds": self.seconds,
            "count_enter": self.count_enter,
            "entries": self.entries,
            "correct": self.correct,
            "errors": self.errors,
            "keystrokes": self.keystrokes,
            "net_keystrokes": self.net_keystrokes,
            "gross_kph": report_round(self.gross_kph),
            "net_kph": report_round(self.net_kph),
            "accuracy": report_round(self.accuracy),
            "wrong": [r.to_dict() for r in self.wrong],
        }


def score_tenkey(
    key: Sequence[str], entries: Sequence[str], seconds: float, *, count_enter: bool = False
) -> TenKeyScore:
    """Score the submitted ``entries`` against the answer ``key`` over ``seconds``.

    Raises ValueError when ``seconds`` is not a positive finite number, or when there
    are more entries than items (the test ends when the last item is submitted).
    """
    if not (isinstance(seconds, int | float) and math.isfinite(seconds) and seconds > 0):
        raise ValueError(f"seconds must be a positive number, not {seconds!r}")
    if len(entries) > len(key):
        raise ValueError(f"more entries than items: {len(entries)} entries for {len(key)} items")
    enter = 1 if count_enter else 0
    results = tuple(
        EntryResult(
            position=i + 1, expected=expected, entered=entered,
            correct=entered != "" and entered == expected, skipped=entered == "",
        )
        for i, (expected, entered) in enumerate(zip(key, entries, strict=False))
    )
    correct = sum(r.correct for r in results)
    keystrokes = sum(len(r.entered) + enter for r in results)
    net_keystrokes = sum(len(r.entered) + enter for r in results if r.correct)
    return TenKeyScore(
        seconds=float(seconds),
        count_enter=count_enter,
        entries=len(results),
        correct=correct,
        errors=len(results) - correct,
        keystrokes=keystrokes,
        gross_kph=keystrokes * 3600 / seconds,
        net_kph=net_keystrokes * 3600 / seconds,
        accuracy=100.0 * correct / len(results) if results else 0.0,
        results=results,
    )


def entries_from_text(text: str) -> list[str]:
    """The submitted entries in the entry field's rebuilt content.

    Entries are separated by "\\n" (each Enter submits one); a blank line is an empty,
    i.e. skipped, entry. Text after the last Enter was never submitted and is dropped:
    ``"12\\n\\n345\\n67"`` gives ``["12", "", "345"]``.
    """
    return text.split("\n")[:-1]


def tenkey_accepts(event: KeyEvent, keypad_only: bool) -> bool:
    """Whether this keydown changes the 10-key entry field.

    Accepted: the digits 0-9 and the decimal point "." (top row or keypad; only the
    keypad's when ``keypad_only``), Enter (the main Enter or the keypad's, always) and
    Backspace (always). Refused: everything else, including letters, a "," decimal
    key, Ctrl/Alt/Meta combinations, and the keypad's navigation keys ("End",
    "ArrowDown", ...) that it sends when NumLock is off.
    """
    return accepted_by_numeric_field(event, ENTRY_CHARACTERS, keypad_only)


def rebuild_entry_text(events: Iterable[KeyEvent], keypad_only: bool = False) -> str:
    """The entry field's content after ``events``: what ``tenkey_accepts`` lets through.

    Like ``skills_tests.keystrokes.reconstruct_text``, with two differences: refused keys
    change nothing, and Backspace never removes an Enter (a submitted entry is final).
    """
    chars: list[str] = []
    for event in events:
        if not tenkey_accepts(event, keypad_only):
            continue
        if event.is_backspace:
            if chars and chars[-1] != "\n":
                chars.pop()
        else:
            chars.append(event.inserts or "")
    return "".join(chars)
