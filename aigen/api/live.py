"""The waiting side of the AI API: waiting for a story and streaming a job's events.

Both are synchronous views (authentication, validation, counting and charging in the DRF views
they call, a few milliseconds in a thread) whose waiting part runs on the event loop: the story's
wait as the response's finish (core.asgi.respond_later), a job's events as an async iterator.
Under the ASGI server a waiting request or an open SSE stream is a coroutine (sharing its
process's Redis reader), never a thread or a worker process, and holds no database connection
(core.asgi gives them back before the wait).
"""

import json
import logging
import time
from functools import partial

from asgiref.sync import sync_to_async
from django.conf import settings
from django.http import StreamingHttpResponse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from redis.exceptions import RedisError
from rest_framework.renderers import JSONRenderer

from core.api import error_body
from core.asgi import respond_later
from credits.api.idempotency import REPLAYED_HEADER

from .. import events
from .views import GenerateStoryView, JobEventsAccessView

logger = logging.getLogger(__name__)
_story_view = GenerateStoryView.as_view()
_events_access_view = JobEventsAccessView.as_view()


def prefer_wait_seconds(header: str | None) -> float:
    """How long to wait for the story: AI_STORY_WAIT_SECONDS, 0 for `Prefer: respond-async`,
    less for `Prefer: wait=N` (RFC 7240). Anything malformed is ignored."""
    wait = settings.AI_STORY_WAIT_SECONDS
    for preference in (header or "").split(","):
        name, _sep, value = preference.strip().partition("=")
        name = name.strip().lower()
        if name == "respond-async":
            return 0.0
        if name == "wait" and value.strip().isdigit():
            wait = min(wait, float(value.strip()))
    return wait


def _answer(response, body: dict, status: int) -> None:
    """The queued answer becomes the final one, keeping what the middleware put on it."""
    response.status_code = status
    response.content = JSONRenderer().render(body)  # (rendered: DRF renders it no more)
    response["Content-Type"] = "application/json"
    response["Content-Length"] = str(len(response.content))
    del response["Location"]


@csrf_exempt  # as DRF's views: its SessionAuthentication enforces CSRF for cookie sessions
def generate_story(request):
    """POST /api/ai/generate-story: 200 with the story when its job ends within the wait, else
    the 202 of the queued job (with Location). A client that leaves meanwhile changes nothing."""
    queued_at = time.monotonic()  # before the job is queued: its outcome is published after this
    response = _story_view(request)
    wait = prefer_wait_seconds(request.headers.get("Prefer"))
    if response.status_code != 202 or wait <= 0:
        return response
    if response.has_header(REPLAYED_HEADER):
        queued_at = None  # an Idempotency-Key replay: its job was queued by an earlier request
    return respond_later(request, response, partial(_story_outcome, response, wait, queued_at))


async def _story_outcome(response, wait: float, queued_at: float | None) -> None:
    queued = response.data
    try:
        outcome = await events.outcome_wait(queued["job_id"], wait, queued_at=queued_at)
    except (RedisError, OSError):
        logger.warning("waiting for job %s failed; answering 202", queued["job_id"], exc_info=True)
        outcome = None  # the job goes on; the client follows Location
    if outcome is None:
        return
    if outcome.event == "done":
        body = {
            "success": True,
            "data": outcome.data["result"],
            "creditsUsed": queued["creditsUsed"],
            "remainingCredits": queued["remainingCredits"],
            "cached": False,
            "job_id": queued["job_id"],
            "placeholder": outcome.data.get("placeholder", False),
        }
        _answer(response, body, 200)
        return
    body = error_body(
        _("The story could not be generated. You were not charged."),
        "GENERATION_FAILED",
        job_id=queued["job_id"],
        creditsUsed=0,
        refunded=True,
        remainingCredits=queued["remainingCredits"] + queued["creditsUsed"],
    )
    _answer(response, body, 502)


def _sse(event: events.JobEvent) -> str:
    data = json.dumps(event.data, ensure_ascii=False, separators=(",", ":"))
    return f"id: {event.id}\nevent: {event.event}\ndata: {data}\n\n"


def job_events(request, job_id):
    """GET /api/ai/jobs/{id}/events: Server-Sent Events (`delta`, `beat`, `progress`, `reset`,
    `done`, `failed`), each with its id; `Last-Event-ID` resumes after it (a malformed one
    replays from the start). Ends after the job's `done`/`failed`, or after AI_SSE_MAX_SECONDS
    (the browser reconnects with the last id it saw)."""
    access = _events_access_view(request, job_id=job_id)
    if access.status_code != 200 or request.method != "GET":  # an error, OPTIONS or a 405
        return access
    job = access.data
    after = events.event_id_valid(request.headers.get("Last-Event-ID"))

    async def stream():
        yield "retry: 2000\n\n"
        last = after
        found = await sync_to_async(events.events_read, thread_sensitive=False)(job["id"], last)
        if job["status"] in ("succeeded", "partial", "failed") and not any(e.event in events.TERMINAL for e in found):
            # The log expired (or never existed): the job's outcome from the database.
            if job["status"] != "failed":
                found.append(events.JobEvent(id="end", event="done", data={"result": job["result"]}))
            else:
                found.append(events.JobEvent(id="end", event="failed", data={"error": job["error"], "refunded": True}))
        deadline = time.monotonic() + settings.AI_SSE_MAX_SECONDS
        while True:
            for event in found:
                last = event.id if event.id != "end" else last
                yield _sse(event)
                if event.event in events.TERMINAL:
                    return
            left = deadline - time.monotonic()
            if left <= 0:
                return
            try:
                found = await events.events_wait(job["id"], last, min(settings.AI_SSE_KEEPALIVE_SECONDS, left))
            except (RedisError, OSError):
                logger.warning("reading job %s's events failed; the client reconnects", job["id"], exc_info=True)
                return  # EventSource reconnects with the last id it saw
            if not found:
                yield ": keep-alive\n\n"

    response = StreamingHttpResponse(stream(), content_type="text/event-stream; charset=utf-8")
    response["Cache-Control"] = "no-cache"
    response["X-Accel-Buffering"] = "no"  # nginx: pass each event on at once
    return response


# The OpenAPI schema describes these through the DRF views they run (drf-spectacular reads
# `cls` and `initkwargs`, as on a view made by as_view()).
for _view, _cls in ((generate_story, GenerateStoryView), (job_events, JobEventsAccessView)):
    _view.cls, _view.initkwargs = _cls, {}
