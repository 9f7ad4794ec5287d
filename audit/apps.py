from django.apps import AppConfig


class AuditConfig(AppConfig):
    """The trail of staff actions: who changed what, when and why."""

    name = "audit"
