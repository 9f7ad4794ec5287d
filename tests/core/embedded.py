"""The embedded default (`make run`) as a separate process: SQLite in a temporary folder,
the filesystem broker, no Redis."""

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[2]


def embedded_env(tmp_path: Path) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_", "REDIS_", "CELERY_", "DJANGO_"))}
    env.update(
        DJANGO_SETTINGS_MODULE="modo.settings.local",
        DATABASE_URL=f"sqlite:///{tmp_path / 'modo.sqlite3'}",
        CELERY_BROKER_DIR=str(tmp_path / "broker"),
        MEDIA_ROOT=str(tmp_path / "media"),
    )
    return env


def manage(env: dict, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, check=True, capture_output=True)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def web_server_start(env: dict, *, port: int, log: Path, workers: int = 2) -> subprocess.Popen:
    """The production web server as `make run` starts it (gunicorn.conf.py: uvicorn workers),
    and the I/O worker that writes stories, on the same filesystem broker: requests really run
    at once, and a story is written while its request waits."""
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "modo", "worker", "-Q", "text,default", "--pool", "threads",
         "--concurrency", "20", "--without-gossip", "--without-mingle", "--without-heartbeat", "--loglevel", "WARNING"],
        cwd=ROOT, env=env, stdout=log.with_suffix(".worker.log").open("w"), stderr=subprocess.STDOUT,
    )  # fmt: skip
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "modo.asgi:application"],
        cwd=ROOT, env={**env, "WEB_BIND": f"127.0.0.1:{port}", "WEB_WORKERS": str(workers)},
        stdout=log.open("w"), stderr=subprocess.STDOUT,
    )  # fmt: skip
    server.worker = worker  # stopped with the server (web_server_stop)
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if server.poll() is not None:
            web_server_stop(server)
            raise RuntimeError(f"the web server stopped: {log.read_text()[-2000:]}")
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2).status_code == 200:
                return server
        except httpx.HTTPError:
            time.sleep(0.3)
    web_server_stop(server)
    raise RuntimeError("the web server did not answer /healthz within 90 s")


def web_server_stop(server: subprocess.Popen) -> None:
    for process in (server, server.worker):
        process.terminate()
    for process in (server, server.worker):
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
