"""A two-candidate exam session in real Chromium under Xvfb.

HR sets up a profile and a session with two candidates through the service layer and issues
their access codes; two separate browsers (each with its own profile, as two workstations)
check in with their codes, each types a short typing test through pynput as a person would,
and each lands back on their check-in with the exam done. The results are on the session,
each candidate reached only their own attempt, and a browser cannot post keys to the other's.

The helpers here are used by ``test_crash_mid_test.py`` too.
"""

from __future__ import annotations

import json
import time
from datetime import date

import pytest
from sqlalchemy import select

from assessments import accounts, codes, exams, roster
from assessments.models import ComponentAttempt, RosterEntry
from results.models import Attempt
from tests.e2e import harness, keyboard

PASSAGE_START = "Alder Springs Public Utilities, Customer Service"


def make_exam(factory, data_dir, names: list[str], *, duration_s: int = 60, name: str = "CSR I typing exam",
              **candidate) -> tuple[int, list[tuple[int, str]]]:
    """HR's side, through the services: a profile, an open session, candidates and their codes."""
    secret = accounts.storage_secret(data_dir)
    with factory() as session:
        admin = accounts.find_user(session, "admin")  # the first administrator, made at the first start
        profile = exams.create_profile(session, admin, {"name": name, "components": [
            {"component": "typing", "duration_s": duration_s, "form_id": "exam-form-a"}]})
        exam_session = exams.create_session(session, admin, profile.id, date.today(), "Training room B", admin.id)
        exams.open_session(session, admin, exam_session.id)
        entries = [roster.add_candidate(session, admin, exam_session.id, {"name": n, **candidate}) for n in names]
        issued = [codes.issue_code(session, admin, e.id, secret=secret) for e in entries]
        return exam_session.id, [(i.entry_id, i.code) for i in issued]


def check_in(driver, base_url: str, code: str, name: str) -> None:
    """The candidate types their code on /exam and lands on their check-in."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    driver.get(f"{base_url}/exam")
    box = harness.wait_until(driver, lambda d: d.find_element(By.XPATH, "//label[.//*[normalize-space()="
                                                                         "'Access code']]//input"), what="the code box")
    box.send_keys(code.lower(), Keys.ENTER)
    harness.wait_until(driver, lambda d: harness.labels_containing(d, f"Welcome, {name}"), 30, "the check-in")


def start_typing(driver) -> str:
    """Press "Start the typing test" and wait until the test page is ready; returns the attempt id."""
    from selenium.webdriver.common.by import By

    driver.find_element(By.XPATH, "//button[.//*[normalize-space()='Start the typing test' or "
                                  "normalize-space()='Continue the typing test']]").click()
    harness.wait_until(driver, lambda d: "/exam/test/" in d.current_url, 60, "the exam test page")
    wait_ready(driver)
    return driver.current_url.rstrip("/").rsplit("/", 1)[-1]


def wait_ready(driver, prefix: str = "Ready") -> None:
    harness.wait_until(driver, lambda d: d.execute_script(
        "const s = document.querySelector('.typing-status'); const a = document.querySelector('textarea.typing-area');"
        "return !!(s && a && a.dataset.captureStarted && !a.readOnly && s.textContent.startsWith(arguments[0]));",
        prefix), 60, "the entry area to be ready")


def take_keyboard(driver) -> None:
    """Bring this browser's window forward and put the keyboard in its typing area (X input focus)."""
    driver.switch_to.window(driver.current_window_handle)
    harness.focus_typing_area(driver)


def type_into(driver, text: str, interval_s: float = 0.09) -> list[keyboard.Press]:
    take_keyboard(driver)
    return keyboard.type_keys(text, interval_s)


def finish_and_return(driver, attempt_id: str) -> None:
    """Ctrl+Enter ends the test; the page goes back to the check-in, which says it is saved."""
    take_keyboard(driver)
    keyboard.ctrl_enter()
    harness.wait_until(driver, lambda d: f"/exam?saved={attempt_id}" in d.current_url, 60, "the check-in")
    harness.wait_until(driver, lambda d: harness.labels_containing(d, "Your typing test is saved"), 30,
                       "the saved note")


@pytest.fixture
def two_browsers(xvfb, app_server, tmp_path):
    drivers = []
    try:
        for n in range(2):
            drivers.append(harness.start_chromium(xvfb.name, tmp_path / f"station-{n}"))
        yield drivers
    finally:
        for driver in drivers:
            driver.quit()


def test_two_candidates_each_take_their_own_typing_test(app_server, db, two_browsers):
    names = ["Ana Ruiz", "Chidi Okafor"]
    session_id, issued = make_exam(db, app_server.data_dir, names, name="Two-candidate typing exam")
    texts = [PASSAGE_START[:30], PASSAGE_START[:22]]
    attempts = []
    for driver, (entry_id, code), name in zip(two_browsers, issued, names):
        check_in(driver, app_server.url, code, name)
        attempts.append(start_typing(driver))
    assert attempts[0] != attempts[1]

    for driver, attempt_id, text in zip(two_browsers, attempts, texts):
        presses = type_into(driver, text)
        harness.wait_for_text(driver, text)
        downs = [e for e in harness.wait_for_stored_keydowns(driver, db, attempt_id, len(presses))
                 if e["type"] == "down"]
        assert [e["key"] for e in downs] == [p.key for p in presses]  # Shift presses included
        finish_and_return(driver, attempt_id)
        harness.wait_until(driver, lambda d: harness.labels_containing(d, "Please tell the proctor"), 30,
                           "the done note")

    with db() as session:
        for (entry_id, _code), attempt_id, text in zip(issued, attempts, texts):
            entry = session.get(RosterEntry, entry_id)
            links = session.scalars(select(ComponentAttempt).where(ComponentAttempt.roster_entry_id == entry_id)).all()
            assert [link.attempt_id for link in links] == [attempt_id]  # the result is on this candidate's entry
            attempt = session.get(Attempt, attempt_id)
            assert (attempt.status, attempt.mode, attempt.person_id) == ("finished", "exam", entry.person_id)
            assert attempt.scores[0].typed_text == text
            assert entry.status == "done" and entry.session_id == session_id
        assert session.get(RosterEntry, issued[0][0]).person_id != session.get(RosterEntry, issued[1][0]).person_id

    # Each browser reaches only its own attempt: the other's test page and its keystroke route refuse.
    first, second = two_browsers
    first.get(f"{app_server.url}/exam/test/{attempts[1]}")
    harness.wait_until(first, lambda d: harness.labels_containing(d, "This test belongs to another candidate."), 30,
                       "the refusal")
    status = first.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "fetch(`/api/attempts/${arguments[0]}/keystrokes`, {method: 'POST', headers: {'Content-Type': "
        "'application/json'}, body: JSON.stringify({token: 'x', seq: 9, events: [], text: ''})})"
        ".then((r) => done(r.status));", attempts[1])
    assert status == 403
    second.get(f"{app_server.url}/typing/result/{attempts[1]}")  # the candidate is not shown the score
    harness.wait_until(second, lambda d: harness.labels_containing(d, "Its result goes to HR"), 30, "the note")


def test_a_code_typed_wrong_then_right_checks_in(app_server, db, browser):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    _session_id, [(entry_id, code)] = make_exam(db, app_server.data_dir, ["Bo Chen"], name="Code typing exam")
    browser.get(f"{app_server.url}/exam/leave?confirm=yes")  # this shared browser may be checked in from before
    browser.get(f"{app_server.url}/exam")
    box = harness.wait_until(browser, lambda d: d.find_element(By.XPATH, "//label[.//*[normalize-space()="
                                                                          "'Access code']]//input"), what="the box")
    box.send_keys("ABCD-2345", Keys.ENTER)
    harness.wait_until(browser, lambda d: harness.labels_containing(d, "That code is not right"), 30, "the message")
    time.sleep(0.3)
    box.send_keys(Keys.CONTROL, "a")
    box.send_keys(code, Keys.ENTER)
    harness.wait_until(browser, lambda d: harness.labels_containing(d, "Welcome, Bo Chen"), 30, "the check-in")
    with db() as session:
        assert session.get(RosterEntry, entry_id).status == "checked_in"
    assert json.loads(browser.execute_script("return JSON.stringify(document.title)")).startswith("Welcome, Bo Chen")
