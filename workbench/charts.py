"""Small charts drawn on the server as SVG text: no front-end build step, nothing
loaded from the network, readable without JavaScript (each chart has a title and a
description for screen readers, and the page shows the same numbers as a table).

Pure: plain values in, a string of SVG out; every label is escaped.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import timedelta
from html import escape

# Colours with enough contrast on white, told apart by lightness too (grey prints).
PALETTE = ("#1f6f43", "#d9a21b", "#c9ced6", "#3b5ba5", "#a33b3b", "#6b46c1")
_ROW = 22
_GAP = 6
_FONT = 'font-family="system-ui, sans-serif" font-size="12"'


def _open(width: int, height: int) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" class="chart" '
        f'viewBox="0 0 {width} {height}" width="{width}" height="{height}">'
    )


def _num(x: float) -> str:
    return f"{x:.1f}".rstrip("0").rstrip(".")


def stacked_bars(
    rows: Sequence[tuple[str, Mapping[str, int]]],
    series: Sequence[str],
    *,
    title: str,
    width: int = 640,
    label_width: int = 140,
    colors: Sequence[str] = PALETTE,
) -> str:
    """A horizontal stacked bar per row (label, {series: count}), each bar as long as
    its row's total relative to the largest total, with a legend of ``series``."""
    legend_h = _ROW
    height = legend_h + len(rows) * (_ROW + _GAP) + _GAP
    plot_w = width - label_width - 60
    largest = max((sum(values.get(s, 0) for s in series) for _, values in rows), default=0)
    parts = [
        _open(width, height),
        f"<title>{escape(title)}</title>",
    ]
    x = label_width
    for i, name in enumerate(series):
        color = colors[i % len(colors)]
        parts.append(f'<rect x="{x}" y="4" width="12" height="12" fill="{color}"/>')
        parts.append(f'<text x="{x + 16}" y="14" {_FONT}>{escape(name)}</text>')
        x += 24 + 7 * len(name)
    for row, (label, values) in enumerate(rows):
        y = legend_h + _GAP + row * (_ROW + _GAP)
        total = sum(values.get(s, 0) for s in series)
        parts.append(
            f'<text x="{label_width - 6}" y="{y + 15}" text-anchor="end" {_FONT}>'
            f"{escape(label)}</text>"
        )
        x0 = float(label_width)
        for i, name in enumerate(series):
            value = values.get(name, 0)
            if not value or not largest:
                continue
            w = plot_w * value / largest
            parts.append(
                f'<rect x="{_num(x0)}" y="{y}" width="{_num(w)}" height="{_ROW}" '
                f'fill="{colors[i % len(colors)]}"><title>{escape(label)}: {value} '
                f"{escape(name)}</title></rect>"
            )
            x0 += w
        parts.append(f'<text x="{_num(x0 + 4)}" y="{y + 15}" {_FONT}>{total}</text>')
    parts.append("</svg>")
    return "".join(parts)


def share_bars(
    rows: Sequence[tuple[str, float | None, int]],
    *,
    title: str,
    width: int = 640,
    label_width: int = 140,
    color: str = PALETTE[3],
) -> str:
    """A horizontal bar per row (label, share from 0 to 1 or None, out of how many),
    on a 0-100 % scale; a row without a share says "none"."""
    height = len(rows) * (_ROW + _GAP) + _GAP + 16
    plot_w = width - label_width - 110
    parts = [
        _open(width, height),
        f"<title>{escape(title)}</title>",
    ]
    for tick in (0, 50, 100):
        x = label_width + plot_w * tick / 100
        parts.append(
            f'<line x1="{_num(x)}" y1="0" x2="{_num(x)}" y2="{height - 16}" stroke="#ddd"/>'
            f'<text x="{_num(x)}" y="{height - 3}" text-anchor="middle" {_FONT}>{tick} %</text>'
        )
    for row, (label, share, out_of) in enumerate(rows):
        y = _GAP + row * (_ROW + _GAP)
        parts.append(
            f'<text x="{label_width - 6}" y="{y + 15}" text-anchor="end" {_FONT}>'
            f"{escape(label)}</text>"
        )
        if share is None:
            parts.append(f'<text x="{label_width + 4}" y="{y + 15}" {_FONT}>none</text>')
            continue
        w = plot_w * max(0.0, min(1.0, share))
        parts.append(
            f'<rect x="{label_width}" y="{y}" width="{_num(w)}" height="{_ROW}" fill="{color}">'
            f"<title>{escape(label)}: {share:.0%} of {out_of}</title></rect>"
            f'<text x="{_num(label_width + w + 4)}" y="{y + 15}" {_FONT}>'
            f"{share:.0%} of {out_of}</text>"
        )
    parts.append("</svg>")
    return "".join(parts)


def ago(delta: timedelta | None) -> str:
    """How long ago, in the largest whole unit: "just now", "5 min", "3 h", "2 days"."""
    if delta is None:
        return "never"
    seconds = int(delta.total_seconds())
    if seconds < 60:
        return "just now"
    for size, unit in ((86400, "day"), (3600, "h"), (60, "min")):
        if seconds >= size:
            n = seconds // size
            if unit == "day":
                return f"{n} day{'s' if n != 1 else ''} ago"
            return f"{n} {unit} ago"
    return "just now"
