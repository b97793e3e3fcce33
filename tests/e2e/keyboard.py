"""Type into the focused X window through pynput, as a person at a keyboard would.

Keys follow an absolute schedule (key ``i`` goes out at ``start + i * interval`` on
``time.perf_counter``): each wait sleeps until shortly before the due time and spins the
rest, so late wake-ups do not add up over a long passage. The functions return the send
times (``perf_counter`` seconds, taken just before each key press) to compare with what
the browser recorded.

In the text, ``"\\b"`` is Backspace and ``"\\n"`` is Enter; other characters are typed as
themselves (pynput adds Shift for capitals and shifted symbols by itself: the browser
sees e.g. key "R" with shiftKey set, and no separate Shift keydown).

pynput is imported on first use, so that DISPLAY can be pointed at the virtual display
first.
"""

from __future__ import annotations

import time
from collections.abc import Sequence

SPIN_S = 0.002  # the last part of every wait is a busy-wait
DEFAULT_HOLD_S = 0.03  # how long a key stays down (capped below the interval)

_controller = None


def controller():
    global _controller
    if _controller is None:
        from pynput.keyboard import Controller

        _controller = Controller()
    return _controller


def key_for(char: str):
    from pynput.keyboard import Key

    return {"\b": Key.backspace, "\n": Key.enter}.get(char, char)


def wait_until(due: float) -> None:
    """Return at ``due`` (perf_counter seconds) to within a few microseconds."""
    remaining = due - time.perf_counter()
    if remaining > SPIN_S:
        time.sleep(remaining - SPIN_S)
    while time.perf_counter() < due:
        pass


def type_text(text: str | Sequence[str], interval_s: float = 0.2, hold_s: float | None = None,
              start: float | None = None) -> list[float]:
    """Type ``text`` one key every ``interval_s``; returns the time each key was pressed.

    ``start`` is when the first key goes out (default: now).
    """
    keyboard = controller()
    hold = min(DEFAULT_HOLD_S if hold_s is None else hold_s, interval_s / 2)
    keys = [key_for(char) for char in text]
    start = time.perf_counter() if start is None else start
    sent: list[float] = []
    for i, key in enumerate(keys):
        due = start + i * interval_s
        wait_until(due)
        sent.append(time.perf_counter())
        keyboard.press(key)
        wait_until(due + hold)
        keyboard.release(key)
    return sent


def press_together(*keys) -> float:
    """Press keys in order and release them in reverse (a shortcut); returns the press time."""
    keyboard = controller()
    pressed_at = time.perf_counter()
    for key in keys:
        keyboard.press(key)
        time.sleep(0.02)
    for key in reversed(keys):
        keyboard.release(key)
        time.sleep(0.02)
    return pressed_at


def ctrl_enter() -> float:
    from pynput.keyboard import Key

    return press_together(Key.ctrl, Key.enter)


def ctrl_v() -> float:
    from pynput.keyboard import Key

    return press_together(Key.ctrl, "v")


def forget_controller() -> None:
    """Drop the X connection while the display still exists (before stopping Xvfb)."""
    global _controller
    _controller = None
