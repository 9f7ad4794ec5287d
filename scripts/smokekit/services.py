"""What the smoke test starts: the venv of requirements.txt, PostgreSQL's database behind
PgBouncer, the S3 server (moto), a Resend stub, and the production processes."""

import contextlib
import hashlib
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import boto3
import httpx

from .common import BUCKET, DATABASE, POSTGRES, REDIS_URL, ROOT, VENV, SmokeFailed, wait_until

# --- 1. The virtual environment of requirements.txt alone ------------------------------------


def venv_build() -> Path:
    digest = hashlib.sha256((ROOT / "requirements.txt").read_bytes()).hexdigest()
    stamp = VENV / ".requirements-sha256"
    if stamp.exists() and stamp.read_text() == digest:
        return VENV / "bin"
    print("smoke: building a virtual environment from requirements.txt alone ...", flush=True)
    shutil.rmtree(VENV, ignore_errors=True)
    subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True)  # noqa: S603
    pip = [str(VENV / "bin" / "python"), "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
    subprocess.run([*pip, "-r", str(ROOT / "requirements.txt")], check=True)  # noqa: S603
    stamp.write_text(digest)
    return VENV / "bin"


# --- 2. Services ----------------------------------------------------------------------------


def database_recreate() -> None:
    import psycopg

    with psycopg.connect(f"{POSTGRES}/postgres", autocommit=True) as connection:
        connection.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s", [DATABASE])
        connection.execute(f'DROP DATABASE IF EXISTS "{DATABASE}"')
        connection.execute(f'CREATE DATABASE "{DATABASE}"')


def pgbouncer_start(folder: Path, port: int, log) -> subprocess.Popen:
    binary = shutil.which("pgbouncer") or "/usr/sbin/pgbouncer"
    if not Path(binary).exists():
        raise SmokeFailed("pgbouncer is not installed (apt-get install pgbouncer; .ci/run does it)")
    postgres_host = POSTGRES.rsplit("@", 1)[-1]
    host, _, pg_port = postgres_host.partition(":")
    folder.mkdir(mode=0o755)
    (folder / "userlist.txt").write_text('"postgres" ""\n')
    (folder / "pgbouncer.ini").write_text(
        f"""[databases]
{DATABASE} = host={host} port={pg_port or 5432} dbname={DATABASE}

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = {port}
unix_socket_dir =
auth_type = trust
auth_file = {folder / "userlist.txt"}
pool_mode = transaction
max_client_conn = 200
default_pool_size = 10
ignore_startup_parameters = extra_float_digits,options
"""
    )
    for path in folder.iterdir():
        path.chmod(0o644)
    command = [binary, str(folder / "pgbouncer.ini")]
    if os.geteuid() == 0:  # pgbouncer refuses to run as root
        command[1:1] = ["-u", "postgres"]
    process = subprocess.Popen(  # noqa: S603
        command, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
    )

    def answers():
        if process.poll() is not None:
            raise SmokeFailed(f"pgbouncer exited with {process.returncode}")
        with contextlib.suppress(OSError):
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return True
        return False

    try:
        wait_until("pgbouncer answers", answers)
    except SmokeFailed:
        stop(process)
        raise
    return process


def moto_start(port: int, log) -> subprocess.Popen:
    moto = Path(sys.executable).parent / "moto_server"
    process = subprocess.Popen(  # noqa: S603
        [str(moto), "-H", "127.0.0.1", "-p", str(port)], stdout=log, stderr=subprocess.STDOUT, start_new_session=True
    )
    try:
        wait_until("the S3 server answers", lambda: httpx.get(f"http://127.0.0.1:{port}/", timeout=1).status_code < 500)
        s3_client(port).create_bucket(Bucket=BUCKET)
    except Exception:
        stop(process)
        raise
    return process


def s3_client(port: int):
    return boto3.client(
        "s3",
        endpoint_url=f"http://127.0.0.1:{port}",
        aws_access_key_id="smoke",
        aws_secret_access_key="smoke",  # noqa: S106 - moto takes any key
        region_name="us-east-1",
    )


class ResendStub(ThreadingHTTPServer):
    """Resend's `POST /emails`: keeps each email and answers with an id, as Resend does."""

    def __init__(self):
        self.emails: list[dict] = []
        super().__init__(("127.0.0.1", 0), _ResendHandler)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/"


class _ResendHandler(BaseHTTPRequestHandler):
    def do_POST(self):  # noqa: N802 - http.server's name
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        if self.path.rstrip("/") == "/emails" and self.headers.get("Authorization", "").startswith("Bearer "):
            self.server.emails.append(json.loads(body))
            status, answer = 200, {"id": str(uuid.uuid4())}
        else:
            status, answer = 401, {"name": "validation_error", "message": "Missing API key"}
        payload = json.dumps(answer).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, *args):
        pass


# --- 3. The three processes ------------------------------------------------------------------


def dockerfile_web_command(bin_dir: Path, port: int) -> tuple[list[str], dict[str, str]]:
    """The Dockerfile's CMD (and its GUNICORN_CMD_ARGS), run from another working directory:
    paths of the repository made absolute, gunicorn's config file named, bound to `port`."""
    text = (ROOT / "Dockerfile").read_text()
    commands = [line for line in text.splitlines() if line.startswith("CMD ")]
    if not commands:
        raise SmokeFailed("the Dockerfile has no CMD")
    command = json.loads(commands[-1][4:])
    env = {}
    if match := re.search(r'GUNICORN_CMD_ARGS="([^"]*)"', text):
        env["GUNICORN_CMD_ARGS"] = match.group(1)
    if (bin_dir / command[0]).exists():
        command[0] = str(bin_dir / command[0])
    elif command[0] in ("python", "python3"):
        command[0] = str(bin_dir / "python")
    command = [str(ROOT / arg) if (ROOT / arg).is_file() and not arg.startswith("-") else arg for arg in command]
    is_gunicorn = Path(command[0]).name == "gunicorn"
    if is_gunicorn and (ROOT / "gunicorn.conf.py").exists() and not {"-c", "--config"} & set(command):
        command[1:1] = ["-c", str(ROOT / "gunicorn.conf.py")]  # gunicorn looks in its working directory
    bound = False
    for index, arg in enumerate(command):
        if arg in ("--bind", "-b") and index + 1 < len(command):
            command[index + 1], bound = f"127.0.0.1:{port}", True
        elif arg.startswith("--bind="):
            command[index], bound = f"--bind=127.0.0.1:{port}", True
        elif arg in ("--workers", "-w") and index + 1 < len(command):
            command[index + 1] = "2"  # a 2-core CI machine
    if not bound:
        command += ["--bind", f"127.0.0.1:{port}"]
    return command, env


def production_env(*, web_port: int, pgbouncer_port: int, moto_port: int, resend: ResendStub, scratch: Path):
    keep = {name: os.environ[name] for name in ("PATH", "LANG", "HOME", "TMPDIR") if name in os.environ}
    return {
        **keep,
        "PYTHONPATH": str(ROOT),
        "PYTHONDONTWRITEBYTECODE": "1",
        "PYTHONUNBUFFERED": "1",
        "DJANGO_SETTINGS_MODULE": "modo.settings.production",
        "SECRET_KEY": "smoke-" + hashlib.sha256(b"smoke").hexdigest(),
        "DATABASE_URL": f"postgres://postgres@127.0.0.1:{pgbouncer_port}/{DATABASE}",
        "DATABASE_TRANSACTION_POOLING": "true",
        "REDIS_URL": REDIS_URL,
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "SITE_URL": f"http://127.0.0.1:{web_port}",
        "SECURE_SSL_REDIRECT": "false",
        "R2_BUCKET": BUCKET,
        "R2_ENDPOINT_URL": f"http://127.0.0.1:{moto_port}",
        "R2_ACCESS_KEY_ID": "smoke",
        "R2_SECRET_ACCESS_KEY": "smoke",
        "R2_REGION": "us-east-1",
        "R2_SIGNED_URLS": "true",  # the bucket is private: asset URLs are presigned
        "RESEND_API_KEY": "re_smoke",
        "RESEND_API_URL": resend.url,
        "AI_JOB_SCRATCH_DIR": str(scratch),
        # No provider keys here: the operator allows the offline placeholder provider explicitly
        # (production's default is off, which answers 503 AI_UNAVAILABLE before any charge).
        "AI_LOCAL_PROVIDER_ENABLED": "true",
        "AI_LOCAL_IMAGE_SIZE": "96x54",
        "AI_LOCAL_VIDEO_SIZE": "96x54",
        "AI_LOCAL_VIDEO_SECONDS_PER_BEAT": "1",
        "AI_LOCAL_VIDEO_FPS": "8",
        # A new account's trial pays for the whole flow (story, image, video): environment values only.
        "TRIAL_BONUS_CREDITS": "100",
        "TRIAL_MAX_GENERATIONS": "5",
        "TRIAL_DAILY_REQUESTS": "10",
        "LOG_FORMAT": "plain",
    }


def start(command: list[str], *, cwd: Path, env: dict, log) -> subprocess.Popen:
    return subprocess.Popen(  # noqa: S603
        command, cwd=cwd, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
    )


def stop(process: subprocess.Popen) -> None:
    """TERM to the process' group, KILL after 30 s; never raises, so every process gets stopped."""
    for sig, wait in ((signal.SIGTERM, 30), (signal.SIGKILL, 10)):
        if process.poll() is not None:
            return
        try:
            os.killpg(process.pid, sig)
        except (ProcessLookupError, PermissionError):
            process.send_signal(sig)
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=wait)
