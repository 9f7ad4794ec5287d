"""The AI endpoints. Order (issue 4): authentication -> validation -> Idempotency-Key (a
replay answers here and counts against nothing) -> rate limit -> trial slot -> charge + job
-> provider -> storage -> succeeded | failed + refund -> usage log."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.response import Response

from accounts.api.base import ORGANIZATION_HEADER, OrganizationAPIView
from core.api import error_body
from core.errors import OrganizationSuspended
from core.openapi import TRIAL_LIMIT, error_responses
from credits.api.idempotency import idempotent
from credits.hooks import organization_tier

from .. import events
from ..admission import generation_admitted, generation_cost
from ..clips import video_job_queue_per_beat
from ..errors import RateLimited
from ..hooks import target_resolve
from ..selectors import generation_job_get_for_organization, image_files_of_jobs
from ..services.jobs import generation_job_cancel
from ..services.media import image_job_queue, video_beats
from ..services.story import story_job_queue
from .serializers import (
    ImageRequestSerializer,
    JobEventSerializer,
    JobQueuedSerializer,
    JobSerializer,
    StoryRequestSerializer,
    StoryResponseSerializer,
    VideoRequestSerializer,
    job_representation,
)

# What every AI POST reads and answers besides its body (DESIGN section 3).
GENERATION_PARAMETERS = [
    ORGANIZATION_HEADER,
    OpenApiParameter(
        "Idempotency-Key",
        OpenApiTypes.STR,
        OpenApiParameter.HEADER,
        description="1 to 255 printable ASCII characters. The same key and body within 24 h answers the first "
        "response again and charges nothing more.",
    ),
    OpenApiParameter("X-RateLimit-Limit", OpenApiTypes.INT, OpenApiParameter.HEADER, response=True),
    OpenApiParameter("X-RateLimit-Remaining", OpenApiTypes.INT, OpenApiParameter.HEADER, response=True),
    OpenApiParameter("Retry-After", OpenApiTypes.INT, OpenApiParameter.HEADER, response=[429]),
]
GENERATION_ERRORS = {
    **error_responses(
        402,
        422,
        429,
        e409="IDEMPOTENCY_IN_PROGRESS: a request with this Idempotency-Key is still running; or "
        "VERSION_READ_ONLY: `beat_id` is a beat of an earlier story version, kept read-only (nothing charged).",
    ),
    403: TRIAL_LIMIT,
}


class GenerationView(OrganizationAPIView):
    request_serializer: type
    kind: str  # story | image | video: what the request costs (admission.generation_cost)

    def post(self, request):
        serializer = self.request_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        target = None
        if data.get("project_id") or data.get("beat_id"):
            target = target_resolve(
                organization=self.organization,
                project_id=data.get("project_id"),
                beat_id=data.get("beat_id"),
                images=self.kind == "video",  # only a video is made of the beats' images
            )
        data = self.prepare(data, target)
        if self.organization.is_suspended:  # before Idempotency-Key, rate limit and charge
            raise OrganizationSuspended()
        return self.generate(request, data, target)

    def prepare(self, data: dict, target) -> dict:
        """Validation that needs the database (other jobs): before anything is counted or charged."""
        return data

    def generate(self, request, data, target):
        self.tier = organization_tier(self.organization)  # once: the rate limit and the trial both ask
        try:
            with generation_admitted(
                request=request,
                organization=self.organization,
                user=request.user,
                credits=self.cost(data),
                tier=self.tier,
            ) as limit:
                response = self.run(request, data, target)
        except RateLimited as error:
            return Response(
                error_body(error.message, error.code, **error.extra), status=error.status_code, headers=error.headers
            )
        if limit is not None:
            for name, value in limit.headers().items():
                response[name] = value
        return response

    def cost(self, data: dict) -> int:
        return generation_cost(kind=self.kind, quality=data["quality"])

    def run(self, request, data, target) -> Response:
        raise NotImplementedError


class GenerateStoryView(GenerationView):
    """The synchronous part of generate-story: validate, count, charge, queue. It answers a
    cache hit (200) or the queued job (202); aigen.api.live waits for the job's outcome without
    holding this thread, and answers 200 with the story when it ends in time."""

    request_serializer = StoryRequestSerializer
    kind = "story"

    @extend_schema(
        operation_id="ai_generate_story",
        summary="Write a story and its beats from a premise",
        description="Answers 200 with the story when it is written within AI_STORY_WAIT_SECONDS (25 s), "
        "else 202 with the job and a Location header: follow it there (GET, or its /events stream). "
        "`Prefer: respond-async` asks for the 202 at once.",
        parameters=[
            *GENERATION_PARAMETERS,
            OpenApiParameter("Prefer", OpenApiTypes.STR, OpenApiParameter.HEADER, description="respond-async"),
            OpenApiParameter("Location", OpenApiTypes.STR, OpenApiParameter.HEADER, response=[202]),
        ],
        request=StoryRequestSerializer,
        responses={
            200: StoryResponseSerializer,
            202: JobQueuedSerializer,
            **GENERATION_ERRORS,
            **error_responses(502),
        },
    )
    def post(self, request):
        return super().post(request)

    @idempotent(endpoint="ai.generate-story")
    def generate(self, request, data, target):
        return super().generate(request, data, target)

    def run(self, request, data, target):
        outcome = story_job_queue(
            organization=self.organization,
            user=request.user,
            premise=data["premise"],
            quality=data["quality"],
            variation=data["variation"],
            target=target,
            tier=self.tier,
        )
        if outcome.data is None:
            response = Response(
                {
                    "job_id": str(outcome.job_id),
                    "status": outcome.status,
                    "creditsUsed": outcome.credits_used,
                    "remainingCredits": outcome.remaining,
                },
                status=status.HTTP_202_ACCEPTED,
            )
            response["Location"] = job_location(outcome.job_id)
            return response
        return Response(
            {
                "success": True,
                "data": outcome.data,
                "creditsUsed": outcome.credits_used,
                "remainingCredits": outcome.remaining,
                "cached": outcome.cached,
                "job_id": str(outcome.job_id) if outcome.job_id else None,
                "placeholder": outcome.placeholder,
            }
        )


def job_location(job_id) -> str:
    return f"/api/ai/jobs/{job_id}"


def _queued(job, remaining) -> Response:
    return Response(
        {"job_id": str(job.pk), "status": job.status, "creditsUsed": job.credits_used, "remainingCredits": remaining},
        status=status.HTTP_202_ACCEPTED,
        headers={"Location": job_location(job.pk)},
    )


class GenerateImageView(GenerationView):
    request_serializer = ImageRequestSerializer
    kind = "image"

    @extend_schema(
        operation_id="ai_generate_image",
        summary="Queue an image (answers 202 with the job)",
        parameters=GENERATION_PARAMETERS,
        request=ImageRequestSerializer,
        responses={202: JobQueuedSerializer, **GENERATION_ERRORS},
    )
    def post(self, request):
        return super().post(request)

    @idempotent(endpoint="ai.generate-image")
    def generate(self, request, data, target):
        return super().generate(request, data, target)

    def run(self, request, data, target):
        prompt = data.get("prompt") or (target.text if target else "")
        job, remaining = image_job_queue(
            organization=self.organization, user=request.user, prompt=prompt, quality=data["quality"], target=target
        )
        return _queued(job, remaining)


class GenerateVideoView(GenerationView):
    request_serializer = VideoRequestSerializer
    kind = "video"

    @extend_schema(
        operation_id="ai_generate_video",
        summary="Queue a short video of a beat, of image jobs or of a prompt (answers 202 with the job)",
        parameters=GENERATION_PARAMETERS,
        request=VideoRequestSerializer,
        responses={202: JobQueuedSerializer, **GENERATION_ERRORS},
    )
    def post(self, request):
        return super().post(request)

    @idempotent(endpoint="ai.generate-video")
    def generate(self, request, data, target):
        return super().generate(request, data, target)

    def prepare(self, data, target):
        files = list(target.image_files) if target else []
        captions = list(target.captions) if target else []
        if data.get("image_job_ids"):
            files += image_files_of_jobs(organization=self.organization, job_ids=data["image_job_ids"])
        return {**data, "image_files": files, "captions": captions}

    def cost(self, data):
        beats = video_beats(data["image_files"], data["captions"])
        return generation_cost(kind=self.kind, quality=data["quality"], beats=beats)

    def run(self, request, data, target):
        files, captions = data["image_files"], data["captions"]
        job, remaining = video_job_queue_per_beat(
            organization=self.organization,
            user=request.user,
            quality=data["quality"],
            prompt=data.get("prompt") or (target.text if target else ""),
            image_files=files,
            captions=captions,
            target=target,
        )
        return _queued(job, remaining)


def job_body(job) -> dict:
    """A job as the API shows it; `partial` (the text and beats so far) while it runs."""
    body = job_representation(job)
    body["partial"] = None if job.is_finished else events.partial_of(events.events_read(job.pk))
    return body


class JobDetailView(OrganizationAPIView):
    @extend_schema(
        operation_id="ai_job_retrieve",
        summary="A generation job's status, progress and, while it runs, its partial text and beats",
        parameters=[ORGANIZATION_HEADER],
        responses=JobSerializer,
    )
    def get(self, request, job_id):
        job = generation_job_get_for_organization(organization=self.organization, job_id=job_id)
        return Response(job_body(job))


class JobCancelView(OrganizationAPIView):
    @extend_schema(
        operation_id="ai_job_cancel",
        summary="Cancel a running job: its provider call stops, its credits are refunded once",
        request=None,
        parameters=[ORGANIZATION_HEADER],
        responses={200: JobSerializer, **error_responses(404, 409)},
    )
    def post(self, request, job_id):
        job = generation_job_get_for_organization(organization=self.organization, job_id=job_id)
        generation_job_cancel(job=job)
        job.refresh_from_db()
        return Response(job_body(job))


class _AnyAccepted(BaseContentNegotiation):
    """An EventSource asks for text/event-stream: the access check answers JSON whatever it
    asked for (its errors are JSON, like every API error)."""

    def select_parser(self, request, parsers):
        return parsers[0] if parsers else None

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type


class JobEventsAccessView(OrganizationAPIView):
    """The synchronous part of the events stream: who may read it (404 for another
    organization's job) and where the job stands. aigen.api.live streams the rest."""

    content_negotiation_class = _AnyAccepted

    @extend_schema(
        operation_id="ai_job_events",
        summary="A job's live events (Server-Sent Events)",
        description="text/event-stream: `delta` {text}, `beat` {index, title, description}, `progress` "
        "{progress}, `reset` {}, then `done` {result} or `failed` {error, refunded}. Every event has an id; "
        "send the last one seen as `Last-Event-ID` to resume after it.",
        parameters=[
            ORGANIZATION_HEADER,
            OpenApiParameter("Last-Event-ID", OpenApiTypes.STR, OpenApiParameter.HEADER),
        ],
        responses={(200, "text/event-stream"): JobEventSerializer, **error_responses(404)},
    )
    def get(self, request, job_id):
        job = generation_job_get_for_organization(organization=self.organization, job_id=job_id)
        return Response({"id": str(job.pk), "status": job.status, "result": job.result, "error": job.error})
