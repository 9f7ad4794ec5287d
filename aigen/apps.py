from django.apps import AppConfig


class AigenConfig(AppConfig):
    name = "aigen"
