"""Generation from the studio page (no JavaScript needed): the same aigen services as the API,
behind the same rate limit; each action answers with a flash message and a redirect."""

from django.contrib import messages
from django.http import HttpRequest
from django.utils.html import format_html
from django.utils.translation import gettext as _

from aigen.ratelimit import ai_rate_limit_take
from aigen.registry import model_entry
from aigen.services.media import image_job_queue, video_job_queue
from aigen.services.story import story_job_queue
from core.errors import ApplicationError, OrganizationSuspended, ValidationFailed

from .generation import target_for_generation
from .models import Project

QUALITIES = ("fast", "premium")


def generation_costs() -> dict[str, dict[str, int]]:
    """Credits per request (video: per beat) for each kind and quality, shown before clicking."""
    return {
        kind: {quality: int(model_entry(f"{key}:{quality}")["credits"]) for quality in QUALITIES}
        for kind, key in (("story", "text"), ("image", "image"), ("video", "video"))
    }


def generate_from_page(request: HttpRequest, project: Project, action: str) -> None:
    """Run one generate-* action of the studio page; success and failure end as flash messages."""
    organization = request.membership.organization
    quality = request.POST.get("quality", "fast")
    try:
        if organization.is_suspended:
            raise OrganizationSuspended()
        if quality not in QUALITIES:
            raise ValidationFailed(_("Choose fast or premium."))
        beat_id = request.POST.get("beat_id") or None
        target = target_for_generation(organization, str(project.id), beat_id)
        if action == "generate-story" and not project.premise.strip():
            raise ValidationFailed(_("Write a premise first: the story grows from it."))
        if action in ("generate-video", "generate-animatic") and not target.image_files:
            raise ValidationFailed(_("Generate the beat images first: the video is made from them."))
        ai_rate_limit_take(request=request, organization=organization)
        if action == "generate-story":
            story_job_queue(
                organization=organization,
                user=request.user,
                premise=project.premise,
                quality=quality,
                variation=_int(request.POST.get("variation")),
                target=target,
            )
            messages.success(request, _("Your story is being written: it appears here beat by beat."))
        elif action == "generate-image":
            image_job_queue(
                organization=organization, user=request.user, prompt=target.text, quality=quality, target=target
            )
            messages.success(request, _("Image queued. It appears here when it is ready."))
        else:
            video_job_queue(
                organization=organization,
                user=request.user,
                quality=quality,
                prompt=target.text,
                image_files=target.image_files,
                captions=target.captions,
                target=target,
            )
            messages.success(request, _("Video queued. We will tell you when it is ready."))
    except ApplicationError as error:
        if error.code in ("NO_CREDITS", "TRIAL_LIMIT"):
            messages.error(
                request, format_html('{} <a href="/billing/">{}</a>', error.message, _("See plans and credits"))
            )
        else:
            messages.error(request, error.message)


def _int(value) -> int:
    try:
        return max(0, min(int(value), 1000))
    except (TypeError, ValueError):
        return 0
