"""Production smoke test (`make smoke`): the deployment as shipped, wired as docker-compose.yml
wires it, proven over HTTP.

1. A virtual environment built from requirements.txt alone (exactly what the Dockerfile
   installs) under var/smoke/venv; rebuilt when requirements.txt changes.
2. PostgreSQL (a fresh SMOKE_DATABASE) reached through PgBouncer in transaction pooling
   (Debian's pgbouncer, started here), Redis (SMOKE_REDIS_URL), an S3 server (moto) standing
   in for R2, and a stub of Resend's API that keeps the emails.
3. With modo.settings.production: migrate (straight to PostgreSQL, as compose's migrate),
   then web (the Dockerfile's CMD, read from the Dockerfile), a Celery worker and beat as
   three processes, each in an empty working directory of its own.
4. Over HTTP: signup -> the verification email -> verify -> project -> story -> image ->
   video -> publish -> the public list; the files are in the S3 bucket and served from it;
   edge errors (431, 413) answer JSON through the real web server.
5. Nothing was written under the working directories, nor under the repository's var/
   (except var/smoke), and no job scratch folder is left.

Exit 0 on success; 1 with the reason and the tail of each process' log otherwise.
"""

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
import tempfile
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import boto3
import httpx

ROOT = Path(__file__).resolve().parent.parent
SMOKE_DIR = ROOT / "var" / "smoke"
VENV = SMOKE_DIR / "venv"
DATABASE = os.environ.get("SMOKE_DATABASE", "modo_smoke")
POSTGRES = os.environ.get("SMOKE_POSTGRES", "postgres://postgres@127.0.0.1:5432")
REDIS_URL = os.environ.get("SMOKE_REDIS_URL", "redis://127.0.0.1:6379/11")
BUCKET = "modo-smoke"
PASSWORD = "smoke-test-password-2026"  # noqa: S105 - a throwaway account
TIMEOUT = float(os.environ.get("SMOKE_TIMEOUT", "180"))


class SmokeFailed(Exception):
    pass


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_until(what: str, predicate, timeout: float = TIMEOUT, every: float = 0.5):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            value = predicate()
        except SmokeFailed:
            raise
        except Exception:  # not up yet: ask again
            value = None
        if value:
            return value
        time.sleep(every)
    raise SmokeFailed(f"{what}: not within {timeout:.0f} s")


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


# --- 4. The user's flow over HTTP ------------------------------------------------------------


def expect(response: httpx.Response, *statuses: int) -> dict:
    if response.status_code not in statuses:
        raise SmokeFailed(
            f"{response.request.method} {response.request.url.path}: {response.status_code} {response.text[:300]}"
        )
    return response.json() if response.content else {}


def job_finished(client: httpx.Client, job_id: str) -> dict:
    def done():
        job = expect(client.get(f"/api/ai/jobs/{job_id}"), 200)
        return job if job["status"] not in ("queued", "running") else None

    job = wait_until(f"job {job_id} finishes", done)
    if job["status"] != "succeeded":
        raise SmokeFailed(f"job {job_id} ended {job['status']}: {job.get('error')}")
    return job


def user_flow(base_url: str, resend: ResendStub, moto_port: int) -> dict:
    email = f"smoke-{uuid.uuid4().hex[:8]}@example.com"
    client = httpx.Client(base_url=base_url, timeout=60)
    auth = "/api/auth/app/v1"

    signup = client.post(f"{auth}/auth/signup", json={"email": email, "password": PASSWORD})
    body = expect(signup, 200, 401)
    token = body["meta"]["session_token"]
    client.headers["X-Session-Token"] = token
    if signup.status_code == 401:  # production: the address must be verified first
        message = wait_until("the verification email reaches Resend", lambda: _email_to(resend, email))
        key = re.search(r"/accounts/confirm-email/([^/\s\"']+)/", message.get("text", "") + message.get("html", ""))
        if key is None:
            raise SmokeFailed(f"no verification link in the email: {message.get('text', '')[:300]}")
        # Verified: the pending signup may go on to a session (200) or ask for a login (401).
        expect(client.post(f"{auth}/auth/email/verify", json={"key": key.group(1)}), 200, 401)
        login = expect(client.post(f"{auth}/auth/login", json={"email": email, "password": PASSWORD}), 200)
        client.headers["X-Session-Token"] = login["meta"]["session_token"]
    me = expect(client.get("/api/me"), 200)

    project = expect(client.post("/api/projects/", json={"title": "Smoke", "premise": "A mouse-deer"}), 201)
    story = client.post(
        "/api/ai/generate-story",
        json={"premise": "A mouse-deer outwits the crocodiles", "project_id": project["id"]},
    )
    expect(story, 200, 202)
    if story.status_code == 202:
        job_finished(client, story.json()["job_id"])
    beat = expect(client.get(f"/api/projects/{project['id']}/beats/"), 200)[0]
    target = {"project_id": project["id"], "beat_id": beat["id"]}
    image = expect(client.post("/api/ai/generate-image", json=target), 202)
    job_finished(client, image["job_id"])
    video = expect(client.post("/api/ai/generate-video", json=target), 202)
    job_finished(client, video["job_id"])

    assets = expect(client.get(f"/api/projects/{project['id']}/assets/"), 200)["results"]
    kinds = {asset["kind"] for asset in assets}
    if not {"image", "video"} <= kinds:
        raise SmokeFailed(f"assets of the project: {assets}")
    video_asset = next(asset for asset in assets if asset["kind"] == "video")
    expect(client.post(f"/api/assets/{video_asset['id']}/publish"), 200)
    public = expect(httpx.get(f"{base_url}/api/public/contents", timeout=30), 200)
    if video_asset["id"] not in json.dumps(public):
        raise SmokeFailed("the published video is not in /api/public/contents")

    stored = [item["Key"] for item in s3_client(moto_port).list_objects_v2(Bucket=BUCKET).get("Contents", [])]
    if not any(key.endswith(".png") for key in stored) or not any(key.endswith(".mp4") for key in stored):
        raise SmokeFailed(f"the bucket holds {stored}")
    served = httpx.get(video_asset["url"], timeout=30)
    if served.status_code != 200 or served.content[4:8] != b"ftyp":
        raise SmokeFailed(f"the video's URL {video_asset['url']} answered {served.status_code}")

    edges = {
        "long header": client.get("/api/me", headers={"Idempotency-Key": "k" * 10_000}),
        "large body": client.post(
            "/api/projects/", content=b"{" + b" " * 3_000_000 + b"}", headers={"Content-Type": "application/json"}
        ),
    }
    for name, response in edges.items():
        if response.status_code < 400 or not response.headers.get("content-type", "").startswith("application/json"):
            raise SmokeFailed(f"{name}: {response.status_code} {response.headers.get('content-type')}")
    return {"user": me["user"]["email"], "objects": stored, "edges": {k: v.status_code for k, v in edges.items()}}


def _email_to(resend: ResendStub, address: str) -> dict | None:
    for message in resend.emails:
        if address in json.dumps(message.get("to")):
            return message
    return None


# --- 5. Nothing written where it should not be -----------------------------------------------


def files_under(folder: Path, *, skip: tuple[Path, ...] = ()) -> set[str]:
    if not folder.exists():
        return set()
    found = set()
    for path in folder.rglob("*"):
        if not any(path == s or s in path.parents for s in skip):
            found.add(str(path.relative_to(folder)))
    return found


def main() -> int:
    bin_dir = venv_build()
    database_recreate()
    base = Path(tempfile.mkdtemp(prefix="modo-smoke-"))
    base.chmod(0o755)
    logs = base / "logs"
    logs.mkdir()
    workdirs = {name: base / f"cwd-{name}" for name in ("migrate", "web", "worker", "worker-io", "beat")}
    for folder in workdirs.values():
        folder.mkdir()
    scratch = base / "scratch"
    var_before = files_under(ROOT / "var", skip=(SMOKE_DIR,))
    web_port, pgbouncer_port, moto_port = free_port(), free_port(), free_port()
    resend = ResendStub()
    threading.Thread(target=resend.serve_forever, daemon=True).start()
    processes: dict[str, subprocess.Popen] = {}
    log_files = {}

    def log(name: str):
        log_files[name] = open(logs / f"{name}.log", "w")  # noqa: SIM115 - closed at the end
        return log_files[name]

    try:
        import redis

        redis.Redis.from_url(REDIS_URL).flushdb()
        processes["pgbouncer"] = pgbouncer_start(base / "pgbouncer", pgbouncer_port, log("pgbouncer"))
        processes["moto"] = moto_start(moto_port, log("moto"))
        env = production_env(
            web_port=web_port, pgbouncer_port=pgbouncer_port, moto_port=moto_port, resend=resend, scratch=scratch
        )
        migrate_env = {**env, "DATABASE_URL": f"{POSTGRES}/{DATABASE}"}  # straight to PostgreSQL
        python = str(bin_dir / "python")
        subprocess.run(  # noqa: S603
            [python, str(ROOT / "manage.py"), "migrate", "--noinput"],
            cwd=workdirs["migrate"],
            env=migrate_env,
            stdout=log("migrate"),
            stderr=subprocess.STDOUT,
            check=True,
        )
        web_command, web_env = dockerfile_web_command(bin_dir, web_port)
        print("smoke: web:", " ".join(web_command), flush=True)
        processes["web"] = start(web_command, cwd=workdirs["web"], env={**env, **web_env}, log=log("web"))
        celery = str(bin_dir / "celery")
        # The workers of docker-compose.yml: `default` and `encode` (ffmpeg) on processes, provider
        # waits (`text`, `images`, Veo's `video`) on a threads pool.
        processes["worker"] = start(
            [celery, "-A", "modo", "worker", "-Q", "default,encode", "--concurrency", "2", "-n", "main@%h",
             "--loglevel", "INFO"],
            cwd=workdirs["worker"],
            env=env,
            log=log("worker"),
        )  # fmt: skip
        processes["worker-io"] = start(
            [celery, "-A", "modo", "worker", "-Q", "text,images,video", "--pool", "threads", "--concurrency", "20",
             "-n", "io@%h", "--loglevel", "INFO"],
            cwd=workdirs["worker-io"],
            env=env,
            log=log("worker-io"),
        )  # fmt: skip
        processes["beat"] = start(
            [celery, "-A", "modo", "beat", "--loglevel", "INFO", "--schedule", str(base / "celerybeat-schedule")],
            cwd=workdirs["beat"],
            env=env,
            log=log("beat"),
        )
        base_url = f"http://127.0.0.1:{web_port}"
        wait_until("web answers /readyz", lambda: httpx.get(f"{base_url}/readyz", timeout=5).status_code == 200)
        result = user_flow(base_url, resend, moto_port)
        for name, process in processes.items():
            if process.poll() is not None:
                raise SmokeFailed(f"{name} exited with {process.returncode}")
    except (SmokeFailed, subprocess.CalledProcessError) as failure:
        failed = failure
    else:
        failed = None
    finally:
        for process in processes.values():
            stop(process)
        resend.shutdown()
        for handle in log_files.values():
            handle.close()
    if failed is not None:
        for name in log_files:
            tail = (logs / f"{name}.log").read_text(errors="replace")[-3000:]
            print(f"--- {name} ---\n{tail}", file=sys.stderr)
        print(f"smoke: FAILED: {failed}", file=sys.stderr)
        return 1

    written = {name: sorted(files_under(folder)) for name, folder in workdirs.items() if files_under(folder)}
    var_new = sorted(files_under(ROOT / "var", skip=(SMOKE_DIR,)) - var_before)
    leftovers = sorted(files_under(scratch))
    if written or var_new or leftovers:
        print(f"smoke: FAILED: written in working directories {written}, under var/ {var_new}, scratch {leftovers}")
        return 1
    shutil.rmtree(base, ignore_errors=True)
    print(f"smoke: OK: {result['user']} signed up, made a story, an image and a video, published it;")
    print(f"smoke: in S3: {', '.join(result['objects'])}; edge errors as JSON: {result['edges']};")
    print("smoke: web, worker and beat wrote nothing under their working directories.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
