"""The typing-test result: figures, pass or not, the aligned text, charts, earlier attempts."""

from __future__ import annotations

import base64
import html
import json

from nicegui import ui
from sqlalchemy.orm import Session

from results.charts import keyboard_error_map_png, speed_over_time_png
from results.models import Attempt, Score
from results.attempts import attempts_of
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
INCIDENT_LABELS = {
    "paste": "tried to paste text",
    "drop": "tried to drop text into the box",
    "focus_lost": "left the test window",
    "focus_back": "came back to the test window",
    "page_hidden": "the test page was hidden",
    "blocked_key": "pressed a key that is not allowed",
    "text_mismatch": "the typing area differed from the keystrokes (the keystrokes were scored)",
    "late_keys": "keys pressed after time ran out (not counted)",
}


def _png(data: bytes, alt: str) -> None:
    ui.image(f"data:image/png;base64,{base64.b64encode(data).decode()}").props(f'alt="{alt}"').classes(
        "w-full max-w-3xl")


def _figure(value: str, label: str, marker: str) -> None:
    with ui.card().classes("figure-card items-center p-3 gap-0"):
        ui.label(value).classes("figure-value").mark(marker)
        ui.label(label).classes("figure-label")


def show_result(session: Session, attempt: Attempt) -> None:
    score: Score = attempt.latest_score
    details = json.loads(score.details_json)
    figures, metrics = details["score"], details["metrics"]
    passage = get_passage(attempt.form_id)

    ui.label(f"{attempt.person.name} - {passage.title} - {attempt.duration_s // 60} minute test - "
             f"{attempt.finished_at:%d %b %Y %H:%M} UTC").classes("text-gray-700")
    rule_text = f"{score.rule} rule"
    verdict = (f"Passed: {score.net_rate:.1f} net words per minute. The pass mark is {score.threshold:g} net WPM "
               f"({rule_text}).") if score.passed else (
               f"Not yet at the pass mark: {score.net_rate:.1f} net words per minute; the pass mark is "
               f"{score.threshold:g} net WPM ({rule_text}).")
    with ui.card().classes("w-full p-4 " + ("bg-green-50" if score.passed else "bg-amber-50")):
        ui.label(verdict).classes("text-lg font-semibold").mark("verdict")
        ended = {"time": "Time ran out.", "completed": "You reached the end of the passage.",
                 "early": "You finished before time ran out."}.get(attempt.end_reason or "", "")
        ui.label(f"{ended} Scored over {score.seconds:.1f} seconds.").classes("text-gray-700")

    with ui.row().classes("gap-3 flex-wrap"):
        _figure(f"{score.net_rate:.1f}", "net WPM", "net-wpm")
        _figure(f"{score.gross_rate:.1f}", "gross WPM", "gross-wpm")
        _figure(str(score.errors), "errors", "errors")
        _figure(f"{figures['word_accuracy']:.1f} %", "words correct", "word-accuracy")
        _figure(f"{metrics['keystroke_accuracy']:.1f} %", "keystroke accuracy", "keystroke-accuracy")
        _figure(str(metrics["corrections"]), "corrections (Backspace)", "corrections")
    ui.markdown("Net WPM = gross WPM minus errors per minute. A word is 5 keystrokes. "
                "Keystroke accuracy counts corrected mistakes too. See *How scores are calculated* in the "
                "scoring guide for the full rules.").classes("text-sm text-gray-600")

    ui.label("Your typing compared with the passage").classes("text-xl font-semibold mt-4")
    ui.html(aligned_html(figures["alignment"]), sanitize=False).classes("aligned w-full bg-white p-4 rounded")
    _error_table(figures["error_list"])

    ui.label("Charts").classes("text-xl font-semibold mt-4")
    series = [tuple(point) for point in metrics["speed_series"]]
    _png(speed_over_time_png(series, threshold=score.threshold), "Speed over time")
    per_key = {k["key"]: (k["presses"], k["errors"]) for k in metrics["per_key"]}
    _png(keyboard_error_map_png(per_key), "Errors per key on a keyboard")

    if attempt.incidents:
        ui.label("Recorded during the test").classes("text-xl font-semibold mt-4")
        for incident in attempt.incidents:
            ui.label(f"- {INCIDENT_LABELS.get(incident.kind, incident.kind)} {incident.detail}").mark("incident")

    _history(session, attempt)
    with ui.row().classes("mt-4"):
        ui.button("Take another typing test", on_click=lambda: ui.navigate.to(
            f"/typing?passage={attempt.form_id}&minutes={attempt.duration_s // 60}&mode={attempt.mode}"
        )).props("unelevated").mark("again")
        ui.button("Home", on_click=lambda: ui.navigate.to("/")).props("outline")


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


def _history(session: Session, attempt: Attempt) -> None:
    earlier = [a for a in attempts_of(session, attempt.person_id, ["typing"]) if a.status == "finished"]
    ui.label(f"{attempt.person.name}'s typing tests").classes("text-xl font-semibold mt-4")
    rows = []
    for item in earlier:
        score = item.latest_score
        rows.append({
            "id": item.id, "when": f"{item.finished_at:%d %b %Y %H:%M}", "passage": get_passage(item.form_id).title,
            "minutes": item.duration_s // 60, "mode": item.mode, "net": f"{score.net_rate:.1f}",
            "errors": score.errors, "result": "passed" if score.passed else "not yet",
            "this": "this test" if item.id == attempt.id else "",
        })
    columns = [{"name": k, "label": label, "field": k, "align": "left"} for k, label in (
        ("when", "When (UTC)"), ("passage", "Passage"), ("minutes", "Minutes"), ("mode", "Mode"),
        ("net", "Net WPM"), ("errors", "Errors"), ("result", "Result"), ("this", ""))]
    table = ui.table(columns=columns, rows=rows, row_key="id").classes("w-full").props("dense flat bordered")
    table.mark("history")
    table.on("rowClick", lambda e: ui.navigate.to(f"/typing/result/{e.args[1]['id']}"))
