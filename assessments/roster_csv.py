"""Reading a roster CSV: every row is checked before anything is imported.

The file has the header ``name,email,extended_time,large_text,high_contrast`` (any
capitals; a UTF-8 byte-order mark and CRLF line ends are fine). Blank lines are skipped.
One RosterFileError lists every bad line with its number and what was expected.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass

from pydantic import BaseModel, ConfigDict, ValidationError, field_validator

from assessments.errors import InvalidInput, problem_text

HEADER = ("name", "email", "extended_time", "large_text", "high_contrast")
MAX_ROWS = 2000
EXTENDED_TIME = ("none", "x1.5", "x2")
_TRUE = {"yes", "y", "true", "1"}
_FALSE = {"no", "n", "false", "0", ""}
_EMAIL = re.compile(r"[^@\s,;<>]+@[^@\s,;<>]+\.[^@\s,;<>.]+")


class Candidate(BaseModel):
    """One candidate for a roster: from a CSV row or added by hand."""

    model_config = ConfigDict(extra="forbid")

    name: str
    email: str | None = None
    extended_time: str = "none"
    large_text: bool = False
    high_contrast: bool = False

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        value = " ".join(value.split())
        if not value:
            raise ValueError("the candidate's name is missing")
        if len(value) > 120:
            raise ValueError("the name is longer than 120 characters")
        return value

    @field_validator("email")
    @classmethod
    def _email(cls, value: str | None) -> str | None:
        value = (value or "").strip().lower()
        if not value:
            return None
        if len(value) > 254 or not _EMAIL.fullmatch(value):
            raise ValueError(f"{value!r} is not an email address (expected name@example.org, or leave it empty)")
        return value

    @field_validator("extended_time", mode="before")
    @classmethod
    def _extended_time(cls, value: object) -> str:
        text = str(value or "").strip().lower()
        if not text:
            return "none"
        if text not in EXTENDED_TIME:
            raise ValueError(f"expected none, x1.5 or x2 (or empty for none), not {value!r}")
        return text

    @field_validator("large_text", "high_contrast", mode="before")
    @classmethod
    def _yes_no(cls, value: object) -> bool:
        if isinstance(value, bool):
            return value
        text = str(value if value is not None else "").strip().lower()
        if text in _TRUE:
            return True
        if text in _FALSE:
            return False
        raise ValueError(f"expected yes or no (or empty for no), not {value!r}")

    @property
    def identity(self) -> tuple[str, str]:
        """What makes two rows the same candidate: name (any capitals) and email."""
        return self.name.lower(), self.email or ""


@dataclass(frozen=True)
class RosterRow:
    line: int  # the file line the row ends on, counting the header as line 1
    candidate: Candidate


class RosterFileError(InvalidInput):
    """The roster file was refused; ``problems`` holds one 'line N: ...' entry per bad line."""


def _decode(data: bytes | str) -> str:
    if isinstance(data, str):
        return data.removeprefix("\ufeff")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise RosterFileError([(f"the file is not UTF-8 text (byte {error.start} cannot be read); "
                                "save it as 'CSV UTF-8'")]) from None


def parse_roster_csv(data: bytes | str) -> list[RosterRow]:
    """All rows of a roster file, or RosterFileError listing every problem (nothing half-read)."""
    reader = csv.reader(io.StringIO(_decode(data), newline=""))
    expected_header = ",".join(HEADER)
    try:
        header = next((row for row in reader if any(cell.strip() for cell in row)), None)
    except csv.Error as error:
        raise RosterFileError([f"line {reader.line_num}: {error}"]) from None
    if header is None:
        raise RosterFileError([(f"the file is empty; expected the header line {expected_header} "
                                "and one line per candidate")])
    if tuple(cell.strip().lower() for cell in header) != HEADER:
        raise RosterFileError([(f"line {reader.line_num}: expected the header {expected_header}, "
                                f"found {','.join(header)}")])
    rows: list[RosterRow] = []
    problems: list[str] = []
    first_seen: dict[tuple[str, str], int] = {}
    try:
        for cells in reader:
            line = reader.line_num
            if not any(cell.strip() for cell in cells):
                continue
            if len(rows) + len(problems) >= MAX_ROWS:
                problems.append(f"line {line}: more than {MAX_ROWS} candidates; split the file")
                break
            if len(cells) != len(HEADER):
                problems.append(f"line {line}: expected {len(HEADER)} columns ({expected_header}), "
                                f"found {len(cells)}")
                continue
            try:
                candidate = Candidate.model_validate(dict(zip(HEADER, cells)))
            except ValidationError as error:
                problems.extend(f"line {line}: {problem_text(e)}" for e in error.errors())
                continue
            if candidate.identity in first_seen:
                problems.append(f"line {line}: {candidate.name} <{candidate.email or 'no email'}> is already "
                                f"on line {first_seen[candidate.identity]}")
                continue
            first_seen[candidate.identity] = line
            rows.append(RosterRow(line, candidate))
    except csv.Error as error:
        problems.append(f"line {reader.line_num}: {error}")
    if problems:
        raise RosterFileError(problems)
    if not rows:
        raise RosterFileError(["the file has a header but no candidates"])
    return rows
