"""Word alignment: which typed words are errors, of what kind, and the tie-break order."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from skills_tests.alignment import CORRECT_KINDS, ERROR_KINDS, STEP_KINDS, AlignmentStep, align_words

PANGRAM = "the quick brown fox jumps over the lazy dog".split()


def kinds(alignment) -> list[str]:
    return [step.kind for step in alignment.steps]


def errors_only(alignment) -> list[tuple[str, tuple[str, ...], tuple[str, ...]]]:
    return [(s.kind, s.source_words, s.typed_words) for s in alignment.steps if s.is_error]


# --- single errors and combinations --------------------------------------------------
# (typed, expected error count, expected errors as (kind, passage words, typed words))

CASES = [
    pytest.param("the quick brown fox", 0, [], id="exact-prefix"),
    pytest.param(" ".join(PANGRAM), 0, [], id="whole-passage"),
    pytest.param("the quick", 0, [], id="short-prefix"),
    pytest.param("the quack brown fox", 1, [("wrong", ("quick",), ("quack",))], id="wrong-letter"),
    pytest.param("the Quick brown fox", 1, [("wrong", ("quick",), ("Quick",))], id="wrong-case"),
    pytest.param("the quick, brown fox", 1, [("wrong", ("quick",), ("quick,",))], id="wrong-punctuation"),
    pytest.param("the brown fox jumps", 1, [("omitted", ("quick",), ())], id="omitted"),
    pytest.param("the quick quick brown fox", 1, [("inserted", (), ("quick",))], id="inserted-repeat"),
    pytest.param("the very quick brown fox", 1, [("inserted", (), ("very",))], id="inserted-new-word"),
    pytest.param("quick the brown fox", 1, [("transposed", ("the", "quick"), ("quick", "the"))], id="transposed"),
    pytest.param("thequick brown fox", 1, [("merged", ("the", "quick"), ("thequick",))], id="merged"),
    pytest.param("the qu ick brown fox", 1, [("split", ("quick",), ("qu", "ick"))], id="split"),
    pytest.param(
        "the brown quick fox", 1, [("transposed", ("quick", "brown"), ("brown", "quick"))], id="transposed-middle"
    ),
    pytest.param(
        "the quack brown jumps", 2, [("wrong", ("quick",), ("quack",)), ("omitted", ("fox",), ())], id="wrong-and-omitted"
    ),
    pytest.param(
        "quick the brownfox jumps", 2,
        [("transposed", ("the", "quick"), ("quick", "the")), ("merged", ("brown", "fox"), ("brownfox",))],
        id="transposed-and-merged",
    ),
    pytest.param(
        "the qu ick brown brown fox jumps ovr", 3,
        [("split", ("quick",), ("qu", "ick")), ("inserted", (), ("brown",)), ("wrong", ("over",), ("ovr",))],
        id="split-inserted-wrong",
    ),
    pytest.param(
        "the quick fox brown over", 2,
        [("transposed", ("brown", "fox"), ("fox", "brown")), ("omitted", ("jumps",), ())],
        id="transposed-then-omitted",
    ),
    pytest.param(
        "the fox brown jumps", 2,
        [("wrong", ("quick",), ("fox",)), ("omitted", ("fox",), ())],
        id="two-readings-wrong-comes-first",
    ),
    pytest.param("the quick brown fox jumps over the lazy dog dog", 1, [("inserted", (), ("dog",))], id="beyond-end"),
    pytest.param(
        "the quick brown fox jumps over the lazy dog and more", 2,
        [("inserted", (), ("and",)), ("inserted", (), ("more",))],
        id="two-beyond-end",
    ),
    pytest.param("brown fox", 2, [("omitted", ("the",), ()), ("omitted", ("quick",), ())], id="started-at-third-word"),
    pytest.param("cat", 1, [("wrong", ("the",), ("cat",))], id="single-wrong-word"),
    pytest.param("", 0, [], id="nothing-typed"),
]


@pytest.mark.parametrize(("typed", "count", "expected"), CASES)
def test_error_kinds(typed, count, expected):
    result = align_words(PANGRAM, typed.split())
    assert result.errors == count
    assert errors_only(result) == expected


# --- the reference table: one skipped or repeated word is one error, not a cascade ----


def by_position(source: list[str], typed: list[str]) -> int:
    """The word-by-position count some tools use (what the alignment replaces)."""
    wrong = sum(1 for s, t in zip(source, typed, strict=False) if s != t)
    return wrong + max(0, len(typed) - len(source))


@pytest.mark.parametrize(
    ("typed", "positional", "aligned"),
    [
        pytest.param("the brown fox jumps over the lazy dog", 7, 1, id="quick-left-out"),
        pytest.param("the quick quick brown fox jumps over the lazy dog", 8, 1, id="quick-typed-twice"),
    ],
)
def test_reference_alignment_table(typed, positional, aligned):
    assert by_position(PANGRAM, typed.split()) == positional
    assert align_words(PANGRAM, typed.split()).errors == aligned


def test_skipped_line_is_ten_omissions_and_no_cascade():
    line1 = "Customers may report an outage by phone or through the web portal".split()
    line2 = "Crews are dispatched in order of hazard and customers affected".split()
    line3 = "Estimated restoration times are posted and updated every hour".split()
    line4 = "Please keep clear of fallen lines and report them at once".split()
    assert len(line2) == 10
    source = line1 + line2 + line3 + line4
    result = align_words(source, line1 + line3 + line4)
    assert result.errors == 10
    assert [s.source_words[0] for s in result.steps if s.kind == "omitted"] == line2
    assert all(s.kind in {"match", "omitted"} for s in result.steps)
    assert result.source_reached == len(source)


# --- spacing flags and the unfinished last word ----------------------------------------


@pytest.mark.parametrize(
    ("typed", "extra", "count", "expected_kinds"),
    [
        pytest.param("the quick brown", [False, True, False], 1, ["match", "spacing", "match"], id="spacing-on-correct"),
        pytest.param("the quack brown", [False, True, False], 1, ["match", "wrong", "match"], id="spacing-on-wrong"),
        pytest.param("the the quick", [False, True, False], 1, ["match", "inserted", "match"], id="spacing-on-inserted"),
        pytest.param("the qu ick", [False, False, True], 1, ["match", "split"], id="spacing-inside-split"),
        pytest.param("the quick brown", [True, True, True], 3, ["spacing"] * 3, id="spacing-everywhere"),
    ],
)
def test_spacing_flags(typed, extra, count, expected_kinds):
    result = align_words(PANGRAM, typed.split(), extra_space=extra)
    assert result.errors == count
    assert kinds(result) == expected_kinds


@pytest.mark.parametrize(
    ("typed", "allow", "count", "last_kind"),
    [
        pytest.param("the qu", True, 0, "unfinished", id="prefix-allowed"),
        pytest.param("the qu", False, 1, "wrong", id="prefix-not-allowed"),
        pytest.param("the q", True, 0, "unfinished", id="one-letter-prefix"),
        pytest.param("the Qu", True, 1, "wrong", id="prefix-wrong-case"),
        pytest.param("the qx", True, 1, "wrong", id="not-a-prefix"),
        pytest.param("the quick", True, 0, "match", id="complete-word"),
        pytest.param("the quickl", True, 1, "wrong", id="longer-than-word"),
        pytest.param("the brown qu", True, 1, "unfinished", id="inserted-then-unfinished"),
        pytest.param("the quick brown qu", True, 1, "wrong", id="prefix-of-another-word"),
    ],
)
def test_unfinished_last_word(typed, allow, count, last_kind):
    result = align_words(PANGRAM, typed.split(), allow_unfinished_last=allow)
    assert result.errors == count
    assert result.steps[-1].kind == last_kind


def test_unfinished_word_only_applies_to_the_last_word():
    result = align_words(PANGRAM, "the qu brown".split(), allow_unfinished_last=True)
    assert errors_only(result) == [("wrong", ("quick",), ("qu",))]


def test_unfinished_word_with_extra_space_is_a_spacing_error():
    result = align_words(PANGRAM, ["the", "qu"], extra_space=[False, True], allow_unfinished_last=True)
    assert kinds(result) == ["match", "spacing"]


# --- tie-breaking ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("source", "typed", "expected"),
    [
        pytest.param(
            "the quick brown fox", "the brown", [("match", 0, 0), ("omitted", 1, None), ("match", 2, 1)],
            id="reach-further-at-the-end",
        ),
        pytest.param(
            "the quick brown", "quick the", [("transposed", 0, 0)], id="transposed-beats-inserted-at-the-end"
        ),
        pytest.param(
            "the quick brown", "the quick quick brown",
            [("match", 0, 0), ("match", 1, 1), ("inserted", None, 2), ("match", 2, 3)],
            id="second-copy-is-the-inserted-one",
        ),
        pytest.param(
            "a b c d", "a x d", [("match", 0, 0), ("wrong", 1, 1), ("omitted", 2, None), ("match", 3, 2)],
            id="wrong-before-omitted",
        ),
        pytest.param(
            "a b c", "a x y z", [("match", 0, 0), ("wrong", 1, 1), ("wrong", 2, 2), ("inserted", None, 3)],
            id="wrong-before-inserted",
        ),
        pytest.param("a b", "ba", [("wrong", 0, 0)], id="swap-letters-is-wrong"),
        pytest.param("a b", "b a", [("transposed", 0, 0)], id="swap-words-is-transposed"),
        pytest.param("ab c", "a b c", [("split", 0, 0), ("match", 1, 2)], id="split-before-wrong-and-inserted"),
    ],
)
def test_tie_breaking(source, typed, expected):
    result = align_words(source.split(), typed.split())
    assert [(s.kind, s.source_index, s.typed_index) for s in result.steps] == expected


def test_steps_carry_words_and_indices():
    result = align_words(PANGRAM, "the qu ick brown fox jumps over".split())
    assert result.steps[1] == AlignmentStep("split", 1, ("quick",), 1, ("qu", "ick"))
    assert result.steps[2] == AlignmentStep("match", 2, ("brown",), 3, ("brown",))
    assert result.steps[2].to_dict() == {
        "kind": "match",
        "source_index": 2,
        "source_words": ["brown"],
        "typed_index": 3,
        "typed_words": ["brown"],
        "error": False,
    }
    assert result.steps[1].to_dict()["error"] is True


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        pytest.param({"extra_space": [False]}, "one flag per typed word", id="flags-length"),
        pytest.param({"typed": ["the", ""]}, "non-empty", id="empty-word"),
    ],
)
def test_bad_input(kwargs, message):
    arguments = {"source": PANGRAM, "typed": ["the", "quick"], **kwargs}
    with pytest.raises(ValueError, match=message):
        align_words(**arguments)


def test_kind_lists_are_consistent():
    assert CORRECT_KINDS | ERROR_KINDS == set(STEP_KINDS)
    assert not CORRECT_KINDS & ERROR_KINDS


def test_long_attempt_with_scattered_errors():
    source = [f"w{i}" for i in range(3000)]
    typed = list(source[:2000])
    del typed[1500]  # omitted
    typed[1000] = "oops"  # wrong
    typed.insert(500, "extra")  # inserted
    typed[100], typed[101] = typed[101], typed[100]  # transposed
    result = align_words(source, typed)
    assert result.errors == 4
    assert sorted(s.kind for s in result.steps if s.is_error) == ["inserted", "omitted", "transposed", "wrong"]


# --- reference implementation: the full table, same rules and tie-breaks -------------


def reference_align(source, typed, extra, allow_unfinished):
    """Full (n+1) x (m+1) table of (errors, -passage words reached) to the end; then read
    forward taking the first step kind, in tie-break order, that stays optimal."""
    n, m = len(source), len(typed)
    partial = allow_unfinished and m > 0

    def successors(i, j):
        if i < n and j < m:
            s, t = source[i], typed[j]
            if s == t or (partial and j == m - 1 and s.startswith(t)):
                kind = "spacing" if extra[j] else ("match" if s == t else "unfinished")
            else:
                kind = "wrong"
            yield (i + 1, j + 1), (0 if kind in ("match", "unfinished") else 1), kind
        if (
            i + 1 < n and j + 1 < m
            and typed[j] == source[i + 1] and typed[j + 1] == source[i] and source[i] != source[i + 1]
        ):
            yield (i + 2, j + 2), 1, "transposed"
        if i + 1 < n and j < m and typed[j] == source[i] + source[i + 1]:
            yield (i + 2, j + 1), 1, "merged"
        if i < n and j + 1 < m and typed[j] + typed[j + 1] == source[i]:
            yield (i + 1, j + 2), 1, "split"
        if i < n:
            yield (i + 1, j), 1, "omitted"
        if j < m:
            yield (i, j + 1), 1, "inserted"

    table = {}
    for j in range(m, -1, -1):
        for i in range(n, -1, -1):
            best = (0, -i) if j == m else (10**9, 0)
            for cell, cost, _ in successors(i, j):
                after = table[cell]
                best = min(best, (after[0] + cost, after[1]))
            table[(i, j)] = best
    cost, reached = table[(0, 0)][0], -table[(0, 0)][1]
    steps = []
    i = j = 0
    while (i, j) != (reached, m):
        here = table[(i, j)]
        for (ni, nj), step_cost, kind in successors(i, j):
            after = table[(ni, nj)]
            if (after[0] + step_cost, after[1]) == here:
                steps.append((kind, i, ni, j, nj))
                i, j = ni, nj
                break
    return cost, reached, steps


def as_spans(result):
    spans = []
    i = j = 0
    for step in result.steps:
        ni, nj = i + len(step.source_words), j + len(step.typed_words)
        spans.append((step.kind, i, ni, j, nj))
        i, j = ni, nj
    return spans


# Few, short, overlapping words so that merges, splits, transpositions, prefixes and ties
# come up often.
WORDS = st.sampled_from(["a", "b", "ab", "ba", "c", "aa", "abc"])


@st.composite
def attempts(draw, max_source=9, max_typed=10):
    source = draw(st.lists(WORDS, min_size=1, max_size=max_source))
    if draw(st.booleans()):
        typed = draw(st.lists(WORDS, max_size=max_typed))
    else:  # an edited prefix of the passage: closer to real attempts
        typed = list(source[: draw(st.integers(0, len(source)))])
        for _ in range(draw(st.integers(0, 3))):
            position = draw(st.integers(0, len(typed)))
            action = draw(st.sampled_from(["delete", "insert", "swap", "join", "split", "replace"]))
            if action == "insert" or not typed:
                typed.insert(position, draw(WORDS))
                continue
            position = min(position, len(typed) - 1)
            if action == "delete":
                del typed[position]
            elif action == "replace":
                typed[position] = draw(WORDS)
            elif action == "swap" and position + 1 < len(typed):
                typed[position], typed[position + 1] = typed[position + 1], typed[position]
            elif action == "join" and position + 1 < len(typed):
                typed[position : position + 2] = [typed[position] + typed[position + 1]]
            elif action == "split" and len(typed[position]) > 1:
                word = typed[position]
                typed[position : position + 1] = [word[:1], word[1:]]
    extra = draw(st.lists(st.booleans(), min_size=len(typed), max_size=len(typed)))
    extra = [flag and draw(st.integers(0, 5)) == 0 for flag in extra]
    allow = draw(st.booleans())
    return source, typed, extra, allow


@settings(max_examples=1500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(attempts())
def test_matches_full_table_reference(case):
    source, typed, extra, allow = case
    result = align_words(source, typed, extra_space=extra, allow_unfinished_last=allow)
    cost, reached, steps = reference_align(source, typed, extra, allow)
    assert result.errors == cost
    assert result.source_reached == reached
    assert as_spans(result) == steps


@settings(max_examples=300, deadline=None)
@given(attempts(max_source=30, max_typed=30))
def test_steps_cover_both_texts_in_order(case):
    source, typed, extra, allow = case
    result = align_words(source, typed, extra_space=extra, allow_unfinished_last=allow)
    assert [w for s in result.steps for w in s.typed_words] == typed
    assert [w for s in result.steps for w in s.source_words] == source[: result.source_reached]
    assert result.errors == sum(1 for s in result.steps if s.is_error)
    assert result.errors <= max(len(typed), result.source_reached)


# Longer distinct-word passages for the remaining properties.
passages = st.integers(5, 60).map(lambda n: [f"w{i}" for i in range(n)])


@settings(max_examples=200, deadline=None)
@given(passages, st.data())
def test_typing_a_prefix_exactly_has_no_errors(source, data):
    length = data.draw(st.integers(0, len(source)))
    allow = data.draw(st.booleans())
    result = align_words(source, source[:length], allow_unfinished_last=allow)
    assert result.errors == 0
    assert result.source_reached == length
    assert all(step.kind == "match" for step in result.steps)


@settings(max_examples=300, deadline=None)
@given(st.data())
def test_deleting_k_non_adjacent_words_costs_at_most_k(data):
    vocabulary = data.draw(st.sampled_from([["a", "b", "c"], [f"w{i}" for i in range(50)]]))
    source = data.draw(st.lists(st.sampled_from(vocabulary), min_size=3, max_size=60))
    length = data.draw(st.integers(1, len(source)))
    prefix = source[:length]
    positions = data.draw(st.sets(st.integers(0, length - 1), max_size=max(1, length // 2)))
    positions = sorted(positions)
    assume(all(b - a > 1 for a, b in zip(positions, positions[1:], strict=False)))
    typed = [w for index, w in enumerate(prefix) if index not in set(positions)]
    result = align_words(source, typed)
    assert result.errors <= len(positions)


@settings(max_examples=300, deadline=None)
@given(attempts(max_source=40, max_typed=40))
def test_errors_never_exceed_the_longer_side(case):
    source, typed, extra, allow = case
    result = align_words(source, typed, extra_space=extra, allow_unfinished_last=allow)
    assert result.errors <= max(len(typed), result.source_reached)
    assert result.errors <= len(typed)  # never more than one error per typed word
