"""Typing-test passages: the exam forms, the practice passages and their statistics.

HR's typing requirement is "type from clear printed copy at 45 net words per minute", so
every passage is the kind of printed copy a customer-service office handles: customer
letters, notices and policy explanations, in ordinary business English with capitals,
punctuation, dollar amounts, dates, account and phone numbers.

Each passage is one data file in ``skills_tests/passages/`` (the file stem is the passage
id) with a two-line header, a blank line, then the text::

    title: 48-Hour Disconnection Notice
    kind: exam

    First paragraph, which may be wrapped
    over several lines.

    Second paragraph.

Paragraphs are separated by blank lines. Line wrapping inside a paragraph is not part of
the passage: each paragraph's whitespace is collapsed to single spaces and paragraphs are
joined with one blank line ("\\n\\n"). Passages must be printable ASCII so that every
character can be typed on a US keyboard.

Exam forms are interchangeable only if they are equally hard to type. ``passage_stats``
measures the properties that drive typing difficulty and ``forms_equivalence`` reports how
far apart a set of forms is on each of them; the exam forms must stay within
``EQUIVALENCE_TOLERANCE``. ``python -m skills_tests.passages`` prints the exam forms'
statistics as a markdown table (pasted into ``docs/passage-forms.md``).
"""

from __future__ import annotations

import re
import string
from collections.abc import Iterable
from dataclasses import dataclass, fields
from functools import cache, cached_property
from importlib import resources
from typing import Literal, get_args

import pyphen
import textstat

Kind = Literal["exam", "practice"]
KINDS: tuple[str, ...] = get_args(Kind)

PASSAGE_DIR = "passages"  # data directory inside the skills_tests package
PASSAGE_SUFFIX = ".txt"

# Largest acceptable relative spread, (max - min) / min, of any statistic across the exam forms.
EQUIVALENCE_TOLERANCE = 0.10

_PUNCTUATION = frozenset(string.punctuation)
_TYPABLE = frozenset(string.printable) - frozenset("\t\r\x0b\x0c")  # printable ASCII plus "\n"
_HYPHENATOR = pyphen.Pyphen(lang="en_US")
_NOT_WORD = re.compile(r"[^\w\s']")


@dataclass(frozen=True)
class PassageStats:
    """Typing-difficulty statistics of one passage.

    ``words`` counts whitespace-separated tokens and ``characters`` counts the text with
    every run of whitespace (including a paragraph break) as one space. The three shares
    are fractions of all non-whitespace characters. ``readability_grade`` is the
    Flesch-Kincaid grade level (see ``readability_grade``).
    """

    words: int
    characters: int
    mean_word_length: float
    capitals_share: float
    digits_share: float
    punctuation_share: float
    readability_grade: float


STATISTICS: tuple[str, ...] = tuple(f.name for f in fields(PassageStats))


def readability_grade(text: str) -> float:
    """Flesch-Kincaid grade level, 0.39 * words/sentence + 11.8 * syllables/word - 15.59.

    This is textstat's ``flesch_kincaid_grade``, computed with textstat's own word and
    sentence counts, but with syllables always counted by Pyphen hyphenation (textstat's
    fallback). Current textstat releases look words up in NLTK's CMU pronouncing
    dictionary first and try to download it on first use: that fails on a machine
    without internet access, and where it succeeds the figures change. Counting with
    Pyphen needs no download and gives the same grade on every machine.
    """
    words = textstat.lexicon_count(text)
    sentences = textstat.sentence_count(text)
    if not words or not sentences:
        return 0.0
    syllables = sum(len(_HYPHENATOR.positions(w)) + 1 for w in _NOT_WORD.sub("", text).lower().split())
    return 0.39 * words / sentences + 11.8 * syllables / words - 15.59


def passage_stats(text: str) -> PassageStats:
    """Compute the statistics of ``text`` (an empty text gives all zeros)."""
    tokens = text.split()
    if not tokens:
        return PassageStats(0, 0, 0.0, 0.0, 0.0, 0.0, 0.0)
    visible = "".join(tokens)
    n = len(visible)
    return PassageStats(
        words=len(tokens),
        characters=len(" ".join(tokens)),
        mean_word_length=n / len(tokens),
        capitals_share=sum(c.isupper() for c in visible) / n,
        digits_share=sum(c in string.digits for c in visible) / n,
        punctuation_share=sum(c in _PUNCTUATION for c in visible) / n,
        readability_grade=readability_grade(text),
    )


@dataclass(frozen=True)
class Passage:
    id: str
    title: str
    kind: Kind
    text: str

    @cached_property
    def stats(self) -> PassageStats:
        return passage_stats(self.text)


def normalise_text(body: str) -> str:
    """Collapse each paragraph's whitespace to single spaces and join paragraphs with "\\n\\n"."""
    paragraphs: list[str] = []
    current: list[str] = []
    for line in body.splitlines():
        if line.strip():
            current.append(line)
        elif current:
            paragraphs.append(" ".join(" ".join(current).split()))
            current = []
    if current:
        paragraphs.append(" ".join(" ".join(current).split()))
    return "\n\n".join(paragraphs)


def parse_passage(passage_id: str, source: str) -> Passage:
    """Parse one passage file; raise ValueError naming the passage if it is malformed."""
    lines = source.splitlines()
    if len(lines) < 4 or not lines[0].startswith("title:") or not lines[1].startswith("kind:"):
        raise ValueError(
            f"passage {passage_id!r}: expected 'title: ...' and 'kind: ...' header lines, "
            "a blank line, then the text"
        )
    if lines[2].strip():
        raise ValueError(f"passage {passage_id!r}: the header must be followed by a blank line")
    title = lines[0].removeprefix("title:").strip()
    kind = lines[1].removeprefix("kind:").strip()
    if not title:
        raise ValueError(f"passage {passage_id!r}: empty title")
    if kind not in KINDS:
        raise ValueError(f"passage {passage_id!r}: kind must be one of {', '.join(KINDS)}, not {kind!r}")
    text = normalise_text("\n".join(lines[3:]))
    if not text:
        raise ValueError(f"passage {passage_id!r}: no text")
    bad = sorted(set(text) - _TYPABLE)
    if bad:
        raise ValueError(
            f"passage {passage_id!r}: characters not typable on a US keyboard: "
            + ", ".join(repr(c) for c in bad)
        )
    return Passage(id=passage_id, title=title, kind=kind, text=text)  # type: ignore[arg-type]


@cache
def _load_all() -> tuple[Passage, ...]:
    directory = resources.files(__package__ or "skills_tests") / PASSAGE_DIR
    passages = [
        parse_passage(entry.name.removesuffix(PASSAGE_SUFFIX), entry.read_text(encoding="ascii"))
        for entry in directory.iterdir()
        if entry.is_file() and entry.name.endswith(PASSAGE_SUFFIX)
    ]
    return tuple(sorted(passages, key=lambda p: p.id))


def load_passages() -> list[Passage]:
    """All passages, sorted by id."""
    return list(_load_all())


def get_passage(passage_id: str) -> Passage:
    for passage in _load_all():
        if passage.id == passage_id:
            return passage
    valid = ", ".join(p.id for p in _load_all())
    raise KeyError(f"unknown passage id {passage_id!r}; valid ids: {valid}")


def exam_forms() -> list[Passage]:
    return [p for p in _load_all() if p.kind == "exam"]


def practice_passages() -> list[Passage]:
    return [p for p in _load_all() if p.kind == "practice"]


def forms_equivalence(passages: Iterable[Passage]) -> dict[str, float]:
    """For each statistic, the relative spread (max - min) / min across ``passages``.

    A spread of 0.05 means the largest value is 5 % above the smallest. If the smallest
    value is zero or negative the ratio means nothing: the spread is 0.0 when all values
    are equal and infinity otherwise.
    """
    all_stats = [p.stats for p in passages]
    if not all_stats:
        raise ValueError("forms_equivalence needs at least one passage")
    spreads: dict[str, float] = {}
    for name in STATISTICS:
        values = [float(getattr(s, name)) for s in all_stats]
        low, high = min(values), max(values)
        if high == low:
            spreads[name] = 0.0
        elif low <= 0:
            spreads[name] = float("inf")
        else:
            spreads[name] = (high - low) / low
    return spreads


def _format(name: str, value: float) -> str:
    if name in ("words", "characters"):
        return str(int(value))
    if name.endswith("_share"):
        return f"{100 * value:.2f} %"
    return f"{value:.2f}"


def equivalence_table(passages: Iterable[Passage] | None = None) -> str:
    """Markdown table of each passage's statistics and the spread per statistic."""
    forms = list(exam_forms() if passages is None else passages)
    spreads = forms_equivalence(forms)
    header = ["Statistic", *(p.id for p in forms), "Spread", "Within tolerance"]
    rows = [
        "| " + " | ".join(header) + " |",
        "|" + "|".join(["---", *("---:" for _ in forms), "---:", ":---:"]) + "|",
    ]
    for name in STATISTICS:
        cells = [name.replace("_", " "), *(_format(name, getattr(p.stats, name)) for p in forms)]
        cells.append(f"{100 * spreads[name]:.1f} %")
        cells.append("yes" if spreads[name] <= EQUIVALENCE_TOLERANCE else "NO")
        rows.append("| " + " | ".join(cells) + " |")
    return "\n".join(rows)


if __name__ == "__main__":
    print(equivalence_table())
    print()
    print(f"Tolerance: {100 * EQUIVALENCE_TOLERANCE:.0f} % relative spread, (max - min) / min, per statistic.")
