"""Running a station check on a workstation: open the check page, type a known sequence through
the X server, and have ``assessments.station_checks`` compare what arrived with what was sent.

The keys are pressed with pynput through the X server's XTEST extension, as a hardware keyboard
would send them (``simulator.key_sender``): letters at a set pace, then the digits, the decimal
point and Enter on the numeric keypad. The browser is the station's Chromium, driven with
Selenium (as the end-to-end tests do), or, with ``manual``, whatever browser the person running
the check opens the page in and clicks into.

Runs in the station's desktop session (DISPLAY), against the running application (``base_url``),
with the same records (CSR_SIM_DATA_DIR / CSR_SIM_DATABASE_URL).
"""

from __future__ import annotations

import os
import shutil
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.orm import Session, sessionmaker

from assessments.accounts import find_user
from assessments.errors import NotFound
from assessments.exams import get_session
from assessments.station_checks import (
    SentKey,
    StationCheck,
    abandon_check,
    begin_check,
    finish_check,
    received_keydowns,
)

LETTERS = "the quick brown fox jumps over the lazy dog"
KEYPAD_KEYS = "7894561230.\n"
LETTER_INTERVAL_S = 0.100
KEYPAD_INTERVAL_S = 0.120
FAULTS = ("drop-keys", "top-row-digits")  # make the check fail on purpose, to see that it can
DROP_EVERY = 9  # drop-keys: every ninth letter is claimed but never pressed
NUMLOCK_PROBE = "5"  # keypad 5 reads "5" with NumLock on, "Clear" with it off
CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
READY_TIMEOUT_S = 60.0
MANUAL_READY_TIMEOUT_S = 300.0


class StationCheckError(Exception):
    """The check could not be run (not: the station failed it); the message says what to do."""


@dataclass(frozen=True)
class Outcome:
    check_id: int
    station: str
    passed: bool
    reason: str
    figures: dict
    numlock_turned_on: bool


def server_answers(base_url: str, timeout: float = 5.0) -> bool:
    try:
        with urllib.request.urlopen(base_url.rstrip("/") + "/", timeout=timeout) as response:
            return response.status == 200
    except (urllib.error.URLError, OSError, ValueError):
        return False


def wait_until(condition: Callable[[], object], timeout: float, what: str, interval: float = 0.1,
               error: type[Exception] = StationCheckError):
    """Poll ``condition`` until it gives something true; ``error`` after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        result = condition()
        if result:
            return result
        if time.monotonic() > deadline:
            raise error(f"timed out after {timeout:g} s waiting for {what}")
        time.sleep(interval)


_wait = wait_until


def _read(factory: sessionmaker[Session], check_id: int) -> StationCheck:
    with factory() as session:
        return session.get(StationCheck, check_id)


def _wait_for_keys(factory: sessionmaker[Session], check_id: int, expected: int, first_event: int = 0,
                   settle_s: float = 2.0, timeout: float = 20.0) -> list[dict]:
    """Until ``expected`` keydowns arrived (from ``first_event`` on), or nothing more arrived for
    ``settle_s`` (keys were lost)."""
    deadline = time.monotonic() + timeout
    last_count, last_change = -1, time.monotonic()
    while True:
        events = _read(factory, check_id).received
        count = len(received_keydowns(events[first_event:]))
        if count >= expected:
            time.sleep(0.3)  # the keyups of the last keys
            return _read(factory, check_id).received
        now = time.monotonic()
        if count != last_count:
            last_count, last_change = count, now
        elif now - last_change >= settle_s or now > deadline:
            return events
        time.sleep(0.1)


def _probe_numlock(factory: sessionmaker[Session], check_id: int) -> bool:
    """Press keypad 5 and see what the page got: "5" with NumLock on, "Clear" with it off."""
    from simulator import key_sender

    before = len(_read(factory, check_id).received)
    key_sender.tap(key_sender.keypad_key(NUMLOCK_PROBE))
    downs = _wait(lambda: [e for e in _read(factory, check_id).received[before:] if e["type"] == "down"
                           and e["code"] == "Numpad5"], 10, "the NumLock probe key to reach the page")
    return downs[-1]["key"] == NUMLOCK_PROBE


def _numlock_on(factory: sessionmaker[Session], check_id: int, say: Callable[[str], None]) -> tuple[bool, int]:
    """Make sure NumLock is on, as a candidate's station must have it; returns whether it had to be
    turned on, and how many events the page received before the sequence (the probes)."""
    from simulator import key_sender

    turned_on = False
    if not _probe_numlock(factory, check_id):
        say("NumLock is off: turning it on.")
        key_sender.toggle_numlock()
        turned_on = True
        if not _probe_numlock(factory, check_id):
            raise StationCheckError("NumLock stays off after pressing it: check the keyboard's NumLock key")
    time.sleep(0.4)  # the probe's keyup
    return turned_on, len(_read(factory, check_id).received)


def _type(text: str, interval_s: float, *, keypad: bool, drop_every: int | None = None) -> list[SentKey]:
    """Press ``text`` through the X server, one key every ``interval_s``; with ``drop_every``, leave
    out every n-th key but list it as sent (a keyboard that loses keys)."""
    from simulator import key_sender

    if drop_every is None:
        return [SentKey(p.key, p.at, keypad) for p in key_sender.type_keys(text, interval_s, keypad=keypad)]
    sent: list[SentKey] = []
    start = time.perf_counter() + 0.05
    segment_start = 0
    for i in range(len(text) + 1):
        dropped = i < len(text) and (i + 1) % drop_every == 0
        if i < len(text) and not dropped:
            continue
        if i > segment_start:  # the keys since the last dropped one, on the same schedule
            presses = key_sender.type_keys(text[segment_start:i], interval_s, start=start + segment_start * interval_s,
                                           keypad=keypad)
            sent.extend(SentKey(p.key, p.at, keypad) for p in presses)
        if dropped:
            due = start + i * interval_s
            key_sender.wait_until(due)
            sent.append(SentKey(key_sender.dom_key(text[i], keypad), due, keypad))
        segment_start = i + 1
    return sent


def _start_browser(display: str, profile_dir: Path):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for arg in ("--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--disable-features=Translate", "--window-position=0,0", "--window-size=1200,900",
                f"--user-data-dir={profile_dir}"):
        options.add_argument(arg)
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER, env=dict(os.environ, DISPLAY=display)), options=options)
    driver.set_page_load_timeout(60)
    return driver


def _open_page(driver, url: str) -> None:
    """Load the check page and put the keyboard in its entry box."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    driver.get(url)

    def loaded(d):
        return d.execute_script(
            "if (document.querySelector('textarea[data-station-started]')) return 'ready';"
            "const bad = [...document.querySelectorAll('div')].some((e) => e.textContent.includes("
            "'This station check link is not valid') && e.children.length === 0); return bad ? 'invalid' : '';")

    state = WebDriverWait(driver, READY_TIMEOUT_S, 0.1).until(loaded, "the station check page")
    if state == "invalid":
        raise StationCheckError("the application at this address does not know this check: it keeps its records "
                                "elsewhere. Run the command with the same CSR_SIM_DATA_DIR (or "
                                "CSR_SIM_DATABASE_URL) as the application.")
    driver.find_element(By.CSS_SELECTOR, "textarea[data-station-started]").click()
    WebDriverWait(driver, 10, 0.1).until(lambda d: d.execute_script(
        "return document.hasFocus() && document.activeElement === document.querySelector('textarea');"),
        "the check page's box to have the keyboard")


def run_station_check(factory: sessionmaker[Session], exam_session_id: int, station: str, username: str,
                      base_url: str, *, manual: bool = False, fault: str | None = None,
                      say: Callable[[str], None] = print) -> Outcome:
    """Check this workstation for an exam session and record the outcome on it."""
    display = os.environ.get("DISPLAY")
    if not display:
        raise StationCheckError("DISPLAY is not set: run the check in the workstation's desktop session, where "
                                "the keys can be typed through the X server")
    if fault is not None and fault not in FAULTS:
        raise StationCheckError(f"--simulate must be one of {', '.join(FAULTS)}, not {fault!r}")
    base_url = base_url.rstrip("/")
    with factory() as session:
        actor = find_user(session, username)
        if actor is None or not actor.active or actor.role not in ("admin", "lead"):
            raise StationCheckError(f"{username!r} is not an active HR administrator or lead: give one with --by")
        try:
            get_session(session, exam_session_id)
        except NotFound:
            raise StationCheckError(f"there is no exam session {exam_session_id}") from None
    if not server_answers(base_url):
        raise StationCheckError(f"the application does not answer at {base_url}: start it (make run) or give "
                                "its address with --url")
    with factory() as session:
        check = begin_check(session, actor, exam_session_id, station)
    url = f"{base_url}/station-check/{check.id}?token={check.token}"

    driver, profile_dir = None, None
    try:
        if manual:
            say(f"Open {url} in this workstation's browser and click in the box. Then keep your hands off the "
                "keyboard: the check types by itself.")
            _wait(lambda: _read(factory, check.id).page_ready_at, MANUAL_READY_TIMEOUT_S, "the check page to be "
                  "opened and clicked into")
        else:
            from selenium.common.exceptions import WebDriverException

            profile_dir = Path(tempfile.mkdtemp(prefix="csr-sim-station-"))
            try:
                driver = _start_browser(display, profile_dir)
                _open_page(driver, url)
            except WebDriverException as error:  # includes the waits' TimeoutException
                raise StationCheckError(f"the check page could not be opened and clicked into in Chromium "
                                        f"({(error.msg or type(error).__name__).splitlines()[0]})") from None
            _wait(lambda: _read(factory, check.id).page_ready_at, 10, "the check page to report that it is ready")
        time.sleep(0.5)

        numlock_turned_on, first_event = _numlock_on(factory, check.id, say)
        say(f"Typing {len(LETTERS)} letters, {LETTER_INTERVAL_S * 1000:g} ms apart...")
        sent = _type(LETTERS, LETTER_INTERVAL_S, keypad=False,
                     drop_every=DROP_EVERY if fault == "drop-keys" else None)
        _wait_for_keys(factory, check.id, len(sent), first_event)
        say(f"Typing {len(KEYPAD_KEYS)} keys on the numeric keypad, {KEYPAD_INTERVAL_S * 1000:g} ms apart...")
        if fault == "top-row-digits":
            sent += [SentKey(s.key, s.at, keypad=True) for s in _type(KEYPAD_KEYS, KEYPAD_INTERVAL_S, keypad=False)]
        else:
            sent += _type(KEYPAD_KEYS, KEYPAD_INTERVAL_S, keypad=True)
        _wait_for_keys(factory, check.id, len(sent), first_event)

        with factory() as session:
            finished = finish_check(session, session.merge(actor), check.id, sent, first_event=first_event)
        outcome = Outcome(finished.id, finished.station, finished.status == "passed", finished.reason,
                          finished.figures, numlock_turned_on)
        if driver is not None:
            try:  # let the page show the outcome for a moment
                time.sleep(0.8)
            except KeyboardInterrupt:
                pass
        return outcome
    except (StationCheckError, KeyboardInterrupt) as error:
        with factory() as session:
            abandon_check(session, session.merge(actor), check.id, str(error) or "stopped by the operator")
        raise
    finally:
        if driver is not None:
            driver.quit()
        if profile_dir is not None:
            shutil.rmtree(profile_dir, ignore_errors=True)


def describe(outcome: Outcome) -> list[str]:
    """The outcome in a few lines for the person at the station."""
    f = outcome.figures
    errors = f.get("interval_abs_error_ms") or {}
    lines = [f"Station {outcome.station}: {'PASSED' if outcome.passed else 'FAILED'} (check {outcome.check_id})"]
    lines.append(f"  keys: {f.get('keys_sent')} sent, {f.get('keydowns_received')} received, {f.get('lost')} lost, "
                 f"{f.get('extra')} extra")
    if errors:
        lines.append(f"  interval error |received - sent|: p50 {errors['p50']:.3f} ms, p95 {errors['p95']:.3f} ms, "
                     f"p99 {errors['p99']:.3f} ms, max {errors['max']:.3f} ms (p99 at most {f.get('max_p99_ms')} ms)")
    lines.append(f"  numeric keypad: {f.get('keypad_keys_on_keypad')} of {f.get('keypad_keys_sent')} keys reported "
                 "as keypad keys (location 3)")
    if outcome.numlock_turned_on:
        lines.append("  NumLock was off; the check turned it on.")
    if not outcome.passed:
        lines.append(f"  why: {outcome.reason}")
    return lines
