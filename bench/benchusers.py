"""Bench users for bench/generate.py and bench/slow_provider.py: each with a personal
organization holding START_CREDITS, on a paid plan made for the bench (not for sale; a daily
limit no run reaches), so the trial does not apply; and the reference view's organizations."""

PASSWORD = "bench-password-2026-long"
START_CREDITS = 10_000_000


def funded_user(name: str):
    """A user whose personal organization holds START_CREDITS; (user, organization)."""
    from accounts.selectors import membership_default
    from accounts.services import user_create
    from credits.services.grants import credits_grant

    user = user_create(email=f"{name}@example.com", password=PASSWORD, name=name)
    organization = membership_default(user=user).organization
    credits_grant(organization=organization, amount=START_CREDITS)
    return user, organization


def make_users(count: int) -> list[str]:
    """Bench users, each with a paid plan and START_CREDITS; their emails."""
    from datetime import timedelta

    from django.utils import timezone

    from billing.models import Plan, Subscription

    plan = Plan.objects.create(
        code="bench",
        name="Bench",
        price_idr=1,
        credits=0,
        daily_limit=1_000_000_000,
        period_days=30,
        is_paid=True,
        is_active=False,  # not for sale
    )
    now = timezone.now()
    emails = []
    for index in range(count):
        user, organization = funded_user(f"bench{index}")
        # What a bought plan leaves behind (billing's _subscription_extend_or_start): the trial
        # ends, the paid subscription is the active one.
        Subscription.objects.filter(organization=organization).update(status=Subscription.Status.CANCELED)
        Subscription.objects.create(
            organization=organization,
            plan=plan,
            status=Subscription.Status.ACTIVE,
            current_period_start=now,
            current_period_end=now + timedelta(days=30),
        )
        emails.append(user.email)
    return emails


def make_reference_organizations(count: int) -> list[str]:
    """Organizations for the reference view, apart from the story's; their ids."""
    return [str(funded_user(f"reference{index}")[1].pk) for index in range(count)]


def reference_balances_restore(organization_ids: list[str]) -> None:
    """The reference view deducts without ledger rows; the granted balance comes back so the
    audit checks the story's charges alone."""
    from credits.models import CreditBalance

    CreditBalance.objects.filter(organization_id__in=organization_ids).update(balance=START_CREDITS)
