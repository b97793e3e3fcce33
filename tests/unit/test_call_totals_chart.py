"""The call-totals chart on the training progress page."""

from __future__ import annotations

import io

import matplotlib.image as mpimg
import pytest

from results.charts import MARK_VERMILLION, call_totals_png


def _image(png: bytes):
    return mpimg.imread(io.BytesIO(png), format="png")


@pytest.mark.parametrize("calls", [
    pytest.param([], id="no-calls"),
    pytest.param([("16 Nov", 100.0, False)], id="one-call"),
    pytest.param([(f"{d} Nov", float(d * 3), False) for d in range(1, 31)], id="many-calls"),
    pytest.param([("16 Nov", 85.0, False), ("17 Nov", float("nan"), False)], id="not-a-number-dropped"),
])
def test_the_chart_renders_at_the_default_size(calls) -> None:
    assert _image(call_totals_png(calls)).shape[:2] == (300, 720)


def test_a_fatal_call_is_marked_in_vermillion() -> None:
    red = tuple(int(MARK_VERMILLION[i:i + 2], 16) / 255 for i in (1, 3, 5))

    def has_vermillion(png: bytes) -> bool:
        pixels = _image(png)[..., :3]
        return bool((abs(pixels - red).max(axis=2) < 0.05).any())

    assert has_vermillion(call_totals_png([("16 Nov", 90.0, False), ("17 Nov", 0.0, True)]))
    assert not has_vermillion(call_totals_png([("16 Nov", 90.0, False), ("17 Nov", 0.0, False)]))
