"""A graded call: the total (or the fatal item that zeroed it), every rubric item met or
missed with its reason, the data-entry comparisons, the call's timeline and its grade
versions, with a re-grade that replays the stored log on a fresh CIS."""

from __future__ import annotations

from typing import Any

from nicegui import ui

from results.models import CallAttempt
from simulator import call_sessions
from simulator.call_transcript import clock
from simulator.result_widgets import figure, heading

WHO = {"caller": "Caller", "trainee": "Trainee", "lead": "Trainee (recorded by the lead)", "cis": "CIS",
       "system": "-"}


def points(value: float) -> str:
    return f"{value:g}"


def show_call_result(row: CallAttempt, report: dict[str, Any], *, regraded: bool = False) -> None:
    ui.label(f"{row.person.name} - {report['title']} - {row.mode}, "
             f"{'scripted caller' if row.caller == 'scripted' else 'lead-led'} - "
             f"{row.created_at:%d %b %Y %H:%M} UTC").classes("text-gray-700").mark("result-subtitle")
    hits = [f for f in report["fatal_items"] if f["hit"]]
    for fatal in hits:
        with ui.card().classes("w-full p-4 bg-red-100 border-2 border-red-800").mark("fatal"):
            ui.label(f"FATAL: {fatal['text']}").classes("text-lg font-bold text-red-900")
            ui.label(f"{fatal['id']}: {fatal['detail']}. A fatal item makes the call score 0; the sections below "
                     "still show what was done.").classes("text-red-900")
    handle = report["handle_time"]
    with ui.row().classes("gap-3 flex-wrap"):
        figure(f"{points(report['total'])} / 100", "Total", "total")
        figure(clock(handle["talk_s"]), "Talk time", "talk-time")
        figure(clock(handle["after_call_s"]), "After-call work", "after-call")
        figure(f"{clock(handle['handle_s'])}", f"Handle time (target {clock(handle['target_s'])})", "handle-time")
    _next_steps(row)
    heading("How the call was graded")
    for section in report["sections"]:
        _section(section)
    if report["fatal_items"]:
        heading("Fatal items")
        for fatal in report["fatal_items"]:
            text = f"HIT: {fatal['text']} ({fatal['detail']})" if fatal["hit"] else f"Avoided: {fatal['text']}"
            ui.label(text).classes(
                "font-semibold text-red-900" if fatal["hit"] else "text-gray-800").mark("fatal-item")
    heading("Timeline of the call")
    _timeline(report["timeline"])
    heading("Grade versions")
    _versions(row, report, regraded)


def _next_steps(row: CallAttempt) -> None:
    with ui.row().classes("gap-2"):
        ui.button("Take another call", icon="call", on_click=lambda: ui.navigate.to("/calls")).props(
            "unelevated").mark("back-to-calls")
        ui.button("Training progress", icon="insights",
                  on_click=lambda: ui.navigate.to(f"/progress?trainee={row.person.name}")).props("outline")


def _section(section: dict[str, Any]) -> None:
    full = section["earned"] >= section["weight"]
    with ui.card().classes("w-full p-4 gap-2").mark(f"result-section-{section['id']}"):
        with ui.row().classes("w-full items-baseline justify-between"):
            ui.label(section["title"]).classes("text-lg font-semibold")
            ui.label(f"{points(section['earned'])} of {section['weight']}").classes(
                "text-lg font-semibold " + ("text-green-900" if full else "text-amber-900"))
        for item in section["items"]:
            _item(item)


def _item(item: dict[str, Any]) -> None:
    with ui.row().classes("w-full items-start no-wrap gap-3 result-item").mark(f"item-{item['id']}"):
        if item["met"]:
            ui.icon("check_circle", size="1.6rem").classes("text-green-800").props('aria-label="met"')
        else:
            ui.icon("cancel", size="1.6rem").classes("text-red-800").props('aria-label="missed"')
        with ui.column().classes("gap-0 grow"):
            ui.label(item["text"]).classes("font-semibold")
            ui.label(("Met" if item["met"] else "Missed") + f" - {item['detail']}").classes("text-gray-800")
            if item["kind"] == "entered":
                accuracy = "-" if item["accuracy"] is None else f"{item['accuracy']:g} % of characters match"
                with ui.grid(columns="auto 1fr").classes("gap-x-3 gap-y-0 text-sm mt-1 entered-values"):
                    ui.label("Expected").classes("text-gray-700")
                    ui.label(item["expected"] or "").classes("font-mono")
                    ui.label("Entered").classes("text-gray-700")
                    ui.label(item["actual"] if item["actual"] is not None else "(nothing)").classes("font-mono")
                    ui.label("Accuracy").classes("text-gray-700")
                    ui.label(accuracy).mark(f"accuracy-{item['id']}")
            if item.get("policy"):
                ui.label(f"Policy: {item['policy']}").classes("text-sm text-gray-600")
        ui.label(f"{points(item['earned'])} of {points(item['points'])}").classes(
            "font-semibold whitespace-nowrap").mark(f"points-{item['id']}")


def _timeline(lines: list[dict[str, Any]]) -> None:
    rows = [{"key": i, "t": clock(line["t"]), "who": WHO.get(line["who"], line["who"]), "text": line["text"]}
            for i, line in enumerate(lines)]
    ui.table(columns=[{"name": "t", "label": "Time", "field": "t", "align": "left"},
                      {"name": "who", "label": "Who", "field": "who", "align": "left"},
                      {"name": "text", "label": "What", "field": "text", "align": "left"}],
             rows=rows, row_key="key").props("dense flat bordered wrap-cells").classes("w-full").mark("timeline")


def _versions(row: CallAttempt, report: dict[str, Any], regraded: bool) -> None:
    versions = report["versions"]
    if regraded:
        first = call_sessions.grade_report(row.id, 1)
        same = first is not None and abs(first["total"] - report["total"]) < 0.05 and \
            first["sections"] == report["sections"]
        text = (f"Re-graded: version {report['version']} scores {points(report['total'])}, "
                + ("the same as version 1, item for item: the replay reproduces the grade." if same else
                   f"but version 1 scored {points(first['total'])}: the replay does not reproduce the grade."))
        with ui.card().classes("w-full p-3 " + ("bg-green-50" if same else "bg-amber-50")):
            ui.label(text).classes("font-semibold").props('role="status"').mark("regrade-message")
    ui.label(f"You are looking at grade version {report['version']} of {versions}. Version 1 is the grade the call "
             "got when it ended; a re-grade replays the recorded actions on a fresh copy of the CIS and stores "
             "its result as a new version.").classes("text-gray-700")
    with ui.row().classes("gap-2 items-center"):
        for version in range(1, versions + 1):
            button = ui.button(f"Version {version}", on_click=lambda v=version: ui.navigate.to(
                f"/calls/result/{row.id}?version={v}")).props("dense no-caps " + (
                    "unelevated" if version == report["version"] else "outline"))
            button.mark(f"version-{version}")
        ui.button("Re-grade", icon="replay", on_click=lambda: _regrade(row.id)).props("outline").mark("regrade")
        ui.link("Action log (JSON)", f"/calls/{row.id}/actions.json").classes("self-center").mark("action-log")


def _regrade(attempt_id: str) -> None:
    try:
        stored = call_sessions.regrade(attempt_id)
    except (ValueError, LookupError) as error:  # a replay that fails says why (file changed, log unreadable)
        ui.notify(f"The re-grade failed: {error}", type="negative", multi_line=True)
        return
    ui.navigate.to(f"/calls/result/{attempt_id}?version={stored.version}&regraded=1")
