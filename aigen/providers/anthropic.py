"""Anthropic (optional text provider) through the anthropic SDK."""

from collections.abc import Iterator

import anthropic

from .base import Provider, ProviderError, TextChunk, client_cached, retry_after_seconds, stream_cut_off

# An `error` event comes inside a 200 stream: its type says which HTTP status it stands for.
STREAM_ERROR_STATUS = {"overloaded_error": 529, "api_error": 500, "rate_limit_error": 429, "timeout_error": 504}


def _translate(error: Exception) -> ProviderError:
    if isinstance(error, anthropic.APITimeoutError):
        return ProviderError("anthropic", "timed out", retryable=True)
    if isinstance(error, anthropic.APIStatusError):
        status = error.status_code
        if status < 400:
            body = error.body if isinstance(error.body, dict) else {}
            kind = (body.get("error") or {}).get("type") if isinstance(body.get("error"), dict) else None
            status = STREAM_ERROR_STATUS.get(kind, 400)
        return ProviderError(
            "anthropic",
            f"HTTP {status}: {error.message}"[:300],
            retryable=status in (429, 529) or status >= 500,
            status=status,
            retry_after=retry_after_seconds(error.response.headers) if error.status_code >= 400 else None,
        )
    if isinstance(error, anthropic.APIConnectionError):
        return ProviderError("anthropic", "connection failed", retryable=True)
    return ProviderError("anthropic", f"unexpected answer: {error}"[:300], retryable=False)


class AnthropicProvider(Provider):
    name = "anthropic"

    def story_stream(self, *, system: str, prompt: str, schema: dict) -> Iterator[TextChunk]:
        """Messages streaming events: message_start (input tokens), content_block_delta
        (text_delta), message_delta (stop_reason, output tokens), message_stop; an `error`
        event mid-stream (overloaded_error) raises, as does stop_reason `refusal` (Claude's
        safety classifiers stopped the answer)."""
        config = self.config
        client = client_cached(
            ("anthropic", config.api_key, config.base_url, config.timeout),
            lambda: anthropic.Anthropic(
                api_key=config.api_key, base_url=config.base_url or None, timeout=config.timeout, max_retries=0
            ),
        )

        def open_stream() -> Iterator[TextChunk]:
            stopped = False
            wrote = False
            refused = False
            tokens_in = None
            try:
                stream = client.messages.create(
                    model=self.config.model,
                    system=system,
                    max_tokens=4096,
                    messages=[{"role": "user", "content": prompt}],
                    stream=True,
                )
                for event in stream:
                    if event.type == "message_start":
                        tokens_in = event.message.usage.input_tokens
                    elif event.type == "content_block_delta" and getattr(event.delta, "type", "") == "text_delta":
                        wrote = wrote or bool(event.delta.text)
                        yield TextChunk(text=event.delta.text)
                    elif event.type == "message_delta":
                        refused = refused or event.delta.stop_reason == "refusal"
                        yield TextChunk(tokens_in=tokens_in, tokens_out=event.usage.output_tokens)
                    elif event.type == "message_stop":
                        stopped = True
            except ProviderError:
                raise
            except Exception as error:  # noqa: BLE001 - every SDK failure becomes one ProviderError
                raise _translate(error) from error
            if refused:
                raise ProviderError(self.name, "refused (stop_reason refusal)", retryable=False, safety=True)
            if not wrote:
                raise ProviderError(self.name, "empty answer", retryable=False)
            if not stopped:
                raise stream_cut_off(self.name)

        return self.stream_with_retries(open_stream)
