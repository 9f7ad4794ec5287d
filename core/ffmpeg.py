"""The ffmpeg binary that imageio-ffmpeg ships, as the studio's film and aigen's local animatic
run it: one H.264 MP4 command line, and what ffmpeg says of an input (no ffprobe is shipped).

Here, below both apps, so neither imports the other for it."""

import re
import subprocess  # noqa: S404 - the ffmpeg binary shipped by imageio-ffmpeg, fixed arguments
from dataclasses import dataclass
from pathlib import Path

# Quiet but for errors, never reading the worker's stdin.
_QUIET = ("-hide_banner", "-loglevel", "error", "-nostdin")


class FfmpegFailed(Exception):
    pass


def ffmpeg_binary() -> str:
    import imageio_ffmpeg

    return imageio_ffmpeg.get_ffmpeg_exe()


def h264_command(
    *, inputs: list[Path | str], filters: list[str], maps: list[str], output: Path | str, options: tuple = ()
) -> list[str]:
    """ffmpeg reading `inputs` through one filter graph into an H.264 MP4 that browsers play
    (yuv420p) from its first byte (faststart); `options` go before the output (audio codec,
    progress report...)."""
    return [
        ffmpeg_binary(),
        *_QUIET,
        *[argument for path in inputs for argument in ("-i", str(path))],
        "-filter_complex",
        ";".join(filters),
        *[argument for label in maps for argument in ("-map", label)],
        "-c:v",
        "libx264",
        "-preset",
        "veryfast",
        "-pix_fmt",
        "yuv420p",
        *options,
        "-movflags",
        "+faststart",
        "-y",
        str(output),
    ]


@dataclass(frozen=True)
class MediaInfo:
    seconds: float
    width: int
    height: int
    has_audio: bool


_DURATION = re.compile(r"Duration: (\d+):(\d\d):(\d\d(?:\.\d+)?)")
_VIDEO = re.compile(r"Stream #\d+:\d+.*?: Video: .*?, (\d{2,5})x(\d{2,5})")
_AUDIO = re.compile(r"Stream #\d+:\d+.*?: Audio: ")


def media_probe(path: Path | str, *, timeout: float = 30) -> MediaInfo:
    """Length, picture size and whether there is sound, from ffmpeg's description of the input;
    FfmpegFailed when it is not a video ffmpeg can read."""
    try:
        described = subprocess.run(  # noqa: S603
            [ffmpeg_binary(), "-hide_banner", "-nostdin", "-i", str(path)],
            capture_output=True,
            text=True,
            errors="replace",
            timeout=timeout,
        ).stderr  # ffmpeg exits 1 here (no output named); the description is on stderr
    except (subprocess.SubprocessError, OSError) as error:
        raise FfmpegFailed(str(error)[-300:]) from error
    duration, video = _DURATION.search(described), _VIDEO.search(described)
    if duration is None or video is None:
        raise FfmpegFailed(f"not a readable video: {described.strip()[-300:]}")
    hours, minutes, seconds = duration.groups()
    return MediaInfo(
        seconds=int(hours) * 3600 + int(minutes) * 60 + float(seconds),
        width=int(video.group(1)),
        height=int(video.group(2)),
        has_audio=_AUDIO.search(described) is not None,
    )


def ffmpeg_run(command: list[str], *, timeout: float) -> None:
    """Run a command line of h264_command; FfmpegFailed (with ffmpeg's last words) when it fails."""
    try:
        subprocess.run(command, check=True, capture_output=True, timeout=timeout)  # noqa: S603
    except subprocess.CalledProcessError as error:
        raise FfmpegFailed((error.stderr or b"").decode(errors="replace")[-300:] or str(error)) from error
    except (subprocess.TimeoutExpired, OSError) as error:
        raise FfmpegFailed(str(error)[-300:]) from error


def frame_command(*, video: Path | str, output: Path | str, at_seconds: float) -> list[str]:
    """One frame of `video`, `at_seconds` in, as a JPEG (a poster for link previews)."""
    return [
        ffmpeg_binary(),
        *_QUIET,
        "-ss",
        f"{max(0.0, at_seconds):.3f}",
        "-i",
        str(video),
        "-frames:v",
        "1",
        "-q:v",
        "3",
        "-y",
        str(output),
    ]
