"""The typing test in real Chromium, typed into through the X server as a person would.

The candidate's keys come from pynput at a fixed pace; what the application stored and
scored is read back from its database and compared with what was sent.
"""

from __future__ import annotations

import json
import time

import pytest
from selenium.webdriver.common.by import By

from results.models import Attempt
from skills_tests.passages import get_passage
from tests.e2e import harness, keyboard
from tests.e2e.harness import figures, incidents_of, labels_containing, only_score, watch_status

pytestmark = pytest.mark.e2e

PASSAGE = "practice-short"
WORDS = get_passage(PASSAGE).text.split()
KEY_INTERVAL_S = 0.2  # 60 WPM

OFFLINE = {"offline": True, "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1}
ONLINE = {"offline": False, "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1}


def rebuilt(keys: str) -> str:
    """The text a key sequence leaves in the box ("\\b" is Backspace)."""
    chars: list[str] = []
    for key in keys:
        if key == "\b":
            if chars:
                chars.pop()
        else:
            chars.append(key)
    return "".join(chars)


def keydowns(events: list[dict]) -> list[str]:
    """The keys of the stored keydowns, Shift included, without the finishing Ctrl+Enter."""
    return [e["key"] for e in events if e["type"] == "down" and not e["ctrl"]]


def typed_keydowns(events: list[dict]) -> list[str]:
    """The keys of the stored keydowns that type (characters, Backspace, Enter)."""
    return [key for key in keydowns(events) if key != "Shift"]


def finish_with_ctrl_enter(driver, attempt_id: str) -> None:
    time.sleep(KEY_INTERVAL_S)  # a person's pause before the shortcut
    keyboard.ctrl_enter()
    harness.wait_for_result_page(driver, attempt_id)


def test_typed_passage_with_planted_mistakes_is_scored_exactly_as_typed(browser, app_server, db):
    words = WORDS[:40]
    assert words[1] == "electric" and words[20] == "printed" and words[28:30] == ["cannot", "reach"]
    assert words[36] == "estimated"
    planted = list(words)
    planted[1] = "electirc"  # misspelled
    planted[28:30] = ["reach", "cannot"]  # two words swapped
    planted[36] = "estin\bmated"  # a typo corrected with Backspace: not an error
    del planted[20]  # "printed" left out
    keys = " ".join(planted)
    intended = rebuilt(keys)
    assert keys.count("\b") == 1 and "electirc" in intended and "printed" not in intended

    attempt_id = harness.start_typing_test(browser, app_server.url, PASSAGE, minutes=1)
    harness.focus_typing_area(browser)
    presses = keyboard.type_keys(keys, KEY_INTERVAL_S)
    harness.wait_for_text(browser, intended)
    finish_with_ctrl_enter(browser, attempt_id)

    # Every key that went down arrived, in order: the characters, the Backspace, and a Shift
    # before each capital.
    events = harness.stored_keyboard_events(db, attempt_id)
    assert keydowns(events) == [p.key for p in presses]
    assert [p.key for p in presses if p.char_index is not None] == [keyboard.dom_key(c) for c in keys]
    assert "Shift" in keydowns(events)
    score = only_score(db, attempt_id)
    details = json.loads(score.details_json)
    errors = [(e["kind"], e["source_words"], e["typed_words"]) for e in details["score"]["error_list"]]
    assert errors == [
        ("wrong", ["electric"], ["electirc"]),
        ("omitted", ["printed"], []),
        ("transposed", ["cannot", "reach"], ["reach", "cannot"]),
    ]
    assert score.errors == 3
    assert score.typed_text == intended
    assert score.gross_count == len(intended)
    assert details["metrics"]["corrections"] == 1

    # Gross speed: the characters over the time between the first and the last keystroke sent.
    sent = [p.at for p in presses if p.char_index is not None]
    span_s = sent[-1] - sent[0]
    pace_wpm = score.gross_count / 5 / (span_s / 60)
    assert score.seconds == pytest.approx(span_s, abs=0.05)
    assert score.gross_rate == pytest.approx(pace_wpm, rel=0.02)
    with db() as session:
        attempt = session.get(Attempt, attempt_id)
        assert (attempt.status, attempt.end_reason) == ("finished", "early")
        assert [i.kind for i in attempt.incidents] == []

    shown = figures(browser)
    assert shown["errors"] == "3"
    assert shown["corrections (Backspace)"] == "1"
    assert shown["gross WPM"] == f"{score.gross_rate:.1f}"
    [verdict] = labels_containing(browser, "net words per minute")
    assert f"{score.net_rate:.1f} net words per minute" in verdict
    table = browser.find_element(By.CSS_SELECTOR, ".q-table tbody").text
    for label in ("wrong word", "word left out", "two words swapped"):
        assert label in table


def test_paste_is_blocked_and_recorded_as_an_incident(browser, app_server, db):
    attempt_id = harness.start_typing_test(browser, app_server.url, PASSAGE, minutes=1)
    browser.execute_cdp_cmd("Browser.grantPermissions", {
        "origin": app_server.url, "permissions": ["clipboardReadWrite", "clipboardSanitizedWrite"]})
    harness.focus_typing_area(browser)
    # Something to paste is on the clipboard.
    clipboard = browser.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "navigator.clipboard.writeText('PASTED TEXT').then(() => navigator.clipboard.readText())"
        ".then(done, (e) => done('clipboard error: ' + e));")
    assert clipboard == "PASTED TEXT"

    first, second = "Your ", "electric meter"
    keyboard.type_text(first, KEY_INTERVAL_S)
    time.sleep(KEY_INTERVAL_S)
    keyboard.ctrl_v()  # the keyboard shortcut
    time.sleep(KEY_INTERVAL_S)
    assert harness.typing_area_text(browser) == first
    prevented = browser.execute_script(  # a paste from the browser's menu
        "const area = document.querySelector('textarea.typing-area'); const data = new DataTransfer();"
        "data.setData('text/plain', 'PASTED TEXT');"
        "const event = new ClipboardEvent('paste', {clipboardData: data, bubbles: true, cancelable: true});"
        "area.dispatchEvent(event); return event.defaultPrevented;")
    assert prevented
    assert "Pasting is not allowed" in harness.status_text(browser)
    keyboard.type_text(second, KEY_INTERVAL_S)
    harness.wait_for_text(browser, first + second)  # nothing pasted in between
    finish_with_ctrl_enter(browser, attempt_id)

    assert only_score(db, attempt_id).typed_text == first + second
    assert incidents_of(db, attempt_id) == [("paste", "keyboard shortcut"), ("paste", "")]
    events = harness.stored_keyboard_events(db, attempt_id)
    assert any(e["type"] == "down" and e["key"] == "v" and e["ctrl"] for e in events)
    shown = labels_containing(browser, "tried to paste")  # the result page lists both
    assert len(shown) == 2 and "keyboard shortcut" in shown[0]


class Outage:
    """Cut the browser off from the application for a while, through the DevTools protocol."""

    def __init__(self, driver, whole_network: bool) -> None:
        self.driver, self.whole_network = driver, whole_network

    def begin(self) -> None:
        self.driver.execute_cdp_cmd("Network.enable", {})
        if self.whole_network:  # the browser is offline: the capture route and NiceGUI's websocket
            self.driver.execute_cdp_cmd("Network.emulateNetworkConditions", OFFLINE)
        else:  # the capture route cannot be reached; the page's websocket stays up
            self.driver.execute_cdp_cmd("Network.setBlockedURLs", {"urls": ["*/api/attempts/*"]})

    def end(self) -> None:
        if self.whole_network:
            self.driver.execute_cdp_cmd("Network.emulateNetworkConditions", ONLINE)
        else:
            self.driver.execute_cdp_cmd("Network.setBlockedURLs", {"urls": []})
        self.driver.execute_cdp_cmd("Network.disable", {})


def _type_through_an_outage(driver, db, attempt_id: str, outage: Outage, before: str, during: str, after: str,
                            outage_s: float) -> list[float]:
    """Type ``before``, then ``during`` with the application out of reach for at least ``outage_s``,
    then ``after``; returns the send times."""
    sent = keyboard.type_text(before, KEY_INTERVAL_S)
    harness.wait_until(driver, lambda d: len(typed_keydowns(harness.stored_keyboard_events(db, attempt_id)))
                       == len(before), 10, "the keys typed so far to be stored")
    outage.begin()
    cut_at = time.monotonic()
    try:
        sent += keyboard.type_text(during, KEY_INTERVAL_S)
        harness.wait_until(driver, lambda d: "interrupted" in harness.status_text(d), 5,
                           "the page to say the connection is interrupted")
        # Nothing typed meanwhile has reached the server.
        assert len(typed_keydowns(harness.stored_keyboard_events(db, attempt_id))) == len(before)
        time.sleep(max(0.0, outage_s - (time.monotonic() - cut_at)))
    finally:
        outage.end()
    sent += keyboard.type_text(after, KEY_INTERVAL_S)
    return sent


def test_keys_typed_while_the_server_is_unreachable_are_kept(browser, app_server, db):
    """The capture route is out of reach for 4 s while typing goes on; nothing is lost.

    Only the capture route is cut (the page's NiceGUI websocket stays up): taking the whole
    browser offline currently reloads the page, see the next test.
    """
    before, during, after = "Your electric ", "meter is read once", " a month,"
    attempt_id = harness.start_typing_test(browser, app_server.url, PASSAGE, minutes=1)
    harness.focus_typing_area(browser)
    watch_status(browser)
    sent = _type_through_an_outage(browser, db, attempt_id, Outage(browser, whole_network=False),
                                   before, during, after, outage_s=4)
    harness.wait_until(browser, lambda d: "Connection is back" in harness.status_text(d), 10,
                       "the page to say the connection is back")
    seen = browser.execute_script("return window.statusSeen;")
    finish_with_ctrl_enter(browser, attempt_id)

    keys = before + during + after
    assert any("connection to the server is interrupted" in text for text in seen)
    events = harness.stored_keyboard_events(db, attempt_id)
    assert len(typed_keydowns(events)) == len(sent) == len(keys)
    assert typed_keydowns(events) == [keyboard.dom_key(c) for c in keys]
    assert only_score(db, attempt_id).typed_text == keys


def test_the_test_goes_on_after_the_browser_was_offline(browser, app_server, db):
    before, during, after = "Your electric ", "meter is", " read once"
    attempt_id = harness.start_typing_test(browser, app_server.url, PASSAGE, minutes=1)
    harness.focus_typing_area(browser)
    watch_status(browser)
    _type_through_an_outage(browser, db, attempt_id, Outage(browser, whole_network=True),
                            before, during, after, outage_s=10)
    time.sleep(3)  # NiceGUI reconnects meanwhile
    assert browser.execute_script("return window.pageMark || 'reloaded';") == "unchanged"
    harness.wait_for_text(browser, before + during + after)
    finish_with_ctrl_enter(browser, attempt_id)
    assert only_score(db, attempt_id).typed_text == before + during + after
