"""Type into the focused X window through pynput, as a person at a keyboard would.

Used by ``csr-sim station-check`` (``simulator.station_check``) and, through
``tests/e2e/keyboard.py``, by the end-to-end tests and the capture benchmarks.

Keys follow an absolute schedule (key ``i`` goes down at ``start + i * interval`` on
``time.perf_counter``): each wait sleeps until shortly before the due time and spins the
rest, so late wake-ups do not add up over a long passage. The functions return the send
times (``perf_counter`` seconds, taken just before each key press) to compare with what
the browser recorded.

In the text, ``"\\b"`` is Backspace and ``"\\n"`` is Enter; other characters are typed as
themselves. Two ways of sending a character:

- ``xtest=True`` (default): the key is pressed through the X server's XTEST extension,
  like a hardware key (pynput does this for a ``KeyCode`` with a keysym as ``vk``);
  capitals and shifted symbols get a real Shift press around them, 15 ms before. The X
  server stamps the event, and Chromium's ``event.timeStamp`` comes from that stamp
  (1 ms steps), so a busy browser does not shift it.
- ``xtest=False``: pynput's own way for characters, ``press(char)``: an XSendEvent to the
  focused window with the Shift state set (no Shift keydown reaches the page, only e.g.
  key "R" with shiftKey). The event carries no time, and Chromium stamps it when it reads
  it, so its timestamp includes the browser's own delay.

Backspace, Enter and Ctrl always go through XTEST (pynput's way for special keys).

With ``keypad=True`` the digits, ".", "+", "-", "*", "/" and Enter are the numeric
keypad's keys (keysyms ``XK_KP_0``...``XK_KP_9``, ``KP_Decimal``, ``KP_Add``, ...,
``KP_Enter``), pressed through XTEST: the page sees code "Numpad7", location 3, and
key "7" *only while NumLock is on*; with NumLock off the same keys arrive as "Home",
"ArrowUp", "Delete"... (``NUMLOCK_OFF_KEYS``). NumLock is a state of the X server that
outlives any one test: ``harness.set_numlock`` finds out what the browser gets and sets it.

pynput is imported on first use, so that DISPLAY can be pointed at the virtual display
first.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass

SPIN_S = 0.002  # the last part of every wait is a busy-wait
DEFAULT_HOLD_S = 0.03  # how long a key stays down (capped at half the interval)
SHIFT_LEAD_S = 0.015  # Shift goes down this long before its key (capped at a quarter of the interval)

_controller = None


def controller():
    global _controller
    if _controller is None:
        from pynput.keyboard import Controller

        _controller = Controller()
    return _controller


def forget_controller() -> None:
    """Drop the X connection while the display still exists (before stopping Xvfb)."""
    global _controller
    _controller = None


@dataclass(frozen=True)
class Press:
    """One key press that was sent: the DOM ``key`` the page should see, and when."""

    key: str
    at: float  # perf_counter seconds, just before the press went out
    char_index: int | None  # position in the typed text; None for a Shift press


# The numeric keypad's keysyms (X11 keysymdef.h), by the character the key types.
KEYPAD_KEYSYMS = {
    **{str(d): 0xFFB0 + d for d in range(10)},  # XK_KP_0 ... XK_KP_9
    ".": 0xFF9F,  # XK_KP_Decimal (XK_KP_Delete with NumLock off)
    "\n": 0xFF8D,  # XK_KP_Enter
    "+": 0xFFAB,  # XK_KP_Add
    "-": 0xFFAD,  # XK_KP_Subtract
    "*": 0xFFAA,  # XK_KP_Multiply
    "/": 0xFFAF,  # XK_KP_Divide
}
# What the page's KeyboardEvent.key is for a keypad key while NumLock is off.
NUMLOCK_OFF_KEYS = {
    "0": "Insert", "1": "End", "2": "ArrowDown", "3": "PageDown", "4": "ArrowLeft", "5": "Clear",
    "6": "ArrowRight", "7": "Home", "8": "ArrowUp", "9": "PageUp", ".": "Delete",
}


def dom_key(char: str, keypad: bool = False, numlock: bool = True) -> str:
    """The DOM ``key`` of the key that types ``char`` (on the keypad: with NumLock as given)."""
    if keypad and not numlock and char in NUMLOCK_OFF_KEYS:
        return NUMLOCK_OFF_KEYS[char]
    return {"\b": "Backspace", "\n": "Enter"}.get(char, char)


def keypad_key(char: str):
    """The pynput key for ``char`` on the numeric keypad (pressed through XTEST)."""
    from pynput.keyboard import KeyCode

    return KeyCode.from_vk(KEYPAD_KEYSYMS[char])


def resolve(char: str, xtest: bool = True, keypad: bool = False):
    """The pynput key for a character, and whether Shift must be held for it."""
    from pynput.keyboard import Key, KeyCode

    if keypad and char in KEYPAD_KEYSYMS:
        return keypad_key(char), False
    special = {"\b": Key.backspace, "\n": Key.enter}
    if char in special:
        return special[char], False
    if not xtest:
        return char, False
    keysym = ord(char) if ord(char) < 0x100 else ord(char) | 0x01000000
    mapping = controller().keyboard_mapping.get(keysym)
    if mapping is None:  # not on the keyboard: let pynput borrow a key code
        return char, False
    _keycode, shift_state = mapping
    if shift_state & ~1:  # needs AltGr or another level: pynput's own way sets that state
        return char, False
    return KeyCode.from_vk(keysym), bool(shift_state & 1)


def wait_until(due: float) -> None:
    """Return at ``due`` (perf_counter seconds) to within a few microseconds."""
    remaining = due - time.perf_counter()
    if remaining > SPIN_S:
        time.sleep(remaining - SPIN_S)
    while time.perf_counter() < due:
        pass


def type_keys(text: Iterable[str], interval_s: float = 0.2, hold_s: float | None = None,
              start: float | None = None, xtest: bool = True, keypad: bool = False,
              numlock: bool = True) -> list[Press]:
    """Type ``text`` one key every ``interval_s``; returns every press sent, Shift included.

    ``start`` is when the first key goes down (default: as soon as a leading Shift can).
    ``keypad``: digits, ".", "+", "-", "*", "/" and Enter on the numeric keypad; ``numlock``
    only says what the presses' DOM keys are expected to be (it does not set NumLock).
    """
    from pynput.keyboard import Key

    keyboard = controller()
    hold = min(DEFAULT_HOLD_S if hold_s is None else hold_s, interval_s / 2)
    lead = min(SHIFT_LEAD_S, interval_s / 4)
    chars = list(text)
    plan = [resolve(char, xtest, keypad) for char in chars]
    start = time.perf_counter() + lead if start is None else start
    presses: list[Press] = []
    for i, (key, shifted) in enumerate(plan):
        due = start + i * interval_s
        if shifted:
            wait_until(due - lead)
            presses.append(Press("Shift", time.perf_counter(), None))
            keyboard.press(Key.shift)
        wait_until(due)
        presses.append(Press(dom_key(chars[i], keypad, numlock), time.perf_counter(), i))
        keyboard.press(key)
        wait_until(due + hold)
        keyboard.release(key)
        if shifted:
            keyboard.release(Key.shift)
    return presses


def type_text(text: str, interval_s: float = 0.2, hold_s: float | None = None, start: float | None = None,
              xtest: bool = True, keypad: bool = False) -> list[float]:
    """Type ``text`` one key every ``interval_s``; returns when each character's key went down."""
    return [p.at for p in type_keys(text, interval_s, hold_s, start, xtest, keypad) if p.char_index is not None]


def tap(key, hold_s: float = 0.03) -> float:
    """Press and release one pynput key; returns the press time."""
    keyboard = controller()
    pressed_at = time.perf_counter()
    keyboard.press(key)
    time.sleep(hold_s)
    keyboard.release(key)
    return pressed_at


def toggle_numlock() -> float:
    """Press NumLock once (it toggles the X server's NumLock state)."""
    from pynput.keyboard import Key

    at = tap(Key.num_lock)
    time.sleep(0.05)
    return at


def press_together(*keys) -> float:
    """Press keys in order and release them in reverse (a shortcut); returns the first press time."""
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

    return press_together(Key.ctrl, resolve("v")[0])
