"""Premium video, one Veo clip per beat, against a strict stub of Veo's long-running operations
(Vertex AI express mode): charged per clip, each failed clip refunded on its own."""

import base64
import io
import json
import re
import subprocess  # noqa: S404 - the ffmpeg binary shipped by imageio-ffmpeg
import tempfile

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import call_command
from PIL import Image

from aigen.clips import video_job_queue_per_beat
from aigen.models import GenerationJob
from aigen.providers.local import encode_animatic, ffmpeg_binary
from aigen.tasks import video_generate
from credits.errors import NoCredits
from credits.models import CreditTransaction

from ..credits.balances import fund, held
from .stubs import Reply, StubServer

pytestmark = pytest.mark.django_db

MODEL = "veo-3.1-generate-preview"
KEY = "v-key"
VIDEO = b"\x00\x00\x00\x18ftypmp42-fake-clip-"


class StrictVeoStub:
    """One operation per predictLongRunning; `failing` operation numbers end with an error.
    `faults` {beat: fault} for the per-clip fault matrix (the beat read from its caption):
    "operation_error", "never_done" (polls answer done: false for ever), "submit_429",
    "submit_500", "malformed" (a poll answers an HTML page).
    Requests the real API would refuse are answered 400 and kept in `violations`."""

    def __init__(self, server: StubServer, *, failing: frozenset[int] = frozenset()):
        self.server, self.failing = server, failing
        self.faults: dict[int, str] = {}
        self.clip: bytes | None = None  # a real MP4 to answer with; else small fake bytes
        self.submits: list[dict] = []
        self.beats: dict[str, int] = {}  # operation name -> beat
        self.polls: dict[str, int] = {}
        self.violations: list[str] = []

    def _refuse(self, problem: str) -> Reply:
        self.violations.append(problem)
        return Reply(status=400, body=json.dumps({"error": {"code": 400, "message": problem}}).encode())

    def __call__(self, method: str, path: str) -> Reply:
        _method, _path, headers, raw = self.server.requests[-1]
        headers = {name.lower(): value for name, value in headers.items()}
        if method != "POST":
            return self._refuse(f"{method} {path}: Veo takes POST")
        if headers.get("x-goog-api-key") != KEY:
            return self._refuse(f"{path}: x-goog-api-key is not the key")
        body = json.loads(raw or b"{}")
        if path.endswith(f"/publishers/google/models/{MODEL}:predictLongRunning"):
            instance = (body.get("instances") or [{}])[0]
            if not instance.get("prompt"):
                return self._refuse("predictLongRunning: instances[0].prompt is required")
            image = instance.get("image")
            if image is not None and not (image.get("bytesBase64Encoded") and image.get("mimeType")):
                return self._refuse("predictLongRunning: an image needs bytesBase64Encoded and mimeType")
            if body.get("parameters", {}).get("durationSeconds") not in (4, 6, 8):
                return self._refuse("predictLongRunning: durationSeconds must be 4, 6 or 8")
            beat = int(match[1]) if (match := re.search(r"Beat (\d+):", instance["prompt"])) else -1
            fault = self.faults.get(beat, "")
            if fault.startswith("submit_"):
                status = int(fault.removeprefix("submit_"))
                code = {429: "RESOURCE_EXHAUSTED", 500: "INTERNAL"}[status]
                error = {"error": {"code": status, "message": "try again later", "status": code}}
                return Reply(status=status, body=json.dumps(error).encode(), headers={"retry-after": "1"})
            self.submits.append(instance)
            name = (
                f"projects/p/locations/us-central1/publishers/google/models/{MODEL}/operations/op-{len(self.submits)}"
            )
            self.beats[name] = beat
            return Reply(body=json.dumps({"name": name}).encode())
        if path.endswith(f"/publishers/google/models/{MODEL}:fetchPredictOperation"):
            name = body.get("operationName", "")
            if "/operations/op-" not in name:
                return self._refuse("fetchPredictOperation: operationName is required")
            self.polls[name] = self.polls.get(name, 0) + 1
            fault = self.faults.get(self.beats.get(name, -1), "")
            if self.polls[name] == 1 or fault == "never_done":
                return Reply(body=json.dumps({"name": name, "done": False}).encode())
            if fault == "malformed":
                return Reply(body=b"<html><body>upstream connect error</body></html>")
            number = int(name.rsplit("-", 1)[1])
            if number in self.failing or fault == "operation_error":
                error = {"code": 13, "message": "Video generation failed."}
                return Reply(body=json.dumps({"name": name, "done": True, "error": error}).encode())
            data = self.clip or VIDEO + bytes([number])
            video = {"bytesBase64Encoded": base64.b64encode(data).decode(), "mimeType": "video/mp4"}
            return Reply(body=json.dumps({"name": name, "done": True, "response": {"videos": [video]}}).encode())
        return self._refuse(f"{path}: no such Veo method (the model belongs in the path)")


@pytest.fixture
def veo(settings):
    with StubServer() as server:
        server.router = StrictVeoStub(server)
        settings.AI_PROVIDER_KEYS = {**settings.AI_PROVIDER_KEYS, "veo": KEY}
        settings.AI_VEO_POLL_SECONDS = 0.01
        settings.AI_PROVIDER_MAX_RETRIES = 0
        settings.AI_MODELS = {
            **settings.AI_MODELS,
            "video:premium": {**settings.AI_MODELS["video:premium"], "model": MODEL, "base_url": server.url},
        }
        yield server.router
        assert not server.router.violations, "requests Veo would refuse:\n" + "\n".join(server.router.violations)


def beat_images(count: int) -> list[str]:
    names = []
    for index in range(count):
        out = io.BytesIO()
        Image.new("RGB", (16, 9), (index * 40, 10, 10)).save(out, format="PNG")
        names.append(default_storage.save(f"tests/beat-{index}.png", ContentFile(out.getvalue())))
    return names


def queue(owner, organization, beats: int = 4) -> GenerationJob:
    job, _remaining = video_job_queue_per_beat(
        organization=organization,
        user=owner,
        quality="premium",
        prompt="A harbour",
        image_files=beat_images(beats),
        captions=[f"Beat {n}: the tide turns" for n in range(beats)],
    )
    return job


def test_four_beats_make_four_operations_each_with_its_own_image(veo, owner, funded, paid):
    job = queue(owner, funded)

    video_generate.apply(args=[str(job.pk)])

    job.refresh_from_db()
    assert job.status == "succeeded" and len(job.result["clips"]) == 4
    assert [clip["operation"].rsplit("/", 1)[1] for clip in job.clips] == ["op-1", "op-2", "op-3", "op-4"]
    assert len({submit["image"]["bytesBase64Encoded"] for submit in veo.submits}) == 4
    assert CreditTransaction.objects.filter(type="usage", reference_id=str(job.pk)).count() == 4
    assert held(funded) == (1000 - 240, 0)


def test_one_failed_clip_of_four_keeps_three_and_refunds_exactly_one_clip(veo, owner, funded, paid):
    veo.failing = frozenset({3})
    job = queue(owner, funded)

    video_generate.apply(args=[str(job.pk)])

    job.refresh_from_db()
    assert job.status == "partial"
    assert [clip["beat"] for clip in job.result["clips"]] == [0, 1, 3] and job.result["failed_beats"] == [2]
    refunds = CreditTransaction.objects.filter(type="refund")
    assert [refund.amount for refund in refunds] == [60]
    assert held(funded) == (1000 - 180, 0)
    for clip in job.result["clips"]:
        assert default_storage.open(clip["file"], "rb").read().startswith(VIDEO)
    call_command("credits_audit")


def test_the_receipt_of_a_partial_video_nets_the_delivered_clips(veo, owner, funded, paid, owner_api):
    veo.failing = frozenset({1})
    job = queue(owner, funded)
    video_generate.apply(args=[str(job.pk)])

    body = owner_api.get(f"/api/ai/jobs/{job.pk}").json()

    assert body["status"] == "partial" and body["creditsUsed"] == 180
    assert body["receipt"]["credits"] == {"charged": 240, "refunded": 60, "net": 180}
    assert [a["outcome"] for a in body["receipt"]["attempts"]].count("succeeded") == 3


def test_when_every_clip_fails_the_job_fails_and_nothing_is_charged(veo, owner, funded, paid):
    veo.failing = frozenset({1, 2, 3, 4})
    job = queue(owner, funded)

    video_generate.apply(args=[str(job.pk)])

    job.refresh_from_db()
    assert job.status == "failed" and held(funded) == (1000, 0)
    assert CreditTransaction.objects.filter(type="refund").count() == 4
    call_command("credits_audit")


def test_a_redelivered_job_resumes_the_stored_operation_and_skips_made_clips(veo, owner, funded, paid):
    job = queue(owner, funded, beats=3)
    made = default_storage.save("tests/clip-0.mp4", ContentFile(VIDEO))
    clips = job.clips
    clips[0].update(status="succeeded", file=made, operation="x/operations/op-0")
    clips[1].update(operation=f"projects/p/locations/us-central1/publishers/google/models/{MODEL}/operations/op-7")
    GenerationJob.objects.filter(pk=job.pk).update(status="running", clips=clips)

    video_generate.apply(args=[str(job.pk)])

    job.refresh_from_db()
    assert job.status == "succeeded" and len(veo.submits) == 1  # only the third clip was submitted
    assert any(name.endswith("/op-7") for name in veo.polls)  # the second was resumed
    assert held(funded) == (1000 - 180, 0)


def test_not_enough_credits_for_every_clip_charges_nothing(veo, owner, organization, paid):
    fund(organization, main=100)  # one clip and a half

    with pytest.raises(NoCredits):
        queue(owner, organization, beats=4)

    assert held(organization) == (100, 0) and not GenerationJob.objects.exists()


def mp4_seconds(data: bytes) -> float:
    """The duration ffmpeg reads in an MP4 (it prints it for `-i` alone, exiting 1)."""
    with tempfile.NamedTemporaryFile(suffix=".mp4") as handle:
        handle.write(data)
        handle.flush()
        done = subprocess.run([ffmpeg_binary(), "-hide_banner", "-i", handle.name], capture_output=True, text=True)  # noqa: S603
    hours, minutes, seconds = re.search(r"Duration: (\d+):(\d+):([\d.]+)", done.stderr).groups()
    return int(hours) * 3600 + int(minutes) * 60 + float(seconds)


def test_the_delivered_clips_are_joined_in_beat_order_into_the_jobs_video(veo, owner, funded, paid):
    out = io.BytesIO()
    Image.new("RGB", (32, 18), (10, 120, 200)).save(out, format="PNG")
    veo.clip = encode_animatic(
        [out.getvalue()], size=(32, 18), seconds_per_beat=1.0, fps=8, progress=lambda percent: None, timeout=120
    )
    veo.failing = frozenset({2})
    job = queue(owner, funded, beats=3)

    video_generate.apply(args=[str(job.pk)])

    job.refresh_from_db()
    assert job.status == "partial" and job.output_file not in [clip["file"] for clip in job.result["clips"]]
    joined = default_storage.open(job.output_file, "rb").read()
    assert mp4_seconds(joined) == pytest.approx(2 * mp4_seconds(veo.clip), abs=0.3)


# --- The per-clip fault matrix -------------------------------------------------------------

CLIP_FAULTS = {1: "operation_error", 2: "never_done", 3: "submit_429", 4: "malformed"}


@pytest.fixture
def quick_veo(veo, settings):
    """Veo gives up polling an operation after 0.5 s (its `timeout`)."""
    settings.AI_MODELS = {
        **settings.AI_MODELS,
        "video:premium": {**settings.AI_MODELS["video:premium"], "timeout": 0.5},
    }
    return veo


@pytest.mark.parametrize("submit_fault", ["submit_429", "submit_500"])
def test_each_failing_clip_is_refunded_on_its_own_and_the_job_ends_partial(
    quick_veo, owner, funded, paid, owner_api, submit_fault
):
    quick_veo.faults = {**CLIP_FAULTS, 3: submit_fault}
    job = queue(owner, funded, beats=5)  # beat 0 succeeds, beats 1-4 fail each its own way

    video_generate.apply(args=[str(job.pk)])

    body = owner_api.get(f"/api/ai/jobs/{job.pk}").json()
    assert body["status"] == "partial" and body["creditsUsed"] == 60
    assert [clip["beat"] for clip in body["result"]["clips"]] == [0]
    assert body["result"]["failed_beats"] == [1, 2, 3, 4]
    assert body["receipt"]["credits"] == {"charged": 300, "refunded": 240, "net": 60}
    status = submit_fault.removeprefix("submit_")
    expected = ["succeeded", "invalid_answer", "timeout", {"429": "rate_limited", "500": "server_error"}[status]]
    assert [a["outcome"] for a in body["receipt"]["attempts"]] == [*expected, "invalid_answer"]
    refunds = CreditTransaction.objects.filter(type="refund", reference_id=str(job.pk))
    assert sorted(refund.amount for refund in refunds) == [60, 60, 60, 60]  # one per failed clip
    assert len({refund.reference_id for refund in refunds}) == 1
    assert held(funded) == (1000 - 60, 0)
    call_command("credits_audit")


def test_when_every_clip_fails_each_way_the_job_fails_and_nothing_is_charged(quick_veo, owner, funded, paid):
    quick_veo.faults = {0: "submit_500", **CLIP_FAULTS}
    job = queue(owner, funded, beats=5)

    video_generate.apply(args=[str(job.pk)])

    job.refresh_from_db()
    assert job.status == "failed" and job.credits_used == 300 and all(c["status"] == "refunded" for c in job.clips)
    assert CreditTransaction.objects.filter(type="refund").count() == 5
    assert held(funded) == (1000, 0)
    call_command("credits_audit")


def test_once_veos_breaker_opens_the_remaining_clips_are_refunded_without_waiting_on_it(
    quick_veo, owner, funded, paid, settings, owner_api
):
    settings.AI_BREAKER = {**settings.AI_BREAKER, "veo": {"failures": 2, "window_seconds": 60, "cooldown_seconds": 60}}
    quick_veo.faults = {0: "never_done", 1: "submit_500"}  # two outages: the breaker opens
    job = queue(owner, funded, beats=4)

    video_generate.apply(args=[str(job.pk)])

    body = owner_api.get(f"/api/ai/jobs/{job.pk}").json()
    assert body["status"] == "failed" and len(quick_veo.submits) == 1  # beats 2 and 3 never sent
    assert [a["outcome"] for a in body["receipt"]["attempts"]] == ["timeout", "server_error", "skipped", "skipped"]
    assert body["receipt"]["credits"] == {"charged": 240, "refunded": 240, "net": 0}
    assert held(funded) == (1000, 0)
    call_command("credits_audit")
