"""Media on S3/R2 (django-storages, querystring auth, SigV4) against s3rver, an S3 server that
refuses an expired signed URL (moto, the smoke test's S3 server, does not check expiry): the URL
MODO hands to a member works until it expires, then the bucket refuses it; another organization
gets no URL for an unpublished file (404 from MODO's pages and API); a published one gets a URL
anyone can open. Neither server checks a SigV4 signature itself (a URL moved to another key) nor
refuses unsigned reads the way R2 does: tests/aigen/test_storage_r2.py covers the private bucket
on moto."""

import shutil
import socket
import subprocess
import time
from pathlib import Path

import boto3
import httpx
import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.test import Client
from rest_framework.test import APIClient

from studio import services

ROOT = Path(__file__).resolve().parents[2]
S3RVER = ROOT / "node_modules" / ".bin" / "s3rver"
BUCKET = "modo-media"
KEY = SECRET = "S3RVER"  # s3rver's own account
EXPIRES = 2  # seconds: R2_SIGNED_URL_SECONDS in this test
PNG = b"\x89PNG private pixels"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def s3(settings, tmp_path):
    if not S3RVER.exists() or shutil.which("node") is None:
        pytest.fail("s3rver is missing: run `make node` (npm ci of package.json)")
    port = free_port()
    process = subprocess.Popen(  # noqa: S603
        [str(S3RVER), "-d", str(tmp_path / "s3"), "-a", "127.0.0.1", "-p", str(port), "-s", "--no-vhost-buckets",
         "--configure-bucket", BUCKET],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    endpoint = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            httpx.get(endpoint, timeout=1)
            break
        except httpx.TransportError:
            assert time.monotonic() < deadline, "s3rver did not start"
            time.sleep(0.2)
    # The storage modo/settings/storage.py configures when R2_BUCKET is set (signed URLs on).
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                "bucket_name": BUCKET, "endpoint_url": endpoint, "access_key": KEY, "secret_key": SECRET,
                "region_name": "us-east-1", "custom_domain": None, "default_acl": None, "querystring_auth": True,
                "querystring_expire": EXPIRES, "file_overwrite": False, "signature_version": "s3v4",
            },
        },
    }  # fmt: skip
    client = boto3.client(
        "s3", endpoint_url=endpoint, aws_access_key_id=KEY, aws_secret_access_key=SECRET, region_name="us-east-1"
    )
    yield client
    process.terminate()
    process.wait(timeout=10)


@pytest.fixture
def draft(s3, project_with_story):
    stored = default_storage.save("assets/2026/12/draft.png", ContentFile(PNG))
    return services.asset_create(project=project_with_story, beat=None, kind="image", file_name=stored)


def api_as(user, organization=None) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    if organization is not None:
        client.credentials(HTTP_X_ORGANIZATION=str(organization.id))
    return client


def asset_url(client: APIClient, project) -> str:
    response = client.get(f"/api/projects/{project.id}/assets/")
    assert response.status_code == 200, response.content
    [asset] = response.json()["results"] if isinstance(response.json(), dict) else response.json()
    return asset["url"]


def test_a_members_signed_url_works_until_it_expires(s3, draft, owner, organization):
    assert s3.get_object(Bucket=BUCKET, Key=draft.file.name)["Body"].read() == PNG  # stored in the bucket

    url = asset_url(api_as(owner, organization), draft.project)

    assert f"X-Amz-Expires={EXPIRES}" in url
    fetched = httpx.get(url)
    assert fetched.status_code == 200 and fetched.content == PNG
    time.sleep(EXPIRES + 1.5)
    expired = httpx.get(url)
    assert expired.status_code == 403 and "Request has expired" in expired.text
    fresh = asset_url(api_as(owner, organization), draft.project)  # each read signs anew
    assert httpx.get(fresh).status_code == 200


def test_another_organization_gets_no_url_for_an_unpublished_file(s3, draft, outsider):
    stranger = api_as(outsider)
    page = Client()
    page.force_login(outsider)

    assert stranger.get(f"/api/projects/{draft.project.id}/assets/").status_code == 404
    assert stranger.get(f"/api/projects/{draft.project.id}/beats/").status_code == 404
    assert page.get(f"/studio/{draft.project.id}/").status_code == 404
    public = Client().get("/api/public/contents")
    assert public.status_code == 200 and draft.file.name not in public.content.decode()
    assert draft.file.name not in Client().get("/gallery/").content.decode()


def test_a_published_file_gets_a_signed_url_anyone_can_open(s3, draft):
    services.asset_publish(asset=draft)

    public = Client().get("/api/public/contents").json()
    [url] = [item["url"] for item in public["results"] if draft.file.name in item.get("url", "")]

    assert httpx.get(url).content == PNG
