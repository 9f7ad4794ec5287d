from celery import shared_task

from .emails import invitation_email_send
from .models import Invitation


@shared_task(queue="default", autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def invitation_send_email(invitation_id: str) -> None:
    """Email an invitation link; a mail server hiccup is retried with backoff."""
    invitation = Invitation.objects.select_related("organization", "invited_by").filter(pk=invitation_id).first()
    if invitation is not None and invitation.accepted_at is None:
        invitation_email_send(invitation=invitation)
