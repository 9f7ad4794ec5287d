from django.apps import AppConfig


class CoreConfig(AppConfig):
    """Shared building blocks below every app: the error type, the JSON error shape, base models."""

    name = "core"

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from . import schema  # noqa: F401  (registers the OpenAPI auth extensions)
        from .sites import site_sync

        post_migrate.connect(site_sync, dispatch_uid="core.site_sync")
