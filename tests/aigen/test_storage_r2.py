"""R2 (S3 API through django-storages), configured from the environment, against moto in server mode."""

import json
import os
import socket
import subprocess
import sys
from urllib.parse import parse_qs, urlsplit

import boto3
import httpx
import pytest
from moto.server import ThreadedMotoServer

from .workers import ROOT


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def s3_server():
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    endpoint = f"http://127.0.0.1:{port}"
    client = boto3.client(
        "s3", endpoint_url=endpoint, aws_access_key_id="test", aws_secret_access_key="test", region_name="us-east-1"
    )
    client.create_bucket(Bucket="modo-media")
    yield endpoint, client
    server.stop()


SCRIPT = """
import json, django
django.setup()
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage, storages
from aigen.providers.local import draw_image
name = default_storage.save("ai/check/image.png", ContentFile(draw_image("A kite", (32, 18))))
print(json.dumps({"backend": type(storages["default"]).__module__, "name": name, "url": default_storage.url(name)}))
"""


def r2_save(endpoint: str, **extra: str) -> dict:
    """Save a file through the storage the environment configures, in a fresh process."""
    env = {
        **{k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")},
        "DJANGO_SETTINGS_MODULE": "modo.settings.local",
        "R2_BUCKET": "modo-media",
        "R2_ENDPOINT_URL": endpoint,
        "R2_ACCESS_KEY_ID": "test",
        "R2_SECRET_ACCESS_KEY": "test",
        "R2_REGION": "us-east-1",
        "R2_PUBLIC_DOMAIN": "media.modo.example.com",
        **extra,
    }
    done = subprocess.run(  # noqa: S603
        [sys.executable, "-c", SCRIPT], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_outputs_go_to_r2_behind_short_lived_signed_urls(s3_server):
    endpoint, client = s3_server

    saved = r2_save(endpoint)

    assert saved["backend"] == "storages.backends.s3"
    url = urlsplit(saved["url"])
    query = parse_qs(url.query)
    assert f"{url.scheme}://{url.netloc}" == endpoint and url.path == f"/modo-media/{saved['name']}"
    assert query["X-Amz-Expires"] == ["600"] and query["X-Amz-Signature"]
    assert httpx.get(saved["url"]).content.startswith(b"\x89PNG")
    assert httpx.get(f"{endpoint}{url.path}").status_code == 403  # the bucket itself is private
    stored = client.get_object(Bucket="modo-media", Key=saved["name"])["Body"].read()
    assert stored.startswith(b"\x89PNG")


def test_unsigned_urls_come_from_the_public_domain_when_signing_is_off(s3_server):
    endpoint, _client = s3_server

    saved = r2_save(endpoint, R2_SIGNED_URLS="false")

    assert saved["url"] == f"https://media.modo.example.com/{saved['name']}"
