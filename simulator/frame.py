"""The frame every page shares: header, navigation, readable defaults."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from nicegui import ui

APP_NAME = "CSR Training & Skills Tests"
BRAND_BLUE = "#1d4e89"  # 8.9:1 contrast with white text

TRAINING = ("candidate", "lead", "admin")
STAFF = ("lead", "admin")
# (label, target, roles that see it; None: everyone, signed in or not)
NAV = (
    ("Home", "/", None),
    ("Typing", "/typing", None),
    ("10-key", "/tenkey", None),
    ("Exam", "/exam", None),
    ("CIS", "/cis", TRAINING),
    ("Calls", "/calls", TRAINING),
    ("Progress", "/progress", STAFF),
    ("Exam sessions", "/hr/sessions", STAFF),
    ("HR", "/hr", ("admin",)),
)


@contextmanager
def frame(title: str, *, wide: bool = False) -> Iterator[None]:
    """Lay out a page: the shared header, then the page's own content in a centred column
    (``wide``: nearly the whole window, for screens with panels side by side)."""
    ui.page_title(f"{title} - {APP_NAME}")
    ui.add_head_html('<link rel="stylesheet" href="/static/app.css">')
    ui.colors(primary=BRAND_BLUE)
    with ui.header().classes("app-header items-center justify-between px-6 py-2"):
        with ui.link(target="/").classes("app-brand no-underline text-white"):
            ui.label(APP_NAME).classes("text-lg font-semibold")
        from simulator.auth import ROLE_NAMES, current_user

        user = current_user()
        with ui.row().classes("gap-4 items-center"):
            for label, target, roles in NAV:
                if roles is None or (user is not None and user.role in roles):
                    ui.link(label, target).classes("text-white")
            if user is None:
                ui.link("Sign in", "/signin").classes("text-white font-semibold").mark("nav-signin")
            else:
                with ui.link(target="/account/password").classes("text-white no-underline").props(
                        'title="Change your password"').mark("nav-user"):
                    ui.label(f"{user.username} ({ROLE_NAMES[user.role]})").classes("text-sm opacity-90")
                ui.link("Sign out", "/signout").classes("text-white font-semibold").mark("nav-signout")
    width = "max-w-screen-2xl" if wide else "max-w-5xl"
    with ui.column().classes(f"app-content w-full {width} mx-auto px-6 py-6 gap-4"):
        ui.label(title).classes("text-2xl font-semibold").props('role="heading" aria-level="1"')
        yield
