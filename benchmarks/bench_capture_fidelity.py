"""Keystroke-capture fidelity: keys typed into real Chromium vs. what the application stored.

The whole path a candidate's keys take is exercised: an X server (Xvfb), pynput sending
X key events, a headed Chromium running the typing page, the page script's batches, the
application's capture route and database. A 1-minute practice test on the long exam
passage is typed at 150 WPM (one key every 80 ms, keys held 30 ms) for 59 s, so that
every key falls inside the timed minute, then finished with Ctrl+Enter.

Compared, over every keydown sent (Shift presses included):

- keys sent vs. keydown events stored (target: none lost, none added, same keys);
- each interval between consecutive stored keydowns (``event.timeStamp`` differences)
  vs. the interval between the same two keys' send times (``time.perf_counter``): p50,
  p95, p99 and max of |recorded - injected| in ms (target: p99 within 2 ms).

Two passes, one per way of sending keys (see ``tests/e2e/keyboard.py``):

- ``xtest`` (the headline figures): keys go through the X server's input path like a
  hardware keyboard, with real Shift presses; the X server stamps them (1 ms steps) and
  Chromium's ``event.timeStamp`` comes from that stamp.
- ``send_event``: pynput's ``press(char)``, an XSendEvent with no time; Chromium stamps
  it when its UI thread reads it, so the browser's own delays (a busy 2-core machine)
  show up in the intervals. Reported for comparison, no target.

Also reported: how precisely the keys were paced, and the spread of the browser's
timestamp minus the send time over the minute (drift or jitter that intervals hide).
"""

from __future__ import annotations

import json
import math
import statistics
import sys
import time
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make the project importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from skills_tests.passages import get_passage  # noqa: E402
from tests.e2e import harness, keyboard  # noqa: E402

PASSAGE = "practice-planned-outage"  # the public pages offer practice passages only
INTERVAL_S = 0.080  # 150 WPM at 5 keystrokes a word
HOLD_S = 0.030
TYPING_S = 59.0  # stay inside the 60 s test so that every key is scored
TARGET_P99_MS = 2.0


def type_one_minute(stack: harness.Stack, keys: str, xtest: bool) -> tuple[str, list[keyboard.Press]]:
    driver = stack.driver
    attempt_id = harness.start_typing_test(driver, stack.server.url, PASSAGE, minutes=1, name="Capture Benchmark")
    harness.focus_typing_area(driver)
    presses = keyboard.type_keys(keys, INTERVAL_S, hold_s=HOLD_S, xtest=xtest)
    time.sleep(0.3)
    keyboard.ctrl_enter()
    harness.wait_for_result_page(driver, attempt_id, timeout=120)
    return attempt_id, presses


def measure(stack: harness.Stack, keys: str, xtest: bool) -> dict:
    from results.models import Attempt

    attempt_id, presses = type_one_minute(stack, keys, xtest)
    factory = stack.server.session_factory()
    try:
        events = harness.stored_keyboard_events(factory, attempt_id)
        with factory() as session:
            attempt = session.get(Attempt, attempt_id)
            score = attempt.scores[0]
            stored_text, end_reason, seconds = score.typed_text, attempt.end_reason, score.seconds
    finally:
        factory.kw["bind"].dispose()

    downs = [e for e in events if e["type"] == "down" and not e["ctrl"]]  # without the finishing Ctrl+Enter
    sent_keys = [p.key for p in presses]
    stored_keys = [e["key"] for e in downs]
    pairs = harness.matched_pairs(sent_keys, stored_keys)
    lost = len(sent_keys) - len(pairs)
    extra = len(stored_keys) - len(pairs)

    # Intervals between consecutive keys that both arrived.
    signed, without_enter, injected = [], [], []
    for (a0, b0), (a1, b1) in zip(pairs, pairs[1:]):
        if a1 != a0 + 1:
            continue
        injected_ms = (presses[a1].at - presses[a0].at) * 1000
        error = (downs[b1]["t"] - downs[b0]["t"]) - injected_ms
        signed.append(error)
        injected.append(injected_ms)
        if "Enter" not in (sent_keys[a0], sent_keys[a1]):
            without_enter.append(abs(error))
    errors = [abs(e) for e in signed]
    offsets = [downs[b]["t"] - presses[a].at * 1000 for a, b in pairs]
    middle = statistics.median(offsets) if offsets else math.nan
    chars = [p.at for p in presses if p.char_index is not None]
    pacing = [abs((b - a) * 1000 - INTERVAL_S * 1000) for a, b in zip(chars, chars[1:])]
    span_s = chars[-1] - chars[0]
    return {
        "typed_for_s": round(span_s, 3),
        "pace_wpm": round(len(keys) / 5 / (span_s / 60), 2),
        "characters": len(keys),
        "keys_sent": len(sent_keys),
        "shift_presses_sent": sent_keys.count("Shift"),
        "keydowns_stored": len(stored_keys),
        "lost": lost,
        "extra": extra,
        "same_keys_in_order": stored_keys == sent_keys,
        "intervals_compared": len(errors),
        "interval_abs_error_ms": harness.spread(errors),
        "interval_abs_error_ms_without_enter": harness.spread(without_enter),
        "mean_signed_interval_error_ms": round(statistics.fmean(signed), 4) if signed else math.nan,
        "timestamp_minus_send_time_spread_ms": harness.spread([abs(o - middle) for o in offsets]),
        "pacing_abs_error_ms": harness.spread(pacing),
        "server": {"typed_text_matches": stored_text == keys, "end_reason": end_reason, "scored_seconds": seconds},
    }


def describe(name: str, m: dict) -> list[str]:
    e = m["interval_abs_error_ms"]
    return [
        f"{name}: {m['keys_sent']} keys sent ({m['characters']} characters, {m['shift_presses_sent']} Shift) at "
        f"{m['pace_wpm']:.1f} WPM over {m['typed_for_s']:.1f} s; {m['keydowns_stored']} keydowns stored; "
        f"lost {m['lost']}, extra {m['extra']}, same keys in order: {m['same_keys_in_order']}",
        f"  |recorded - injected| interval, {m['intervals_compared']} intervals: p50 {e['p50']:.3f} ms, "
        f"p95 {e['p95']:.3f} ms, p99 {e['p99']:.3f} ms, max {e['max']:.3f} ms",
        f"  browser timestamp minus send time, spread around its median: "
        f"p99 {m['timestamp_minus_send_time_spread_ms']['p99']:.3f} ms, "
        f"max {m['timestamp_minus_send_time_spread_ms']['max']:.3f} ms; key pacing vs {INTERVAL_S * 1000:g} ms: "
        f"p99 {m['pacing_abs_error_ms']['p99']:.3f} ms, max {m['pacing_abs_error_ms']['max']:.3f} ms",
        f"  server: typed text {'matches' if m['server']['typed_text_matches'] else 'DIFFERS from'} the keys sent; "
        f"ended by {m['server']['end_reason']}, scored over {m['server']['scored_seconds']:.2f} s",
    ]


def run() -> dict:
    keys = get_passage(PASSAGE).text[: int(TYPING_S / INTERVAL_S) + 1]
    with harness.Stack() as stack:
        xtest = measure(stack, keys, xtest=True)
        send_event = measure(stack, keys, xtest=False)

    headline = xtest["interval_abs_error_ms"]
    targets = {"no_keys_lost": xtest["lost"] == 0 and xtest["extra"] == 0 and xtest["same_keys_in_order"],
               "p99_within_2_ms": headline["p99"] <= TARGET_P99_MS}
    summary = describe("xtest (like a hardware keyboard)", xtest) + describe("send_event (pynput press(char))",
                                                                              send_event)
    summary.append(f"targets (xtest): 0 keys lost: {'met' if targets['no_keys_lost'] else 'NOT met'}; "
                   f"p99 <= {TARGET_P99_MS:g} ms: {'met' if targets['p99_within_2_ms'] else 'NOT met'}")
    return {
        "passage": PASSAGE,
        "interval_ms": INTERVAL_S * 1000,
        "hold_ms": HOLD_S * 1000,
        "keys_sent": xtest["keys_sent"],
        "keydowns_stored": xtest["keydowns_stored"],
        "lost": xtest["lost"],
        "p50_ms": headline["p50"],
        "p95_ms": headline["p95"],
        "p99_ms": headline["p99"],
        "max_ms": headline["max"],
        "xtest": xtest,
        "send_event": send_event,
        "targets_met": targets,
        "summary": summary,
    }


if __name__ == "__main__":
    print(json.dumps(run(), indent=2))
