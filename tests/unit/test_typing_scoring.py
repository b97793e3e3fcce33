"""Typing-test scoring: reference vectors, what counts as an error, rules and reporting."""

from __future__ import annotations

import json
import string

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from skills_tests.alignment import align_words
from skills_tests.typing_scoring import (
    DEFAULT_THRESHOLD_NET_WPM,
    TypingError,
    TypingRule,
    TypingScore,
    report_round,
    score_typing,
    split_words,
)

PANGRAM = "the quick brown fox jumps over the lazy dog"


def word(index: int, length: int) -> str:
    """A distinct lower-case word of the given length for each index."""
    letters = []
    for _ in range(length):
        index, digit = divmod(index, 26)
        letters.append(string.ascii_lowercase[digit])
    return "".join(reversed(letters))


def attempt(chars: int, wrong: int, word_length: int = 4) -> tuple[str, str]:
    """A passage and a typed text of exactly ``chars`` characters with ``wrong`` wrong words.

    Words of ``word_length`` letters separated by single spaces; the last typed word takes
    up the remainder. A wrong word is the passage word with its first letter capitalised.
    """
    count = (chars + 1) // (word_length + 1)
    remainder = chars - (count * (word_length + 1) - 1)
    words = [word(i, word_length) for i in range(count)]
    words[-1] = word(count - 1, word_length + remainder)
    passage = words + [word(count + i, word_length) for i in range(50)]
    assert 0 <= wrong <= count
    typed = list(words)
    step = count / wrong if wrong else 0
    for k in range(wrong):
        position = int(k * step)
        typed[position] = typed[position].capitalize()
    text = " ".join(typed)
    assert len(text) == chars
    return " ".join(passage), text


# --- reference vectors (docs/scoring.md, shared reference on scoring standards) --------


@pytest.mark.parametrize(
    ("chars", "wrong", "seconds", "rule", "gross", "net"),
    [
        # toipe's own tests (src/results.rs), 30-second tests, standard rule
        pytest.param(100, 5, 30, "standard", 40.0, 30.0, id="toipe-100-chars-5-errors"),
        pytest.param(200, 0, 30, "standard", 80.0, 80.0, id="toipe-200-chars-0-errors"),
        pytest.param(200, 30, 30, "standard", 80.0, 20.0, id="toipe-200-chars-30-errors"),
        pytest.param(200, 40, 30, "standard", 80.0, 0.0, id="toipe-200-chars-40-errors-floored"),
        # TypingMaster: 1,750 keystrokes, 5 wrong words, 5 minutes
        pytest.param(1750, 5, 300, "standard", 70.0, 69.0, id="typingmaster-1750-5-errors"),
        # City of San Diego: gross 50, 3 errors -> 44, 10 words (2 WPM over 5 min) each
        pytest.param(1250, 3, 300, "penalty:10", 50.0, 44.0, id="san-diego-gross-50-3-errors"),
        pytest.param(1250, 3, 300, "standard", 50.0, 49.4, id="san-diego-text-standard-rule"),
        # US Navy: 556 strokes, 0 errors, 5 minutes -> 22.24
        pytest.param(556, 0, 300, "penalty:10", 22.24, 22.24, id="navy-556-strokes"),
        # typing.com: 300 characters in 2 minutes = 30 gross WPM
        pytest.param(300, 0, 120, "standard", 30.0, 30.0, id="typing-com-300-in-2-minutes"),
        # penalty rule floored at zero
        pytest.param(500, 11, 60, "penalty:10", 100.0, 0.0, id="penalty-floored"),
    ],
)
def test_reference_vectors(chars, wrong, seconds, rule, gross, net):
    source, typed = attempt(chars, wrong)
    score = score_typing(source, typed, seconds, rule)
    assert score.gross_chars == chars
    assert score.errors == wrong
    assert score.gross_wpm == pytest.approx(gross)
    assert score.net_wpm == pytest.approx(net)
    assert report_round(score.net_wpm) == net


@pytest.mark.parametrize(
    ("typed", "errors"),
    [
        pytest.param("the brown fox jumps over the lazy dog", 1, id="quick-left-out"),
        pytest.param("the quick quick brown fox jumps over the lazy dog", 1, id="quick-typed-twice"),
    ],
)
def test_reference_alignment_table(typed, errors):
    assert score_typing(PANGRAM, typed, 60, ended_by="completion").errors == errors


# --- what counts as one error ------------------------------------------------------------
# (typed, ended_by, errors, [(kind, passage words, typed words)])

ERROR_CASES = [
    pytest.param("the quick brown fox", "time", 0, [], id="correct-prefix"),
    pytest.param("the quikc brown fox", "time", 1, [("wrong", ("quick",), ("quikc",))], id="misspelled"),
    pytest.param("The quick brown fox", "time", 1, [("wrong", ("the",), ("The",))], id="capital-letter"),
    pytest.param("the quick. brown fox", "time", 1, [("wrong", ("quick",), ("quick.",))], id="extra-punctuation"),
    pytest.param("the brown fox jumps", "time", 1, [("omitted", ("quick",), ())], id="omitted-word"),
    pytest.param("the the quick brown", "time", 1, [("inserted", (), ("the",))], id="inserted-word"),
    pytest.param("quick the brown fox", "time", 1, [("transposed", ("the", "quick"), ("quick", "the"))], id="transposed"),
    pytest.param("the quickbrown fox", "time", 1, [("merged", ("quick", "brown"), ("quickbrown",))], id="missing-space"),
    pytest.param("the quick bro wn fox", "time", 1, [("split", ("brown",), ("bro", "wn"))], id="space-inside-word"),
    pytest.param("the  quick brown", "time", 1, [("spacing", ("quick",), ("quick",))], id="double-space"),
    pytest.param("the     quick brown", "time", 1, [("spacing", ("quick",), ("quick",))], id="many-spaces-one-error"),
    pytest.param("the  quack brown", "time", 1, [("wrong", ("quick",), ("quack",))], id="double-space-before-wrong-word"),
    pytest.param("the\tquick  brown", "time", 1, [("spacing", ("brown",), ("brown",))], id="tab-counts-as-space"),
    pytest.param(" \tthe quick", "time", 1, [("spacing", ("the",), ("the",))], id="space-and-tab-run"),
    pytest.param("  the quick", "time", 1, [("spacing", ("the",), ("the",))], id="leading-double-space"),
    pytest.param(" the quick", "time", 0, [], id="leading-single-space"),
    pytest.param("\nthe quick", "time", 0, [], id="leading-line-break"),
    pytest.param("the quick   ", "time", 0, [], id="trailing-spaces-ignored"),
    pytest.param("the quick\n\n", "completion", 0, [], id="trailing-line-breaks-ignored"),
    pytest.param("the quick\nbrown fox", "time", 0, [], id="line-break-for-space"),
    pytest.param("the quick\r\nbrown fox", "time", 0, [], id="windows-line-break"),
    pytest.param("the quick\n\n\nbrown fox", "time", 0, [], id="blank-lines-not-spacing"),
    pytest.param("the quick \nbrown fox", "time", 0, [], id="space-then-line-break"),
    pytest.param("the quick\n  brown fox", "time", 1, [("spacing", ("brown",), ("brown",))], id="indented-line"),
    pytest.param("the qu", "time", 0, [], id="unfinished-by-time"),
    pytest.param("the quick brown fox ju", "time", 0, [], id="doc-unfinished-ju"),
    pytest.param("the quick brown fox jmu", "time", 1, [("wrong", ("jumps",), ("jmu",))], id="doc-unfinished-jmu"),
    pytest.param("the quick brown fox Ju", "time", 1, [("wrong", ("jumps",), ("Ju",))], id="doc-unfinished-capital"),
    pytest.param("the quick brown fox ju ", "time", 1, [("wrong", ("jumps",), ("ju",))], id="doc-unfinished-then-space"),
    pytest.param("the quick brown fox ju", "completion", 1, [("wrong", ("jumps",), ("ju",))], id="doc-finished-early"),
    pytest.param("the qu", "completion", 1, [("wrong", ("quick",), ("qu",))], id="unfinished-by-completion"),
    pytest.param("the qu ", "time", 1, [("wrong", ("quick",), ("qu",))], id="short-word-then-space"),
    pytest.param("the qx", "time", 1, [("wrong", ("quick",), ("qx",))], id="wrong-beginning-by-time"),
    pytest.param("the QU", "time", 1, [("wrong", ("quick",), ("QU",))], id="beginning-wrong-case"),
    pytest.param(PANGRAM, "completion", 0, [], id="whole-passage"),
    pytest.param(PANGRAM + " the", "completion", 1, [("inserted", (), ("the",))], id="typed-beyond-the-end"),
    pytest.param(
        "the quack brwn fox", "time", 2,
        [("wrong", ("quick",), ("quack",)), ("wrong", ("brown",), ("brwn",))],
        id="two-wrong-words",
    ),
    pytest.param(
        "quick the  brown fx jumps the lazy", "time", 4,
        [
            ("transposed", ("the", "quick"), ("quick", "the")),
            ("spacing", ("brown",), ("brown",)),
            ("wrong", ("fox",), ("fx",)),
            ("omitted", ("over",), ()),
        ],
        id="mixed-four-errors",
    ),
    pytest.param(
        "thequick brown fox jum ps over over the la", "time", 3,
        [
            ("merged", ("the", "quick"), ("thequick",)),
            ("split", ("jumps",), ("jum", "ps")),
            ("inserted", (), ("over",)),
        ],
        id="merged-split-inserted-unfinished",
    ),
]


@pytest.mark.parametrize(("typed", "ended_by", "errors", "expected"), ERROR_CASES)
def test_error_counting(typed, ended_by, errors, expected):
    score = score_typing(PANGRAM, typed, 60, ended_by=ended_by)
    assert score.errors == errors
    assert [(e.kind, e.source_words, e.typed_words) for e in score.error_list] == expected


def test_skipped_line_counts_each_word_once_and_does_not_cascade():
    lines = [
        "Customers may report an outage by phone or through the web portal.",
        "Crews are dispatched in order of hazard and customers affected.",
        "Estimated restoration times are posted and updated every hour.",
        "Please keep clear of fallen lines and report them at once.",
    ]
    source = "\n".join(lines)
    typed = "\n".join([lines[0], lines[2], lines[3]])
    score = score_typing(source, typed, 300, ended_by="completion")
    assert score.errors == 10
    assert {e.kind for e in score.error_list} == {"omitted"}
    assert [e.source_words[0] for e in score.error_list] == lines[1].split()


def test_error_list_indices():
    score = score_typing(PANGRAM, "the brown fox jumps over the the lazy", 60)
    assert score.error_list == (
        TypingError("omitted", 1, ("quick",), None, ()),
        TypingError("inserted", None, (), 6, ("the",)),
    )


def test_alignment_for_display():
    score = score_typing(PANGRAM, "the qiuck  brown fox jum", 60)
    shown = [(s.kind, s.source_index, s.source_words, s.typed_index, s.typed_words) for s in score.alignment]
    assert shown == [
        ("match", 0, ("the",), 0, ("the",)),
        ("wrong", 1, ("quick",), 1, ("qiuck",)),
        ("spacing", 2, ("brown",), 2, ("brown",)),
        ("match", 3, ("fox",), 3, ("fox",)),
        ("unfinished", 4, ("jumps",), 4, ("jum",)),
    ]


# --- gross characters, accuracy, words ---------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "gross", "words_typed", "words_correct", "word_accuracy", "char_accuracy"),
    [
        pytest.param("", 0, 0, 0, 0.0, 0.0, id="empty"),
        pytest.param("   \n ", 0, 0, 0, 0.0, 0.0, id="only-whitespace"),
        pytest.param("the quick", 9, 2, 2, 100.0, 100.0, id="all-correct"),
        pytest.param("the quick   ", 9, 2, 2, 100.0, 100.0, id="trailing-spaces-not-counted"),
        pytest.param(" the quick", 10, 2, 2, 100.0, 90.0, id="leading-space-counted"),
        pytest.param("the\nquick", 9, 2, 2, 100.0, 100.0, id="line-break-is-one-character"),
        pytest.param("the\r\nquick", 9, 2, 2, 100.0, 100.0, id="windows-line-break-is-one-character"),
        # "the " (4) correct; "quack" wrong -> 4 / 9
        pytest.param("the quack", 9, 2, 1, 50.0, 44.44, id="one-wrong-word"),
        # "the " + "quick" correct, the extra space is not -> 9 / 10
        pytest.param("the  quick", 10, 2, 1, 50.0, 90.0, id="extra-space"),
        # "the quick brown fox jumps over " (31) + "the lazy dog" ... minus nothing: 40/40
        pytest.param("the quick brown fox jumps over the lazy dog", 43, 9, 9, 100.0, 100.0, id="pangram"),
        # omitted words lower the error count, not the character accuracy
        pytest.param("the brown", 9, 2, 2, 100.0, 100.0, id="omission"),
        # "qu" unfinished by time counts as correct
        pytest.param("the qu", 6, 2, 2, 100.0, 100.0, id="unfinished"),
        # "thequick" merged: 0 correct characters out of 8
        pytest.param("thequick", 8, 1, 0, 0.0, 0.0, id="merged"),
        # docs/scoring.md: "the " + "brown " + "fox" = 13 of 19
        pytest.param("the quikc brown fox", 19, 4, 3, 75.0, 68.42, id="doc-accuracy-example"),
        # "é" typed as e + combining accent is one character after NFC
        pytest.param("the que\u0301", 7, 2, 1, 50.0, 57.14, id="decomposed-accent"),
    ],
)
def test_counts_and_accuracy(typed, gross, words_typed, words_correct, word_accuracy, char_accuracy):
    score = score_typing(PANGRAM, typed, 60)
    assert score.gross_chars == gross
    assert score.words_typed == words_typed
    assert score.words_correct == words_correct
    assert report_round(score.word_accuracy) == word_accuracy
    assert report_round(score.char_accuracy) == char_accuracy


def test_typing_com_accuracy_example():
    # 300 characters, 16 of them in wrong words (4 three-letter words + their spaces): 284/300
    source, typed = attempt(300, 0, word_length=3)
    words = typed.split(" ")
    for index in (3, 10, 20, 30):
        words[index] = words[index].upper()
    score = score_typing(source, " ".join(words), 120)
    assert score.errors == 4
    assert score.char_accuracy == pytest.approx(100 * 284 / 300)


def test_empty_attempt():
    score = score_typing(PANGRAM, "", 300)
    assert (score.gross_chars, score.gross_wpm, score.errors, score.net_wpm) == (0, 0.0, 0, 0.0)
    assert score.error_list == () and score.alignment == ()
    assert not score.passes(DEFAULT_THRESHOLD_NET_WPM)


# --- rules -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "rule"),
    [
        pytest.param("standard", TypingRule("standard"), id="standard"),
        pytest.param("penalty:10", TypingRule("penalty", 10), id="penalty-10"),
        pytest.param("penalty:1", TypingRule("penalty", 1), id="penalty-1"),
        pytest.param("  Penalty:5 ", TypingRule("penalty", 5), id="case-and-spaces"),
        pytest.param("STANDARD", TypingRule("standard"), id="upper-case"),
    ],
)
def test_rule_parse(text, rule):
    parsed = TypingRule.parse(text)
    assert parsed == rule
    assert TypingRule.parse(str(parsed)) == parsed


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("", id="empty"),
        pytest.param("penalty", id="no-number"),
        pytest.param("penalty:", id="empty-number"),
        pytest.param("penalty:0", id="zero"),
        pytest.param("penalty:-1", id="negative"),
        pytest.param("penalty:1.5", id="fraction"),
        pytest.param("penalty:ten", id="word-number"),
        pytest.param("penalty: 10", id="space-in-number"),
        pytest.param("penalty:10:2", id="two-numbers"),
        pytest.param("standard:1", id="standard-with-number"),
        pytest.param("net", id="unknown-rule"),
        pytest.param(10, id="not-text"),
    ],
)
def test_rule_parse_rejects(text):
    with pytest.raises(ValueError, match="rule"):
        TypingRule.parse(text)


@pytest.mark.parametrize(
    ("kind", "words"),
    [
        pytest.param("standard", 3, id="standard-with-penalty"),
        pytest.param("penalty", 0, id="penalty-zero"),
        pytest.param("penalty", True, id="penalty-bool"),
        pytest.param("other", 0, id="unknown-kind"),
    ],
)
def test_rule_constructor_rejects(kind, words):
    with pytest.raises(ValueError):
        TypingRule(kind, words)


@pytest.mark.parametrize(
    ("rule", "text"),
    [
        pytest.param(TypingRule("standard"), "standard", id="standard"),
        pytest.param(TypingRule("penalty", 10), "penalty:10", id="penalty"),
    ],
)
def test_rule_str(rule, text):
    assert str(rule) == text


# Worked examples from docs/scoring.md: 5 minutes, 1,250 characters (250 words), 3 errors.
@pytest.mark.parametrize(
    ("rule", "net"),
    [
        pytest.param("standard", 49.4, id="standard"),
        pytest.param("penalty:10", 44.0, id="penalty-10"),
        pytest.param("penalty:1", 49.4, id="penalty-1-equals-standard"),
        pytest.param(TypingRule("penalty", 25), 35.0, id="penalty-25"),
    ],
)
def test_rules_on_the_same_attempt(rule, net):
    source, typed = attempt(1250, 3)
    score = score_typing(source, typed, 300, rule)
    assert score.net_wpm == pytest.approx(net)


# --- pass / fail -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("net_wpm", "errors", "threshold", "cap", "passes"),
    [
        pytest.param(45.0, 0, 45.0, None, True, id="exactly-at-threshold"),
        pytest.param(44.99, 0, 45.0, None, False, id="just-below"),
        pytest.param(44.995, 0, 45.0, None, True, id="rounds-up-to-threshold"),
        pytest.param(44.994, 0, 45.0, None, False, id="rounds-down"),
        pytest.param(44.99999999999, 0, 45.0, None, True, id="float-noise"),
        pytest.param(60.0, 3, 45.0, 3, True, id="at-the-cap"),
        pytest.param(60.0, 4, 45.0, 3, False, id="over-the-cap"),
        pytest.param(40.0, 0, 45.0, 3, False, id="slow-within-cap"),
        pytest.param(40.0, 0, 40.0, 0, True, id="cap-zero"),
    ],
)
def test_passes(net_wpm, errors, threshold, cap, passes):
    score = TypingScore(
        rule="standard", ended_by="time", seconds=300.0, gross_chars=0, gross_wpm=net_wpm, errors=errors,
        net_wpm=net_wpm, words_typed=0, words_correct=0, word_accuracy=0.0, char_accuracy=0.0,
        error_list=(), alignment=(),
    )
    assert score.passes(threshold, cap) is passes


def test_passes_rejects_negative_cap():
    with pytest.raises(ValueError):
        score_typing(PANGRAM, PANGRAM, 60).passes(45, -1)


def test_default_threshold():
    assert DEFAULT_THRESHOLD_NET_WPM == 45.0
    source, typed = attempt(1125, 0)  # 225 words in 5 minutes = 45 net
    assert score_typing(source, typed, 300).passes(DEFAULT_THRESHOLD_NET_WPM)
    source, typed = attempt(1125, 1)
    assert not score_typing(source, typed, 300).passes(DEFAULT_THRESHOLD_NET_WPM)


# --- reporting -----------------------------------------------------------------------------------


def test_to_dict_is_json_and_rounded():
    score = score_typing(PANGRAM, "the quikc  brown fox", 7, "penalty:2")
    data = json.loads(json.dumps(score.to_dict()))
    assert data["rule"] == "penalty:2"
    assert data["ended_by"] == "time"
    assert data["gross_chars"] == 20
    assert data["gross_wpm"] == 34.29  # 20 / 5 / (7 / 60)
    assert data["errors"] == 2
    assert data["net_wpm"] == 0.0  # (4 - 2 * 2) / minutes
    assert data["word_accuracy"] == 50.0
    assert data["char_accuracy"] == 65.0  # "the " + "brown " + "fox" = 13 of 20
    assert data["error_list"][0] == {
        "kind": "wrong", "source_index": 1, "source_words": ["quick"], "typed_index": 1, "typed_words": ["quikc"],
    }
    assert [step["kind"] for step in data["alignment"]] == ["match", "wrong", "spacing", "match"]
    assert set(data) == {
        "rule", "ended_by", "seconds", "gross_chars", "gross_wpm", "errors", "net_wpm", "words_typed",
        "words_correct", "word_accuracy", "char_accuracy", "error_list", "alignment",
    }


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        pytest.param(44.995, 45.0, id="half-up"),
        pytest.param(44.994999, 44.99, id="below-half"),
        pytest.param(2 / 3 * 100, 66.67, id="two-thirds"),
        pytest.param(0.005, 0.01, id="small-half"),
        pytest.param(22.24, 22.24, id="exact"),
    ],
)
def test_report_round(value, shown):
    assert report_round(value) == shown


# --- input checks --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        pytest.param({"seconds": 0}, ValueError, "positive", id="zero-seconds"),
        pytest.param({"seconds": -5}, ValueError, "positive", id="negative-seconds"),
        pytest.param({"seconds": float("nan")}, ValueError, "positive", id="nan-seconds"),
        pytest.param({"seconds": float("inf")}, ValueError, "positive", id="infinite-seconds"),
        pytest.param({"seconds": "60"}, ValueError, "number", id="text-seconds"),
        pytest.param({"source": ""}, ValueError, "no words", id="empty-source"),
        pytest.param({"source": " \n "}, ValueError, "no words", id="blank-source"),
        pytest.param({"ended_by": "timeout"}, ValueError, "ended_by", id="bad-ended-by"),
        pytest.param({"rule": "penalty:0"}, ValueError, "penalty", id="bad-rule-text"),
        pytest.param({"rule": 10}, TypeError, "rule", id="bad-rule-type"),
        pytest.param({"typed": None}, TypeError, "text", id="typed-not-text"),
    ],
)
def test_input_checks(kwargs, error, message):
    arguments = {"source": PANGRAM, "typed": "the quick", "seconds": 60, **kwargs}
    with pytest.raises(error, match=message):
        score_typing(**arguments)


@pytest.mark.parametrize(
    ("text", "words", "extra", "ends_in_whitespace"),
    [
        pytest.param("a  b", ("a", "b"), (False, True), False, id="double-space"),
        pytest.param("a \n b", ("a", "b"), (False, False), False, id="spaces-around-line-break"),
        pytest.param("a\n\nb ", ("a", "b"), (False, False), True, id="blank-line-and-trailing-space"),
        pytest.param("a\u00a0\u00a0b", ("a", "b"), (False, True), False, id="no-break-spaces"),
        pytest.param("  a", ("a",), (True,), False, id="leading-run"),
        pytest.param("", (), (), False, id="empty"),
    ],
)
def test_split_words(text, words, extra, ends_in_whitespace):
    result = split_words(text)
    assert result.words == words
    assert result.extra_space == extra
    assert result.ends_in_whitespace == ends_in_whitespace


# --- properties -------------------------------------------------------------------------------

LETTERS = st.text(alphabet=string.ascii_letters + ".,;'-0123456789", min_size=1, max_size=8)


@settings(max_examples=200, deadline=None)
@given(
    st.lists(LETTERS, min_size=1, max_size=60),
    st.data(),
    st.floats(min_value=5, max_value=900),
    st.sampled_from(["time", "completion"]),
)
def test_exact_prefix_scores_gross_as_net(words, data, seconds, ended_by):
    length = data.draw(st.integers(0, len(words)))
    separators = data.draw(st.lists(st.sampled_from([" ", "\n"]), min_size=len(words), max_size=len(words)))
    source = "".join(w + s for w, s in zip(words, separators, strict=True))
    typed = "".join(w + s for w, s in zip(words[:length], separators, strict=False)).rstrip()
    score = score_typing(source, typed, seconds, ended_by=ended_by)
    assert score.errors == 0
    assert score.gross_chars == len(typed)
    assert score.net_wpm == pytest.approx(score.gross_wpm)
    assert score.gross_wpm == pytest.approx(len(typed) / 5 / (seconds / 60))
    if typed:
        assert score.char_accuracy == pytest.approx(100.0)
        assert score.word_accuracy == pytest.approx(100.0)


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.sampled_from(["the", "quick", "brown", "fox", "a", "Fox", "fox."]), min_size=1, max_size=30),
    st.lists(st.sampled_from(["the", "quick", "brown", "fox", "a", "Fox", "thequick", "qu", "  "]), max_size=30),
    st.sampled_from(["standard", "penalty:10"]),
    st.sampled_from(["time", "completion"]),
)
def test_score_invariants(source_words, typed_parts, rule, ended_by):
    typed = " ".join(typed_parts)
    score = score_typing(" ".join(source_words), typed, 60, rule, ended_by)
    assert score.errors == len(score.error_list)
    assert score.net_wpm >= 0
    assert score.net_wpm <= score.gross_wpm + 1e-9
    assert 0 <= score.words_correct <= score.words_typed
    assert 0 <= score.char_accuracy <= 100 and 0 <= score.word_accuracy <= 100
    reached = sum(len(step.source_words) for step in score.alignment)
    assert score.errors <= max(score.words_typed, reached)
    assert [w for step in score.alignment for w in step.typed_words] == list(split_words(typed).words)
    json.dumps(score.to_dict())


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.sampled_from(["a", "b", "ab", "ba", "c"]), min_size=1, max_size=40),
    st.lists(st.sampled_from(["a", "b", "ab", "ba", "c", "abc"]), max_size=12),
    st.sampled_from(["time", "completion"]),
)
def test_reading_only_the_start_of_a_long_passage_changes_nothing(source_words, typed_words, ended_by):
    # score_typing reads at most 2 passage words per typed word (+2); the full alignment
    # must agree
    typed = " ".join(typed_words)
    score = score_typing(" ".join(source_words), typed, 60, ended_by=ended_by)
    attempt = split_words(typed)
    full = align_words(
        source_words, attempt.words, attempt.extra_space,
        allow_unfinished_last=ended_by == "time" and not attempt.ends_in_whitespace,
    )
    assert score.alignment == full.steps
    assert score.errors == full.errors
