"""End-to-end set-up: a virtual X display, the running application, a headed Chromium.

All three are started once per test session. Keys are typed with pynput, which sends X
events to the focused window, so Chromium runs headed on the Xvfb display. DISPLAY is
set when Xvfb starts, before anything imports pynput (only ``tests.e2e.keyboard`` does,
on first use).

The application runs as ``csr-sim run`` in a subprocess with a data directory of its own;
``app_server.data_dir`` / ``db`` give the tests the same SQLite database.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from tests.e2e import harness

E2E_DIR = Path(__file__).parent


def pytest_collection_modifyitems(config, items):
    for item in items:
        if Path(str(item.fspath)).is_relative_to(E2E_DIR):
            item.add_marker(pytest.mark.e2e)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    """A failed test's report shows what the application printed during the test."""
    report = yield
    server = getattr(item, "e2e_server", None)
    if report.when == "call" and report.failed and server is not None:
        output = server.output()[item.e2e_log_start:]
        report.sections.append(("application output during the test", output or "(nothing)"))
    return report


def _missing_tools() -> list[str]:
    needed = {"Xvfb": shutil.which("Xvfb"), harness.CHROMIUM: os.access(harness.CHROMIUM, os.X_OK),
              harness.CHROMEDRIVER: os.access(harness.CHROMEDRIVER, os.X_OK)}
    return [name for name, found in needed.items() if not found]


@pytest.fixture(scope="session")
def xvfb():
    missing = _missing_tools()
    if missing:
        pytest.skip(f"end-to-end tests need {', '.join(missing)} (Debian: xvfb chromium chromium-driver)")
    display = harness.Xvfb().start()
    yield display
    display.stop()


@pytest.fixture(scope="session")
def app_server(xvfb, tmp_path_factory):
    server = harness.AppServer(tmp_path_factory.mktemp("e2e-app") / "data").start()
    yield server
    output = server.output()
    status = server.stop()
    # 0 or terminated by our SIGTERM is a clean stop; anything else (or a traceback) is shown.
    if status not in (0, -15) or "Traceback" in output:
        print(f"\n--- csr-sim exited with status {status}; its output ---\n{output}")


@pytest.fixture(scope="session")
def db(app_server):
    """A session factory on the running application's database."""
    factory = app_server.session_factory()
    yield factory
    factory.kw["bind"].dispose()


@pytest.fixture(scope="session")
def browser(xvfb, app_server, tmp_path_factory):
    driver = harness.start_chromium(xvfb.name, tmp_path_factory.mktemp("chromium-profile"))
    yield driver
    driver.quit()


@pytest.fixture(autouse=True)
def _note_server_log_position(request):
    if "app_server" in request.fixturenames:
        server = request.getfixturevalue("app_server")
        request.node.e2e_server = server
        request.node.e2e_log_start = len(server.output())
