"""The typing-test result: figures, pass or not, the aligned text, charts, earlier attempts."""

from __future__ import annotations

import html
import json

from nicegui import ui
from sqlalchemy.orm import Session

from results.charts import keyboard_error_map_png, speed_over_time_png
from results.models import Attempt, Score
from simulator.capture_page import duration_words
from simulator.result_widgets import (
    END_REASONS,
    buttons,
    figure,
    heading,
    history,
    incidents,
    key_table,
    png,
    verdict,
)
from skills_tests.passages import get_passage

ERROR_KIND_LABELS = {
    "wrong": "wrong word",
    "omitted": "word left out",
    "inserted": "extra word",
    "transposed": "two words swapped",
    "merged": "two words run together",
    "split": "one word split in two",
    "spacing": "extra spaces",
}


def show_result(session: Session, attempt: Attempt) -> None:
    score: Score = attempt.latest_score
    details = json.loads(score.details_json)
    figures, metrics = details["score"], details["metrics"]
    passage = get_passage(attempt.form_id)

    ui.label(f"{attempt.person.name} - {passage.title} - {duration_words(attempt.duration_s)} test - "
             f"{attempt.finished_at:%d %b %Y %H:%M} UTC").classes("text-gray-700")
    mark = f"the pass mark is {score.threshold:g} net WPM ({score.rule} rule)"
    verdict_text = (f"Passed: {score.net_rate:.1f} net words per minute; {mark}." if score.passed
                    else f"Not yet at the pass mark: {score.net_rate:.1f} net words per minute; {mark}.")
    verdict(score.passed, verdict_text,
            f"{END_REASONS.get(attempt.end_reason or '', '')} Scored over {score.seconds:.1f} seconds.")

    with ui.row().classes("gap-3 flex-wrap"):
        figure(f"{score.net_rate:.1f}", "net WPM", "net-wpm")
        figure(f"{score.gross_rate:.1f}", "gross WPM", "gross-wpm")
        figure(str(score.errors), "errors", "errors")
        figure(f"{figures['word_accuracy']:.1f} %", "words correct", "word-accuracy")
        figure(f"{metrics['keystroke_accuracy']:.1f} %", "keystroke accuracy", "keystroke-accuracy")
        figure(str(metrics["corrections"]), "corrections (Backspace)", "corrections")
    ui.markdown("Net WPM = gross WPM minus errors per minute. A word is 5 keystrokes. "
                "Keystroke accuracy counts corrected mistakes too. See *How scores are calculated* in the "
                "scoring guide for the full rules.").classes("text-sm text-gray-600")

    heading("Your typing compared with the passage")
    ui.html(aligned_html(figures["alignment"]), sanitize=False).classes("aligned w-full bg-white p-4 rounded")
    _error_table(figures["error_list"])

    heading("Charts")
    series = [tuple(point) for point in metrics["speed_series"]]
    png(speed_over_time_png(series, threshold=score.threshold), "Speed over time")
    per_key = {k["key"]: (k["presses"], k["errors"]) for k in metrics["per_key"]}
    png(keyboard_error_map_png(per_key), "Errors per key on a keyboard")
    key_table(metrics["per_key"], "Each key: errors and speed")

    incidents(attempt)
    history(session, attempt, lambda form_id: get_passage(form_id).title)
    buttons("Take another typing test",
            f"/typing?passage={attempt.form_id}&minutes={attempt.duration_s // 60}&mode={attempt.mode}")


def aligned_html(steps: list[dict]) -> str:
    """The passage as typed: correct words plain, each error marked with what was expected."""
    parts = []
    for step in steps:
        source = html.escape(" ".join(step["source_words"]))
        typed = html.escape(" ".join(step["typed_words"]))
        kind = step["kind"]
        label = html.escape(ERROR_KIND_LABELS.get(kind, kind))
        if not step["error"]:
            title = ' title="unfinished when time ran out: not an error"' if kind == "unfinished" else ""
            parts.append(f'<span class="w-ok"{title}>{typed}</span>')
        elif kind == "omitted":
            parts.append(f'<span class="w-omit" title="{label}">{source}</span>')
        elif kind in ("inserted", "spacing"):
            parts.append(f'<span class="w-err" title="{label}"><span class="w-typed">{typed}</span>'
                         f'<span class="w-kind">{label}</span></span>')
        else:
            parts.append(f'<span class="w-err" title="{label}: expected {source}"><span class="w-src">{source}</span>'
                         f'<span class="w-typed">{typed}</span><span class="w-kind">{label}</span></span>')
    return " ".join(parts) or '<span class="w-omit">Nothing was typed.</span>'


def _error_table(errors: list[dict]) -> None:
    if not errors:
        ui.label("No errors. Well done.").mark("no-errors")
        return
    rows = [{"n": i + 1, "kind": ERROR_KIND_LABELS.get(e["kind"], e["kind"]),
             "expected": " ".join(e["source_words"]) or "-", "typed": " ".join(e["typed_words"]) or "-"}
            for i, e in enumerate(errors)]
    columns = [{"name": "n", "label": "#", "field": "n", "align": "left"},
               {"name": "kind", "label": "Error", "field": "kind", "align": "left"},
               {"name": "expected", "label": "Expected", "field": "expected", "align": "left"},
               {"name": "typed", "label": "Typed", "field": "typed", "align": "left"}]
    ui.table(columns=columns, rows=rows, row_key="n").classes("w-full").props("dense flat bordered").mark("error-list")
