"""A local stand-in for Sentry's ingestion endpoint: it accepts envelopes on 127.0.0.1 and keeps them."""

import gzip
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import brotli


class SentryStub:
    def __init__(self):
        self.envelopes: list[bytes] = []
        self.received = threading.Event()
        stub = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - http.server's naming
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                encoding = self.headers.get("Content-Encoding", "")
                if encoding == "gzip":
                    body = gzip.decompress(body)
                elif encoding == "br":
                    body = brotli.decompress(body)
                stub.envelopes.append(body)
                stub.received.set()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(b"{}")

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def dsn(self) -> str:
        return f"http://publickey@127.0.0.1:{self.server.server_port}/42"

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()

    def events(self) -> list[dict]:
        """The error events of every envelope received: a header line, then for each item a
        header line and a payload (`length` bytes when the header says, else up to the newline)."""
        events = []
        for envelope in self.envelopes:
            _envelope_header, _newline, rest = envelope.partition(b"\n")
            while rest.strip():
                item_header, _newline, rest = rest.partition(b"\n")
                header = json.loads(item_header)
                if "length" in header:
                    payload, rest = rest[: header["length"]], rest[header["length"] + 1 :]
                else:
                    payload, _newline, rest = rest.partition(b"\n")
                if header.get("type") == "event":
                    events.append(json.loads(payload))
        return events
