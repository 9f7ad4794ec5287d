"""Premium video, one Veo clip per beat: one operation, one charge and one refund per clip.

Queue: the trial slot, one charge per clip (the first carries the job row, as every job's
charge does) and the job's `clips` list commit together; not enough credits for every clip
changes nothing (402). Run: for each clip not yet finished, submit its beat (image and text)
as its own Veo operation, store the operation id on the clip before its first poll (a
redelivered task resumes it instead of submitting again), and keep the video. A clip that
fails is refunded on its own at once. The job ends `succeeded` (every clip), `partial` (some:
the delivered clips are kept, the result lists them, and its file joins them in beat order)
or `failed` (none: nothing is charged).
"""

import logging
import subprocess  # noqa: S404 - the ffmpeg binary shipped by imageio-ffmpeg, fixed arguments
import tempfile
import uuid
from pathlib import Path

from django.core.files.storage import default_storage
from django.db import transaction
from django.utils.translation import gettext as _

from accounts.models import Organization, User
from credits.models import CreditTransaction
from credits.services.charge import credits_charge, credits_refund

from . import prompts
from .breaker import OPEN, breaker_state
from .hooks import GenerationTarget
from .models import GenerationJob
from .providers.base import ProviderError, VideoRequest, output_usage
from .providers.local import ffmpeg_binary
from .registry import chain_first, model_entry, provider_chain
from .services.jobs import (
    generation_job_enqueue,
    generation_job_fail,
    generation_job_progress,
    generation_job_start,
    generation_job_succeed,
    output_save,
)
from .services.media import video_beats, video_job_create, video_job_queue
from .services.usage import call_end, call_skipped, call_start, usage_insert, usage_rows

logger = logging.getLogger(__name__)
PER_CLIP_PROVIDERS = {"veo"}


def video_job_queue_per_beat(
    *,
    organization: Organization,
    user: User,
    quality: str,
    prompt: str,
    image_files: list[str],
    captions: list[str],
    target: GenerationTarget | None = None,
) -> tuple[GenerationJob, int]:
    """Queue a video: a premium one on a per-clip provider (Veo) as one clip per beat, anything
    else (the animatic) as one video of every beat (video_job_queue)."""
    entry_key = f"video:{quality}"
    first = chain_first(entry_key)
    if first.name not in PER_CLIP_PROVIDERS:
        return video_job_queue(
            organization=organization,
            user=user,
            quality=quality,
            prompt=prompt,
            image_files=image_files,
            captions=captions,
            target=target,
        )
    price = int(model_entry(entry_key)["credits"])
    beats = video_beats(image_files, captions)
    with transaction.atomic():
        job, remaining = video_job_create(
            organization=organization,
            user=user,
            quality=quality,
            prompt=prompt,
            image_files=image_files,
            captions=captions,
            target=target,
            provider=first,
            credits=price,
        )
        clips = [_clip(0, job.charge_id, price)]
        for index in range(1, beats):
            charge = credits_charge(
                organization=organization,
                amount=price,
                feature=f"video_{quality}",
                user=user,
                reference=(GenerationJob._meta.label_lower, str(job.pk)),
                description=f"AI video clip {index + 1} of {beats} ({quality})",
            )
            clips.append(_clip(index, charge.pk, price))
            remaining = charge.total_after
        GenerationJob.objects.filter(pk=job.pk).update(credits_used=price * beats, clips=clips)
        job.credits_used, job.clips = price * beats, clips
    from .tasks import video_generate

    generation_job_enqueue(job, video_generate)
    return job, remaining


def _clip(index: int, charge_id, price: int) -> dict:
    return {"index": index, "charge_id": str(charge_id), "credits": price, "status": "pending", "operation": ""}


def video_clips_execute(*, job_id: uuid.UUID) -> GenerationJob | None:
    """Make every clip of a per-beat video job that is not made yet (a Celery task calls this)."""
    job = generation_job_start(job_id=job_id)
    if job is None:
        return None
    chain = [p for p in provider_chain(f"{job.kind}:{job.quality}") if p.name == job.provider]
    if not chain:  # its breaker is open: every clip still pending fails and is refunded
        raise ProviderError(job.provider, "unavailable (circuit open)", retryable=True)
    provider = chain[0]
    calls: list = []
    files, captions = job.input.get("image_files", []), job.input.get("captions", [])
    for clip in job.clips:
        if clip["status"] != "pending":
            continue  # made or refunded by an earlier attempt
        index = clip["index"]
        if calls and breaker_state(provider=provider.name, model=provider.config.model) == OPEN:
            # Veo is failing for everyone: the clips left are refunded now, not waited on.
            calls.append(call_skipped(provider.name, provider.config.model))
            _clip_fail(job, clip, error=f"{provider.name}: unavailable (circuit open)")
            continue
        call = call_start(provider)
        try:
            output = provider.video(
                request=_clip_request(job, files[index] if index < len(files) else None, captions, index),
                progress=lambda percent, i=index: generation_job_progress(
                    job_id=job.pk, progress=int((i + percent / 100) * 100 / len(job.clips))
                ),
                operation=clip["operation"],
                save_operation=lambda name, c=clip: _clip_save(job, c, operation=name),
            )
        except ProviderError as error:
            calls.append(call_end(call, error=error))
            _clip_fail(job, clip, error=str(error))
            continue
        call.images, call.video_seconds = output_usage(output)
        calls.append(call_end(call))
        path = output_save(job=job, data=output.data, extension=f"{index}.{output.extension}")
        _clip_save(job, clip, status="succeeded", file=path)
    usage = usage_rows(job=job, endpoint="generate-video", calls=calls, credits=0)
    return _clips_finish(job, provider, usage)


def _clip_request(job: GenerationJob, image_file: str | None, captions: list[str], index: int) -> VideoRequest:
    images = []
    if image_file:
        with default_storage.open(image_file, "rb") as handle:
            images.append(handle.read())
    caption = captions[index] if index < len(captions) else ""
    prompt = caption or job.input.get("prompt") or ""
    return VideoRequest(prompt=prompts.video_prompt(prompt=prompt[:2000]), images=images, captions=[caption])


def _clip_save(job: GenerationJob, clip: dict, **changes) -> None:
    """Store one clip's state at once (its operation id before the first poll): the worker is the
    job's only writer while it runs."""
    clip.update(changes)
    GenerationJob.objects.filter(pk=job.pk).update(clips=job.clips)


def _clip_fail(job: GenerationJob, clip: dict, *, error: str) -> None:
    """Refund this clip's own charge (exactly once: the ledger's refund is unique per charge)."""
    with transaction.atomic():
        credits_refund(
            charge=CreditTransaction.objects.get(pk=clip["charge_id"]),
            user=job.user,
            description=_("Refund: a video clip failed"),
        )
        _clip_save(job, clip, status="refunded", error=error[:300])


def _clips_finish(job: GenerationJob, provider, usage) -> GenerationJob:
    made = [clip for clip in job.clips if clip["status"] == "succeeded"]
    if not made:
        generation_job_fail(job_id=job.pk, error=_("No clip of the video could be made. You were not charged."))
        usage_insert(usage)
        job.refresh_from_db()
        return job
    joined = _clips_join(job, [clip["file"] for clip in made])
    result = {
        "clips": [
            {"beat": clip["index"], "file": clip["file"], "url": default_storage.url(clip["file"])} for clip in made
        ],
        "file": joined,
        "url": default_storage.url(joined),
        "failed_beats": [clip["index"] for clip in job.clips if clip["status"] != "succeeded"],
    }
    status = GenerationJob.Status.SUCCEEDED if len(made) == len(job.clips) else GenerationJob.Status.PARTIAL
    generation_job_succeed(job=job, result=result, output_file=joined, provider=provider, usage=usage, status=status)
    return job


def _clips_join(job: GenerationJob, files: list[str]) -> str:
    """The delivered clips as one MP4, in beat order (ffmpeg's concat demuxer, no re-encoding:
    Veo's clips share one codec). One clip, or clips ffmpeg cannot join, leave the first clip
    as the job's file; the result lists every clip either way."""
    if len(files) == 1:
        return files[0]
    with tempfile.TemporaryDirectory(prefix="modo-clips-") as folder:
        listing = Path(folder) / "clips.txt"
        lines = []
        for n, name in enumerate(files):
            path = Path(folder) / f"clip{n}.mp4"
            with default_storage.open(name, "rb") as handle:
                path.write_bytes(handle.read())
            lines.append(f"file '{path}'")
        listing.write_text("\n".join(lines))
        output = Path(folder) / "joined.mp4"
        command = [ffmpeg_binary(), "-hide_banner", "-loglevel", "error", "-nostdin", "-f", "concat", "-safe", "0"]
        command += ["-i", str(listing), "-c", "copy", "-movflags", "+faststart", "-y", str(output)]
        try:
            subprocess.run(command, capture_output=True, timeout=300, check=True)  # noqa: S603
        except (subprocess.SubprocessError, OSError) as error:
            logger.warning("ai.clips.join_failed", extra={"job_id": str(job.pk), "error": str(error)[:300]})
            return files[0]
        return output_save(job=job, data=output.read_bytes(), extension="mp4")
