"""10-key results: the entry test (figures, wrong entries, charts) and the adding-machine drill."""

from __future__ import annotations

import json
from decimal import Decimal

from nicegui import ui
from sqlalchemy.orm import Session

from results.charts import keypad_error_map_png, speed_over_time_png
from results.models import Attempt
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
from skills_tests.tenkey_items import get_drill_batch, get_item_set


def show_tenkey_result(session: Session, attempt: Attempt) -> None:
    score = attempt.latest_score
    details = json.loads(score.details_json)
    figures, metrics = details["score"], details["metrics"]
    min_accuracy = details["min_accuracy"]
    item_set = get_item_set(attempt.form_id)

    ui.label(f"{attempt.person.name} - {item_set.title} - {duration_words(attempt.duration_s)} test - "
             f"{attempt.finished_at:%d %b %Y %H:%M} UTC").classes("text-gray-700")
    mark = (f"the pass mark is {score.threshold:,.0f} net KPH with at least {min_accuracy:g} % of entries correct "
            f"({score.rule})")
    text = (f"Passed: {score.net_rate:,.0f} net keystrokes per hour at {score.accuracy:.1f} % accuracy; {mark}."
            if score.passed else
            f"Not yet at the pass mark: {score.net_rate:,.0f} net keystrokes per hour at {score.accuracy:.1f} % "
            f"accuracy; {mark}.")
    verdict(score.passed, text,
            f"{END_REASONS.get(attempt.end_reason or '', '')} Scored over {score.seconds:.1f} seconds.")

    with ui.row().classes("gap-3 flex-wrap"):
        figure(f"{score.net_rate:,.0f}", "net KPH", "net-kph")
        figure(f"{score.gross_rate:,.0f}", "gross KPH", "gross-kph")
        figure(f"{figures['correct']} / {figures['entries']}", "entries correct", "entries")
        figure(str(score.errors), "errors", "errors")
        figure(f"{score.accuracy:.1f} %", "accuracy", "accuracy")
        figure(f"{100 * metrics['keypad_share']:.0f} %", "keys on the keypad", "keypad-share")
        figure(str(metrics["corrections"]), "corrections (Backspace)", "corrections")
    ui.markdown("KPH = keystrokes per hour. Gross counts every character of every entry; net counts only the "
                "entries keyed exactly right. Accuracy = correct entries / entries. See the scoring guide for "
                "the full rules.").classes("text-sm text-gray-600")
    if metrics["keystrokes"] and metrics["keypad_share"] < 1:
        ui.label(f"{100 * (1 - metrics['keypad_share']):.0f} % of the number keys were pressed outside the numeric "
                 "keypad.").classes("text-amber-900 font-semibold").mark("off-keypad")
    if metrics["numlock_off_keys"]:
        ui.label(f"NumLock was off for {metrics['numlock_off_keys']} keypad presses (they were not accepted).").classes(
            "text-amber-900").mark("numlock-off")

    heading("Wrong and skipped entries")
    wrong = figures["wrong"]
    if not wrong:
        ui.label("Every entry was keyed exactly right.").mark("no-errors")
    else:
        rows = [{"line": r["position"], "expected": r["expected"],
                 "entered": "(skipped)" if r["skipped"] else r["entered"]} for r in wrong]
        ui.table(columns=[{"name": k, "label": label, "field": k, "align": "left"}
                          for k, label in (("line", "Line"), ("expected", "Printed"), ("entered", "Keyed"))],
                 rows=rows, row_key="line").props("dense flat bordered").classes("max-w-lg").mark("wrong-entries")

    heading("Charts")
    series = [tuple(point) for point in metrics["speed_series"]]
    png(speed_over_time_png(series, threshold=score.threshold, unit="KPH", title="Keystrokes per hour over time"),
        "Keystrokes per hour over time")
    png(keypad_error_map_png({k["key"]: (k["presses"], k["errors"]) for k in metrics["per_key"]}),
        "Errors per key on the numeric keypad")
    key_table(metrics["per_key"], "Each key: errors and speed")

    incidents(attempt)
    history(session, attempt, lambda form_id: get_item_set(form_id).title)
    buttons("Take another 10-key test",
            f"/tenkey?form={attempt.form_id}&minutes={attempt.duration_s // 60}&mode={attempt.mode}")


def show_drill_result(session: Session, attempt: Attempt) -> None:
    score = attempt.latest_score
    drill = json.loads(score.details_json)["drill"]
    batch = get_drill_batch(attempt.form_id)

    ui.label(f"{attempt.person.name} - {batch.title} - {attempt.finished_at:%d %b %Y %H:%M} UTC").classes(
        "text-gray-700")
    total, control = Decimal(drill["total"]), Decimal(drill["control_total"])
    if drill["correct"]:
        text = f"Balanced: your total {total:,.2f} matches the control total {control:,.2f}."
    elif drill["balanced"]:
        text = (f"Your total {total:,.2f} matches the control total, but the tape has amounts that do not "
                "belong to the batch.")
    else:
        gap = total - control
        text = (f"Not balanced: your total {total:,.2f} is {abs(gap):,.2f} {'over' if gap > 0 else 'short of'} "
                f"the control total {control:,.2f}.")
    verdict(score.passed, text, f"{score.seconds:.1f} seconds, {score.gross_count} keystrokes "
                                f"({score.gross_rate:,.0f} keystrokes per hour).")
    with ui.row().classes("gap-3 flex-wrap"):
        figure(f"{total:,.2f}", "your total", "total")
        figure(f"{control:,.2f}", "control total", "control-total")
        figure(f"{score.seconds:.0f} s", "time", "time")
        figure(str(drill["corrections"]), "corrections", "corrections")
    heading("What the tape shows")
    for finding in drill["findings"]:
        ui.label(f"- {finding}").mark("finding")
    heading("Your tape")
    ui.label(" ".join(f"{a}" for a in drill["amounts"]) or "Nothing was keyed.").classes(
        "font-mono bg-white p-3 rounded").mark("tape")
    incidents(attempt)
    history(session, attempt, lambda form_id: get_drill_batch(form_id).title)
    buttons("Try another batch", "/tenkey/drill")
