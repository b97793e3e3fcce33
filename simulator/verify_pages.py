"""Checking a score report (public, no sign-in): type its verification code, see whether it
matches the records and what they say."""

from __future__ import annotations

from dataclasses import replace

from nicegui import ui

from results.certificates import report_lines, verify_code
from results.database import session_factory
from simulator.frame import frame

NOT_COVERED = ("Accommodations", "Proctor")  # printed on the report, but not covered by the code


def register() -> None:
    @ui.page("/verify")
    def verify_page(code: str = "") -> None:
        with frame("Verify a score report"):
            ui.label("Anyone may check a score report: type the verification code printed at the bottom of the "
                     "report (for example 1234-ABCDE-FGH23). Capitals, spaces and dashes do not matter.").classes(
                "text-gray-700")
            with ui.row().classes("items-center gap-3"):
                field = ui.input("Verification code", value=code).props("outlined autofocus").classes(
                    "w-96 font-mono").mark("verify-code")
                button = ui.button("Verify").props("unelevated size=lg").mark("verify")
            result = ui.column().classes("w-full")

            def check() -> None:
                with session_factory()() as session:
                    answer = verify_code(session, field.value or "")
                result.clear()
                with result:
                    _show(answer)

            button.on_click(check)
            field.on("keydown.enter", check)
            if code:
                check()


def _show(answer) -> None:
    colour = "bg-green-50" if answer.ok else "bg-red-50"
    with ui.card().classes(f"w-full max-w-3xl p-5 gap-2 {colour}").props('role="status"').mark(
            "verify-valid" if answer.ok else "verify-invalid"):
        ui.label("Valid" if answer.ok else "Not valid").classes("text-2xl font-bold " + (
            "text-green-900" if answer.ok else "text-red-900"))
        ui.label(answer.reason).classes("text-lg").mark("verify-reason")
        if not answer.ok or answer.facts is None:
            return
        ui.label("What the records say:").classes("font-semibold mt-2")
        with ui.grid(columns="12rem 1fr").classes("w-full gap-x-4 gap-y-1"):
            for label, value in report_lines(replace(answer.facts, proctor=None, accommodations=None)):
                if label in NOT_COVERED:
                    continue
                ui.label(label).classes("text-gray-700")
                ui.label(value).mark(f"fact-{label.lower().replace(' ', '-')}")
        ui.label("The code does not cover the accommodations or the proctor printed on the report.").classes(
            "text-sm text-gray-700")
