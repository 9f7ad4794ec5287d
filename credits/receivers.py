"""Receivers of accounts' signals. They only call services: the rules live there.

accounts sends both signals inside the creating transaction, so the balance row, the trial
bonus and the trial row commit (or roll back) with the organization or user.
"""

from .services.grants import credits_balance_open
from .services.trial import trial_start


def open_balance(sender, organization, owner=None, **kwargs) -> None:
    credits_balance_open(organization=organization, owner=owner)


def start_trial(sender, user, **kwargs) -> None:
    trial_start(user=user)
