"""Stories: queued by the request (story_job_queue), written by a `text` worker as the provider
streams (story_job_run), stored in one place (story_result_store).

A story job is created running: it needs no worker to pick it up in the database, and its
worker writes nothing there until the outcome, which is one statement on PostgreSQL (the job
and its usage rows). While the provider streams, the text and each beat as soon as it is
complete go to the job's live log (aigen.events), batched every AI_STREAM_FLUSH_SECONDS.

Once a provider has streamed text, its failure fails the job (no other provider's story is
spliced onto it, and nothing half-written is ever saved as the story): refunded once.
"""

import contextlib
import hashlib
import json
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

from django.conf import settings
from django.core.cache import cache
from django.db.models import F

from accounts.models import Organization, User
from credits.hooks import Tier
from credits.selectors import credits_summary_get

from .. import events, prompts
from ..hooks import GenerationTarget
from ..models import AIUsageLog, GenerationJob
from ..providers.base import Provider, ProviderError
from ..registry import chain_first, entry_is_placeholder, model_entry, provider_chain
from ..story import STORY_SCHEMA, InvalidStory, story_parse
from ..streaming import BeatScanner
from .jobs import (
    OPEN,
    JobCanceledError,
    database_release,
    generation_job_create,
    generation_job_enqueue,
    generation_job_fail,
    generation_job_succeed,
    output_save,
)
from .usage import ProviderCall, call_end, call_start, calls_skipped, usage_insert, usage_rows

ENDPOINT = "generate-story"


@dataclass(frozen=True)
class StoryOutcome:
    """What the request answers: the story (a cache hit, or a job that finished in time) or,
    with `data` None, the queued job."""

    data: dict | None
    credits_used: int
    remaining: int
    cached: bool
    job_id: uuid.UUID | None
    status: str = GenerationJob.Status.SUCCEEDED
    placeholder: bool = False


def _cache_key(*, organization: Organization, entry: dict, version: str, payload: dict) -> str:
    material = json.dumps(
        [str(organization.pk), "story", entry["provider"], entry["model"], version, payload],
        sort_keys=True,
        ensure_ascii=False,
    )
    return "aigen:response:" + hashlib.sha256(material.encode()).hexdigest()


def story_job_queue(
    *,
    organization: Organization,
    user: User,
    premise: str,
    quality: str,
    variation: int = 0,
    target: GenerationTarget | None = None,
    tier: Tier | None = None,
) -> StoryOutcome:
    """A story for `premise`: from the cache (free, answered at once), or charged and queued on
    the `text` queue. The caller waits for the job's outcome (events.outcome_wait) as long as it
    likes; the job finishes whether anyone waits or not."""
    from ..tasks import story_generate

    entry_key = f"text:{quality}"
    # The entry a job starts on labels it (the worker decides); no provider may serve: 503 before any charge.
    first = model_entry(chain_first(entry_key).entry)
    payload = {"premise": premise, "variation": variation}
    if target is not None:
        # A hit is not a job, so nothing fills a project from it: never serve one project's
        # story to another (the first request for each project generates and fills it).
        payload["project"] = target.project_id
    key = _cache_key(organization=organization, entry=first, version=prompts.STORY_TEMPLATE_VERSION, payload=payload)
    if settings.AI_CACHE_ENABLED:
        hit = cache.get(key)
        from observability import metrics

        metrics.ai_cache_lookup(kind="story", hit=hit is not None)
        if hit is not None:
            AIUsageLog.objects.create(
                organization=organization,
                user=user,
                endpoint=ENDPOINT,
                provider=first["provider"],
                model=first["model"],
                status=AIUsageLog.Status.SUCCEEDED,
                cache_hit=True,
            )
            return StoryOutcome(
                data=hit["data"],
                credits_used=0,
                remaining=credits_summary_get(organization=organization).total,
                cached=True,
                job_id=uuid.UUID(hit["job_id"]),
                placeholder=hit.get("placeholder", False),
            )
    credits = int(model_entry(entry_key)["credits"])
    job, remaining = generation_job_create(
        organization=organization,
        user=user,
        kind=GenerationJob.Kind.STORY,
        quality=quality,
        credits=credits,
        job_input=payload,
        template_version=prompts.STORY_TEMPLATE_VERSION,
        provider=first["provider"],
        model=first["model"],
        status=GenerationJob.Status.RUNNING,
        project_ref=target.project_id if target else "",
        beat_ref=(target.beat_id or "") if target else "",  # a beat's text only (studio decides)
        tier=tier,
    )
    # What the worker needs, in the message: it reads nothing from the database to start.
    spec = {
        "organization": str(organization.pk),
        "user": user.pk,
        "quality": quality,
        "input": payload,
        "project": job.project_ref,
        "beat": job.beat_ref,
        "credits": credits,
        "created": job.created_at.timestamp() if job.created_at else time.time(),
        "cache_key": key if settings.AI_CACHE_ENABLED else "",
    }
    # Eager (the unit tests): the task runs inline now; inside a test's transaction an on_commit
    # callback would never run.
    generation_job_enqueue(job, story_generate, spec, at_once=story_generate.app.conf.task_always_eager)
    return StoryOutcome(
        data=None, credits_used=credits, remaining=remaining, cached=False, job_id=job.pk, status=job.status
    )


# --- The worker's side ------------------------------------------------------------------


class _LiveStory:
    """Buffers the stream's text and complete beats; writes them to the job's live log at most
    every AI_STREAM_FLUSH_SECONDS, in one round trip each.
    Raises JobCanceledError when the job's owner canceled it."""

    def __init__(self, job_id, *, reset: bool):
        self.job_id = job_id
        self.reset = reset
        self.pending: list[tuple[str, dict]] = []
        self.scanner = BeatScanner()
        self.flushed_at = time.monotonic()
        self.wrote = False

    def restart(self) -> None:
        """A new answer begins (a repair attempt): readers forget the text so far."""
        self.pending = []
        self.scanner = BeatScanner()
        self.reset = True
        self.wrote = False

    def write(self, text: str) -> None:
        if not text:
            return
        self.wrote = True
        if self.pending and self.pending[-1][0] == "delta":
            self.pending[-1][1]["text"] += text
        else:
            self.pending.append(("delta", {"text": text}))
        beats = self.scanner.feed(text)
        for beat in beats:
            self.pending.append(("beat", beat))
        if beats:
            self.pending.append(("progress", {"progress": min(95, 10 * self.scanner.count)}))
        # By time alone: an instant provider's whole answer then costs one write with its `done`.
        if time.monotonic() - self.flushed_at >= settings.AI_STREAM_FLUSH_SECONDS:
            self.flush()

    def flush(self, *final: tuple[str, dict]) -> None:
        if not (self.pending or final or self.reset):
            return
        batch = [*self.pending, *final]
        canceled = events.events_append(self.job_id, batch, reset=self.reset)
        self.pending, self.reset, self.flushed_at = [], False, time.monotonic()
        if canceled and not final:
            raise JobCanceledError()


def _job_of(job_id, spec: dict) -> GenerationJob:
    """The job as the worker knows it from its message (no read; fields the outcome needs)."""
    return GenerationJob(
        pk=uuid.UUID(str(job_id)),
        organization_id=uuid.UUID(spec["organization"]),
        user_id=spec["user"],
        kind=GenerationJob.Kind.STORY,
        quality=spec["quality"],
        input=spec["input"],
        project_ref=spec["project"],
        beat_ref=spec.get("beat", ""),
        credits_used=spec["credits"],
        status=GenerationJob.Status.RUNNING,
        created_at=datetime.fromtimestamp(spec["created"], tz=UTC),
    )


def story_job_run(*, job_id, spec: dict, redelivered: bool = False) -> bool:
    """Write the story of a queued job (the `text` worker calls this); True when it succeeded.

    A redelivered job (its worker died) starts over if still open: its live log is reset."""
    job = _job_of(job_id, spec)
    if redelivered:
        updated = GenerationJob.objects.filter(pk=job.pk, status__in=OPEN).update(attempts=F("attempts") + 1)
        if not updated:
            return False  # finished (or failed by the sweeper or a cancel) meanwhile
        database_release()
    live = _LiveStory(job.pk, reset=redelivered)
    chain = provider_chain(f"text:{job.quality}")
    calls: list[ProviderCall] = calls_skipped(chain)
    try:
        story, provider = _story_from_chain(
            chain,
            premise=job.input["premise"],
            variation=job.input.get("variation", 0),
            calls=calls,
            live=live,
        )
        data = json.dumps(story, ensure_ascii=False).encode()
        path = output_save(job=job, data=data, extension="json", fresh=not redelivered)
        stored = story_result_store(
            job=job, story=story, output_file=path, provider=provider, calls=calls, credits=spec["credits"]
        )
    except JobCanceledError:
        usage_insert(usage_rows(job=job, endpoint=ENDPOINT, calls=calls, credits=0))
        return False
    except (ProviderError, InvalidStory, OSError) as error:
        generation_job_fail(job_id=job.pk, error=str(error))
        usage_insert(usage_rows(job=job, endpoint=ENDPOINT, calls=calls, credits=0))
        return False
    if stored:
        placeholder = entry_is_placeholder(provider.config.entry)
        live.flush(("done", {"result": story, "creditsUsed": spec["credits"], "placeholder": placeholder}))
        if spec.get("cache_key"):
            hit = {"data": story, "job_id": str(job.pk), "placeholder": placeholder}
            cache.set(spec["cache_key"], hit, settings.AI_CACHE_TTL_SECONDS)
    else:
        live.flush()
    return stored


def story_result_store(
    *, job: GenerationJob, story: dict, output_file: str, provider: Provider, calls: list[ProviderCall], credits: int
) -> bool:
    """The one place a story job's result is saved: the job succeeds with its usage rows in one
    commit, and a job made for a project fills it (generation_succeeded). False when the job
    had already ended (canceled, or failed by the sweeper): nothing is saved."""
    return generation_job_succeed(
        job=job,
        result=story,
        output_file=output_file,
        provider=provider,
        usage=usage_rows(job=job, endpoint=ENDPOINT, calls=calls, credits=credits),
        announce=False,
    )


def _story_from_chain(chain: list[Provider], *, premise: str, variation: int, calls: list[ProviderCall], live):
    """Try each provider, streaming; an invalid answer gets one repair attempt. A provider that
    fails after it streamed text ends the job (ProviderError), it does not pass to the next."""
    last_error: Exception | None = None
    for provider in chain:
        prompt = prompts.story_prompt(premise=premise, variation=variation)
        for attempt in range(2):
            if live.wrote:
                live.restart()
            call = call_start(provider)
            try:
                text = _stream_into(provider, prompt=prompt, call=call, live=live)
            except ProviderError as error:
                calls.append(call_end(call, error=error))
                if live.wrote:
                    raise
                last_error = error
                break  # the next provider
            except JobCanceledError as error:
                calls.append(call_end(call, error=error))
                raise
            try:
                story = story_parse(text)
            except InvalidStory as error:
                calls.append(call_end(call, error=error))
                if attempt == 0:
                    prompt = prompts.story_repair_prompt(
                        premise=premise, variation=variation, problem=str(error), previous=text
                    )
                    continue
                last_error = error  # still invalid after the repair: that provider failed, the next one tries
                break
            calls.append(call_end(call))
            return story, provider
    raise last_error or ProviderError("aigen", "no provider available")


def _stream_into(provider: Provider, *, prompt: str, call: ProviderCall, live: _LiveStory) -> str:
    """Stream one answer into the live log; its whole text. Closing the stream (a cancel, an
    error) closes the provider's HTTP response: the provider stops writing."""
    parts: list[str] = []
    with contextlib.closing(
        provider.story_stream(system=prompts.STORY_SYSTEM, prompt=prompt, schema=STORY_SCHEMA)
    ) as stream:
        for chunk in stream:
            if chunk.tokens_in is not None:
                call.tokens_in = chunk.tokens_in
            if chunk.tokens_out is not None:
                call.tokens_out = chunk.tokens_out
            if chunk.text:
                parts.append(chunk.text)
                live.write(chunk.text)
    return "".join(parts)
