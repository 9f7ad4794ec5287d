from django.apps import AppConfig


class CreditsConfig(AppConfig):
    """The credit ledger: balances, transactions, trial usage and idempotency records."""

    name = "credits"
    verbose_name = "Credits"

    def ready(self) -> None:
        from accounts import signals
        from accounts.me import register_me_section

        from . import receivers
        from .api.me import credits_me_section, trial_me_section

        signals.organization_created.connect(receivers.open_balance, dispatch_uid="credits.open_balance")
        signals.user_created.connect(receivers.start_trial, dispatch_uid="credits.start_trial")
        register_me_section("credits", credits_me_section)
        register_me_section("trial", trial_me_section)
