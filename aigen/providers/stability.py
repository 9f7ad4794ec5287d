"""Stability AI images: REST v2beta stable-image (multipart form, raw image bytes back) via httpx."""

import httpx

from .base import ImageResult, Provider, ProviderError, client_cached, retry_after_seconds, retryable_status

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


class StabilityProvider(Provider):
    name = "stability"

    def image(self, *, prompt: str) -> ImageResult:
        model = self.config.model
        path = "sd3" if model.startswith("sd3") else model  # core | ultra | sd3 (+ model field)
        url = f"{self.config.base_url.rstrip('/')}/v2beta/stable-image/generate/{path}"
        form = {"prompt": prompt[:10000], "output_format": "png", "aspect_ratio": "16:9"}
        if path == "sd3":
            form["model"] = model

        def call() -> ImageResult:
            try:
                # One client per process (client_cached): httpx.post() made one per image, ~20 ms of
                # CPU each (its TLS context), and a new connection to the API every time.
                client = client_cached(("stability-httpx",), httpx.Client)
                response = client.post(
                    url,
                    headers={"authorization": f"Bearer {self.config.api_key}", "accept": "image/*"},
                    data=form,
                    files={"none": ("", b"")},  # the API wants multipart/form-data even without a file
                    timeout=self.config.timeout,
                )
            except httpx.TimeoutException:
                raise ProviderError(self.name, "timed out", retryable=True) from None
            except httpx.HTTPError as error:
                raise ProviderError(self.name, f"connection failed: {error}"[:300], retryable=True) from None
            if response.status_code != 200:
                raise ProviderError(
                    self.name,
                    f"HTTP {response.status_code}: {response.text[:200]}",
                    retryable=retryable_status(response.status_code),
                    status=response.status_code,
                    # Stability's moderation answers 403 {"name": "content_moderation", ...}
                    safety=response.status_code == 403 and "content_moderation" in response.text,
                    retry_after=retry_after_seconds(response.headers),
                )
            if response.headers.get("finish-reason", "SUCCESS") == "CONTENT_FILTERED":
                raise ProviderError(self.name, "the prompt was filtered", retryable=False, safety=True)
            if not response.content.startswith(PNG_MAGIC):
                raise ProviderError(self.name, "the answer is not a PNG image", retryable=False)
            return ImageResult(data=response.content)

        return self.with_retries(call)
