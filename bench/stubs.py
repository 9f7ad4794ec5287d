"""Stub providers at real speed for bench/slow_provider.py, on loopback: Gemini's
streamGenerateContent (SSE, the story in BENCH_CHUNKS pieces spread over
BENCH_PROVIDER_SECONDS; BENCH_LONG_SECONDS for a premise tagged LONG_TAG) and Stability (a PNG
after BENCH_IMAGE_SECONDS).

The stubs run in a process of their own, as a remote provider would: in the bench's process
they shared one interpreter lock with its 200 client threads, and every piece of a story came
late by however long those threads held it (a "3 s" story took 3.8 to 6.5 s). Each piece is
sent at its time from the request's start, not after the previous one plus a sleep."""

import json
import multiprocessing
import os
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

PROVIDER_SECONDS = float(os.environ.get("BENCH_PROVIDER_SECONDS", "3"))
CHUNKS = int(os.environ.get("BENCH_CHUNKS", "12"))
IMAGE_SECONDS = float(os.environ.get("BENCH_IMAGE_SECONDS", "5"))
LONG_SECONDS = float(os.environ.get("BENCH_LONG_SECONDS", "120"))
LONG_TAG = "[long]"

# premise tag -> when the stub sent its first piece (shared with the stubs' process)
FIRST_CHUNK_AT: dict[str, float] = {}


def _story_text(tag: str) -> str:
    beats = [
        {"index": i, "title": f"Beat {i} of {tag}", "description": f"Something happens ({i})."} for i in range(1, 7)
    ]
    story = {"title": f"Story {tag}", "logline": "A bench story.", "genre": "fable", "characters": [], "beats": beats}
    return json.dumps(story)


def _png() -> bytes:
    import io

    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (64, 36), (30, 90, 160)).save(out, format="PNG")
    return out.getvalue()


class _Stub(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.0"

    def log_message(self, *args):
        pass

    def do_POST(self):  # noqa: N802
        body = self.rfile.read(int(self.headers.get("content-length") or 0))
        if ":streamGenerateContent" in self.path:
            self._stream_story(body)
        else:  # Stability's stable-image/generate/core
            time.sleep(IMAGE_SECONDS)
            data = _png()
            self.send_response(200)
            self.send_header("content-type", "image/png")
            self.send_header("finish-reason", "SUCCESS")
            self.send_header("content-length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

    def _stream_story(self, body: bytes):
        text = body.decode(errors="replace")
        tag = text.split("bench-tag:", 1)[-1].split("\\", 1)[0].split('"', 1)[0][:40] if "bench-tag:" in text else "?"
        seconds = LONG_SECONDS if LONG_TAG in text else PROVIDER_SECONDS
        story = _story_text(tag)
        size = -(-len(story) // CHUNKS)
        began = time.monotonic()
        self.send_response(200)
        self.send_header("content-type", "text/event-stream")
        self.end_headers()
        for number, start in enumerate(range(0, len(story), size), start=1):
            time.sleep(max(0.0, began + number * seconds / CHUNKS - time.monotonic()))
            candidate = {"content": {"role": "model", "parts": [{"text": story[start : start + size]}]}, "index": 0}
            chunk = {"candidates": [candidate]}
            if start + size >= len(story):
                candidate["finishReason"] = "STOP"
                chunk["usageMetadata"] = {"promptTokenCount": 100, "candidatesTokenCount": 300, "totalTokenCount": 400}
            if number == 1 and tag not in FIRST_CHUNK_AT:
                FIRST_CHUNK_AT[tag] = time.time()
            self.wfile.write(f"data: {json.dumps(chunk)}\n\n".encode())
            self.wfile.flush()


def _server() -> ThreadingHTTPServer:
    ThreadingHTTPServer.request_queue_size = 1024
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Stub)
    server.daemon_threads = True
    return server


def _serve(ports, first_chunks) -> None:
    global FIRST_CHUNK_AT
    FIRST_CHUNK_AT = first_chunks
    server = _server()
    ports.send(server.server_address[1])
    server.serve_forever()


def first_chunk_at(tag: str) -> float | None:
    return FIRST_CHUNK_AT.get(tag)


def stubs_start(*, own_process: bool = True, cores: set[int] | None = None) -> str:
    """The stubs' base URL: served by a process of their own (daemon: it ends with the bench; on
    `cores` if given), or by a thread of this one (own_process=False: bench/story_cpu.py profiles
    in one process)."""
    global FIRST_CHUNK_AT
    if not own_process:
        server = _server()
        threading.Thread(target=server.serve_forever, daemon=True).start()
        return f"http://127.0.0.1:{server.server_address[1]}"
    context = multiprocessing.get_context("fork")
    FIRST_CHUNK_AT = context.Manager().dict()
    ours, theirs = context.Pipe()
    process = context.Process(target=_serve, args=(theirs, FIRST_CHUNK_AT), daemon=True)
    process.start()
    if cores:
        os.sched_setaffinity(process.pid, cores)
    return f"http://127.0.0.1:{ours.recv()}"
