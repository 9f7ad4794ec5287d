"""Staff analytics pages in the admin: an overview of every chart, and one page per chart.

Wrapped by admin.site.admin_view in urls.py: staff only, everyone else goes to the admin login.
Each section is built from one selector; the page shows its chart(s), a few headline figures
and the figures as a table.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from itertools import zip_longest

from django.conf import settings
from django.contrib import admin
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from aigen.breaker import CLOSED, HALF_OPEN, OPEN, breaker_states
from billing.emails import idr_format

from . import charts
from .forms import PeriodForm
from .selectors.conversion import trial_conversion
from .selectors.credits_spent import credits_spent_per_day
from .selectors.margins import margin_per_feature
from .selectors.organizations import top_organizations
from .selectors.periods import DailySeries, Period
from .selectors.provider_health import provider_health
from .selectors.revenue import revenue_per_day

BREAKER_STATE_LABELS = {
    CLOSED: gettext_lazy("closed"),
    HALF_OPEN: gettext_lazy("half-open"),
    OPEN: gettext_lazy("open"),
}


@dataclass
class Section:
    slug: str
    title: str
    charts: list[SafeString]
    legend: list[charts.Legend] = field(default_factory=list)
    figures: list[tuple[str, str]] = field(default_factory=list)
    headers: list[str] = field(default_factory=list)
    rows: list[list[str]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    captions: list[str] = field(default_factory=list)  # shown above each chart when there are several

    @property
    def captioned_charts(self) -> list[tuple[SafeString, str]]:
        return list(zip_longest(self.charts, self.captions, fillvalue=""))


def _daily_table(series: DailySeries, fmt) -> tuple[list[str], list[list[str]]]:
    headers = [_("Day"), *series.series, _("Total")]
    rows = []
    for n, day in enumerate(series.days):
        values = [values[n] for values in series.series.values()]
        if any(values):
            rows.append([date_format(day, "D j M Y"), *map(fmt, values), fmt(sum(values, 0))])
    return headers, rows


def _daily_section(
    *, slug: str, title: str, daily: DailySeries, y_label: str, total_label: str, fmt, note: str
) -> Section:
    """A stacked bar per day, the totals per series, and the days as a table."""
    legend = charts.colours_for(list(daily.series))
    headers, rows = _daily_table(daily, charts.integer)
    return Section(
        slug=slug,
        title=title,
        charts=[
            charts.stacked_bars(
                days=daily.days, series=daily.series, legend=legend, title=title, y_label=y_label, value_format=fmt
            )
        ],
        legend=legend,
        figures=[(total_label, fmt(daily.total()))] + [(name, fmt(daily.total(name))) for name in daily.series],
        headers=headers,
        rows=rows,
        notes=[note],
    )


def credits_section(period: Period) -> Section:
    return _daily_section(
        slug="credits",
        title=_("Credits spent per day by feature"),
        daily=credits_spent_per_day(period=period),
        y_label=_("Credits"),
        total_label=_("Credits spent"),
        fmt=charts.integer,
        note=_(
            "From the credits ledger: usage rows (charges) on the day they were charged, less the ones "
            "refunded since (failed generations). Cache hits cost nothing and do not appear."
        ),
    )


def revenue_section(period: Period) -> Section:
    return _daily_section(
        slug="revenue",
        title=_("Revenue per day by gateway (IDR)"),
        daily=revenue_per_day(period=period),
        y_label=_("IDR"),
        total_label=_("Revenue"),
        fmt=idr_format,
        note=_("Orders with status paid, on the day they were paid. Orders refunded later are left out."),
    )


def margin_section(period: Period) -> Section:
    report = margin_per_feature(period=period)
    value = report.credit_value
    if value.source == "orders":
        source = _("the realised price of the %(orders)s orders paid in this range") % {"orders": value.orders}
    else:
        source = _("the mean price per credit of the paid plans and packs on sale (no order was paid in this range)")
    kinds = [row.feature for row in report.rows]
    revenue_label, cost_label = _("Credit revenue (USD)"), _("Provider cost (USD)")
    return Section(
        slug="margin",
        title=_("Provider cost against credit revenue per feature"),
        charts=[
            charts.grouped_bars(
                categories=kinds,
                groups={
                    revenue_label: [row.revenue_usd for row in report.rows],
                    cost_label: [row.cost_usd for row in report.rows],
                },
                title=_("Provider cost against credit revenue per feature"),
                y_label=_("USD"),
                value_format=charts.usd,
            )
        ],
        legend=charts.colours_for([revenue_label, cost_label]),
        figures=[
            (_("One credit"), f"Rp {value.idr:,.2f}"),
            (_("IDR per USD"), f"{report.idr_per_usd:,.0f}"),
            (_("Margin"), charts.usd(sum((row.margin_usd for row in report.rows), 0))),
        ],
        headers=[
            _("Feature"),
            _("Credits spent"),
            revenue_label,
            _("Provider calls"),
            cost_label,
            _("Margin (USD)"),
            _("Margin %"),
        ],  # fmt: skip
        rows=[
            [
                row.feature,
                charts.integer(row.credits),
                charts.usd(row.revenue_usd),
                charts.integer(row.provider_calls),
                charts.usd(row.cost_usd),
                charts.usd(row.margin_usd),
                charts.percent(row.margin_percent) if row.margin_percent is not None else "–",
            ]
            for row in report.rows
        ],
        notes=[
            _(
                "Credit revenue (USD) = credits spent (ledger, net of refunds) × IDR value of one credit "
                "÷ ANALYTICS_IDR_PER_USD (%(rate)s)."
            )
            % {"rate": f"{report.idr_per_usd:,.0f}"},
            _("IDR value of one credit = Rp %(value)s: %(source)s, i.e. IDR paid ÷ credits granted (bonus included).")
            % {"value": f"{value.idr:,.2f}", "source": source},
            _(
                "Provider cost (USD) = the sum of cost_usd in the AI usage log: every provider call, failed calls "
                "and fallbacks included. Margin = credit revenue − provider cost. Free trial credits are valued "
                "like bought ones, so the margin is an upper bound."
            ),
        ],
    )


def providers_section(period: Period) -> Section:
    health = provider_health(period=period)
    return Section(
        slug="providers",
        title=_("Error rate and p95 duration per provider"),
        charts=[
            charts.horizontal_bars(
                rows=[(row.provider, row.error_percent) for row in health],
                title=_("Error rate per provider"),
                x_label=_("Failed calls, % of calls"),
                value_format=charts.percent,
                colour=charts.PALETTE[5],
                whole=False,
            ),
            charts.horizontal_bars(
                rows=[(row.provider, row.p95_ms or 0) for row in health],
                title=_("95th percentile call duration per provider"),
                x_label=_("p95 duration (ms)"),
                value_format=charts.milliseconds,
            ),
        ],
        figures=[
            (_("Circuit %(provider)s/%(model)s") % row, BREAKER_STATE_LABELS[row["state"]]) for row in breaker_states()
        ],
        headers=[_("Provider"), _("Calls"), _("Failed"), _("Error rate"), _("p95 duration")],
        rows=[
            [
                row.provider,
                charts.integer(row.calls),
                charts.integer(row.failed),
                charts.percent(row.error_percent),
                charts.milliseconds(row.p95_ms) if row.p95_ms is not None else "–",
            ]
            for row in health
        ],
        notes=[
            _("From the AI usage log, one row per provider call; cache hits are not provider calls."),
            _(
                "Closed days are read from daily rollups: there the p95 comes from duration histograms "
                "and is within 5% of the exact figure. Calls and errors are exact."
            ),
        ],
        captions=[_("Error rate per provider"), _("95th percentile call duration per provider")],
    )


def organizations_section(period: Period) -> Section:
    top = top_organizations(period=period)
    return Section(
        slug="organizations",
        title=_("Top organizations by credits spent"),
        charts=[
            charts.horizontal_bars(
                rows=[(row.name, row.credits) for row in top],
                title=_("Top organizations by credits spent"),
                x_label=_("Credits spent"),
            )
        ],
        headers=[_("Organization"), _("Credits spent"), _("Charged generations")],
        rows=[[row.name, charts.integer(row.credits), charts.integer(row.charges)] for row in top],
        notes=[
            _("Credits spent as in the first chart (ledger, net of refunds); the %(count)s largest.")
            % {"count": settings.ANALYTICS_TOP_ORGANIZATIONS}
        ],
    )


def conversion_section(period: Period) -> Section:
    conversion = trial_conversion(period=period)
    legend = charts.colours_for(list(conversion.per_day.series))
    headers, rows = _daily_table(conversion.per_day, charts.integer)
    return Section(
        slug="conversion",
        title=_("Trial-to-paid conversion"),
        charts=[
            charts.stacked_bars(
                days=conversion.per_day.days,
                series=conversion.per_day.series,
                legend=legend,
                title=_("Organizations created per day, and how many have paid since"),
                y_label=_("Organizations"),
            )
        ],
        legend=legend,
        figures=[
            (_("Organizations created"), charts.integer(conversion.created)),
            (_("Paid since"), charts.integer(conversion.converted)),
            (_("Conversion"), charts.percent(conversion.percent)),
        ],
        headers=headers,
        rows=rows,
        notes=[
            _(
                "Organizations created in the range (by day of creation) and those that have paid by now: a paid "
                "order (also one refunded later) or a subscription to a paid plan. Recent days have had less time "
                "to convert."
            )
        ],
    )


SECTIONS: dict[str, tuple[str, Callable[[Period], Section]]] = {
    "credits": (gettext_lazy("Credits spent"), credits_section),
    "revenue": (gettext_lazy("Revenue"), revenue_section),
    "margin": (gettext_lazy("Cost and margin"), margin_section),
    "providers": (gettext_lazy("Provider health"), providers_section),
    "organizations": (gettext_lazy("Top organizations"), organizations_section),
    "conversion": (gettext_lazy("Trial conversion"), conversion_section),
}


def _page(request: HttpRequest, *, slugs: list[str], title: str, detail: bool) -> HttpResponse:
    form = PeriodForm(request.GET)
    sections, period = [], None
    if form.is_valid():
        period = form.period
        sections = [SECTIONS[slug][1](period) for slug in slugs]
    today = timezone.localdate()
    context = {
        **admin.site.each_context(request),
        "title": title,
        "form": form,
        "period": period,
        "sections": sections,
        "detail": detail,
        "links": [(slug, label) for slug, (label, _build) in SECTIONS.items()],
        "quick_ranges": [(days, today - timedelta(days=days - 1), today) for days in (7, 30, 90, 365)],
    }
    return render(request, "admin/analytics/page.html", context, status=200 if form.is_valid() else 400)


def overview(request: HttpRequest) -> HttpResponse:
    return _page(request, slugs=list(SECTIONS), title=_("Analytics"), detail=False)


def chart(request: HttpRequest, chart: str) -> HttpResponse:
    if chart not in SECTIONS:
        raise Http404
    return _page(request, slugs=[chart], title=str(SECTIONS[chart][0]), detail=True)
