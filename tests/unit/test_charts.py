"""Charts for result pages: valid PNGs of the right size, and keys coloured where the layout says."""

from __future__ import annotations

import io
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest
from PIL import Image

from results import charts
from results.charts import (
    base_key,
    keyboard_error_map_png,
    keyboard_layout,
    keypad_error_map_png,
    keypad_layout,
    speed_over_time_png,
)

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def _image(png: bytes) -> np.ndarray:
    """RGB pixels, rows top to bottom, values 0-255."""
    assert png.startswith(PNG_SIGNATURE)
    with Image.open(io.BytesIO(png)) as img:
        return np.asarray(img.convert("RGB"), dtype=float)


def _size(png: bytes) -> tuple[int, int]:
    assert png.startswith(PNG_SIGNATURE)
    with Image.open(io.BytesIO(png)) as img:
        img.verify()
        return img.size


def _key_colour(pixels: np.ndarray, rect: tuple[float, float, float, float]) -> np.ndarray:
    """Median RGB over the middle of a keycap given in figure fractions.

    The median over the inner 70% ignores the label and error count drawn on the key, so
    it is the key's fill colour; if the rectangle were off target it would be a
    neighbouring key, the gap between keys or the background instead.
    """
    height, width, _ = pixels.shape
    x0, y0, w, h = rect
    left, right = (x0 + 0.15 * w) * width, (x0 + 0.85 * w) * width
    top, bottom = (1 - y0 - 0.85 * h) * height, (1 - y0 - 0.15 * h) * height
    region = pixels[round(top) : round(bottom), round(left) : round(right)]
    assert region.size, f"empty sample region for {rect}"
    return np.median(region.reshape(-1, 3), axis=0)


def _lightness(rgb: np.ndarray) -> float:
    r, g, b = rgb
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


# --------------------------------------------------------------------------- base_key


@pytest.mark.parametrize(
    ("char", "expected"),
    [
        pytest.param("a", "a", id="lowercase-unchanged"),
        pytest.param("A", "a", id="uppercase-letter"),
        pytest.param("Z", "z", id="uppercase-z"),
        pytest.param("5", "5", id="digit-unchanged"),
        pytest.param("!", "1", id="bang"),
        pytest.param("@", "2", id="at"),
        pytest.param("#", "3", id="hash"),
        pytest.param("$", "4", id="dollar"),
        pytest.param("%", "5", id="percent"),
        pytest.param("^", "6", id="caret"),
        pytest.param("&", "7", id="ampersand"),
        pytest.param("*", "8", id="asterisk"),
        pytest.param("(", "9", id="open-paren"),
        pytest.param(")", "0", id="close-paren"),
        pytest.param("_", "-", id="underscore"),
        pytest.param("+", "=", id="plus"),
        pytest.param("~", "`", id="tilde"),
        pytest.param("{", "[", id="open-brace"),
        pytest.param("}", "]", id="close-brace"),
        pytest.param("|", "\\", id="pipe"),
        pytest.param(":", ";", id="colon"),
        pytest.param('"', "'", id="double-quote"),
        pytest.param("<", ",", id="less-than"),
        pytest.param(">", ".", id="greater-than"),
        pytest.param("?", "/", id="question-mark"),
        pytest.param(";", ";", id="semicolon-unchanged"),
        pytest.param("'", "'", id="apostrophe-unchanged"),
        pytest.param(" ", " ", id="space"),
        pytest.param("\n", "\n", id="newline"),
        pytest.param("\r", "\n", id="carriage-return"),
        pytest.param("Enter", "\n", id="enter-key-name"),
        pytest.param("é", "é", id="not-on-us-keyboard"),
        pytest.param("É", "É", id="non-ascii-capital-unchanged"),
    ],
)
def test_base_key(char: str, expected: str) -> None:
    assert base_key(char) == expected


def test_every_scored_keyboard_key_is_its_own_base() -> None:
    for name in keyboard_layout():
        assert base_key(name) == name


# --------------------------------------------------------------------------- speed over time


def test_speed_chart_is_png_of_default_size() -> None:
    png = speed_over_time_png([(10, 40.0), (20, 44.5), (30, 47.0)], threshold=45)
    assert _size(png) == (720, 300)


def test_speed_chart_dpi_scales_for_print() -> None:
    png = speed_over_time_png([(10, 40.0), (20, 44.5)], dpi=200)
    assert _size(png) == (1440, 600)


@pytest.mark.parametrize(
    "series",
    [
        pytest.param([], id="empty"),
        pytest.param([(60.0, 52.0)], id="single-point"),
        pytest.param([(0.0, 0.0)], id="single-point-at-zero"),
        pytest.param([(20, 30.0), (10, 25.0), (30, float("nan"))], id="unsorted-with-nan"),
        pytest.param([(30, 7200.0), (60, 8100.0)], id="keystrokes-per-hour"),
    ],
)
def test_speed_chart_edge_cases_still_render(series) -> None:
    png = speed_over_time_png(series, threshold=45, unit="KPH")
    assert _size(png) == (720, 300)


def test_empty_speed_chart_shows_a_message_not_a_blank_image() -> None:
    pixels = _image(speed_over_time_png([]))
    height, width, _ = pixels.shape
    centre = pixels[height // 2 - 15 : height // 2 + 15, width // 2 - 120 : width // 2 + 120]
    assert (centre.min(axis=2) < 160).any(), "expected message text in the middle of the chart"


def test_threshold_line_is_drawn_in_its_own_colour() -> None:
    with_mark = _image(speed_over_time_png([(10, 20.0), (20, 25.0)], threshold=45))
    without = _image(speed_over_time_png([(10, 20.0), (20, 25.0)]))

    def orange_pixels(p: np.ndarray) -> int:  # the pass-mark colour, #D55E00
        r, g, b = p[..., 0], p[..., 1], p[..., 2]
        return int(((r > 180) & (g > 60) & (g < 130) & (b < 60)).sum())

    assert orange_pixels(with_mark) > 200
    assert orange_pixels(without) == 0


# --------------------------------------------------------------------------- keyboard


EXPECTED_KEYBOARD_KEYS = set("`1234567890-=qwertyuiop[]\\asdfghjkl;'zxcvbnm,./") | {" ", "\n"}


def test_keyboard_layout_has_every_key_inside_the_figure() -> None:
    layout = keyboard_layout()
    assert set(layout) == EXPECTED_KEYBOARD_KEYS
    for name, (x0, y0, w, h) in layout.items():
        assert w > 0 and h > 0, name
        assert 0 <= x0 and x0 + w <= 1 and 0 <= y0 and y0 + h <= 1, name


def test_keyboard_layout_keys_do_not_overlap() -> None:
    rects = list(keyboard_layout().items())
    for i, (a, (ax, ay, aw, ah)) in enumerate(rects):
        for b, (bx, by, bw, bh) in rects[i + 1 :]:
            overlap_x = min(ax + aw, bx + bw) - max(ax, bx)
            overlap_y = min(ay + ah, by + bh) - max(ay, by)
            assert overlap_x <= 0 or overlap_y <= 0, f"{a!r} overlaps {b!r}"


def test_keyboard_layout_has_real_row_stagger() -> None:
    layout = keyboard_layout()
    x = {k: layout[k][0] for k in "1qaz"}
    y = {k: layout[k][1] for k in "1qaz"}
    assert x["1"] < x["q"] < x["a"] < x["z"]  # each row starts further right
    assert y["1"] > y["q"] > y["a"] > y["z"] > layout[" "][1]  # rows run top to bottom
    key_w = layout["a"][2]
    assert layout["q"][0] - layout["1"][0] == pytest.approx(key_w * 0.5, rel=0.15)
    assert layout[" "][2] > 5 * key_w  # a proper space bar
    assert layout["\n"][2] > 1.8 * key_w  # and a wide Enter


def test_keyboard_map_is_png_of_default_size_even_when_empty() -> None:
    assert _size(keyboard_error_map_png({})) == (720, 300)
    assert _size(keyboard_error_map_png({"a": (3, 1)}, dpi=150)) == (1080, 450)


def test_keyboard_map_rejects_negative_counts() -> None:
    with pytest.raises(ValueError, match="negative"):
        keyboard_error_map_png({"a": (-1, 0)})


def test_key_with_errors_is_darker_than_key_without() -> None:
    layout = keyboard_layout()
    pixels = _image(keyboard_error_map_png({"a": (20, 10), "s": (20, 0), "d": (20, 2)}))
    a = _lightness(_key_colour(pixels, layout["a"]))
    d = _lightness(_key_colour(pixels, layout["d"]))
    s = _lightness(_key_colour(pixels, layout["s"]))
    assert s > 235, "a key typed without errors should be near white"
    assert a < d < s, "darker means more errors"
    assert s - a > 80


def test_untyped_key_is_neutral_grey_and_distinct_from_error_free_key() -> None:
    layout = keyboard_layout()
    pixels = _image(keyboard_error_map_png({"s": (20, 0)}))
    untyped = _key_colour(pixels, layout["q"])
    clean = _key_colour(pixels, layout["s"])
    assert np.ptp(untyped) < 6, f"untyped key should be grey, got {untyped}"
    assert 150 < _lightness(untyped) < 235
    assert _lightness(clean) - _lightness(untyped) > 15


def test_shifted_characters_count_towards_their_base_key() -> None:
    layout = keyboard_layout()
    pixels = _image(keyboard_error_map_png({"A": (5, 5), "!": (4, 4), "?": (2, 2), "s": (10, 0)}))
    clean = _lightness(_key_colour(pixels, layout["s"]))
    for key in ("a", "1", "/"):
        assert _lightness(_key_colour(pixels, layout[key])) < clean - 80, key


def test_shifted_and_unshifted_counts_are_summed() -> None:
    layout = keyboard_layout()
    # "a" alone is 1 in 10 wrong; with "A" summed in it becomes 6 in 20 and must darken.
    alone = _image(keyboard_error_map_png({"a": (10, 1)}, max_rate=0.5))
    summed = _image(keyboard_error_map_png({"a": (10, 1), "A": (10, 5)}, max_rate=0.5))
    assert _lightness(_key_colour(summed, layout["a"])) < _lightness(_key_colour(alone, layout["a"])) - 20


def test_space_bar_and_enter_are_coloured() -> None:
    layout = keyboard_layout()
    pixels = _image(keyboard_error_map_png({" ": (50, 25), "\n": (4, 2), "s": (10, 0)}))
    clean = _lightness(_key_colour(pixels, layout["s"]))
    assert _lightness(_key_colour(pixels, layout[" "])) < clean - 80
    assert _lightness(_key_colour(pixels, layout["\n"])) < clean - 80


def test_layout_holds_at_print_dpi() -> None:
    layout = keyboard_layout()
    pixels = _image(keyboard_error_map_png({"m": (10, 5), "n": (10, 0)}, dpi=250))
    assert pixels.shape[:2] == (750, 1800)
    assert _lightness(_key_colour(pixels, layout["m"])) < _lightness(_key_colour(pixels, layout["n"])) - 80


def test_characters_off_the_keyboard_are_ignored() -> None:
    assert _size(keyboard_error_map_png({"é": (3, 3), "\t": (1, 1), "a": (3, 0)})) == (720, 300)


# --------------------------------------------------------------------------- keypad


def test_keypad_layout_keys_and_shape() -> None:
    layout = keypad_layout()
    assert set(layout) == set("0123456789.+-*/") | {"\n"}
    key_w, key_h = layout["5"][2], layout["5"][3]
    assert layout["0"][2] > 1.9 * key_w  # double-width zero
    assert layout["+"][3] > 1.9 * key_h  # double-height plus
    assert layout["\n"][3] > 1.9 * key_h  # double-height Enter
    assert layout["7"][1] > layout["4"][1] > layout["1"][1] > layout["0"][1]
    assert layout["7"][0] < layout["8"][0] < layout["9"][0] < layout["+"][0]
    for x0, y0, w, h in layout.values():
        assert 0 <= x0 and x0 + w <= 1 and 0 <= y0 and y0 + h <= 1


def test_keypad_map_is_png_of_default_size_even_when_empty() -> None:
    assert _size(keypad_error_map_png({})) == (720, 300)
    assert _size(keypad_error_map_png({"5": (10, 1)}, dpi=200)) == (1440, 600)


def test_keypad_key_with_errors_is_darker_than_key_without() -> None:
    layout = keypad_layout()
    pixels = _image(keypad_error_map_png({"5": (40, 20), "6": (40, 0), "0": (40, 10), "Enter": (10, 5)}))
    clean = _lightness(_key_colour(pixels, layout["6"]))
    assert clean > 235
    assert _lightness(_key_colour(pixels, layout["5"])) < clean - 80
    assert _lightness(_key_colour(pixels, layout["0"])) < clean - 30
    assert _lightness(_key_colour(pixels, layout["\n"])) < clean - 80  # "Enter" counts as "\n"
    untyped = _key_colour(pixels, layout["9"])
    assert np.ptp(untyped) < 6 and _lightness(untyped) < clean - 15


# --------------------------------------------------------------------------- server safety


def test_charts_render_in_parallel_threads() -> None:
    jobs = [
        lambda: speed_over_time_png([(10, 40.0), (20, 50.0)], threshold=45),
        lambda: keyboard_error_map_png({"a": (10, 3), "s": (10, 0)}),
        lambda: keypad_error_map_png({"5": (10, 3)}),
    ] * 4
    with ThreadPoolExecutor(max_workers=6) as pool:
        results = list(pool.map(lambda job: job(), jobs))
    for png in results:
        assert _size(png) == (720, 300)
    layout = keyboard_layout()
    for png in results[1::3]:
        pixels = _image(png)
        assert _lightness(_key_colour(pixels, layout["a"])) < _lightness(_key_colour(pixels, layout["s"])) - 50


def test_module_does_not_use_pyplot() -> None:
    code = (
        "import sys; from results import charts; "
        "charts.speed_over_time_png([(1, 2)]); charts.keyboard_error_map_png({'a': (1, 1)}); "
        "charts.keypad_error_map_png({'1': (1, 0)}); "
        "assert 'matplotlib.pyplot' not in sys.modules, 'pyplot was imported'"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=charts.__file__.rsplit("/results/", 1)[0])


@pytest.mark.parametrize("bills", [
    pytest.param([], id="no-bills"),
    pytest.param([("Jan 26", 612, False), ("Feb 26", 540, True), ("Mar 26", 498, False)], id="with-estimate"),
    pytest.param([(f"M{i}", 300 + 20 * i, i % 5 == 0) for i in range(24)], id="two-years"),
])
def test_usage_chart_is_a_png_of_the_standard_size(bills):
    from results.charts import usage_chart_png

    data = usage_chart_png(bills)
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert Image.open(io.BytesIO(data)).size == (720, 300)
