"""Keys sent vs keydowns recorded: which arrived, and how faithfully their timing was kept.

Used by the capture benchmarks, the end-to-end tests and the station check (``csr-sim
station-check``): the sender knows when it pressed each key (``perf_counter``), the page
knows when the browser stamped each keydown (``event.timeStamp``); the two are compared
interval by interval, so the two clocks never need to agree.
"""

from __future__ import annotations

import difflib
import itertools
import math
import statistics


def percentile(values: list[float], q: float) -> float:
    """Linear interpolation between closest ranks (numpy's default)."""
    ordered = sorted(values)
    if not ordered:
        return math.nan
    position = (len(ordered) - 1) * q / 100
    low = math.floor(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def spread(values: list[float]) -> dict:
    """p50, p95, p99 and max of ``values``, rounded to the microsecond (for milliseconds)."""
    return {name: round(percentile(values, q), 3) for name, q in (("p50", 50), ("p95", 95), ("p99", 99))} | {
        "max": round(max(values), 3) if values else math.nan}


def matched_pairs(sent_keys: list[str], stored_keys: list[str]) -> list[tuple[int, int]]:
    """Index pairs (sent, stored) of the keys that arrived, in order."""
    matcher = difflib.SequenceMatcher(a=sent_keys, b=stored_keys, autojunk=False)
    return [(block.a + k, block.b + k) for block in matcher.get_matching_blocks() for k in range(block.size)]


def keydown_fidelity(presses: list, downs: list[dict]) -> dict:
    """Keys sent (``keyboard.Press``) vs keydowns stored (the page's events, in order).

    Counts the keys lost and added, and compares each interval between two consecutive
    keys that both arrived: the stored ``t`` difference (the browser's ``event.timeStamp``)
    vs the send-time difference (``perf_counter``); errors in ms.
    """
    sent_keys = [p.key for p in presses]
    stored_keys = [e["key"] for e in downs]
    pairs = matched_pairs(sent_keys, stored_keys)
    signed, without_enter = [], []
    for (a0, b0), (a1, b1) in itertools.pairwise(pairs):
        if a1 != a0 + 1:
            continue
        injected_ms = (presses[a1].at - presses[a0].at) * 1000
        error = (downs[b1]["t"] - downs[b0]["t"]) - injected_ms
        signed.append(error)
        if "Enter" not in (sent_keys[a0], sent_keys[a1]):
            without_enter.append(abs(error))
    offsets = [downs[b]["t"] - presses[a].at * 1000 for a, b in pairs]
    middle = statistics.median(offsets) if offsets else math.nan
    return {
        "keys_sent": len(sent_keys),
        "keydowns_stored": len(stored_keys),
        "lost": len(sent_keys) - len(pairs),
        "extra": len(stored_keys) - len(pairs),
        "same_keys_in_order": stored_keys == sent_keys,
        "intervals_compared": len(signed),
        "interval_abs_error_ms": spread([abs(e) for e in signed]),
        "interval_abs_error_ms_without_enter": spread(without_enter),
        "mean_signed_interval_error_ms": round(statistics.fmean(signed), 4) if signed else math.nan,
        "timestamp_minus_send_time_spread_ms": spread([abs(o - middle) for o in offsets]),
    }
