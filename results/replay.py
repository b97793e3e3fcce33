"""A keystroke-by-keystroke replay of an attempt, for a page that plays it back at real speed.

Every frame is one keydown with what the entry area held after it. The text comes from the
same acceptance and rebuild functions that scoring uses (``skills_tests``), applied to the
keys up to that point, so the last frame shows exactly the text that was scored. Keys
after time ran out are shown but marked late and change nothing, as in scoring.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from functools import partial

from sqlalchemy.orm import Session

from results.keystroke_log import stored_events
from results.models import Attempt
from skills_tests.keystrokes import KeyEvent, first_keystroke_time, reconstruct_text
from skills_tests.tenkey_drill import drill_accepts, rebuild_tape_text
from skills_tests.tenkey_scoring import rebuild_entry_text, tenkey_accepts

# Pressing these only changes what the next key means; a frame for them would show a
# "refused" key that was never refused.
MODIFIER_KEYS = frozenset({"Shift", "Control", "Alt", "AltGraph", "Meta", "OS", "CapsLock", "NumLock", "Fn"})

Accepts = Callable[[KeyEvent], bool]
Rebuild = Callable[[Sequence[KeyEvent]], str]


def _edits_text(event: KeyEvent) -> bool:
    return event.edits_text


def entry_rules(test: str, keypad_only: bool = False) -> tuple[Accepts, Rebuild]:
    """The scoring's own rules for a test: which keydowns the entry area takes, and its content after them."""
    if test == "typing":
        return _edits_text, reconstruct_text
    if test == "tenkey":
        return partial(tenkey_accepts, keypad_only=keypad_only), partial(rebuild_entry_text, keypad_only=keypad_only)
    if test == "drill":
        return partial(drill_accepts, keypad_only=keypad_only), partial(rebuild_tape_text, keypad_only=keypad_only)
    raise ValueError(f"no replay rules for test {test!r}: expected typing, tenkey or drill")


@dataclass(frozen=True)
class ReplayFrame:
    t_ms: float  # since the first keydown
    key: str  # KeyboardEvent.key: "a", " ", "Enter", "Backspace", "ArrowLeft", ...
    text: str  # the entry area after this key
    refused: bool  # the entry area did not change: a key it does not take, or nothing to delete
    late: bool = False  # pressed after time ran out: not counted, whatever the browser showed


@dataclass(frozen=True)
class Replay:
    attempt_id: str
    test: str
    frames: tuple[ReplayFrame, ...]
    time_limit_ms: float | None  # when time ran out, on the frames' clock (None: nothing typed)

    def to_dict(self) -> dict:
        return {"attempt_id": self.attempt_id, "test": self.test, "time_limit_ms": self.time_limit_ms,
                "frames": [asdict(frame) for frame in self.frames]}


def replay_frames(test: str, events: Sequence[KeyEvent], *, keypad_only: bool = False,
                  duration_s: float | None = None) -> list[ReplayFrame]:
    """One frame per keydown (modifiers left out), times from the first of them."""
    accepts, rebuild = entry_rules(test, keypad_only)
    start = first_keystroke_time(events)
    # The same window as scoring (``events_in_window``): a key exactly at the limit still counts.
    window_end = start + duration_s * 1000.0 if start is not None and duration_s is not None else None
    downs = [e for e in events if e.is_down and e.key not in MODIFIER_KEYS]
    if not downs:
        return []
    t0 = downs[0].t
    counted: list[KeyEvent] = []
    text = ""
    frames: list[ReplayFrame] = []
    for event in downs:
        late = window_end is not None and event.t > window_end
        after = text
        if not late and accepts(event):
            counted.append(event)
            after = rebuild(counted)  # the whole rule each time: no second copy of it to drift apart
        frames.append(ReplayFrame(event.t - t0, event.key, after, refused=after == text, late=late))
        text = after
    return frames


def replay_attempt(attempt: Attempt) -> Replay:
    events = stored_events(attempt.batches)
    frames = replay_frames(attempt.test, events, keypad_only=attempt.keypad_only, duration_s=attempt.duration_s)
    start = first_keystroke_time(events)
    limit = None
    if frames and start is not None:
        first_down = next(e.t for e in events if e.is_down and e.key not in MODIFIER_KEYS)
        limit = start + attempt.duration_s * 1000.0 - first_down
    return Replay(attempt.id, attempt.test, tuple(frames), limit)


def replay_for(session: Session, attempt_id: str) -> Replay:
    attempt = session.get(Attempt, attempt_id)
    if attempt is None:
        raise LookupError(f"no test attempt {attempt_id!r}")
    return replay_attempt(attempt)
