"""OpenAI: GPT-4o story text (JSON schema response format) and gpt-image-1 images (base64)."""

import base64
import binascii

import openai

from .base import ImageResult, Provider, ProviderError, TextResult, image_extension

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
        )
    if isinstance(error, openai.APIConnectionError):
        return ProviderError("openai", "connection failed", retryable=True)
    return ProviderError("openai", f"unexpected answer: {error}"[:300], retryable=False)


class OpenAIProvider(Provider):
    name = "openai"

    def _client(self) -> openai.OpenAI:
        # Retries are ours (with_retries), the same for every provider.
        return openai.OpenAI(
            api_key=self.config.api_key,
            base_url=self.config.base_url or None,
            timeout=self.config.timeout,
            max_retries=0,
        )

    def story(self, *, system: str, prompt: str, schema: dict) -> TextResult:
        client = self._client()

        def call() -> TextResult:
            try:
                completion = client.chat.completions.create(
                    model=self.config.model,
                    messages=[{"role": "system", "content": system}, {"role": "user", "content": prompt}],
                    response_format={
                        "type": "json_schema",
                        "json_schema": {"name": "story", "schema": schema, "strict": True},
                    },
                )
                text = completion.choices[0].message.content
            except Exception as error:  # noqa: BLE001 - every SDK failure becomes one ProviderError
                raise _translate(error) from error
            if not text:
                raise ProviderError(self.name, "empty answer", retryable=False)
            usage = completion.usage
            return TextResult(
                text=text,
                tokens_in=getattr(usage, "prompt_tokens", None),
                tokens_out=getattr(usage, "completion_tokens", None),
            )

        return self.with_retries(call)

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
