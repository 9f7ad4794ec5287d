"""Strict stubs of the streaming text APIs (PROVIDERS.md, "Streaming text"): Gemini
streamGenerateContent, OpenAI chat completions, Anthropic Messages.

Each checks method, path (the model where the API puts it), the auth header and the required
body fields, and answers a request the real API would refuse as that API does (401/403, 400,
404 in its own error JSON); the refusal is kept in `violations` and the `text_stubs` fixture
fails the test with the list. Faults are switched on per stub for the fault matrix.

Where the installed SDK and PROVIDERS.md disagree the SDK wins: google-genai 3.6 calls `/v1/`
(PROVIDERS.md says `/v1beta/`; the API serves both), and anthropic 2.14 sends the API key as
`Authorization: Bearer` (the API takes it and `x-api-key`).
"""

import json
import re

import pytest

from .stubs import Reply, StubServer, stream_reply

TEXT_FAULTS = ("server_error", "rate_limited", "timeout", "malformed", "cut", "refusal")
# Each provider's other ways of saying no, or of failing mid-stream.
TEXT_FAULTS_OWN = (("gemini", "blocked_answer"), ("openai", "content_filter"), ("anthropic", "error_event"))
TEXT_KEYS = {"gemini": "g-key", "openai": "o-key", "anthropic": "a-key"}
OPENAI_ROLES = {"system", "developer", "user", "assistant", "tool"}


def _sse(data: dict, event: str | None = None) -> bytes:
    head = f"event: {event}\n" if event else ""
    return f"{head}data: {json.dumps(data)}\n\n".encode()


def _events(chunks: list[bytes]) -> Reply:
    return Reply(content_type="text/event-stream", chunks=chunks)


class StrictTextStub(StubServer):
    """Checks every request, then answers the switched-on fault, the next scripted Reply, or
    a streamed story."""

    provider = ""

    def __init__(self, *, key: str, model: str):
        super().__init__()
        self.key, self.model = key, model
        self.violations: list[str] = []
        self.fault: str | None = None
        self.timeout_seconds = 2.0
        self.router = self._route

    def calls(self) -> int:
        return len(self.requests)

    def _route(self, method: str, path: str) -> Reply:
        _method, _path, headers, body = self.requests[-1]
        headers = {name.lower(): value for name, value in headers.items()}
        refusal = self.check(method, path, headers, body)
        if refusal is not None:
            status, message, reply = refusal
            self.violations.append(f"{self.provider} {method} {path}: {status} {message}")
            return reply
        if self.fault == "timeout":
            reply = stream_reply(self.provider)
            reply.delay = self.timeout_seconds
            return reply
        if self.fault == "cut":
            return stream_reply(self.provider, cut=True)
        if self.fault == "malformed":  # a proxy's error page where the events belong
            return _events([b"data: <html><body>502 Bad Gateway</body></html>\n\n"])
        if self.fault is not None:
            return self.faulty(self.fault)
        if self.script:
            return self.script.pop(0) if len(self.script) > 1 else self.script[0]
        return stream_reply(self.provider)

    def _json(self, body: bytes):
        try:
            payload = json.loads(body or b"null")
        except ValueError:
            return None
        return payload if isinstance(payload, dict) else None


class GeminiTextStub(StrictTextStub):
    provider = "gemini"
    PATH = re.compile(r"^/(v1|v1beta)/models/(?P<model>[^/:]+):(?P<method>streamGenerateContent|generateContent)$")

    @staticmethod
    def error(status: int, code: str, message: str, headers: dict | None = None) -> Reply:
        body = {"error": {"code": status, "message": message, "status": code}}
        return Reply(status=status, body=json.dumps(body).encode(), headers=headers or {})

    def check(self, method, path, headers, body):
        route, _, query = path.partition("?")
        match = self.PATH.match(route)
        if method != "POST" or match is None:
            return 404, "no such method", self.error(404, "NOT_FOUND", f"Method not found: {method} {route}")
        if match["model"] != self.model:
            message = f"models/{match['model']} is not found for API version v1beta"
            return 404, message, self.error(404, "NOT_FOUND", message)
        if match["method"] == "streamGenerateContent" and "alt=sse" not in query:
            return 400, "streaming without alt=sse", self.error(400, "INVALID_ARGUMENT", "alt=sse is expected")
        key = headers.get("x-goog-api-key") or dict(re.findall(r"(\w+)=([^&]*)", query)).get("key")
        if not key:
            message = "Method doesn't allow unregistered callers (callers without established identity)."
            return 403, message, self.error(403, "PERMISSION_DENIED", message)
        if key != self.key:
            message = "API key not valid. Please pass a valid API key."
            return 400, message, self.error(400, "INVALID_ARGUMENT", message)
        payload = self._json(body)
        problems = []
        if payload is None:
            problems.append("Invalid JSON payload received.")
        else:
            contents = payload.get("contents")
            if not isinstance(contents, list) or not contents:
                problems.append("* GenerateContentRequest.contents: contents is not specified")
            elif not all(isinstance(c, dict) and c.get("parts") for c in contents):
                problems.append("* GenerateContentRequest.contents.parts: contents.parts must not be empty.")
            config = payload.get("generationConfig") or {}
            mime = config.get("responseMimeType", "text/plain")
            if mime not in ("text/plain", "application/json", "text/x.enum"):
                problems.append(f"* GenerationConfig.response_mime_type: unsupported mime type {mime}")
            if not 0 <= config.get("temperature", 1) <= 2:
                problems.append("* GenerationConfig.temperature: must be between 0 and 2")
            if int(config.get("maxOutputTokens", 1)) < 1:
                problems.append("* GenerationConfig.max_output_tokens: must be positive")
        if problems:
            message = "\n".join(problems)
            return 400, message, self.error(400, "INVALID_ARGUMENT", message)
        return None

    def faulty(self, fault: str) -> Reply:
        if fault == "server_error":
            return self.error(500, "INTERNAL", "An internal error has occurred. Please retry.")
        if fault == "rate_limited":
            return self.error(429, "RESOURCE_EXHAUSTED", "Resource has been exhausted.", {"retry-after": "1"})
        usage = {"promptTokenCount": 11, "totalTokenCount": 11}
        if fault == "refusal":  # the prompt itself blocked: no candidates at all
            feedback = {"blockReason": "SAFETY", "safetyRatings": [{"category": "HARM_CATEGORY_HARASSMENT"}]}
            return _events([_sse({"promptFeedback": feedback, "usageMetadata": usage})])
        if fault == "blocked_answer":  # the answer blocked: a candidate with no content
            candidate = {"finishReason": "SAFETY", "index": 0, "safetyRatings": []}
            return _events([_sse({"candidates": [candidate], "usageMetadata": usage})])
        raise ValueError(fault)


class OpenAITextStub(StrictTextStub):
    provider = "openai"

    @staticmethod
    def error(status: int, message: str, *, kind="invalid_request_error", param=None, code=None, headers=None):
        body = {"error": {"message": message, "type": kind, "param": param, "code": code}}
        return Reply(status=status, body=json.dumps(body).encode(), headers=headers or {})

    def check(self, method, path, headers, body):
        route = path.partition("?")[0]
        if method != "POST" or route != "/v1/chat/completions":
            message = f"Invalid URL ({method} {route})"
            return 404, message, self.error(404, message)
        if headers.get("authorization") != f"Bearer {self.key}":
            message = (
                "Incorrect API key provided. You can find your API key at https://platform.openai.com/account/api-keys."
            )
            return 401, message, self.error(401, message, code="invalid_api_key")
        payload = self._json(body)
        if payload is None:
            message = "We could not parse the JSON body of your request."
            return 400, message, self.error(400, message)
        if payload.get("model") != self.model:
            message = f"The model `{payload.get('model')}` does not exist or you do not have access to it."
            return 404, message, self.error(404, message, code="model_not_found")
        messages = payload.get("messages")
        if not isinstance(messages, list) or not messages:
            message = "Missing required parameter: 'messages'."
            return 400, message, self.error(400, message, param="messages", code="missing_required_parameter")
        if not all(isinstance(m, dict) and m.get("role") in OPENAI_ROLES and "content" in m for m in messages):
            message = "Invalid value for 'messages': each needs a known role and content."
            return 400, message, self.error(400, message, param="messages", code="invalid_value")
        if "stream_options" in payload and payload.get("stream") is not True:
            message = "The 'stream_options' parameter is only allowed when 'stream' is enabled."
            return 400, message, self.error(400, message, param="stream_options")
        problem = self._response_format_problem(payload.get("response_format"))
        if problem:
            return 400, problem, self.error(400, problem, param="response_format")
        return None

    def _response_format_problem(self, response_format) -> str:
        if response_format is None or response_format.get("type") in ("text", "json_object"):
            return ""
        if response_format.get("type") != "json_schema":
            return f"Invalid value: '{response_format.get('type')}'."
        spec = response_format.get("json_schema") or {}
        if not re.fullmatch(r"[a-zA-Z0-9_-]{1,64}", spec.get("name") or ""):
            return "Missing or invalid 'response_format.json_schema.name'."
        if spec.get("strict"):
            return _strict_schema_problem(spec.get("name"), spec.get("schema") or {}, "")
        return ""

    def faulty(self, fault: str) -> Reply:
        if fault == "server_error":
            return self.error(500, "The server had an error while processing your request.", kind="server_error")
        if fault == "rate_limited":
            message = "Rate limit reached for gpt-4o in organization org-x on tokens per min (TPM)."
            return self.error(429, message, kind="tokens", code="rate_limit_exceeded", headers={"retry-after": "1"})
        base = {"id": "chatcmpl-1", "object": "chat.completion.chunk", "created": 0, "model": self.model}
        usage = {"prompt_tokens": 11, "completion_tokens": 9, "total_tokens": 20}
        first = {"index": 0, "delta": {"role": "assistant", "content": None, "refusal": None}, "finish_reason": None}
        chunks = [_sse({**base, "choices": [first]})]
        if fault == "refusal":  # structured outputs: the refusal in its own field, no content
            for piece in ("I'm sorry, ", "I can't help with that."):
                choice = {"index": 0, "delta": {"refusal": piece}, "finish_reason": None}
                chunks.append(_sse({**base, "choices": [choice]}))
            chunks.append(_sse({**base, "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]}))
        elif fault == "content_filter":
            chunks.append(_sse({**base, "choices": [{"index": 0, "delta": {}, "finish_reason": "content_filter"}]}))
        else:
            raise ValueError(fault)
        chunks += [_sse({**base, "choices": [], "usage": usage}), b"data: [DONE]\n\n"]
        return _events(chunks)


def _strict_schema_problem(name: str, node: dict, where: str) -> str:
    """What OpenAI's strict structured outputs refuse: an object without additionalProperties
    false, or with a property that is not required."""
    context = f"Invalid schema for response_format '{name}': In context=({where or 'root'}), "
    if node.get("type") == "object":
        if node.get("additionalProperties") is not False:
            return context + "'additionalProperties' is required to be supplied and to be false."
        missing = set(node.get("properties", {})) - set(node.get("required", []))
        if missing:
            return context + f"'required' must include every key in properties. Missing '{sorted(missing)[0]}'."
        for key, child in node.get("properties", {}).items():
            if problem := _strict_schema_problem(name, child, f"{where}.{key}" if where else key):
                return problem
    if node.get("type") == "array" and isinstance(node.get("items"), dict):
        return _strict_schema_problem(name, node["items"], f"{where}.items")
    return ""


class AnthropicTextStub(StrictTextStub):
    provider = "anthropic"

    @staticmethod
    def error(status: int, kind: str, message: str, headers: dict | None = None) -> Reply:
        body = {"type": "error", "error": {"type": kind, "message": message}, "request_id": "req_stub"}
        return Reply(status=status, body=json.dumps(body).encode(), headers=headers or {})

    def check(self, method, path, headers, body):
        route = path.partition("?")[0]
        if method != "POST" or route != "/v1/messages":
            return 404, "not found", self.error(404, "not_found_error", f"Not found: {method} {route}")
        key = headers.get("x-api-key") or headers.get("authorization", "").removeprefix("Bearer ")
        if key != self.key:
            return 401, "invalid x-api-key", self.error(401, "authentication_error", "invalid x-api-key")
        if not headers.get("anthropic-version"):
            message = "anthropic-version: header is required"
            return 400, message, self.error(400, "invalid_request_error", message)
        payload = self._json(body)
        if payload is None:
            return 400, "invalid JSON", self.error(400, "invalid_request_error", "The request body is not valid JSON.")
        if payload.get("model") != self.model:
            message = f"model: {payload.get('model')}"
            return 404, message, self.error(404, "not_found_error", message)
        problems = []
        if not isinstance(payload.get("max_tokens"), int) or payload["max_tokens"] < 1:
            problems.append("max_tokens: Field required")
        messages = payload.get("messages")
        if not isinstance(messages, list) or not messages:
            problems.append("messages: Field required")
        elif any(not isinstance(m, dict) or m.get("role") not in ("user", "assistant") for m in messages):
            problems.append("messages: roles must be user or assistant (system goes in the top-level system)")
        elif messages[0].get("role") != "user":
            problems.append("messages: the first message must use the 'user' role")
        if "system" in payload and not isinstance(payload["system"], str | list):
            problems.append("system: Input should be a valid string or list")
        if problems:
            message = "; ".join(problems)
            return 400, message, self.error(400, "invalid_request_error", message)
        return None

    def faulty(self, fault: str) -> Reply:
        if fault == "server_error":
            return self.error(500, "api_error", "Internal server error")
        if fault == "rate_limited":
            message = "This request would exceed your organization's rate limit."
            return self.error(429, "rate_limit_error", message, {"retry-after": "1"})
        message = {
            "id": "msg_1", "type": "message", "role": "assistant", "model": self.model, "content": [],
            "stop_reason": None, "stop_sequence": None, "usage": {"input_tokens": 11, "output_tokens": 1},
        }  # fmt: skip
        chunks = [_sse({"type": "message_start", "message": message}, "message_start")]
        if fault == "refusal":  # Claude's streaming classifiers stop the answer: stop_reason refusal
            stop = {"type": "message_delta", "delta": {"stop_reason": "refusal", "stop_sequence": None}}
            chunks += [
                _sse({**stop, "usage": {"output_tokens": 1}}, "message_delta"),
                _sse({"type": "message_stop"}, "message_stop"),
            ]
        elif fault == "error_event":  # overloaded mid-stream: an `error` event after a 200
            chunks += [
                _sse({"type": "ping"}, "ping"),
                _sse({"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}}, "error"),
            ]
        else:
            raise ValueError(fault)
        return _events(chunks)


STUBS = {"gemini": GeminiTextStub, "openai": OpenAITextStub, "anthropic": AnthropicTextStub}
ENTRIES = {"gemini": "text:fast", "openai": "text:premium", "anthropic": "text:anthropic"}
SUFFIXES = {"gemini": "", "openai": "/v1", "anthropic": ""}


@pytest.fixture
def text_stubs(settings):
    """The three text providers on strict stubs with keys set, production settings (no local
    placeholder), no adapter retries; each entry points at its stub with a 0.5 s timeout."""
    models = {provider: settings.AI_MODELS[entry]["model"] for provider, entry in ENTRIES.items()}
    with (
        GeminiTextStub(key=TEXT_KEYS["gemini"], model=models["gemini"]) as gemini,
        OpenAITextStub(key=TEXT_KEYS["openai"], model=models["openai"]) as openai,
        AnthropicTextStub(key=TEXT_KEYS["anthropic"], model=models["anthropic"]) as anthropic,
    ):
        stubs = {"gemini": gemini, "openai": openai, "anthropic": anthropic}
        settings.AI_PROVIDER_KEYS = {**settings.AI_PROVIDER_KEYS, **TEXT_KEYS}
        settings.AI_PROVIDER_MAX_RETRIES = 0
        settings.AI_LOCAL_PROVIDER_ENABLED = False
        settings.AI_MODELS = {
            **settings.AI_MODELS,
            **{
                entry: {**settings.AI_MODELS[entry], "base_url": stubs[p].url + SUFFIXES[p], "timeout": 0.5}
                for p, entry in ENTRIES.items()
            },
        }
        yield stubs
        for stub in stubs.values():
            assert not stub.violations, "requests the real API would refuse:\n" + "\n".join(stub.violations)
