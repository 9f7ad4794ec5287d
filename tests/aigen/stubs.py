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
    # A streamed answer: these pieces, written one by one `chunk_delay` apart (the body ends
    # when the connection closes, as a provider's SSE stream does).
    chunks: list[bytes] | None = None
    chunk_delay: float = 0.0


def _sse(data: dict, event: str | None = None) -> bytes:
    head = f"event: {event}\n" if event else ""
    return f"{head}data: {json.dumps(data)}\n\n".encode()


def stream_events(provider: str, text: str, *, pieces: int = 6, cut: bool = False) -> list[bytes]:
    """The provider's streaming wire format (PROVIDERS.md, "Streaming text") for `text` in
    `pieces`; `cut`: the stream stops half-way, without its end (a dropped connection)."""
    size = max(1, -(-len(text) // pieces))
    parts = [text[i : i + size] for i in range(0, len(text), size)]
    if cut:
        parts = parts[: max(1, len(parts) // 2)]
    usage = {"input": 11, "output": 22}
    events: list[bytes] = []
    if provider == "gemini":
        for number, part in enumerate(parts, start=1):
            candidate = {"content": {"role": "model", "parts": [{"text": part}]}, "index": 0}
            chunk = {"candidates": [candidate], "modelVersion": "gemini-2.5-flash"}
            if number == len(parts) and not cut:
                candidate["finishReason"] = "STOP"
                chunk["usageMetadata"] = {"promptTokenCount": 11, "candidatesTokenCount": 22, "totalTokenCount": 33}
            events.append(_sse(chunk))
    elif provider == "openai":
        base = {"id": "chatcmpl-1", "object": "chat.completion.chunk", "created": 0, "model": "gpt-4o"}
        events.append(_sse({**base, "choices": [{"index": 0, "delta": {"role": "assistant", "content": ""}}]}))
        for part in parts:
            events.append(_sse({**base, "choices": [{"index": 0, "delta": {"content": part}, "finish_reason": None}]}))
        if not cut:
            events.append(_sse({**base, "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]}))
            total = {"prompt_tokens": 11, "completion_tokens": 22, "total_tokens": 33}
            events.append(_sse({**base, "choices": [], "usage": total}))
            events.append(b"data: [DONE]\n\n")
    elif provider == "anthropic":
        message = {
            "id": "msg_1", "type": "message", "role": "assistant", "model": "claude", "content": [],
            "stop_reason": None, "stop_sequence": None, "usage": {"input_tokens": usage["input"], "output_tokens": 1},
        }  # fmt: skip
        events.append(_sse({"type": "message_start", "message": message}, "message_start"))
        block = {"type": "content_block_start", "index": 0, "content_block": {"type": "text", "text": ""}}
        events.append(_sse(block, "content_block_start"))
        events.append(_sse({"type": "ping"}, "ping"))
        for part in parts:
            delta = {"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": part}}
            events.append(_sse(delta, "content_block_delta"))
        if not cut:
            events.append(_sse({"type": "content_block_stop", "index": 0}, "content_block_stop"))
            end = {"stop_reason": "end_turn", "stop_sequence": None}
            stop = {"type": "message_delta", "delta": end, "usage": {"output_tokens": usage["output"]}}
            events.append(_sse(stop, "message_delta"))
            events.append(_sse({"type": "message_stop"}, "message_stop"))
    else:
        raise ValueError(provider)
    return events


def stream_reply(provider: str, text: str | None = None, *, pieces: int = 6, delay: float = 0.0, cut: bool = False):
    """A streamed answer of the provider: the story (or `text`) in `pieces`, `delay` apart."""
    text = text if text is not None else json.dumps(STORY)
    chunks = stream_events(provider, text, pieces=pieces, cut=cut)
    return Reply(content_type="text/event-stream", chunks=chunks, chunk_delay=delay)


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
                if reply.chunks is not None:
                    self._stream(reply)
                    return
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

            def _stream(self, reply):
                try:
                    self.send_response(reply.status)
                    self.send_header("content-type", reply.content_type)
                    self.send_header("cache-control", "no-cache")
                    self.send_header("connection", "close")
                    self.end_headers()
                    self.wfile.flush()
                    for number, chunk in enumerate(reply.chunks):
                        if number and reply.chunk_delay:
                            time.sleep(reply.chunk_delay)
                        self.wfile.write(chunk)
                        self.wfile.flush()
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client closed the stream (a cancel)
                self.close_connection = True

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
