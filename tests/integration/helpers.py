"""Builders for keystroke batches as the page script sends them."""

from __future__ import annotations

import json


KEYPAD_CODES = {".": "NumpadDecimal", "+": "NumpadAdd", "-": "NumpadSubtract", "\n": "NumpadEnter"}


def key_events(text: str, start_ms: float = 1000.0, interval_ms: float = 200.0, *, keypad: bool = False) -> list[dict]:
    """Keydown/keyup pairs that type ``text`` at a steady pace ("\\b" is Backspace).

    With ``keypad``, digits, ".", "+", "-" and Enter come from the numeric keypad (location 3).
    """
    events = []
    t = start_ms
    for char in text:
        key = {"\b": "Backspace", "\n": "Enter"}.get(char, char)
        on_keypad = keypad and (char.isdigit() or char in KEYPAD_CODES)
        if on_keypad:
            code = f"Numpad{char}" if char.isdigit() else KEYPAD_CODES[char]
        else:
            code = "Space" if char == " " else ("Key" + char.upper() if char.isalpha() else "Other")
        loc = 3 if on_keypad else 0
        events.append({"type": "down", "key": key, "code": code, "loc": loc, "t": t, "shift": char.isupper()})
        events.append({"type": "up", "key": key, "code": code, "loc": loc, "t": t + 40, "shift": char.isupper()})
        t += interval_ms
    return events


def batch_body(token: str, seq: int, events: list[dict], text: str = "", incidents: list | None = None) -> bytes:
    return json.dumps({"token": token, "seq": seq, "events": events, "text": text,
                       "incidents": incidents or []}).encode()
