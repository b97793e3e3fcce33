"""The keystroke-event model shared by the browser capture script, the server and scoring.

One event is one DOM keydown or keyup, as the page script records it. Times are
milliseconds on the page's monotonic clock (``event.timeStamp``), so intervals between
events are exact to the browser's resolution whatever the wall clock does.

The typing area only accepts printable characters, Enter and Backspace (the page blocks
cursor movement, selection, Delete, Tab and Ctrl/Alt/Meta combinations), so the text a
candidate produced is fully determined by the keydown events: the server rebuilds it from
the log instead of trusting what the browser says it holds.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

KEYPAD_LOCATION = 3  # KeyboardEvent.location of numeric-keypad keys


@dataclass(frozen=True, slots=True)
class KeyEvent:
    type: Literal["down", "up"]
    key: str  # KeyboardEvent.key: "a", "A", " ", "Enter", "Backspace", "Shift", ...
    code: str  # KeyboardEvent.code: physical key, "KeyA", "Space", "Numpad7", ...
    location: int  # 0 standard, 1 left, 2 right, 3 numeric keypad
    t: float  # ms, event.timeStamp on the page's monotonic clock
    shift: bool = False
    ctrl: bool = False
    alt: bool = False
    meta: bool = False
    repeat: bool = False  # auto-repeat from a held key
    in_field: bool = True  # the event reached the typing area (not another element)

    @property
    def is_down(self) -> bool:
        return self.type == "down"

    @property
    def inserts(self) -> str | None:
        """The character this keydown puts into the typing area, or None."""
        if self.type != "down" or not self.in_field or self.ctrl or self.meta or self.alt:
            return None
        if len(self.key) == 1:
            return self.key
        if self.key == "Enter":
            return "\n"
        return None

    @property
    def is_backspace(self) -> bool:
        return self.type == "down" and self.in_field and self.key == "Backspace" and not (self.ctrl or self.meta)

    @property
    def edits_text(self) -> bool:
        return self.inserts is not None or self.is_backspace


def accepted_by_numeric_field(event: KeyEvent, characters: frozenset[str], keypad_only: bool) -> bool:
    """Whether a keydown reaches a numeric entry field (the 10-key test, the drill tape).

    Backspace and Enter (either Enter key) always; the given characters only from the
    numeric keypad when ``keypad_only``; nothing else (letters, the keypad's navigation
    keys when NumLock is off, Ctrl/Alt/Meta combinations).
    """
    if event.is_backspace:
        return True
    inserted = event.inserts
    if inserted == "\n":
        return True
    if inserted is None or inserted not in characters:
        return False
    return not keypad_only or event.location == KEYPAD_LOCATION


def first_keystroke_time(events: Iterable[KeyEvent]) -> float | None:
    """The timer starts at the first keydown that changes the text."""
    for event in events:
        if event.edits_text:
            return event.t
    return None


def events_in_window(events: Sequence[KeyEvent], duration_s: float | None) -> list[KeyEvent]:
    """The events that fall inside the timed window (all of them when no limit is given).

    Keys pressed after time ran out do not count, whatever the browser did with them.
    """
    start = first_keystroke_time(events)
    if start is None or duration_s is None:
        return list(events)
    end = start + duration_s * 1000.0
    return [e for e in events if e.t <= end]


def reconstruct_text(events: Iterable[KeyEvent]) -> str:
    """The typing area's content after the given events, rebuilt from keydowns."""
    chars: list[str] = []
    for event in events:
        inserted = event.inserts
        if inserted is not None:
            chars.append(inserted)
        elif event.is_backspace and chars:
            chars.pop()
    return "".join(chars)
