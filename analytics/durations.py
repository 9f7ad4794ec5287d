"""Fixed duration buckets for the p95 of rolled-up days, and the percentile of a histogram.

Bucket 0 holds 0 ms; bucket k >= 1 holds [RATIO^(k-1), RATIO^k) ms, so each bucket is 10%
wide and 600,000 ms (ten minutes) is bucket 141. A day's histogram per provider is a few
dozen rows whatever the number of calls, and histograms of many days add up bucket by bucket.

The error bound. The percentile is percentile_cont's: the value at rank p = fraction x (n - 1)
interpolated between the order statistics at floor(p) and ceil(p). The counts are exact, so
the bucket holding each of those two order statistics is known exactly; each is replaced by
its bucket's geometric middle RATIO^(k-0.5) (narrowed to the whole milliseconds the bucket
can hold), which is within a factor sqrt(RATIO) of any value in the bucket. The interpolation
of two such values is within the same factor of the true one: the p95 of a rolled-up range is
within sqrt(1.1) - 1 = 4.9% of the exact p95 (exact when the bucket holds one whole ms value).
"""

from __future__ import annotations

import math

from django.db.models import Case, F, IntegerField, Value, When
from django.db.models.functions import Cast, Floor, Ln

# Changing it changes what the stored buckets mean: backfill every day again after (analytics_rollup --since).
RATIO = 1.1
ERROR_BOUND = math.sqrt(RATIO) - 1  # relative, 0.0488


def duration_bucket(field_name: str = "duration_ms") -> Case:
    """The bucket of an integer duration in ms, computed by the database (the rollup and the
    live days use this same expression, so their buckets agree)."""
    return Case(
        When(**{f"{field_name}__lt": 1}, then=Value(0)),
        default=Cast(Floor(Ln(F(field_name)) / Value(math.log(RATIO))) + Value(1), IntegerField()),
        output_field=IntegerField(),
    )


def bucket_duration(bucket: int) -> float:
    """The value standing for every duration of the bucket: its geometric middle, kept within
    the whole milliseconds the bucket holds."""
    if bucket <= 0:
        return 0.0
    low, high = RATIO ** (bucket - 1), RATIO**bucket
    whole_low, whole_high = math.ceil(low), math.ceil(high) - 1  # the integers in [low, high)
    middle = math.sqrt(low * high)
    if whole_low > whole_high:  # no whole ms in it (cannot be filled by integer durations)
        return middle
    return min(max(middle, whole_low), whole_high)


def histogram_percentile(counts: dict[int, int], fraction: float) -> float | None:
    """percentile_cont(fraction) of the durations counted per bucket (None when empty)."""
    total = sum(counts.values())
    if not total:
        return None
    position = fraction * (total - 1)
    low_rank, high_rank = math.floor(position), math.ceil(position)
    values = {}
    seen = 0
    for bucket in sorted(counts):
        seen += counts[bucket]
        for rank in (low_rank, high_rank):
            if rank not in values and rank < seen:
                values[rank] = bucket_duration(bucket)
        if high_rank in values:
            break
    return values[low_rank] + (values[high_rank] - values[low_rank]) * (position - low_rank)
