"""The 10-key test and the adding-machine drill in real Chromium, keyed on the numeric keypad.

Two ways of pressing keypad keys, both giving the page what a real keypad gives it
(``code`` "Numpad7", ``location`` 3):

- through the DevTools protocol (``harness.cdp_key``): no X server involved, so NumLock
  plays no part; used to check the page's rules against the server's (keypad only, the
  drill's tape);
- through the X server with pynput (``keyboard.type_keys(..., keypad=True)``), as a
  keyboard would: here NumLock decides what the keys are, so each test first makes sure
  of the NumLock state the browser sees (``harness.set_numlock``, on the set-up form where
  nothing is recorded).

What the application stored and scored is read back from its database and compared with
what was keyed.
"""

from __future__ import annotations

import json
import time
from decimal import Decimal

import pytest

from results.models import Attempt, Score
from skills_tests.tenkey_drill import parse_tape, rebuild_tape_text
from skills_tests.tenkey_items import get_item_set, load_drill_batches
from skills_tests.typing_scoring import report_round
from tests.e2e import harness, keyboard
from tests.e2e.harness import figures, incidents_of, labels_containing, only_score

pytestmark = pytest.mark.e2e

KEY_INTERVAL_S = 0.12  # 30,000 keystrokes per hour
CDP_INTERVAL_S = 0.02
KEYPAD_HINT = "Please use the numeric keypad for numbers"
NUMLOCK_HINT = "NumLock is off"
TIMER_RUNNING = "The timer is running."


def wrong_entry(position: int, expected: str, entered: str) -> dict:
    """An entry of ``details["score"]["wrong"]``."""
    return {"position": position, "expected": expected, "entered": entered, "correct": False,
            "skipped": entered == ""}


def keydowns(events: list[dict]) -> list[dict]:
    """The stored keydowns, without the finishing Ctrl+Enter."""
    return [e for e in events if e["type"] == "down" and not e["ctrl"]]


def details_of(db, attempt_id: str) -> tuple[Score, dict]:
    score = only_score(db, attempt_id)
    return score, json.loads(score.details_json)


def end_reason(db, attempt_id: str) -> str | None:
    with db() as session:
        return session.get(Attempt, attempt_id).end_reason


def finish_with_ctrl_enter(driver, attempt_id: str) -> None:
    """Ctrl+Enter through the X server (pynput), then the result page."""
    time.sleep(KEY_INTERVAL_S)
    keyboard.ctrl_enter()
    harness.wait_for_result_page(driver, attempt_id, path="/tenkey/result/")


def numlock(on: bool):
    """A set-up-page step that makes sure of the NumLock state before the test starts."""
    return lambda driver: harness.set_numlock(driver, on)


# --- a. keypad keys through the DevTools protocol, keypad only ---------------------------------

AMOUNTS = get_item_set("tenkey-practice-amounts").keys


def test_keypad_only_entries_through_devtools_are_scored_as_keyed(browser, app_server, db):
    items = AMOUNTS[:6]
    assert items == ("614.25", "730.89", "765.00", "955.00", "81.43", "20.94")
    attempt_id = harness.start_tenkey_test(browser, app_server.url, "tenkey-practice-amounts", minutes=1,
                                           keypad_only=True)

    keypad_keys = 0

    def key(keys: str) -> None:
        nonlocal keypad_keys
        harness.cdp_type(browser, keys, keypad=True, interval_s=CDP_INTERVAL_S)
        keypad_keys += sum(k != "\b" for k in keys)

    key("614.25\n")
    key("736.89\n")  # item 2: a wrong digit
    assert harness.current_item_index(browser) == 2  # the mark moved to the third line
    key("76")
    # Top-row digits are refused: the area does not change and the page says why.
    before = harness.typing_area_text(browser)
    assert before == "614.25\n736.89\n76"
    area = browser.find_element("css selector", "textarea.typing-area")
    area.send_keys("5")  # Selenium: the digit row's 5 (location 0)
    assert harness.typing_area_text(browser) == before
    assert KEYPAD_HINT in harness.status_text(browser)
    harness.cdp_key(browser, "5", keypad=False)  # the protocol, without isKeypad
    assert harness.typing_area_text(browser) == before
    assert KEYPAD_HINT in harness.status_text(browser)
    key("5.00\n")
    assert harness.status_text(browser) == TIMER_RUNNING  # the hint goes with the next accepted key
    key("\n")  # item 4 skipped: Enter on an empty line
    key("81.44\b3\n")  # item 5: a slip corrected with Backspace, not an error
    key("20.94\n")
    expected_text = "614.25\n736.89\n765.00\n\n81.43\n20.94\n"
    assert harness.typing_area_text(browser) == expected_text
    harness.cdp_ctrl_enter(browser)
    harness.wait_for_result_page(browser, attempt_id, path="/tenkey/result/")

    # What was stored: every keypad key with location 3, the two top-row 5s with location 0.
    downs = keydowns(harness.stored_keyboard_events(db, attempt_id))
    on_keypad = [e for e in downs if e["loc"] == 3]
    assert len(on_keypad) == keypad_keys
    assert all(e["code"].startswith("Numpad") for e in on_keypad)
    assert [(e["key"], e["code"], e["loc"]) for e in downs if e["loc"] != 3] == [
        ("5", "Digit5", 0), ("5", "Digit5", 0), ("Backspace", "Backspace", 0)]

    score, details = details_of(db, attempt_id)
    assert details["score"]["wrong"] == [wrong_entry(2, "730.89", "736.89"), wrong_entry(4, "955.00", "")]
    assert (details["score"]["entries"], details["score"]["correct"], score.errors) == (6, 4, 2)
    assert score.typed_text == expected_text
    metrics = details["metrics"]
    assert metrics["corrections"] == 1
    # Keypad share counts every digit key pressed, accepted or not (docs/scoring.md): the two
    # refused top-row 5s are the only digits off the keypad. Every accepted digit was a keypad one.
    keypad_chars = sum(e["key"] not in ("Enter", "Backspace") for e in on_keypad)
    share = keypad_chars / (keypad_chars + 2)
    assert keypad_chars == 29 and metrics["keypad_share"] == report_round(share)
    assert metrics["numlock_off_keys"] == 0
    assert incidents_of(db, attempt_id) == []  # no text_mismatch: the page kept what the server rebuilt
    assert end_reason(db, attempt_id) == "early"

    shown = figures(browser)
    assert shown["errors"] == "2"
    assert shown["entries correct"] == "4 / 6"
    assert shown["corrections (Backspace)"] == "1"
    [warning] = labels_containing(browser, "pressed outside the numeric keypad")
    assert warning.startswith(f"{100 * (1 - share):.0f} % of the number keys")  # "6 % ...": the refused 5s


# --- b. pynput on the keypad under Xvfb, NumLock on ----------------------------------------------

MIXED = get_item_set("tenkey-practice-mixed").keys


def test_keypad_through_the_x_server_with_numlock_on(browser, app_server, db):
    items = MIXED[:8]
    assert items == ("795.83", "401623", "1005149270", "681.56", "937280", "94628", "95437", "1001094217")
    planted = [
        items[0],
        "401632",  # two digits swapped
        items[2],
        "",  # skipped
        "937281\b0",  # a slip corrected with Backspace
        items[5],
        "9543",  # a digit left out
        items[7],
    ]
    keys = "".join(entry + "\n" for entry in planted)
    attempt_id = harness.start_tenkey_test(browser, app_server.url, "tenkey-practice-mixed", minutes=1,
                                           keypad_only=True, on_setup_page=numlock(True))
    harness.focus_typing_area(browser)
    presses = keyboard.type_keys(keys, KEY_INTERVAL_S, keypad=True)
    expected_text = keys.replace("937281\b0", "937280")
    harness.wait_for_text(browser, expected_text)
    finish_with_ctrl_enter(browser, attempt_id)

    downs = keydowns(harness.stored_keyboard_events(db, attempt_id))
    assert [e["key"] for e in downs] == [p.key for p in presses]  # nothing lost, nothing added
    assert all(e["loc"] == 3 and e["code"].startswith("Numpad") for e in downs if e["key"] != "Backspace")
    assert {e["code"] for e in downs if e["key"] == "Enter"} == {"NumpadEnter"}

    score, details = details_of(db, attempt_id)
    assert details["score"]["wrong"] == [
        wrong_entry(2, items[1], "401632"), wrong_entry(4, items[3], ""), wrong_entry(7, items[6], "9543")]
    assert score.typed_text == expected_text
    assert details["metrics"]["keypad_share"] == 1.0
    assert details["metrics"]["corrections"] == 1
    # Finished early: scored from the first to the last accepted key, as the keys were sent.
    span_s = presses[-1].at - presses[0].at
    assert score.seconds == pytest.approx(span_s, abs=0.05)
    assert incidents_of(db, attempt_id) == []

    shown = figures(browser)
    assert shown["keys on the keypad"] == "100 %"
    assert shown["errors"] == "3"
    assert labels_containing(browser, "pressed outside the numeric keypad") == []


# --- c. top-row digits where the test allows them ------------------------------------------------


def test_top_row_digits_are_accepted_and_reported_off_the_keypad(browser, app_server, db):
    items = AMOUNTS[:4]
    keys = "".join(item + "\n" for item in items)
    attempt_id = harness.start_tenkey_test(browser, app_server.url, "tenkey-practice-amounts", minutes=1,
                                           keypad_only=False)
    harness.focus_typing_area(browser)
    keyboard.type_keys(keys, KEY_INTERVAL_S)  # the digit row, "." and the main Enter
    harness.wait_for_text(browser, keys)
    finish_with_ctrl_enter(browser, attempt_id)

    downs = keydowns(harness.stored_keyboard_events(db, attempt_id))
    assert all(e["loc"] == 0 for e in downs)
    assert {e["code"] for e in downs if e["key"].isdigit()} <= {f"Digit{d}" for d in range(10)}
    score, details = details_of(db, attempt_id)
    assert score.typed_text == keys
    assert (details["score"]["correct"], score.errors) == (4, 0)
    assert details["metrics"]["keypad_share"] == 0.0

    assert figures(browser)["keys on the keypad"] == "0 %"
    [warning] = labels_containing(browser, "pressed outside the numeric keypad")
    assert warning.startswith("100 % of the number keys")


# --- d. NumLock off ------------------------------------------------------------------------------


def test_numlock_off_is_explained_at_once_and_nothing_is_entered(browser, app_server, db):
    attempt_id = harness.start_tenkey_test(browser, app_server.url, "tenkey-practice-amounts", minutes=1,
                                           keypad_only=True, on_setup_page=numlock(False))
    harness.focus_typing_area(browser)
    harness.watch_status(browser)
    first = keyboard.type_keys("6", KEY_INTERVAL_S, keypad=True, numlock=False)
    harness.wait_until(browser, lambda d: NUMLOCK_HINT in harness.status_text(d), 2,
                       "the page to say that NumLock is off")
    rest = keyboard.type_keys("14.2", KEY_INTERVAL_S, keypad=True, numlock=False)
    time.sleep(KEY_INTERVAL_S)
    assert harness.typing_area_text(browser) == ""
    assert "NumLock is off: the keypad is sending arrow keys." in harness.status_text(browser)
    assert "1:00" in browser.execute_script(  # the timer has not started
        "return [...document.querySelectorAll('.typing-timer')].map((e) => e.textContent);")
    seen = browser.execute_script("return window.statusSeen;")
    assert seen[0].startswith("Ready") and seen[1].startswith("NumLock is off")  # the first thing it said

    # NumLock on, as the page asks: the same keys now enter the number.
    keyboard.toggle_numlock()
    keyboard.type_keys(AMOUNTS[0] + "\n", KEY_INTERVAL_S, keypad=True)
    harness.wait_for_text(browser, AMOUNTS[0] + "\n")
    assert harness.status_text(browser) == TIMER_RUNNING
    finish_with_ctrl_enter(browser, attempt_id)

    navigation = [p.key for p in first + rest]
    assert navigation == ["ArrowRight", "End", "ArrowLeft", "Delete", "ArrowDown"]
    downs = keydowns(harness.stored_keyboard_events(db, attempt_id))
    assert [(e["key"], e["loc"]) for e in downs[:5]] == [(key, 3) for key in navigation]
    assert downs[5]["key"] == "NumLock"
    score, details = details_of(db, attempt_id)
    assert score.typed_text == AMOUNTS[0] + "\n"
    assert details["metrics"]["numlock_off_keys"] == 5
    assert details["metrics"]["keypad_share"] == 1.0
    [note] = labels_containing(browser, "NumLock was off")
    assert note.startswith("NumLock was off for 5 keypad presses")


# --- e. the adding-machine drill through the DevTools protocol -----------------------------------


def money(amount: Decimal) -> str:
    return f"{amount:,.2f}"


def test_drill_discrepancy_found_and_corrected_on_the_keypad(browser, app_server, db):
    batch = next(b for b in load_drill_batches() if b.discrepant_stub is not None)
    odd = batch.discrepant_stub
    assert odd.stub_amount != odd.check_amount
    attempt_id = harness.start_drill(browser, app_server.url, batch.id, keypad_only=True)
    sent_downs = 0

    def key(keys: str) -> None:
        nonlocal sent_downs
        harness.cdp_type(browser, keys, keypad=True, interval_s=CDP_INTERVAL_S)
        sent_downs += len(keys)

    # Every stub as printed, with a few keys the tape refuses on the way (the page and the
    # server must refuse the same ones): "+" with no amount, a third digit after the point,
    # a second point, "*", a slip corrected with Backspace.
    for i, stub in enumerate(batch.stubs):
        printed = str(stub.stub_amount)
        if i == 0:
            key(printed + "++")
        elif i == 1:
            key(printed + "9.+")
        elif i == 2:
            key(printed[:-1] + str((int(printed[-1]) + 1) % 10) + "\b" + printed[-1] + "*+")
        else:
            key(printed + "+")
    key("5\n")  # Enter while an amount waits for its "+": refused, with a hint
    assert "Add the amount with + " in harness.status_text(browser)
    key("\b")
    tape = harness.typing_area_text(browser)
    assert tape == "".join(str(s.stub_amount) + "+" for s in batch.stubs)

    # The running total is off by the stub that disagrees with its check.
    printed_total = sum((s.stub_amount for s in batch.stubs), Decimal("0.00"))
    assert printed_total - batch.control_total == odd.stub_amount - odd.check_amount
    [control] = labels_containing(browser, "Control total:")
    assert control == f"Control total: {money(batch.control_total)}"
    assert harness.running_total_text(browser) == money(printed_total)
    assert harness.running_total_text(browser) != money(batch.control_total)
    # The server rebuilds the same tape, and the same total, from the keys stored so far.
    harness.wait_for_stored_keydowns(browser, db, attempt_id, sent_downs)
    server_tape = rebuild_tape_text(harness.stored_key_events(db, attempt_id), keypad_only=True)
    assert server_tape == tape
    assert money(parse_tape(server_tape).total) == harness.running_total_text(browser)

    # Take the printed amount off, add the check amount.
    key(str(odd.stub_amount) + "-" + str(odd.check_amount) + "+")
    shown_before_enter = harness.running_total_text(browser)
    final_tape = harness.typing_area_text(browser)
    assert shown_before_enter == money(batch.control_total)
    key("\n")  # totals the batch and ends the drill
    harness.wait_for_result_page(browser, attempt_id, path="/tenkey/drill/result/")

    score, details = details_of(db, attempt_id)
    drill = details["drill"]
    assert money(Decimal(drill["total"])) == shown_before_enter
    assert (drill["balanced"], drill["correct"], drill["totalled"]) == (True, True, True)
    assert (drill["discrepancy_found"], drill["discrepancy_corrected"], drill["corrections"]) == (True, True, 1)
    assert score.passed
    assert score.typed_text == final_tape + "\n"
    assert incidents_of(db, attempt_id) == []  # no text_mismatch: the page's tape is the server's
    assert end_reason(db, attempt_id) == "completed"  # Enter totalled the batch and ended the drill
    downs = keydowns(harness.stored_keyboard_events(db, attempt_id))
    assert all(e["loc"] == 3 for e in downs if e["key"] != "Backspace")
    assert {e["code"] for e in downs if e["key"] in ("+", "-")} == {"NumpadAdd", "NumpadSubtract"}
    assert figures(browser)["your total"] == money(batch.control_total)
