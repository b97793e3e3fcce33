"""Replays: one frame per keydown, with the entry area exactly as scoring rebuilds it."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from results.keystroke_log import ingest_batch, parse_batch
from results.replay import entry_rules, replay_for, replay_frames
from results.typing_attempts import TypingSetup, start_typing_attempt
from skills_tests.keystrokes import KeyEvent, events_in_window, reconstruct_text
from skills_tests.tenkey_drill import rebuild_tape_text
from skills_tests.tenkey_scoring import rebuild_entry_text
from tests.integration.helpers import batch_body, key_events

NAMED = {"\b": "Backspace", "\n": "Enter", "\t": "Tab", "<": "ArrowLeft", "^": "Shift"}


def keys(typed: str, *, start: float = 1000.0, step: float = 100.0, keypad: bool = False, **flags) -> list[KeyEvent]:
    """Keydown and keyup per character; "\\b" Backspace, "\\n" Enter, "<" ArrowLeft, "^" Shift."""
    events = []
    for i, char in enumerate(typed):
        key = NAMED.get(char, char)
        location = 3 if keypad and (char.isdigit() or char in ".+-=\n") else 0
        t = start + i * step
        events.append(KeyEvent("down", key, f"K{key}", location, t, **flags))
        events.append(KeyEvent("up", key, f"K{key}", location, t + 40))
    return events


def table(frames) -> list[tuple[float, str, str, bool, bool]]:
    return [(f.t_ms, f.key, f.text, f.refused, f.late) for f in frames]


@pytest.mark.parametrize("typed, expected", [
    pytest.param("ab\bc", [(0, "a", "a", False, False), (100, "b", "ab", False, False),
                           (200, "Backspace", "a", False, False), (300, "c", "ac", False, False)],
                 id="correction"),
    pytest.param("\ba", [(0, "Backspace", "", True, False), (100, "a", "a", False, False)],
                 id="backspace-on-an-empty-area-changes-nothing"),
    pytest.param("a<b", [(0, "a", "a", False, False), (100, "ArrowLeft", "a", True, False),
                         (200, "b", "ab", False, False)], id="arrow-key-refused"),
    pytest.param("^A\nb", [(0, "A", "A", False, False), (100, "Enter", "A\n", False, False),
                           (200, "b", "A\nb", False, False)], id="shift-is-not-a-frame-and-time-starts-after-it"),
])
def test_typing_frames(typed, expected):
    assert table(replay_frames("typing", keys(typed))) == expected


def test_ctrl_combinations_and_keys_outside_the_typing_area_are_refused():
    events = keys("a") + [KeyEvent("down", "v", "KeyV", 0, 1200, ctrl=True),
                          KeyEvent("down", "x", "KeyX", 0, 1300, in_field=False)]
    assert [(f.key, f.text, f.refused) for f in replay_frames("typing", events)] == [
        ("a", "a", False), ("v", "a", True), ("x", "a", True)]


def test_keys_after_time_ran_out_are_late_and_change_nothing():
    frames = replay_frames("typing", keys("abcd", step=400), duration_s=1.0)  # limit at 1000 ms from "a"
    assert table(frames) == [(0, "a", "a", False, False), (400, "b", "ab", False, False),
                             (800, "c", "abc", False, False), (1200, "d", "abc", True, True)]


def test_a_key_exactly_at_the_limit_still_counts_as_in_scoring():
    frames = replay_frames("typing", keys("ab", step=1000), duration_s=1.0)
    assert [(f.text, f.late) for f in frames] == [("a", False), ("ab", False)]


def test_auto_repeat_of_a_held_key_types_like_scoring_does():
    assert [f.text for f in replay_frames("typing", keys("aaa", repeat=True))] == ["a", "aa", "aaa"]


@pytest.mark.parametrize("typed, keypad_only, texts, refused", [
    pytest.param("12\b3\n", False, ["1", "12", "1", "13", "13\n"], [False] * 5, id="entry-with-correction"),
    pytest.param("1\n\b2", False, ["1", "1\n", "1\n", "1\n2"], [False, False, True, False],
                 id="backspace-cannot-reopen-a-submitted-entry"),
    pytest.param("1a,2", False, ["1", "1", "1", "12"], [False, True, True, False], id="letters-and-comma-refused"),
    pytest.param("\n\n", False, ["\n", "\n\n"], [False, False], id="skipped-entries"),
])
def test_tenkey_frames(typed, keypad_only, texts, refused):
    frames = replay_frames("tenkey", keys(typed, keypad=True), keypad_only=keypad_only)
    assert ([f.text for f in frames], [f.refused for f in frames]) == (texts, refused)


def test_tenkey_top_row_digits_are_refused_when_the_keypad_is_required():
    events = keys("12", keypad=False) + keys("3\n", start=2000, keypad=True)
    frames = replay_frames("tenkey", events, keypad_only=True)
    assert [(f.key, f.text, f.refused) for f in frames] == [
        ("1", "", True), ("2", "", True), ("3", "3", False), ("Enter", "3\n", False)]


@pytest.mark.parametrize("typed, texts, refused", [
    pytest.param("12.345+", ["1", "12", "12.", "12.3", "12.34", "12.34", "12.34+"],
                 [False, False, False, False, False, True, False], id="third-decimal-refused"),
    pytest.param("+5+", ["", "5", "5+"], [True, False, False], id="operator-without-amount-refused"),
    pytest.param("5+=7", ["5", "5+", "5+=", "5+="], [False, False, False, True], id="nothing-after-the-total"),
    pytest.param("5\b\b6-", ["5", "", "", "6", "6-"], [False, False, True, False, False],
                 id="backspace-within-an-amount"),
    pytest.param("5=", ["5", "5"], [False, True], id="total-with-an-amount-waiting-refused"),
])
def test_drill_frames_follow_the_tape_rules(typed, texts, refused):
    frames = replay_frames("drill", keys(typed, keypad=True))
    assert ([f.text for f in frames], [f.refused for f in frames]) == (texts, refused)


def test_an_empty_log_has_no_frames():
    assert replay_frames("typing", []) == []
    assert replay_frames("typing", [KeyEvent("down", "Shift", "ShiftLeft", 1, 5.0)]) == []


def test_unknown_test_kind():
    with pytest.raises(ValueError, match="no replay rules for test 'essay'"):
        entry_rules("essay")


# --------------------------------------------------------------------------- the last frame is what was scored

def _log(names, gaps, flags) -> list[KeyEvent]:
    events, t = [], 0.0
    for key, gap, (location, ctrl) in zip(names, gaps, flags):
        t += gap
        events.append(KeyEvent("down", key, f"K{key}", location, t, ctrl=ctrl))
        events.append(KeyEvent("up", key, f"K{key}", location, t + 30))
    return events


LOGS = st.integers(1, 60).flatmap(lambda n: st.tuples(
    st.lists(st.sampled_from(["a", "1", "2", ".", "+", "-", "=", " ", "Enter", "Backspace", "Shift", "Tab", "*"]),
             min_size=n, max_size=n),
    st.lists(st.floats(0, 400), min_size=n, max_size=n),  # 0: keys at the same instant
    st.lists(st.tuples(st.sampled_from([0, 3]), st.booleans()), min_size=n, max_size=n),
))


def _upto(window: list[KeyEvent], down: KeyEvent) -> list[KeyEvent]:
    """The window's events up to and including ``down`` (by identity: equal times are kept apart)."""
    return window[: next(i for i, event in enumerate(window) if event is down) + 1]


@settings(max_examples=150, deadline=None)
@given(log=LOGS, test=st.sampled_from(["typing", "tenkey", "drill"]), keypad_only=st.booleans(),
       duration=st.sampled_from([None, 1.0, 5.0]))
def test_every_frame_shows_what_scoring_rebuilds_from_the_keys_so_far(log, test, keypad_only, duration):
    events = _log(*log)
    rebuild = {"typing": reconstruct_text, "tenkey": lambda e: rebuild_entry_text(e, keypad_only),
               "drill": lambda e: rebuild_tape_text(e, keypad_only)}[test]
    frames = replay_frames(test, events, keypad_only=keypad_only, duration_s=duration)
    window = events_in_window(events, duration)
    downs = [e for e in events if e.is_down and e.key != "Shift"]
    assert len(frames) == len(downs)
    for frame, down in zip(frames, downs):
        if frame.late:
            assert frame.refused and frame.text == rebuild(window)
        else:
            assert frame.text == rebuild(_upto(window, down))
    if frames:
        assert frames[-1].text == rebuild(window)


# --------------------------------------------------------------------------- from the records


def test_a_stored_attempt_replays_to_its_scored_text(fresh_database):
    with fresh_database() as session:
        attempt = start_typing_attempt(session, TypingSetup("Ana Ruiz", form_id="practice-short", duration_s=60))
    typed = "Dear\b\br customer"
    events = key_events(typed, start_ms=5000.0, interval_ms=150.0)
    with fresh_database() as session:
        ingest_batch(session, attempt.id, parse_batch(batch_body(attempt.capture_token, 0, events[:10])))
        ingest_batch(session, attempt.id, parse_batch(batch_body(attempt.capture_token, 1, events[10:])))
    with fresh_database() as session:
        replay = replay_for(session, attempt.id)
        with pytest.raises(LookupError, match="no test attempt"):
            replay_for(session, "nope")
    assert replay.frames[-1].text == "Der customer"
    assert [f.t_ms for f in replay.frames[:3]] == [0.0, 150.0, 300.0]
    assert replay.time_limit_ms == 60_000.0
    data = replay.to_dict()
    assert data["test"] == "typing" and len(data["frames"]) == len(typed)
    assert data["frames"][4] == {"t_ms": 600.0, "key": "Backspace", "text": "Dea", "refused": False, "late": False}
