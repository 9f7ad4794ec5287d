from django.apps import AppConfig


class AnalyticsConfig(AppConfig):
    """Staff analytics in the admin: usage, revenue, margin, provider health, conversion."""

    name = "analytics"

    def ready(self) -> None:
        from . import checks  # noqa: F401 (registers the settings checks)
