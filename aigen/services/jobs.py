"""Generation jobs: charge and create, start, progress, succeed, fail (with a refund), cancel, sweep.

Order of every generation (DESIGN section 1): trial slot -> credit charge bound to a
GenerationJob row (one transaction) -> provider -> output to storage -> job succeeded, or
failed + refund + trial slot back -> usage log. The API does authentication, validation,
Idempotency-Key and the rate limit before it calls in here.

Exactly once: a job leaves queued/running only under its row lock (generation_job_fail) or
through one conditional UPDATE (generation_job_succeed); whichever comes second finds it
finished and does nothing. The refund itself is also unique per charge (credits).
"""

import logging
import uuid
from contextlib import nullcontext
from datetime import timedelta

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
from credits.selectors import trial_exempt
from credits.services.charge import credits_charge, credits_refund
from credits.services.trial import trial_slot_release, trial_slot_take
from observability import metrics

from .. import events
from ..errors import JobFinished, QueueUnavailable
from ..hooks import generation_succeeded
from ..models import AIUsageLog, GenerationJob
from ..providers.base import Provider
from ..registry import entry_is_placeholder, job_deadline_seconds
from .usage import usage_insert

logger = logging.getLogger(__name__)
OPEN = (GenerationJob.Status.QUEUED, GenerationJob.Status.RUNNING)


class JobCanceledError(Exception):
    """The job was canceled while a worker ran it: the worker stops; the cancel already failed
    and refunded the job."""


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
        deadline_at=now + timedelta(seconds=job_deadline_seconds(kind, quality)),
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
    """Fail an open job: refund its charge and give back its trial slot, exactly once; then
    tell its live log (waiting requests and SSE streams end on it).

    False (and nothing written) when the job had already finished. Safe to call from several
    processes at the same time: the job's row lock decides.
    """
    if not _job_fail_locked(job_id=job_id, error=error):
        return False
    events.events_append(job_id, [("failed", {"error": error[:500], "refunded": True})])
    return True


def _job_fail_locked(*, job_id: uuid.UUID, error: str) -> bool:
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
    announce: bool = True,
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
                usage_insert(usage)
        if updated:
            job.status, job.progress, job.result = status, 100, result
            job.output_file, job.finished_at = output_file, now
            job.provider, job.model, job.placeholder = provider.name, provider.config.model, values["placeholder"]
            metrics.generation_finished(kind=job.kind, provider=provider.name, status=status, since=job.created_at)
            generation_succeeded.send(sender=GenerationJob, job=job)
    if updated and announce:
        # Its live log ends: the studio's progress and any SSE client see it at once. (A story
        # announces its own `done`, with the story, after its last text.)
        events.events_append(job.pk, [("done", {"result": result, "status": status})])
    return bool(updated)


def generation_job_start(*, job_id: uuid.UUID) -> GenerationJob | None:
    """A worker takes an open job (also one redelivered after a worker died); None if finished."""
    now = timezone.now()
    updated = GenerationJob.objects.filter(pk=job_id, status__in=OPEN).update(
        status=GenerationJob.Status.RUNNING, attempts=F("attempts") + 1, started_at=now, updated_at=now
    )
    return GenerationJob.objects.get(pk=job_id) if updated else None


def generation_job_progress(*, job_id: uuid.UUID, progress: int) -> bool:
    """Record a running job's progress (and show it live); True when the job was canceled."""
    progress = max(0, min(99, progress))
    GenerationJob.objects.filter(pk=job_id, status=GenerationJob.Status.RUNNING).update(progress=progress)
    database_release()  # the provider goes on: no connection held meanwhile
    return events.events_append(job_id, [("progress", {"progress": progress})])


def database_release() -> None:
    """Give this thread's database connections back (to the pool, or closed) before it waits
    on a provider: an I/O worker's 100 threads must not hold 100 connections while they wait
    (with a pool of 10 they timed out; without one they ran PostgreSQL out of connections)."""
    for each in connections.all(initialized_only=True):
        if not each.in_atomic_block:
            each.close()


def generation_job_cancel(*, job: GenerationJob) -> None:
    """Stop an open job at its owner's request: failed, refunded once, its worker told to stop
    (it reads the signal with its next write and closes the provider's stream). JobFinished
    (409) when it had already ended. A client that merely disconnects cancels nothing."""
    events.job_cancel_signal(job.pk)
    if not generation_job_fail(job_id=job.pk, error=_("Canceled; your credits were refunded.")):
        raise JobFinished()


def generation_jobs_sweep_stuck() -> int:
    """Fail and refund every job still open past its deadline (registry.job_deadline_seconds:
    longer than its providers may take); returns how many this call failed."""
    stuck = GenerationJob.objects.filter(status__in=OPEN, deadline_at__lt=timezone.now()).values_list("pk", flat=True)
    error = _("The generation took too long and was stopped; credits refunded.")
    return sum(generation_job_fail(job_id=job_id, error=error) for job_id in list(stuck[:500]))


# --- A job's success in one statement (PostgreSQL) ---------------------------------------
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


def output_save(*, job: GenerationJob, data: bytes, extension: str, fresh: bool = False) -> str:
    """Save a job's output as ai/<org>/<kind>/<job>.<ext>. `fresh`: the job has never run before
    (a synchronous story), so there is nothing to replace and no existence check to pay for."""
    name = f"ai/{job.organization_id}/{job.kind}/{job.id}.{extension}"
    if not fresh and default_storage.exists(name):  # a redelivered task writes the same job again
        default_storage.delete(name)
    return default_storage.save(name, ContentFile(data))


def generation_job_enqueue(job: GenerationJob, task, *args, queue: str | None = None, at_once: bool = False) -> None:
    """Queue the job's task once its charge has committed (`at_once`: now, for a caller outside
    any transaction). When the broker refuses (down, unreachable, a worker module that fails to
    import), the job is failed and refunded at once and the request answers 503: no credits
    stay held until the sweeper."""

    def send() -> None:
        try:
            # The message's header says which job it is; Celery would otherwise repr every
            # argument for it (a story's whole spec with its premise) on each request.
            task.apply_async((str(job.pk), *args), queue=queue, argsrepr=f"('{job.pk}', ...)", kwargsrepr="{}")
        except Exception as error:  # noqa: BLE001 - whatever the broker raised, the charge goes back
            logger.error("ai.job.enqueue_failed", extra={"job_id": str(job.pk), "error": str(error)[:300]})
            generation_job_fail(job_id=job.pk, error=_("The job could not be queued; credits refunded."))
            raise QueueUnavailable(
                _("The generation could not be started right now. You were not charged; please try again."),
                job_id=str(job.pk),
                creditsUsed=0,
                refunded=True,
            ) from error

    if at_once:
        send()
    else:
        transaction.on_commit(send)
