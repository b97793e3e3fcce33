"""Builders for keystroke batches as the page script sends them."""

from __future__ import annotations

import json


def key_events(text: str, start_ms: float = 1000.0, interval_ms: float = 200.0) -> list[dict]:
    """Keydown/keyup pairs that type ``text`` at a steady pace ("\\b" is Backspace)."""
    events = []
    t = start_ms
    for char in text:
        key = {"\b": "Backspace", "\n": "Enter"}.get(char, char)
        code = "Space" if char == " " else ("Key" + char.upper() if char.isalpha() else "Other")
        events.append({"type": "down", "key": key, "code": code, "loc": 0, "t": t, "shift": char.isupper()})
        events.append({"type": "up", "key": key, "code": code, "loc": 0, "t": t + 40, "shift": char.isupper()})
        t += interval_ms
    return events


def batch_body(token: str, seq: int, events: list[dict], text: str = "", incidents: list | None = None) -> bytes:
    return json.dumps({"token": token, "seq": seq, "events": events, "text": text,
                       "incidents": incidents or []}).encode()
