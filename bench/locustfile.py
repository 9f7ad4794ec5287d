"""The simulated users of bench/load.py (run by it: `locust -f bench/locustfile.py --headless`).

Each user is one signed-in customer of the studio, coming from an address of its own (the
server trusts one proxy hop, as behind a load balancer). A cycle: open the dashboard (`/api/me`),
list projects, create one, write its story (`local` provider, cache off), read the beats,
illustrate two beats and follow both jobs until they finish. A share of the users
(BENCH_VIDEO_SHARE) also animates each story (a video job, followed until done). Think time
between steps.

A job is followed as the studio page follows it (BENCH_FOLLOW=events, the default): its Server-Sent
Events stream (`GET /api/ai/jobs/{id}/events`, one per job, open at once), read until the server
ends it after `done`. BENCH_FOLLOW=poll follows it as an API client may: `GET /api/ai/jobs/{id}`
every BENCH_POLL_SECONDS.

Every request is checked (status and the fields that matter) and written, with its start,
duration and status, to BENCH_RECORDS when the run stops: bench/load.py computes the figures
from that file. A finished job is also recorded as kind JOB with its queue-to-done time.

Only the standard library and locust here: this file runs under gevent's monkey-patching.
"""

import itertools
import json
import os
import random
import time

import gevent
from locust import FastHttpUser, events, task

ACCOUNTS = json.loads(open(os.environ["BENCH_ACCOUNTS"]).read())  # noqa: SIM115 - [[email, token, address], ...]
PASSWORD = os.environ["BENCH_PASSWORD"]
THINK = tuple(float(n) for n in os.environ.get("BENCH_THINK_SECONDS", "4,12").split(","))
POLL_SECONDS = float(os.environ.get("BENCH_POLL_SECONDS", "2"))
FOLLOW = os.environ.get("BENCH_FOLLOW", "events")
VIDEO_SHARE = float(os.environ.get("BENCH_VIDEO_SHARE", "0.05"))
SIGNIN_SHARE = float(os.environ.get("BENCH_SIGNIN_SHARE", "0.05"))
ARRIVAL_SPREAD = float(os.environ.get("BENCH_ARRIVAL_SPREAD_SECONDS", "0"))
RECORDS = os.environ["BENCH_RECORDS"]
DONE = {"succeeded", "failed"}

_next_account = itertools.count()
_records: list[tuple] = []


@events.request.add_listener
def _record(request_type, name, response_time, response_length, response=None, exception=None, **kwargs):
    status = getattr(response, "status_code", 0) or 0
    started = kwargs.get("start_time") or time.time() - response_time / 1000
    error = f"{type(exception).__name__}: {exception}"[:300] if exception else ""
    _records.append((round(started, 3), request_type, name, round(response_time, 2), status, error))


@events.test_stop.add_listener
def _write_records(**kwargs):
    with open(RECORDS, "w") as out:
        for row in _records:
            out.write(json.dumps(row) + "\n")


class StudioUser(FastHttpUser):
    # Every request on a new connection, as a load balancer spreads them over the workers;
    # and no POST is ever sent on a keep-alive connection the server has just closed.
    connection_timeout = 60.0
    network_timeout = 120.0

    def wait_time(self):
        return random.uniform(*THINK)  # noqa: S311 - load shape, not security

    def on_start(self):
        # locust starts users in lumps (bench/loadkit/phases.py): this one arrives at a random
        # moment of its lump's tick instead.
        gevent.sleep(random.uniform(0, ARRIVAL_SPREAD))  # noqa: S311
        self.email, self.token, self.address = ACCOUNTS[next(_next_account) % len(ACCOUNTS)]
        self.cycle = 0
        # A share of the users animates each story right after it is written (the project's
        # first frames drawn from its premise), so the worker encodes video during the run.
        self.animates = random.random() < VIDEO_SHARE  # noqa: S311
        if random.random() < SIGNIN_SHARE:  # noqa: S311
            self.sign_in()

    def headers(self) -> dict:
        return {
            "X-Session-Token": self.token,
            "X-Forwarded-For": self.address,
            "Content-Type": "application/json",
            "Connection": "close",
        }

    def think(self) -> None:
        gevent.sleep(self.wait_time())

    def sign_in(self) -> None:
        body = {"email": self.email, "password": PASSWORD}
        headers = {"X-Forwarded-For": self.address, "Content-Type": "application/json", "Connection": "close"}
        with self.client.post(
            "/api/auth/app/v1/auth/login",
            json=body,
            headers=headers,
            name="POST /api/auth/…/login",
            catch_response=True,
        ) as response:
            token = _field(response, 200, "meta", "session_token")
            if token:
                self.token = token

    def call(self, method: str, url: str, name: str, expected: int, body: dict | None = None, check=None):
        """One request, checked; returns the JSON body when it is right, else None."""
        with self.client.request(
            method, url, json=body, headers=self.headers(), name=name, catch_response=True
        ) as response:
            if response.status_code != expected:
                response.failure(f"{response.status_code}: {(response.text or '')[:200]}")
                return None
            try:
                data = response.json()
            except ValueError:
                response.failure(f"not JSON: {(response.text or '')[:200]}")
                return None
            problem = check(data) if check else None
            if problem:
                response.failure(problem)
                return None
            response.success()
            return data

    @task
    def make_a_story(self):
        self.cycle += 1
        self.call("GET", "/api/me", "GET /api/me", 200, check=lambda d: None if "credits" in d else "no credits")
        self.call("GET", "/api/projects/", "GET /api/projects/", 200, check=lambda d: None if "results" in d else "?")
        self.think()
        project = self.call(
            "POST",
            "/api/projects/",
            "POST /api/projects/",
            201,
            {"title": f"Load {self.cycle}", "premise": "A kite that remembers every storm"},
            check=lambda d: None if d.get("id") else "no id",
        )
        if not project:
            return
        self.think()
        premise = f"{self.email} cycle {self.cycle}: a kite that remembers every storm it has flown through"
        story = self.call(
            "POST",
            "/api/ai/generate-story",
            "POST /api/ai/generate-story",
            200,
            {"premise": premise, "quality": "fast", "project_id": project["id"]},
            check=_story_problem,
        )
        if not story:
            return
        if self.animates:
            self.think()
            queued = self.call(
                "POST",
                "/api/ai/generate-video",
                "POST /api/ai/generate-video",
                202,
                {"project_id": project["id"], "quality": "fast"},
                check=_queued_problem,
            )
            if queued:
                self.wait_for_jobs([queued["job_id"]], "video")
        self.think()
        beats = self.call(
            "GET",
            f"/api/projects/{project['id']}/beats/",
            "GET /api/projects/{id}/beats/",
            200,
            check=lambda d: None if len(_results(d)) >= 2 else f"{len(_results(d))} beats after the story",
        )
        if not beats:
            return
        self.think()
        jobs = []
        for beat in _results(beats)[:2]:
            queued = self.call(
                "POST",
                "/api/ai/generate-image",
                "POST /api/ai/generate-image",
                202,
                {"project_id": project["id"], "beat_id": beat["id"], "quality": "fast"},
                check=_queued_problem,
            )
            if queued:
                jobs.append(queued["job_id"])
        self.wait_for_jobs(jobs, "image")

    def wait_for_jobs(self, job_ids: list[str], kind: str) -> None:
        """Follow every job until it is done; record each one's queue-to-done time."""
        if FOLLOW == "poll":
            self.poll_jobs(job_ids, kind)
        else:
            gevent.joinall([gevent.spawn(self.follow_events, job_id, kind) for job_id in job_ids])

    def follow_events(self, job_id: str, kind: str) -> None:
        """The job's event stream, read whole: the server ends it after `done` or `failed`. Its
        response time is the time to open it (its headers), as a user waits for that; the job's
        own time is the JOB record."""
        started = time.time()
        headers = {**self.headers(), "Accept": "text/event-stream"}
        del headers["Content-Type"]
        with self.client.get(
            f"/api/ai/jobs/{job_id}/events",
            headers=headers,
            name="GET /api/ai/jobs/{id}/events",
            stream=True,
            catch_response=True,
        ) as response:
            problem = _events_problem(response)
            if problem:
                response.failure(problem)
                return
            response.success()
        _job_done(kind, started)

    def poll_jobs(self, job_ids: list[str], kind: str) -> None:
        started = time.time()
        pending = set(job_ids)
        while pending:
            gevent.sleep(POLL_SECONDS)
            for job_id in sorted(pending):
                job = self.call(
                    "GET",
                    f"/api/ai/jobs/{job_id}",
                    "GET /api/ai/jobs/{id}",
                    200,
                    check=lambda d: None if d.get("status") != "failed" else f"job failed: {d.get('error')}",
                )
                if job is None:  # an error, already counted; a failed job included
                    pending.discard(job_id)
                elif job["status"] in DONE:
                    pending.discard(job_id)
                    _job_done(kind, started)


def _job_done(kind: str, started: float) -> None:
    events.request.fire(
        request_type="JOB",
        name=f"{kind} job: queued to done",
        response_time=(time.time() - started) * 1000,
        response_length=0,
        start_time=started,
    )


def _events_problem(response) -> str | None:
    if response.status_code != 200:
        return f"{response.status_code}: {(response.text or '')[:200]}"
    if not (response.headers.get("content-type") or "").startswith("text/event-stream"):
        return f"not an event stream: {response.headers.get('content-type')}"
    names = [line[len("event: ") :] for line in (response.text or "").splitlines() if line.startswith("event: ")]
    if not names or names[-1] != "done":
        return f"stream ended after {names[-3:]}, not after done: {(response.text or '')[-200:]}"
    return None


def _results(page: dict) -> list:
    return page.get("results", page) if isinstance(page, dict) else page


def _story_problem(data: dict) -> str | None:
    beats = (data.get("data") or {}).get("beats") or []
    if data.get("success") is not True or data.get("cached") is not False or not 5 <= len(beats) <= 12:
        return f"unexpected story answer: {json.dumps(data)[:200]}"
    return None


def _queued_problem(data: dict) -> str | None:
    return None if data.get("job_id") and data.get("status") in {"queued", "running", "succeeded"} else "no job"


def _field(response, expected: int, *path: str):
    if response.status_code != expected:
        response.failure(f"{response.status_code}: {(response.text or '')[:200]}")
        return None
    try:
        value = response.json()
        for key in path:
            value = value[key]
    except (ValueError, KeyError, TypeError):
        response.failure(f"no {'.'.join(path)}: {(response.text or '')[:200]}")
        return None
    response.success()
    return value
