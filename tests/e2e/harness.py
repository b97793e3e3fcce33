"""Start the pieces of an end-to-end run: an X display, the application, a real browser.

Used by the e2e tests' fixtures and by the capture-fidelity benchmark. Keys are typed
into the browser through pynput, which sends X events to whichever window has the X
input focus, so the browser must be headed and run on the same (virtual) display.

pynput chooses its X connection when it is imported: set ``DISPLAY`` (``Xvfb.start``
does) before anything imports it. Nothing here imports pynput.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
SCREEN = "1280x1024x24"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait(condition, timeout: float, what: str, interval: float = 0.1):
    deadline = time.monotonic() + timeout
    while True:
        result = condition()
        if result:
            return result
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out after {timeout:g} s waiting for {what}")
        time.sleep(interval)


# --- the X display ----------------------------------------------------------------------


@dataclass
class Xvfb:
    """A virtual X display; ``start`` also points this process's DISPLAY at it."""

    display: int | None = None
    process: subprocess.Popen | None = None
    previous_display: str | None = None
    log: object = field(default=None, repr=False)

    @property
    def name(self) -> str:
        return f":{self.display}"

    def start(self, first: int = 90, tries: int = 50) -> Xvfb:
        if shutil.which("Xvfb") is None:
            raise RuntimeError("Xvfb is not installed (Debian package xvfb)")
        self.log = tempfile.TemporaryFile()  # Xvfb's messages (xkbcomp warnings...), never a full pipe
        for number in range(first, first + tries):
            lock, socket_path = Path(f"/tmp/.X{number}-lock"), Path(f"/tmp/.X11-unix/X{number}")
            if lock.exists() or socket_path.exists():
                continue
            process = subprocess.Popen(["Xvfb", f":{number}", "-screen", "0", SCREEN, "-nolisten", "tcp"],
                                       stdout=self.log, stderr=subprocess.STDOUT)

            def ours() -> bool:  # the display is up and is this process's (not a concurrent run's)
                try:
                    return socket_path.exists() and int(lock.read_text().strip() or 0) == process.pid
                except (OSError, ValueError):
                    return False

            try:
                _wait(lambda: process.poll() is not None or ours(), 15, f"Xvfb :{number}")
            except TimeoutError:
                process.kill()
                process.wait()
                continue
            if process.poll() is not None:  # lost a race for this display number
                continue
            self.display, self.process = number, process
            self.previous_display = os.environ.get("DISPLAY")
            os.environ["DISPLAY"] = self.name
            return self
        self.log.seek(0)
        raise RuntimeError(f"no free X display between :{first} and :{first + tries - 1}; Xvfb said:\n"
                           + self.log.read().decode(errors="replace")[-2000:])

    def stop(self) -> None:
        keyboard = sys.modules.get("tests.e2e.keyboard")
        if keyboard is not None:
            keyboard.forget_controller()  # its X connection closes cleanly while the display still exists
        if self.process is not None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
            self.process = None
        if self.log is not None:
            self.log.close()
            self.log = None
        if self.previous_display is None:
            os.environ.pop("DISPLAY", None)
        else:
            os.environ["DISPLAY"] = self.previous_display


# --- the application --------------------------------------------------------------------


def csr_sim_command() -> str:
    beside_python = Path(sys.executable).with_name("csr-sim")
    if beside_python.exists():
        return str(beside_python)
    return str(REPO_ROOT / ".venv" / "bin" / "csr-sim")


@dataclass
class AppServer:
    """``csr-sim run`` in a subprocess, with a data directory (and database) of its own."""

    data_dir: Path
    port: int = 0
    process: subprocess.Popen | None = None
    log_path: Path | None = None
    _log: object = field(default=None, repr=False)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def database_url(self) -> str:
        return f"sqlite:///{self.data_dir / 'app.sqlite3'}"

    def output(self) -> str:
        if self.log_path is None or not self.log_path.exists():
            return ""
        return self.log_path.read_text(errors="replace")

    def start(self, timeout: float = 90.0) -> AppServer:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.port = self.port or free_port()
        env = {k: v for k, v in os.environ.items() if not k.startswith(("CSR_SIM_", "PYTEST_", "NICEGUI_"))}
        env.update(CSR_SIM_DATA_DIR=str(self.data_dir), PYTHONUNBUFFERED="1")
        self.log_path = self.data_dir / "server.log"
        self._log = self.log_path.open("wb")
        # Run from the data directory: NiceGUI keeps its own storage files in the working directory.
        self.process = subprocess.Popen(
            [csr_sim_command(), "run", "--host", "127.0.0.1", "--port", str(self.port)],
            cwd=self.data_dir, env=env, stdout=self._log, stderr=subprocess.STDOUT,
        )
        try:
            _wait(lambda: self.process.poll() is not None or "running on http://" in self.output(), timeout,
                  "the application to announce itself")
            _wait(lambda: self.process.poll() is not None or self._answers(), timeout, f"{self.url} to answer")
            if self.process.poll() is not None:
                raise RuntimeError(f"the application exited with status {self.process.returncode}")
        except Exception as error:
            self.stop()
            raise RuntimeError(f"the application did not start: {error}\n--- its output ---\n{self.output()}") from None
        return self

    def _answers(self) -> bool:
        try:
            with urllib.request.urlopen(self.url + "/", timeout=5) as response:
                return response.status == 200
        except (urllib.error.URLError, OSError):
            return False

    def stop(self) -> int | None:
        """Stop the server; returns its exit status (None if it was not running)."""
        status = None
        if self.process is not None:
            if self.process.poll() is None:
                self.process.terminate()
                try:
                    self.process.wait(15)
                except subprocess.TimeoutExpired:
                    self.process.kill()
                    self.process.wait()
            status = self.process.returncode
            self.process = None
        if self._log is not None:
            self._log.close()
            self._log = None
        return status

    def session_factory(self):
        """A SQLAlchemy session factory on the server's database (the server has migrated it)."""
        from sqlalchemy.orm import sessionmaker

        from results.database import make_engine

        return sessionmaker(make_engine(self.database_url), expire_on_commit=False)


# --- the browser ------------------------------------------------------------------------

CHROMIUM_ARGS = (
    "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--disable-features=Translate", "--window-position=0,0",
    "--window-size=1280,1000",
)


def start_chromium(display: str, profile_dir: Path, page_load_timeout: float = 60.0):
    """A headed Chromium on ``display``, driven by Selenium, with a fresh profile."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for arg in CHROMIUM_ARGS:
        options.add_argument(arg)
    options.add_argument(f"--user-data-dir={profile_dir}")
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})  # console messages, for diagnosis
    env = dict(os.environ, DISPLAY=display)
    service = Service(CHROMEDRIVER, env=env)
    driver = webdriver.Chrome(service=service, options=options)
    driver.set_page_load_timeout(page_load_timeout)
    driver.set_script_timeout(30)
    return driver


# --- the typing test in the browser -------------------------------------------------------


def wait_until(driver, condition, timeout: float = 30.0, what: str = "the page"):
    from selenium.webdriver.support.ui import WebDriverWait

    return WebDriverWait(driver, timeout, poll_frequency=0.1).until(condition, f"waiting for {what}")


def start_typing_test(driver, base_url: str, passage: str, minutes: int = 1, name: str = "Ana Ruiz",
                      mode: str = "practice") -> str:
    """Fill in the set-up form, start, wait until the page is ready to type; returns the attempt id."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    driver.get(f"{base_url}/typing?passage={passage}&minutes={minutes}&mode={mode}")
    name_box = wait_until(
        driver, lambda d: d.find_element(By.XPATH, "//label[.//*[normalize-space()='Your name']]//input"),
        what="the name box")
    name_box.send_keys(Keys.CONTROL, "a")
    name_box.send_keys(name)
    driver.find_element(By.XPATH, "//button[.//*[normalize-space()='Start the test']]").click()
    wait_until(driver, lambda d: "/typing/attempt/" in d.current_url, 60, "the test page")
    wait_until(driver, lambda d: d.execute_script(
        "const s = document.querySelector('.typing-status');"
        "const a = document.querySelector('textarea.typing-area');"
        "return !!(s && a && a.dataset.captureStarted && !a.readOnly && s.textContent.startsWith('Ready'));"),
        60, "the typing area to be ready")
    return driver.current_url.rstrip("/").rsplit("/", 1)[-1]


def focus_typing_area(driver) -> None:
    """Click into the typing area so that the browser window (and the area) has the keyboard."""
    from selenium.webdriver.common.by import By

    area = driver.find_element(By.CSS_SELECTOR, "textarea.typing-area")
    area.click()
    wait_until(driver, lambda d: d.execute_script(
        "return document.hasFocus() && document.activeElement === document.querySelector('textarea.typing-area');"),
        10, "the typing area to have the focus")


def typing_area_text(driver) -> str:
    return driver.execute_script("return document.querySelector('textarea.typing-area').value;")


def wait_for_text(driver, expected: str, timeout: float = 10.0) -> None:
    """Wait until the typing area holds ``expected`` (the browser may still be handling the last keys)."""
    try:
        wait_until(driver, lambda d: typing_area_text(d) == expected, timeout, "the typed text")
    except Exception:
        raise AssertionError(f"the typing area holds {typing_area_text(driver)!r}, expected {expected!r}") from None


def status_text(driver) -> str:
    return driver.execute_script("return document.querySelector('.typing-status').textContent;")


def wait_for_result_page(driver, attempt_id: str, timeout: float = 60.0) -> None:
    from selenium.webdriver.common.by import By

    wait_until(driver, lambda d: f"/typing/result/{attempt_id}" in d.current_url, timeout, "the result page")
    wait_until(driver, lambda d: d.find_elements(By.CSS_SELECTOR, ".figure-value"), timeout, "the result figures")


def stored_keyboard_events(factory, attempt_id: str) -> list[dict]:
    """Every event the server stored for an attempt, in order, as the page sent it."""
    from results.models import Attempt

    with factory() as session:
        attempt = session.get(Attempt, attempt_id)
        return [event for batch in attempt.batches for event in json.loads(batch.events_json)]


class Stack:
    """Xvfb + application + Chromium, started together and stopped in reverse order."""

    def __init__(self, workdir: Path | None = None) -> None:
        self._own_workdir = workdir is None
        self.workdir = Path(workdir or tempfile.mkdtemp(prefix="csr-sim-e2e-"))
        self.xvfb: Xvfb | None = None
        self.server: AppServer | None = None
        self.driver = None

    def __enter__(self) -> Stack:
        try:
            self.xvfb = Xvfb().start()
            self.server = AppServer(self.workdir / "data").start()
            self.driver = start_chromium(self.xvfb.name, self.workdir / "chromium-profile")
        except BaseException:
            self.__exit__(None, None, None)
            raise
        return self

    def __exit__(self, *_exc) -> None:
        if self.driver is not None:
            try:
                self.driver.quit()
            finally:
                self.driver = None
        if self.server is not None:
            self.server.stop()
        if self.xvfb is not None:
            self.xvfb.stop()
        if self._own_workdir:
            shutil.rmtree(self.workdir, ignore_errors=True)
