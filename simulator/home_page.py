"""The home page: each person picks what they came for."""

from __future__ import annotations

from nicegui import ui

from simulator.frame import frame

# (title, who it is for, what it does, link or None while the area is not built yet)
AREAS = (
    ("Practise typing", "Candidates and new hires",
     "Copy a printed utility letter for 1, 3 or 5 minutes and see your net words per minute.", "/typing"),
    ("Practise 10-key", "Candidates and new hires",
     "Key payment amounts and account numbers on the numeric keypad, or balance a batch of payments.", "/tenkey"),
    ("Take an exam", "Candidates with an access code",
     "Check in with the code on your slip and take the proctored typing and 10-key tests.", "/exam"),
    ("Practice CIS", "Trainees and leads",
     "Look up customers and work accounts in a practice copy of the Customer Information System.", "/cis"),
    ("Call scenarios", "Trainees and leads",
     "Take a simulated customer call and work it in the practice Customer Information System.", "/calls"),
    ("HR exams and results", "HR staff (sign in first)",
     "Run proctored typing and 10-key exams, review scores and print certificates.", "/hr"),
    ("Training progress", "Team leads",
     "Follow each new hire's call scenario scores over time.", "/progress"),
)


def register() -> None:
    @ui.page("/")
    def home() -> None:
        with frame("What would you like to do?"):
            ui.label("Choose an area. Use Tab to move between them and Enter to open one.").classes("text-gray-700")
            with ui.grid(columns=2).classes("w-full gap-4"):
                for title, audience, purpose, target in AREAS:
                    _area_card(title, audience, purpose, target)


def _area_card(title: str, audience: str, purpose: str, target: str | None) -> None:
    with ui.card().classes("w-full p-4 gap-2").mark(f"area-{title}"):
        with ui.row().classes("items-center justify-between w-full"):
            ui.label(title).classes("text-lg font-semibold")
            if target is None:
                ui.badge("Not available yet", color="grey-6").props("outline")
        ui.label(audience).classes("text-sm text-gray-600")
        ui.label(purpose)
        if target is None:
            ui.label("This area is being built and cannot be used yet.").classes("text-sm text-gray-600 italic")
        else:
            ui.button(f"Open {title.lower()}", on_click=lambda t=target: ui.navigate.to(t)).props("unelevated")
