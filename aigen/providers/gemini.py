"""Gemini (text) and Veo (video) through google-genai."""

import json
import time
from collections.abc import Callable, Iterator

import httpx
from google import genai
from google.genai import errors, types

from .base import (
    Provider,
    ProviderError,
    TextChunk,
    VideoRequest,
    VideoResult,
    client_cached,
    retry_after_seconds,
    retryable_status,
    stream_cut_off,
)


def _client(config, name: str, *, vertex: bool = False) -> genai.Client:
    options = {"timeout": int(config.timeout * 1000)}  # milliseconds
    if config.base_url:
        options["base_url"] = config.base_url
    return client_cached(
        ("genai", vertex, config.api_key, config.base_url, config.timeout),
        lambda: genai.Client(vertexai=vertex, api_key=config.api_key, http_options=types.HttpOptions(**options)),
    )


# Why Gemini answers no text for a prompt or an answer it blocked (prompt_feedback.block_reason,
# or the candidate's finish_reason): the safety ones.
SAFETY_REASONS = {
    "SAFETY", "BLOCKLIST", "PROHIBITED_CONTENT", "SPII", "IMAGE_SAFETY", "IMAGE_PROHIBITED_CONTENT", "JAILBREAK",
}  # fmt: skip


def _safety_block(answer: dict) -> str:
    """The safety reason Gemini gave for answering nothing; "" when it was not a safety block."""
    reason = (answer.get("promptFeedback") or {}).get("blockReason")
    if not reason:
        candidates = answer.get("candidates") or []
        reason = candidates[0].get("finishReason") if candidates else None
    return reason if reason in SAFETY_REASONS else ""


def _translate(name: str, error: Exception) -> ProviderError:
    if isinstance(error, errors.APIError):
        headers = getattr(getattr(error, "response", None), "headers", None)
        return ProviderError(
            name,
            f"HTTP {error.code}: {error.message}"[:300],
            retryable=retryable_status(error.code),
            status=error.code,
            retry_after=retry_after_seconds(headers),
        )
    if isinstance(error, httpx.TimeoutException | TimeoutError) or "timeout" in type(error).__name__.lower():
        return ProviderError(name, "timed out", retryable=True)
    if isinstance(error, httpx.HTTPError):
        return ProviderError(name, f"connection failed: {error}"[:300], retryable=True)
    return ProviderError(name, f"unexpected answer: {error}"[:300], retryable=False)


class GeminiProvider(Provider):
    name = "gemini"

    def story_stream(self, *, system: str, prompt: str, schema: dict) -> Iterator[TextChunk]:
        """streamGenerateContent with SSE: each event's candidate parts are the new text; the
        last event carries finishReason and usageMetadata.

        Sent through the SDK's own API client (its auth, base URL, timeout, HTTP client and
        retry options; `request_streamed` is what `generate_content_stream` calls), with the
        request's JSON body written here and each event's JSON read here: the SDK's typed path
        spent ~70 % of a story's worker CPU validating the request's config into pydantic
        models and every one of the ~12 events into a GenerateContentResponse, for the three
        fields read below. The body is the one the typed path sends (tests/aigen pins it)."""
        api = _client(self.config, self.name)._api_client
        path = f"{_model_path(self.config.model)}:streamGenerateContent?alt=sse"

        def open_stream() -> Iterator[TextChunk]:
            finished = False
            wrote = False
            answer: dict = {}
            try:
                for event in api.request_streamed("post", path, _story_body(system, prompt)):
                    answer = json.loads(event.body) if event.body else {}
                    text, done = _event_text(answer)
                    usage = answer.get("usageMetadata")
                    finished = finished or done
                    if text or usage is not None:
                        wrote = wrote or bool(text)
                        yield TextChunk(
                            text=text,
                            tokens_in=(usage or {}).get("promptTokenCount"),
                            tokens_out=(usage or {}).get("candidatesTokenCount"),
                        )
            except ProviderError:
                raise
            except Exception as error:  # noqa: BLE001 - every SDK failure becomes one ProviderError
                raise _translate(self.name, error) from error
            if blocked := _safety_block(answer):
                raise ProviderError(self.name, f"blocked ({blocked})", retryable=False, safety=True)
            if not wrote:
                raise ProviderError(self.name, "empty answer", retryable=False)
            if not finished:
                raise stream_cut_off(self.name)

        return self.stream_with_retries(open_stream)


def _model_path(model: str) -> str:
    """The model's resource name, as the SDK writes it for the Gemini API."""
    return model if model.startswith(("models/", "tunedModels/")) else f"models/{model}"


def _story_body(system: str, prompt: str) -> dict:
    """GenerateContentRequest (REST, camelCase), as google-genai writes it for these arguments."""
    return {
        "contents": [{"parts": [{"text": prompt}], "role": "user"}],
        "systemInstruction": {"parts": [{"text": system}], "role": "user"},
        "generationConfig": {"temperature": 0.9, "maxOutputTokens": 4096, "responseMimeType": "application/json"},
    }


def _event_text(answer: dict) -> tuple[str, bool]:
    """The new text of one streamed event (thoughts left out), and whether it ends the answer."""
    candidates = answer.get("candidates") or []
    if not candidates:
        return "", False
    parts = (candidates[0].get("content") or {}).get("parts") or []
    text = "".join(part.get("text") or "" for part in parts if not part.get("thought"))
    return text, bool(candidates[0].get("finishReason"))


class VeoProvider(Provider):
    """Veo: a long-running operation, submitted once, its name saved before the first poll,
    polled to completion; a redelivered task passes the saved name and resumes polling it.

    google-genai (3.x) serves generate_videos only in Vertex mode, so this client is
    `vertexai=True` with an API key (Vertex AI express mode); the finished operation carries
    the video bytes.
    """

    name = "veo"
    poll_seconds = 10.0
    clip_seconds = 8  # what Veo 3.1 makes (4, 6 or 8) and bills

    def _client(self) -> genai.Client:
        return _client(self.config, self.name, vertex=True)

    def video(
        self,
        *,
        request: VideoRequest,
        progress: Callable[[int], None],
        operation: str,
        save_operation: Callable[[str], None],
    ) -> VideoResult:
        client = self._client()
        if operation:
            current = types.GenerateVideosOperation(name=operation)
        else:
            image = types.Image(image_bytes=request.images[0], mime_type="image/png") if request.images else None
            current = self.with_retries(
                lambda: self._call(
                    lambda: client.models.generate_videos(
                        model=self.config.model,
                        source=types.GenerateVideosSource(prompt=request.prompt, image=image),
                        config=types.GenerateVideosConfig(
                            number_of_videos=1, aspect_ratio="16:9", duration_seconds=self.clip_seconds
                        ),
                    )
                )
            )
            if not current.name:
                raise ProviderError(self.name, "the operation has no name", retryable=False)
            save_operation(current.name)
        started = time.monotonic()
        first = True
        while first or not current.done:
            if not first:
                if time.monotonic() - started > self.config.timeout:
                    raise ProviderError(self.name, "timed out: the operation did not finish", retryable=True)
                progress(min(90, int((time.monotonic() - started) / self.config.timeout * 100)))
                time.sleep(self.poll_seconds)
            first = False
            current = self.with_retries(lambda op=current: self._call(lambda: client.operations.get(op)))
        if current.error:
            raise ProviderError(self.name, f"operation failed: {current.error}"[:300], retryable=False)
        videos = (current.response.generated_videos if current.response else None) or []
        data = videos[0].video.video_bytes if videos and videos[0].video else None
        if not data:
            filtered = current.response.rai_media_filtered_reasons if current.response else None
            if filtered or (current.response and current.response.rai_media_filtered_count):
                raise ProviderError(
                    self.name, f"the video was filtered: {filtered}"[:300], retryable=False, safety=True
                )
            raise ProviderError(self.name, "the operation returned no video bytes", retryable=False)
        return VideoResult(data=bytes(data), seconds=float(self.clip_seconds))

    def _call(self, call):
        try:
            return call()
        except ProviderError:
            raise
        except Exception as error:  # noqa: BLE001 - every SDK failure becomes one ProviderError
            raise _translate(self.name, error) from error
