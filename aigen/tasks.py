"""Celery tasks: image jobs on `images`, video jobs on `video`, the stuck-job sweeper on beat.

Tasks take ids and own the retry policy: AI_TASK_MAX_ATTEMPTS attempts (3), waiting
AI_TASK_BACKOFF_SECONDS (5 s) then twice as long each time; after the last attempt the job
fails and is refunded. A task redelivered after its worker died (acks_late) finds its job
running and continues it: the charge was made once, in the request.
"""

import logging
import uuid

from celery import shared_task
from django.conf import settings

from . import clips, services
from .models import GenerationJob
from .providers.base import ProviderError
from .scratch import job_scratch_orphans_purge

logger = logging.getLogger(__name__)


def _run(task, job_id: str) -> None:
    per_clip = GenerationJob.objects.filter(pk=job_id).exclude(clips=[]).exists()
    execute = clips.video_clips_execute if per_clip else services.generation_job_execute
    try:
        execute(job_id=uuid.UUID(job_id))
    except Exception as error:  # noqa: BLE001 - every failure is either retried or ends the job
        retryable = error.retryable if isinstance(error, ProviderError) else True
        attempts_left = task.request.retries + 1 < settings.AI_TASK_MAX_ATTEMPTS
        if retryable and attempts_left:
            countdown = settings.AI_TASK_BACKOFF_SECONDS * (2**task.request.retries)
            logger.warning("job %s attempt %d failed (%s); retrying", job_id, task.request.retries + 1, error)
            raise task.retry(countdown=countdown, max_retries=settings.AI_TASK_MAX_ATTEMPTS - 1) from error
        logger.warning("job %s failed for good: %s", job_id, error)
        services.generation_job_fail(job_id=uuid.UUID(job_id), error=str(error))


@shared_task(bind=True, name="aigen.tasks.image_generate", acks_late=True, reject_on_worker_lost=True)
def image_generate(self, job_id: str) -> None:
    _run(self, job_id)


@shared_task(bind=True, name="aigen.tasks.video_generate", acks_late=True, reject_on_worker_lost=True)
def video_generate(self, job_id: str) -> None:
    _run(self, job_id)


@shared_task(name="aigen.tasks.jobs_sweep_stuck")
def jobs_sweep_stuck() -> int:
    return services.generation_jobs_sweep_stuck()


@shared_task(name="aigen.tasks.job_scratch_purge")
def job_scratch_purge() -> int:
    """Scratch folders a killed worker left behind, older than AI_JOB_SCRATCH_MAX_AGE_HOURS."""
    return job_scratch_orphans_purge()
