"""The csr-sim scoring commands: figures out, clear refusals (exit status 2) in."""

from __future__ import annotations

import json

import pytest

from simulator.cli import main

SOURCE = "The quick brown fox jumps over the lazy dog."


@pytest.fixture
def files(tmp_path):
    def write(name: str, content: str | bytes) -> str:
        path = tmp_path / name
        path.write_bytes(content if isinstance(content, bytes) else content.encode())
        return str(path)
    return write


def run_json(capsys, argv: list[str]) -> dict:
    assert main(argv + ["--json"]) == 0
    return json.loads(capsys.readouterr().out)


def test_score_typing_json_has_the_figures_and_the_error_list(files, capsys):
    result = run_json(capsys, ["score", "typing", "--source", files("s.txt", SOURCE),
                               "--typed", files("t.txt", "The quikc brown fox jumps"), "--seconds", "60"])
    assert (result["gross_chars"], result["errors"]) == (25, 1)
    assert result["gross_wpm"] == 5.0 and result["net_wpm"] == 4.0
    assert [e["kind"] for e in result["error_list"]] == ["wrong"]
    assert result["passed"] is False


@pytest.mark.parametrize(("extra", "net", "passed"), [
    pytest.param([], 4.0, False, id="standard"),
    pytest.param(["--rule", "penalty:2"], 3.0, False, id="penalty-2"),
    pytest.param(["--threshold", "3.5"], 4.0, True, id="lower-threshold"),
    pytest.param(["--threshold", "3.5", "--max-errors", "0"], 4.0, False, id="error-cap"),
])
def test_score_typing_rules_and_thresholds(files, capsys, extra, net, passed):
    result = run_json(capsys, ["score", "typing", "--source", files("s.txt", SOURCE),
                               "--typed", files("t.txt", "The quikc brown fox jumps"), "--seconds", "60", *extra])
    assert (result["net_wpm"], result["passed"]) == (net, passed)


def test_ended_by_completion_makes_an_unfinished_last_word_an_error(files, capsys):
    args = ["score", "typing", "--source", files("s.txt", SOURCE), "--typed", files("t.txt", "The qui"),
            "--seconds", "60"]
    assert run_json(capsys, args)["errors"] == 0
    assert run_json(capsys, args + ["--ended-by", "completion"])["errors"] == 1


def test_score_typing_text_report_lists_errors(files, capsys):
    assert main(["score", "typing", "--source", files("s.txt", SOURCE), "--typed", files("t.txt", "The brown"),
                 "--seconds", "30"]) == 0
    out = capsys.readouterr().out
    assert "Errors:      1" in out and "omitted" in out and "NOT PASSED" in out


@pytest.mark.parametrize(("source", "typed", "says"), [
    pytest.param(None, "x", "does not exist", id="missing-source"),
    pytest.param("", "x", "is empty", id="empty-source"),
    pytest.param("   \n", "x", "is empty", id="blank-source"),
    pytest.param(b"\xff\xfe\xfa", "x", "not UTF-8", id="undecodable-source"),
    pytest.param(SOURCE, b"caf\xe9", "not UTF-8", id="undecodable-typed"),
])
def test_score_typing_bad_files_exit_2_with_a_message(files, capsys, source, typed, says):
    source_path = files("s.txt", source) if source is not None else "/nonexistent/source.txt"
    assert main(["score", "typing", "--source", source_path, "--typed", files("t.txt", typed),
                 "--seconds", "60"]) == 2
    assert says in capsys.readouterr().err


@pytest.mark.parametrize(("option", "value", "says"), [
    pytest.param("--seconds", "0", "more than 0 seconds", id="zero-seconds"),
    pytest.param("--seconds", "soon", "not a number", id="seconds-not-a-number"),
    pytest.param("--rule", "penalty:0", "penalty", id="bad-rule"),
    pytest.param("--ended-by", "boredom", "invalid choice", id="bad-end"),
])
def test_bad_options_are_refused_by_argument_parsing_with_status_2(files, capsys, option, value, says):
    argv = ["score", "typing", "--source", files("s.txt", SOURCE), "--typed", files("t.txt", "x"), "--seconds", "60"]
    with pytest.raises(SystemExit) as stop:
        main(argv + [option, value])
    assert stop.value.code == 2 and says in capsys.readouterr().err


KEY = "142.87\n1004338217\n95621\n92054\n"


@pytest.mark.parametrize(("entries", "extra", "expected"), [
    pytest.param("142.87\n1004338217\n95621\n92054\n", [], {"keystrokes": 26, "errors": 0, "accuracy": 100.0,
                                                           "gross_kph": 9360.0, "net_kph": 9360.0}, id="all-correct"),
    pytest.param("142.87\n\n95612\n", [], {"keystrokes": 11, "errors": 2, "accuracy": 33.33,
                                          "gross_kph": 3960.0, "net_kph": 2160.0}, id="skipped-and-wrong"),
    pytest.param("142.87\n1004338217\n", ["--count-enter"], {"keystrokes": 18, "errors": 0, "accuracy": 100.0,
                                                           "gross_kph": 6480.0, "net_kph": 6480.0}, id="enter-counted"),
    pytest.param("142.8\n", [], {"keystrokes": 5, "errors": 1, "accuracy": 0.0, "gross_kph": 1800.0,
                                 "net_kph": 0.0}, id="trailing-zero-matters"),
    pytest.param("", [], {"keystrokes": 0, "errors": 0, "accuracy": 0.0, "gross_kph": 0.0, "net_kph": 0.0},
                 id="nothing-keyed"),
])
def test_score_tenkey_json(files, capsys, entries, extra, expected):
    result = run_json(capsys, ["score", "tenkey", "--key", files("k.txt", KEY), "--entries", files("e.txt", entries),
                               "--seconds", "10", *extra])
    assert {k: result[k] for k in expected} == expected


@pytest.mark.parametrize(("key", "entries", "says"), [
    pytest.param(None, "1\n", "does not exist", id="missing-key"),
    pytest.param("", "1\n", "key file", id="empty-key"),
    pytest.param("1\n\n2\n", "1\n", "empty line 2", id="blank-line-in-key"),
    pytest.param(KEY, "1\n2\n3\n4\n5\n", "5 entries for 4 items", id="too-many-entries"),
    pytest.param(KEY, b"\xff\n", "not UTF-8", id="undecodable-entries"),
])
def test_score_tenkey_bad_files_exit_2(files, capsys, key, entries, says):
    key_path = files("k.txt", key) if key is not None else "/nonexistent/key.txt"
    assert main(["score", "tenkey", "--key", key_path, "--entries", files("e.txt", entries), "--seconds", "10"]) == 2
    assert says in capsys.readouterr().err
