"""Stub HTTP servers on 127.0.0.1 that speak each provider's wire format (PROVIDERS.md)."""

import base64
import io
import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from PIL import Image

STORY = {
    "title": "The Kite",
    "logline": "A girl and a kite.",
    "genre": "fable",
    "characters": [{"name": "Ayu", "description": "A girl."}],
    "beats": [{"index": i, "title": f"Beat {i}", "description": f"Something happens {i}."} for i in range(1, 6)],
}


def png_bytes() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (8, 8), (200, 10, 10)).save(out, format="PNG")
    return out.getvalue()


def success_body(provider: str, story_text: str | None = None) -> tuple[bytes, str]:
    """(body, content type) of a successful answer in the provider's wire format."""
    text = story_text if story_text is not None else json.dumps(STORY)
    if provider == "openai":
        body = {
            "id": "chatcmpl-1",
            "object": "chat.completion",
            "created": 0,
            "model": "gpt-4o",
            "choices": [{"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": "stop"}],
            "usage": {"prompt_tokens": 11, "completion_tokens": 22, "total_tokens": 33},
        }
    elif provider == "openai-image":
        body = {"created": 0, "data": [{"b64_json": base64.b64encode(png_bytes()).decode()}]}
    elif provider == "gemini":
        body = {
            "candidates": [{"content": {"role": "model", "parts": [{"text": text}]}, "finishReason": "STOP"}],
            "usageMetadata": {"promptTokenCount": 11, "candidatesTokenCount": 22, "totalTokenCount": 33},
        }
    elif provider == "anthropic":
        body = {
            "id": "msg_1",
            "type": "message",
            "role": "assistant",
            "model": "claude",
            "content": [{"type": "text", "text": text}],
            "stop_reason": "end_turn",
            "stop_sequence": None,
            "usage": {"input_tokens": 11, "output_tokens": 22},
        }
    elif provider == "stability":
        return png_bytes(), "image/png"
    else:
        raise ValueError(provider)
    return json.dumps(body).encode(), "application/json"


@dataclass
class Reply:
    status: int = 200
    body: bytes = b""
    content_type: str = "application/json"
    delay: float = 0.0
    headers: dict = field(default_factory=dict)


class StubServer:
    """Answers each request with the next scripted Reply (the last one repeats)."""

    def __init__(self):
        self.script: list[Reply] = []
        self.router = None  # optional: (method, path) -> Reply, instead of the script
        self.requests: list[tuple[str, str, dict, bytes]] = []
        stub = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def _answer(self):
                length = int(self.headers.get("content-length") or 0)
                stub.requests.append((self.command, self.path, dict(self.headers), self.rfile.read(length)))
                if stub.router is not None:
                    reply = stub.router(self.command, self.path)
                else:
                    reply = stub.script.pop(0) if len(stub.script) > 1 else stub.script[0]
                if reply.delay:
                    time.sleep(reply.delay)
                try:
                    self.send_response(reply.status)
                    self.send_header("content-type", reply.content_type)
                    self.send_header("content-length", str(len(reply.body)))
                    for name, value in reply.headers.items():
                        self.send_header(name, value)
                    self.end_headers()
                    self.wfile.write(reply.body)
                except (BrokenPipeError, ConnectionResetError):
                    pass

            do_POST = _answer  # noqa: N815
            do_GET = _answer  # noqa: N815

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()
