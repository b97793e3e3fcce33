"""The server dies in the middle of an exam test: nothing acknowledged is lost, HR sees the test as
interrupted and lets it resume, and the candidate continues the same attempt.

The real server process is started on a data directory of its own, a candidate checks in and
types part of a typing test through pynput in real Chromium; once the page's batches are
acknowledged, the server is killed with SIGKILL (no shutdown of any kind) and started again on
the same data directory and port. Then:

- every keystroke the server had acknowledged is stored, as it was;
- the attempt is in progress and listed as interrupted for HR (``interruptions.list_interrupted``,
  as HR's decisions page asks it; looked at three minutes on, past the two idle minutes);
- the candidate's reloaded page says the test stopped and waits for HR;
- HR decides "resume": the page continues the same attempt with its text and its timer, the
  candidate types on and finishes, and the score is of everything typed, before and after.
"""

from __future__ import annotations

import json
import signal
import time
from datetime import timedelta

import pytest
from sqlalchemy import select

from assessments import accounts, interruptions
from assessments.models import ComponentAttempt
from results.models import Attempt, KeystrokeBatch, utcnow
from tests.e2e import harness
from tests.e2e.test_exam_session_e2e import (
    PASSAGE_START,
    check_in,
    finish_and_return,
    make_exam,
    start_typing,
    type_into,
    wait_ready,
)


@pytest.fixture
def own_server(xvfb, tmp_path):
    """A server this test may kill: its own data directory, restarted on the same port."""
    server = harness.AppServer(tmp_path / "data").start()
    yield server
    server.stop()


@pytest.fixture
def candidate_browser(xvfb, own_server, tmp_path):
    driver = harness.start_chromium(xvfb.name, tmp_path / "candidate-profile")
    yield driver
    driver.quit()


def test_a_killed_server_loses_no_acknowledged_keystroke_and_the_test_resumes(xvfb, own_server, candidate_browser):
    server, driver = own_server, candidate_browser
    factory = server.session_factory()
    # 5 minutes: the page's clock must not run out while the server is down.
    session_id, [(entry_id, code)] = make_exam(factory, server.data_dir, ["Ana Ruiz"], duration_s=300)
    check_in(driver, server.url, code, "Ana Ruiz")
    attempt_id = start_typing(driver)

    before_text = PASSAGE_START[:24]
    presses = type_into(driver, before_text)
    harness.wait_for_text(driver, before_text)
    acknowledged = harness.wait_for_stored_keydowns(driver, factory, attempt_id, len(presses))
    # Every batch the page sent is acknowledged: its queue is empty once the last one was stored.
    harness.wait_until(driver, lambda d: len(harness.stored_keyboard_events(factory, attempt_id))
                       == len(acknowledged), 5, "no further batches")
    acknowledged = harness.stored_keyboard_events(factory, attempt_id)
    factory.kw["bind"].dispose()

    # SIGKILL: no shutdown handler, no flush, nothing.
    server.process.send_signal(signal.SIGKILL)
    assert server.process.wait(10) == -signal.SIGKILL
    server.process = None
    server.stop()
    port = server.port
    restarted = harness.AppServer(server.data_dir, port=port).start()
    try:
        factory = restarted.session_factory()
        stored = harness.stored_keyboard_events(factory, attempt_id)
        assert stored[:len(acknowledged)] == acknowledged  # every acknowledged keystroke, exactly as it was
        assert [e["key"] for e in stored if e["type"] == "down"][:len(presses)] == [p.key for p in presses]

        # The candidate's page reconnects to a server that does not know it, reloads, and waits for HR.
        harness.wait_until(driver, lambda d: harness.labels_containing(d, "Your test stopped"), 60,
                           "the stopped-test screen")
        # HR sees a test as interrupted only after minutes without a sign of life; here HR decides at
        # once, so first let the reloading page's last beacon (its "page hidden" note) arrive.
        settled = {"count": -1, "since": time.monotonic()}

        def nothing_new_for_2_s(_driver) -> bool:
            count = len(harness.stored_keyboard_events(factory, attempt_id)) + _batch_count(factory, attempt_id)
            if count != settled["count"]:
                settled.update(count=count, since=time.monotonic())
            return time.monotonic() - settled["since"] >= 2

        harness.wait_until(driver, nothing_new_for_2_s, 30, "the last batches of the reloaded page")
        with factory() as session:
            attempt = session.get(Attempt, attempt_id)
            assert attempt.status == "in_progress"
            later = utcnow() + interruptions.IDLE_AFTER + timedelta(minutes=1)
            listed = interruptions.list_interrupted(session, session_id, now=later)
            assert [(i.attempt_id, i.entry_id, i.component) for i in listed] == [(attempt_id, entry_id, "typing")]
            batches_before_resume = len(attempt.batches)
            admin = accounts.find_user(session, "admin")
            interruptions.decide_interrupted(session, admin, attempt_id, "resume")

        # The stopped screen notices the decision and continues the same attempt.
        harness.wait_until(driver, lambda d: f"/exam/test/{attempt_id}" in d.current_url
                           and d.execute_script("return !!document.querySelector('textarea.typing-area');"),
                           60, "the resumed test page")
        wait_ready(driver, "Welcome back")
        assert harness.typing_area_text(driver) == before_text  # the stored keystrokes, rebuilt
        timer = driver.execute_script("return document.querySelector('.typing-timer').textContent;")
        assert timer in ("4:57", "4:56", "4:55"), timer  # 5:00 less the seconds already typed

        after_text = PASSAGE_START[24:]
        more = type_into(driver, after_text)
        harness.wait_for_text(driver, before_text + after_text)
        harness.wait_for_stored_keydowns(driver, factory, attempt_id, len(presses) + len(more))
        finish_and_return(driver, attempt_id)

        with factory() as session:
            attempt = session.get(Attempt, attempt_id)
            assert attempt.status == "finished"
            assert attempt.scores[0].typed_text == before_text + after_text
            links = session.scalars(select(ComponentAttempt).where(ComponentAttempt.roster_entry_id == entry_id)).all()
            assert [link.attempt_id for link in links] == [attempt_id]  # the same attempt, no new one
            seqs = session.scalars(select(KeystrokeBatch.seq).where(KeystrokeBatch.attempt_id == attempt_id)
                                   .order_by(KeystrokeBatch.seq)).all()
            assert seqs == list(range(len(seqs))) and len(seqs) > batches_before_resume
            times = [e["t"] for b in attempt.batches for e in json.loads(b.events_json)]
            assert times == sorted(times)  # the resumed page kept the stored clock
            kept = [e for e in harness.stored_keyboard_events(factory, attempt_id)][:len(acknowledged)]
            assert kept == acknowledged
    finally:
        factory.kw["bind"].dispose()
        restarted.stop()


def _batch_count(factory, attempt_id: str) -> int:
    with factory() as session:
        return len(session.scalars(select(KeystrokeBatch.id).where(KeystrokeBatch.attempt_id == attempt_id)).all())
