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

Exit 0 on success; 1 with the reason and the tail of each process' log otherwise. The parts
are in scripts/smokekit/ (common, services, flow); this file runs them in order.
"""

import shutil
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

import httpx
from smokekit.common import DATABASE, POSTGRES, REDIS_URL, ROOT, SMOKE_DIR, SmokeFailed, free_port, wait_until
from smokekit.flow import files_under, user_flow
from smokekit.services import (
    ResendStub,
    database_recreate,
    dockerfile_web_command,
    moto_start,
    pgbouncer_start,
    production_env,
    start,
    stop,
    venv_build,
)


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
