from django.template.loader import render_to_string
from django.utils.translation import gettext as _

from core.emails import email_send, site_link

from .models import Invitation


def invitation_email_send(*, invitation: Invitation) -> None:
    context = {
        "invitation": invitation,
        "accept_url": site_link(f"/invitations/{invitation.token}/"),
        "inviter": invitation.invited_by,
    }
    email_send(
        subject=_("You are invited to %(org)s on MODO") % {"org": invitation.organization.name},
        text=render_to_string("emails/invitation.txt", context),
        to=[invitation.email],
    )
