"""OpenAI: GPT-4o story text (JSON schema response format) and gpt-image-1 images (base64)."""

import base64
import binascii
from collections.abc import Iterator

import openai

from .base import (
    ImageResult,
    Provider,
    ProviderError,
    TextChunk,
    client_cached,
    image_extension,
    retry_after_seconds,
    stream_cut_off,
)

# gpt-image-1 answers 400 moderation_blocked; older models content_policy_violation.
SAFETY_CODES = {"moderation_blocked", "content_policy_violation"}


def _translate(error: Exception) -> ProviderError:
    if isinstance(error, openai.APITimeoutError):
        return ProviderError("openai", "timed out", retryable=True)
    if isinstance(error, openai.APIStatusError):
        status = error.status_code
        return ProviderError(
            "openai",
            f"HTTP {status}: {error.message}"[:300],
            retryable=status == 429 or status >= 500,
            status=status,
            safety=status == 400 and (error.code in SAFETY_CODES or "safety system" in str(error.message)),
            retry_after=retry_after_seconds(error.response.headers),
        )
    if isinstance(error, openai.APIConnectionError):
        return ProviderError("openai", "connection failed", retryable=True)
    return ProviderError("openai", f"unexpected answer: {error}"[:300], retryable=False)


class OpenAIProvider(Provider):
    name = "openai"

    def _client(self) -> openai.OpenAI:
        # Retries are ours (with_retries), the same for every provider.
        config = self.config
        return client_cached(
            ("openai", config.api_key, config.base_url, config.timeout),
            lambda: openai.OpenAI(
                api_key=config.api_key, base_url=config.base_url or None, timeout=config.timeout, max_retries=0
            ),
        )

    def story_stream(self, *, system: str, prompt: str, schema: dict) -> Iterator[TextChunk]:
        """Chat completions with stream=True: `delta.content` pieces, a finish_reason, then a
        last chunk with no choices and the usage (stream_options.include_usage)."""
        client = self._client()

        def open_stream() -> Iterator[TextChunk]:
            finished = False
            wrote = False
            refusal = []  # structured outputs say no in `delta.refusal`, not in the content
            try:
                stream = client.chat.completions.create(
                    model=self.config.model,
                    messages=[{"role": "system", "content": system}, {"role": "user", "content": prompt}],
                    response_format={
                        "type": "json_schema",
                        "json_schema": {"name": "story", "schema": schema, "strict": True},
                    },
                    stream=True,
                    stream_options={"include_usage": True},
                )
                for chunk in stream:
                    for choice in chunk.choices or []:
                        if choice.delta is not None and choice.delta.content:
                            wrote = True
                            yield TextChunk(text=choice.delta.content)
                        if choice.delta is not None and getattr(choice.delta, "refusal", None):
                            refusal.append(choice.delta.refusal)
                        if choice.finish_reason == "content_filter":
                            raise ProviderError(self.name, "the answer was filtered", retryable=False, safety=True)
                        finished = finished or bool(choice.finish_reason)
                    if chunk.usage is not None:
                        yield TextChunk(tokens_in=chunk.usage.prompt_tokens, tokens_out=chunk.usage.completion_tokens)
            except ProviderError:
                raise
            except Exception as error:  # noqa: BLE001 - every SDK failure becomes one ProviderError
                raise _translate(error) from error
            if refusal:
                said = "".join(refusal)[:200]
                raise ProviderError(self.name, f"refused: {said}", retryable=False, safety=True)
            if not wrote:
                raise ProviderError(self.name, "empty answer", retryable=False)
            if not finished:
                raise stream_cut_off(self.name)

        return self.stream_with_retries(open_stream)

    def image(self, *, prompt: str) -> ImageResult:
        client = self._client()

        def call() -> ImageResult:
            try:
                response = client.images.generate(
                    model=self.config.model, prompt=prompt, size="1024x1024", quality="medium", n=1
                )
                encoded = response.data[0].b64_json
                url = getattr(response.data[0], "url", None)
            except Exception as error:  # noqa: BLE001
                raise _translate(error) from error
            if not encoded and url:  # older image models answer a URL: fetch it safely
                from ..fetch import provider_url_fetch

                return ImageResult(data=provider_url_fetch(url, provider=self.name))
            if not encoded:
                raise ProviderError(self.name, "no image in the answer", retryable=False)
            try:
                data = base64.b64decode(encoded, validate=True)
            except (binascii.Error, ValueError):
                raise ProviderError(self.name, "the image is not valid base64", retryable=False) from None
            extension = image_extension(data)
            if extension is None:
                raise ProviderError(self.name, "the answer is not an image", retryable=False)
            return ImageResult(data=data, extension=extension)

        return self.with_retries(call)
