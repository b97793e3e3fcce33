"""The practice portal: typing and 10-key practice for anyone, no sign-in, with the last results
this browser took listed (kept in the browser's own session cookie, never on an account)."""

from __future__ import annotations

from datetime import datetime

from nicegui import app, ui
from nicegui.persistence import ReadOnlyDict

from results.finishing import RESULT_PAGES
from simulator.frame import frame
from simulator.setup_form import HISTORY_KEY, practice_history
from skills_tests.passages import get_passage
from skills_tests.tenkey_items import get_drill_batch, get_item_set

TESTS = {"typing": "Typing", "tenkey": "10-key", "drill": "Adding-machine drill"}
PRACTICE = (
    ("Typing practice", "Copy a printed utility letter for 1, 3 or 5 minutes. You see your speed as you type, "
     "then every error and where you slowed down.", "/typing", "practice-typing"),
    ("10-key practice", "Key payment amounts and account numbers on the numeric keypad. You see your keystrokes "
     "per hour as you go, then every wrong entry.", "/tenkey", "practice-tenkey"),
    ("Adding-machine drill", "Balance a batch of payments against its control total, as at the end of a shift.",
     "/tenkey/drill", "practice-drill"),
)


def form_title(test: str, form_id: str) -> str:
    try:
        if test == "typing":
            return get_passage(form_id).title
        if test == "drill":
            return get_drill_batch(form_id).title
        return get_item_set(form_id).title
    except KeyError:
        return form_id


def history_rows(history: list[dict]) -> list[dict]:
    """The browser's history as table rows, newest first (unfinished tests say so)."""
    rows = []
    for item in history:
        try:
            when = datetime.fromisoformat(item.get("d", "")).strftime("%d %b %Y %H:%M")
        except ValueError:
            when = "-"
        test = item.get("k", "")
        finished = "n" in item
        accuracy = item.get("a")
        rows.append({
            "id": item["i"], "when": when, "test": f"{TESTS.get(test, test)}: {form_title(test, item.get('f', ''))}",
            "net": f"{item['n']:,.1f} {item.get('u', '')}".strip() if finished else "not finished",
            "accuracy": f"{accuracy:.1f} %" if finished and accuracy is not None else "-",
            "url": RESULT_PAGES.get(test, "/").format(id=item["i"]) if finished else "",
        })
    return rows


def register() -> None:
    @ui.page("/practice")
    def practice_portal(clear: str = "") -> None:
        if clear == "yes":
            try:
                storage = app.storage.browser
                if not isinstance(storage, ReadOnlyDict):
                    storage.pop(HISTORY_KEY, None)
            except RuntimeError:
                pass
        with frame("Practice tests"):
            ui.label("Practise as often as you like: no sign-in and no access code. Each test shows your result at "
                     "the end. Your last results are listed below; they are kept in this browser only.").classes(
                "text-gray-700")
            with ui.grid(columns=3).classes("w-full gap-4"):
                for title, purpose, target, marker in PRACTICE:
                    with ui.card().classes("w-full p-4 gap-2").mark(marker):
                        ui.label(title).classes("text-lg font-semibold")
                        ui.label(purpose)
                        ui.button(f"Start {title.lower()}", on_click=lambda t=target: ui.navigate.to(t)).props(
                            "unelevated")
            ui.label("Your recent results").classes("text-xl font-semibold mt-4")
            rows = history_rows(practice_history())
            if not rows:
                ui.label("No results yet in this browser. Take a test above: it will be listed here.").mark(
                    "no-history")
            else:
                columns = [{"name": k, "label": label, "field": k, "align": "left"} for k, label in (
                    ("when", "Date (UTC)"), ("test", "Test"), ("net", "Net rate"), ("accuracy", "Accuracy"))]
                table = ui.table(columns=columns, rows=rows, row_key="id").classes("w-full").props(
                    "dense flat bordered").mark("practice-history")
                table.add_slot("body-cell-test", r'''
                    <q-td :props="props">
                      <a v-if="props.row.url" :href="props.row.url">{{ props.value }}</a>
                      <span v-else>{{ props.value }}</span>
                    </q-td>''')
                ui.label("Accuracy: words correct for typing, numbers keyed right for 10-key. Select a test to see "
                         "its full result.").classes("text-sm text-gray-600")
                ui.link("Clear this list", "/practice?clear=yes").classes("text-sm").mark("clear-history")
            ui.label("Taking an exam? Check in with the access code from the proctor.").classes("text-gray-700 mt-4")
            ui.link("Check in for an exam", "/exam").mark("to-exam")
