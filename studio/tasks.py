import logging

from celery import shared_task
from django.template.loader import render_to_string
from django.utils.translation import gettext as _

from accounts.models import User
from core.emails import email_send, recipient_language, site_link, user_language

from . import services
from .film import FilmFailed, project_film_failed
from .film import project_film_build as film_build
from .models import Asset, Project

logger = logging.getLogger(__name__)


@shared_task(queue="default")
def soft_deleted_purge_daily() -> dict[str, int]:
    """Delete for good the projects and assets soft-deleted more than 30 days ago."""
    return services.soft_deleted_purge()


@shared_task(queue="default", autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def video_ready_email(asset_id: str, user_id: str) -> None:
    """Email "Your video is ready" with a link to the project."""
    asset = Asset.objects.select_related("project").filter(pk=asset_id).first()
    user = User.objects.filter(pk=user_id, is_active=True).first()
    if asset is None or user is None:
        return
    language = user_language(user)  # theirs: the worker has no request to take one from
    with recipient_language(language):
        context = {
            "asset": asset,
            "project": asset.project,
            "link": site_link(asset.project.get_absolute_url()),
        }
        email_send(
            subject=_("Your video is ready"),
            text=render_to_string("emails/video_ready.txt", context),
            to=[user.email],
            language=language,
        )


@shared_task(queue="video")
def project_film_build(project_id: str) -> str | None:
    """Join the project's chosen beat videos into its film (CPU-bound: the video queue)."""
    project = Project.objects.filter(pk=project_id).first()
    if project is None:
        return None
    try:
        film = film_build(project=project)
    except FilmFailed as error:
        # Not retried: the same clips fail the same way. The project page says what to do.
        logger.warning("studio.film.failed", extra={"project_id": project_id, "error": str(error)[:300]})
        project_film_failed(project=project)
        return None
    return str(film.pk) if film else None
