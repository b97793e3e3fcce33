"""The live dashboard of an exam session: each candidate's status, each test's attempts and
scores as they finish, and what HR should look at (timing flags, paste attempts, leaving the
test window, a test that stopped). It re-reads the records every few seconds and redraws
only when something changed.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from nicegui import ui
from sqlalchemy import select
from sqlalchemy.orm import Session

from assessments import roster
from assessments.exam_attempts import LABELS, ComponentState, component_states, is_voided, last_activity
from assessments.interruptions import IDLE_AFTER
from assessments.times import as_utc
from results.database import session_factory
from results.finishing import result_url
from results.models import Attempt, Incident, Score, utcnow
from simulator.hr_common import ENTRY_COLOURS, ENTRY_STATUS, accommodations

REFRESH_S = 3.0
ORDER = ("typing", "tenkey", "scenario")  # the order the tests are shown in
REVIEW_INCIDENTS = {"paste": "tried to paste", "drop": "tried to drop text in", "focus_lost": "left the test window",
                    "page_hidden": "the test page was hidden", "text_mismatch": "entry area differed from the keys"}
TIMING_FLAG = "timing_flag"  # stored when an exam attempt finishes (skills_tests.timing_integrity)


@dataclass(frozen=True)
class AttemptLine:
    attempt_id: str
    label: str  # "Attempt 2", "Warm-up"
    state: str  # "47.20 WPM, PASS", "in progress", ...
    passed: bool | None
    finished: bool
    review: tuple[str, ...]
    result_url: str
    call: bool = False  # a call scenario's call: its result is the call result page (no replay, no PDF)


@dataclass(frozen=True)
class ComponentCell:
    component: str
    summary: str
    lines: tuple[AttemptLine, ...]


@dataclass(frozen=True)
class EntryRow:
    entry_id: int
    name: str
    status: str
    accommodations: str
    cells: tuple[ComponentCell, ...]

    @property
    def review(self) -> tuple[tuple[str, tuple[str, ...]], ...]:
        """(which test and attempt, the reasons to look at it) for every attempt with something to review."""
        return tuple((f"{LABELS[cell.component].capitalize()} {line.label.lower()}", line.review)
                     for cell in self.cells for line in cell.lines if line.review)


def _summary(state: ComponentState) -> str:
    used, allowed = len(state.begun), state.allowed
    if state.running is not None:
        text = "In progress" + (" (warm-up)" if state.running_is_warm_up else "")
    elif state.passed:
        text = "Passed" + ("; a retake was granted" if state.granted_since_last_attempt else "")
    elif used and state.remaining == 0:
        text = "Not passed; no attempts left"
    elif used:
        text = f"Not passed yet; {state.remaining} attempt{'s' if state.remaining != 1 else ''} left"
    else:
        text = "Not started"
    return f"{text} ({used} of {allowed} attempt{'s' if allowed != 1 else ''} used)"


def _line(session: Session, attempt: Attempt, label: str, score: Score | None, incidents: list[tuple[str, str]],
          now: datetime) -> AttemptLine:
    counts = Counter(kind for kind, _ in incidents if kind in REVIEW_INCIDENTS)
    review = [REVIEW_INCIDENTS[kind] + (f" x{count}" if count > 1 else "") for kind, count in sorted(counts.items())]
    review += [f"timing: {detail}" for kind, detail in incidents if kind == TIMING_FLAG]
    passed = None
    if is_voided(session, attempt.id):
        state = "stopped; replaced by a retake"
    elif attempt.status == "created":
        state = "opened, not begun"
    elif attempt.status == "in_progress":
        idle = now - last_activity(session, attempt)
        state = "in progress"
        if idle >= IDLE_AFTER:
            minutes = int(idle.total_seconds() // 60)
            state += f"; nothing received for {minutes} min"
            review.append(f"stopped {minutes} min ago: decide under Retakes and interruptions")
    elif score is None:
        state = "finished, not scored"
    else:
        passed = bool(score.passed)
        state = f"{score.net_rate:,.2f} {score.rate_unit}, {'PASS' if passed else 'not passed'}"
    return AttemptLine(attempt.id, label, state, passed, attempt.status == "finished", tuple(review),
                       result_url(attempt))


def _call_line(state: ComponentState, call, label: str) -> AttemptLine:
    """A call of the call scenario component: in call, waiting for its grade, or graded with its total."""
    grade, passed = state.grades.get(call.id), state.call_passed(call)
    if grade is None:
        text = "wrapped up, grading" if call.status == "wrapped" else "in call"
    else:
        text = (f"{grade.total:g} of 100{', fatal error' if grade.fatal else ''}, "
                f"{'PASS' if passed else 'not passed'} (pass mark {state.component.threshold:g})")
    return AttemptLine(call.id, label, text, passed, grade is not None, (), f"/calls/result/{call.id}", call=True)


def dashboard_rows(session: Session, session_id: int, now: datetime | None = None) -> tuple[EntryRow, ...]:
    """Everything the dashboard shows, as plain values (two reads that return equal rows show the same)."""
    now = as_utc(now or utcnow())
    result = []
    for entry in roster.list_roster(session, session_id):
        states = component_states(session, entry)
        ids = [a.id for s in states.values() for a in s.warm_ups + s.counted]
        scores = {s.attempt_id: s for s in session.scalars(
            select(Score).where(Score.attempt_id.in_(ids), Score.version == 1))}
        incidents: dict[str, list[tuple[str, str]]] = {}
        for attempt_id, kind, detail in session.execute(
                select(Incident.attempt_id, Incident.kind, Incident.detail).order_by(Incident.id).where(
                    Incident.attempt_id.in_(ids), Incident.kind.in_([*REVIEW_INCIDENTS, TIMING_FLAG]))):
            incidents.setdefault(attempt_id, []).append((kind, detail))
        cells = []
        for component, state in sorted(states.items(), key=lambda item: ORDER.index(item[0])):
            if state.is_call:
                cells.append(ComponentCell(component, _summary(state), tuple(
                    _call_line(state, call, f"Call {n}") for n, call in enumerate(state.counted, 1))))
                continue
            lines = [_line(session, a, "Warm-up", scores.get(a.id), incidents.get(a.id, []), now)
                     for a in state.warm_ups if a.status != "created"]
            lines += [_line(session, a, f"Attempt {n}", scores.get(a.id), incidents.get(a.id, []), now)
                      for n, a in enumerate(state.counted, 1)]
            cells.append(ComponentCell(component, _summary(state), tuple(lines)))
        result.append(EntryRow(entry.id, entry.name, entry.status, accommodations(entry), tuple(cells)))
    return tuple(result)


class Dashboard:
    def __init__(self, session_id: int, *, admin: bool) -> None:
        self.session_id = session_id
        self.admin = admin
        self.rows: tuple[EntryRow, ...] | None = None
        self.listeners: list[Callable[[], None]] = []

    def build(self) -> None:
        self.factory = session_factory()
        with ui.row().classes("w-full items-center justify-between"):
            ui.label("Each candidate's progress, refreshed every few seconds. Scores appear as each test "
                     "finishes; anything HR should look at is listed under For review.").classes("text-gray-700")
            self.stamp = ui.label().classes("text-sm text-gray-600").mark("dashboard-updated")
        self.body = ui.column().classes("w-full").mark("dashboard")
        self.update()
        ui.timer(REFRESH_S, self.update)

    def update(self) -> None:
        with self.factory() as session:
            rows = dashboard_rows(session, self.session_id)
        self.stamp.set_text(f"Updated {datetime.now():%H:%M:%S}")
        if rows != self.rows:
            self.rows = rows
            self._render(rows)
        for listener in self.listeners:
            listener()

    def _render(self, rows: tuple[EntryRow, ...]) -> None:
        self.body.clear()
        with self.body:
            if not rows:
                ui.label("Nobody is on the roster yet.").classes("text-lg").mark("dashboard-empty")
                return
            counts = Counter(r.status for r in rows)
            ui.label(", ".join(f"{counts[s]} {ENTRY_STATUS[s].split(' (')[0].lower()}" for s in ENTRY_STATUS)
                     + f"; {sum(1 for r in rows if r.review)} to review").classes("font-semibold").mark(
                "dashboard-counts")
            components = [cell.component for cell in rows[0].cells]
            columns = "minmax(10rem,1.2fr) 9rem " + " ".join("minmax(12rem,2fr)" for _ in components) + \
                      " minmax(12rem,2fr)"
            with ui.element("div").classes("dash-grid").style(f"grid-template-columns: {columns}"):
                for heading in ["Candidate", "Status", *(f"{LABELS[c].capitalize()}" + ("" if c == "scenario" else
                                                                                         " test") for c in components),
                                "For review"]:
                    ui.label(heading).classes("dash-head")
                for row in rows:
                    self._row(row)

    def _row(self, row: EntryRow) -> None:
        with ui.column().classes("dash-cell gap-0").mark(f"dash-{row.entry_id}"):
            ui.label(row.name).classes("font-semibold")
            if row.accommodations != "none":
                ui.label(row.accommodations).classes("text-sm text-gray-700")
        with ui.column().classes("dash-cell"):
            ui.badge(ENTRY_STATUS[row.status].split(" (")[0], color=ENTRY_COLOURS[row.status]).mark(
                f"dash-status-{row.entry_id}")
        for cell in row.cells:
            with ui.column().classes("dash-cell gap-1"):
                ui.label(cell.summary).classes("text-sm text-gray-700")
                for line in cell.lines:
                    with ui.row().classes("items-center gap-2"):
                        colour = "" if line.passed is None else (" text-green-900" if line.passed else " text-red-900")
                        ui.label(f"{line.label}: {line.state}").classes("font-medium" + colour).mark(
                            f"line-{line.attempt_id}")
                    with ui.row().classes("items-center gap-3 text-sm"):
                        if line.call:
                            if line.finished:
                                ui.link("call result", line.result_url, new_tab=True).mark(
                                    f"call-result-{line.attempt_id}")
                            continue
                        if line.finished:
                            ui.link("result", line.result_url, new_tab=True)
                        if line.state != "opened, not begun":
                            ui.link("replay", f"/attempts/{line.attempt_id}/replay", new_tab=True)
                        if line.finished and self.admin:
                            ui.link("report (PDF)", f"/hr/attempts/{line.attempt_id}/report.pdf").props(
                                "download").mark(f"pdf-{line.attempt_id}")
        with ui.column().classes("dash-cell gap-1").mark(f"review-{row.entry_id}"):
            if not row.review:
                ui.label("nothing").classes("text-gray-600")
            for where, reasons in row.review:
                ui.label(where).classes("text-sm font-semibold")
                for reason in reasons:  # the fact first; the explanation when the pointer rests on it
                    fact, _, why = reason.partition("; ")
                    if fact.count("(") != fact.count(")"):
                        fact, why = reason, ""
                    ui.label(f"- {fact}").classes("review text-sm").tooltip(why or fact)
