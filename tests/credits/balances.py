"""Givens and thens shared by the ledger tests."""

from django.db.models import Count, Sum

from accounts.models import Organization
from credits.models import CreditBalance, CreditTransaction
from credits.services.grants import credits_grant, credits_grant_bonus


def fund(organization: Organization, *, main: int = 0, bonus: int = 0) -> None:
    if main:
        credits_grant(organization=organization, amount=main)
    if bonus:
        credits_grant_bonus(organization=organization, amount=bonus)


def held(organization: Organization) -> tuple[int, int]:
    """(main, bonus) as the balance row holds them."""
    balance = CreditBalance.objects.get(organization=organization)
    return balance.balance, balance.bonus_balance


def ledger(organization: Organization) -> tuple[int, int, int]:
    """(sum of main parts, sum of bonus parts, number of rows) of the organization's ledger."""
    totals = CreditTransaction.objects.filter(organization=organization).aggregate(
        main=Sum("main_amount", default=0), bonus=Sum("bonus_amount", default=0), rows=Count("id")
    )
    return totals["main"], totals["bonus"], totals["rows"]
