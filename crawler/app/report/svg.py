"""Charts as inline SVG text: a timeline of rounds, horizontal bars, stacked bars over time.

Hand-written rather than drawn by a charting library: the report needs three simple chart kinds, and
vl-convert (Vega-Lite to SVG, the library considered) costs an 84 MB wheel, 1.6 s to start its engine and
~0.1 s per chart (measured in docs/decisions.md, "The report"). Every value shown is also in a table next to
the chart; a ``<title>`` on each mark is its tooltip (no script). Text is escaped here, once.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from html import escape

# a colour-blind-safe qualitative palette (Okabe-Ito), then grey for "other"
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000")
OTHER = "#999999"
FONT = 'font-family="system-ui, sans-serif" font-size="11"'
TIMELINE_CSS = "svg.tl circle{fill:#0072B2;stroke:#fff}svg.tl circle:hover{fill:#D55E00}"


def colour(i: int) -> str:
    return PALETTE[i % len(PALETTE)]


def _svg(width: int, height: int, body: list[str], label: str, cls: str = "chart") -> str:
    return (f'<svg xmlns="http://www.w3.org/2000/svg" class="{cls}" viewBox="0 0 {width} {height}" width="{width}" '
            f'height="{height}" role="img" aria-label="{escape(label)}" {FONT}>' + "".join(body) + "</svg>")


@dataclass(frozen=True)
class Mark:
    """One round on a timeline."""

    day: date
    label: str  # drawn above the dot (the ordinal), may be empty
    tip: str  # the tooltip: ordinal, dates, venue, co-chairs


@dataclass(frozen=True)
class Gap:
    """Rounds known to be missing between two marks (by their ordinals)."""

    after: date
    before: date
    text: str  # e.g. "round 4 missing"


def timeline(marks: Sequence[Mark], gaps: Sequence[Gap], *, width: int = 860, label: str = "timeline") -> str:
    """Rounds as dots on a time axis (years ticked); a missing stretch as a red dashed segment. The dots are
styled by the page (``TIMELINE_CSS``)."""
    if not marks:
        return ""
    left, right, axis_y, height = 40, width - 40, 30, 66
    first = min(m.day for m in marks).toordinal()
    last = max(m.day for m in marks).toordinal()
    span = max(last - first, 1)

    def x(d: date) -> float:
        if first == last:
            return (left + right) / 2
        return left + (d.toordinal() - first) / span * (right - left)

    body = [f'<line x1="{left}" y1="{axis_y}" x2="{right}" y2="{axis_y}" stroke="#888"/>']
    y0, y1 = date.fromordinal(first).year, date.fromordinal(last).year
    step = max(1, (y1 - y0 + 1) // 12)
    years = [y for y in range(y0, y1 + 1, step) if first <= date(y, 1, 1).toordinal() <= last]
    ticks = [(x(date(y, 1, 1)), str(y)) for y in years] or [(float(left), str(y0))]
    for xx, text in ticks:
        body.append(f'<line x1="{xx:.1f}" y1="{axis_y}" x2="{xx:.1f}" y2="{axis_y + 4}" stroke="#888"/>'
                    f'<text x="{xx:.1f}" y="{axis_y + 16}" text-anchor="middle" fill="#555">{text}</text>')
    for g in gaps:
        a, b = x(g.after), x(g.before)
        body.append(f'<g class="gap"><title>{escape(g.text)}</title>'
                    f'<line x1="{a:.1f}" y1="{axis_y}" x2="{b:.1f}" y2="{axis_y}" stroke="#D55E00" '
                    f'stroke-width="4" stroke-dasharray="5 4"/>'
                    f'<text x="{(a + b) / 2:.1f}" y="{axis_y + 30}" text-anchor="middle" fill="#D55E00">'
                    f'{escape(g.text)}</text></g>')
    labelled = -1e9
    for m in sorted(marks, key=lambda m: m.day):
        xx = x(m.day)
        # the dot's look comes from the page's CSS (.tl circle): ~10,000 dots in a big archive's report
        body.append(f'<circle cx="{xx:.1f}" cy="{axis_y}" r="5"><title>{escape(m.tip)}</title></circle>')
        if m.label and xx - labelled >= 7 * len(m.label) + 4:  # labels that would overlap are left to the tooltip
            body.append(f'<text x="{xx:.1f}" y="{axis_y - 10}" text-anchor="middle">{escape(m.label)}</text>')
            labelled = xx
    return _svg(width, height, body, label, "tl")


def hbars(items: Sequence[tuple[str, float]], *, width: int = 560, unit: str = "", label: str = "bars") -> str:
    """Horizontal bars, one per (name, value), in the order given."""
    if not items:
        return ""
    row, name_w, pad = 18, 170, 60
    top = max(v for _, v in items) or 1
    body = []
    for i, (name, value) in enumerate(items):
        y = i * row
        w = max(value / top * (width - name_w - pad), 1 if value else 0)
        shown = f"{value:g}{unit}"
        body.append(f'<g><title>{escape(name)}: {escape(shown)}</title>'
                    f'<text x="{name_w - 6}" y="{y + 13}" text-anchor="end">{escape(name[:28])}</text>'
                    f'<rect x="{name_w}" y="{y + 3}" width="{w:.1f}" height="{row - 6}" fill="#0072B2"/>'
                    f'<text x="{name_w + w + 4:.1f}" y="{y + 13}" fill="#333">{escape(shown)}</text></g>')
    return _svg(width, len(items) * row + 4, body, label)


def stacked(periods: Sequence[str], series: Sequence[tuple[str, Sequence[int]]], *, width: int = 860,
            label: str = "stacked bars") -> str:
    """Vertical bars per period, stacked by series (name, one count per period), with a legend."""
    if not periods or not series:
        return ""
    left, top_pad, plot_h, legend_row = 40, 10, 160, 16
    n = len(periods)
    slot = (width - left - 10) / n
    bar = min(max(slot * 0.8, 1.0), 48.0)
    totals = [sum(counts[i] for _, counts in series) for i in range(n)]
    peak = max(totals) or 1
    body = [f'<line x1="{left}" y1="{top_pad + plot_h}" x2="{width - 10}" y2="{top_pad + plot_h}" stroke="#888"/>',
            f'<text x="{left - 4}" y="{top_pad + 8}" text-anchor="end" fill="#555">{peak}</text>',
            f'<text x="{left - 4}" y="{top_pad + plot_h}" text-anchor="end" fill="#555">0</text>']
    for i, period in enumerate(periods):
        x = left + i * slot + (slot - bar) / 2
        y = float(top_pad + plot_h)
        for j, (name, counts) in enumerate(series):
            c = counts[i]
            if not c:
                continue
            h = c / peak * plot_h
            y -= h
            fill = OTHER if name == "other" else colour(j)
            body.append(f'<rect x="{x:.1f}" y="{y:.1f}" width="{bar:.1f}" height="{h:.1f}" fill="{fill}">'
                        f'<title>{escape(period)} {escape(name)}: {c}</title></rect>')
    ticks = max(1, n // 10)
    for i in range(0, n, ticks):
        x = left + i * slot + slot / 2
        body.append(f'<text x="{x:.1f}" y="{top_pad + plot_h + 14}" text-anchor="middle" fill="#555">'
                    f'{escape(periods[i])}</text>')
    legend_y = top_pad + plot_h + 24
    per_row = 5
    for j, (name, _) in enumerate(series):
        lx = left + (j % per_row) * 160
        ly = legend_y + (j // per_row) * legend_row
        fill = OTHER if name == "other" else colour(j)
        body.append(f'<rect x="{lx}" y="{ly}" width="10" height="10" fill="{fill}"/>'
                    f'<text x="{lx + 14}" y="{ly + 9}">{escape(name[:22])}</text>')
    height = legend_y + ((len(series) - 1) // per_row + 1) * legend_row + 4
    return _svg(width, height, body, label)
