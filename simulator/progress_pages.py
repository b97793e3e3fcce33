"""Training progress: leads follow each trainee's call scenarios (every attempt, the average
per scenario, a chart of totals over time)."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from nicegui import ui

from results.charts import call_totals_png
from scenarios.loader import load_library
from simulator import auth, call_sessions
from simulator.frame import frame
from simulator.result_widgets import heading, png

EVERYONE = ""


def register() -> None:
    @ui.page("/progress")
    def progress(trainee: str = "") -> None:
        if auth.require("lead", "admin") is None:  # leads and HR follow the trainees
            return
        with frame("Training progress"):
            _progress(trainee)


def _progress(trainee: str) -> None:
    everyone = call_sessions.calls_of(limit=5000)
    titles = {e.id: e.scenario.title for e in load_library() if e.valid}
    for row in everyone:
        row["scenario"] = titles.get(row["scenario_id"], row["scenario_id"])
    names = sorted({r["person"] for r in everyone}, key=str.casefold)
    chosen = next((n for n in names if n.casefold() == trainee.strip().casefold()), EVERYONE)
    ui.label("Every call scenario a trainee has taken, newest first. Choose a trainee to see their averages and "
             "their totals over time; click a row to open that call's result.").classes("text-gray-700")
    if not everyone:
        ui.label("No calls have been taken yet.").classes("text-lg").mark("no-calls")
        ui.button("Call scenarios", on_click=lambda: ui.navigate.to("/calls")).props("unelevated")
        return
    choices = {EVERYONE: "Everyone", **{n: n for n in names}}
    ui.select(choices, value=chosen, label="Trainee", with_input=True,
              on_change=lambda e: ui.navigate.to(f"/progress?trainee={e.value or ''}")).props("outlined").classes(
        "w-full max-w-md").mark("trainee-filter")
    rows = [r for r in everyone if not chosen or r["person"] == chosen]
    if chosen:
        graded = [r for r in rows if r["total"] is not None]
        heading(f"{chosen}: average per scenario")
        _averages(graded)
        png(call_totals_png([(f"{r['started']:%d %b}", r["total"], bool(r["fatal"])) for r in reversed(graded)],
                            title=f"{chosen}: call totals"), f"{chosen}'s call totals over time")
    else:
        heading("Average per trainee and scenario")
        _averages([r for r in rows if r["total"] is not None], by_person=True)
    heading(f"Calls ({len(rows)})")
    _attempts(rows)


def _averages(graded: list[dict[str, Any]], *, by_person: bool = False) -> None:
    groups: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
    for row in graded:
        groups[(row["person"] if by_person else "", row["scenario"])].append(row)
    if not groups:
        ui.label("No graded calls yet.").classes("text-gray-700")
        return
    out = []
    for (person, scenario), calls in sorted(groups.items(), key=lambda g: (g[0][0].casefold(), g[0][1])):
        totals = [c["total"] for c in calls]  # newest first
        out.append({"key": f"{person}/{scenario}", "person": person, "scenario": scenario, "calls": len(calls),
                    "average": f"{sum(totals) / len(totals):.1f}", "best": f"{max(totals):g}",
                    "latest": f"{totals[0]:g}", "fatal": sum(1 for c in calls if c["fatal"])})
    columns = [("scenario", "Scenario"), ("calls", "Graded calls"), ("average", "Average"), ("best", "Best"),
               ("latest", "Latest"), ("fatal", "Fatal")]
    if by_person:
        columns.insert(0, ("person", "Trainee"))
    ui.table(columns=[{"name": k, "label": label, "field": k, "align": "left", "sortable": True}
                      for k, label in columns], rows=out, row_key="key").props("dense flat bordered").classes(
        "w-full").mark("averages")


def _attempts(rows: list[dict[str, Any]]) -> None:
    shown = [{"id": r["id"], "trainee": r["person"], "scenario": r["scenario"],
              "date": f"{r['started']:%d %b %Y %H:%M}", "mode": r["mode"],
              "caller": "lead-led" if r["caller"] == "lead" else "scripted",
              "total": "-" if r["total"] is None else f"{r['total']:g}",
              "fatal": "FATAL" if r["fatal"] else "", "status": r["status"].replace("_", " ")} for r in rows]
    columns = [("trainee", "Trainee"), ("scenario", "Scenario"), ("date", "Date (UTC)"), ("mode", "Mode"),
               ("caller", "Caller"), ("total", "Total"), ("fatal", "Fatal"), ("status", "Status")]
    table = ui.table(columns=[{"name": k, "label": label, "field": k, "align": "left", "sortable": True}
                              for k, label in columns], rows=shown, row_key="id", pagination=25)
    table.props("dense flat bordered").classes("w-full cursor-pointer").mark("attempts")

    def open_row(row: dict[str, Any]) -> None:
        if row["status"] == "graded":
            ui.navigate.to(f"/calls/result/{row['id']}")
        else:
            ui.notify("This call is not graded yet: its result opens once it is.")

    table.on("rowClick", lambda e: open_row(e.args[1]))
