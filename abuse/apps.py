from django.apps import AppConfig


class AbuseConfig(AppConfig):
    """Abuse rules run by beat: they flag organizations and users for staff."""

    name = "abuse"
