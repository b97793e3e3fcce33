"""The frame every page shares: header, navigation, readable defaults."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from nicegui import ui

APP_NAME = "CSR Training & Skills Tests"
BRAND_BLUE = "#1d4e89"  # 8.9:1 contrast with white text

NAV = (
    ("Home", "/"),
    ("Typing", "/typing"),
    ("10-key", "/tenkey"),
    ("CIS", "/cis"),
)


@contextmanager
def frame(title: str) -> Iterator[None]:
    """Lay out a page: the shared header, then the page's own content in a centred column."""
    ui.page_title(f"{title} - {APP_NAME}")
    ui.add_head_html('<link rel="stylesheet" href="/static/app.css">')
    ui.colors(primary=BRAND_BLUE)
    with ui.header().classes("app-header items-center justify-between px-6 py-2"):
        with ui.link(target="/").classes("app-brand no-underline text-white"):
            ui.label(APP_NAME).classes("text-lg font-semibold")
        with ui.row().classes("gap-4"):
            for label, target in NAV:
                ui.link(label, target).classes("text-white")
    with ui.column().classes("app-content w-full max-w-5xl mx-auto px-6 py-6 gap-4"):
        ui.label(title).classes("text-2xl font-semibold").props('role="heading" aria-level="1"')
        yield
