"""Anthropic (optional text provider) through the anthropic SDK."""

import anthropic

from .base import Provider, ProviderError, TextResult


def _translate(error: Exception) -> ProviderError:
    if isinstance(error, anthropic.APITimeoutError):
        return ProviderError("anthropic", "timed out", retryable=True)
    if isinstance(error, anthropic.APIStatusError):
        status = error.status_code
        return ProviderError(
            "anthropic",
            f"HTTP {status}: {error.message}"[:300],
            retryable=status in (429, 529) or status >= 500,
            status=status,
        )
    if isinstance(error, anthropic.APIConnectionError):
        return ProviderError("anthropic", "connection failed", retryable=True)
    return ProviderError("anthropic", f"unexpected answer: {error}"[:300], retryable=False)


class AnthropicProvider(Provider):
    name = "anthropic"

    def story(self, *, system: str, prompt: str, schema: dict) -> TextResult:
        client = anthropic.Anthropic(
            api_key=self.config.api_key,
            base_url=self.config.base_url or None,
            timeout=self.config.timeout,
            max_retries=0,
        )

        def call() -> TextResult:
            try:
                message = client.messages.create(
                    model=self.config.model,
                    system=system,
                    max_tokens=4096,
                    messages=[{"role": "user", "content": prompt}],
                )
                text = "".join(block.text for block in message.content if getattr(block, "type", "") == "text")
            except Exception as error:  # noqa: BLE001 - every SDK failure becomes one ProviderError
                raise _translate(error) from error
            if not text:
                raise ProviderError(self.name, "empty answer", retryable=False)
            return TextResult(text=text, tokens_in=message.usage.input_tokens, tokens_out=message.usage.output_tokens)

        return self.with_retries(call)
