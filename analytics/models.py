"""Daily rollups of the ledger and the AI usage log, so a year of figures reads thousands of
rows instead of a million (written by analytics.services, read by analytics.selectors).

A day is an Asia/Jakarta day (settings.TIME_ZONE). The rows of a day are only ever written
together with its RollupDay, in one transaction (delete + insert), so a day either has all its
rollup rows or none. Each unique constraint INCLUDEs the summed columns: the selectors read
the rollups with index-only scans.
"""

from django.db import models


class RollupDay(models.Model):
    """A closed day whose rollup rows are complete: the selectors read it from the rollups."""

    day = models.DateField(primary_key=True)
    # When the run that wrote the day started: a refund created after it (less the commit
    # slack) may be missing from the day's rows, so the selectors read that day live.
    rolled_up_at = models.DateTimeField()

    class Meta:
        ordering = ["day"]

    def __str__(self) -> str:
        return f"{self.day} (rolled up {self.rolled_up_at:%Y-%m-%d %H:%M})"


class DailyFeatureCredits(models.Model):
    """Credits spent per day and ledger feature: usage rows not refunded, as positive numbers."""

    day = models.DateField()
    feature = models.CharField(max_length=40)  # "" when the charge named none
    credits = models.IntegerField()
    charges = models.IntegerField()

    class Meta:
        ordering = ["day", "feature"]
        constraints = [
            models.UniqueConstraint(
                fields=["day", "feature"], include=["credits", "charges"], name="analytics_feature_credits_day"
            )
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.feature}: {self.credits}"


class DailyOrganizationCredits(models.Model):
    """Credits spent per day and organization (the top organizations), as DailyFeatureCredits."""

    day = models.DateField()
    # The ledger PROTECTs organizations with charges, so these rows never outlive theirs.
    organization = models.ForeignKey("accounts.Organization", on_delete=models.CASCADE, related_name="+")
    credits = models.IntegerField()
    charges = models.IntegerField()

    class Meta:
        ordering = ["day", "organization"]
        constraints = [
            models.UniqueConstraint(
                fields=["day", "organization"], include=["credits", "charges"], name="analytics_org_credits_day"
            )
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.organization_id}: {self.credits}"


class MonthlyOrganizationCredits(models.Model):
    """DailyOrganizationCredits summed per calendar month, for the months whose every day is
    rolled up (rewritten with them): a year of top organizations reads ~12 rows per organization
    instead of ~365."""

    month = models.DateField()  # its first day
    organization = models.ForeignKey("accounts.Organization", on_delete=models.CASCADE, related_name="+")
    credits = models.IntegerField()
    charges = models.IntegerField()

    class Meta:
        ordering = ["month", "organization"]
        constraints = [
            models.UniqueConstraint(
                fields=["month", "organization"], include=["credits", "charges"], name="analytics_org_credits_month"
            )
        ]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} {self.organization_id}: {self.credits}"


class DailyProviderUsage(models.Model):
    """AI usage log per day, endpoint and provider.

    calls and failed leave cache hits out (they are not provider calls); cost_usd sums every
    row, as the live margin query does.
    """

    day = models.DateField()
    endpoint = models.CharField(max_length=40)
    provider = models.CharField(max_length=20)
    calls = models.IntegerField()
    failed = models.IntegerField()
    cost_usd = models.DecimalField(max_digits=16, decimal_places=6)

    class Meta:
        ordering = ["day", "endpoint", "provider"]
        constraints = [
            models.UniqueConstraint(
                fields=["day", "endpoint", "provider"],
                include=["calls", "failed", "cost_usd"],
                name="analytics_provider_usage_day",
            )
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.endpoint} {self.provider}: {self.calls} calls"


class DailyProviderDurations(models.Model):
    """A histogram of provider call durations per day and provider (cache hits left out).

    `bucket` is analytics.durations.duration_bucket(duration_ms): fixed, 10% wide buckets, so
    a p95 over any range comes from the summed counts (within 4.9%; see that module).
    """

    day = models.DateField()
    provider = models.CharField(max_length=20)
    bucket = models.PositiveSmallIntegerField()
    calls = models.IntegerField()

    class Meta:
        ordering = ["day", "provider", "bucket"]
        constraints = [
            models.UniqueConstraint(
                fields=["day", "provider", "bucket"], include=["calls"], name="analytics_provider_durations_day"
            )
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.provider} bucket {self.bucket}: {self.calls}"
