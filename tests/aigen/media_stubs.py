"""Strict stubs of the image APIs (PROVIDERS.md): a request the real API would refuse is
answered 400 and recorded in `violations`, and the `strict_stub` fixture fails the test with
the list. Faults (500, 429 + Retry-After, timeout, malformed body, refusal) are switched on
per stub to build the fault matrix."""

import base64
import json
import time
from email.parser import BytesParser
from email.policy import HTTP

import pytest

from .stubs import Reply, StubServer, png_bytes

STABILITY_PATHS = {"core", "ultra", "sd3"}
STABILITY_SD3_MODELS = {"sd3.5-large", "sd3.5-large-turbo", "sd3.5-medium"}
ASPECT_RATIOS = {"1:1", "16:9", "9:16", "2:3", "3:2", "4:5", "5:4", "21:9", "9:21"}
OPENAI_SIZES = {"1024x1024", "1024x1536", "1536x1024", "auto"}
OPENAI_QUALITIES = {"low", "medium", "high", "auto"}

FAULTS = ("server_error", "rate_limited", "timeout", "malformed", "refusal")
IMAGE_KEYS = {"gemini": "", "veo": "", "openai": "o-key", "stability": "s-key", "anthropic": ""}


def _multipart_fields(headers: dict, body: bytes) -> dict[str, str] | None:
    content_type = headers.get("content-type") or headers.get("Content-Type") or ""
    if not content_type.startswith("multipart/form-data"):
        return None
    message = BytesParser(policy=HTTP).parsebytes(f"Content-Type: {content_type}\r\n\r\n".encode() + body)
    fields = {}
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        if name and not part.get_filename():
            fields[name] = part.get_content() if part.get_content_type().startswith("text") else part.get_payload()
    return fields


class StrictImageStub(StubServer):
    """Base: routes every request through `check` (violations) or the switched-on fault."""

    provider = ""
    key = ""

    def __init__(self, *, key: str):
        super().__init__()
        self.key = key
        self.violations: list[str] = []
        self.fault: str | None = None
        self.timeout_seconds = 2.0
        self.router = self._route

    def _route(self, method: str, path: str) -> Reply:
        _method, _path, headers, body = self.requests[-1]
        headers = {name.lower(): value for name, value in headers.items()}
        problems = self.check(method, path, headers, body)
        if problems:
            self.violations += [f"{self.provider} {method} {path}: {problem}" for problem in problems]
            return Reply(status=400, body=json.dumps({"errors": problems}).encode())
        if self.fault == "server_error":
            return Reply(status=500, body=b'{"error": "internal"}')
        if self.fault == "rate_limited":
            return Reply(status=429, body=b'{"error": "slow down"}', headers={"retry-after": "1"})
        if self.fault == "timeout":
            return Reply(delay=self.timeout_seconds, body=b"{}")
        if self.fault == "malformed":
            return self.malformed()
        if self.fault == "refusal":
            return self.refusal()
        return self.success()

    def calls(self) -> int:
        return len(self.requests)


class StabilityStub(StrictImageStub):
    provider = "stability"

    def check(self, method, path, headers, body) -> list[str]:
        problems = []
        if method != "POST":
            problems.append(f"method {method}, the API takes POST")
        parts = path.split("?")[0].strip("/").split("/")
        if parts[:3] != ["v2beta", "stable-image", "generate"] or len(parts) != 4 or parts[3] not in STABILITY_PATHS:
            problems.append("path is not /v2beta/stable-image/generate/{core|ultra|sd3}")
        if headers.get("authorization") != f"Bearer {self.key}":
            problems.append("authorization is not 'Bearer <key>'")
        if headers.get("accept") not in ("image/*", "application/json"):
            problems.append("accept must be image/* or application/json")
        fields = _multipart_fields(headers, body)
        if fields is None:
            return problems + ["the body is not multipart/form-data"]
        if not fields.get("prompt"):
            problems.append("prompt is required")
        if "aspect_ratio" in fields and fields["aspect_ratio"] not in ASPECT_RATIOS:
            problems.append(f"aspect_ratio {fields['aspect_ratio']!r} is not allowed")
        if fields.get("output_format", "png") not in ("png", "jpeg", "webp"):
            problems.append("output_format must be png, jpeg or webp")
        if len(parts) == 4 and parts[3] == "sd3" and fields.get("model") not in STABILITY_SD3_MODELS:
            problems.append("sd3 needs model = sd3.5-large | sd3.5-large-turbo | sd3.5-medium")
        return problems

    def success(self) -> Reply:
        return Reply(body=png_bytes(), content_type="image/png", headers={"finish-reason": "SUCCESS", "seed": "42"})

    def malformed(self) -> Reply:
        return Reply(body=b"<html>not an image</html>", content_type="image/png", headers={"finish-reason": "SUCCESS"})

    def refusal(self) -> Reply:
        body = {"id": "x", "name": "content_moderation", "errors": ["Your request was flagged by our moderation"]}
        return Reply(status=403, body=json.dumps(body).encode())


class OpenAIImageStub(StrictImageStub):
    provider = "openai"

    def check(self, method, path, headers, body) -> list[str]:
        problems = []
        if method != "POST":
            problems.append(f"method {method}, the API takes POST")
        if path.split("?")[0] != "/v1/images/generations":
            problems.append("path is not /v1/images/generations")
        if headers.get("authorization") != f"Bearer {self.key}":
            problems.append("Authorization is not 'Bearer <key>'")
        try:
            payload = json.loads(body or b"null")
        except ValueError:
            return problems + ["the body is not JSON"]
        if not isinstance(payload, dict):
            return problems + ["the body is not a JSON object"]
        if not payload.get("prompt"):
            problems.append("prompt is required")
        if payload.get("model") != "gpt-image-1":
            problems.append(f"model {payload.get('model')!r}: only gpt-image-1 makes images now")
        if "response_format" in payload:
            problems.append("gpt-image-1 does not take response_format (it always answers b64_json)")
        if payload.get("size", "auto") not in OPENAI_SIZES:
            problems.append(f"size {payload.get('size')!r} is not allowed for gpt-image-1")
        if payload.get("quality", "auto") not in OPENAI_QUALITIES:
            problems.append(f"quality {payload.get('quality')!r} is not low|medium|high|auto")
        return problems

    def success(self) -> Reply:
        body = {
            "created": int(time.time()),
            "data": [{"b64_json": base64.b64encode(png_bytes()).decode()}],
            "usage": {"input_tokens": 12, "output_tokens": 4160, "total_tokens": 4172},
        }
        return Reply(body=json.dumps(body).encode())

    def malformed(self) -> Reply:
        not_an_image = base64.b64encode(b"<html>an error page, not an image</html>").decode()
        return Reply(body=json.dumps({"created": 1, "data": [{"b64_json": not_an_image}]}).encode())

    def refusal(self) -> Reply:
        error = {
            "message": "Your request was rejected as a result of our safety system.",
            "type": "image_generation_user_error",
            "param": None,
            "code": "moderation_blocked",
        }
        return Reply(status=400, body=json.dumps({"error": error}).encode())


@pytest.fixture
def image_stubs(settings):
    with StabilityStub(key="s-key") as stability, OpenAIImageStub(key="o-key") as openai:
        settings.AI_PROVIDER_KEYS = IMAGE_KEYS
        settings.AI_PROVIDER_MAX_RETRIES = 0
        settings.AI_TASK_MAX_ATTEMPTS = 1
        settings.AI_LOCAL_PROVIDER_ENABLED = False  # production settings
        settings.AI_MODELS = {
            **settings.AI_MODELS,
            "image:fast": {**settings.AI_MODELS["image:fast"], "base_url": stability.url, "timeout": 0.5},
            "image:premium": {**settings.AI_MODELS["image:premium"], "base_url": openai.url + "/v1", "timeout": 0.5},
        }
        stubs = {"stability": stability, "openai": openai}
        yield stubs
        for stub in stubs.values():
            assert not stub.violations, "requests the real API would refuse:\n" + "\n".join(stub.violations)
