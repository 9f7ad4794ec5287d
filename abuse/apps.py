from django.apps import AppConfig


class AbuseConfig(AppConfig):
    """Abuse rules run by beat: they flag organizations and users for staff. Also suspension."""

    name = "abuse"

    def ready(self) -> None:
        from allauth.account.signals import user_signed_up

        from . import receivers

        user_signed_up.connect(receivers.record_signup_address, dispatch_uid="abuse.record_signup_address")
