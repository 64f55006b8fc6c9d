"""Server-rendered charts: accessible, escaped, one mark per value, round axes."""

from __future__ import annotations

import datetime as dt
import xml.etree.ElementTree as ET

from himig.ops import svg

NS = {"s": "http://www.w3.org/2000/svg"}
DAYS = [dt.date(2026, 1, 1) + dt.timedelta(days=i) for i in range(5)]


def parse(markup: str) -> ET.Element:
    return ET.fromstring(markup)


def test_bar_chart_is_accessible_and_labels_every_bar():
    root = parse(
        svg.bar_chart(DAYS, [3, 0, 7, 1, 2], title="Sign-ups <per> day", desc="Five days", chart_id="x")
    )
    assert root.get("role") == "img" and root.get("aria-labelledby") == "x-t x-d"
    assert root.find("s:title", NS).text == "Sign-ups <per> day"  # escaped in the markup, intact when parsed
    bars = root.findall("s:rect", NS)
    assert [b.find("s:title", NS).text for b in bars] == [
        "Jan 1: 3",
        "Jan 2: 0",
        "Jan 3: 7",
        "Jan 4: 1",
        "Jan 5: 2",
    ]
    heights = [float(b.get("height")) for b in bars]
    assert heights[2] == max(heights) and heights[1] == 0
    axis = [
        t.text
        for t in root.findall("s:text", NS)
        if t.get("text-anchor") == "end" and t.text and t.text.isdigit()
    ]
    assert axis[0] == "0" and axis[-1] == "10"  # 7 rounds up to a 10 axis
    assert "style" not in str(svg.bar_chart(DAYS, [1] * 5, title="t", desc="d", chart_id="y"))


def test_highlighted_bars_use_the_alarm_class():
    root = parse(
        svg.bar_chart(
            DAYS,
            [0, 1, 0, 0, 2],
            title="t",
            desc="d",
            chart_id="z",
            highlight=[False, True, False, False, True],
        )
    )
    assert [b.get("class") for b in root.findall("s:rect", NS)].count("chart-bar chart-bar-alarm") == 2


def test_line_chart_leaves_gaps_for_missing_values_and_has_a_key():
    root = parse(
        svg.line_chart(
            DAYS, [("web", [1, 2, None, 4, 5]), ("API", [0, 0, 0, 0, 1])], title="t", desc="d", chart_id="l"
        )
    )
    lines = root.findall("s:polyline", NS)
    assert len(lines) == 3  # web split in two by the gap, API whole
    assert len(root.findall("s:circle", NS)) == 9
    assert {t.text for t in root.findall("s:text", NS)} >= {"web", "API"}


def test_nice_max_and_percent():
    assert [svg.nice_max(v) for v in (0, 0.3, 1, 7, 12, 480)] == [1, 0.5, 1, 10, 20, 500]
    assert [svg.percent(v) for v in (0, 0.004, 0.05, 0.25)] == ["0%", "0.40%", "5.0%", "25%"]
