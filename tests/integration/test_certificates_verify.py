"""Score reports on a real database: facts from the records, codes that verify, tampering detected,
and the `verify` / `certificate` commands."""

from __future__ import annotations

import argparse
import io

import pytest
from pypdf import PdfReader
from sqlalchemy import text

from results.certificates import (
    MALFORMED,
    MISMATCH,
    NO_RECORD,
    VALID,
    facts_for,
    verification_code,
    verify_code,
)
from results.finishing import finish_attempt, rescore_typing_attempt
from results.keystroke_log import ingest_batch, parse_batch
from results.models import Attempt
from results.tenkey_attempts import TenKeySetup, start_tenkey_attempt
from results.typing_attempts import TypingSetup, start_typing_attempt
from simulator import cli_results
from skills_tests.passages import get_passage
from skills_tests.tenkey_items import get_item_set
from skills_tests.typing_scoring import report_round
from tests.integration.helpers import batch_body, key_events

SOURCE = get_passage("practice-short").text


def _typing(factory, typed: str, **setup) -> Attempt:
    with factory() as session:
        attempt = start_typing_attempt(session, TypingSetup("Ana Ruiz", mode="exam", form_id="practice-short",
                                                            duration_s=60, **setup))
    with factory() as session:
        ingest_batch(session, attempt.id, parse_batch(batch_body(attempt.capture_token, 0, key_events(typed), typed)))
        finish_attempt(session, attempt.id, attempt.capture_token, "early")
    return attempt


@pytest.fixture
def finished(fresh_database):
    typed = " ".join(SOURCE.split()[:10])
    return _typing(fresh_database, typed[:5] + "x" + typed[6:], threshold=100.0)  # one wrong word, not passed


def _code(factory, attempt_id: str, **kw) -> str:
    with factory() as session:
        return verification_code(facts_for(session, attempt_id, **kw))


def _verify(factory, code: str):
    with factory() as session:
        return verify_code(session, code)


def test_facts_come_from_the_attempt_and_its_first_score(fresh_database, finished):
    with fresh_database() as session:
        facts = facts_for(session, finished.id, proctor="  Jordan   Lee ", accommodations="  ")
        score = session.get(Attempt, finished.id).scores[0]
    assert (facts.score_id, facts.score_version, facts.candidate, facts.test, facts.mode) == (
        score.id, 1, "Ana Ruiz", "typing", "exam")
    assert (facts.errors, facts.passed, facts.rule, facts.threshold) == (1, False, "standard", 100.0)
    assert facts.net_rate == report_round(score.net_rate)
    assert facts.taken_at.endswith(" UTC") and len(facts.taken_at) == len("2025-03-04 14:05 UTC")
    assert (facts.proctor, facts.accommodations) == ("Jordan Lee", None)


def test_a_code_from_a_report_verifies_and_gives_the_facts_as_recorded(fresh_database, finished):
    code = _code(fresh_database, finished.id, proctor="Jordan Lee")
    result = _verify(fresh_database, code)
    assert (result.ok, result.status, result.code) == (True, VALID, code)
    assert result.facts.candidate == "Ana Ruiz" and result.facts.errors == 1
    assert result.facts.proctor is None  # not in the records
    assert "matches score record" in result.reason


@pytest.mark.parametrize("reading", [
    pytest.param(str.lower, id="lower-case"),
    pytest.param(lambda c: c.replace("-", " "), id="spaces-for-dashes"),
    pytest.param(lambda c: c.replace("-", ""), id="no-dashes"),
    pytest.param(lambda c: f"  {c}  ", id="padded"),
])
def test_a_code_read_back_carelessly_still_verifies(fresh_database, finished, reading):
    assert _verify(fresh_database, reading(_code(fresh_database, finished.id))).ok


@pytest.mark.parametrize("statement", [
    pytest.param("UPDATE scores SET net_rate = 61.5", id="net-rate-raised"),
    pytest.param("UPDATE scores SET passed = 1", id="verdict-flipped"),
    pytest.param("UPDATE scores SET errors = 0", id="errors-removed"),
    pytest.param("UPDATE scores SET threshold = 20", id="pass-mark-lowered"),
    pytest.param("UPDATE people SET name = 'Someone Else'", id="candidate-renamed"),
    pytest.param("UPDATE attempts SET mode = 'practice'", id="conditions-changed"),
])
def test_an_altered_record_no_longer_matches_its_code(fresh_database, finished, statement):
    code = _code(fresh_database, finished.id)
    with fresh_database() as session:  # straight to the database, past the append-only guard
        session.execute(text(statement))
        session.commit()
    result = _verify(fresh_database, code)
    assert (result.ok, result.status) == (False, MISMATCH)
    assert "altered" in result.reason and "forged" in result.reason
    assert result.facts is not None  # what the record now says, for whoever investigates


def test_an_invented_code_for_a_real_score_does_not_match(fresh_database, finished):
    real = _code(fresh_database, finished.id)
    forged = real[:-1] + ("A" if real[-1] != "A" else "B")
    assert _verify(fresh_database, forged).status == MISMATCH


def test_a_code_for_a_score_that_does_not_exist(fresh_database, finished):
    result = _verify(fresh_database, "999-ABCDE-FGH23")
    assert (result.ok, result.status, result.facts) == (False, NO_RECORD, None)
    assert "no score number 999" in result.reason


@pytest.mark.parametrize("code", ["", "hello", "12-ABCDE", "12-ABCDE-FGH20", "12_ABCDE!FGH23"])
def test_malformed_codes_are_refused_with_a_reason(fresh_database, code):
    result = _verify(fresh_database, code)
    assert (result.ok, result.status, result.facts) == (False, MALFORMED, None)
    assert result.reason.startswith("Malformed code: ")


def test_a_re_score_is_a_separate_report_and_the_first_version_stands(fresh_database, finished):
    with fresh_database() as session:
        rescore_typing_attempt(session, finished.id, "penalty:10")
    with fresh_database() as session:
        first = facts_for(session, finished.id)
        second = facts_for(session, finished.id, version=2)
        with pytest.raises(LookupError, match="no score version 3 \\(it has 1, 2\\)"):
            facts_for(session, finished.id, version=3)
    assert (first.score_version, first.rule, second.score_version, second.rule) == (1, "standard", 2, "penalty:10")
    assert second.net_rate < first.net_rate
    result = _verify(fresh_database, verification_code(second))
    assert result.ok and "version 1 is the score that stands" in result.reason
    assert _verify(fresh_database, verification_code(first)).ok


def test_no_report_for_an_unknown_or_unfinished_attempt(fresh_database):
    with fresh_database() as session:
        attempt = start_typing_attempt(session, TypingSetup("Ana Ruiz", form_id="practice-short", duration_s=60))
    with fresh_database() as session:
        with pytest.raises(LookupError, match="no test attempt"):
            facts_for(session, "nope")
        with pytest.raises(LookupError, match="not finished"):
            facts_for(session, attempt.id)


def test_a_10_key_report_carries_its_accuracy_minimum(fresh_database):
    items = get_item_set("tenkey-practice-amounts").keys
    keyed = "\n".join(items[:4]) + "\n"
    with fresh_database() as session:
        attempt = start_tenkey_attempt(session, TenKeySetup("Ben Okafor", form_id="tenkey-practice-amounts",
                                                            duration_s=60, keypad_only=True, min_accuracy=95.0))
    with fresh_database() as session:
        events = key_events(keyed, interval_ms=100, keypad=True)
        ingest_batch(session, attempt.id, parse_batch(batch_body(attempt.capture_token, 0, events, keyed)))
        finish_attempt(session, attempt.id, attempt.capture_token, "early")
    with fresh_database() as session:
        facts = facts_for(session, attempt.id)
    assert (facts.test, facts.rate_unit, facts.min_accuracy, facts.max_errors, facts.errors) == (
        "tenkey", "KPH", 95.0, None, 0)
    assert _verify(fresh_database, verification_code(facts)).ok


# --------------------------------------------------------------------------- the commands


def run(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="csr-sim")
    cli_results.register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    return args.handler(args)


def test_verify_command_prints_the_facts_of_a_valid_code(fresh_database, finished, capsys):
    code = _code(fresh_database, finished.id)
    assert run(["verify", code.lower()]) == 0
    out = capsys.readouterr().out
    assert out.startswith("Valid: ")
    for expected in (code, "Ana Ruiz", "Errors:", "NOT PASSED", "Standard rule"):
        assert expected in out
    assert "Proctor" not in out


@pytest.mark.parametrize("code, reason", [
    pytest.param("12-ABCDE", "Malformed code", id="malformed"),
    pytest.param("999-ABCDE-FGH23", "No such record", id="no-record"),
])
def test_verify_command_exits_1_with_the_reason(fresh_database, finished, capsys, code, reason):
    assert run(["verify", code]) == 1
    assert capsys.readouterr().out.startswith(reason)


def test_verify_command_detects_an_altered_score(fresh_database, finished, capsys):
    code = _code(fresh_database, finished.id)
    with fresh_database() as session:
        session.execute(text("UPDATE scores SET passed = 1"))
        session.commit()
    assert run(["verify", code]) == 1
    assert "does not match" in capsys.readouterr().out


def test_certificate_command_writes_a_pdf_whose_code_verifies(fresh_database, finished, tmp_path, capsys):
    out = tmp_path / "report.pdf"
    assert run(["certificate", finished.id, "--out", str(out), "--proctor", "Jordan Lee",
                "--accommodations", "Large-print copy"]) == 0
    code = _code(fresh_database, finished.id)
    assert code in capsys.readouterr().out
    page = " ".join(PdfReader(io.BytesIO(out.read_bytes())).pages[0].extract_text().split())
    for expected in ("Ana Ruiz", "Jordan Lee", "Large-print copy", "NOT PASSED", code):
        assert expected in page
    assert run(["verify", code]) == 0


def test_certificate_command_for_a_re_score_version(fresh_database, finished, tmp_path, capsys):
    with fresh_database() as session:
        rescore_typing_attempt(session, finished.id, "penalty:10")
    out = tmp_path / "v2.pdf"
    assert run(["certificate", finished.id, "--out", str(out), "--score-version", "2"]) == 0
    assert _code(fresh_database, finished.id, version=2) in capsys.readouterr().out


@pytest.mark.parametrize("argv, message", [
    pytest.param(["certificate", "nope", "--out", "{tmp}/r.pdf"], "no test attempt 'nope'", id="unknown-attempt"),
    pytest.param(["certificate", "{attempt}", "--out", "{tmp}/missing/r.pdf"], "does not exist", id="no-folder"),
    pytest.param(["certificate", "{attempt}", "--out", "{tmp}/r.pdf", "--score-version", "5"],
                 "no score version 5", id="no-such-version"),
])
def test_certificate_command_refuses_bad_input_with_status_2(fresh_database, finished, tmp_path, capsys,
                                                              argv, message):
    argv = [a.format(tmp=tmp_path, attempt=finished.id) for a in argv]
    assert run(argv) == 2
    assert message in capsys.readouterr().err
    assert not list(tmp_path.glob("**/*.pdf"))
