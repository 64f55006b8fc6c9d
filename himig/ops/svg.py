"""Charts drawn on the server as inline SVG: no JavaScript, no inline styles (strict CSP).

Colours and fonts come from classes styled in ``static/css/ops.css``. Each chart has
``role="img"`` with a ``<title>`` and ``<desc>`` for screen readers, and each bar or
point a ``<title>`` with its exact value.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Sequence

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

WIDTH, HEIGHT = 640, 220
LEFT, RIGHT, TOP, BOTTOM = 52, 12, 14, 30

Formatter = Callable[[float], str]


def _plain(value: float) -> str:
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.2f}"


def nice_max(value: float) -> float:
    """The smallest 1/2/5×10ⁿ at or above ``value`` (a y axis that ends on a round number)."""
    if value <= 0:
        return 1.0
    power = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 5, 10):
        if step * power >= value:
            return float(step * power)
    return float(10 * power)


def _ticks(top: float) -> list[float]:
    """Grid values from 0 to ``top`` (a nice_max) in round steps; whole steps for counts."""
    power = 10 ** math.floor(math.log10(top))
    mantissa = round(top / power)
    if mantissa == 1:
        count = 1 if top == 1 else 5
    elif mantissa == 2:
        count = 2 if top == 2 else 4
    else:
        count = 5
    return [top * i / count for i in range(count + 1)]


def _frame(title: str, desc: str, chart_id: str, body: list[str]) -> SafeString:
    head = (
        f'<svg class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        f'aria-labelledby="{chart_id}-t {chart_id}-d" xmlns="http://www.w3.org/2000/svg">'
        f'<title id="{chart_id}-t">{escape(title)}</title><desc id="{chart_id}-d">{escape(desc)}</desc>'
    )
    return mark_safe(head + "".join(body) + "</svg>")  # every interpolated text is escaped above or below


def _axes(top: float, fmt: Formatter, x_labels: list[tuple[float, str]]) -> list[str]:
    plot_h = HEIGHT - TOP - BOTTOM
    out = []
    for tick in _ticks(top):
        y = TOP + plot_h - plot_h * tick / top
        out.append(f'<line class="chart-grid" x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y:.1f}" y2="{y:.1f}"/>')
        out.append(
            f'<text class="chart-label" x="{LEFT - 6}" y="{y + 4:.1f}" text-anchor="end">{escape(fmt(tick))}</text>'
        )
    base = TOP + plot_h
    out.append(f'<line class="chart-axis" x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{base}" y2="{base}"/>')
    out.append(f'<line class="chart-axis" x1="{LEFT}" x2="{LEFT}" y1="{TOP}" y2="{base}"/>')
    for i, (x, label) in enumerate(x_labels):
        # The outermost labels hang inwards so the axis never clips them.
        anchor = "start" if i == 0 and x - LEFT < 20 else "end" if x > WIDTH - RIGHT - 20 else "middle"
        out.append(
            f'<text class="chart-label" x="{x:.1f}" y="{HEIGHT - 10}" text-anchor="{anchor}">{escape(label)}</text>'
        )
    return out


def _day_label(day: dt.date) -> str:
    return day.strftime("%b %-d")


def _x_label_indices(n: int, most: int = 6) -> list[int]:
    if n <= most:
        return list(range(n))
    step = math.ceil((n - 1) / (most - 1))
    picks = list(range(0, n, step))
    if picks[-1] != n - 1:
        picks[-1] = n - 1
    return picks


def bar_chart(
    days: Sequence[dt.date],
    values: Sequence[float],
    *,
    title: str,
    desc: str,
    chart_id: str,
    fmt: Formatter = _plain,
    highlight: Sequence[bool] | None = None,
) -> SafeString:
    """One bar per day; ``highlight`` marks bars to draw in the alarm colour."""
    top = nice_max(max(values, default=0))
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    slot = plot_w / max(len(values), 1)
    bar_w = max(1.0, slot * 0.72)
    body = _axes(
        top, fmt, [(LEFT + slot * (i + 0.5), _day_label(days[i])) for i in _x_label_indices(len(days))]
    )
    for i, (day, value) in enumerate(zip(days, values, strict=True)):
        h = plot_h * value / top
        x = LEFT + slot * i + (slot - bar_w) / 2
        css = "chart-bar chart-bar-alarm" if highlight and highlight[i] else "chart-bar"
        body.append(
            f'<rect class="{css}" x="{x:.1f}" y="{TOP + plot_h - h:.1f}" width="{bar_w:.1f}" height="{h:.1f}">'
            f"<title>{escape(_day_label(day))}: {escape(fmt(value))}</title></rect>"
        )
        if len(values) <= 14 and value:
            body.append(
                f'<text class="chart-value" x="{x + bar_w / 2:.1f}" y="{TOP + plot_h - h - 3:.1f}" '
                f'text-anchor="middle">{escape(fmt(value))}</text>'
            )
    return _frame(title, desc, chart_id, body)


def line_chart(
    days: Sequence[dt.date],
    series: Sequence[tuple[str, Sequence[float | None]]],
    *,
    title: str,
    desc: str,
    chart_id: str,
    fmt: Formatter = _plain,
    top: float | None = None,
) -> SafeString:
    """One line per named series over the same days; ``None`` leaves a gap."""
    all_values = [v for _, values in series for v in values if v is not None]
    top = top or nice_max(max(all_values, default=0))
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    step = plot_w / max(len(days) - 1, 1)
    body = _axes(top, fmt, [(LEFT + step * i, _day_label(days[i])) for i in _x_label_indices(len(days))])
    for s, (name, values) in enumerate(series):
        segments: list[list[str]] = [[]]
        for i, value in enumerate(values):
            if value is None:
                segments.append([])
                continue
            x, y = LEFT + step * i, TOP + plot_h - plot_h * value / top
            segments[-1].append(f"{x:.1f},{y:.1f}")
            body.append(
                f'<circle class="chart-dot chart-series-{s}" cx="{x:.1f}" cy="{y:.1f}" r="2.5">'
                f"<title>{escape(name)}, {escape(_day_label(days[i]))}: {escape(fmt(value))}</title></circle>"
            )
        for points in segments:
            if len(points) > 1:
                body.append(f'<polyline class="chart-line chart-series-{s}" points="{" ".join(points)}"/>')
    if len(series) > 1:
        for s, (name, _) in enumerate(series):
            x = LEFT + 8 + s * 130
            body.append(f'<rect class="chart-key chart-series-{s}" x="{x}" y="2" width="10" height="10"/>')
            body.append(f'<text class="chart-label" x="{x + 14}" y="11">{escape(name)}</text>')
    return _frame(title, desc, chart_id, body)


def percent(value: float) -> str:
    """Whole percents, with a decimal where the values are small (error rates)."""
    if value == 0 or value >= 0.1:
        return f"{value * 100:.0f}%"
    return f"{value * 100:.1f}%" if value >= 0.01 else f"{value * 100:.2f}%"
