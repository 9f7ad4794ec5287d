"""Figures for the staff analytics pages (read-only), one module per business process:

- periods: the time range (Period, DailySeries);
- rollups: which days come from the daily rollups, and the live queries that fill them;
- credits_spent, revenue, margins, provider_health, organizations, conversion: the charts.

Import from the submodule.

Reporting reads the tables of the apps below it directly: nothing here writes, and every
query is bounded by a time range on an indexed column (the indexes were added for these
queries: `credit_tx_usage_created`, `credit_tx_refund_created`, `aigen_usage_created_cover`,
`order_paid_at`; organizations by their `created_at`). Days are days in settings.TIME_ZONE
(Asia/Jakarta); a Period covers whole days, both ends included.

Daily rollups (analytics.models, written by analytics.services every few minutes): the days
of a range that are rolled up (RollupDay) are read from the rollups, the others (today,
yesterday before its rollup, days never backfilled) from the live tables, and the two are
added up. Credits, cost and call counts are the same either way; the p95 duration is exact
when no day of the range is rolled up, and within analytics.durations.ERROR_BOUND (4.9%)
otherwise.

Where the numbers come from:
- credits spent: the credits ledger, the source of truth for what was charged. A usage row
  counts on the day it was charged, unless it has been refunded (a failed generation), so a
  refund never shows up as "negative spending" on a later day.
- revenue: paid orders (status `paid`), on the day they were paid, in whole IDR. Orders that
  were paid and later refunded are left out.
- provider cost, durations, errors: the AI usage log, one row per provider call; cache hits
  (no provider call) are left out of provider health.
"""
