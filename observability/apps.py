from django.apps import AppConfig


class ObservabilityConfig(AppConfig):
    """Errors (Sentry), structured logs with request ids, and Prometheus metrics."""

    name = "observability"
