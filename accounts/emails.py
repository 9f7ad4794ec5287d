from django.conf import settings
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.utils.translation import gettext as _

from .models import Invitation


def invitation_email_send(*, invitation: Invitation) -> None:
    context = {
        "invitation": invitation,
        "accept_url": f"{settings.SITE_URL}/invitations/{invitation.token}/",
        "inviter": invitation.invited_by,
    }
    send_mail(
        subject=_("You are invited to %(org)s on MODO") % {"org": invitation.organization.name},
        message=render_to_string("emails/invitation.txt", context),
        from_email=None,
        recipient_list=[invitation.email],
    )
