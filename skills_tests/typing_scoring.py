"""Typing-test scoring: gross and net words per minute, errors, accuracy.

The rules are written out for HR in docs/scoring.md; this module implements them and
nothing else (no database, no UI). In short:

- a word is 5 characters; gross characters are every character of the typed text, spaces
  and line breaks counting 1 each, trailing whitespace ignored;
- gross WPM = gross characters / 5 / minutes;
- errors come from the word alignment in ``skills_tests.alignment`` (one error per
  wrong, omitted, inserted, transposed, merged or split word, and per correct word
  preceded by two or more spaces);
- ``standard`` rule: net WPM = gross WPM - errors / minutes;
  ``penalty:N`` rule: net WPM = (gross characters / 5 - N * errors) / minutes;
  both floored at 0.
"""

from __future__ import annotations

import math
import numbers
import re
import unicodedata
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from typing import Literal

from skills_tests.alignment import CORRECT_KINDS, ERROR_KINDS, AlignmentStep, WordAlignment, align_words

__all__ = [
    "CHARS_PER_WORD",
    "DEFAULT_THRESHOLD_NET_WPM",
    "AlignmentStep",
    "TypedText",
    "TypingError",
    "TypingRule",
    "TypingScore",
    "normalise_typed_text",
    "passage_words",
    "report_round",
    "score_typing",
    "split_words",
]

DEFAULT_THRESHOLD_NET_WPM = 45.0
CHARS_PER_WORD = 5
ENDED_BY = ("time", "completion")

# Line breaks are whitespace but never "space characters" for the extra-spacing rule.
LINE_BREAKS = "\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029"
_WORD = re.compile(r"\S+")
_SPACE_RUN = re.compile(r"[^\S" + LINE_BREAKS + r"]{2,}")
_RULE = re.compile(r"penalty:([0-9]+)")


def report_round(value: float) -> float:
    """Round to 2 decimals, halves away from zero, as figures are shown on reports."""
    return float(Decimal(repr(float(value))).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


@dataclass(frozen=True)
class TypingRule:
    """How errors reduce the score: ``standard`` or ``penalty:N``."""

    kind: Literal["standard", "penalty"]
    penalty_words: int = 0

    def __post_init__(self) -> None:
        if self.kind == "standard":
            if self.penalty_words != 0:
                raise ValueError("the standard rule takes no penalty (penalty_words must be 0)")
        elif self.kind == "penalty":
            if isinstance(self.penalty_words, bool) or not isinstance(self.penalty_words, int) or self.penalty_words < 1:
                raise ValueError("the penalty rule needs a whole number of words per error, at least 1")
        else:
            raise ValueError(f"unknown typing rule kind {self.kind!r}: expected 'standard' or 'penalty'")

    @classmethod
    def parse(cls, text: str) -> TypingRule:
        """Read ``"standard"`` or ``"penalty:N"`` (N a positive whole number of words)."""
        if not isinstance(text, str):
            raise ValueError(f"typing rule must be text such as 'standard' or 'penalty:10', not {text!r}")
        cleaned = text.strip().lower()
        if cleaned == "standard":
            return cls("standard")
        match = _RULE.fullmatch(cleaned)
        if match:
            words = int(match.group(1))
            if words < 1:
                raise ValueError(f"typing rule {text!r}: the penalty must be at least 1 word per error")
            return cls("penalty", words)
        raise ValueError(
            f"unknown typing rule {text!r}: expected 'standard' or 'penalty:N' with N a positive "
            "whole number of words deducted per error (civil-service contests use 'penalty:10')"
        )

    def __str__(self) -> str:
        return "standard" if self.kind == "standard" else f"penalty:{self.penalty_words}"


@dataclass(frozen=True)
class TypingError:
    """One error, as listed on a result page."""

    kind: str
    source_index: int | None
    source_words: tuple[str, ...]
    typed_index: int | None
    typed_words: tuple[str, ...]

    def to_dict(self) -> dict:
        return {
            "kind": self.kind,
            "source_index": self.source_index,
            "source_words": list(self.source_words),
            "typed_index": self.typed_index,
            "typed_words": list(self.typed_words),
        }


@dataclass(frozen=True)
class TypingScore:
    rule: str
    ended_by: str
    seconds: float
    gross_chars: int
    gross_wpm: float
    errors: int
    net_wpm: float
    words_typed: int
    words_correct: int
    word_accuracy: float  # percent: correctly typed words / typed words
    char_accuracy: float  # percent: final-text character accuracy, see docs/scoring.md
    error_list: tuple[TypingError, ...]
    alignment: tuple[AlignmentStep, ...]

    def to_dict(self) -> dict:
        return {
            "rule": self.rule,
            "ended_by": self.ended_by,
            "seconds": self.seconds,
            "gross_chars": self.gross_chars,
            "gross_wpm": report_round(self.gross_wpm),
            "errors": self.errors,
            "net_wpm": report_round(self.net_wpm),
            "words_typed": self.words_typed,
            "words_correct": self.words_correct,
            "word_accuracy": report_round(self.word_accuracy),
            "char_accuracy": report_round(self.char_accuracy),
            "error_list": [error.to_dict() for error in self.error_list],
            "alignment": [step.to_dict() for step in self.alignment],
        }

    def passes(self, threshold_net_wpm: float, max_errors: int | None = None) -> bool:
        """Pass when the reported net WPM (2 decimals) reaches the threshold and, if a cap is
        given, the errors do not exceed it."""
        if max_errors is not None and max_errors < 0:
            raise ValueError("max_errors must be 0 or more")
        if report_round(self.net_wpm) < threshold_net_wpm:
            return False
        return max_errors is None or self.errors <= max_errors


@dataclass(frozen=True)
class TypedText:
    """A text cut into words, with the facts the rules need about its whitespace."""

    text: str  # normalised, trailing whitespace removed
    words: tuple[str, ...]
    extra_space: tuple[bool, ...]  # word preceded by a run of 2+ space characters
    ends_in_whitespace: bool  # the text as typed ended in whitespace


def normalise_typed_text(text: str) -> str:
    """Unicode NFC, and Windows/old-Mac line endings as one line break."""
    return unicodedata.normalize("NFC", text).replace("\r\n", "\n").replace("\r", "\n")


def split_words(text: str) -> TypedText:
    """Cut a text into whitespace-separated words (line breaks count as spaces)."""
    normalised = normalise_typed_text(text)
    stripped = normalised.rstrip()
    words: list[str] = []
    extra: list[bool] = []
    previous_end = 0
    for match in _WORD.finditer(stripped):
        gap = stripped[previous_end : match.start()]
        words.append(match.group())
        extra.append(len(gap) >= 2 and _SPACE_RUN.search(gap) is not None)
        previous_end = match.end()
    return TypedText(
        text=stripped,
        words=tuple(words),
        extra_space=tuple(extra),
        ends_in_whitespace=len(stripped) != len(normalised),
    )


def passage_words(text: str, limit: int | None = None) -> tuple[str, ...]:
    """The passage's words (whitespace-separated), the first ``limit`` of them if given."""
    normalised = normalise_typed_text(text)
    if limit is None:
        return tuple(normalised.split())
    return tuple(normalised.split(maxsplit=limit)[:limit])


def _minutes_fraction(seconds: float) -> Fraction:
    return Fraction(seconds) / 60


def score_typing(
    source: str,
    typed: str,
    seconds: float,
    rule: TypingRule | str = "standard",
    ended_by: Literal["time", "completion"] = "time",
) -> TypingScore:
    """Score one typing attempt against its passage.

    ``seconds`` is the length of the timed attempt (the test's duration when it ended by
    time, the time taken when the candidate finished early).
    """
    if isinstance(rule, str):
        rule = TypingRule.parse(rule)
    elif not isinstance(rule, TypingRule):
        raise TypeError(f"rule must be a TypingRule or text such as 'penalty:10', not {type(rule).__name__}")
    if ended_by not in ENDED_BY:
        raise ValueError(f"ended_by must be 'time' or 'completion', not {ended_by!r}")
    if isinstance(seconds, bool) or not isinstance(seconds, numbers.Real):
        raise ValueError(f"seconds must be a number, not {seconds!r}")
    seconds = float(seconds)
    if not math.isfinite(seconds) or seconds <= 0:
        raise ValueError(f"seconds must be a positive number, not {seconds!r}")
    if not isinstance(source, str) or not isinstance(typed, str):
        raise TypeError("source and typed must be text")

    attempt = split_words(typed)
    # No alignment with at most one error per typed word (and the cheapest has at most
    # that) can cover more than two passage words per typed word, so the rest of a long
    # passage need not be read.
    source_words = passage_words(source, limit=2 * len(attempt.words) + 2)
    if not source_words:
        raise ValueError("the source passage has no words")

    alignment: WordAlignment = align_words(
        source_words,
        attempt.words,
        extra_space=attempt.extra_space,
        allow_unfinished_last=(ended_by == "time" and not attempt.ends_in_whitespace),
    )

    gross_chars = len(attempt.text)
    errors = alignment.errors
    minutes = _minutes_fraction(seconds)
    gross_words = Fraction(gross_chars, CHARS_PER_WORD)
    gross_wpm = gross_words / minutes
    if rule.kind == "standard":
        net = gross_wpm - errors / minutes
    else:
        net = (gross_words - rule.penalty_words * errors) / minutes
    net = max(net, Fraction(0))

    words = attempt.words
    last = len(words) - 1
    words_correct = 0
    correct_chars = 0
    error_list: list[TypingError] = []
    for step in alignment.steps:
        if step.kind in ERROR_KINDS:
            error_list.append(
                TypingError(step.kind, step.source_index, step.source_words, step.typed_index, step.typed_words)
            )
        if step.kind in CORRECT_KINDS:
            words_correct += 1
        if step.kind in CORRECT_KINDS or step.kind == "spacing":
            # the word's characters and the one space or line break that follows it
            j = step.typed_index
            correct_chars += len(words[j]) + (1 if j < last else 0)

    words_typed = len(words)
    return TypingScore(
        rule=str(rule),
        ended_by=ended_by,
        seconds=seconds,
        gross_chars=gross_chars,
        gross_wpm=float(gross_wpm),
        errors=errors,
        net_wpm=float(net),
        words_typed=words_typed,
        words_correct=words_correct,
        word_accuracy=100.0 * words_correct / words_typed if words_typed else 0.0,
        char_accuracy=100.0 * correct_chars / gross_chars if gross_chars else 0.0,
        error_list=tuple(error_list),
        alignment=alignment.steps,
    )
