"""Setup: the database's users and sessions, then gunicorn and the Celery workers."""

import http.client
import os
import signal
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor

from core.compose import QUIET, service_command

from .config import (
    BENCH_REDIS,
    CELERY_CORES,
    CELERY_POOLS,
    OUT,
    PASSWORD,
    PLAN,
    PORT,
    ROOT,
    SERVER_ENV,
    SETUP_THREADS,
    START_CREDITS,
    WEB_CORES,
    WEB_WORKERS,
    pinned,
)

# --- Setup ----------------------------------------------------------------------------


def flush_redis() -> None:
    import redis

    redis.Redis.from_url(BENCH_REDIS).flushdb()


def setup_django():
    os.environ.update(SERVER_ENV)
    import django

    django.setup()


def make_users(count: int) -> list[str]:
    """Paying customers: each buys the plan through billing and gets more credits from credits."""
    from django.contrib.auth.hashers import make_password
    from django.db import connection

    from accounts.models import User
    from accounts.selectors import membership_default
    from accounts.services import user_create
    from billing.models import Order
    from billing.services.checkout import order_checkout
    from billing.services.fulfilment import order_status_apply
    from credits.services.grants import credits_grant

    def make(index: int) -> str:
        try:
            user = user_create(email=f"load{index}@example.com", password=None, name=f"Load {index}")
            membership = membership_default(user=user)
            order = order_checkout(membership=membership, item=f"plan:{PLAN}", gateway="dev")
            applied = order_status_apply(
                order_id=order.order_id,
                status=Order.Status.PAID,
                raw_status="settlement",
                amount=order.amount,
                source="bench",
            )
            if not applied.fulfilled:
                raise RuntimeError(f"the {PLAN} plan of {user.email} was not fulfilled: {applied.reason}")
            credits_grant(organization=membership.organization, amount=START_CREDITS, description="Load benchmark")
            return user.email
        finally:
            connection.close()  # this thread's connection

    with ThreadPoolExecutor(SETUP_THREADS) as pool:
        emails = list(pool.map(make, range(count)))
    # One Argon2 hash (the production hasher) for every user: hashing 1,000 passwords would take
    # minutes of setup; every sign-in still verifies it in full.
    User.objects.filter(email__in=emails).update(password=make_password(PASSWORD))
    return emails


def open_sessions(emails: list[str]) -> list[str]:
    """App session tokens for users who do not sign in over HTTP (BENCH_SIGNIN_USERS): the session
    allauth headless opens after a good password, opened here without the password check."""
    from allauth.headless.internal.sessionkit import new_session
    from django.contrib.auth import login
    from django.test import RequestFactory

    from accounts.models import User

    users = {user.email: user for user in User.objects.filter(email__in=emails)}
    tokens = []
    for email in emails:
        request = RequestFactory().post("/api/auth/app/v1/auth/login")
        request.session = new_session()
        login(request, users[email], backend="accounts.backends.AuthenticationBackend")
        request.session.save()
        tokens.append(request.session.session_key)
    return tokens


def start_servers(env: dict) -> tuple[subprocess.Popen, list[subprocess.Popen]]:
    OUT.mkdir(parents=True, exist_ok=True)
    gunicorn = subprocess.Popen(  # noqa: S603
        # The Dockerfile's CMD: production's gunicorn.conf.py, its values from the environment.
        [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "modo.asgi:application"],
        env={**env, "WEB_BIND": f"127.0.0.1:{PORT}", "WEB_WORKERS": WEB_WORKERS, "WEB_LOG_LEVEL": "warning"},
        cwd=ROOT,
        stdout=open(OUT / "gunicorn.log", "w"),  # noqa: SIM115
        stderr=subprocess.STDOUT,
        preexec_fn=pinned(WEB_CORES),  # noqa: PLW1509 - affinity only
    )
    workers = [
        subprocess.Popen(  # noqa: S603 - docker-compose.yml's worker: its queues, pool and concurrency
            service_command(
                service,
                *QUIET,
                "--without-heartbeat",
                hostname=f"bench-{service}-{index}@%h",
                loglevel="WARNING",
                **({"concurrency": concurrency} if concurrency else {}),
            ),
            env=env,
            cwd=ROOT,
            stdout=open(OUT / f"{service}.log", "w"),  # noqa: SIM115
            stderr=subprocess.STDOUT,
            start_new_session=True,
            preexec_fn=pinned(CELERY_CORES),  # noqa: PLW1509 - affinity only
        )
        for index, (service, concurrency) in enumerate(CELERY_POOLS)
    ]
    return gunicorn, workers


def wait_until_ready() -> None:
    for _ in range(300):
        try:
            conn = http.client.HTTPConnection("127.0.0.1", PORT, timeout=5)
            conn.request("GET", "/readyz")
            if conn.getresponse().status == 200:
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise RuntimeError("gunicorn did not answer /readyz within a minute: see var/bench-load/gunicorn.log")


def stop(process: subprocess.Popen, *, group: bool = False) -> None:
    if process.poll() is None:
        if group:
            os.killpg(process.pid, signal.SIGTERM)
        else:
            process.terminate()
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)
