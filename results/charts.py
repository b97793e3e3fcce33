"""Charts for result pages and PDF reports.

Every chart is drawn with the object-oriented Matplotlib API on its own
:class:`~matplotlib.figure.Figure` and rendered by the Agg canvas, so nothing here
touches pyplot's global state and the functions are safe to call from several
request handlers at once. Each function returns PNG bytes.

The charts are read by HR staff rather than engineers: titles say what is shown, axes
carry units, fonts are large, the background is white and the colours come from
colour-blind-safe palettes (Okabe-Ito for lines, ColorBrewer ``OrRd`` for error rates,
which runs from near-white to dark red in steadily falling lightness).

Default size is 7.2 x 3.0 inches, i.e. 720 x 300 pixels at ``dpi=100``; pass a larger
``dpi`` for print. The keyboard and keypad figures use a fixed layout (no tight bounding
box) so that :func:`keyboard_layout` and :func:`keypad_layout` can say exactly where
each key lands on the image, whatever the dpi.
"""

from __future__ import annotations

import io
import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass

from matplotlib import colormaps
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.cm import ScalarMappable
from matplotlib.colorbar import Colorbar
from matplotlib.colors import Normalize, to_rgb
from matplotlib.figure import Figure
from matplotlib.patches import FancyBboxPatch, Rectangle
from matplotlib.ticker import FuncFormatter, MaxNLocator

__all__ = [
    "FIG_HEIGHT_IN",
    "FIG_WIDTH_IN",
    "base_key",
    "call_totals_png",
    "keyboard_error_map_png",
    "keyboard_layout",
    "keypad_error_map_png",
    "keypad_layout",
    "speed_over_time_png",
]

# --------------------------------------------------------------------------- style

FIG_WIDTH_IN = 7.2
FIG_HEIGHT_IN = 3.0
DEFAULT_DPI = 100

TEXT = "#222222"
MUTED = "#6b6b6b"
GRID = "#e3e3e3"
SPINE = "#9a9a9a"
LINE_BLUE = "#0072B2"  # Okabe-Ito blue
MARK_VERMILLION = "#D55E00"  # Okabe-Ito vermillion
KEY_EDGE = "#8c8c8c"
UNTYPED_FILL = "#d0d0d0"  # keys never pressed: neutral grey, outside the colour scale
UNTYPED_TEXT = "#6b6b6b"
DECOR_FILL = "#ffffff"  # keys that are not scored (Shift, Tab, ...)
DECOR_EDGE = "#c4c4c4"
DECOR_TEXT = "#9a9a9a"
ERROR_CMAP = colormaps["OrRd"]

TITLE_SIZE = 14
LABEL_SIZE = 11
TICK_SIZE = 10
KEY_LABEL_SIZE = 11
KEY_SMALL_SIZE = 7.5

# Nice upper ends for the error-rate colour scale; the smallest one that holds the worst key is used.
_RATE_SCALE_STEPS = (0.1, 0.2, 0.3, 0.5, 0.75, 1.0)


def _new_figure(dpi: float) -> Figure:
    fig = Figure(figsize=(FIG_WIDTH_IN, FIG_HEIGHT_IN), dpi=dpi, facecolor="white")
    FigureCanvasAgg(fig)
    return fig


def _png(fig: Figure, dpi: float) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi, facecolor="white", edgecolor="white")
    return buf.getvalue()


def _fmt_number(value: float) -> str:
    """45 -> '45', 45.5 -> '45.5', 8000 -> '8,000'."""
    if math.isfinite(value) and float(value).is_integer():
        return f"{value:,.0f}"
    return f"{value:,.1f}"


# --------------------------------------------------------------------------- speed over time


def speed_over_time_png(
    series: Sequence[tuple[float, float]],
    *,
    threshold: float | None = None,
    unit: str = "WPM",
    title: str = "Speed over time",
    dpi: float = DEFAULT_DPI,
) -> bytes:
    """Line chart of typing (or keying) speed through the test.

    ``series`` holds ``(end of interval in seconds, speed in unit)`` points; they are
    sorted by time and non-finite points are dropped. ``threshold`` draws a dashed pass
    mark labelled e.g. "Pass mark 45 WPM". An empty series gives the same frame with a
    "No keystrokes recorded" message.
    """
    points = sorted(
        (float(t), float(v)) for t, v in series if math.isfinite(float(t)) and math.isfinite(float(v))
    )
    if threshold is not None and not math.isfinite(float(threshold)):
        threshold = None

    fig = _new_figure(dpi)
    fig.set_layout_engine("constrained")
    ax = fig.add_subplot()
    ax.set_facecolor("white")
    ax.set_title(title, fontsize=TITLE_SIZE, color=TEXT, loc="left", pad=10)
    ax.set_xlabel("Time (s)", fontsize=LABEL_SIZE, color=TEXT)
    ax.set_ylabel(f"Speed ({unit})", fontsize=LABEL_SIZE, color=TEXT)
    ax.tick_params(labelsize=TICK_SIZE, colors=TEXT, length=3)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    for side in ("left", "bottom"):
        ax.spines[side].set_color(SPINE)
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _pos: f"{v:,.0f}"))
    ax.yaxis.set_major_locator(MaxNLocator(nbins=5, integer=True))
    ax.grid(axis="y", color=GRID, linewidth=0.8)
    ax.set_axisbelow(True)

    if not points:
        ax.set_xlim(0, 60)
        ax.set_ylim(0, 1)
        ax.set_xticks([])
        ax.set_yticks([])
        ax.text(
            0.5, 0.5, "No keystrokes recorded", transform=ax.transAxes,
            ha="center", va="center", fontsize=LABEL_SIZE + 2, color=MUTED,
        )
        return _png(fig, dpi)

    times = [t for t, _ in points]
    speeds = [v for _, v in points]
    ax.plot(
        times, speeds, color=LINE_BLUE, linewidth=2.2, marker="o", markersize=5 if len(points) <= 40 else 3,
        markerfacecolor="white", markeredgewidth=1.6, zorder=3, label=f"Speed ({unit})",
    )

    top = max(max(speeds), threshold or 0.0, 1.0)
    ax.set_ylim(0, top * 1.18)
    t_max = max(times)
    ax.set_xlim(0, t_max * 1.03 if t_max > 0 else 1.0)

    if threshold is not None:
        ax.axhline(
            threshold, color=MARK_VERMILLION, linestyle=(0, (6, 4)), linewidth=1.6, zorder=2,
            label=f"Pass mark {_fmt_number(threshold)} {unit}",
        )
        if len(title) <= 36:
            # Key above the plot, level with the title, so it never hides a data point.
            ax.legend(
                loc="lower right", bbox_to_anchor=(1.0, 1.0), ncol=2, frameon=False,
                fontsize=TICK_SIZE, labelcolor=TEXT, handlelength=2.6, borderaxespad=0.2,
            )
        else:  # a long title needs the whole band
            ax.legend(loc="lower right", fontsize=TICK_SIZE, labelcolor=TEXT, handlelength=2.6, framealpha=0.9)
    return _png(fig, dpi)


# --------------------------------------------------------------------------- shift mapping

_SHIFTED_TO_BASE = {
    "~": "`", "!": "1", "@": "2", "#": "3", "$": "4", "%": "5", "^": "6", "&": "7",
    "*": "8", "(": "9", ")": "0", "_": "-", "+": "=", "{": "[", "}": "]", "|": "\\",
    ":": ";", '"': "'", "<": ",", ">": ".", "?": "/",
}  # fmt: skip
_BASE_TO_SHIFTED = {base: shifted for shifted, base in _SHIFTED_TO_BASE.items()}
_NEWLINES = {"\n", "\r", "\r\n", "Enter"}


def base_key(char: str) -> str:
    """The unshifted US-QWERTY key that produces ``char``.

    ``"A" -> "a"``, ``"!" -> "1"``, ``":" -> ";"``, ``'"' -> "'"``; a line break (or the
    key name ``"Enter"``) gives ``"\\n"``. Anything else, including characters that are
    not on a US keyboard, comes back unchanged.
    """
    if char in _NEWLINES:
        return "\n"
    if len(char) == 1 and "A" <= char <= "Z":
        return char.lower()
    return _SHIFTED_TO_BASE.get(char, char)


def _keypad_key(char: str) -> str:
    if char in _NEWLINES:
        return "\n"
    if char == ",":  # decimal separator on keypads in some locales
        return "."
    return char


# --------------------------------------------------------------------------- key geometry


@dataclass(frozen=True, slots=True)
class _Key:
    name: str  # per_key name for scored keys; display name for decorative ones
    label: str
    x: float  # left edge, in key units from the left of the block
    row: float  # top edge, in key units from the top of the block
    w: float = 1.0
    h: float = 1.0
    scored: bool = True
    shifted: str = ""  # small upper-left legend, as printed on the keycap


@dataclass(frozen=True, slots=True)
class _Board:
    keys: tuple[_Key, ...]
    cols: float  # width in key units
    rows: float  # height in key units
    left_in: float  # where the block's left edge sits on the figure, inches
    bottom_in: float
    unit_in: float  # inches per key unit


_GAP = 0.07  # space between neighbouring keys, key units (half on each side)
_MARGIN = 0.05  # blank border around the block inside its axes, key units


def _qwerty_keys() -> tuple[_Key, ...]:
    keys: list[_Key] = []

    def row_of(chars: str, x0: float, row: int) -> None:
        for i, c in enumerate(chars):
            label = c.upper() if c.isalpha() else c
            keys.append(_Key(c, label, x0 + i, row, shifted=_BASE_TO_SHIFTED.get(c, "")))

    row_of("`1234567890-=", 0.0, 0)
    keys.append(_Key("Backspace", "Backspace", 13.0, 0, w=2.0, scored=False))
    keys.append(_Key("Tab", "Tab", 0.0, 1, w=1.5, scored=False))
    row_of("qwertyuiop[]", 1.5, 1)
    keys.append(_Key("\\", "\\", 13.5, 1, w=1.5, shifted="|"))
    keys.append(_Key("Caps Lock", "Caps", 0.0, 2, w=1.75, scored=False))
    row_of("asdfghjkl;'", 1.75, 2)
    keys.append(_Key("\n", "Enter", 12.75, 2, w=2.25))
    keys.append(_Key("Shift (left)", "Shift", 0.0, 3, w=2.25, scored=False))
    row_of("zxcvbnm,./", 2.25, 3)
    keys.append(_Key("Shift (right)", "Shift", 12.25, 3, w=2.75, scored=False))
    for i, (name, x) in enumerate(
        [("Ctrl", 0.0), ("Win", 1.25), ("Alt", 2.5), ("Alt", 10.0), ("Win", 11.25), ("Menu", 12.5), ("Ctrl", 13.75)]
    ):
        keys.append(_Key(f"{name} ({i})", name, x, 4, w=1.25, scored=False))
    keys.append(_Key(" ", "Space", 3.75, 4, w=6.25))
    return tuple(keys)


def _keypad_keys() -> tuple[_Key, ...]:
    return (
        _Key("NumLock", "Num\nLock", 0, 0, scored=False),
        _Key("/", "/", 1, 0), _Key("*", "*", 2, 0), _Key("-", "\u2212", 3, 0),
        _Key("7", "7", 0, 1), _Key("8", "8", 1, 1), _Key("9", "9", 2, 1), _Key("+", "+", 3, 1, h=2.0),
        _Key("4", "4", 0, 2), _Key("5", "5", 1, 2), _Key("6", "6", 2, 2),
        _Key("1", "1", 0, 3), _Key("2", "2", 1, 3), _Key("3", "3", 2, 3), _Key("\n", "Enter", 3, 3, h=2.0),
        _Key("0", "0", 0, 4, w=2.0), _Key(".", ".", 2, 4),
    )  # fmt: skip


# Both blocks sit above a 0.55 in legend strip and below the title band; a key unit is
# 0.41 in, so a keycap is about 40 px across at 100 dpi.
_UNIT_IN = 0.41
_BOARD_BOTTOM_IN = 0.55
_KEYBOARD = _Board(
    _qwerty_keys(), cols=15.0, rows=5.0,
    left_in=(FIG_WIDTH_IN - (15.0 + 2 * _MARGIN) * _UNIT_IN) / 2,  # centred
    bottom_in=_BOARD_BOTTOM_IN, unit_in=_UNIT_IN,
)  # fmt: skip
_KEYPAD = _Board(_keypad_keys(), cols=4.0, rows=5.0, left_in=1.2, bottom_in=_BOARD_BOTTOM_IN, unit_in=_UNIT_IN)


def _axes_rect(board: _Board) -> tuple[float, float, float, float]:
    """The block's axes in figure fractions; data units are key units, y up."""
    w_in = (board.cols + 2 * _MARGIN) * board.unit_in
    h_in = (board.rows + 2 * _MARGIN) * board.unit_in
    return (board.left_in / FIG_WIDTH_IN, board.bottom_in / FIG_HEIGHT_IN, w_in / FIG_WIDTH_IN, h_in / FIG_HEIGHT_IN)


def _key_box(board: _Board, key: _Key) -> tuple[float, float, float, float]:
    """The drawn keycap (x0, y0, w, h) in data units of the block's axes."""
    half = _GAP / 2
    y_top = board.rows - key.row
    return (key.x + half, y_top - key.h + half, key.w - _GAP, key.h - _GAP)


def _layout(board: _Board) -> dict[str, tuple[float, float, float, float]]:
    ax_x, ax_y, ax_w, ax_h = _axes_rect(board)
    span_x = board.cols + 2 * _MARGIN
    span_y = board.rows + 2 * _MARGIN
    out: dict[str, tuple[float, float, float, float]] = {}
    for key in board.keys:
        if not key.scored:
            continue
        x, y, w, h = _key_box(board, key)
        out[key.name] = (
            ax_x + (x + _MARGIN) / span_x * ax_w,
            ax_y + (y + _MARGIN) / span_y * ax_h,
            w / span_x * ax_w,
            h / span_y * ax_h,
        )
    return out


def keyboard_layout() -> dict[str, tuple[float, float, float, float]]:
    """Where each scored key of :func:`keyboard_error_map_png` is drawn.

    Maps the key's name as used in ``per_key`` after :func:`base_key` (``"a"``, ``"1"``,
    ``";"``, ``" "`` for the space bar, ``"\\n"`` for Enter) to the keycap rectangle
    ``(x0, y0, width, height)`` in figure fractions, origin at the bottom-left of the
    image. The figure layout is fixed, so this holds for every ``dpi``: the keycap spans
    pixels ``x0 * W`` to ``(x0 + width) * W`` across and ``(1 - y0 - height) * H`` to
    ``(1 - y0) * H`` down an image of ``W x H`` pixels.
    """
    return _layout(_KEYBOARD)


def keypad_layout() -> dict[str, tuple[float, float, float, float]]:
    """Where each scored key of :func:`keypad_error_map_png` is drawn; see :func:`keyboard_layout`.

    Keys are ``"0"``-``"9"``, ``"."``, ``"+"``, ``"-"``, ``"*"``, ``"/"`` and ``"\\n"`` (Enter).
    """
    return _layout(_KEYPAD)


# --------------------------------------------------------------------------- error maps


def _tally(per_key: Mapping[str, tuple[int, int]], normalise: Callable[[str], str]) -> dict[str, tuple[int, int]]:
    totals: dict[str, tuple[int, int]] = {}
    for char, (presses, errors) in per_key.items():
        presses, errors = int(presses), int(errors)
        if presses < 0 or errors < 0:
            raise ValueError(f"negative count for key {char!r}: presses={presses}, errors={errors}")
        name = normalise(char)
        p0, e0 = totals.get(name, (0, 0))
        totals[name] = (p0 + presses, e0 + errors)
    return totals


def _rate(presses: int, errors: int) -> float | None:
    if presses <= 0:
        return None
    return min(errors / presses, 1.0)


def _scale_top(rates: Iterable[float], max_rate: float | None) -> float:
    if max_rate is not None and max_rate > 0:
        return float(max_rate)
    worst = max(rates, default=0.0)
    for step in _RATE_SCALE_STEPS:
        if worst <= step + 1e-12:
            return step
    return 1.0


def _luminance(rgb: tuple[float, float, float]) -> float:
    r, g, b = rgb
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def _draw_board(fig: Figure, board: _Board, totals: Mapping[str, tuple[int, int]], norm: Normalize) -> None:
    ax = fig.add_axes(_axes_rect(board))
    ax.set_xlim(-_MARGIN, board.cols + _MARGIN)
    ax.set_ylim(-_MARGIN, board.rows + _MARGIN)
    ax.set_axis_off()
    rounding = 0.12
    for key in board.keys:
        x, y, w, h = _key_box(board, key)
        cx, cy = x + w / 2, y + h / 2
        if not key.scored:
            fill, edge, text_colour, count = DECOR_FILL, DECOR_EDGE, DECOR_TEXT, None
        else:
            presses, errors = totals.get(key.name, (0, 0))
            rate = _rate(presses, errors)
            if rate is None:
                fill, edge, text_colour, count = UNTYPED_FILL, KEY_EDGE, UNTYPED_TEXT, None
            else:
                fill = ERROR_CMAP(norm(rate))
                edge = KEY_EDGE
                text_colour = "white" if _luminance(to_rgb(fill)) < 0.45 else TEXT
                count = errors if errors > 0 else None
        ax.add_patch(
            FancyBboxPatch(
                (x, y), w, h, boxstyle=f"round,pad=0,rounding_size={rounding}",
                facecolor=fill, edgecolor=edge, linewidth=0.9,
            )
        )
        if not key.scored:
            ax.text(cx, cy, key.label, ha="center", va="center", fontsize=KEY_SMALL_SIZE, color=text_colour)
            continue
        word = len(key.label) > 1
        if not word:
            size = KEY_LABEL_SIZE
        elif len(key.label) * 0.19 < w:  # roughly what fits at the larger word size
            size = KEY_SMALL_SIZE + 1
        else:
            size = KEY_SMALL_SIZE
        ax.text(
            cx, cy + (0.04 if not word else 0), key.label, ha="center", va="center",
            fontsize=size, color=text_colour,
        )
        if key.shifted:
            ax.text(
                x + 0.1, y + h - 0.08, key.shifted, ha="left", va="top",
                fontsize=KEY_SMALL_SIZE, color=text_colour, alpha=0.8,
            )
        if count is not None:
            ax.text(
                x + w - 0.08, y + 0.07, str(count), ha="right", va="bottom",
                fontsize=KEY_SMALL_SIZE, color=text_colour, fontweight="bold",
            )


def _percent_label(value: float, _pos: object = None) -> str:
    """0.1 -> '10%', 0.006 -> '0.6%', 0 -> '0%'."""
    text = f"{value * 100:.2f}".rstrip("0").rstrip(".")
    return f"{'0' if text in ('', '-0') else text}%"


def _draw_legend(fig: Figure, norm: Normalize, centre_in: float) -> None:
    """Colour bar plus a grey 'Not typed' swatch, in the strip under the keys."""
    bar_w_in, bar_h_in, bar_bottom_in = 2.4, 0.13, 0.25
    label_w_in = 0.85
    swatch_gap_in = 0.35
    total_in = label_w_in + bar_w_in + swatch_gap_in + 1.6
    left_in = max(centre_in - total_in / 2, 0.1)

    fig.text(
        (left_in + label_w_in - 0.08) / FIG_WIDTH_IN, (bar_bottom_in + bar_h_in / 2) / FIG_HEIGHT_IN,
        "Error rate", ha="right", va="center", fontsize=TICK_SIZE, color=TEXT,
    )
    cax = fig.add_axes(
        (
            (left_in + label_w_in) / FIG_WIDTH_IN, bar_bottom_in / FIG_HEIGHT_IN,
            bar_w_in / FIG_WIDTH_IN, bar_h_in / FIG_HEIGHT_IN,
        )
    )
    cbar = Colorbar(cax, ScalarMappable(norm=norm, cmap=ERROR_CMAP), orientation="horizontal")
    cbar.outline.set_edgecolor(KEY_EDGE)
    cbar.outline.set_linewidth(0.8)
    cbar.ax.xaxis.set_major_locator(MaxNLocator(nbins=5))
    cbar.ax.xaxis.set_major_formatter(FuncFormatter(_percent_label))
    cbar.ax.tick_params(labelsize=TICK_SIZE - 1, colors=TEXT, length=2)

    swatch_x_in = left_in + label_w_in + bar_w_in + swatch_gap_in
    sax = fig.add_axes((0, 0, 1, 1), facecolor="none")
    sax.set_axis_off()
    sax.set_xlim(0, FIG_WIDTH_IN)
    sax.set_ylim(0, FIG_HEIGHT_IN)
    sax.add_patch(
        Rectangle(
            (swatch_x_in, bar_bottom_in - 0.02), 0.26, bar_h_in + 0.04,
            facecolor=UNTYPED_FILL, edgecolor=KEY_EDGE, linewidth=0.8,
        )
    )
    sax.text(
        swatch_x_in + 0.34, bar_bottom_in + bar_h_in / 2, "Not typed", ha="left", va="center",
        fontsize=TICK_SIZE, color=TEXT,
    )
    sax.text(
        swatch_x_in, bar_bottom_in - 0.1, "Small number on a key = errors", ha="left", va="top",
        fontsize=KEY_SMALL_SIZE + 0.5, color=MUTED,
    )


def _error_map_png(
    board: _Board,
    totals: Mapping[str, tuple[int, int]],
    *,
    title: str,
    max_rate: float | None,
    dpi: float,
    legend_centre_in: float,
    extra: Callable[[Figure], None] | None = None,
) -> bytes:
    scored = {k.name for k in board.keys if k.scored}
    rates = [r for name, (p, e) in totals.items() if name in scored and (r := _rate(p, e)) is not None]
    norm = Normalize(vmin=0.0, vmax=_scale_top(rates, max_rate), clip=True)

    fig = _new_figure(dpi)
    fig.text(
        0.12 / FIG_WIDTH_IN, 1 - 0.1 / FIG_HEIGHT_IN, title, ha="left", va="top",
        fontsize=TITLE_SIZE, color=TEXT,
    )
    _draw_board(fig, board, totals, norm)
    _draw_legend(fig, norm, legend_centre_in)
    if extra is not None:
        extra(fig)
    return _png(fig, dpi)


def keyboard_error_map_png(
    per_key: Mapping[str, tuple[int, int]],
    *,
    title: str = "Errors per key",
    max_rate: float | None = None,
    dpi: float = DEFAULT_DPI,
) -> bytes:
    """Heat map of error rate per key on a US QWERTY keyboard.

    ``per_key`` maps an expected character to ``(presses, errors)``; shifted characters
    count towards their base key (see :func:`base_key`). Keys are filled by
    ``errors / presses`` from near-white (no errors) to dark red; keys never pressed are
    plain grey; keys with errors show the error count. The colour scale runs from 0 to
    ``max_rate``, by default the smallest of 10%, 20%, 30%, 50%, 75%, 100% that holds
    the worst key. Characters that are not on the keyboard are left out.
    """
    totals = _tally(per_key, base_key)
    return _error_map_png(
        _KEYBOARD, totals, title=title, max_rate=max_rate, dpi=dpi, legend_centre_in=FIG_WIDTH_IN / 2
    )


def keypad_error_map_png(
    per_key: Mapping[str, tuple[int, int]],
    *,
    title: str = "Errors per key",
    max_rate: float | None = None,
    dpi: float = DEFAULT_DPI,
) -> bytes:
    """Heat map of error rate per key on a numeric keypad, for the 10-key test.

    ``per_key`` maps an expected character (``"0"``-``"9"``, ``"."``, ``"+"``, ``"-"``,
    ``"*"``, ``"/"``, ``"\\n"`` or ``"Enter"`` for Enter) to ``(presses, errors)``. Colours
    as in :func:`keyboard_error_map_png`; a short list of the keys with most errors sits
    beside the keypad.
    """
    totals = _tally(per_key, _keypad_key)
    scored = {k.name: k for k in _KEYPAD.keys if k.scored}

    def summary(fig: Figure) -> None:
        worst = sorted(
            ((e, p, name) for name, (p, e) in totals.items() if name in scored and p > 0 and e > 0),
            key=lambda item: (-item[0] / item[1], -item[0], item[2]),
        )[:5]
        x_in = _KEYPAD.left_in + (_KEYPAD.cols + 2 * _MARGIN) * _KEYPAD.unit_in + 0.7
        y_in = _KEYPAD.bottom_in + (_KEYPAD.rows + 2 * _MARGIN) * _KEYPAD.unit_in - 0.05
        fig.text(
            x_in / FIG_WIDTH_IN, y_in / FIG_HEIGHT_IN, "Keys with the highest error rate",
            ha="left", va="top", fontsize=LABEL_SIZE, color=TEXT,
        )
        if not worst:
            typed = any(p > 0 for name, (p, _e) in totals.items() if name in scored)
            fig.text(
                x_in / FIG_WIDTH_IN, (y_in - 0.32) / FIG_HEIGHT_IN, "No errors" if typed else "No keys typed",
                ha="left", va="top", fontsize=TICK_SIZE, color=MUTED,
            )
            return
        for i, (e, p, name) in enumerate(worst):
            row_in = y_in - 0.32 - i * 0.24
            fig.text(
                x_in / FIG_WIDTH_IN, row_in / FIG_HEIGHT_IN, scored[name].label,
                ha="left", va="top", fontsize=TICK_SIZE, color=TEXT, fontweight="bold",
            )
            fig.text(
                (x_in + 0.55) / FIG_WIDTH_IN, row_in / FIG_HEIGHT_IN, f"{e} of {p} wrong ({e / p:.0%})",
                ha="left", va="top", fontsize=TICK_SIZE, color=TEXT,
            )

    keypad_centre_in = _KEYPAD.left_in + (_KEYPAD.cols + 2 * _MARGIN) * _KEYPAD.unit_in / 2
    return _error_map_png(
        _KEYPAD, totals, title=title, max_rate=max_rate, dpi=dpi,
        legend_centre_in=max(keypad_centre_in + 1.6, FIG_WIDTH_IN / 2), extra=summary,
    )


def usage_chart_png(
    bills: Sequence[tuple[str, int, bool]],
    *,
    title: str = "Electricity use by bill",
    dpi: float = DEFAULT_DPI,
) -> bytes:
    """Bars of kWh per bill, oldest first; bills on an estimated read are hatched and
    marked "E" so a CSR sees at once which high bill rests on an estimate.

    ``bills`` holds ``(label such as "Mar 26", kWh, estimated)``.
    """
    fig = _new_figure(dpi)
    fig.set_layout_engine("constrained")
    ax = fig.add_subplot()
    ax.set_title(title, fontsize=TITLE_SIZE, color=TEXT, loc="left", pad=10)
    ax.set_ylabel("kWh", fontsize=LABEL_SIZE, color=TEXT)
    ax.tick_params(labelsize=TICK_SIZE, colors=TEXT, length=3)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    ax.grid(axis="y", color=GRID, linewidth=0.8)
    ax.set_axisbelow(True)
    if not bills:
        ax.set_xticks([])
        ax.set_yticks([])
        ax.text(0.5, 0.5, "No bills yet", transform=ax.transAxes, ha="center", va="center",
                fontsize=LABEL_SIZE + 2, color=MUTED)
        return _png(fig, dpi)
    positions = range(len(bills))
    kwh = [max(0, int(k)) for _, k, _ in bills]
    estimated = [bool(e) for _, _, e in bills]
    bars = ax.bar(positions, kwh, color=[("white" if e else LINE_BLUE) for e in estimated],
                  edgecolor=[(MARK_VERMILLION if e else LINE_BLUE) for e in estimated], linewidth=1.4)
    for bar, est in zip(bars, estimated):
        if est:
            bar.set_hatch("///")
            ax.annotate("E", (bar.get_x() + bar.get_width() / 2, bar.get_height()), ha="center", va="bottom",
                        fontsize=TICK_SIZE, color=MARK_VERMILLION, fontweight="bold")
    ax.set_xticks(list(positions), [label for label, _, _ in bills], rotation=60 if len(bills) > 12 else 0,
                  fontsize=TICK_SIZE - (1 if len(bills) > 12 else 0))
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _pos: f"{v:,.0f}"))
    ax.set_ylim(0, max(kwh + [1]) * 1.15)
    if any(estimated):
        ax.text(1.0, 1.02, "E = estimated read", transform=ax.transAxes, ha="right", va="bottom",
                fontsize=TICK_SIZE, color=MARK_VERMILLION)
    return _png(fig, dpi)


def call_totals_png(
    calls: Sequence[tuple[str, float, bool]],
    *,
    title: str = "Call scenario totals",
    dpi: float = DEFAULT_DPI,
) -> bytes:
    """A trainee's call totals (0-100) in the order the calls were taken.

    ``calls`` holds ``(label such as "16 Nov", total, fatal)``, oldest first. A call zeroed
    by a fatal item is drawn as a vermillion cross on 0 and counted in the key, so a lead
    sees at once that the zero is a fatal error rather than an empty call.
    """
    fig = _new_figure(dpi)
    fig.set_layout_engine("constrained")
    ax = fig.add_subplot()
    ax.set_facecolor("white")
    ax.set_title(title, fontsize=TITLE_SIZE, color=TEXT, loc="left", pad=10)
    ax.set_ylabel("Total (of 100)", fontsize=LABEL_SIZE, color=TEXT)
    ax.tick_params(labelsize=TICK_SIZE, colors=TEXT, length=3)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    for side in ("left", "bottom"):
        ax.spines[side].set_color(SPINE)
    ax.grid(axis="y", color=GRID, linewidth=0.8)
    ax.set_axisbelow(True)
    ax.set_ylim(0, 108)
    ax.set_yticks([0, 20, 40, 60, 80, 100])
    points = [(str(label), float(total), bool(fatal)) for label, total, fatal in calls
              if math.isfinite(float(total))]
    if not points:
        ax.set_xticks([])
        ax.text(0.5, 0.5, "No graded calls yet", transform=ax.transAxes, ha="center", va="center",
                fontsize=LABEL_SIZE + 2, color=MUTED)
        return _png(fig, dpi)
    positions = list(range(1, len(points) + 1))
    totals = [total for _, total, _ in points]
    ax.plot(positions, totals, color=LINE_BLUE, linewidth=2.2, marker="o", markersize=6 if len(points) <= 40 else 3,
            markerfacecolor="white", markeredgewidth=1.6, zorder=3, label="Total")
    fatal = [(x, total) for x, (_, total, hit) in zip(positions, points) if hit]
    if fatal:
        ax.scatter([x for x, _ in fatal], [t for _, t in fatal], marker="X", s=90, color=MARK_VERMILLION, zorder=4,
                   label=f"Fatal item ({len(fatal)})")
        ax.legend(loc="lower right", bbox_to_anchor=(1.0, 1.0), ncol=2, frameon=False, fontsize=TICK_SIZE,
                  labelcolor=TEXT, borderaxespad=0.2)
    ax.set_xlim(0.5, len(points) + 0.5)
    step = max(1, math.ceil(len(points) / 12))
    shown = positions[::step]
    ax.set_xticks(shown, [f"{x}\n{points[x - 1][0]}" for x in shown], fontsize=TICK_SIZE - 1)
    ax.set_xlabel("Call (in the order taken)", fontsize=LABEL_SIZE, color=TEXT)
    return _png(fig, dpi)
