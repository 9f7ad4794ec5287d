"""The embedded default (`make run`): SQLite, no Redis, and a real Celery worker on the
filesystem broker doing background work outside the web process."""

import subprocess
import sys
import time

from .embedded import ROOT, embedded_env

INVITE = """
from accounts.models import Membership
from accounts.services import invitation_create, user_create
owner = user_create(email="owner@modo.local", password="x-pass-12345")
invitation_create(membership=Membership.objects.get(user=owner), email="guest@modo.local", role="member")
"""


def _task_finished(log: str) -> bool:
    return "invitation_send_email" in log and (" succeeded in " in log or " raised " in log)


def test_a_worker_on_the_filesystem_broker_sends_the_invitation_email_in_the_background(tmp_path):
    env = embedded_env(tmp_path)
    manage = [sys.executable, "manage.py"]
    subprocess.run([*manage, "migrate", "--noinput"], cwd=ROOT, env=env, check=True, capture_output=True)
    subprocess.run([*manage, "shell", "-c", INVITE], cwd=ROOT, env=env, check=True, capture_output=True)
    log = tmp_path / "worker.log"

    with log.open("w") as out:
        worker = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "modo", "worker", "-Q", "default", "--concurrency", "1",
             "--pool", "solo", "--loglevel", "INFO"],
            cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
        )  # fmt: skip
        try:
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline and not _task_finished(log.read_text()):
                time.sleep(0.5)
        finally:
            worker.terminate()
            worker.wait(timeout=30)

    output = log.read_text()
    assert "To: guest@modo.local" in output
    assert "/invitations/" in output
