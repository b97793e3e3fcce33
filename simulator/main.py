"""The NiceGUI entry point (also the main file of the UI tests)."""

from nicegui import ui

from simulator.app import build_app, storage_secret
from simulator.frame import APP_NAME

build_app()

if __name__ in {"__main__", "__mp_main__"}:
    ui.run(title=APP_NAME, storage_secret=storage_secret(), reload=False, show=False)
