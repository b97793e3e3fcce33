"""Assembles the application: static files, HTTP routes and pages."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

from nicegui import app

from assessments import accounts
from assessments.accounts import FirstAdmin
from results.database import data_dir, session_factory
from simulator import (
    call_pages,
    capture_routes,
    cis_pages,
    home_page,
    hr_pages,
    progress_pages,
    signin_pages,
    tenkey_pages,
    typing_pages,
    verify_pages,
)
from simulator.cis_template import ensure_template

STATIC_DIR = Path(__file__).with_name("static")


def storage_secret() -> str:
    """The secret that signs browser sessions: made at first start, kept in the data directory."""
    return accounts.storage_secret(data_dir())


def ensure_first_admin(announce: Callable[[str], None] = print) -> FirstAdmin | None:
    """At first start, make the first administrator (CSR_SIM_ADMIN_USER / CSR_SIM_ADMIN_PASSWORD);
    a generated password is announced once and kept nowhere else."""
    with session_factory()() as session:
        first = accounts.ensure_admin(session)
    if first is not None:
        if first.generated_password:
            announce(f"First start: made the HR administrator account {first.username!r} with the password "
                     f"{first.generated_password}\n  It is shown only now. Sign in at /signin, then change it: click your "
                     "name in the header.")
        else:
            announce(f"First start: made the HR administrator account {first.username!r} with the password "
                     f"from {accounts.ADMIN_PASSWORD_ENV}.")
    return first


def _register_exam_taking() -> None:
    """The candidate's exam pages, the practice portal, HR's keystroke replay and the station check."""
    from simulator import exam_pages, exam_station_page, practice_portal, replay_pages

    exam_pages.register()
    practice_portal.register()
    replay_pages.register()
    exam_station_page.register()


def _register_voice() -> None:
    """The caller's voice clips (/voice/...), when the voice module is there."""
    try:
        from simulator import voice
    except ImportError:
        return
    register = getattr(voice, "register", None)
    if register is not None:
        register()


def build_app() -> None:
    """Register everything on NiceGUI's app (called once per process, and per UI test)."""
    session_factory()  # open and migrate the database before the first request
    app.add_static_files("/static", STATIC_DIR)
    capture_routes.register()
    home_page.register()
    typing_pages.register()
    tenkey_pages.register()
    cis_pages.register()
    call_pages.register()
    progress_pages.register()
    signin_pages.register()
    verify_pages.register()
    hr_pages.register()
    _register_exam_taking()
    _register_voice()
    app.on_startup(ensure_first_admin)  # no-op once an administrator exists
    if os.environ.get("CSR_SIM_SEED_ON_START", "1") != "0":
        app.on_startup(ensure_template)  # the practice CIS is prepared in the background
