"""Pieces the HR pages share: words for statuses and accommodations, problem lists, printing."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from nicegui import ui

from assessments.models import ExamComponent, ExamProfile, ExamSession, RosterEntry
from assessments.times import as_utc
from results.certificates import TEST_LABELS, form_title

SESSION_STATUS = {"planned": "Planned", "open": "Open: candidates may start", "closed": "Closed"}
SESSION_COLOURS = {"planned": "grey-7", "open": "green-8", "closed": "blue-grey-8"}
ENTRY_STATUS = {"waiting": "Waiting (not checked in)", "checked_in": "Checked in", "in_test": "In a test",
                "done": "Done"}
ENTRY_COLOURS = {"waiting": "grey-7", "checked_in": "blue-8", "in_test": "orange-9", "done": "green-8"}
EXTENDED_TIME = {"none": "No extra time", "x1.5": "Time and a half (x1.5)", "x2": "Double time (x2)"}

# Printing: only the element marked .print-area goes on paper.
PRINT_CSS = """<style>
@media print {
  .app-header, .no-print { display: none !important; }
  .app-content *:not(.print-area):not(.print-area *):not(:has(.print-area)) { display: none !important; }
  .app-content, .app-content :has(.print-area) {
    overflow: visible !important; height: auto !important; padding: 0 !important; margin: 0 !important;
    box-shadow: none !important; max-width: none !important; }
  .q-page-container { padding-top: 0 !important; }
  body { background: #fff; }
  .slip { break-inside: avoid; page-break-inside: avoid; }
}
.slip { border: 2px dashed #52606d; border-radius: 6px; padding: 1rem 1.25rem; background: #fff; }
.slip-code { font-family: 'DejaVu Sans Mono', monospace; font-size: 2rem; font-weight: 700; letter-spacing: .1em; }
.dash-grid { display: grid; gap: .25rem 1rem; align-items: start; width: 100%; }
.dash-head { font-weight: 600; color: #3e4c59; border-bottom: 2px solid #cbd2d9; padding-bottom: .25rem; }
.dash-cell { border-bottom: 1px solid #e4e7eb; padding: .4rem 0; min-width: 0; }
.review { color: #8d2b0b; font-weight: 600; }
.hash { font-family: 'DejaVu Sans Mono', monospace; font-size: .85rem; word-break: break-all; }
</style>"""


def local_time(moment: datetime | None) -> str:
    """A stored UTC time as this server's local time, e.g. '2025-03-04 14:05'."""
    return "" if moment is None else f"{as_utc(moment).astimezone():%Y-%m-%d %H:%M}"


def accommodations(entry: RosterEntry) -> str:
    """The candidate's accommodations in words ('none' when there are none)."""
    parts = []
    if entry.extended_time != "none":
        parts.append(f"extended time {entry.extended_time}")
    if entry.large_text:
        parts.append("large text")
    if entry.high_contrast:
        parts.append("high contrast")
    return ", ".join(parts) or "none"


def component_words(component: ExamComponent) -> str:
    """One component of a profile in words: test, time, form, rule and pass mark."""
    if component.component == "scenario":
        from scenarios.loader import find_scenario

        found = find_scenario(component.form_id)
        title = found.scenario.title if found is not None else component.form_id
        return (f"Call scenario: {title} ({component.form_id}), test mode, scripted caller, pass at "
                f"{component.threshold:g} of 100 with no fatal error")
    minutes = component.duration_s // 60
    title = form_title(component.component, component.form_id)
    if component.component == "typing":
        cap = f", at most {component.max_errors} errors" if component.max_errors is not None else ""
        rule = ("standard rule" if component.rule == "standard" else
                f"penalty rule ({component.rule.partition(':')[2]} words per error)")
        return f"Typing: {minutes} min, {title}, {rule}, pass at {component.threshold:g} net WPM{cap}"
    extras = [f"{component.min_accuracy:g} % accuracy"] if component.min_accuracy is not None else []
    extras += ["Enter counted"] if component.count_enter else []
    extras += ["keypad only"] if component.keypad_only else []
    return (f"{TEST_LABELS.get(component.component, component.component)}: {minutes} min, {title}, pass at "
            f"{component.threshold:,.0f} net KPH" + (", " + ", ".join(extras) if extras else ""))


def profile_rules(profile: ExamProfile) -> str:
    attempts = f"{profile.attempts_allowed} attempt{'s' if profile.attempts_allowed != 1 else ''} per test"
    warm_up = "a warm-up allowed" if profile.warm_up_allowed else "no warm-up"
    return f"{attempts}, {warm_up}, certificate valid {profile.certificate_valid_days} days"


def session_title(row: ExamSession) -> str:
    return f"{row.profile.name}, {row.day:%A %d %B %Y}, {row.place}"


def problem_box(container: ui.element, problems: Iterable[str], intro: str) -> None:
    """Replace ``container``'s content with a list of problems (or nothing when there are none)."""
    container.clear()
    problems = list(problems)
    if not problems:
        return
    with container:
        with ui.card().classes("w-full p-4 gap-1 bg-red-50").props('role="alert"').mark("problems"):
            ui.label(intro).classes("font-semibold text-red-900")
            for problem in problems:
                ui.label(f"- {problem}").classes("text-red-900").mark("problem")


def success(container: ui.element, text: str, marker: str = "done") -> None:
    container.clear()
    with container:
        ui.label(text).classes("text-green-900 font-semibold").props('role="status"').mark(marker)


def back_link(text: str, target: str) -> None:
    ui.link(f"< {text}", target).classes("no-print")
