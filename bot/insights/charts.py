"""Charts drawn on the server as SVG (no script, no library), each with the same
figures as a table for screen readers, and as CSV for spreadsheets."""
from __future__ import annotations

import csv
import io
from html import escape
from typing import List, Sequence

BAR = "#1d70b8"
WIDTH = 640


def bar_chart(title: str, rows: Sequence[Sequence], value_column: int = 1, unit: str = "") -> str:
    """Horizontal bars, one per row: the label is the first column, the length `value_column`."""
    if not rows:
        return ""
    top = max(float(row[value_column]) for row in rows) or 1.0
    label_width, bar_height, gap = 270, 22, 8
    height = len(rows) * (bar_height + gap) + gap
    parts = [f'<svg class="chart" viewBox="0 0 {WIDTH} {height}" width="100%" role="img" '
             f'aria-label="{escape(title, quote=True)}: chart. The table below has the same figures." '
             'preserveAspectRatio="xMinYMin meet">']
    for index, row in enumerate(rows):
        y = gap + index * (bar_height + gap)
        value = float(row[value_column])
        length = (WIDTH - label_width - 70) * value / top
        label = str(row[0])
        label = label if len(label) <= 34 else label[:33] + "…"
        parts.append(f'<text x="{label_width - 8}" y="{y + 16}" text-anchor="end">{escape(label)}</text>')
        parts.append(f'<rect x="{label_width}" y="{y}" width="{length:.1f}" height="{bar_height}" fill="{BAR}"/>')
        shown = f"{value:g}{unit}"
        parts.append(f'<text x="{label_width + length + 6:.1f}" y="{y + 16}">{escape(shown)}</text>')
    parts.append("</svg>")
    return "".join(parts)


def table(caption: str, headings: Sequence[str], rows: Sequence[Sequence], csv_link: str = "") -> str:
    head = "".join(f'<th scope="col">{escape(str(h))}</th>' for h in headings)
    body = "".join("<tr>" + "".join(f"<td>{escape(str(cell))}</td>" for cell in row) + "</tr>" for row in rows)
    if not rows:
        body = f'<tr><td colspan="{len(headings)}">None in this period.</td></tr>'
    link = f'<p><a href="{escape(csv_link, quote=True)}">Download this table (CSV)</a></p>' if csv_link else ""
    return (f'<table class="staff-table"><caption>{escape(caption)}</caption><thead><tr>{head}</tr></thead>'
            f"<tbody>{body}</tbody></table>{link}")


def to_csv(headings: Sequence[str], rows: Sequence[Sequence]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(headings)
    for row in rows:
        # A cell starting with = + - @ would run as a formula in a spreadsheet.
        writer.writerow(["'" + str(cell) if str(cell)[:1] in "=+-@" else cell for cell in row])
    return buffer.getvalue()


def money(value: float) -> str:
    return f"£{value:,.2f}"


def percent(value) -> str:
    return "no data" if value is None else f"{value * 100:.1f}%"


def rows_of(pairs: List) -> List[List]:
    return [list(pair) for pair in pairs]
