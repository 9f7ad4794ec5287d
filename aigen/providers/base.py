"""The adapter contract: one base class, one error type, one retry loop.

Only an adapter module talks to its SDK or HTTP API. Whatever goes wrong there leaves it
as a ProviderError that names the provider and says whether trying again can help.
"""

import logging
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import TypeVar

logger = logging.getLogger(__name__)
T = TypeVar("T")


# Starts the message of a provider's safety refusal, so the usage log and the job keep it
# (the abuse rules count them) without a column of their own.
SAFETY_MARKER = "[safety]"


class ProviderError(Exception):
    """A provider call failed. `retryable`: a later attempt may succeed (429, 5xx, timeout).
    `safety`: the provider refused the prompt or its output on safety grounds."""

    def __init__(
        self,
        provider: str,
        message: str,
        *,
        retryable: bool = False,
        status: int | None = None,
        safety: bool = False,
        retry_after: float | None = None,
    ):
        if safety:
            message = f"{SAFETY_MARKER} {message}"
        super().__init__(f"{provider}: {message}")
        self.safety = safety
        self.provider = provider
        self.message = message
        self.retryable = retryable
        self.status = status
        self.retry_after = retry_after  # seconds, from the answer's Retry-After header


@dataclass
class TextResult:
    text: str
    tokens_in: int | None = None
    tokens_out: int | None = None


@dataclass
class TextChunk:
    """A piece of a streamed answer: new text, and the usage once the provider reports it."""

    text: str = ""
    tokens_in: int | None = None
    tokens_out: int | None = None


@dataclass
class ImageResult:
    data: bytes
    extension: str = "png"
    images: int = 1  # what the provider bills


@dataclass
class VideoResult:
    data: bytes
    extension: str = "mp4"
    seconds: float = 0.0  # of video the provider made (and bills)


def output_usage(output: ImageResult | VideoResult) -> tuple[int | None, float | None]:
    """(images, seconds of video) an image or video call reports, for its cost."""
    if isinstance(output, ImageResult):
        return output.images, None
    return None, output.seconds


@dataclass
class VideoRequest:
    """What a video is made of: a prompt, and the beats' images (bytes) and texts where known."""

    prompt: str
    images: list[bytes] = field(default_factory=list)
    captions: list[str] = field(default_factory=list)


@dataclass
class ProviderConfig:
    entry: str  # the AI_MODELS key, e.g. "image:fast"
    provider: str
    model: str
    api_key: str
    base_url: str
    timeout: float
    max_retries: int
    backoff: float
    retry_after_max: float = 10.0


class Provider:
    """One provider. Subclasses implement what they can do; the rest raise ProviderError."""

    name = "base"
    # Set by the registry's chain: whether this instance's calls are the half-open breaker's
    # probe (they decide its state), wait for the probe lease, or were skipped without it.
    breaker_probe = False
    breaker_probe_pending = False
    breaker_skipped = False

    def __init__(self, config: ProviderConfig):
        self.config = config

    def story_stream(self, *, system: str, prompt: str, schema: dict) -> Iterator[TextChunk]:
        """The story's text as the provider writes it. Ends only after the provider said the
        answer is complete: a stream cut off half-way raises ProviderError."""
        raise ProviderError(self.name, "does not write text")

    def story(self, *, system: str, prompt: str, schema: dict) -> TextResult:
        """The whole answer of story_stream at once."""
        result = TextResult(text="")
        parts = []
        for chunk in self.story_stream(system=system, prompt=prompt, schema=schema):
            parts.append(chunk.text)
            result.tokens_in = chunk.tokens_in if chunk.tokens_in is not None else result.tokens_in
            result.tokens_out = chunk.tokens_out if chunk.tokens_out is not None else result.tokens_out
        result.text = "".join(parts)
        return result

    def image(self, *, prompt: str) -> ImageResult:
        raise ProviderError(self.name, "does not draw images")

    def video(
        self,
        *,
        request: VideoRequest,
        progress: Callable[[int], None],
        operation: str,
        save_operation: Callable[[str], None],
    ) -> VideoResult:
        raise ProviderError(self.name, "does not make videos")

    def with_retries(self, call: Callable[[], T]) -> T:
        """Run `call`; on a retryable ProviderError try again, at most max_retries more times,
        waiting backoff, 2 x backoff, ... in between."""
        attempt = 0
        while True:
            try:
                return call()
            except ProviderError as error:
                delay = self._retry_delay(error, attempt)
                if delay is None:
                    raise
                logger.warning("%s failed (%s); retrying in %.2fs", self.name, error.message, delay)
                time.sleep(delay)
                attempt += 1

    def _retry_delay(self, error: ProviderError, attempt: int) -> float | None:
        """How long to wait before trying again, None for not again: not retryable, retries
        used up, or a Retry-After longer than retry_after_max (the next provider serves
        sooner than this one will)."""
        if not error.retryable or attempt >= self.config.max_retries:
            return None
        if error.retry_after is not None and error.retry_after > self.config.retry_after_max:
            return None
        return max(self.config.backoff * (2**attempt), error.retry_after or 0.0)

    def stream_with_retries(self, open_stream: Callable[[], Iterator[TextChunk]]) -> Iterator[TextChunk]:
        """Like with_retries for a stream: a failure before the first chunk is tried again; once
        text has reached the user a failure ends the stream (a retry would write another story)."""
        attempt = 0
        while True:
            started = False
            try:
                for chunk in open_stream():
                    started = True
                    yield chunk
                return
            except ProviderError as error:
                delay = None if started else self._retry_delay(error, attempt)
                if delay is None:
                    raise
                logger.warning("%s failed (%s); retrying in %.2fs", self.name, error.message, delay)
                time.sleep(delay)
                attempt += 1


_clients: dict = {}
_clients_lock = threading.Lock()


def client_cached(key: tuple, make: Callable[[], T]) -> T:
    """One SDK client per configuration per process, kept and shared by the I/O worker's threads
    (the SDKs' httpx clients are thread-safe): making one costs ~0.1 s of CPU, more than a story's
    own work, and per thread a fresh worker's first storm spent 16-22 s of CPU on them. Made
    under a lock so that two threads never both make one."""
    client = _clients.get(key)
    if client is None:
        with _clients_lock:
            client = _clients.get(key)
            if client is None:
                client = _clients[key] = make()
    return client


def stream_cut_off(provider: str) -> ProviderError:
    return ProviderError(provider, "the answer stopped before it was complete", retryable=True)


# How PNG, JPEG and WebP files begin: an "image" that begins otherwise is the provider's failure.
IMAGE_SIGNATURES = {b"\x89PNG\r\n\x1a\n": "png", b"\xff\xd8\xff": "jpg", b"RIFF": "webp"}


def image_extension(data: bytes) -> str | None:
    """The file extension of image bytes, None when they are no PNG, JPEG or WebP image."""
    for signature, extension in IMAGE_SIGNATURES.items():
        if data.startswith(signature) and (extension != "webp" or data[8:12] == b"WEBP"):
            return extension
    return None


def retry_after_seconds(headers) -> float | None:
    """An answer's Retry-After in seconds (these providers send a number), else None."""
    value = headers.get("retry-after") if headers is not None else None
    try:
        return max(0.0, float(value)) if value is not None else None
    except ValueError:
        return None


def retryable_status(status: int | None) -> bool:
    return status is not None and (status == 429 or status >= 500)
