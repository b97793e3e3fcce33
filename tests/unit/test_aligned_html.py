"""How the result page marks the typed text against the passage."""

import pytest

from simulator.typing_result_view import aligned_html
from skills_tests.typing_scoring import score_typing

SOURCE = "the quick brown fox jumps over"


@pytest.mark.parametrize(("typed", "ended_by", "present", "absent"), [
    pytest.param("the quick brown", "time", ['class="w-ok">brown'], ["w-err", "w-omit"], id="all-correct"),
    pytest.param("the quick bro", "time", ['title="unfinished when time ran out: not an error">bro'], ["w-err"],
                 id="unfinished-last-word-by-time"),
    pytest.param("the quick bro", "completion", ['<span class="w-src">brown</span><span class="w-typed">bro'], [],
                 id="unfinished-last-word-when-finished-early"),
    pytest.param("the brown fox", "time", ['class="w-omit" title="word left out">quick'], ["w-err"], id="omitted"),
    pytest.param("the the quick", "time", ['<span class="w-typed">the</span><span class="w-kind">extra word'], [],
                 id="inserted"),
    pytest.param("the  quick", "time", ["extra spaces"], [], id="spacing"),
    pytest.param("quick the brown", "time", ["two words swapped"], [], id="transposed"),
    pytest.param("the <b>", "completion", ["&lt;b&gt;"], ["<b>"], id="typed-markup-is-escaped"),
    pytest.param("", "time", ["Nothing was typed."], [], id="empty"),
])
def test_aligned_html_marks_each_error_kind(typed, ended_by, present, absent):
    page = aligned_html(score_typing(SOURCE, typed, 60, ended_by=ended_by).to_dict()["alignment"])
    for fragment in present:
        assert fragment in page
    for fragment in absent:
        assert fragment not in page
