"""The adding-machine drill (cash handling): keying a batch of payment stubs to its control total.

The candidate gets a batch of payment stubs (see ``tenkey_items.DrillBatch``). Each stub
shows the amount printed on the stub and the amount of the check paid with it; the batch
has a control total, the sum of the check amounts. The candidate keys every stub with
"+", compares the total with the control total and, if they differ, finds the stub whose
printed amount disagrees with its check and corrects it. The batch **balances** when the
keyed total equals the control total to the cent.

The tape
--------
What the candidate keyed is a *tape*: the drill entry field's content rebuilt from the
keystroke log (``rebuild_tape_text``). Its grammar:

* an **amount** is digits with at most one decimal point and at most two digits after it:
  ``45.12``, ``45.1`` (45.10), ``45`` (45.00), ``.5`` (0.50). Amounts are keyed with the
  decimal point; there is no automatic decimal ("4512" is 4,512.00, not 45.12);
* every amount is followed by ``+`` (add it) or ``-`` (subtract it). Subtracting an
  amount that was added before is how a mistake is corrected: ``45.21+45.21-45.12+``
  leaves 45.12 on the tape;
* ``=`` or Enter ends the batch: the total is everything added minus everything
  subtracted. Nothing may follow it. A tape without it was not totalled (time ran out);
  its total is still computed, and an amount keyed but not yet added is left out.

Example: ``142.87+41.52+41.52-45.12+=`` totals 187.99.

The field keeps the tape to this grammar (``rebuild_tape_text``): it refuses "+" or "-"
with no amount before it, a second decimal point, a third digit after the point, "=" or
Enter while an amount is still waiting for its "+" or "-", and every key after the
total. Backspace removes the last character of the amount being keyed; an amount
already added with "+" or "-" is printed and can only be corrected by subtracting it.
``parse_tape`` reads a tape and raises ``TapeError`` with the position and the reason
when it breaks these rules (which only a tape built by other means can do).

Scoring
-------
``score_drill`` computes all amounts with exact decimal arithmetic, never floats. Each
subtracted amount cancels the latest earlier added amount equal to it (a correction);
a subtraction with no such amount stays on the tape as it is. The remaining added
amounts are matched to the stubs: first each stub's check amount, then, for a stub whose
printed amount differs, its printed amount. The findings list, in plain words: whether
the batch balances and by how much it is off, how the stub with the discrepancy was
keyed, stubs missing from the tape, amounts on the tape that match no stub, corrections
made, and whether the tape was totalled. The batch is keyed **correctly** when the tape
was totalled, balances, every stub was keyed with its check amount and nothing else is on
the tape.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Literal

from skills_tests.keystrokes import KeyEvent, accepted_by_numeric_field
from skills_tests.tenkey_items import DrillBatch
from skills_tests.typing_scoring import report_round

TAPE_DIGITS = frozenset("0123456789")
OPERATORS = frozenset("+-")
TOTAL_KEYS = frozenset("=\n")
TAPE_CHARACTERS = TAPE_DIGITS | OPERATORS | TOTAL_KEYS | {"."}
CENT = Decimal("0.01")

KeyedAs = Literal["check", "printed", "missing"]


class TapeError(ValueError):
    """A tape that breaks the tape grammar; the message gives the 1-based position and the reason."""


@dataclass(frozen=True, slots=True)
class TapeLine:
    amount: Decimal
    sign: Literal["+", "-"]

    @property
    def value(self) -> Decimal:
        return self.amount if self.sign == "+" else -self.amount


@dataclass(frozen=True)
class Tape:
    lines: tuple[TapeLine, ...]
    totalled: bool  # "=" or Enter was keyed
    pending: str = ""  # an amount keyed but not added, at the end of an untotalled tape

    @property
    def total(self) -> Decimal:
        return sum((line.value for line in self.lines), Decimal("0.00")).quantize(CENT)


def _money(amount: Decimal) -> str:
    return f"{amount:,.2f}"


def parse_tape(text: str) -> Tape:
    """Read a tape (see the module docs); raise TapeError on the first rule it breaks."""
    lines: list[TapeLine] = []
    amount = ""
    for index, ch in enumerate(text):
        where = f"position {index + 1}"
        if ch not in TAPE_CHARACTERS:
            raise TapeError(
                f"{ch!r} at {where} is not a tape key; a tape holds only digits, '.', '+', '-', '=' and Enter"
            )
        if ch in TOTAL_KEYS and index < len(text) - 1:
            raise TapeError(
                f"keys after the total at position {index + 2}: nothing may follow '=' or Enter (at {where})"
            )
        if ch in TAPE_DIGITS:
            amount += ch
            if "." in amount and len(amount.split(".", 1)[1]) > 2:
                raise TapeError(f"amount {amount!r} at {where} has more than two digits after the decimal point")
        elif ch == ".":
            if "." in amount:
                raise TapeError(f"amount {amount + ch!r} at {where} has a second decimal point")
            amount += ch
        elif ch in OPERATORS:
            if not any(c in TAPE_DIGITS for c in amount):
                raise TapeError(f"{ch!r} at {where} has no amount before it")
            lines.append(TapeLine(Decimal(amount).quantize(CENT), ch))  # type: ignore[arg-type]
            amount = ""
        else:  # "=" or Enter
            if amount:
                raise TapeError(f"amount {amount!r} was not added with '+' or '-' before the total at {where}")
            return Tape(tuple(lines), totalled=True)
    return Tape(tuple(lines), totalled=False, pending=amount)


def drill_accepts(event: KeyEvent, keypad_only: bool) -> bool:
    """Whether this keydown is a drill key at all (before the tape rules of ``rebuild_tape_text``).

    Accepted: digits, ".", "+", "-", "=" (only the keypad's when ``keypad_only``), Enter
    (either) and Backspace. Everything else is refused, including "*" and "/", letters
    and the keypad's NumLock-off navigation keys.
    """
    return accepted_by_numeric_field(event, TAPE_CHARACTERS, keypad_only)


def rebuild_tape_text(events: Iterable[KeyEvent], keypad_only: bool = False) -> str:
    """The drill field's tape after ``events``; always a valid tape for ``parse_tape``."""
    chars: list[str] = []
    amount = ""
    for event in events:
        if chars and chars[-1] in TOTAL_KEYS:
            break  # the batch is totalled: nothing more is accepted
        if not drill_accepts(event, keypad_only):
            continue
        if event.is_backspace:
            if amount:
                amount = amount[:-1]
                chars.pop()
            continue
        ch = event.inserts or ""
        if ch in TAPE_DIGITS:
            if "." in amount and len(amount.split(".", 1)[1]) >= 2:
                continue
            amount += ch
        elif ch == ".":
            if "." in amount:
                continue
            amount += ch
        elif ch in OPERATORS:
            if not any(c in TAPE_DIGITS for c in amount):
                continue
            amount = ""
        elif amount:  # "=" or Enter with an amount still waiting
            continue
        chars.append(ch)
    return "".join(chars)


@dataclass(frozen=True)
class StubResult:
    number: int
    stub_amount: Decimal
    check_amount: Decimal
    keyed_as: KeyedAs  # "check": the check amount is on the tape; "printed": the differing stub amount

    def to_dict(self) -> dict:
        return {
            "number": self.number, "stub_amount": str(self.stub_amount), "check_amount": str(self.check_amount),
            "keyed_as": self.keyed_as,
        }


@dataclass(frozen=True)
class DrillScore:
    batch_id: str
    seconds: float
    keystrokes: int
    total: Decimal  # added minus subtracted
    control_total: Decimal
    balanced: bool  # total == control total, to the cent
    difference: Decimal  # total - control total
    totalled: bool  # "=" or Enter ended the tape
    lines: tuple[TapeLine, ...]  # every amount keyed, in order, with its sign
    stubs: tuple[StubResult, ...]
    extra_amounts: tuple[Decimal, ...]  # added amounts that match no stub
    unmatched_subtractions: tuple[Decimal, ...]  # subtracted amounts never added before
    corrections: int  # amounts added and later subtracted
    has_discrepancy: bool  # the batch has a stub whose printed amount differs from its check
    discrepancy_found: bool | None  # None when the batch has no discrepancy
    discrepancy_corrected: bool | None  # None when the batch has no discrepancy
    findings: tuple[str, ...]

    @property
    def amounts(self) -> tuple[Decimal, ...]:
        """The amounts keyed, in order: subtracted ones negative."""
        return tuple(line.value for line in self.lines)

    @property
    def correct(self) -> bool:
        """Totalled, balanced, every stub keyed with its check amount and nothing else left on the tape."""
        return (
            self.totalled and self.balanced and not self.extra_amounts and not self.unmatched_subtractions
            and all(s.keyed_as == "check" for s in self.stubs)
        )

    @property
    def kph(self) -> float:
        return self.keystrokes * 3600 / self.seconds

    def to_dict(self) -> dict:
        return {
            "batch_id": self.batch_id,
            "seconds": self.seconds,
            "keystrokes": self.keystrokes,
            "kph": report_round(self.kph),
            "total": str(self.total),
            "control_total": str(self.control_total),
            "balanced": self.balanced,
            "difference": str(self.difference),
            "totalled": self.totalled,
            "amounts": [str(a) for a in self.amounts],
            "stubs": [s.to_dict() for s in self.stubs],
            "extra_amounts": [str(a) for a in self.extra_amounts],
            "unmatched_subtractions": [str(a) for a in self.unmatched_subtractions],
            "corrections": self.corrections,
            "has_discrepancy": self.has_discrepancy,
            "discrepancy_found": self.discrepancy_found,
            "discrepancy_corrected": self.discrepancy_corrected,
            "correct": self.correct,
            "findings": list(self.findings),
        }


def _net_additions(lines: tuple[TapeLine, ...]) -> tuple[list[Decimal], list[Decimal], list[Decimal]]:
    """(added amounts left after corrections, amounts corrected away, unmatched subtractions)."""
    added: list[Decimal | None] = []
    corrected: list[Decimal] = []
    unmatched: list[Decimal] = []
    for line in lines:
        if line.sign == "+":
            added.append(line.amount)
            continue
        for i in range(len(added) - 1, -1, -1):
            if added[i] == line.amount:
                added[i] = None
                corrected.append(line.amount)
                break
        else:
            unmatched.append(line.amount)
    return [a for a in added if a is not None], corrected, unmatched


def score_drill(batch: DrillBatch, tape_text: str, seconds: float, keystrokes: int) -> DrillScore:
    """Score a drill tape against its batch; raise TapeError for a malformed tape.

    ``seconds`` (positive) and ``keystrokes`` (from the keystroke log) are reported as
    they are, with ``kph`` = keystrokes x 3600 / seconds.
    """
    if not (isinstance(seconds, int | float) and math.isfinite(seconds) and seconds > 0):
        raise ValueError(f"seconds must be a positive number, not {seconds!r}")
    if keystrokes < 0:
        raise ValueError(f"keystrokes cannot be negative, not {keystrokes}")
    tape = parse_tape(tape_text)
    total = tape.total
    difference = total - batch.control_total
    remaining, corrected, unmatched = _net_additions(tape.lines)

    used = [False] * len(remaining)

    def take(amount: Decimal) -> bool:
        for i, value in enumerate(remaining):
            if not used[i] and value == amount:
                used[i] = True
                return True
        return False

    keyed: dict[int, KeyedAs] = {}
    for stub in batch.stubs:
        if take(stub.check_amount):
            keyed[stub.number] = "check"
    for stub in batch.stubs:
        if stub.number not in keyed:
            keyed[stub.number] = "printed" if stub.discrepant and take(stub.stub_amount) else "missing"
    stubs = tuple(StubResult(s.number, s.stub_amount, s.check_amount, keyed[s.number]) for s in batch.stubs)
    extra = tuple(value for value, was_used in zip(remaining, used, strict=True) if not was_used)

    odd = batch.discrepant_stub
    found = corrected_flag = None
    if odd is not None:
        corrected_flag = keyed[odd.number] == "check"
        found = corrected_flag or odd.stub_amount in corrected

    findings: list[str] = []
    if not tape.totalled:
        findings.append("The tape was not totalled: '=' or Enter was never keyed.")
    if tape.pending:
        findings.append(f"The last amount, {tape.pending}, was keyed but not added with '+' or '-'.")
    if difference == 0:
        findings.append(f"Balanced: the keyed total {_money(total)} equals the control total.")
    else:
        side = "over" if difference > 0 else "short"
        findings.append(
            f"Out of balance: keyed total {_money(total)}, control total {_money(batch.control_total)}, "
            f"{_money(abs(difference))} {side}."
        )
    if odd is not None:
        what = f"Stub {odd.number} is printed {_money(odd.stub_amount)} but its check is for {_money(odd.check_amount)}"
        if corrected_flag:
            findings.append(f"{what}: keyed with the check amount (discrepancy found and corrected).")
        elif keyed[odd.number] == "printed":
            findings.append(f"{what}: keyed with the printed amount (discrepancy not corrected).")
        elif found:
            findings.append(f"{what}: the printed amount was subtracted but the check amount was not added.")
        else:
            findings.append(f"{what}: neither amount is on the tape.")
    for stub in stubs:
        if stub.keyed_as == "missing" and stub.number != (odd.number if odd else None):
            findings.append(f"Stub {stub.number} ({_money(stub.check_amount)}) is not on the tape.")
    for amount in extra:
        findings.append(f"{_money(amount)} on the tape matches no stub.")
    for amount in unmatched:
        findings.append(f"{_money(amount)} was subtracted but never added.")
    if corrected:
        listing = ", ".join(_money(a) for a in corrected)
        findings.append(f"{len(corrected)} correction(s): added then subtracted {listing}.")

    return DrillScore(
        batch_id=batch.id,
        seconds=float(seconds),
        keystrokes=keystrokes,
        total=total,
        control_total=batch.control_total,
        balanced=difference == 0,
        difference=difference,
        totalled=tape.totalled,
        lines=tape.lines,
        stubs=stubs,
        extra_amounts=extra,
        unmatched_subtractions=tuple(unmatched),
        corrections=len(corrected),
        has_discrepancy=odd is not None,
        discrepancy_found=found,
        discrepancy_corrected=corrected_flag,
        findings=tuple(findings),
    )
