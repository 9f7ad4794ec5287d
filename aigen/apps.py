from django.apps import AppConfig


class AigenConfig(AppConfig):
    """AI providers behind one registry, generation jobs, usage logs, response cache, tasks."""

    name = "aigen"
    verbose_name = "AI generation"

    def ready(self) -> None:
        from . import checks  # noqa: F401 - registers the system checks
        from .config import ai_settings_validate

        ai_settings_validate()  # a nonsensical price table or breaker setting refuses to start
        from observability.metrics import scrape_collector_register

        from .breaker import BreakerStateCollector

        scrape_collector_register(BreakerStateCollector())
        from celery import signals

        from .worker_start import worker_providers_preload

        signals.worker_ready.connect(worker_providers_preload, weak=False, dispatch_uid="modo-providers-preload")
