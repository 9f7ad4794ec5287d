"""Server-rendered SVG charts: no JavaScript, readable without colour, values on hover.

Every chart is an <svg role="img"> with a <title> and a <desc>, labelled axes, and a <title>
on each bar (browsers show it on hover; screen readers read it). The pages also print each
chart's figures as a table. Every piece of text is escaped here; the result is safe markup.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from itertools import count

from django.utils.formats import date_format
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

# Okabe-Ito: told apart by people with the common kinds of colour blindness.
PALETTE = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#555555"]
WIDTH = 960
_ids = count(1)

Number = int | float | Decimal
Formatter = Callable[[Number], str]


def integer(value: Number) -> str:
    return f"{value:,.0f}"


def compact(value: Number) -> str:
    """Axis labels: 1,500 -> 1.5k, 2,000,000 -> 2M."""
    value = float(value)
    for limit, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "k")):
        if abs(value) >= limit:
            return f"{value / limit:.1f}".rstrip("0").rstrip(".") + suffix
    return f"{value:,.0f}" if value == int(value) else f"{value:,.2f}".rstrip("0")


def usd(value: Number) -> str:
    return f"−${-value:,.2f}" if value < 0 else f"${value:,.2f}"


def percent(value: Number) -> str:
    return f"{value:.1f}%"


def milliseconds(value: Number) -> str:
    return f"{value:,.0f} ms"


@dataclass(frozen=True)
class Legend:
    name: str
    colour: str


def colours_for(names: Sequence[str]) -> list[Legend]:
    return [Legend(name, PALETTE[n % len(PALETTE)]) for n, name in enumerate(names)]


def _nice_ticks(top: float, count_: int = 4, *, whole: bool = False) -> list[float]:
    """0 and a few round steps (1, 2, 2.5, 5 x 10^n) up to at least `top`; `whole`: steps of
    at least 1 (counts of things have no fractions)."""
    if top <= 0:
        return [0, 1]
    raw = top / count_
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)
    if whole:
        step = max(1, math.ceil(step))
    return [step * n for n in range(math.ceil(top / step - 1e-9) + 1)]


def _svg(*, height: int, title: str, description: str, body: list[str]) -> SafeString:
    ident = f"chart-{next(_ids)}"
    return mark_safe(  # noqa: S308 - every text in `body` and here went through escape()
        f'<svg class="analytics-chart" viewBox="0 0 {WIDTH} {height}" width="100%" role="img" '
        f'aria-labelledby="{ident}-title {ident}-desc" xmlns="http://www.w3.org/2000/svg" '
        f'font-family="system-ui, sans-serif" font-size="12">'
        f'<title id="{ident}-title">{escape(title)}</title><desc id="{ident}-desc">{escape(description)}</desc>'
        + "".join(body)
        + "</svg>"
    )


def _empty(x: float, y: float) -> str:
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="middle" fill="#666">{escape(_("No data in this range."))}</text>'
    )


def stacked_bars(
    *,
    days: list[date],
    series: dict[str, list[Number]],
    title: str,
    y_label: str,
    value_format: Formatter = integer,
    legend: list[Legend] | None = None,
) -> SafeString:
    """One bar per day, one stacked segment per series (in the legend's order, bottom up)."""
    legend = legend or colours_for(list(series))
    height, left, right, top, bottom = 320, 78, 16, 16, 56
    plot_w, plot_h = WIDTH - left - right, height - top - bottom
    totals = [sum((series[item.name][n] for item in legend if item.name in series), 0) for n in range(len(days))]
    ticks = _nice_ticks(float(max(totals, default=0)), whole=True)
    scale = plot_h / ticks[-1]
    band = plot_w / max(len(days), 1)
    bar = max(band * 0.78, 1.0)
    body = _y_axis(ticks, scale=scale, left=left, top=top, plot_w=plot_w, plot_h=plot_h, label=y_label, fmt=compact)
    for n, day in enumerate(days):
        x = left + n * band + (band - bar) / 2
        base = top + plot_h
        day_text = date_format(day, "D j M Y")
        for item in legend:
            value = series.get(item.name, [0] * len(days))[n]
            if not value:
                continue
            h = float(value) * scale
            base -= h
            body.append(
                f'<rect x="{x:.1f}" y="{base:.1f}" width="{bar:.1f}" height="{h:.1f}" fill="{item.colour}">'
                f"<title>{escape(day_text)} · {escape(item.name)}: {escape(value_format(value))}</title></rect>"
            )
    body += _x_axis_days(days, left=left, band=band, baseline=top + plot_h)
    if not any(totals):
        body.append(_empty(left + plot_w / 2, top + plot_h / 2))
    description = _("%(label)s per day from %(start)s to %(end)s, total %(total)s.") % {
        "label": y_label,
        "start": date_format(days[0], "j M Y") if days else "",
        "end": date_format(days[-1], "j M Y") if days else "",
        "total": value_format(sum(totals, 0)),
    }
    return _svg(height=height, title=title, description=description, body=body)


def grouped_bars(
    *,
    categories: list[str],
    groups: dict[str, list[Number]],
    title: str,
    y_label: str,
    value_format: Formatter = integer,
) -> SafeString:
    """Side by side bars per category, one per group (e.g. revenue and cost per feature)."""
    legend = colours_for(list(groups))
    height, left, right, top, bottom = 300, 78, 16, 16, 40
    plot_w, plot_h = WIDTH - left - right, height - top - bottom
    top_value = max((float(v) for values in groups.values() for v in values), default=0)
    ticks = _nice_ticks(top_value)
    scale = plot_h / ticks[-1]
    band = plot_w / max(len(categories), 1)
    bar = min(band * 0.8 / max(len(legend), 1), 90)
    body = _y_axis(ticks, scale=scale, left=left, top=top, plot_w=plot_w, plot_h=plot_h, label=y_label, fmt=compact)
    baseline = top + plot_h
    for n, category in enumerate(categories):
        start = left + n * band + (band - bar * len(legend)) / 2
        for g, item in enumerate(legend):
            value = groups[item.name][n]
            h = max(float(value), 0) * scale
            x = start + g * bar
            body.append(
                f'<rect x="{x:.1f}" y="{baseline - h:.1f}" width="{bar - 2:.1f}" height="{h:.1f}" fill="{item.colour}">'
                f"<title>{escape(category)} · {escape(item.name)}: {escape(value_format(value))}</title></rect>"
                f'<text x="{x + (bar - 2) / 2:.1f}" y="{baseline - h - 4:.1f}" text-anchor="middle" font-size="11">'
                f"{escape(value_format(value))}</text>"
            )
        middle = left + n * band + band / 2
        body.append(f'<text x="{middle:.1f}" y="{baseline + 18}" text-anchor="middle">{escape(category)}</text>')
    if not categories:
        body.append(_empty(left + plot_w / 2, top + plot_h / 2))
    description = "; ".join(
        f"{category}: " + ", ".join(f"{name} {value_format(values[n])}" for name, values in groups.items())
        for n, category in enumerate(categories)
    )
    return _svg(height=height, title=title, description=description or _("No data in this range."), body=body)


def horizontal_bars(
    *,
    rows: list[tuple[str, Number]],
    title: str,
    x_label: str,
    value_format: Formatter = integer,
    colour: str = PALETTE[0],
    whole: bool = True,
) -> SafeString:
    """One labelled bar per row, longest first as given, with its value at its end."""
    row_h, left, right, top = 26, 230, 110, 10
    height = top + max(len(rows), 1) * row_h + 40
    plot_w = WIDTH - left - right
    ticks = _nice_ticks(max((float(v) for _l, v in rows), default=0), whole=whole)
    scale = plot_w / ticks[-1]
    body = []
    for tick in ticks:
        x = left + tick * scale
        body.append(
            f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{top}" y2="{height - 34}" stroke="#ddd"/>'
            f'<text x="{x:.1f}" y="{height - 20}" text-anchor="middle" fill="#444">{escape(compact(tick))}</text>'
        )
    for n, (label, value) in enumerate(rows):
        y = top + n * row_h
        w = max(float(value), 0) * scale
        short = label if len(label) <= 34 else label[:33] + "…"
        body.append(
            f'<text x="{left - 8}" y="{y + 17}" text-anchor="end">{escape(short)}</text>'
            f'<rect x="{left}" y="{y + 4}" width="{w:.1f}" height="{row_h - 8}" fill="{colour}">'
            f"<title>{escape(label)}: {escape(value_format(value))}</title></rect>"
            f'<text x="{left + w + 6:.1f}" y="{y + 17}">{escape(value_format(value))}</text>'
        )
    body.append(
        f'<text x="{left + plot_w / 2:.1f}" y="{height - 4}" text-anchor="middle" fill="#444">{escape(x_label)}</text>'
    )
    if not rows:
        body.append(_empty(left + plot_w / 2, top + row_h / 2 + 4))
    description = "; ".join(f"{label}: {value_format(value)}" for label, value in rows)
    return _svg(height=height, title=title, description=description or _("No data in this range."), body=body)


def _y_axis(ticks, *, scale, left, top, plot_w, plot_h, label, fmt) -> list[str]:
    parts = []
    for tick in ticks:
        y = top + plot_h - tick * scale
        parts.append(
            f'<line x1="{left}" x2="{left + plot_w}" y1="{y:.1f}" y2="{y:.1f}" stroke="#ddd"/>'
            f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end" fill="#444">{escape(fmt(tick))}</text>'
        )
    middle = top + plot_h / 2
    parts.append(
        f'<text x="14" y="{middle:.1f}" transform="rotate(-90 14 {middle:.1f})" text-anchor="middle" fill="#444">'
        f"{escape(label)}</text>"
        f'<line x1="{left}" x2="{left}" y1="{top}" y2="{top + plot_h}" stroke="#888"/>'
    )
    return parts


def _x_axis_days(days: list[date], *, left: float, band: float, baseline: float) -> list[str]:
    """Day labels, thinned to about twelve; the axis title says the time zone."""
    parts = [f'<line x1="{left}" x2="{left + band * len(days):.1f}" y1="{baseline}" y2="{baseline}" stroke="#888"/>']
    every = max(1, math.ceil(len(days) / 12))
    for n in range(0, len(days), every):
        x = left + n * band + band / 2
        parts.append(
            f'<text x="{x:.1f}" y="{baseline + 16}" text-anchor="middle" fill="#444">'
            f"{escape(date_format(days[n], 'j M'))}</text>"
        )
    parts.append(
        f'<text x="{left + band * len(days) / 2:.1f}" y="{baseline + 38}" text-anchor="middle" fill="#444">'
        f"{escape(_('Day (Asia/Jakarta)'))}</text>"
    )
    return parts
