"""Word alignment of a typed attempt against its passage.

The typed words are lined up against a *prefix* of the passage's words (the passage words
after the point the candidate reached are not errors) so that the number of errors is as
small as possible. Each of these costs exactly one error (passage -> typed):

- ``wrong``: a word typed differently - letters, case, punctuation or digits
  ("brown" -> "Brown");
- ``omitted``: a passage word left out ("the quick brown" -> "the brown");
- ``inserted``: an extra typed word ("the quick" -> "the the quick");
- ``transposed``: two adjacent words swapped ("the quick" -> "quick the");
- ``merged``: two passage words typed without the space between ("the quick" ->
  "thequick");
- ``split``: one passage word broken by a space ("quick" -> "qu ick");
- ``spacing``: a word typed correctly but preceded by two or more spaces
  ("the quick" -> "the  quick"); the caller decides which words carry that mark.

A word typed exactly as in the passage (``match``) costs nothing, as does a last word
cut off by the timer that is a correct beginning of its passage word
(``unfinished``; only when the caller allows it).

Ties between readings with the same number of errors are settled, in this order:

1. the reading that reaches furthest into the passage (so "the brown" against
   "the quick brown fox" is one omitted "quick", not "brown" typed for "quick");
2. reading from the first word on, the earliest point where two readings differ is
   explained by the first of: match, wrong, transposed, merged, split, omitted,
   inserted (so in "the quick quick brown" the first "quick" matches and the second
   is the inserted one).

Algorithm: every omitted, inserted, merged or split word moves the alignment one step
off the main diagonal (passage index minus typed index) and costs one error, so an
alignment with ``d`` errors never leaves the band ``|i - j| <= d`` (Ukkonen, 1985). The
search runs Ukkonen's diagonal method: for ``d = 0, 1, 2, ...`` it records, on each
diagonal of the band ``|k| <= d``, the furthest point reachable with ``d`` errors,
sliding for free along runs of matching words, and stops at the first ``d`` at which
some diagonal reaches the last typed word. The work is about (typed words) + d², not a
table over the whole passage; only for text unrelated to the passage, where nearly every
typed word is an error, does d² make it quadratic. The tie-breaking pass then walks only
the cells that lie on some cheapest alignment.

Why the furthest point is enough: the cheapest cost of aligning ``source[:i]`` with
``typed[:j]`` never decreases along a diagonal (dropping the last word of both sides
never costs more), so on each diagonal the points reachable within ``d`` errors form an
unbroken run from the diagonal's start.
"""

from __future__ import annotations

from array import array
from collections.abc import Sequence
from dataclasses import dataclass

# Every step kind; match, wrong, transposed, merged, split, omitted, inserted is also the
# tie-break order (unfinished and spacing are what a match becomes in special cases).
STEP_KINDS = (
    "match",
    "unfinished",
    "spacing",
    "wrong",
    "transposed",
    "merged",
    "split",
    "omitted",
    "inserted",
)
ERROR_KINDS = frozenset({"wrong", "omitted", "inserted", "transposed", "merged", "split", "spacing"})
CORRECT_KINDS = frozenset({"match", "unfinished"})


@dataclass(frozen=True, slots=True)
class AlignmentStep:
    """One step of the alignment, as a result page shows it.

    ``source_index`` is the index of the first passage word of the step (None for an
    inserted word), ``typed_index`` the index of the first typed word (None for an
    omitted word).
    """

    kind: str
    source_index: int | None
    source_words: tuple[str, ...]
    typed_index: int | None
    typed_words: tuple[str, ...]

    @property
    def is_error(self) -> bool:
        return self.kind in ERROR_KINDS

    def to_dict(self) -> dict:
        return {
            "kind": self.kind,
            "source_index": self.source_index,
            "source_words": list(self.source_words),
            "typed_index": self.typed_index,
            "typed_words": list(self.typed_words),
            "error": self.is_error,
        }


@dataclass(frozen=True, slots=True)
class WordAlignment:
    steps: tuple[AlignmentStep, ...]
    errors: int
    source_reached: int  # passage words covered by the alignment (the prefix length)


def align_words(
    source: Sequence[str],
    typed: Sequence[str],
    extra_space: Sequence[bool] | None = None,
    allow_unfinished_last: bool = False,
) -> WordAlignment:
    """Align ``typed`` words against a prefix of ``source`` words with the fewest errors.

    ``extra_space[j]`` marks typed word ``j`` as preceded by a run of two or more space
    characters: a spacing error unless the word already carries another error.
    ``allow_unfinished_last`` lets the last typed word be a correct beginning of its
    passage word at no cost (the test ended by time in the middle of a word).
    """
    return _Aligner(source, typed, extra_space, allow_unfinished_last).run()


class _Aligner:
    def __init__(
        self,
        source: Sequence[str],
        typed: Sequence[str],
        extra_space: Sequence[bool] | None,
        allow_unfinished_last: bool,
    ) -> None:
        self.S = list(source)
        self.T = list(typed)
        self.n = len(self.S)
        self.m = len(self.T)
        if any(not w for w in self.S) or any(not w for w in self.T):
            raise ValueError("words must be non-empty")
        if extra_space is None:
            self.sp = [False] * self.m
        else:
            self.sp = [bool(x) for x in extra_space]
            if len(self.sp) != self.m:
                raise ValueError("extra_space must have one flag per typed word")
        self.partial = bool(allow_unfinished_last) and self.m > 0

    # --- single steps ---------------------------------------------------------------

    def diagonal_step(self, i: int, j: int) -> tuple[int, str]:
        """Cost and kind of explaining typed word j by passage word i."""
        s, t = self.S[i], self.T[j]
        if s == t or (self.partial and j == self.m - 1 and s.startswith(t)):
            if self.sp[j]:
                return 1, "spacing"
            return 0, ("match" if s == t else "unfinished")
        return 1, "wrong"

    def transposed_at(self, i: int, j: int) -> bool:
        S, T = self.S, self.T
        return (
            i + 1 < self.n
            and j + 1 < self.m
            and T[j] == S[i + 1]
            and T[j + 1] == S[i]
            and S[i] != S[i + 1]
        )

    def merged_at(self, i: int, j: int) -> bool:
        return i + 1 < self.n and j < self.m and self.T[j] == self.S[i] + self.S[i + 1]

    def split_at(self, i: int, j: int) -> bool:
        return i < self.n and j + 1 < self.m and self.T[j] + self.T[j + 1] == self.S[i]

    # --- search ---------------------------------------------------------------------

    def slide(self, i: int, j: int) -> int:
        """Follow free steps along the diagonal from (i, j); return the typed index reached."""
        S, T, sp, n, m = self.S, self.T, self.sp, self.n, self.m
        while i < n and j < m and not sp[j] and S[i] == T[j]:
            i += 1
            j += 1
        if self.partial and j == m - 1 and i < n and not sp[j] and S[i].startswith(T[j]):
            j += 1
        return j

    def furthest_reaching(self) -> list[array]:
        """hist[d][k + d + 2]: furthest typed index on diagonal k = i - j within d errors.

        -1 marks a diagonal not reachable (or not existing); two -1 cells pad each end so
        that neighbouring diagonals can be read without bounds checks.
        """
        S, T, n, m = self.S, self.T, self.n, self.m
        slide = self.slide
        last_typed = m - 1
        hist = [array("i", [-1, -1, slide(0, 0), -1, -1])]
        if hist[0][2] == m:
            return hist
        d = 0
        while True:
            d += 1
            prev = hist[d - 1]  # prev[k + d + 1] is diagonal k
            cur = array("i", [-1]) * (2 * d + 5)
            reached_end = False
            for k in range(max(-d, -m), min(d, n) + 1):
                best = -1
                jp = prev[k + d + 1]  # wrong word or transposition on the same diagonal
                if jp >= 0:
                    best = jp
                    ip = jp + k
                    if ip < n and jp < m:
                        best = jp + 1
                        if (
                            ip + 1 < n
                            and jp + 1 < m
                            and T[jp] == S[ip + 1]
                            and T[jp + 1] == S[ip]
                            and S[ip] != S[ip + 1]
                        ):
                            best = jp + 2
                jp = prev[k + d]  # omitted or merged, from diagonal k - 1
                if jp >= 0:
                    ip = jp + k - 1
                    if ip < n:
                        cand = jp
                        if ip + 1 < n and jp < m and T[jp] == S[ip] + S[ip + 1]:
                            cand = jp + 1
                    else:  # diagonal k - 1 ran to the end of the passage
                        cand = jp - 1
                    if cand > best:
                        best = cand
                jp = prev[k + d + 2]  # inserted or split, from diagonal k + 1
                if jp >= 0:
                    ip = jp + k + 1
                    if jp < m:
                        cand = jp + 1
                        if ip < n and jp + 1 < m and T[jp] + T[jp + 1] == S[ip]:
                            cand = jp + 2
                    else:  # diagonal k + 1 already used every typed word
                        cand = m
                    if cand > best:
                        best = cand
                if best < 0:
                    continue
                j = best
                if j < last_typed and best + k < n and S[best + k] == T[j]:
                    j = slide(best + k, j)
                elif j == last_typed:
                    j = slide(best + k, j)
                cur[k + d + 2] = j
                if j == m:
                    reached_end = True
            hist.append(cur)
            if reached_end:
                return hist

    def run(self) -> WordAlignment:
        S, T, sp, m = self.S, self.T, self.sp, self.m
        if m == 0:
            return WordAlignment(steps=(), errors=0, source_reached=0)
        hist = self.furthest_reaching()
        cost = len(hist) - 1
        last = hist[cost]
        end_i = m + max(k for k in range(-cost, cost + 1) if last[k + cost + 2] == m)

        # Cells on some cheapest alignment ending at (end_i, m), with their exact cost so
        # far: walk back from the end along steps that keep the total at the minimum. A
        # cell (i, j) is reachable within d errors when hist[d] reaches it on its diagonal.
        # Cells are keyed i * width + j.
        width = m + 1
        partial = self.partial
        on_path = {end_i * width + m: cost}
        stack = [(end_i, m, cost)]
        while stack:
            i, j, f = stack.pop()
            preds = []
            if i and j:
                s, t = S[i - 1], T[j - 1]
                if s == t or (partial and j == m and s.startswith(t)):
                    preds.append((i - 1, j - 1, f - 1 if sp[j - 1] else f))
                else:
                    preds.append((i - 1, j - 1, f - 1))
                if i >= 2 and j >= 2 and self.transposed_at(i - 2, j - 2):
                    preds.append((i - 2, j - 2, f - 1))
                if i >= 2 and T[j - 1] == S[i - 2] + S[i - 1]:
                    preds.append((i - 2, j - 1, f - 1))
                if j >= 2 and T[j - 2] + T[j - 1] == S[i - 1]:
                    preds.append((i - 1, j - 2, f - 1))
            if i:
                preds.append((i - 1, j, f - 1))
            if j:
                preds.append((i, j - 1, f - 1))
            for pi, pj, d in preds:
                key = pi * width + pj
                if key in on_path:
                    continue
                k = pi - pj
                if d >= 0 and -d <= k <= d and hist[d][k + d + 2] >= pj:
                    on_path[key] = d
                    stack.append((pi, pj, d))

        # Read the alignment forward, taking the first kind in tie-break order.
        steps: list[AlignmentStep] = []
        i, j, f = 0, 0, 0
        get = on_path.get
        while i != end_i or j != m:
            for ni, nj, step_cost, kind in self.successors(i, j):
                if get(ni * width + nj) == f + step_cost:
                    steps.append(
                        AlignmentStep(
                            kind,
                            i if ni > i else None,
                            tuple(S[i:ni]),
                            j if nj > j else None,
                            tuple(T[j:nj]),
                        )
                    )
                    i, j, f = ni, nj, f + step_cost
                    break
            else:  # pragma: no cover - the walk above guarantees a successor
                raise AssertionError("alignment walk lost the cheapest path")
        return WordAlignment(steps=tuple(steps), errors=cost, source_reached=end_i)

    def successors(self, i: int, j: int):
        """Possible next steps from (i, j), in tie-break order."""
        n, m = self.n, self.m
        if i < n and j < m:
            step_cost, kind = self.diagonal_step(i, j)
            yield i + 1, j + 1, step_cost, kind
        if self.transposed_at(i, j):
            yield i + 2, j + 2, 1, "transposed"
        if self.merged_at(i, j):
            yield i + 2, j + 1, 1, "merged"
        if self.split_at(i, j):
            yield i + 1, j + 2, 1, "split"
        if i < n:
            yield i + 1, j, 1, "omitted"
        if j < m:
            yield i, j + 1, 1, "inserted"
