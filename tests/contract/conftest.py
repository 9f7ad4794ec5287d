"""A real account for the contract tests: signed up through allauth headless (app client),
on the unlimited plan bought through billing, with a project, a story, beats, an image, a
video and an invitation made through the API itself. Tasks run eager as each request commits."""

from dataclasses import dataclass, field

import pytest
from rest_framework.test import APIClient

from accounts.models import Invitation, User
from accounts.selectors import membership_default
from billing.services.checkout import order_checkout
from billing.services.fulfilment import order_status_apply

from ..ai_fixtures import offline_ai

APP_AUTH = "/api/auth/app/v1/auth"
EMAIL = "contract@example.com"


@dataclass
class ContractAccount:
    """The signed-in caller, and real values (its objects' ids, an item on sale) by the name the API gives them."""

    token: str
    organization_id: str
    ids: dict[str, str] = field(default_factory=dict)

    @property
    def headers(self) -> dict[str, str]:
        return {"X-Session-Token": self.token}


@pytest.fixture
def media_small(settings, tmp_path):
    """Local provider only, tiny images and videos, quick retries, files in a temporary folder."""
    offline_ai(settings, tmp_path / "media")


def _ok(response, status: int = 200) -> dict:
    assert response.status_code == status, response.content
    return response.json() if response.content else {}


@pytest.fixture
def contract_account(media_small, password) -> ContractAccount:
    client = APIClient()
    signup = _ok(client.post(f"{APP_AUTH}/signup", {"email": EMAIL, "password": password}, format="json"))
    token = signup["meta"]["session_token"]
    membership = membership_default(user=User.objects.get(email=EMAIL))
    order = order_checkout(membership=membership, item="plan:unlimited", gateway="dev")
    order_status_apply(order_id=order.order_id, status="paid", raw_status="settlement", amount=order.amount)

    client.credentials(HTTP_X_SESSION_TOKEN=token)
    project = _ok(client.post("/api/projects/", {"title": "Kancil", "premise": "A mouse-deer"}, format="json"), 201)
    story = {"premise": "A mouse-deer outwits the crocodiles", "project_id": project["id"]}
    _ok(client.post("/api/ai/generate-story", story, format="json"))
    beat = _ok(client.get(f"/api/projects/{project['id']}/beats/"))[0]
    image = {"project_id": project["id"], "beat_id": beat["id"]}
    image_job = _ok(client.post("/api/ai/generate-image", image, format="json"), 202)
    video = {"project_id": project["id"], "beat_id": beat["id"]}
    _ok(client.post("/api/ai/generate-video", video, format="json"), 202)
    asset = _ok(client.get(f"/api/projects/{project['id']}/assets/"))["results"][0]
    invitation = _ok(client.post("/api/organization/invitations", {"email": "friend@example.com"}, format="json"), 201)

    return ContractAccount(
        token=token,
        organization_id=str(membership.organization_id),
        ids={
            "project_id": project["id"],
            "beat_id": beat["id"],
            "job_id": image_job["job_id"],
            "asset_id": asset["id"],
            "order_id": order.order_id,
            "invitation_id": invitation["id"],
            "token": Invitation.objects.get(pk=invitation["id"]).token,
            "item": "pack:credits-100",
            "gateway": "dev",
        },
    )
