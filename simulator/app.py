"""Assembles the application: static files, HTTP routes and pages."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from nicegui import app

from results.database import data_dir, session_factory
from simulator import capture_routes, cis_pages, home_page, tenkey_pages, typing_pages
from simulator.cis_template import ensure_template

STATIC_DIR = Path(__file__).with_name("static")


def storage_secret() -> str:
    """The secret that signs browser sessions: made at first start, kept in the data directory."""
    path = data_dir() / "storage_secret"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(32))
        path.chmod(0o600)
    return path.read_text().strip()


def build_app() -> None:
    """Register everything on NiceGUI's app (called once per process, and per UI test)."""
    session_factory()  # open and migrate the database before the first request
    app.add_static_files("/static", STATIC_DIR)
    capture_routes.register()
    home_page.register()
    typing_pages.register()
    tenkey_pages.register()
    cis_pages.register()
    if os.environ.get("CSR_SIM_SEED_ON_START", "1") != "0":
        app.on_startup(ensure_template)  # the practice CIS is prepared in the background
