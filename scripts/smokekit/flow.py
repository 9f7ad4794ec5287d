"""The user's flow over HTTP, against the production web server."""

import json
import re
import uuid
from pathlib import Path

import httpx

from .common import BUCKET, PASSWORD, SmokeFailed, wait_until
from .services import ResendStub, s3_client

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
