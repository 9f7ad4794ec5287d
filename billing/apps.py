from django.apps import AppConfig


class BillingConfig(AppConfig):
    """Plans, credit packs, subscriptions, orders, gateways, webhooks and beat housekeeping."""

    name = "billing"
    verbose_name = "Billing"

    def ready(self) -> None:
        from accounts import signals
        from accounts.me import register_me_section
        from credits.hooks import register_paid_plan_check, register_tier_lookup

        from . import receivers
        from .api.me import subscription_me_section
        from .selectors import subscription_credits_bought, subscription_tier_lookup

        signals.organization_created.connect(
            receivers.start_trial_subscription, dispatch_uid="billing.start_trial_subscription"
        )
        register_me_section("subscription", subscription_me_section)
        register_tier_lookup(subscription_tier_lookup)
        register_paid_plan_check(subscription_credits_bought)
