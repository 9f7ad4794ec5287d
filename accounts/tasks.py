from celery import shared_task
from django.conf import settings
from django.utils import translation

from .emails import invitation_email_send
from .models import Invitation


@shared_task(queue="default", autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def invitation_send_email(invitation_id: str, language: str = "") -> None:
    """Email an invitation link in the inviter's language (the worker has none of its own); a
    mail server hiccup is retried with backoff."""
    invitation = Invitation.objects.select_related("organization", "invited_by").filter(pk=invitation_id).first()
    if invitation is not None and invitation.accepted_at is None:
        with translation.override(language if language in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE):
            invitation_email_send(invitation=invitation)
