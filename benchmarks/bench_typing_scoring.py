"""Typing-test scoring speed on synthetic attempts.

A long passage is generated from a fixed vocabulary (deterministically, with
``random.Random(seed)``); an attempt types it from the start at a given speed for a given
time, with 2 % of the typed words carrying an error of a mixed kind (wrong, omitted,
inserted, transposed, merged, split, extra spacing). ``score_typing`` is timed with
``time.perf_counter`` over repeated runs.

Targets: 5 minutes at 100 WPM, median under 10 ms; 10 minutes at 200 WPM, median under
50 ms; growth from 1 to 10 minutes near-linear.
"""

from __future__ import annotations

import random
import statistics
import time

from skills_tests.typing_scoring import score_typing

SEED = 20240611
ERROR_RATE = 0.02
ERROR_KINDS = ("wrong", "omitted", "inserted", "transposed", "merged", "split", "spacing")

VOCABULARY = """
account address after again agreement amount annual apply approved area arrangement
assistance average balance bill billing budget business call calls can cancel charge
charges check city commercial community confirm connection contact crew current customer
customers daily date days deposit disconnect due electric electricity emergency energy
estimate every expected fee field final first form from garbage have hazard home hour
hours include information inspection install interruption kilowatt late lines load
local low make meter month monthly move name need new notice number office online order
outage over past pay payment peak period phone plan please portal power program public
rate rates read reading record refund remain report request residential restore
restoration review safety schedule seasonal service services should start statement
stop street summer support system the their this through time transfer tree trouble
usage utility verify visit water weather web when will winter with within work year
""".split()


def make_passage(words: int, seed: int = SEED) -> list[str]:
    """Sentences of 6-18 words with a capital first word and a full stop at the end."""
    rng = random.Random(seed)
    out: list[str] = []
    while len(out) < words:
        sentence = [rng.choice(VOCABULARY) for _ in range(rng.randint(6, 18))]
        sentence[0] = sentence[0].capitalize()
        if rng.random() < 0.3:
            sentence[rng.randrange(len(sentence) - 1)] += ","
        sentence[-1] += "."
        out.extend(sentence)
    return out[:words]


def make_attempt(passage: list[str], minutes: float, wpm: float, seed: int) -> tuple[str, int]:
    """A typed text of about ``minutes * wpm * 5`` characters; returns it and the number
    of errors put in."""
    rng = random.Random(seed)
    target = int(minutes * wpm * 5)
    parts: list[str] = []  # each part: the separator before it and the word(s)
    length = 0
    injected = 0
    i = 0
    while length < target and i + 2 < len(passage):
        word = passage[i]
        if rng.random() >= ERROR_RATE:
            piece = " " + word
            i += 1
        else:
            injected += 1
            kind = rng.choice(ERROR_KINDS)
            if kind == "wrong":
                cut = rng.randrange(len(word))
                piece = " " + word[:cut] + "x" + word[cut + 1 :]
                i += 1
            elif kind == "omitted":
                piece = ""
                i += 1
            elif kind == "inserted":
                piece = " " + rng.choice(VOCABULARY) + "ing"
            elif kind == "transposed":
                piece = " " + passage[i + 1] + " " + word
                i += 2
            elif kind == "merged":
                piece = " " + word + passage[i + 1]
                i += 2
            elif kind == "split" and len(word) > 1:
                cut = rng.randrange(1, len(word))
                piece = " " + word[:cut] + " " + word[cut:]
                i += 1
            else:  # spacing (or a one-letter word that cannot be split)
                piece = "  " + word
                i += 1
        parts.append(piece)
        length += len(piece)
    text = "".join(parts)
    if text.startswith(" ") and not text.startswith("  "):  # no separator before the first word
        text = text[1:]
    return text, injected


def time_call(function, repeats: int) -> dict:
    samples = []
    for _ in range(repeats):
        start = time.perf_counter()
        function()
        samples.append((time.perf_counter() - start) * 1000.0)
    samples.sort()
    p95 = samples[min(len(samples) - 1, round(0.95 * (len(samples) - 1)))]
    return {
        "repeats": repeats,
        "median_ms": round(statistics.median(samples), 3),
        "p95_ms": round(p95, 3),
        "min_ms": round(samples[0], 3),
    }


def measure(passage: list[str], minutes: float, wpm: float, repeats: int, seed: int) -> dict:
    source = " ".join(passage)
    typed, injected = make_attempt(passage, minutes, wpm, seed)
    seconds = minutes * 60
    score = score_typing(source, typed, seconds)
    timing = time_call(lambda: score_typing(source, typed, seconds), repeats)
    return {
        "minutes": minutes,
        "wpm": wpm,
        "typed_words": score.words_typed,
        "gross_chars": score.gross_chars,
        "errors_put_in": injected,
        "errors_found": score.errors,
        **timing,
    }


def run() -> dict:
    passage = make_passage(6000)
    score_typing(" ".join(passage[:50]), " ".join(passage[:40]), 60)  # warm-up

    five = measure(passage, 5, 100, repeats=60, seed=1)
    ten = measure(passage, 10, 200, repeats=30, seed=2)

    growth = []
    for minutes in range(1, 11):
        growth.append(measure(passage, minutes, 100, repeats=30, seed=100 + minutes))
    base = growth[0]["median_ms"]
    for row in growth:
        row["ratio_to_1_min"] = round(row["median_ms"] / base, 2)

    # Not a target: text unrelated to the passage (nearly every word an error) is the
    # worst case, where the work grows with the square of the errors.
    unrelated_passage = make_passage(6000, seed=SEED + 1)
    unrelated_text = " ".join(unrelated_passage[:225])
    source = " ".join(passage)
    unrelated = time_call(lambda: score_typing(source, unrelated_text, 300), repeats=5)
    unrelated_score = score_typing(source, unrelated_text, 300)
    unrelated.update({"typed_words": unrelated_score.words_typed, "errors_found": unrelated_score.errors})

    targets = {
        "5min_100wpm_median_under_10ms": five["median_ms"] < 10,
        "10min_200wpm_median_under_50ms": ten["median_ms"] < 50,
    }
    summary = [
        f"5 min @ 100 WPM ({five['typed_words']} words, errors put in {five['errors_put_in']}, found {five['errors_found']}): "
        f"median {five['median_ms']:.2f} ms, p95 {five['p95_ms']:.2f} ms  (target < 10 ms: "
        f"{'met' if targets['5min_100wpm_median_under_10ms'] else 'NOT met'})",
        f"10 min @ 200 WPM ({ten['typed_words']} words, errors put in {ten['errors_put_in']}, found {ten['errors_found']}): "
        f"median {ten['median_ms']:.2f} ms, p95 {ten['p95_ms']:.2f} ms  (target < 50 ms: "
        f"{'met' if targets['10min_200wpm_median_under_50ms'] else 'NOT met'})",
        "growth @ 100 WPM (minutes: median ms, ratio to 1 minute):",
        *(
            f"  {row['minutes']:>2} min {row['typed_words']:>5} words {row['errors_found']:>3} errors: "
            f"{row['median_ms']:7.2f} ms  x{row['ratio_to_1_min']:.2f}"
            for row in growth
        ),
        f"unrelated text, 5 min @ 45 WPM ({unrelated['typed_words']} words, {unrelated['errors_found']} errors): "
        f"median {unrelated['median_ms']:.1f} ms (worst case, not a target)",
    ]
    return {
        "seed": SEED,
        "error_rate": ERROR_RATE,
        "five_minutes_100_wpm": five,
        "ten_minutes_200_wpm": ten,
        "growth_100_wpm": growth,
        "unrelated_text_5_minutes_45_wpm": unrelated,
        "targets_met": targets,
        "summary": summary,
    }
