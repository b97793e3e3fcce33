"""Pieces every result page shares: figures, verdict, charts, incidents, earlier attempts."""

from __future__ import annotations

import base64

from nicegui import ui
from sqlalchemy.orm import Session

from results.attempts import attempts_of
from results.finishing import result_url
from results.models import Attempt

INCIDENT_LABELS = {
    "paste": "tried to paste",
    "drop": "tried to drop text into the entry area",
    "focus_lost": "left the test window",
    "focus_back": "came back to the test window",
    "page_hidden": "the test page was hidden",
    "blocked_key": "pressed a key that is not allowed",
    "text_mismatch": "the entry area differed from the keystrokes (the keystrokes were scored)",
    "late_keys": "keys pressed after time ran out (not counted)",
    "timing_flag": "flag for review (keystroke timing, not a verdict):",
}
END_REASONS = {"time": "Time ran out.", "completed": "You reached the last item.",
               "early": "You finished before time ran out."}


def png(data: bytes, alt: str) -> None:
    ui.image(f"data:image/png;base64,{base64.b64encode(data).decode()}").props(f'alt="{alt}"').classes(
        "w-full max-w-3xl")


def figure(value: str, label: str, marker: str) -> None:
    with ui.card().classes("figure-card items-center p-3 gap-0"):
        ui.label(value).classes("figure-value").mark(marker)
        ui.label(label).classes("figure-label")


def verdict(passed: bool, text: str, detail: str) -> None:
    with ui.card().classes("w-full p-4 " + ("bg-green-50" if passed else "bg-amber-50")):
        ui.label(text).classes("text-lg font-semibold").mark("verdict")
        ui.label(detail).classes("text-gray-700")


def heading(text: str) -> None:
    ui.label(text).classes("text-xl font-semibold mt-4")


def incidents(attempt: Attempt) -> None:
    if attempt.incidents:
        heading("Recorded during the test")
        for incident in attempt.incidents:
            ui.label(f"- {INCIDENT_LABELS.get(incident.kind, incident.kind)} {incident.detail}").mark("incident")


def history(session: Session, attempt: Attempt, describe) -> None:
    """The person's finished attempts at this test, newest first; ``describe`` names the form."""
    earlier = [a for a in attempts_of(session, attempt.person_id, [attempt.test]) if a.status == "finished"]
    heading(f"{attempt.person.name}'s earlier results")
    rows = []
    for item in earlier:
        score = item.latest_score
        rows.append({
            "id": item.id, "url": result_url(item), "when": f"{item.finished_at:%d %b %Y %H:%M}",
            "form": describe(item.form_id), "minutes": f"{item.duration_s / 60:g}", "mode": item.mode,
            "net": f"{score.net_rate:,.1f} {score.rate_unit}", "errors": score.errors,
            "result": "passed" if score.passed else "not yet", "this": "this test" if item.id == attempt.id else "",
        })
    columns = [{"name": k, "label": label, "field": k, "align": "left"} for k, label in (
        ("when", "When (UTC)"), ("form", "Form"), ("minutes", "Minutes"), ("mode", "Mode"),
        ("net", "Net"), ("errors", "Errors"), ("result", "Result"), ("this", ""))]
    table = ui.table(columns=columns, rows=rows, row_key="id").classes("w-full").props("dense flat bordered")
    table.mark("history")
    table.on("rowClick", lambda e: ui.navigate.to(e.args[1]["url"]))


def buttons(again_label: str, again_url: str) -> None:
    with ui.row().classes("mt-4"):
        ui.button(again_label, on_click=lambda: ui.navigate.to(again_url)).props("unelevated").mark("again")
        ui.button("Home", on_click=lambda: ui.navigate.to("/")).props("outline")


def key_table(per_key: list[dict], title: str) -> None:
    """Per-key practice figures: presses, errors and the mean time taken to reach the key."""
    rows = [{"key": "space" if k["key"] == " " else ("Enter" if k["key"] == "\n" else k["key"]),
             "presses": k["presses"], "errors": k["errors"],
             "latency": "-" if k.get("mean_latency_ms") is None else f"{k['mean_latency_ms']:.0f} ms"}
            for k in per_key if k["presses"]]
    if not rows:
        return
    with ui.expansion(title, icon="keyboard").classes("w-full max-w-3xl bg-white").mark("key-table"):
        ui.table(columns=[{"name": c, "label": label, "field": c, "align": "left", "sortable": True}
                          for c, label in (("key", "Key"), ("presses", "Times expected"), ("errors", "Errors"),
                                           ("latency", "Mean time to key"))],
                 rows=rows, row_key="key").props("dense flat").classes("w-full")
