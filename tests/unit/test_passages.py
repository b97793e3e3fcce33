"""Typing-test passages: statistics, loading, and the equivalence of the exam forms."""

from __future__ import annotations

import math
import string
from pathlib import Path

import pytest

from skills_tests import passages as passages_module
from skills_tests.passages import (
    EQUIVALENCE_TOLERANCE,
    STATISTICS,
    Passage,
    PassageStats,
    equivalence_table,
    exam_forms,
    forms_equivalence,
    get_passage,
    load_passages,
    normalise_text,
    parse_passage,
    passage_stats,
    practice_passages,
    readability_grade,
)

DOC = Path(__file__).resolve().parents[2] / "docs" / "passage-forms.md"
TYPABLE = set(string.ascii_letters + string.digits + string.punctuation + " \n")


def made_up(passage_id: str, text: str) -> Passage:
    return Passage(id=passage_id, title=passage_id, kind="exam", text=text)


# --- passage_stats on small hand-computed texts --------------------------------------
# Each case lists (words, characters, mean word length, capitals, digits, punctuation),
# the last three as counts over the non-whitespace characters (the denominator).


@pytest.mark.parametrize(
    ("text", "words", "characters", "visible", "capitals", "digits", "punctuation"),
    [
        # "Pay" "$25.00" "now." -> 3 + 6 + 4 = 13 visible; P; 2500; $ . .
        pytest.param("Pay $25.00 now.", 3, 15, 13, 1, 4, 3, id="amount"),
        # "(559)" "555-0148" -> 13 visible; 10 digits; ( ) -
        pytest.param("(559) 555-0148", 2, 14, 13, 0, 10, 3, id="phone-number"),
        # paragraph break counts as one space: "Call us. Thank you." is 19 characters
        pytest.param("Call us.\n\nThank you.", 4, 19, 16, 2, 0, 2, id="paragraph-break"),
        # wrapped and padded: "Account 1004-3382-17 is due." is 28 characters
        pytest.param("  Account   1004-3382-17\n is   due. ", 4, 28, 25, 1, 10, 3, id="wrapped-account-number"),
        pytest.param("NOTICE OF OUTAGE", 3, 16, 14, 14, 0, 0, id="all-capitals"),
        # "Mrs." "O'Neil's" "bill:" "12.5%" -> 4 + 8 + 5 + 5 = 22; M O N; 125; . ' ' : . %
        pytest.param("Mrs. O'Neil's bill: 12.5%", 4, 25, 22, 3, 3, 6, id="apostrophes-colon-percent"),
    ],
)
def test_passage_stats_counts(text, words, characters, visible, capitals, digits, punctuation):
    stats = passage_stats(text)
    assert stats.words == words
    assert stats.characters == characters
    assert stats.mean_word_length == pytest.approx(visible / words)
    assert stats.capitals_share == pytest.approx(capitals / visible)
    assert stats.digits_share == pytest.approx(digits / visible)
    assert stats.punctuation_share == pytest.approx(punctuation / visible)


@pytest.mark.parametrize("text", [pytest.param("", id="empty"), pytest.param(" \n\n\t ", id="whitespace-only")])
def test_passage_stats_of_nothing_is_all_zeros(text):
    assert passage_stats(text) == PassageStats(0, 0, 0.0, 0.0, 0.0, 0.0, 0.0)


# Flesch-Kincaid grade = 0.39 * words/sentences + 11.8 * syllables/words - 15.59.
# One-syllable words only, so the syllable count is the word count.
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # 6 words, 1 sentence, 6 syllables
        pytest.param("The cat sat on the mat.", 0.39 * 6 + 11.8 - 15.59, id="one-sentence"),
        # 8 + 9 = 17 words, 2 sentences, 17 syllables
        pytest.param(
            "The dog ran to the big red barn. We paid the bill on time and went home.",
            0.39 * 17 / 2 + 11.8 - 15.59,
            id="two-sentences",
        ),
        pytest.param("", 0.0, id="empty"),
    ],
)
def test_readability_grade_hand_computed(text, expected):
    assert readability_grade(text) == pytest.approx(expected)
    assert passage_stats(text).readability_grade == pytest.approx(expected)


def test_readability_grade_matches_textstat_with_pyphen_syllables(monkeypatch):
    """Same figure as textstat.flesch_kincaid_grade when textstat counts syllables by Pyphen."""
    textstat = pytest.importorskip("textstat")
    syllables_module = pytest.importorskip("textstat.backend.counts._count_syllables")
    monkeypatch.setattr(syllables_module, "get_cmudict", lambda lang: None)
    texts = [
        "Your deposit of $168.00 will earn simple interest at 1.25% a year, credited after 12 months.",
        "The customer's bill wasn't paid. We can't disconnect service on a weekend, said Ms. Molina.",
        get_passage("exam-form-b").text,
    ]
    for text in texts:
        assert readability_grade(text) == pytest.approx(textstat.flesch_kincaid_grade(text))


def test_readability_grade_needs_no_pronouncing_dictionary(monkeypatch):
    syllables_module = pytest.importorskip("textstat.backend.counts._count_syllables")

    def no_dictionary(lang):
        raise AssertionError("the CMU dictionary must not be loaded")

    monkeypatch.setattr(syllables_module, "get_cmudict", no_dictionary)
    assert passage_stats("Please call us at (559) 555-0148 before the due date.").readability_grade > 0


# --- forms_equivalence ----------------------------------------------------------------


def test_forms_equivalence_reports_spread_beyond_tolerance():
    # 3 words each: (3 + 3 + 5) / 3 vs (6 + 5 + 12) / 3 characters a word
    short = made_up("short", "Pay the bill.")
    long = made_up("long", "Please remit outstanding.")
    spreads = forms_equivalence([short, long])
    assert set(spreads) == set(STATISTICS)
    assert spreads["words"] == 0.0
    assert spreads["mean_word_length"] == pytest.approx((23 / 3 - 11 / 3) / (11 / 3))
    assert spreads["mean_word_length"] > EQUIVALENCE_TOLERANCE
    assert spreads["characters"] == pytest.approx((25 - 13) / 13)
    assert spreads["characters"] > EQUIVALENCE_TOLERANCE


def test_forms_equivalence_just_over_tolerance():
    # 10 vs 12 words is a 20 % spread; 10 vs 11 words is exactly 10 %, the most tolerated
    ten = made_up("ten", " ".join(["bill"] * 10))
    twelve = made_up("twelve", " ".join(["bill"] * 12))
    assert forms_equivalence([ten, twelve])["words"] == pytest.approx(0.2)
    assert forms_equivalence([ten, twelve])["words"] > EQUIVALENCE_TOLERANCE
    eleven = made_up("eleven", " ".join(["bill"] * 11))
    assert forms_equivalence([ten, eleven])["words"] == pytest.approx(0.1)


def test_forms_equivalence_with_a_zero_minimum():
    with_digits = made_up("digits", "Pay $10.00 now.")
    without = made_up("plain", "Pay the bill.")
    spreads = forms_equivalence([with_digits, without])
    assert math.isinf(spreads["digits_share"])
    assert forms_equivalence([without, without])["digits_share"] == 0.0


def test_forms_equivalence_of_identical_texts_is_zero():
    form = made_up("same", "Your bill of $42.10 is due on May 5, 2025.")
    assert forms_equivalence([form, made_up("again", form.text)]) == {name: 0.0 for name in STATISTICS}


def test_forms_equivalence_needs_a_passage():
    with pytest.raises(ValueError):
        forms_equivalence([])


# --- the shipped passages -------------------------------------------------------------


def test_every_passage_loads():
    loaded = load_passages()
    assert loaded, "no passages found"
    assert [p.id for p in loaded] == sorted(p.id for p in loaded)
    assert len({p.id for p in loaded}) == len(loaded)
    for passage in loaded:
        assert passage.title.strip()
        assert passage.kind in ("exam", "practice")
        assert passage.stats.words > 0
        assert get_passage(passage.id) == passage


@pytest.mark.parametrize("passage", load_passages(), ids=lambda p: p.id)
def test_passage_is_printable_ascii_and_normalised(passage):
    assert set(passage.text) <= TYPABLE, sorted(set(passage.text) - TYPABLE)
    assert passage.text == passage.text.strip()
    for paragraph in passage.text.split("\n\n"):
        assert paragraph and paragraph == " ".join(paragraph.split())


def test_exam_forms():
    forms = exam_forms()
    assert {"exam-form-a", "exam-form-b", "exam-form-c"} <= {p.id for p in forms}
    for form in forms:
        assert form.kind == "exam"
        assert form.stats.words >= 600, form.id


def test_practice_passages():
    practice = practice_passages()
    assert len(practice) >= 4
    assert all(p.kind == "practice" for p in practice)
    assert all(p.id.startswith("practice-") for p in practice)
    for passage in practice:
        if passage.id != "practice-short":
            assert 150 <= passage.stats.words <= 400, passage.id


def test_short_practice_passage_for_end_to_end_tests():
    short = get_passage("practice-short")
    assert short.kind == "practice"
    assert 60 <= short.stats.words <= 90
    assert set(short.text) <= set(string.ascii_letters + string.digits + ". ,")


def test_exam_forms_are_equivalent():
    spreads = forms_equivalence(exam_forms())
    too_far = {name: round(spread, 3) for name, spread in spreads.items() if spread > EQUIVALENCE_TOLERANCE}
    assert not too_far, f"exam forms differ by more than {EQUIVALENCE_TOLERANCE:.0%}: {too_far}"


def test_get_passage_unknown_id_lists_valid_ids():
    with pytest.raises(KeyError) as caught:
        get_passage("exam-form-z")
    message = str(caught.value)
    assert "exam-form-z" in message
    for passage in load_passages():
        assert passage.id in message


def test_doc_table_is_current():
    """docs/passage-forms.md holds the output of `python -m skills_tests.passages`."""
    table = equivalence_table()
    assert table in DOC.read_text(encoding="utf-8"), "regenerate with: python -m skills_tests.passages"
    for name in STATISTICS:
        assert name.replace("_", " ") in table


# --- the file format ------------------------------------------------------------------


def test_parse_passage_collapses_wrapping():
    source = "title: Budget Billing\nkind: practice\n\nPay the same\n   amount  every month.\n\n\n\nCall us.\n"
    passage = parse_passage("practice-budget", source)
    assert passage == Passage("practice-budget", "Budget Billing", "practice", "Pay the same amount every month.\n\nCall us.")


def test_normalise_text_keeps_paragraphs():
    assert normalise_text("\n\n a\n b \n\n\n c\n") == "a b\n\nc"


@pytest.mark.parametrize(
    "source",
    [
        pytest.param("kind: exam\ntitle: X\n\nText.\n", id="header-order"),
        pytest.param("title: X\nkind: quiz\n\nText.\n", id="unknown-kind"),
        pytest.param("title: X\nkind: exam\nText.\nMore.\n", id="no-blank-line"),
        pytest.param("title: \nkind: exam\n\nText.\n", id="empty-title"),
        pytest.param("title: X\nkind: exam\n\n\n\n", id="no-text"),
        pytest.param("title: X\nkind: exam\n\nPay now \u2014 today.\n", id="em-dash"),
        pytest.param("title: X\nkind: exam\n\n\u201cQuoted\u201d text.\n", id="curly-quotes"),
        pytest.param("title: X\nkind: exam\n\nSe habla espa\u00f1ol.\n", id="accented-letter"),
    ],
)
def test_parse_passage_rejects(source):
    with pytest.raises(ValueError, match="bad-form"):
        parse_passage("bad-form", source)


def test_passage_files_use_importlib_resources():
    directory = passages_module.resources.files("skills_tests") / passages_module.PASSAGE_DIR
    stems = sorted(e.name.removesuffix(".txt") for e in directory.iterdir() if e.name.endswith(".txt"))
    assert stems == [p.id for p in load_passages()]
