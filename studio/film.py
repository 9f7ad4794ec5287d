"""The project's film: the chosen videos of its beats, in the beats' order, joined into one MP4
by the ffmpeg binary that imageio-ffmpeg ships (re-encoded to the first clip's size, so clips of
different providers join cleanly; their sound kept). A worker builds it (tasks.project_film_build)."""

import logging
import tempfile
import uuid
from pathlib import Path

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import ValidationFailed
from core.ffmpeg import FfmpegFailed, ffmpeg_run, frame_command, h264_command, media_probe

from . import selectors, services
from .models import Asset, Project

logger = logging.getLogger(__name__)

AUDIO_RATE = 48000
_AUDIO_FORMAT = "sample_fmts=fltp:channel_layouts=stereo"
_SILENCE = f"anullsrc=channel_layout=stereo:sample_rate={AUDIO_RATE}"


class FilmFailed(Exception):
    pass


def film_clips_require(*, project: Project) -> list[Asset]:
    """The clips a film is joined from; at least one, or a 400 that says what to do first."""
    clips = selectors.film_clips_for_project(project=project)
    if not clips:
        raise ValidationFailed(_("Generate at least one beat video first: the film joins them."))
    return clips


def film_build_begin(*, project: Project) -> None:
    """Before a join is queued: there are clips to join, and the last failure is no longer news."""
    film_clips_require(project=project)
    Project.objects.filter(pk=project.pk).update(film_failed_at=None)


def project_film_failed(*, project: Project) -> None:
    """The join failed: the project page says so (nothing was charged: joining is free)."""
    Project.objects.filter(pk=project.pk).update(film_failed_at=timezone.now())


def project_film_build(*, project: Project) -> Asset | None:
    """Join the chosen beat videos into one MP4, stored as the project's film asset; None when
    the project has no beat video. FilmFailed when ffmpeg cannot join them."""
    clips = selectors.film_clips_for_project(project=project)
    if not clips:
        return None
    with tempfile.TemporaryDirectory(prefix="modo-film-") as folder:
        paths = []
        for index, clip in enumerate(clips):
            path = Path(folder) / f"clip{index}.mp4"
            with default_storage.open(clip.file.name, "rb") as source:
                path.write_bytes(source.read())
            paths.append(path)
        output = Path(folder) / "film.mp4"
        seconds = clips_join(paths, output)
        stem = f"films/{project.organization_id}/{project.id}/{uuid.uuid4().hex}"
        name = default_storage.save(f"{stem}.mp4", ContentFile(output.read_bytes()))
        poster = _poster_frame(output, seconds=seconds)
        poster_name = default_storage.save(f"{stem}.jpg", ContentFile(poster)) if poster else ""
    Project.objects.filter(pk=project.pk).update(film_failed_at=None)
    return services.asset_create(
        project=project, beat=None, kind=Asset.Kind.FILM, file_name=name, prompt="", poster_name=poster_name
    )


def _poster_frame(film: Path, *, seconds: float) -> bytes | None:
    """A frame a second in (or halfway through a shorter film), for link previews; None when
    ffmpeg cannot take one (the film is kept, its shared link previews without an image)."""
    poster = film.with_suffix(".jpg")
    try:
        ffmpeg_run(frame_command(video=film, output=poster, at_seconds=min(1.0, seconds / 2)), timeout=60)
        return poster.read_bytes()
    except (FfmpegFailed, OSError) as error:
        logger.warning("studio.film.poster_failed", extra={"error": str(error)[:300]})
        return None


def clips_join(paths: list[Path], output: Path) -> float:
    """ffmpeg: scale and pad every clip to the first one's size, 24 fps, then concatenate.

    Sound is kept: when any clip has an audio track, every clip gets one (its own, else silence
    as long as the clip) so that the concatenation lines up; with no sound at all, video only."""
    try:
        clips = [media_probe(path) for path in paths]
        width, height = clips[0].width - clips[0].width % 2, clips[0].height - clips[0].height % 2
        fit = f"scale={width}:{height}:force_original_aspect_ratio=decrease,pad={width}:{height}:(ow-iw)/2:(oh-ih)/2"
        filters = [f"[{i}:v]{fit},setsar=1,fps=24,format=yuv420p[v{i}]" for i in range(len(paths))]
        sound = any(clip.has_audio for clip in clips)
        if sound:
            for i, clip in enumerate(clips):
                source = f"[{i}:a]aresample={AUDIO_RATE},apad" if clip.has_audio else _SILENCE
                filters.append(f"{source},aformat={_AUDIO_FORMAT},atrim=duration={clip.seconds:.3f}[a{i}]")
        segments = "".join(f"[v{i}][a{i}]" if sound else f"[v{i}]" for i in range(len(paths)))
        filters.append(f"{segments}concat=n={len(paths)}:v=1:a={int(sound)}[film]{'[sound]' if sound else ''}")
        command = h264_command(
            inputs=paths,
            filters=filters,
            maps=["[film]", "[sound]"] if sound else ["[film]"],
            output=output,
            options=("-c:a", "aac", "-b:a", "128k") if sound else (),
        )
        ffmpeg_run(command, timeout=settings.STUDIO_FILM_TIMEOUT_SECONDS)
    except FfmpegFailed as error:
        raise FilmFailed(str(error)) from error
    return sum(clip.seconds for clip in clips)
