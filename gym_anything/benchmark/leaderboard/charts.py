"""Inline SVG bar charts of success rates (per software, per SOC group) for the leaderboard's pages.

``success_chart(title, categories, series)`` draws one horizontal bar per category and series: the success rate
with its 95 % Wilson interval as a whisker, and ``successes/n`` beside it; each bar's ``<title>`` says it in
words. Only SVG presentation attributes are used (the pages forbid inline styles and scripts by CSP), every
string is escaped, and nothing is fetched: the chart is part of the page.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from functools import lru_cache
from typing import Any

__all__ = ["MAX_SERIES", "soc_label", "success_chart"]

PALETTE = ("#3b6fb6", "#d9822b", "#3a9a5b", "#b54a7f", "#7a6bb8", "#8c8c3a")
MAX_SERIES = len(PALETTE)  # runs compared in one chart
LABEL_WIDTH, PLOT_WIDTH, VALUE_WIDTH = 300, 420, 110
BAR, GAP, TOP, AXIS = 14, 10, 28, 26


def _esc(text: Any) -> str:
    return html.escape(str(text), quote=True)


@lru_cache(maxsize=64)
def soc_label(code: str) -> str:
    """``43-0000`` -> ``43-0000 Office and Administrative Support`` (the OEWS title; the code if unknown)."""
    try:
        from ...selection import load_occupations

        title = load_occupations()[code].title
    except Exception:  # noqa: BLE001 - a label, not data: the code alone will do
        return code
    return f"{code} {title.removesuffix(' Occupations')}"


def success_chart(title: str, categories: Sequence[tuple[str, str]],
                  series: Sequence[tuple[str, str, dict[str, dict[str, Any]]]]) -> str:
    """An SVG chart: ``categories`` are ``(key, label)``; ``series`` are ``(key, label, {category key:
    aggregate})`` with the aggregates of ``summary.json`` (``n``, ``successes``, ``success_rate``, ``ci95``). A
    category a series has no episode of gets no bar. At most :data:`MAX_SERIES` series."""
    if len(series) > MAX_SERIES:
        raise ValueError(f"a chart compares at most {MAX_SERIES} series, got {len(series)}")
    per_group = BAR * max(len(series), 1) + GAP
    height = TOP + per_group * len(categories) + AXIS + (18 * ((len(series) + 2) // 3) if len(series) > 1 else 0)
    width = LABEL_WIDTH + PLOT_WIDTH + VALUE_WIDTH
    x0 = LABEL_WIDTH
    parts = [f'<svg class="chart" xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
             f'viewBox="0 0 {width} {height}" role="img" aria-label="{_esc(title)}">',
             f"<title>{_esc(title)}</title>",
             f'<text x="0" y="16" font-size="14" font-weight="bold" fill="#222">{_esc(title)}</text>']
    plot_bottom = TOP + per_group * len(categories)
    for tick in (0, 25, 50, 75, 100):  # the grid and the axis
        x = x0 + PLOT_WIDTH * tick / 100
        parts.append(f'<line x1="{x:.1f}" y1="{TOP - 4}" x2="{x:.1f}" y2="{plot_bottom}" stroke="#ddd"/>')
        parts.append(f'<text x="{x:.1f}" y="{plot_bottom + 16}" font-size="11" fill="#555" '
                     f'text-anchor="middle">{tick}%</text>')
    for row, (key, label) in enumerate(categories):
        y = TOP + per_group * row
        parts.append(f'<text x="{x0 - 8}" y="{y + per_group / 2 - GAP / 2 + 4:.1f}" font-size="12" fill="#222" '
                     f'text-anchor="end">{_esc(label if len(label) <= 44 else label[:43] + "…")}</text>')
        for s, (series_key, name, aggregates) in enumerate(series):
            agg = aggregates.get(key)
            if not agg or not agg.get("n"):
                continue
            rate = float(agg.get("success_rate") or 0.0)
            lo, hi = (float(v) for v in agg.get("ci95") or (rate, rate))
            top, colour = y + BAR * s, PALETTE[s]
            words = (f"{name}: {label}: {agg.get('successes', round(rate * agg['n']))}/{agg['n']} succeeded, "
                     f"{100 * rate:.0f}% [95% CI {100 * lo:.0f}%, {100 * hi:.0f}%]")
            parts.append(f'<g class="bar" data-category="{_esc(key)}" data-series="{_esc(series_key)}" '
                         f'data-rate="{rate:.4f}"><title>{_esc(words)}</title>'
                         f'<rect x="{x0}" y="{top + 1}" width="{PLOT_WIDTH * rate:.1f}" height="{BAR - 2}" '
                         f'fill="{colour}"/>'
                         f'<line x1="{x0 + PLOT_WIDTH * lo:.1f}" y1="{top + BAR / 2}" x2="{x0 + PLOT_WIDTH * hi:.1f}"'
                         f' y2="{top + BAR / 2}" stroke="#222" stroke-width="1.2"/>'
                         f'<text x="{x0 + PLOT_WIDTH + 6}" y="{top + BAR - 3}" font-size="11" fill="#333">'
                         f'{100 * rate:.0f}% ({agg.get("successes", round(rate * agg["n"]))}/{agg["n"]})</text></g>')
    if len(series) > 1:  # the legend, three series a line
        for s, (_, name, _) in enumerate(series):
            x = 10 + (s % 3) * (width // 3)
            y = plot_bottom + AXIS + 6 + 18 * (s // 3)
            parts.append(f'<rect x="{x}" y="{y - 10}" width="12" height="12" fill="{PALETTE[s]}"/>'
                         f'<text x="{x + 18}" y="{y}" font-size="12" fill="#222">'
                         f'{_esc(name if len(name) <= 40 else name[:39] + "…")}</text>')
    parts.append("</svg>")
    return "".join(parts)
