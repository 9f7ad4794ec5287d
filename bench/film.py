"""Benchmark (not a test): joining a project's beat videos into one MP4 (studio.film), the
work a worker does when someone asks for the film's download.

    .venv/bin/python bench/film.py
    BENCH_CLIPS=2,8 BENCH_SIZE=1280x720 .venv/bin/python bench/film.py

It encodes BENCH_CLIPS clips once with the `local` provider's animatic encoder (one still
image each, BENCH_SECONDS_PER_CLIP long, BENCH_SIZE, 24 fps: what a beat video of the embedded
default looks like), then joins the first N of them, for each N, BENCH_ROUNDS times, and prints
the seconds per join (median, worst), the film's length and how many times faster than real
time the join runs. No database: only ffmpeg and the files.
"""

import io
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "modo.settings.local")

import django  # noqa: E402

django.setup()

import imageio_ffmpeg  # noqa: E402
from PIL import Image  # noqa: E402

from aigen.providers.local import encode_animatic  # noqa: E402
from studio.film import clips_join  # noqa: E402

CLIPS = [int(n) for n in os.environ.get("BENCH_CLIPS", "1,4,12").split(",")]
SIZE = tuple(int(n) for n in os.environ.get("BENCH_SIZE", "640x360").lower().split("x"))
SECONDS_PER_CLIP = float(os.environ.get("BENCH_SECONDS_PER_CLIP", "3"))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "3"))


def _still(index: int) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", SIZE, ((index * 70) % 256, (index * 40) % 256, 160)).save(out, format="PNG")
    return out.getvalue()


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="modo-bench-film-") as folder:
        clips = []
        for index in range(max(CLIPS)):
            data = encode_animatic(
                [_still(index)],
                size=SIZE,
                seconds_per_beat=SECONDS_PER_CLIP,
                fps=24,
                progress=lambda _percent: None,
                timeout=300,
            )
            path = Path(folder) / f"clip{index}.mp4"
            path.write_bytes(data)
            clips.append(path)
        print(f"{SIZE[0]}x{SIZE[1]}, {SECONDS_PER_CLIP:g} s per clip, {ROUNDS} rounds, {os.cpu_count()} cores")
        print(f"{'clips':>5} {'film s':>7} {'median s':>9} {'worst s':>8} {'x realtime':>11}")
        for count in CLIPS:
            timings = []
            output = Path(folder) / f"film{count}.mp4"
            for _round in range(ROUNDS):
                started = time.perf_counter()
                clips_join(clips[:count], output)
                timings.append(time.perf_counter() - started)
            length = imageio_ffmpeg.count_frames_and_secs(str(output))[1]
            median = statistics.median(timings)
            print(f"{count:>5} {length:>7.1f} {median:>9.2f} {max(timings):>8.2f} {length / median:>11.1f}")


if __name__ == "__main__":
    main()
