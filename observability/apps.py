from django.apps import AppConfig


class ObservabilityConfig(AppConfig):
    """Errors (Sentry), structured logs with request ids, and Prometheus metrics."""

    name = "observability"

    def ready(self) -> None:
        from django.core.signals import request_finished

        from .context import request_id_clear

        request_finished.connect(request_id_clear, dispatch_uid="observability-request-id-clear")
