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
