"""10-key test items: the exam forms, the practice sets, the adding-machine drill batches.

The job asks for "operating a 10-key calculator by touch", so every item is a number a
customer-service representative keys all day at the counter and in the CIS, made only of
the keypad's digits and decimal point:

============  ==========================================  ===============
category      what it is                                  examples
============  ==========================================  ===============
``payment``   a payment amount, dollars and cents          ``142.87``
``account``   a 10-digit account number                    ``1004338217``
``meter``     a meter read, 5 or 6 digits                  ``48213``
``zip``       a California ZIP code (90000-95999)          ``95820``
``check``     a check number, 4 to 6 digits                ``10482``
``deposit``   a deposit amount in whole dollars            ``250.00``
============  ==========================================  ===============

No item starts with a zero (so nobody wonders whether a leading zero may be left out).

Item sets
---------
Each item set is one data file in ``skills_tests/tenkey_items/`` named after the set id,
``tenkey-exam-*.txt`` or ``tenkey-practice-*.txt``: three header lines, a blank line,
then one item per line, in the order the candidate keys them. An item line holds the
number to key, then its category::

    id: tenkey-exam-a
    title: 10-key exam, form A
    kind: exam

    142.87 payment
    1004338217 account
    48213 meter

Exam forms are interchangeable only if they are equally hard to key. ``item_stats``
measures what drives keying difficulty (how many items and characters, item lengths,
decimal points, categories and the digits used) and ``forms_equivalence`` reports how far
apart a set of forms is on each statistic; the exam forms must stay within
``EQUIVALENCE_TOLERANCE``. ``python -m skills_tests.tenkey_items`` prints the exam forms'
statistics as a markdown table (pasted into the 10-key scoring page in ``docs/``).

Drill batches
-------------
An adding-machine drill batch (cash handling) is a bundle of payment stubs with a control
total. Each stub shows the amount printed on the stub and, beside it, the amount of the
check that came with it; the control total is the sum of the check amounts. In some
batches one stub's printed amount disagrees with its check (a transposition such as
45.12 printed for 41.52, or a misread digit), so keying the printed amounts does not give
the control total and the candidate has to find and correct that stub. Each batch is one
file ``tenkey-drill-*.txt`` in the same directory: four header lines, a blank line, then
one stub per line: stub number, printed stub amount, check amount::

    id: tenkey-drill-02
    title: Counter payments, Tuesday
    kind: practice
    control_total: 1874.32

    1 142.87 142.87
    2 41.52 45.12

All data files are generated once, deterministically, by ``generate_item_set`` and
``generate_drill_batch`` from the seeds in ``ITEM_SET_SPECS`` and ``DRILL_SPECS``
(``python -m skills_tests.tenkey_items --rebuild`` rewrites them) and committed; the
program and the tests only read them.
"""

from __future__ import annotations

import random
import re
import sys
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from functools import cache, cached_property
from importlib import resources
from pathlib import Path
from typing import Literal, TypeVar, get_args

_K = TypeVar("_K")

Kind = Literal["exam", "practice"]
KINDS: tuple[str, ...] = get_args(Kind)

Category = Literal["payment", "account", "meter", "zip", "check", "deposit"]
CATEGORIES: tuple[str, ...] = get_args(Category)

ITEM_DIR = "tenkey_items"  # data directory inside the skills_tests package
ITEM_SUFFIX = ".txt"
DRILL_PREFIX = "tenkey-drill-"

KEYPAD_CHARACTERS = frozenset("0123456789.")
DIGITS = "0123456789"

# Largest acceptable relative spread, (max - min) / min, of any statistic across the exam forms.
EQUIVALENCE_TOLERANCE = 0.10

# The shape of every item of each category; the loader refuses items that do not fit.
CATEGORY_PATTERNS: dict[str, re.Pattern[str]] = {
    "payment": re.compile(r"[1-9]\d{0,3}\.\d\d"),
    "account": re.compile(r"[1-9]\d{9}"),
    "meter": re.compile(r"[1-9]\d{4,5}"),
    "zip": re.compile(r"9[0-5]\d{3}"),
    "check": re.compile(r"[1-9]\d{3,5}"),
    "deposit": re.compile(r"[1-9]\d?[05]\.00"),
}

# Within a category, the share of each variant; the variant is the number of digits
# (dollar digits for payments and deposits). Every set built with the same size and mix
# therefore holds exactly the same numbers of items of each category and length.
CATEGORY_VARIANTS: dict[str, dict[int, float]] = {
    "payment": {2: 0.35, 3: 0.55, 4: 0.10},
    "account": {10: 1.0},
    "meter": {5: 0.5, 6: 0.5},
    "zip": {5: 1.0},
    "check": {4: 0.375, 5: 0.375, 6: 0.25},
    "deposit": {2: 0.25, 3: 0.75},
}

EXAM_MIX: dict[str, float] = {
    "payment": 0.35, "account": 0.15, "meter": 0.20, "zip": 0.10, "check": 0.10, "deposit": 0.10,
}
EXAM_ITEMS = 400


# --------------------------------------------------------------------------- items and sets


@dataclass(frozen=True, slots=True)
class TenKeyItem:
    value: str  # what the candidate keys, e.g. "142.87"
    category: str

    def __str__(self) -> str:
        return self.value


@dataclass(frozen=True)
class ItemStats:
    """Keying-difficulty statistics of one item set.

    ``characters`` counts every digit and decimal point (Enter not included);
    ``decimal_share`` is the fraction of items that contain a decimal point;
    ``category_shares`` and ``length_shares`` are fractions of the items (every category
    is listed, lengths only where some item has that length); ``digit_shares`` is each
    digit's fraction of all digits keyed (decimal points not counted).
    """

    items: int
    characters: int
    mean_length: float
    decimal_share: float
    category_shares: Mapping[str, float]
    length_shares: Mapping[int, float]
    digit_shares: Mapping[str, float]

    def scalars(self) -> dict[str, float]:
        """Every statistic as one named number, e.g. ``"length share 6"``."""
        values: dict[str, float] = {
            "items": float(self.items),
            "characters": float(self.characters),
            "mean length": self.mean_length,
            "decimal share": self.decimal_share,
        }
        values.update({f"category share {c}": v for c, v in self.category_shares.items()})
        values.update({f"length share {n}": v for n, v in sorted(self.length_shares.items())})
        values.update({f"digit share {d}": v for d, v in self.digit_shares.items()})
        return values


def item_stats(items: Iterable[TenKeyItem | str]) -> ItemStats:
    """Compute the statistics of a sequence of items (plain strings count as category-less)."""
    values: list[str] = []
    categories: dict[str, int] = dict.fromkeys(CATEGORIES, 0)
    for item in items:
        if isinstance(item, TenKeyItem):
            values.append(item.value)
            categories[item.category] = categories.get(item.category, 0) + 1
        else:
            values.append(str(item))
    n = len(values)
    if n == 0:
        return ItemStats(0, 0, 0.0, 0.0, {c: 0.0 for c in CATEGORIES}, {}, dict.fromkeys(DIGITS, 0.0))
    characters = sum(len(v) for v in values)
    lengths: dict[int, int] = {}
    for v in values:
        lengths[len(v)] = lengths.get(len(v), 0) + 1
    digit_counts = dict.fromkeys(DIGITS, 0)
    for v in values:
        for ch in v:
            if ch in digit_counts:
                digit_counts[ch] += 1
    total_digits = sum(digit_counts.values())
    return ItemStats(
        items=n,
        characters=characters,
        mean_length=characters / n,
        decimal_share=sum("." in v for v in values) / n,
        category_shares={c: count / n for c, count in categories.items()},
        length_shares={length: count / n for length, count in sorted(lengths.items())},
        digit_shares={d: (c / total_digits if total_digits else 0.0) for d, c in digit_counts.items()},
    )


@dataclass(frozen=True)
class ItemSet:
    id: str
    title: str
    kind: Kind
    items: tuple[TenKeyItem, ...]

    @property
    def keys(self) -> tuple[str, ...]:
        """The answer key: the items' values in order, as ``score_tenkey`` takes them."""
        return tuple(item.value for item in self.items)

    @cached_property
    def stats(self) -> ItemStats:
        return item_stats(self.items)


def _header(set_id: str, lines: list[str], names: Sequence[str]) -> dict[str, str]:
    """Read ``name: value`` header lines, in the given order, followed by a blank line."""
    expected = ", ".join(f"'{name}: ...'" for name in names)
    if len(lines) < len(names) + 2:
        raise ValueError(f"{set_id!r}: expected header lines {expected}, a blank line, then one line per entry")
    values: dict[str, str] = {}
    for name, line in zip(names, lines, strict=False):
        if not line.startswith(f"{name}:"):
            raise ValueError(f"{set_id!r}: expected header lines {expected}; found {line!r}")
        values[name] = line.removeprefix(f"{name}:").strip()
        if not values[name]:
            raise ValueError(f"{set_id!r}: empty {name}")
    if lines[len(names)].strip():
        raise ValueError(f"{set_id!r}: the header must be followed by a blank line")
    if values["id"] != set_id:
        raise ValueError(f"{set_id!r}: the file is named {set_id!r} but its id line says {values['id']!r}")
    if values["kind"] not in KINDS:
        raise ValueError(f"{set_id!r}: kind must be one of {', '.join(KINDS)}, not {values['kind']!r}")
    return values


def parse_item_set(set_id: str, source: str) -> ItemSet:
    """Parse one item-set file; raise ValueError naming the set and line if it is malformed."""
    lines = source.splitlines()
    header = _header(set_id, lines, ("id", "title", "kind"))
    first = 4 + 1  # line number of the first item (1-based)
    items: list[TenKeyItem] = []
    for number, line in enumerate(lines[4:], start=first):
        parts = line.split()
        if len(parts) != 2:
            raise ValueError(f"{set_id!r} line {number}: expected 'number category', found {line!r}")
        value, category = parts
        if category not in CATEGORY_PATTERNS:
            raise ValueError(
                f"{set_id!r} line {number}: unknown category {category!r}; valid: {', '.join(CATEGORIES)}"
            )
        bad = sorted(set(value) - KEYPAD_CHARACTERS)
        if bad:
            raise ValueError(
                f"{set_id!r} line {number}: {value!r} has characters that are not on the keypad: "
                + ", ".join(repr(c) for c in bad)
            )
        if not CATEGORY_PATTERNS[category].fullmatch(value):
            raise ValueError(f"{set_id!r} line {number}: {value!r} is not a valid {category} item")
        items.append(TenKeyItem(value, category))
    if not items:
        raise ValueError(f"{set_id!r}: no items")
    return ItemSet(id=set_id, title=header["title"], kind=header["kind"], items=tuple(items))  # type: ignore[arg-type]


def format_item_set(item_set: ItemSet) -> str:
    """The data-file text of an item set (the inverse of ``parse_item_set``)."""
    head = [f"id: {item_set.id}", f"title: {item_set.title}", f"kind: {item_set.kind}", ""]
    return "\n".join(head + [f"{item.value} {item.category}" for item in item_set.items]) + "\n"


# --------------------------------------------------------------------------- drill batches


@dataclass(frozen=True, slots=True)
class DrillStub:
    number: int  # 1-based, as printed on the batch sheet
    stub_amount: Decimal  # what the payment stub says
    check_amount: Decimal  # what the check (the actual payment) is for

    @property
    def discrepant(self) -> bool:
        return self.stub_amount != self.check_amount


@dataclass(frozen=True)
class DrillBatch:
    id: str
    title: str
    kind: Kind
    control_total: Decimal  # the sum of the check amounts
    stubs: tuple[DrillStub, ...]

    @property
    def discrepant_stub(self) -> DrillStub | None:
        """The one stub whose printed amount disagrees with its check, if there is one."""
        return next((s for s in self.stubs if s.discrepant), None)

    @property
    def printed_total(self) -> Decimal:
        return sum((s.stub_amount for s in self.stubs), Decimal("0.00"))

    @property
    def balances_as_printed(self) -> bool:
        """True when keying the printed stub amounts gives the control total."""
        return self.printed_total == self.control_total


MIN_STUBS, MAX_STUBS = 8, 25
_AMOUNT = re.compile(r"[1-9]\d*\.\d\d")


def _amount(set_id: str, number: int, text: str) -> Decimal:
    if not _AMOUNT.fullmatch(text):
        raise ValueError(f"{set_id!r} line {number}: {text!r} is not an amount in dollars and cents, like 142.87")
    return Decimal(text)


def parse_drill_batch(batch_id: str, source: str) -> DrillBatch:
    """Parse one drill-batch file; raise ValueError naming the batch and line if it is malformed."""
    lines = source.splitlines()
    header = _header(batch_id, lines, ("id", "title", "kind", "control_total"))
    control_total = _amount(batch_id, 4, header["control_total"])
    stubs: list[DrillStub] = []
    for number, line in enumerate(lines[5:], start=6):
        parts = line.split()
        if len(parts) != 3 or not parts[0].isdigit():
            raise ValueError(
                f"{batch_id!r} line {number}: expected 'stub-number stub-amount check-amount', found {line!r}"
            )
        if int(parts[0]) != len(stubs) + 1:
            raise ValueError(f"{batch_id!r} line {number}: stub number {parts[0]}, expected {len(stubs) + 1}")
        stubs.append(DrillStub(int(parts[0]), _amount(batch_id, number, parts[1]), _amount(batch_id, number, parts[2])))
    if not MIN_STUBS <= len(stubs) <= MAX_STUBS:
        raise ValueError(f"{batch_id!r}: {len(stubs)} stubs; a batch has {MIN_STUBS} to {MAX_STUBS}")
    checks = sum((s.check_amount for s in stubs), Decimal("0.00"))
    if checks != control_total:
        raise ValueError(f"{batch_id!r}: control total {control_total} is not the sum of the check amounts ({checks})")
    discrepant = [s.number for s in stubs if s.discrepant]
    if len(discrepant) > 1:
        raise ValueError(f"{batch_id!r}: stubs {discrepant} disagree with their checks; a batch has at most one")
    return DrillBatch(batch_id, header["title"], header["kind"], control_total, tuple(stubs))  # type: ignore[arg-type]


def format_drill_batch(batch: DrillBatch) -> str:
    """The data-file text of a drill batch (the inverse of ``parse_drill_batch``)."""
    head = [
        f"id: {batch.id}", f"title: {batch.title}", f"kind: {batch.kind}", f"control_total: {batch.control_total}", "",
    ]
    width = max(len(str(s.stub_amount)) for s in batch.stubs)
    body = [f"{s.number:>2} {str(s.stub_amount):>{width}} {str(s.check_amount):>{width}}" for s in batch.stubs]
    return "\n".join(head + body) + "\n"


# --------------------------------------------------------------------------- loading


def _data_files() -> list[tuple[str, str]]:
    directory = resources.files(__package__ or "skills_tests") / ITEM_DIR
    return [
        (entry.name.removesuffix(ITEM_SUFFIX), entry.read_text(encoding="ascii"))
        for entry in directory.iterdir()
        if entry.is_file() and entry.name.endswith(ITEM_SUFFIX)
    ]


@cache
def _load_all() -> tuple[tuple[ItemSet, ...], tuple[DrillBatch, ...]]:
    sets: list[ItemSet] = []
    batches: list[DrillBatch] = []
    for stem, source in _data_files():
        if stem.startswith(DRILL_PREFIX):
            batches.append(parse_drill_batch(stem, source))
        else:
            sets.append(parse_item_set(stem, source))
    return tuple(sorted(sets, key=lambda s: s.id)), tuple(sorted(batches, key=lambda b: b.id))


def load_item_sets() -> list[ItemSet]:
    """All item sets (exam forms and practice sets), sorted by id."""
    return list(_load_all()[0])


def get_item_set(set_id: str) -> ItemSet:
    for item_set in _load_all()[0]:
        if item_set.id == set_id:
            return item_set
    valid = ", ".join(s.id for s in _load_all()[0])
    raise KeyError(f"unknown 10-key item set {set_id!r}; valid ids: {valid}")


def exam_forms() -> list[ItemSet]:
    return [s for s in _load_all()[0] if s.kind == "exam"]


def practice_sets() -> list[ItemSet]:
    return [s for s in _load_all()[0] if s.kind == "practice"]


def load_drill_batches() -> list[DrillBatch]:
    """All adding-machine drill batches, sorted by id."""
    return list(_load_all()[1])


def get_drill_batch(batch_id: str) -> DrillBatch:
    for batch in _load_all()[1]:
        if batch.id == batch_id:
            return batch
    valid = ", ".join(b.id for b in _load_all()[1])
    raise KeyError(f"unknown drill batch {batch_id!r}; valid ids: {valid}")


# --------------------------------------------------------------------------- equivalence


def forms_equivalence(item_sets: Iterable[ItemSet]) -> dict[str, float]:
    """For each statistic, the relative spread (max - min) / min across ``item_sets``.

    A spread of 0.05 means the largest value is 5 % above the smallest. A length that
    occurs in one set but not another counts as a share of zero there. If the smallest
    value is zero the ratio means nothing: the spread is 0.0 when all values are equal
    and infinity otherwise.
    """
    all_scalars = [s.stats.scalars() for s in item_sets]
    if not all_scalars:
        raise ValueError("forms_equivalence needs at least one item set")
    names: list[str] = []
    for scalars in all_scalars:
        names.extend(name for name in scalars if name not in names)
    spreads: dict[str, float] = {}
    for name in _ordered(names):
        values = [scalars.get(name, 0.0) for scalars in all_scalars]
        low, high = min(values), max(values)
        if high == low:
            spreads[name] = 0.0
        elif low <= 0:
            spreads[name] = float("inf")
        else:
            spreads[name] = (high - low) / low
    return spreads


def _ordered(names: list[str]) -> list[str]:
    """Counts and means first, then categories, lengths (numerically) and digits."""
    groups = ("category share ", "length share ", "digit share ")

    def rank(name: str) -> tuple[int, int, int]:
        for i, prefix in enumerate(groups, start=1):
            if name.startswith(prefix):
                rest = name.removeprefix(prefix)
                return (i, int(rest) if i == 2 else 0, names.index(name))
        return (0, 0, names.index(name))

    return sorted(names, key=rank)


def _format(name: str, value: float) -> str:
    if name in ("items", "characters"):
        return str(int(value))
    if "share" in name:
        return f"{100 * value:.2f} %"
    return f"{value:.2f}"


def equivalence_table(item_sets: Iterable[ItemSet] | None = None) -> str:
    """Markdown table of each set's statistics and the spread per statistic."""
    forms = list(exam_forms() if item_sets is None else item_sets)
    spreads = forms_equivalence(forms)
    scalars = [f.stats.scalars() for f in forms]
    header = ["Statistic", *(f.id for f in forms), "Spread", "Within tolerance"]
    rows = [
        "| " + " | ".join(header) + " |",
        "|" + "|".join(["---", *("---:" for _ in forms), "---:", ":---:"]) + "|",
    ]
    for name, spread in spreads.items():
        cells = [name, *(_format(name, s.get(name, 0.0)) for s in scalars)]
        cells.append(f"{100 * spread:.1f} %")
        cells.append("yes" if spread <= EQUIVALENCE_TOLERANCE else "NO")
        rows.append("| " + " | ".join(cells) + " |")
    return "\n".join(rows)


# --------------------------------------------------------------------------- generation


class _DigitDeck:
    """Digits dealt from shuffled decks of 0-9, so every digit is used about equally often."""

    def __init__(self, rng: random.Random) -> None:
        self._rng = rng
        self._cards: list[str] = []

    def _refill(self) -> None:
        deck = list(DIGITS)
        self._rng.shuffle(deck)
        self._cards.extend(deck)

    def draw(self, allowed: str = DIGITS) -> str:
        while True:
            for i, card in enumerate(self._cards):
                if card in allowed:
                    return self._cards.pop(i)
            self._refill()

    def digits(self, n: int) -> str:
        return "".join(self.draw() for _ in range(n))


def _make_value(category: str, variant: int, deck: _DigitDeck, rng: random.Random) -> str:
    nonzero = DIGITS[1:]
    if category == "payment":
        return deck.draw(nonzero) + deck.digits(variant - 1) + "." + deck.digits(2)
    if category == "deposit":
        return deck.draw(nonzero) + deck.digits(variant - 2) + rng.choice("05") + ".00"
    if category == "account":
        return "100" + deck.digits(7)
    if category == "zip":
        return "9" + deck.draw("012345") + deck.digits(3)
    if category in ("meter", "check"):
        return deck.draw(nonzero) + deck.digits(variant - 1)
    raise ValueError(f"unknown category {category!r}; valid: {', '.join(CATEGORIES)}")


def _allocate(total: int, weights: Mapping[_K, float]) -> dict[_K, int]:
    """Split ``total`` in proportion to ``weights`` (largest remainder; ties by order given)."""
    weight_sum = sum(weights.values())
    if total < 0 or weight_sum <= 0 or any(w < 0 for w in weights.values()):
        raise ValueError("need a non-negative total and non-negative weights that do not all vanish")
    exact = {k: total * w / weight_sum for k, w in weights.items()}
    counts = {k: int(v) for k, v in exact.items()}
    order = sorted(exact, key=lambda k: -(exact[k] - counts[k]))
    for k in order[: total - sum(counts.values())]:
        counts[k] += 1
    return counts


def generate_item_set(seed: int, n: int, mix: Mapping[str, float]) -> list[TenKeyItem]:
    """``n`` items in random order, categories in the proportions of ``mix``.

    Used only to (re)build the committed data files. The numbers of items of each
    category and length depend only on ``n`` and ``mix`` (see ``CATEGORY_VARIANTS``), so
    two sets built with the same ``n`` and ``mix`` have identical category and length
    distributions; digits are dealt from shuffled decks, so their frequencies are nearly
    equal too. The same seed always gives the same items.
    """
    unknown = sorted(set(mix) - set(CATEGORY_VARIANTS))
    if unknown:
        raise ValueError(f"unknown categories {unknown}; valid: {', '.join(CATEGORIES)}")
    rng = random.Random(seed)
    deck = _DigitDeck(rng)
    plan: list[tuple[str, int]] = []
    for category, count in _allocate(n, mix).items():
        for variant, variant_count in _allocate(count, CATEGORY_VARIANTS[category]).items():
            plan.extend([(category, variant)] * variant_count)
    rng.shuffle(plan)
    return [TenKeyItem(_make_value(category, variant, deck, rng), category) for category, variant in plan]


_LOOKALIKE = {"0": "8", "1": "7", "2": "7", "3": "8", "4": "9", "5": "6", "6": "5", "7": "1", "8": "3", "9": "4"}
Discrepancy = Literal["transposition", "misread"]


def _transpose(amount: Decimal, rng: random.Random) -> Decimal:
    """Swap two different neighbouring digits, ignoring the point: 45.12 -> 41.52."""
    digits = f"{amount:.2f}".replace(".", "")
    spots = [i for i in range(len(digits) - 1) if digits[i] != digits[i + 1] and not (i == 0 and digits[1] == "0")]
    i = rng.choice(spots)
    swapped = digits[:i] + digits[i + 1] + digits[i] + digits[i + 2 :]
    return Decimal(f"{swapped[:-2]}.{swapped[-2:]}")


def _misread(amount: Decimal, rng: random.Random) -> Decimal:
    """Replace one digit by one that looks like it in handwriting: 3 for 8, 7 for 1, ..."""
    digits = f"{amount:.2f}".replace(".", "")
    i = rng.randrange(len(digits))
    changed = digits[:i] + _LOOKALIKE[digits[i]] + digits[i + 1 :]
    return Decimal(f"{changed[:-2]}.{changed[-2:]}")


def generate_drill_batch(
    seed: int,
    stubs: int,
    discrepancy: Discrepancy | None,
    *,
    batch_id: str = "tenkey-drill",
    title: str = "Drill batch",
    kind: Kind = "practice",
) -> DrillBatch:
    """A batch of ``stubs`` payment stubs, with one printed amount wrong if ``discrepancy`` is given."""
    if not MIN_STUBS <= stubs <= MAX_STUBS:
        raise ValueError(f"a batch has {MIN_STUBS} to {MAX_STUBS} stubs, not {stubs}")
    rng = random.Random(seed)
    deck = _DigitDeck(rng)
    checks = []
    for _ in range(stubs):
        dollars = rng.choices((2, 3, 4), weights=(0.40, 0.55, 0.05))[0]
        checks.append(Decimal(_make_value("payment", dollars, deck, rng)))
    printed = list(checks)
    if discrepancy is not None:
        i = rng.randrange(stubs)
        printed[i] = _transpose(checks[i], rng) if discrepancy == "transposition" else _misread(checks[i], rng)
    batch_stubs = tuple(DrillStub(n + 1, printed[n], checks[n]) for n in range(stubs))
    return DrillBatch(batch_id, title, kind, sum(checks, Decimal("0.00")), batch_stubs)


@dataclass(frozen=True)
class ItemSetSpec:
    id: str
    title: str
    kind: Kind
    seed: int
    n: int
    mix: Mapping[str, float]


@dataclass(frozen=True)
class DrillSpec:
    id: str
    title: str
    seed: int
    stubs: int
    discrepancy: Discrepancy | None


ITEM_SET_SPECS: tuple[ItemSetSpec, ...] = (
    ItemSetSpec("tenkey-exam-a", "10-key exam, form A", "exam", 1101, EXAM_ITEMS, EXAM_MIX),
    ItemSetSpec("tenkey-exam-b", "10-key exam, form B", "exam", 1102, EXAM_ITEMS, EXAM_MIX),
    ItemSetSpec("tenkey-exam-c", "10-key exam, form C", "exam", 1103, EXAM_ITEMS, EXAM_MIX),
    ItemSetSpec(
        "tenkey-practice-amounts", "Practice: payment and deposit amounts", "practice", 2101, 100,
        {"payment": 0.7, "deposit": 0.3},
    ),
    ItemSetSpec("tenkey-practice-accounts", "Practice: account numbers", "practice", 2102, 60, {"account": 1.0}),
    ItemSetSpec(
        "tenkey-practice-numbers", "Practice: meter reads, ZIP codes and check numbers", "practice", 2103, 90,
        {"meter": 0.4, "zip": 0.3, "check": 0.3},
    ),
    ItemSetSpec("tenkey-practice-mixed", "Practice: a mix like the exam", "practice", 2104, 120, EXAM_MIX),
)

DRILL_SPECS: tuple[DrillSpec, ...] = (
    DrillSpec("tenkey-drill-01", "Counter payments, Monday morning", 3101, 8, None),
    DrillSpec("tenkey-drill-02", "Counter payments, Monday afternoon", 3102, 12, "transposition"),
    DrillSpec("tenkey-drill-03", "Drop-box payments, Tuesday", 3103, 15, None),
    DrillSpec("tenkey-drill-04", "Mailed payments, Wednesday", 3104, 18, "misread"),
    DrillSpec("tenkey-drill-05", "Counter payments, Thursday", 3105, 20, None),
    DrillSpec("tenkey-drill-06", "Drop-box payments, Friday", 3106, 25, "transposition"),
)


def rebuild_data_files(directory: Path | None = None) -> list[Path]:
    """Regenerate every data file from the specs (run by hand; the tests never call this)."""
    target = directory or Path(__file__).resolve().parent / ITEM_DIR
    target.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    for spec in ITEM_SET_SPECS:
        item_set = ItemSet(spec.id, spec.title, spec.kind, tuple(generate_item_set(spec.seed, spec.n, spec.mix)))
        path = target / f"{spec.id}{ITEM_SUFFIX}"
        path.write_text(format_item_set(item_set), encoding="ascii")
        written.append(path)
    for drill in DRILL_SPECS:
        batch = generate_drill_batch(drill.seed, drill.stubs, drill.discrepancy, batch_id=drill.id, title=drill.title)
        path = target / f"{drill.id}{ITEM_SUFFIX}"
        path.write_text(format_drill_batch(batch), encoding="ascii")
        written.append(path)
    _load_all.cache_clear()
    return written


if __name__ == "__main__":
    if "--rebuild" in sys.argv[1:]:
        for written_path in rebuild_data_files():
            print(f"wrote {written_path}")
    else:
        print(equivalence_table())
        print()
        print(f"Tolerance: {100 * EQUIVALENCE_TOLERANCE:.0f} % relative spread, (max - min) / min, per statistic.")
