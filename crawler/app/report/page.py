"""The report as one self-contained HTML page: inline CSS, inline SVG charts, no script, no network.

Every chart has its numbers in a table beside or below it (collapsed with ``<details>`` when long), so the
page reads the same printed, in a text browser, or with images off.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from html import escape

from crawler.app.report import svg
from crawler.app.report.data import ReportData, Round, Series

TOP = 7  # coverage charts: the N largest agencies/publishers, the rest as "other"
LAG_BUCKETS = ((None, 0, "before the start"), (0, 1, "same day (< 1 day)"), (1, 2, "1-2 days"),
               (2, 7, "2-7 days"), (7, 30, "1-4 weeks"), (30, None, "over 30 days"))
CSS = """
body{font:14px/1.45 system-ui,sans-serif;margin:0 auto;max-width:960px;padding:0 16px 48px;color:#222}
h1{font-size:24px;margin:24px 0 4px}h2{font-size:19px;margin:32px 0 8px;border-bottom:1px solid #ddd}
h3{font-size:15px;margin:22px 0 4px}.meta{color:#555}.num{text-align:right;font-variant-numeric:tabular-nums}
table{border-collapse:collapse;margin:6px 0 10px;font-size:13px}th,td{padding:3px 8px;border-bottom:1px solid #eee;
vertical-align:top;text-align:left}th{background:#f5f5f5}tr.gap td{color:#D55E00;font-style:italic}
nav a{margin-right:12px}summary{cursor:pointer;color:#0060a0}.warn{color:#D55E00}svg{max-width:100%;height:auto}
"""


def _t(value: object) -> str:
    return escape("" if value is None else str(value))


def _time(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d %H:%M") + "Z" if value else ""


def _dates(r: Round) -> str:
    return str(r.start) if r.end in (None, r.start) else f"{r.start} – {r.end}"


def _table(head: Sequence[str], rows: Iterable[Sequence[object] | str], *, numeric: Sequence[int] = (),
           row_class: Sequence[str | None] | None = None) -> str:
    out = ["<table><thead><tr>", *(f"<th>{_t(h)}</th>" for h in head), "</tr></thead><tbody>"]
    for i, row in enumerate(rows):
        cls = row_class[i] if row_class else None
        if isinstance(row, str):  # a note across the whole row
            out.append(f'<tr class="{cls or "note"}"><td colspan="{len(head)}">{_t(row)}</td></tr>')
            continue
        out.append(f'<tr class="{cls}">' if cls else "<tr>")
        out.extend(f'<td class="num">{_t(v)}</td>' if j in numeric else f"<td>{_t(v)}</td>"
                   for j, v in enumerate(row))
        out.append("</tr>")
    out.append("</tbody></table>")
    return "".join(out)


def _details(summary: str, body: str, *, open_: bool = False) -> str:
    return f"<details{' open' if open_ else ''}><summary>{_t(summary)}</summary>{body}</details>"


def _round_tip(r: Round) -> str:
    head = f"round {r.ordinal}" if r.ordinal is not None else "round (no ordinal)"
    parts = [head, _dates(r), r.venue or "venue unknown"]
    if r.co_chairs:
        parts.append("co-chairs: " + "; ".join(r.co_chairs))
    return " · ".join(parts)


def _series_section(s: Series, anchor: str) -> str:
    missing = s.missing()
    marks = [svg.Mark(r.start, str(r.ordinal) if r.ordinal is not None else "", _round_tip(r)) for r in s.rounds]
    gaps = [svg.Gap(a.start, b.start, _missing_text(ns, n)) for a, b, ns, n in missing]
    timeline = svg.timeline(marks, gaps, label=f"rounds of {s.name}")
    gap_after = {a.event_id: (ns, n) for a, _, ns, n in missing}
    rows: list[list[object] | str] = []
    classes: list[str | None] = []
    for r in s.rounds:
        first = r.first
        rows.append([r.ordinal, _dates(r), r.venue, "; ".join(r.co_chairs), r.documents, r.previews,
                     f"{first.publisher}" + (f" ({first.agency})" if first and first.agency else "") if first else "",
                     _time(first.published_at) if first else "", f"{first.lag_days:.2f}" if first else "",
                     r.event_key])
        classes.append(None)
        if r.event_id in gap_after:
            rows.append(f"{_missing_text(*gap_after[r.event_id])}: not in the archive")
            classes.append("gap")
    known = sum(r.ordinal is not None for r in s.rounds)
    note = f"{len(s.rounds)} round(s), {known} with an ordinal"
    if missing:
        note += f'; <span class="warn">{sum(n for *_, n in missing)} missing between known ordinals</span>'
    table = _table(["round", "dates", "venue", "co-chairs", "docs", "previews", "first report by",
                    "first report (UTC)", "lag (days)", "event key"], rows, numeric=(0, 4, 5, 8), row_class=classes)
    return (f'<h3 id="{anchor}">{_t(s.name)} <span class="meta">{_t(s.countries)} · {_t(s.mechanism)}</span></h3>'
            f'<p class="meta">{note}</p>{timeline}'
            + _details(f"rounds table ({len(s.rounds)})", table, open_=len(s.rounds) <= 12))


def _missing_text(ordinals: list[int], count: int) -> str:
    if len(ordinals) == 1:
        return f"round {ordinals[0]} missing"
    span = f"{ordinals[0]}–{ordinals[-1]}" if ordinals == list(range(ordinals[0], ordinals[-1] + 1)) \
        else ", ".join(map(str, ordinals))
    if count == len(ordinals):
        return f"rounds {span} missing"
    return f"{count} of rounds {span} missing (the others may be rounds without an ordinal)"


def _lag_bucket(lag: float) -> str:
    for lo, hi, name in LAG_BUCKETS:
        if (lo is None or lag >= lo) and (hi is None or lag < hi):
            return name
    return LAG_BUCKETS[-1][2]


def _reporting_section(data: ReportData) -> str:
    rounds = data.rounds
    reported = [r for r in rounds if r.first]
    by_publisher = Counter(r.first.publisher for r in reported if r.first)
    by_agency = Counter((r.first.agency or "no agency") for r in reported if r.first)
    lags = Counter(_lag_bucket(r.first.lag_days) for r in reported if r.first)
    lag_items = [(name, float(lags.get(name, 0))) for *_, name in LAG_BUCKETS]
    lag_items.append(("previews only, no report", float(sum(1 for r in rounds if not r.first and r.previews))))
    sorted_lags = sorted(r.first.lag_days for r in reported if r.first)
    median = sorted_lags[len(sorted_lags) // 2] if sorted_lags else None
    parts = ["<h2 id=\"reporting\">Who reported first, and how fast</h2>",
             f"<p>Of {len(rounds)} round(s), {len(reported)} have a report (previews apart). "
             + (f"Median lag from the start day (midnight UTC) to the first report: {median:.2f} days. " if median
                is not None else "")
             + "Previews (articles written before the round) never count as the first report.</p>",
             "<h3>First reports by publisher</h3>",
             svg.hbars([(k, float(v)) for k, v in by_publisher.most_common(15)], label="first reports by publisher"),
             "<h3>First reports by agency</h3>",
             svg.hbars([(k, float(v)) for k, v in by_agency.most_common(15)], label="first reports by agency"),
             "<h3>Lag to the first report</h3>",
             svg.hbars(lag_items, label="rounds by lag to first report")]
    return "".join(parts)


def _top(counts: dict[str, list[int]], n: int) -> list[tuple[str, list[int]]]:
    ranked = sorted(counts.items(), key=lambda kv: (-sum(kv[1]), kv[0]))
    head, rest = ranked[:n], ranked[n:]
    if rest:
        head.append(("other", [sum(col) for col in zip(*(c for _, c in rest), strict=True)]))
    return head


def _coverage_section(data: ReportData) -> str:
    parts = ['<h2 id="coverage">Coverage over time</h2>']
    for title, counts, what in (("By agency", data.by_agency, "articles (distinct stories)"),
                                ("By publisher", data.by_publisher, "documents (pages)")):
        series = _top(counts, TOP)
        parts.append(f"<h3>{title}: {what} per {'month' if data.months and '-' in data.months[0] else 'year'}"
                     "</h3>")
        if not series:
            parts.append("<p class=\"meta\">no dated documents</p>")
            continue
        parts.append(svg.stacked(data.months, series, label=f"coverage {title.lower()}"))
        totals = sorted(counts.items(), key=lambda kv: (-sum(kv[1]), kv[0]))
        parts.append(_details(f"table ({len(totals)})", _table(
            ["name", "total", "first period", "last period"],
            [[k, sum(v), *_span(data.months, v)] for k, v in totals], numeric=(1,))))
    return "".join(parts)


def _span(periods: list[str], counts: list[int]) -> list[str]:
    used = [p for p, c in zip(periods, counts, strict=True) if c]
    return [used[0], used[-1]] if used else ["", ""]


def _health_section(data: ReportData) -> str:
    h = data.health
    parts = ['<h2 id="health">Archive health</h2>',
             f"<p>The whole archive (filters apart): {h.documents} documents, {h.articles} articles, "
             f"{h.events} events.</p>", "<h3>Documents archived per day (fetch day, UTC)</h3>"]
    if h.documents_per_day:
        first, last = h.documents_per_day[0][0], h.documents_per_day[-1][0]
        counts = dict(h.documents_per_day)
        days = [first + timedelta(days=i) for i in range((last - first).days + 1)]
        parts.append(svg.stacked([d.isoformat() for d in days], [("documents", [counts.get(d, 0) for d in days])],
                                 label="documents per day"))
        idle = sum(1 for d in days if d not in counts)
        parts.append(f"<p class=\"meta\">{len(counts)} day(s) with documents from {first} to {last}"
                     + (f"; {idle} day(s) without any" if idle else "") + "</p>")
    else:
        parts.append("<p class=\"meta\">no documents</p>")
    parts.append("<h3>Drop reasons (all runs)</h3>")
    parts.append(svg.hbars([(k, float(v)) for k, v in h.drop_reasons], label="drop reasons")
                 if h.drop_reasons else "<p class=\"meta\">nothing dropped</p>")
    parts.append(f"<h3>Last {len(h.runs)} run(s)</h3>")
    parts.append(_table(
        ["run", "status", "started (UTC)", "minutes", "archived", "dropped", "HTTP errors", "failed monitors",
         "blocked sources"],
        [[r.id, r.status, _time(r.started_at),
          f"{(r.finished_at - r.started_at).total_seconds() / 60:.1f}" if r.finished_at and r.started_at else "",
          r.items_archived, r.items_dropped, r.http_errors, ", ".join(r.failed_monitors),
          ", ".join(r.blocked_sources)] for r in h.runs], numeric=(0, 3, 4, 5, 6)))
    return "".join(parts)


def _filters_text(data: ReportData) -> str:
    f = data.filters
    shown = [f"{k} {v}" for k, v in (("series", f.series), ("country", f.country), ("since", f.since)) if v]
    return "; ".join(shown) if shown else "none (the whole archive)"


def render(data: ReportData, *, title: str = "newsarchive report") -> str:
    anchors = {id(s): f"s{i}" for i, s in enumerate(data.series)}
    index = _table(["series", "countries", "rounds", "first", "last", "missing"],
                   [[s.name, s.countries, len(s.rounds), s.rounds[0].start, s.rounds[-1].start,
                     sum(n for *_, n in s.missing())] for s in data.series], numeric=(2, 5))
    links = "".join(f'<li><a href="#{anchors[id(s)]}">{_t(s.name)}</a> <span class="meta">{_t(s.countries)}, '
                    f"{len(s.rounds)}</span></li>" for s in data.series)
    body = [f"<h1>{_t(title)}</h1>",
            f"<p class=\"meta\">Generated {_time(data.generated_at)} · filters: {_t(_filters_text(data))} · "
            f"{len(data.series)} series, {len(data.rounds)} rounds</p>",
            '<nav><a href="#series">Series</a><a href="#reporting">First reports</a>'
            '<a href="#coverage">Coverage</a><a href="#health">Health</a></nav>',
            '<h2 id="series">Series and their rounds</h2>',
            "<p>One timeline per series: a dot per round (its ordinal above it when reports give one; hover for "
            "venue and co-chairs), a red dashed stretch where rounds between two known ordinals are not in "
            "the archive.</p>",
            index if data.series else "<p class=\"meta\">no events match</p>",
            _details(f"jump to a series ({len(data.series)})", f"<ul>{links}</ul>") if data.series else "",
            *(_series_section(s, anchors[id(s)]) for s in data.series),
            _reporting_section(data), _coverage_section(data), _health_section(data)]
    return ("<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">"
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
            f"<title>{_t(title)}</title><style>{CSS}{svg.TIMELINE_CSS}</style></head><body>" + "\n".join(body) + "</body></html>\n")

