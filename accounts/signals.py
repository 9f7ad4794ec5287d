"""Hooks for higher apps (credits, billing) to act when accounts change, without importing upward.

Both are sent inside the creating transaction, so a receiver's rows commit or roll back with
the user or organization they belong to.
"""

from django.dispatch import Signal

# Sent with `user` once a new user exists (signup, social signup, createsuperuser on first use).
user_created = Signal()

# Sent with `organization` and `owner` once an organization and its owner membership exist.
organization_created = Signal()
