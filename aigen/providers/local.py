"""`local`: offline and deterministic, with real outputs.

Story JSON built from the premise, PNG images drawn with Pillow (composition, colours and
text follow the prompt), and an MP4 animatic encoded by the ffmpeg binary that
imageio-ffmpeg ships: each beat's image with a slow zoom or pan, cross-faded into the next.
The same input always gives the same output.
"""

import hashlib
import io
import json
import random
import subprocess  # noqa: S404 - the ffmpeg binary shipped by imageio-ffmpeg, fixed arguments
import textwrap
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from django.conf import settings
from PIL import Image, ImageDraw, ImageFont

from core.ffmpeg import ffmpeg_binary, h264_command  # noqa: F401 - ffmpeg_binary: aigen.clips imports it from here

from ..scratch import job_scratch_dir, kill_with_parent
from .base import ImageResult, Provider, ProviderError, TextChunk, VideoRequest, VideoResult

GENRES = ["adventure", "mystery", "comedy", "drama", "fantasy", "science fiction", "fable", "romance"]
NAMES = ["Ayu", "Bima", "Citra", "Dimas", "Eka", "Fajar", "Gita", "Hadi", "Intan", "Joko", "Kirana", "Laras"]
ROLES = ["a stubborn dreamer", "a loyal friend", "a sly rival", "a wise elder", "a curious child", "a lost stranger"]
ACTS = [
    ("The ordinary world", "{hero} goes about an ordinary day, unaware that {premise_short} is about to change it."),
    ("The call", "Something happens: {premise_short}. {hero} cannot ignore it."),
    ("Refusal", "{hero} hesitates; {friend} pushes them to act."),
    ("Crossing over", "{hero} and {friend} set out, leaving the familiar behind."),
    ("Trials", "Obstacles pile up, and {rival} is always one step ahead."),
    ("The midpoint", "A discovery turns everything around for {hero}."),
    ("Closing in", "The stakes rise; {hero} risks what matters most."),
    ("All is lost", "{hero} fails, and {friend} is in danger."),
    ("The insight", "Remembering why it began, {hero} finds another way."),
    ("The climax", "{hero} faces {rival} at last."),
    ("Return", "{hero} comes home changed, with {friend} at their side."),
    ("A new day", "The world is a little different because of {premise_short}."),
]


ENCODE_SLOTS = threading.BoundedSemaphore(max(1, settings.AI_ENCODE_CONCURRENCY))


def _seed(*parts: object) -> int:
    digest = hashlib.sha256("\x1f".join(str(p) for p in parts).encode()).digest()
    return int.from_bytes(digest[:8], "big")


def _size(value: str) -> tuple[int, int]:
    width, height = (int(n) for n in value.lower().split("x"))
    return width - width % 2, height - height % 2


class LocalProvider(Provider):
    name = "local"

    def story_stream(self, *, system: str, prompt: str, schema: dict) -> Iterator[TextChunk]:
        """The story's JSON in pieces of AI_LOCAL_STREAM_CHUNK_CHARS, one every
        AI_LOCAL_STREAM_DELAY_SECONDS (0: all at once), so streaming shows offline too."""
        text = self._story_text(prompt)
        size = max(1, settings.AI_LOCAL_STREAM_CHUNK_CHARS)
        delay = settings.AI_LOCAL_STREAM_DELAY_SECONDS
        if delay <= 0:
            yield TextChunk(text=text, tokens_in=0, tokens_out=0)
            return
        for start in range(0, len(text), size):
            if start:
                time.sleep(delay)
            yield TextChunk(text=text[start : start + size])
        yield TextChunk(tokens_in=0, tokens_out=0)

    def _story_text(self, prompt: str) -> str:
        premise = prompt.split("Premise:\n", 1)[-1].split("\n\nVariation:", 1)[0].strip()
        rng = random.Random(_seed("story", prompt))  # noqa: S311 - deterministic fiction, not security
        names = rng.sample(NAMES, 3)
        premise_short = textwrap.shorten(premise, width=80, placeholder="...")
        words = [w.strip(".,!?;:") for w in premise.split() if len(w) > 3]
        title_word = (words[0] if words else "Story").capitalize()
        count = rng.randint(5, 8)
        acts = [ACTS[0]] + sorted(rng.sample(ACTS[1:-1], count - 2), key=ACTS.index) + [ACTS[-1]]
        cast = {"hero": names[0], "friend": names[1], "rival": names[2], "premise_short": premise_short}
        story = {
            "title": f"{names[0]} and the {title_word}",
            "logline": f"{names[0]}, {rng.choice(ROLES)}, is pulled into a story where {premise_short}",
            "genre": rng.choice(GENRES),
            "characters": [
                {"name": name, "description": f"{name.capitalize()} is {rng.choice(ROLES)}."} for name in names
            ],
            "beats": [
                {"index": i, "title": title, "description": text.format(**cast)}
                for i, (title, text) in enumerate(acts, start=1)
            ],
        }
        return json.dumps(story, ensure_ascii=False)

    def image(self, *, prompt: str) -> ImageResult:
        return ImageResult(data=draw_image(prompt, _size(settings.AI_LOCAL_IMAGE_SIZE)))

    def video(
        self,
        *,
        request: VideoRequest,
        progress: Callable[[int], None],
        operation: str,
        save_operation: Callable[[str], None],
    ) -> VideoResult:
        size = _size(settings.AI_LOCAL_VIDEO_SIZE)
        images = list(request.images) or [
            draw_image(caption or request.prompt, size) for caption in (request.captions or [request.prompt])
        ]
        # An encode takes a core: a pool of many I/O threads (a Veo chain falling back here) still
        # runs at most AI_ENCODE_CONCURRENCY of them at once per process.
        with ENCODE_SLOTS:
            return VideoResult(
                data=encode_animatic(
                    images,
                    size=size,
                    seconds_per_beat=settings.AI_LOCAL_VIDEO_SECONDS_PER_BEAT,
                    fps=settings.AI_LOCAL_VIDEO_FPS,
                    progress=progress,
                    timeout=self.config.timeout,
                )
            )


def draw_image(prompt: str, size: tuple[int, int]) -> bytes:
    """A PNG whose sky, ground, shapes and caption all follow from the prompt."""
    rng = random.Random(_seed("image", prompt))  # noqa: S311 - deterministic art, not security
    width, height = size
    image = Image.new("RGB", size)
    draw = ImageDraw.Draw(image)
    top = tuple(rng.randint(20, 200) for _ in range(3))
    bottom = tuple(rng.randint(60, 255) for _ in range(3))
    for y in range(height):
        t = y / max(1, height - 1)
        draw.line([(0, y), (width, y)], fill=tuple(int(a + (b - a) * t) for a, b in zip(top, bottom, strict=True)))
    horizon = int(height * rng.uniform(0.55, 0.75))
    ground = tuple(rng.randint(10, 120) for _ in range(3))
    draw.rectangle([0, horizon, width, height], fill=ground)
    sun_x, sun_r = rng.randint(width // 8, width * 7 // 8), rng.randint(height // 12, height // 6)
    draw.ellipse([sun_x - sun_r, horizon // 3 - sun_r, sun_x + sun_r, horizon // 3 + sun_r], fill=(255, 230, 150))
    for _ in range(rng.randint(3, 7)):
        x, w, h = rng.randint(0, width), rng.randint(width // 16, width // 5), rng.randint(height // 8, height // 2)
        colour = tuple(rng.randint(0, 255) for _ in range(3))
        if rng.random() < 0.5:
            draw.rectangle([x, horizon - h, x + w, horizon], fill=colour)
        else:
            draw.polygon([(x, horizon), (x + w // 2, horizon - h), (x + w, horizon)], fill=colour)
    font = ImageFont.load_default(size=max(12, height // 18))
    caption = textwrap.wrap(prompt, width=max(20, width // max(8, height // 30)))[:3]
    y = height - (len(caption) + 1) * max(14, height // 16)
    for line in caption:
        draw.text((width // 30 + 1, y + 1), line, fill=(0, 0, 0), font=font)
        draw.text((width // 30, y), line, fill=(255, 255, 255), font=font)
        y += max(14, height // 16)
    out = io.BytesIO()
    # Fast zlib: zlib's default level spends most of a local image's time on a few KB.
    image.save(out, format="PNG", compress_level=1)
    return out.getvalue()


def encode_animatic(
    images: list[bytes],
    *,
    size: tuple[int, int],
    seconds_per_beat: float,
    fps: int,
    progress: Callable[[int], None],
    timeout: float,
) -> bytes:
    """An H.264 MP4: each image zooms or pans for `seconds_per_beat`, cross-fading into the next.

    Progress (0-99) comes from ffmpeg's own `-progress` report of the encoded time.
    """
    width, height = size
    frames = max(2, round(seconds_per_beat * fps))
    fade = min(0.5, seconds_per_beat / 3)
    total = len(images) * seconds_per_beat - (len(images) - 1) * fade
    with job_scratch_dir(prefix="animatic-") as folder:
        inputs: list[Path] = []
        filters: list[str] = []
        for i, data in enumerate(images):
            path = Path(folder) / f"beat{i}.png"
            Image.open(io.BytesIO(data)).convert("RGB").resize((width * 2, height * 2)).save(path)
            inputs.append(path)
            if i % 2 == 0:  # slow zoom into the centre
                motion = "z='min(zoom+0.0015,1.25)':x='iw/2-(iw/zoom/2)':y='ih/2-(ih/zoom/2)'"
            else:  # pan left to right at a fixed zoom
                motion = f"z=1.2:x='(iw-iw/zoom)*on/{frames}':y='ih/2-(ih/zoom/2)'"
            filters.append(
                f"[{i}:v]zoompan={motion}:d={frames}:s={width}x{height}:fps={fps},setsar=1,format=yuv420p[v{i}]"
            )
        last = "v0"
        for i in range(1, len(images)):
            offset = i * (seconds_per_beat - fade)
            filters.append(f"[{last}][v{i}]xfade=transition=fade:duration={fade:.3f}:offset={offset:.3f}[x{i}]")
            last = f"x{i}"
        output = Path(folder) / "animatic.mp4"
        command = h264_command(
            inputs=inputs,
            filters=filters,
            maps=[f"[{last}]"],
            output=output,
            options=("-progress", "pipe:1", "-nostats"),
        )
        process = subprocess.Popen(  # noqa: S603
            command,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            preexec_fn=kill_with_parent,  # noqa: PLW1509 - only a prctl, no locks taken
        )
        reported = -1
        try:
            assert process.stdout is not None
            for line in process.stdout:
                key, _sep, value = line.strip().partition("=")
                if key == "out_time_us" and value.isdigit():
                    percent = min(99, int(int(value) / 1_000_000 / total * 100))
                    if percent > reported:
                        reported = percent
                        progress(percent)
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            raise ProviderError("local", "ffmpeg took too long", retryable=True) from None
        except BaseException:  # the job was canceled (progress raised), an error, a soft time limit: ffmpeg stops too
            process.kill()
            process.wait()
            raise
        if process.returncode != 0:
            error = (process.stderr.read() if process.stderr else "")[-300:]
            raise ProviderError("local", f"ffmpeg failed: {error}", retryable=False)
        return output.read_bytes()
