"""Roster CSV rows: every problem found, with its line number, before anything is imported."""

from __future__ import annotations

import pytest

from assessments.roster_csv import Candidate, RosterFileError, parse_roster_csv

HEADER = "name,email,extended_time,large_text,high_contrast"


def parse(*lines: str, newline: str = "\n"):
    return parse_roster_csv(newline.join(lines) + newline)


def problems(*lines: str) -> list[str]:
    with pytest.raises(RosterFileError) as caught:
        parse(*lines)
    return caught.value.problems


def test_a_good_file():
    rows = parse(HEADER,
                 "Ana Ruiz,ana@example.org,none,no,no",
                 "  Bo   Chen ,,x1.5,yes,",
                 '"Okafor, Chidi",Chidi@Example.org,x2,TRUE,1')
    assert [r.line for r in rows] == [2, 3, 4]
    assert [r.candidate.model_dump() for r in rows] == [
        {"name": "Ana Ruiz", "email": "ana@example.org", "extended_time": "none", "large_text": False,
         "high_contrast": False},
        {"name": "Bo Chen", "email": None, "extended_time": "x1.5", "large_text": True, "high_contrast": False},
        {"name": "Okafor, Chidi", "email": "chidi@example.org", "extended_time": "x2", "large_text": True,
         "high_contrast": True},
    ]


@pytest.mark.parametrize("data", [
    pytest.param(("\ufeff" + HEADER + "\r\nAna Ruiz,,none,no,no\r\n").encode("utf-8"), id="bom-crlf-bytes"),
    pytest.param(("\ufeff" + HEADER + "\nAna Ruiz,,none,no,no\n").encode("utf-8"), id="bom-lf-bytes"),
    pytest.param("\ufeff" + HEADER + "\r\nAna Ruiz,,none,no,no", id="bom-crlf-text-no-final-newline"),
    pytest.param(HEADER.upper() + "\r\n\r\nAna Ruiz,,none,no,no\r\n\r\n", id="upper-header-blank-lines"),
    pytest.param("\n\n" + HEADER + "\nAna Ruiz,,,,\n", id="blank-lines-before-header-empty-fields"),
])
def test_bom_crlf_capitals_and_blank_lines_are_fine(data):
    [row] = parse_roster_csv(data)
    assert row.candidate.name == "Ana Ruiz"
    assert row.candidate.extended_time == "none"


def test_line_numbers_count_blank_lines():
    rows = parse_roster_csv(HEADER + "\r\n\r\nAna Ruiz,,none,no,no\r\n\r\n\r\nBo Chen,,none,no,no\r\n")
    assert [r.line for r in rows] == [3, 6]


@pytest.mark.parametrize(("row", "expected"), [
    pytest.param(",ana@example.org,none,no,no", "line 2: name: the candidate's name is missing", id="missing-name"),
    pytest.param("   ,,none,no,no", "line 2: name: the candidate's name is missing", id="blank-name"),
    pytest.param("A" * 121 + ",,none,no,no", "line 2: name: the name is longer than 120 characters", id="long-name"),
    pytest.param("Ana Ruiz,not-an-email,none,no,no", "line 2: email: 'not-an-email' is not an email address",
                 id="bad-email"),
    pytest.param("Ana Ruiz,ana@example,none,no,no", "line 2: email: 'ana@example' is not an email address",
                 id="email-without-domain-dot"),
    pytest.param("Ana Ruiz,,x3,no,no", "line 2: extended_time: expected none, x1.5 or x2 (or empty for none), "
                 "not 'x3'", id="bad-extended-time"),
    pytest.param("Ana Ruiz,,150%,no,no", "line 2: extended_time: expected none, x1.5 or x2", id="percent-time"),
    pytest.param("Ana Ruiz,,none,maybe,no", "line 2: large_text: expected yes or no (or empty for no), not 'maybe'",
                 id="bad-boolean-large-text"),
    pytest.param("Ana Ruiz,,none,no,2", "line 2: high_contrast: expected yes or no", id="bad-boolean-contrast"),
    pytest.param("Ana Ruiz,,none,no,no,extra", "line 2: expected 5 columns", id="extra-column"),
    pytest.param("Ana Ruiz,,none,no", "line 2: expected 5 columns", id="missing-column"),
])
def test_one_bad_row(row, expected):
    found = problems(HEADER, row)
    assert any(p.startswith(expected) for p in found), found


def test_a_row_with_several_problems_lists_each():
    found = problems(HEADER, ",bad,x9,perhaps,no")
    assert [p.split(":")[1].strip() for p in found] == ["name", "email", "extended_time", "large_text"]
    assert all(p.startswith("line 2:") for p in found)


def test_every_bad_row_is_reported_at_once_with_its_line():
    found = problems(HEADER,
                     "Ana Ruiz,ana@example.org,none,no,no",
                     ",,none,no,no",
                     "Bo Chen,,x3,no,no",
                     "Cy Diaz,,none,no,no",
                     "ana ruiz,ANA@example.org,x2,yes,yes",
                     "Dee Ek,,none,no,no,surplus")
    assert [p.split(":")[0] for p in found] == ["line 3", "line 4", "line 6", "line 7"]
    assert "Ana Ruiz" in found[2] or "ana ruiz" in found[2]
    assert "already on line 2" in found[2]


@pytest.mark.parametrize(("rows", "duplicate"), [
    pytest.param(("Ana Ruiz,ana@example.org,none,no,no", "ANA  RUIZ,Ana@Example.org,x2,no,no"), True,
                 id="same-name-and-email-any-capitals"),
    pytest.param(("Ana Ruiz,,none,no,no", "Ana Ruiz,,none,no,no"), True, id="same-name-no-email"),
    pytest.param(("Ana Ruiz,ana@example.org,none,no,no", "Ana Ruiz,ana.r@example.org,none,no,no"), False,
                 id="same-name-other-email"),
    pytest.param(("Ana Ruiz,ana@example.org,none,no,no", "Ana Ruiz,,none,no,no"), False,
                 id="same-name-one-without-email"),
])
def test_duplicates_are_name_plus_email(rows, duplicate):
    if duplicate:
        [found] = problems(HEADER, *rows)
        assert found.startswith("line 3:") and found.endswith("is already on line 2")
    else:
        assert len(parse(HEADER, *rows)) == 2


@pytest.mark.parametrize(("data", "expected"), [
    pytest.param("", "the file is empty", id="empty"),
    pytest.param("\r\n\n  \n", "the file is empty", id="only-blank-lines"),
    pytest.param(b"\xef\xbb\xbf", "the file is empty", id="only-bom"),
    pytest.param(HEADER + "\n", "the file has a header but no candidates", id="header-only"),
    pytest.param("name,email,extended_time,large_text\nAna,,none,no\n", "line 1: expected the header",
                 id="missing-header-column"),
    pytest.param(HEADER + ",notes\nAna,,none,no,no,hi\n", "line 1: expected the header", id="extra-header-column"),
    pytest.param("Ana Ruiz,,none,no,no\n", "line 1: expected the header", id="no-header"),
    pytest.param("email,name,extended_time,large_text,high_contrast\n,Ana,none,no,no\n",
                 "line 1: expected the header", id="columns-swapped"),
    pytest.param(b"name,email,extended_time,large_text,high_contrast\nJos\xe9,,none,no,no\n",
                 "the file is not UTF-8 text", id="latin-1-bytes"),
    pytest.param(HEADER + '\n"Ana Ruiz,,none,no,no\n', "line", id="unclosed-quote"),
])
def test_whole_file_problems(data, expected):
    with pytest.raises(RosterFileError) as caught:
        parse_roster_csv(data)
    assert any(p.startswith(expected) for p in caught.value.problems), caught.value.problems


@pytest.mark.parametrize(("text", "value"), [
    *[pytest.param(t, True, id=f"true-{t}") for t in ("yes", "YES", "y", "true", "True", "1", " yes ")],
    *[pytest.param(t, False, id=f"false-{t or 'empty'}") for t in ("no", "N", "false", "0", "")],
])
def test_yes_no_spellings(text, value):
    assert Candidate(name="Ana", large_text=text).large_text is value


@pytest.mark.parametrize(("text", "value"), [
    pytest.param("", "none", id="empty"),
    pytest.param("NONE", "none", id="none-upper"),
    pytest.param("X1.5", "x1.5", id="x1.5-upper"),
    pytest.param(" x2 ", "x2", id="x2-spaces"),
])
def test_extended_time_spellings(text, value):
    assert Candidate(name="Ana", extended_time=text).extended_time == value


def test_the_error_message_lists_every_problem():
    with pytest.raises(RosterFileError) as caught:
        parse(HEADER, ",,none,no,no", "Bo,,x5,no,no")
    assert str(caught.value) == "; ".join(caught.value.problems)
    assert "line 2" in str(caught.value) and "line 3" in str(caught.value)
