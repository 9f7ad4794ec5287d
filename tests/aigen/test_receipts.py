"""The receipt of a job in GET /api/ai/jobs/{id} (DESIGN section 6)."""

import pytest

pytestmark = pytest.mark.django_db(transaction=True)  # jobs are queued on commit


def test_a_job_answers_its_receipt(owner_api, funded, image_stubs):
    job_id = owner_api.post("/api/ai/generate-image", {"prompt": "A kite"}, format="json").json()["job_id"]

    receipt = owner_api.get(f"/api/ai/jobs/{job_id}").json()["receipt"]

    assert receipt == {
        "provider": "stability",
        "model": "core",
        "attempts": [
            {"provider": "stability", "model": "core", "outcome": "succeeded", "ms": receipt["attempts"][0]["ms"]}
        ],
        "credits": {"charged": 5, "refunded": 0, "net": 5},
        "cached": False,
        "placeholder": False,
        "usd_cost": "0.03",
    }


def test_it_hides_other_organizations_receipts(owner_api, funded, outsider, api_client):
    job_id = owner_api.post("/api/ai/generate-image", {"prompt": "A kite"}, format="json").json()["job_id"]
    api_client.force_authenticate(outsider)

    response = api_client.get(f"/api/ai/jobs/{job_id}")

    assert response.status_code == 404 and "receipt" not in response.json()


def test_a_job_answers_exactly_what_its_documented_serializer_describes(owner_api, funded, image_stubs):
    """The poll builds its body without DRF's serializer (it is the most frequent request); the
    schema documents JobSerializer: the two must agree, the file's URL and dates included."""
    import json

    from rest_framework.renderers import JSONRenderer

    from aigen.api.serializers import JobSerializer
    from aigen.models import GenerationJob

    job_id = owner_api.post("/api/ai/generate-image", {"prompt": "A kite"}, format="json").json()["job_id"]

    body = owner_api.get(f"/api/ai/jobs/{job_id}").json()

    documented = json.loads(JSONRenderer().render(JobSerializer(GenerationJob.objects.get(pk=job_id)).data))
    assert body == documented
    assert body["status"] == "succeeded" and body["result"]["url"] and body["finished_at"].endswith("+07:00")
