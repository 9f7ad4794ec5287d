from django.apps import AppConfig


class AnalyticsConfig(AppConfig):
    """Staff analytics in the admin: usage, revenue, margin, provider health, conversion."""

    name = "analytics"
