from django.apps import AppConfig


class ObservabilityConfig(AppConfig):
    """Errors (Sentry), structured logs with request ids, and Prometheus metrics."""

    name = "observability"

    def ready(self) -> None:
        from celery.signals import worker_ready
        from django.core.signals import request_finished

        from .context import request_id_clear
        from .worker_metrics import serve_when_worker_ready

        request_finished.connect(request_id_clear, dispatch_uid="observability-request-id-clear")
        worker_ready.connect(serve_when_worker_ready, weak=False, dispatch_uid="observability-worker-metrics")
