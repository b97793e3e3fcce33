"""Score reports: the installation secret, the verification code, the words and the PDF's text."""

from __future__ import annotations

import dataclasses
import io
import os
import re
import stat

import pytest
from pypdf import PdfReader

from results import local_secrets
from results.certificates import (
    REPORT_TITLE,
    UTILITY_NAME,
    CertificateFacts,
    MalformedCode,
    canonical_facts,
    parse_code,
    pass_mark_in_words,
    render_pdf,
    report_lines,
    rule_in_words,
    verification_code,
)
from results.local_secrets import DamagedSecret, local_secret, secret_path


@pytest.fixture(autouse=True)
def own_data_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("CSR_SIM_DATA_DIR", str(tmp_path))
    return tmp_path


TYPING = CertificateFacts(
    score_id=42, score_version=1, attempt_id="a1b2", candidate="Ana Ruiz", taken_at="2025-03-04 14:05 UTC",
    test="typing", form_id="exam-form-a", mode="exam", duration_s=300, scored_seconds=300.0, rate_unit="WPM",
    gross_rate=52.4, errors=3, net_rate=51.8, accuracy=97.5, rule="standard", threshold=45.0, max_errors=None,
    min_accuracy=None, passed=True, proctor="Jordan Lee", accommodations="Large-print copy",
)
TENKEY = dataclasses.replace(
    TYPING, test="tenkey", form_id="tenkey-exam-b", rate_unit="KPH", gross_rate=9120.0, net_rate=8640.5,
    errors=2, accuracy=96.0, rule="Enter not counted, keypad only", threshold=8000.0, min_accuracy=97.0,
    passed=False, proctor=None, accommodations=None,
)
DRILL = dataclasses.replace(
    TYPING, test="drill", form_id="tenkey-drill-01", mode="practice", rate_unit="KPH", gross_rate=7000.0,
    net_rate=7000.0, errors=0, accuracy=None, rule="balance the batch", threshold=0.0, passed=True,
)


# --------------------------------------------------------------------------- the installation secret


def test_a_secret_is_made_once_with_owner_only_access_and_then_read_back(own_data_dir):
    first = local_secret("certificates")
    assert len(first) == 32
    path = own_data_dir / "secrets" / "certificates"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert local_secret("certificates") == first
    assert [p.name for p in path.parent.iterdir()] == ["certificates"]  # no temporary file left behind


def test_each_name_has_its_own_secret():
    assert local_secret("certificates") != local_secret("exports")


def test_a_secret_is_not_replaced_when_another_process_made_it_first():
    path = secret_path("certificates")
    path.parent.mkdir(parents=True)
    path.write_text("ab" * 32 + "\n")
    local_secrets._create(path)  # as when two processes both found no secret and both made one
    assert local_secret("certificates") == bytes.fromhex("ab" * 32)
    assert [p.name for p in path.parent.iterdir()] == ["certificates"]


@pytest.mark.parametrize("content", [
    pytest.param("", id="empty"),
    pytest.param("not hex at all", id="not-hex"),
    pytest.param("ab" * 16, id="too-short"),
])
def test_a_damaged_secret_is_an_error_not_silently_replaced(content):
    path = secret_path("certificates")
    path.parent.mkdir(parents=True)
    path.write_text(content)
    with pytest.raises(DamagedSecret, match="restore it from a backup"):
        local_secret("certificates")
    assert path.read_text() == content


@pytest.mark.parametrize("name", ["", "../escape", "UPPER", "a/b", ".hidden", "x" * 65])
def test_secret_names_cannot_leave_the_secrets_folder(name):
    with pytest.raises(ValueError, match="secret name"):
        local_secret(name)


# --------------------------------------------------------------------------- the code


def test_the_code_is_the_score_id_and_ten_base32_letters_in_groups():
    code = verification_code(TYPING)
    number, first, second = code.split("-")
    assert number == "42"
    assert len(first) == len(second) == 5
    assert set(first + second) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567")
    assert verification_code(TYPING) == code


@pytest.mark.parametrize("field, value", [
    pytest.param("candidate", "Ana Ruíz", id="candidate"),
    pytest.param("taken_at", "2025-03-05 14:05 UTC", id="date"),
    pytest.param("test", "tenkey", id="test"),
    pytest.param("net_rate", 51.81, id="net-rate"),
    pytest.param("gross_rate", 60.0, id="gross-rate"),
    pytest.param("errors", 2, id="errors"),
    pytest.param("accuracy", 99.0, id="accuracy"),
    pytest.param("rule", "penalty:10", id="rule"),
    pytest.param("threshold", 40.0, id="threshold"),
    pytest.param("passed", False, id="verdict"),
    pytest.param("score_version", 2, id="version"),
    pytest.param("duration_s", 180, id="duration"),
])
def test_changing_any_recorded_fact_changes_the_code(field, value):
    assert verification_code(dataclasses.replace(TYPING, **{field: value})) != verification_code(TYPING)


def test_proctor_and_accommodations_are_not_part_of_the_code():
    other = dataclasses.replace(TYPING, proctor="Someone Else", accommodations=None)
    assert canonical_facts(other) == canonical_facts(TYPING)
    assert b"Jordan" not in canonical_facts(TYPING)


def test_another_installation_gives_another_code(tmp_path, monkeypatch):
    here = verification_code(TYPING)
    monkeypatch.setenv("CSR_SIM_DATA_DIR", str(tmp_path / "elsewhere"))
    assert verification_code(TYPING) != here


@pytest.mark.parametrize("typed, expected", [
    pytest.param("42-ABCDE-FGH23", (42, "ABCDEFGH23"), id="as-printed"),
    pytest.param("42-abcde-fgh23", (42, "ABCDEFGH23"), id="lower-case"),
    pytest.param("  42 ABCDE FGH23 ", (42, "ABCDEFGH23"), id="spaces"),
    pytest.param("42ABCDEFGH23", (42, "ABCDEFGH23"), id="run-together"),
    pytest.param("4-2-A-B-C-D-E-F-G-H-2-3", (42, "ABCDEFGH23"), id="dashes-everywhere"),
    pytest.param("42\u2013ABCDE\u2014FGH23", (42, "ABCDEFGH23"), id="typographic-dashes"),
    pytest.param("0042-ABCDE-FGH23", (42, "ABCDEFGH23"), id="leading-zeros"),
    pytest.param("7-22222-77777", (7, "2222277777"), id="digits-in-letters"),
])
def test_codes_are_read_whatever_the_case_spacing_and_dashes(typed, expected):
    assert parse_code(typed) == expected


@pytest.mark.parametrize("typed, reason", [
    pytest.param("", "no code was given", id="empty"),
    pytest.param(" - - ", "no code was given", id="only-dashes"),
    pytest.param("42-ABCDE", "too short", id="too-short"),
    pytest.param("ABCDEFGH23", "too short", id="letters-only"),
    pytest.param("XY-ABCDE-FGH23", "start with the score number", id="no-number"),
    pytest.param("4X2-ABCDE-FGH23", "start with the score number", id="letter-in-the-number"),
    pytest.param("42-ABCDE-FGH20", "'0' is not one of them (did you mean the letter O?)", id="zero-for-O"),
    pytest.param("42-ABCDE-FGH21", "did you mean the letter I or L?", id="one-for-I"),
    pytest.param("42-ABCD8-FGH23", "did you mean the letter B?", id="eight-for-B"),
    pytest.param("42-ABCDE-FGH29", "'9' is not one of them", id="nine"),
    pytest.param("42/ABCDE/FGH23", "not '/'", id="slash"),
    pytest.param("42-ÄBCDE-FGH23", "not 'Ä'", id="non-ascii"),
    pytest.param("1" * 30 + "ABCDEFGH23", "score number is too long", id="huge-number"),
    pytest.param("42-ABCDE-FGH23" * 10, "not a verification code", id="absurdly-long"),
])
def test_malformed_codes_say_what_is_wrong(typed, reason):
    with pytest.raises(MalformedCode, match=re.escape(reason)):
        parse_code(typed)


# --------------------------------------------------------------------------- the words


@pytest.mark.parametrize("facts, rule, mark", [
    pytest.param(TYPING, "Standard rule: net WPM = gross WPM - errors / minutes", "at least 45 net WPM",
                 id="typing-standard"),
    pytest.param(dataclasses.replace(TYPING, rule="penalty:10, at most 3 errors", max_errors=3),
                 "Penalty rule: net WPM = (gross words - 10 x errors) / minutes",
                 "at least 45 net WPM with at most 3 errors", id="typing-penalty-with-cap"),
    pytest.param(TENKEY, "Entries must match the items exactly; Enter not counted, keypad only",
                 "at least 8,000 net KPH and 97 % accuracy", id="tenkey"),
    pytest.param(DRILL, "The batch must balance, every stub keyed at its check amount", "the batch balances",
                 id="drill"),
])
def test_rule_and_pass_mark_in_words(facts, rule, mark):
    assert rule_in_words(facts).startswith(rule)
    assert pass_mark_in_words(facts) == mark


@pytest.mark.parametrize("facts, expected", [
    pytest.param(TYPING, {"Accommodations": "Large-print copy", "Proctor": "Jordan Lee", "Result": "PASS",
                          "Accuracy": "97.50 % of words correct", "Duration": "5 minutes (scored over 300.00 s)"},
                 id="typing"),
    pytest.param(TENKEY, {"Accommodations": "none", "Proctor": "not recorded", "Result": "NOT PASSED",
                          "Net rate": "8,640.50 KPH", "Accuracy": "96.00 % of entries correct"}, id="tenkey"),
    pytest.param(DRILL, {"Accuracy": "not measured for this test",
                         "Duration": "up to 5 minutes (scored over 300.00 s)"}, id="drill"),
    pytest.param(dataclasses.replace(TYPING, score_version=2),
                 {"Score record": "42, version 2 (a re-score; version 1 stands)"}, id="re-score"),
])
def test_report_lines(facts, expected):
    lines = dict(report_lines(facts))
    assert {label: lines[label] for label in expected} == expected


# --------------------------------------------------------------------------- the PDF


def pdf_text(pdf: bytes) -> str:
    reader = PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) == 1
    assert [float(v) for v in reader.pages[0].mediabox] == [0, 0, 612, 792]  # US Letter
    return " ".join(reader.pages[0].extract_text().split())


@pytest.mark.parametrize("facts", [
    pytest.param(TYPING, id="typing-pass"),
    pytest.param(TENKEY, id="tenkey-not-passed"),
    pytest.param(DRILL, id="drill"),
    pytest.param(dataclasses.replace(TYPING, candidate="Zoë $5 O'Brien-Ng", accommodations="50% extra time; $ signs"),
                 id="characters-that-could-start-mathtext"),
])
def test_every_field_of_the_report_is_in_the_pdf_text(facts):
    code = verification_code(facts)
    text = pdf_text(render_pdf(facts))
    assert UTILITY_NAME in text
    assert REPORT_TITLE in text
    for label, value in report_lines(facts):
        assert label in text
        assert " ".join(value.split()) in text, label
    assert code in text
    assert f"Verify at /verify or with csr-sim verify {code}" in text


def test_a_long_accommodation_is_wrapped_not_cut_off_the_page():
    note = "Extended time of one and a half times the standard duration, with a large-print passage. " * 2
    text = pdf_text(render_pdf(dataclasses.replace(TYPING, accommodations=note)))
    assert " ".join(note.split()) in text


def test_the_pdf_is_the_same_for_the_same_facts():
    assert render_pdf(TYPING) == render_pdf(TYPING)


def test_the_pdf_carries_its_title_and_code_in_its_metadata():
    info = PdfReader(io.BytesIO(render_pdf(TYPING))).metadata
    assert info.title == f"{REPORT_TITLE}: Ana Ruiz"
    assert info.author == UTILITY_NAME
    assert verification_code(TYPING) in info.subject


def test_secret_file_is_created_with_restricted_mode_even_with_a_permissive_umask(own_data_dir):
    previous = os.umask(0)
    try:
        local_secret("certificates")
    finally:
        os.umask(previous)
    assert stat.S_IMODE((own_data_dir / "secrets" / "certificates").stat().st_mode) == 0o600
    assert stat.S_IMODE((own_data_dir / "secrets").stat().st_mode) == 0o700
