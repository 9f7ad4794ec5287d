"""Generation: charge, run the provider, store the output, succeed or fail with a refund.

Order of every generation (DESIGN section 1): trial slot -> credit charge bound to a
GenerationJob row (one transaction) -> provider -> output to storage -> job succeeded, or
failed + refund + trial slot back -> usage log. The API does authentication, validation,
Idempotency-Key and the rate limit before it calls in here.

Exactly once: a job leaves queued/running only under its row lock (generation_job_fail) or
through one conditional UPDATE (generation_job_succeed); whichever comes second finds it
finished and does nothing. The refund itself is also unique per charge (credits).
"""

import hashlib
import json
import logging
import time
import uuid
from contextlib import nullcontext
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from django.conf import settings
from django.core.cache import cache
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connection, connections, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Organization, User
from core.sql import bound_cursor, insert_parts, saved
from credits.hooks import Tier
from credits.models import CreditTransaction
from credits.selectors import credits_summary_get, trial_exempt
from credits.services.charge import credits_charge, credits_refund
from credits.services.trial import trial_slot_release, trial_slot_take
from observability import metrics

from . import prompts
from .admission import generation_cost
from .breaker import breaker_record
from .errors import GenerationFailed, QueueUnavailable
from .hooks import GenerationTarget, generation_succeeded
from .models import AIUsageLog, GenerationJob
from .pricing import usage_cost_usd
from .providers.base import Provider, ProviderError, VideoRequest, output_usage
from .receipts import call_outcome
from .registry import ProviderChain, chain_first, entry_is_placeholder, model_entry, provider_chain
from .story import STORY_SCHEMA, InvalidStory, story_parse

logger = logging.getLogger(__name__)
OPEN = (GenerationJob.Status.QUEUED, GenerationJob.Status.RUNNING)


@dataclass(frozen=True)
class StoryOutcome:
    data: dict
    credits_used: int
    remaining: int
    cached: bool
    job_id: uuid.UUID | None
    placeholder: bool = False


@dataclass
class _Call:
    """One provider call, for the usage log."""

    provider: str
    model: str
    started: float
    status: str = AIUsageLog.Status.SUCCEEDED
    error: str = ""
    tokens_in: int | None = None
    tokens_out: int | None = None
    images: int | None = None
    video_seconds: float | None = None
    cost_usd: Decimal = Decimal(0)
    outcome: str = AIUsageLog.Outcome.SUCCEEDED
    duration_ms: int = 0


# --- Jobs -----------------------------------------------------------------------------


def generation_job_create(
    *,
    organization: Organization,
    user: User,
    kind: str,
    quality: str,
    credits: int,
    job_input: dict,
    template_version: str,
    provider: str,
    model: str,
    status: str = GenerationJob.Status.QUEUED,
    project_ref: str = "",
    beat_ref: str = "",
    tier: Tier | None = None,
) -> tuple[GenerationJob, int]:
    """Take a trial slot (unless on a paid plan), charge and create the job; (job, remaining).

    The charge and the job row commit together: there is never a charge without its job.
    NoCredits (402) and TrialLimitReached (403) leave nothing behind. `tier`: the
    organization's (credits.hooks), when the caller has already looked it up.
    """
    on_trial = not trial_exempt(organization=organization, tier=tier)
    if on_trial:
        trial_slot_take(user=user)
    now = timezone.now()
    job = GenerationJob(
        organization=organization,
        user=user,
        kind=kind,
        quality=quality,
        status=status,
        provider=provider,
        model=model,
        template_version=template_version,
        input=job_input,
        project_ref=project_ref,
        beat_ref=beat_ref,
        credits_used=credits,
        trial_slot=on_trial,
        deadline_at=now + timedelta(seconds=settings.AI_JOB_DEADLINE_SECONDS[kind]),
        started_at=now if status == GenerationJob.Status.RUNNING else None,
    )
    try:
        # The job rides with the charge (credits sets its charge_id): both or neither, in one
        # statement on PostgreSQL.
        charge = credits_charge(
            organization=organization,
            amount=credits,
            feature=f"{kind}_{quality}",
            user=user,
            reference=(GenerationJob._meta.label_lower, str(job.pk)),
            description=f"AI {kind} ({quality})",
            with_row=job,
        )
    except BaseException:
        if on_trial:
            trial_slot_release(user=user)
        raise
    return job, charge.total_after


def generation_job_fail(*, job_id: uuid.UUID, error: str) -> bool:
    """Fail an open job: refund its charge and give back its trial slot, exactly once.

    False (and nothing written) when the job had already finished. Safe to call from several
    processes at the same time: the job's row lock decides.
    """
    with transaction.atomic():
        job = GenerationJob.objects.select_for_update().filter(pk=job_id).first()
        if job is None or job.is_finished:
            return False
        job.status = GenerationJob.Status.FAILED
        job.error = error[:500]
        job.finished_at = timezone.now()
        # A per-beat video has one charge per clip (the first is the job's): each goes back once.
        for charge_id in [job.charge_id, *job.extra_charge_ids]:
            if charge_id:
                charge = CreditTransaction.objects.get(pk=charge_id)
                credits_refund(charge=charge, user=job.user, description=_("Refund: the generation failed"))
                job.refunded = True
        if job.trial_slot and job.user_id:
            trial_slot_release(user=job.user)
        job.save(update_fields=["status", "error", "finished_at", "refunded", "updated_at"])
        metrics.generation_finished(kind=job.kind, provider=job.provider, status="failed", since=job.created_at)
    return True


def generation_job_refund(*, job: GenerationJob) -> bool:
    """Admin action: refund a job's charge if it was not already (a succeeded job too)."""
    with transaction.atomic():
        locked = GenerationJob.objects.select_for_update().get(pk=job.pk)
        if locked.refunded or not locked.charge_id:
            return False
        result = credits_refund(
            charge=CreditTransaction.objects.get(pk=locked.charge_id),
            description=_("Refund by staff"),
        )
        locked.refunded = True
        locked.save(update_fields=["refunded", "updated_at"])
    return not result.already_refunded


def generation_job_succeed(
    *,
    job: GenerationJob,
    result: dict,
    output_file: str,
    provider: Provider,
    usage: list[AIUsageLog] = (),
    status: str = GenerationJob.Status.SUCCEEDED,
) -> bool:
    """Mark an open job succeeded (one conditional UPDATE) and tell higher apps.

    `usage` rows are written in the same commit whether or not the job was still open (a
    provider call happened either way): on PostgreSQL in the UPDATE's own statement. A job made
    for a project tells it in the same transaction, so whoever sees the job succeeded also finds
    its story, image or video on the project.
    """
    now = timezone.now()
    values = {
        "status": status,
        "progress": 100,
        "result": result,
        "output_file": output_file,
        "provider": provider.name,
        "model": provider.config.model,
        "placeholder": entry_is_placeholder(provider.config.entry),
        "finished_at": now,
        "updated_at": now,
    }
    with transaction.atomic() if job.project_ref else nullcontext():
        if connection.vendor == "postgresql":
            updated = _succeed_in_one_statement(job.pk, values, usage)
        else:
            with transaction.atomic():
                updated = GenerationJob.objects.filter(pk=job.pk, status__in=OPEN).update(**values)
                _usage_insert(usage)
        if updated:
            job.status, job.progress, job.result = status, 100, result
            job.output_file, job.finished_at = output_file, now
            job.provider, job.model, job.placeholder = provider.name, provider.config.model, values["placeholder"]
            metrics.generation_finished(kind=job.kind, provider=provider.name, status=status, since=job.created_at)
            generation_succeeded.send(sender=GenerationJob, job=job)
    return bool(updated)


def generation_job_start(*, job_id: uuid.UUID) -> GenerationJob | None:
    """A worker takes an open job (also one redelivered after a worker died); None if finished."""
    now = timezone.now()
    updated = GenerationJob.objects.filter(pk=job_id, status__in=OPEN).update(
        status=GenerationJob.Status.RUNNING, attempts=F("attempts") + 1, started_at=now, updated_at=now
    )
    return GenerationJob.objects.get(pk=job_id) if updated else None


def generation_job_progress(*, job_id: uuid.UUID, progress: int) -> None:
    GenerationJob.objects.filter(pk=job_id, status=GenerationJob.Status.RUNNING).update(
        progress=max(0, min(99, progress))
    )


def generation_jobs_sweep_stuck() -> int:
    """Fail and refund every job still open past its deadline; returns how many this call failed."""
    stuck = GenerationJob.objects.filter(status__in=OPEN, deadline_at__lt=timezone.now()).values_list("pk", flat=True)
    error = _("The generation took too long and was stopped; credits refunded.")
    return sum(generation_job_fail(job_id=job_id, error=error) for job_id in list(stuck[:500]))


# --- Usage log and storage ------------------------------------------------------------


def _usage_rows(*, job: GenerationJob, endpoint: str, calls: list[_Call], credits: int) -> list[AIUsageLog]:
    # The job's ids: a worker's job has not loaded its organization or user, and needs not.
    return [
        AIUsageLog(
            organization_id=job.organization_id,
            user_id=job.user_id,
            job=job,
            endpoint=endpoint,
            provider=call.provider,
            model=call.model,
            credits=credits if call.status == AIUsageLog.Status.SUCCEEDED else 0,
            duration_ms=call.duration_ms,
            status=call.status,
            error=call.error[:500],
            tokens_in=call.tokens_in,
            tokens_out=call.tokens_out,
            cost_usd=call.cost_usd,
            outcome=call.outcome,
        )
        for call in calls
    ]


def _usage_insert(rows: list[AIUsageLog]) -> None:
    if len(rows) == 1:
        rows[0].save(force_insert=True)  # no bulk machinery for the usual single row
    elif rows:
        AIUsageLog.objects.bulk_create(rows)


# --- The story's success in one statement (PostgreSQL) ----------------------------------
# The job's conditional UPDATE and its usage rows as one statement (data-modifying CTEs):
# one round trip that commits both, instead of BEGIN, UPDATE, INSERT, COMMIT; and no ORM
# compiling of the two (~0.5 ms of CPU). Columns come from the models, values are prepared
# by the models' fields (core.sql).

_JOB_FIELDS = {field.attname: field for field in GenerationJob._meta.concrete_fields}


def _succeed_in_one_statement(job_id, values: dict, usage: list[AIUsageLog]) -> int:
    db = connections[connection.alias]  # the connection itself, not the thread-local proxy
    quote = db.ops.quote_name
    table, key, status = quote(GenerationJob._meta.db_table), quote("id"), quote("status")
    assignments = ", ".join(f"{quote(_JOB_FIELDS[name].column)} = %s" for name in values)
    params = [_JOB_FIELDS[name].get_db_prep_save(value, db) for name, value in values.items()]
    params += [_JOB_FIELDS["id"].get_db_prep_save(job_id, db), *OPEN]
    sql = f"WITH done AS (UPDATE {table} SET {assignments} WHERE {key} = %s AND {status} IN (%s, %s) RETURNING 1)"  # noqa: S608
    if usage:
        rows = [insert_parts(row, db) for row in usage]
        values_sql = ", ".join(f"({row.placeholders})" for row in rows)
        sql += f", logged AS (INSERT INTO {rows[0].table} ({rows[0].columns}) VALUES {values_sql})"  # noqa: S608
        params += [param for row in rows for param in row.params]
    with bound_cursor(db) as cursor:
        cursor.execute(sql + " SELECT count(*) FROM done", params)  # noqa: S608
        updated = cursor.fetchone()[0]
    for row in usage:
        saved(row, db)  # (their ids are not read back; nothing here needs them)
    return updated


def _call(provider: Provider) -> _Call:
    return _Call(provider=provider.name, model=provider.config.model, started=time.monotonic())


def _call_end(call: _Call, *, error: Exception | None = None) -> _Call:
    """Close a call: its duration, outcome and USD cost (from the usage it reported, whether
    or not its answer was usable), and tell the provider's circuit breaker."""
    call.duration_ms = int((time.monotonic() - call.started) * 1000)
    call.outcome = call_outcome(error)
    if error is not None:
        call.status, call.error = AIUsageLog.Status.FAILED, str(error)
    call.cost_usd = usage_cost_usd(
        provider=call.provider,
        model=call.model,
        tokens_in=call.tokens_in,
        tokens_out=call.tokens_out,
        images=call.images,
        video_seconds=call.video_seconds,
    )
    breaker_record(provider=call.provider, model=call.model, error=error)
    return call


def _skipped_calls(chain: ProviderChain) -> list[_Call]:
    """The chain's providers left out because their breaker is open, for the receipt."""
    return [
        _Call(
            provider=provider,
            model=model,
            started=time.monotonic(),
            status=AIUsageLog.Status.SKIPPED,
            outcome=AIUsageLog.Outcome.SKIPPED,
        )
        for provider, model in chain.skipped
    ]


def output_save(*, job: GenerationJob, data: bytes, extension: str, fresh: bool = False) -> str:
    """Save a job's output as ai/<org>/<kind>/<job>.<ext>. `fresh`: the job has never run before
    (a synchronous story), so there is nothing to replace and no existence check to pay for."""
    name = f"ai/{job.organization_id}/{job.kind}/{job.id}.{extension}"
    if not fresh and default_storage.exists(name):  # a redelivered task writes the same job again
        default_storage.delete(name)
    return default_storage.save(name, ContentFile(data))


# --- Story (synchronous) --------------------------------------------------------------


def _cache_key(*, organization: Organization, kind: str, provider: Provider, version: str, payload: dict) -> str:
    material = json.dumps(
        [str(organization.pk), kind, provider.name, provider.config.model, version, payload],
        sort_keys=True,
        ensure_ascii=False,
    )
    return "aigen:response:" + hashlib.sha256(material.encode()).hexdigest()


def story_generate(
    *,
    organization: Organization,
    user: User,
    premise: str,
    quality: str,
    variation: int = 0,
    target: GenerationTarget | None = None,
    tier: Tier | None = None,
) -> StoryOutcome:
    """Write a story for `premise`: from the cache (free), or charged, from the provider chain.

    Raises GenerationFailed (502) after refunding when every provider fails or the answer
    stays invalid after one repair attempt.
    """
    entry_key = f"text:{quality}"
    chain = provider_chain(entry_key)
    payload = {"premise": premise, "variation": variation}
    if target is not None:
        # A hit is not a job, so nothing fills a project from it: never serve one project's
        # story to another (the first request for each project generates and fills it).
        payload["project"] = target.project_id
    key = _cache_key(
        organization=organization,
        kind="story",
        provider=chain[0],
        version=prompts.STORY_TEMPLATE_VERSION,
        payload=payload,
    )
    if settings.AI_CACHE_ENABLED:
        hit = cache.get(key)
        metrics.ai_cache_lookup(kind="story", hit=hit is not None)
        if hit is not None:
            AIUsageLog.objects.create(
                organization=organization,
                user=user,
                endpoint="generate-story",
                provider=chain[0].name,
                model=chain[0].config.model,
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
        provider=chain[0].name,
        model=chain[0].config.model,
        status=GenerationJob.Status.RUNNING,
        project_ref=target.project_id if target else "",
        beat_ref=(target.beat_id or "") if target else "",  # a beat's text only (studio decides)
        tier=tier,
    )
    calls: list[_Call] = _skipped_calls(chain)
    try:
        story, provider = _story_from_chain(chain, premise=premise, variation=variation, calls=calls)
        path = output_save(job=job, data=json.dumps(story, ensure_ascii=False).encode(), extension="json", fresh=True)
        # One commit for the job's outcome and its usage rows.
        generation_job_succeed(
            job=job,
            result=story,
            output_file=path,
            provider=provider,
            usage=_usage_rows(job=job, endpoint="generate-story", calls=calls, credits=credits),
        )
    except (ProviderError, InvalidStory, OSError) as error:
        generation_job_fail(job_id=job.pk, error=str(error))
        _usage_insert(_usage_rows(job=job, endpoint="generate-story", calls=calls, credits=0))
        raise GenerationFailed(
            _("The story could not be generated. You were not charged."),
            job_id=str(job.pk),
            creditsUsed=0,
            refunded=True,
            remainingCredits=remaining + credits,
        ) from error
    if settings.AI_CACHE_ENABLED:
        cache.set(
            key, {"data": story, "job_id": str(job.pk), "placeholder": job.placeholder}, settings.AI_CACHE_TTL_SECONDS
        )
    return StoryOutcome(
        data=story, credits_used=credits, remaining=remaining, cached=False, job_id=job.pk, placeholder=job.placeholder
    )


def _story_from_chain(chain: list[Provider], *, premise: str, variation: int, calls: list[_Call]):
    """Try each provider; a provider's invalid answer gets one repair attempt."""
    last_error: Exception | None = None
    for provider in chain:
        prompt = prompts.story_prompt(premise=premise, variation=variation)
        for attempt in range(2):
            call = _call(provider)
            try:
                answer = provider.story(system=prompts.STORY_SYSTEM, prompt=prompt, schema=STORY_SCHEMA)
            except ProviderError as error:
                calls.append(_call_end(call, error=error))
                last_error = error
                break  # the next provider
            call.tokens_in, call.tokens_out = answer.tokens_in, answer.tokens_out
            try:
                story = story_parse(answer.text)
            except InvalidStory as error:
                calls.append(_call_end(call, error=error))
                if attempt == 0:
                    prompt = prompts.story_repair_prompt(
                        premise=premise, variation=variation, problem=str(error), previous=answer.text
                    )
                    continue
                last_error = error  # still invalid after the repair: that provider failed, the next one tries
                break
            calls.append(_call_end(call))
            return story, provider
    raise last_error or ProviderError("aigen", "no provider available")


# --- Image and video (queued) ---------------------------------------------------------


def image_job_queue(
    *, organization: Organization, user: User, prompt: str, quality: str, target: GenerationTarget | None = None
) -> tuple[GenerationJob, int]:
    from .tasks import image_generate

    entry_key = f"image:{quality}"
    first = chain_first(entry_key)
    job, remaining = generation_job_create(
        organization=organization,
        user=user,
        kind=GenerationJob.Kind.IMAGE,
        quality=quality,
        credits=int(model_entry(entry_key)["credits"]),
        job_input={"prompt": prompt},
        template_version=prompts.IMAGE_TEMPLATE_VERSION,
        provider=first.name,
        model=first.config.model,
        project_ref=target.project_id if target else "",
        beat_ref=(target.beat_id or "") if target else "",
    )
    generation_job_enqueue(job, image_generate)
    return job, remaining


def video_beats(image_files: list[str], captions: list[str]) -> int:
    """A video's beats (its cost is per beat): one per image or caption, at least one."""
    return max(1, len(image_files), len(captions))


def video_job_queue(
    *,
    organization: Organization,
    user: User,
    quality: str,
    prompt: str,
    image_files: list[str],
    captions: list[str],
    target: GenerationTarget | None = None,
) -> tuple[GenerationJob, int]:
    """Video costs the entry's credits per beat (per image, at least one)."""
    from .tasks import video_generate

    entry_key = f"video:{quality}"
    first = chain_first(entry_key)
    job, remaining = generation_job_create(
        organization=organization,
        user=user,
        kind=GenerationJob.Kind.VIDEO,
        quality=quality,
        credits=generation_cost(kind="video", quality=quality, beats=video_beats(image_files, captions)),
        job_input={"prompt": prompt, "image_files": image_files, "captions": captions},
        template_version=prompts.VIDEO_TEMPLATE_VERSION,
        provider=first.name,
        model=first.config.model,
        project_ref=target.project_id if target else "",
        beat_ref=(target.beat_id or "") if target else "",
    )
    generation_job_enqueue(job, video_generate)
    return job, remaining


def generation_job_enqueue(job: GenerationJob, task) -> None:
    """Queue the job's task once its charge has committed. When the broker refuses (down,
    unreachable, a worker module that fails to import), the job is failed and refunded at
    once and the request answers 503: no credits stay held until the sweeper."""

    def send() -> None:
        try:
            task.delay(str(job.pk))
        except Exception as error:  # noqa: BLE001 - whatever the broker raised, the charge goes back
            logger.error("ai.job.enqueue_failed", extra={"job_id": str(job.pk), "error": str(error)[:300]})
            generation_job_fail(job_id=job.pk, error=_("The job could not be queued; credits refunded."))
            raise QueueUnavailable(
                _("The generation could not be started right now. You were not charged; please try again."),
                job_id=str(job.pk),
                creditsUsed=0,
                refunded=True,
            ) from error

    transaction.on_commit(send)


def generation_job_execute(*, job_id: uuid.UUID) -> GenerationJob | None:
    """Run an image or video job (a Celery task calls this). Raises ProviderError when every
    provider failed: the task decides between another attempt and generation_job_fail."""
    job = generation_job_start(job_id=job_id)
    if job is None:
        return None
    chain = provider_chain(f"{job.kind}:{job.quality}")
    calls: list[_Call] = _skipped_calls(chain)
    last_error: ProviderError | None = None

    def usage() -> list[AIUsageLog]:
        return _usage_rows(job=job, endpoint=f"generate-{job.kind}", calls=calls, credits=job.credits_used)

    try:
        for provider in chain:
            call = _call(provider)
            try:
                if job.kind == GenerationJob.Kind.IMAGE:
                    output = provider.image(prompt=prompts.image_prompt(prompt=job.input["prompt"]))
                else:
                    output = provider.video(
                        request=_video_request(job),
                        progress=_progress_reporter(job.pk),
                        operation=job.operation if job.provider == provider.name else "",
                        save_operation=lambda name, p=provider: GenerationJob.objects.filter(pk=job.pk).update(
                            operation=name, provider=p.name
                        ),
                    )
            except ProviderError as error:
                calls.append(_call_end(call, error=error))
                last_error = error
                continue
            call.images, call.video_seconds = output_usage(output)
            calls.append(_call_end(call))
            path = output_save(job=job, data=output.data, extension=output.extension)
            # One commit for the job's outcome and its usage rows: a worker dying after it
            # leaves no provider call unlogged.
            generation_job_succeed(
                job=job,
                result={"file": path, "url": default_storage.url(path), "bytes": len(output.data)},
                output_file=path,
                provider=provider,
                usage=usage(),
            )
            calls.clear()  # logged
            return job
        raise last_error or ProviderError("aigen", "no provider available")
    finally:
        _usage_insert(usage())  # the failed calls of an attempt that did not succeed (none otherwise)


def _video_request(job: GenerationJob) -> VideoRequest:
    images = []
    for name in job.input.get("image_files", []):
        with default_storage.open(name, "rb") as handle:
            images.append(handle.read())
    prompt = job.input.get("prompt") or " ".join(job.input.get("captions", []))[:2000]
    return VideoRequest(
        prompt=prompts.video_prompt(prompt=prompt), images=images, captions=job.input.get("captions", [])
    )


def _progress_reporter(job_id):
    state = {"last": -10}

    def report(percent: int) -> None:
        if percent - state["last"] >= 5:  # one UPDATE per 5 %, not per frame
            state["last"] = percent
            generation_job_progress(job_id=job_id, progress=percent)

    return report
