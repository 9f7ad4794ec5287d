import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def test_healthz_answers_while_the_process_lives(client, db):
    assert client.get("/healthz").json() == {"status": "ok"}


def test_readyz_is_ok_when_database_cache_and_broker_answer(client, db):
    response = client.get("/readyz")

    assert response.status_code == 200
    assert response.json()["checks"] == {"database": "ok", "cache": "ok", "broker": "ok"}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def own_redis():
    """A Redis server of this test's own, so that it can be stopped mid-test."""
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.fail("redis-server is needed for this test (make test checks Redis is installed)")
    port = _free_port()
    process = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
    )
    for _ in range(50):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            break
        except OSError:
            time.sleep(0.1)
    yield process, f"redis://127.0.0.1:{port}/0"
    process.kill()
    process.wait()


def test_readyz_is_503_naming_redis_when_redis_stops(client, db, settings, own_redis):
    process, url = own_redis
    settings.CACHES = {
        **settings.CACHES,
        "default": {**settings.CACHES["default"], "LOCATION": url},
    }
    settings.CELERY_BROKER_URL = url
    assert client.get("/readyz").status_code == 200

    process.kill()
    process.wait()
    response = client.get("/readyz")

    assert response.status_code == 503
    assert response.json()["failed"] == ["broker", "cache"]


def _manage(*args: str, env: dict) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )


def _production_env(**overrides: str) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in ("SECRET_KEY", "DATABASE_URL", "REDIS_URL")}
    env.update(
        DJANGO_SETTINGS_MODULE="modo.settings.production",
        SECRET_KEY="k7#Qv9$wL2@pXz!8mRb4^nT6&yHc3*eJd5%uFg1(aS0)oPi-lK",
        DATABASE_URL="postgres://postgres@127.0.0.1:5432/modo",
        REDIS_URL="redis://127.0.0.1:6379/14",
        ALLOWED_HOSTS="modo.example.com",
        # Every provider of the shipped chains has a key: no tier left without a real provider.
        GEMINI_API_KEY="g-key",
        OPENAI_API_KEY="o-key",
        STABILITY_API_KEY="s-key",
        ANTHROPIC_API_KEY="a-key",
    )
    env.update(overrides)
    return {k: v for k, v in env.items() if v}


def test_check_deploy_is_clean_under_production_settings():
    result = _manage("check", "--deploy", "--fail-level", "WARNING", env=_production_env())

    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("missing", ["SECRET_KEY", "DATABASE_URL", "REDIS_URL"])
def test_production_refuses_to_start_without_its_secrets(missing):
    result = _manage("check", env=_production_env(**{missing: ""}))

    assert result.returncode != 0
    assert f"{missing} must be set in production." in result.stderr
