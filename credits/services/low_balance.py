"""Low balance: below CREDITS_LOW_BALANCE_THRESHOLD the organization is told, once per crossing.

A crossing is a charge that takes the total from at or above the threshold to below it. The
charge computes its balance under the organization's row lock, so of many concurrent charges
exactly one crosses, and the owners get one email for it (not one per generation). A top-up or
refund that lifts the balance back above re-arms it.
"""

import logging

from django.conf import settings
from django.db import transaction
from django.template.loader import render_to_string
from django.utils.translation import gettext as _

from accounts.models import Membership, Organization
from core.emails import email_send, recipient_language, site_link, user_language

logger = logging.getLogger(__name__)


def credits_low(total: int) -> bool:
    return total < settings.CREDITS_LOW_BALANCE_THRESHOLD


def low_balance_crossing_note(*, organization_id, amount: int, total_after: int) -> None:
    """Called by a charge that left `total_after`: on a crossing, email the owners after commit."""
    if not credits_low(total_after) or credits_low(total_after + amount):
        return
    from ..tasks import low_balance_email

    transaction.on_commit(lambda: low_balance_email.delay(str(organization_id), total_after))


def low_balance_email_send(*, organization_id, total: int) -> int:
    """Email every owner of the organization, each in their own language, that its credits run
    low; how many were sent."""
    organization = Organization.objects.filter(pk=organization_id).first()
    if organization is None:
        return 0
    owners = Membership.objects.filter(organization=organization, role=Membership.Role.OWNER).select_related("user")
    context = {"organization": organization.name, "total": total, "link": site_link("/billing/")}
    sent = 0
    for membership in owners:
        language = user_language(membership.user)
        with recipient_language(language):
            email_send(
                subject=_("Your MODO credits are running low"),
                text=render_to_string("credits/emails/low_balance.txt", context),
                to=[membership.user.email],
                language=language,
            )
        sent += 1
    logger.info("credits.low_balance.emailed", extra={"organization_id": str(organization_id), "owners": sent})
    return sent
