"""Image and video jobs: queued by the request, run by a worker (generation_job_execute)."""

import uuid

from django.core.files.storage import default_storage

from accounts.models import Organization, User

from .. import prompts
from ..admission import generation_cost
from ..hooks import GenerationTarget
from ..models import AIUsageLog, GenerationJob
from ..providers.base import ProviderError, VideoRequest, output_usage
from ..registry import ChainStart, chain_first, model_entry, provider_chain
from .jobs import (
    JobCanceledError,
    database_release,
    generation_job_create,
    generation_job_enqueue,
    generation_job_progress,
    generation_job_start,
    generation_job_succeed,
    output_save,
)
from .usage import ProviderCall, call_end, call_start, calls_skipped, usage_insert, usage_rows


def image_job_queue(
    *, organization: Organization, user: User, prompt: str, quality: str, target: GenerationTarget | None = None
) -> tuple[GenerationJob, int]:
    from ..tasks import image_generate

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
        model=first.model,
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
    from ..tasks import video_generate

    first = chain_first(f"video:{quality}")
    job, remaining = video_job_create(
        organization=organization,
        user=user,
        quality=quality,
        prompt=prompt,
        image_files=image_files,
        captions=captions,
        target=target,
        provider=first,
        credits=generation_cost(kind="video", quality=quality, beats=video_beats(image_files, captions)),
    )
    # The local animatic is ffmpeg's CPU work: the `encode` queue, on a pool sized to the cores.
    # Anything else (Veo) waits on a provider: the `video` queue's I/O pool.
    queue = "encode" if first.name == "local" else "video"
    generation_job_enqueue(job, video_generate, queue=queue)
    return job, remaining


def video_job_create(
    *,
    organization: Organization,
    user: User,
    quality: str,
    prompt: str,
    image_files: list[str],
    captions: list[str],
    target: GenerationTarget | None,
    provider: ChainStart,
    credits: int,
) -> tuple[GenerationJob, int]:
    """A video job's row and its charge of `credits`: the whole video (video_job_queue) or its
    first clip (aigen.clips, which charges the other clips itself)."""
    return generation_job_create(
        organization=organization,
        user=user,
        kind=GenerationJob.Kind.VIDEO,
        quality=quality,
        credits=credits,
        job_input={"prompt": prompt, "image_files": image_files, "captions": captions},
        template_version=prompts.VIDEO_TEMPLATE_VERSION,
        provider=provider.name,
        model=provider.model,
        project_ref=target.project_id if target else "",
        beat_ref=(target.beat_id or "") if target else "",
    )


def generation_job_execute(*, job_id: uuid.UUID) -> GenerationJob | None:
    """Run an image or video job (a Celery task calls this). Raises ProviderError when every
    provider failed: the task decides between another attempt and generation_job_fail."""
    job = generation_job_start(job_id=job_id)
    if job is None:
        return None
    chain = provider_chain(f"{job.kind}:{job.quality}")
    calls: list[ProviderCall] = calls_skipped(chain)
    last_error: ProviderError | None = None

    def usage() -> list[AIUsageLog]:
        return usage_rows(job=job, endpoint=f"generate-{job.kind}", calls=calls, credits=job.credits_used)

    database_release()
    try:
        for provider in chain:
            call = call_start(provider)
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
                calls.append(call_end(call, error=error))
                last_error = error
                continue
            call.images, call.video_seconds = output_usage(output)
            calls.append(call_end(call))
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
        usage_insert(usage())  # the failed calls of an attempt that did not succeed (none otherwise)


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
            if generation_job_progress(job_id=job_id, progress=percent):
                raise JobCanceledError()

    return report
