"""Generation from the studio page (no JavaScript needed): the same aigen services as the API,
behind the same rate limit; each action answers with a flash message and a redirect.

One charge per click: every generate form carries a one-time token (`idempotency_key`), used
as the Idempotency-Key of the API (credits.idempotency, scoped to the organization and the
action). The same form posted twice runs once; the second answer points at the same job.
"""

import secrets

from django.contrib import messages
from django.http import HttpRequest
from django.utils.html import format_html
from django.utils.translation import gettext as _

from aigen import services as aigen_services
from aigen.admission import generation_admitted, generation_cost
from aigen.clips import video_job_queue_per_beat
from aigen.registry import model_entry
from core.errors import ApplicationError, OrganizationSuspended, ValidationFailed
from credits.idempotency import idempotency_begin, idempotency_complete, idempotency_release

from . import services
from .generation import target_for_generation
from .models import PREMISE_MAX, Project

IDEMPOTENCY_FIELD = "idempotency_key"

QUALITIES = ("fast", "premium")


def generation_costs() -> dict[str, dict[str, int]]:
    """Credits per request (video: per beat) for each kind and quality, shown before clicking."""
    return {
        kind: {quality: int(model_entry(f"{key}:{quality}")["credits"]) for quality in QUALITIES}
        for kind, key in (("story", "text"), ("image", "image"), ("video", "video"))
    }


def form_token() -> str:
    """A fresh one-time token for one generate form."""
    return secrets.token_urlsafe(24)


def generate_from_page(request: HttpRequest, project: Project, action: str) -> str | None:
    """Run one generate-* action of the studio page once per form token; success, a replay and
    failure all end as flash messages. Returns the id of the job the click made (the same one
    for a replay), or None."""
    organization = request.membership.organization
    token = request.POST.get(IDEMPOTENCY_FIELD, "")
    begun = None
    try:
        if token:
            body = {key: request.POST.getlist(key) for key in request.POST if key != "csrfmiddlewaretoken"}
            begun = idempotency_begin(
                organization=organization, user=request.user, key=token, endpoint=f"page.{action}", body=body
            )
            if begun.replay is not None:
                messages.info(request, _("This was already sent: it runs once and is charged once."))
                return (begun.replay.body or {}).get("job_id")
        job_id = _generate(request, project, action)
    except ApplicationError as error:
        if begun is not None:
            idempotency_release(record=begun.record)
        if error.code in ("NO_CREDITS", "TRIAL_LIMIT", "RATE_LIMITED"):
            messages.error(
                request, format_html('{} <a href="/billing/">{}</a>', error.message, _("See plans and credits"))
            )
        else:
            messages.error(request, error.message)
        return None
    except BaseException:
        if begun is not None:
            idempotency_release(record=begun.record)
        raise
    if begun is not None:
        idempotency_complete(record=begun.record, status=200, body={"job_id": str(job_id) if job_id else None})
    return str(job_id) if job_id else None


def _generate(request: HttpRequest, project: Project, action: str):
    """One generate-* action; returns the job's id (None for a story served from the cache)."""
    organization = request.membership.organization
    quality = request.POST.get("quality", "fast")
    if organization.is_suspended:
        raise OrganizationSuspended()
    if quality not in QUALITIES:
        raise ValidationFailed(_("Choose fast or premium."))
    beat_id = request.POST.get("beat_id") or None
    if action == "regenerate-beat-text" and not beat_id:
        raise ValidationFailed(_("Choose the beat to rewrite."))
    target = target_for_generation(organization, str(project.id), beat_id)
    if action == "generate-story" and not project.premise.strip():
        raise ValidationFailed(_("Write a premise first: the story grows from it."))
    if action in ("generate-video", "generate-animatic") and not target.image_files:
        raise ValidationFailed(_("Generate the beat images first: the video is made from them."))
    rewrite = action == "regenerate-beat-text"
    kind = "story" if rewrite else action.removeprefix("generate-")
    beats = aigen_services.video_beats(target.image_files, target.captions) if kind in ("video", "animatic") else 1
    credits = generation_cost(kind=kind, quality="fast" if rewrite else quality, beats=beats)
    with generation_admitted(request=request, organization=organization, user=request.user, credits=credits):
        if action in ("generate-story", "regenerate-beat-text"):
            outcome = aigen_services.story_generate(
                organization=organization,
                user=request.user,
                # A beat's rewrite is a small story generation (priced as a fast story) focused on that
                # beat; the beat takes the generated beat at its own position.
                premise=f"{project.premise or project.title}\n{target.text}"[:PREMISE_MAX]
                if rewrite
                else project.premise,
                quality="fast" if rewrite else quality,
                variation=secrets.randbelow(1000) + 1 if rewrite else _int(request.POST.get("variation")),
                target=target,
            )
            if rewrite and outcome.cached:  # a cache hit makes no job, so no hook applies it
                services.beat_text_apply(beat=_beat(project, beat_id), story=outcome.data)
            messages.success(
                request,
                _("The beat was rewritten.")
                if rewrite
                else _("Your story is ready. Edit any beat, then illustrate it."),
            )
            return outcome.job_id
        if action == "generate-image":
            job, _remaining = aigen_services.image_job_queue(
                organization=organization, user=request.user, prompt=target.text, quality=quality, target=target
            )
            messages.success(request, _("Image queued. It appears here when it is ready."))
            return job.pk
        job, _remaining = video_job_queue_per_beat(
            organization=organization,
            user=request.user,
            quality=quality,
            prompt=target.text,
            image_files=target.image_files,
            captions=target.captions,
            target=target,
        )
        messages.success(request, _("Video queued. We will tell you when it is ready."))
        return job.pk


def _beat(project: Project, beat_id: str):
    return project.beats.get(pk=beat_id)


def _int(value) -> int:
    try:
        return max(0, min(int(value), 1000))
    except (TypeError, ValueError):
        return 0
