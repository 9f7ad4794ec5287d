from django.apps import AppConfig


class CoreConfig(AppConfig):
    """Shared building blocks below every app: the error type, the JSON error shape, base models."""

    name = "core"

    def ready(self) -> None:
        from . import schema  # noqa: F401  (registers the OpenAPI auth extensions)
