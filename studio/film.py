"""The project's film: the chosen videos of its beats, in the beats' order, joined into one MP4
by the ffmpeg binary that imageio-ffmpeg ships (re-encoded to the first clip's size, so clips of
different providers join cleanly). A worker builds it (tasks.project_film_build)."""

import subprocess  # noqa: S404 - the ffmpeg binary shipped by imageio-ffmpeg, fixed arguments
import tempfile
import uuid
from pathlib import Path

import imageio_ffmpeg
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils.translation import gettext as _

from core.errors import ValidationFailed

from . import selectors, services
from .models import Asset, Project


class FilmFailed(Exception):
    pass


def film_clips_require(*, project: Project) -> list[Asset]:
    """The clips a film is joined from; at least one, or a 400 that says what to do first."""
    clips = selectors.film_clips_for_project(project=project)
    if not clips:
        raise ValidationFailed(_("Generate at least one beat video first: the film joins them."))
    return clips


def project_film_build(*, project: Project) -> Asset | None:
    """Join the chosen beat videos into one MP4, stored as the project's film asset; None when
    the project has no beat video."""
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
        clips_join(paths, output)
        name = default_storage.save(
            f"films/{project.organization_id}/{project.id}/{uuid.uuid4().hex}.mp4", ContentFile(output.read_bytes())
        )
    return services.asset_create(project=project, beat=None, kind=Asset.Kind.FILM, file_name=name, prompt="")


def _size(path: Path) -> tuple[int, int]:
    frames = imageio_ffmpeg.read_frames(str(path))
    try:
        meta = next(frames)
    finally:
        frames.close()
    width, height = meta["size"]
    return width - width % 2, height - height % 2


def clips_join(paths: list[Path], output: Path) -> None:
    """ffmpeg: scale and pad every clip to the first one's size, 24 fps, then concatenate (video only)."""
    width, height = _size(paths[0])
    inputs = [argument for path in paths for argument in ("-i", str(path))]
    fit = f"scale={width}:{height}:force_original_aspect_ratio=decrease,pad={width}:{height}:(ow-iw)/2:(oh-ih)/2"
    filters = [f"[{i}:v]{fit},setsar=1,fps=24,format=yuv420p[v{i}]" for i in range(len(paths))]
    joined = "".join(f"[v{i}]" for i in range(len(paths)))
    filters.append(f"{joined}concat=n={len(paths)}:v=1:a=0[film]")
    command = [
        imageio_ffmpeg.get_ffmpeg_exe(),
        "-hide_banner",
        "-loglevel",
        "error",
        "-nostdin",
        *inputs,
        "-filter_complex",
        ";".join(filters),
        "-map",
        "[film]",
        "-c:v",
        "libx264",
        "-preset",
        "veryfast",
        "-pix_fmt",
        "yuv420p",
        "-movflags",
        "+faststart",
        "-y",
        str(output),
    ]
    try:
        subprocess.run(command, check=True, capture_output=True, timeout=settings.STUDIO_FILM_TIMEOUT_SECONDS)  # noqa: S603
    except (subprocess.CalledProcessError, subprocess.TimeoutExpired) as error:
        raise FilmFailed(str(error)[-300:]) from error
