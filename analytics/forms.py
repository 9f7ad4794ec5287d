from datetime import date, timedelta

from django import forms
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .selectors.periods import Period

EARLIEST = date(2020, 1, 1)  # before MODO existed; also keeps every date far from datetime's limits


class PeriodForm(forms.Form):
    """Whole days (Asia/Jakarta), both included. A missing end is today; a missing start is
    ANALYTICS_DEFAULT_RANGE_DAYS before the end. At most ANALYTICS_MAX_RANGE_DAYS days."""

    start = forms.DateField(label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def clean(self):
        cleaned = super().clean()
        if self.errors:
            return cleaned
        today = timezone.localdate()
        end = cleaned.get("end") or today
        start = cleaned.get("start") or end - timedelta(days=settings.ANALYTICS_DEFAULT_RANGE_DAYS - 1)
        if start < EARLIEST:
            raise forms.ValidationError(
                _("Dates start on %(earliest)s."), code="too_early", params={"earliest": EARLIEST.isoformat()}
            )
        if end > today:
            raise forms.ValidationError(_("The range cannot end after today."), code="future")
        if start > end:
            raise forms.ValidationError(_("The start date must be on or before the end date."), code="reversed")
        longest = settings.ANALYTICS_MAX_RANGE_DAYS
        if (end - start).days + 1 > longest:
            raise forms.ValidationError(
                _("The range can be at most %(days)s days long."), code="too_long", params={"days": longest}
            )
        cleaned["start"], cleaned["end"] = start, end
        return cleaned

    @property
    def period(self) -> Period:
        return Period(start=self.cleaned_data["start"], end=self.cleaned_data["end"])
