from .services.subscriptions import subscription_start_trial


def start_trial_subscription(sender, organization, **kwargs) -> None:
    subscription_start_trial(organization=organization)
