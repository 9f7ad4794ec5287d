from django.conf import settings
from django.core.checks import Error, register


@register()
def analytics_settings_check(app_configs, **kwargs):
    errors = []
    if settings.ANALYTICS_IDR_PER_USD <= 0:
        errors.append(
            Error("ANALYTICS_IDR_PER_USD must be a positive number (IDR for one US dollar).", id="analytics.E001")
        )
    if not 1 <= settings.ANALYTICS_DEFAULT_RANGE_DAYS <= settings.ANALYTICS_MAX_RANGE_DAYS:
        errors.append(
            Error("ANALYTICS_DEFAULT_RANGE_DAYS must be between 1 and ANALYTICS_MAX_RANGE_DAYS.", id="analytics.E002")
        )
    return errors
