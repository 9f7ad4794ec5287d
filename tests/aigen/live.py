"""The production web server (gunicorn.conf.py: uvicorn workers, ASGI) as a process of its own,
on the test database and Redis, and an HTTP client signed in to it with an app session token."""

import socket
import subprocess
import sys
import time

import httpx

from .workers import ROOT, worker_env


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def server_start(**extra: str) -> tuple[subprocess.Popen, str]:
    port = free_port()
    process = subprocess.Popen(  # noqa: S603
        [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "modo.asgi:application"],
        cwd=ROOT,
        env=worker_env(**{"WEB_BIND": f"127.0.0.1:{port}", "WEB_WORKERS": "1", "WEB_LOG_LEVEL": "warning", **extra}),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(url + "/healthz", timeout=2).status_code == 200:
                return process, url
        except httpx.HTTPError:
            time.sleep(0.2)
    process.kill()
    raise AssertionError("the web server did not start")


def signed_in(url: str, *, email: str, password: str, organization) -> httpx.Client:
    """A client of the server, signed in through allauth headless (app session token)."""
    client = httpx.Client(base_url=url, timeout=30)
    login = client.post("/api/auth/app/v1/auth/login", json={"email": email, "password": password})
    assert login.status_code == 200, login.text
    client.headers["X-Session-Token"] = login.json()["meta"]["session_token"]
    client.headers["X-Organization"] = str(organization.pk)
    return client


def sse_events(response: httpx.Response):
    """(id, event, data) of each event of an open text/event-stream response."""
    import json

    current: dict = {}
    for line in response.iter_lines():
        if not line:
            if "event" in current:
                yield current.get("id"), current["event"], json.loads(current.get("data", "null"))
            current = {}
        elif not line.startswith(":"):
            name, _sep, value = line.partition(":")
            current[name] = value[1:] if value.startswith(" ") else value
