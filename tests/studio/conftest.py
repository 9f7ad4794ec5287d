import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from accounts.models import Membership
from studio import services

STORY = {
    "title": "The Lantern Keeper",
    "logline": "A girl keeps the last lantern of Kota Tua burning.",
    "genre": "fantasy",
    "characters": [{"name": "Sari", "description": "A stubborn lamplighter"}],
    "beats": [{"title": f"Beat {n}", "description": f"Things happen ({n})."} for n in range(1, 6)],
}


@pytest.fixture
def owner_membership(owner, organization) -> Membership:
    return Membership.objects.get(user=owner, organization=organization)


@pytest.fixture
def project(owner_membership):
    return services.project_create(membership=owner_membership, title="Lanterns", premise="A girl and a lantern.")


@pytest.fixture
def project_with_story(project):
    services.story_version_create(project=project, story=STORY)
    return project


@pytest.fixture
def image_asset(project_with_story):
    beat = project_with_story.beats.order_by("order").first()
    stored = default_storage.save("tests/beat.png", ContentFile(b"\x89PNG fake"))
    return services.asset_create(project=project_with_story, beat=beat, kind="image", file_name=stored, prompt="p")


@pytest.fixture
def on_pro_plan(owner_membership, django_capture_on_commit_callbacks):
    """The organization bought the Pro plan (1,000 credits, 500 AI requests a day) through the dev gateway."""
    from billing.services.checkout import order_checkout
    from billing.services.fulfilment import order_status_apply

    with django_capture_on_commit_callbacks(execute=True):
        order = order_checkout(membership=owner_membership, item="plan:pro", gateway="dev")
        order_status_apply(order_id=order.order_id, status="paid", raw_status="settlement", amount=order.amount)
    return owner_membership.organization


class CommittingClient:
    """The owner's browser, where what a request leaves for after its commit (tasks, hooks)
    runs at the end of the request, as it does in production."""

    def __init__(self, client, capture):
        self.client, self.capture = client, capture

    def get(self, *args, **kwargs):
        return self.client.get(*args, **kwargs)

    def post(self, *args, **kwargs):
        with self.capture(execute=True):
            response = self.client.post(*args, **kwargs)
        return response


@pytest.fixture
def studio(client, owner, organization, django_capture_on_commit_callbacks):
    client.force_login(owner)
    client.post("/organizations/switch/", {"organization_id": str(organization.id)})
    return CommittingClient(client, django_capture_on_commit_callbacks)
