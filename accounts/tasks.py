from celery import shared_task

from core.emails import recipient_language, recipients_by_language

from .emails import invitation_email_send
from .models import Invitation


@shared_task(queue="default", autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def invitation_send_email(invitation_id: str, language: str = "") -> None:
    """Email an invitation link in the invitee's saved language when they already have an
    account, else in the inviter's (the worker has none of its own); a mail server hiccup is
    retried with backoff."""
    invitation = Invitation.objects.select_related("organization", "invited_by").filter(pk=invitation_id).first()
    if invitation is not None and invitation.accepted_at is None:
        [language] = recipients_by_language([invitation.email], fallback=language)
        with recipient_language(language):
            invitation_email_send(invitation=invitation)
