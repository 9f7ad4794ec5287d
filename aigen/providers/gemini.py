"""Gemini (text) and Veo (video) through google-genai."""

import time
from collections.abc import Callable

import httpx
from google import genai
from google.genai import errors, types

from .base import Provider, ProviderError, TextResult, VideoRequest, VideoResult, retryable_status


def _client(config, name: str) -> genai.Client:
    options = {"timeout": int(config.timeout * 1000)}  # milliseconds
    if config.base_url:
        options["base_url"] = config.base_url
    return genai.Client(api_key=config.api_key, http_options=types.HttpOptions(**options))


# Why Gemini answers no text for a prompt or an answer it blocked (prompt_feedback.block_reason,
# or the candidate's finish_reason): the safety ones.
SAFETY_REASONS = {
    "SAFETY", "BLOCKLIST", "PROHIBITED_CONTENT", "SPII", "IMAGE_SAFETY", "IMAGE_PROHIBITED_CONTENT", "JAILBREAK",
}  # fmt: skip


def _safety_block(response) -> str:
    """The safety reason Gemini gave for answering nothing; "" when it was not a safety block."""
    reason = getattr(getattr(response, "prompt_feedback", None), "block_reason", None)
    if not reason:
        candidates = getattr(response, "candidates", None) or []
        reason = getattr(candidates[0], "finish_reason", None) if candidates else None
    reason = str(getattr(reason, "value", reason) or "")
    return reason if reason in SAFETY_REASONS else ""


def _translate(name: str, error: Exception) -> ProviderError:
    if isinstance(error, errors.APIError):
        return ProviderError(
            name, f"HTTP {error.code}: {error.message}"[:300], retryable=retryable_status(error.code), status=error.code
        )
    if isinstance(error, httpx.TimeoutException | TimeoutError) or "timeout" in type(error).__name__.lower():
        return ProviderError(name, "timed out", retryable=True)
    if isinstance(error, httpx.HTTPError):
        return ProviderError(name, f"connection failed: {error}"[:300], retryable=True)
    return ProviderError(name, f"unexpected answer: {error}"[:300], retryable=False)


class GeminiProvider(Provider):
    name = "gemini"

    def story(self, *, system: str, prompt: str, schema: dict) -> TextResult:
        client = _client(self.config, self.name)

        def call() -> TextResult:
            try:
                response = client.models.generate_content(
                    model=self.config.model,
                    contents=prompt,
                    config=types.GenerateContentConfig(
                        system_instruction=system,
                        response_mime_type="application/json",
                        temperature=0.9,
                        max_output_tokens=4096,
                    ),
                )
                text = response.text
            except Exception as error:  # noqa: BLE001 - every SDK failure becomes one ProviderError
                raise _translate(self.name, error) from error
            if not text:
                if blocked := _safety_block(response):
                    raise ProviderError(self.name, f"blocked ({blocked})", retryable=False, safety=True)
                raise ProviderError(self.name, "empty answer", retryable=False)
            usage = response.usage_metadata
            return TextResult(
                text=text,
                tokens_in=getattr(usage, "prompt_token_count", None),
                tokens_out=getattr(usage, "candidates_token_count", None),
            )

        return self.with_retries(call)


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
        options = {"timeout": int(self.config.timeout * 1000)}
        if self.config.base_url:
            options["base_url"] = self.config.base_url
        return genai.Client(vertexai=True, api_key=self.config.api_key, http_options=types.HttpOptions(**options))

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
                    raise ProviderError(self.name, "the operation did not finish in time", retryable=True)
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
