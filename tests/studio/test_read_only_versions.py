"""Earlier story versions are read-only: no change to their beats, no charge for them, until restored."""

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from aigen.models import GenerationJob
from credits.models import CreditTransaction
from studio import services
from studio.models import Asset, Beat
from tests.studio.conftest import STORY


def _variant(project, beat) -> Asset:
    stored = default_storage.save("tests/variant.png", ContentFile(b"\x89PNG fake"))
    return services.asset_create(project=project, beat=beat, kind="image", file_name=stored)


@pytest.fixture
def old_beat(project_with_story):
    """Beat 1 of version 1, with two images (the second chosen), after version 2 was generated."""
    beat = Beat.objects.get(project=project_with_story, story__version=1, order=0)
    _variant(project_with_story, beat)
    _variant(project_with_story, beat)
    services.story_version_create(project=project_with_story, story=STORY)
    return Beat.objects.get(pk=beat.pk)


def _unchanged(beat) -> bool:
    now = Beat.all_objects.get(pk=beat.pk)
    return (now.title, now.description, now.order, now.image_id, now.deleted_at) == (
        beat.title,
        beat.description,
        beat.order,
        beat.image_id,
        None,
    )


def _refused(response) -> None:
    assert response.status_code == 409
    body = response.json()
    assert body["code"] == "VERSION_READ_ONLY"
    assert body["version"] == 1
    assert "read-only" in body["error"]


def test_editing_deleting_or_choosing_for_a_beat_of_an_earlier_version_is_refused(owner_api, old_beat):
    other_image = Asset.objects.filter(beat=old_beat).exclude(pk=old_beat.image_id).get()

    _refused(owner_api.patch(f"/api/beats/{old_beat.id}/", {"title": "Changed"}, format="json"))
    _refused(owner_api.delete(f"/api/beats/{old_beat.id}/"))
    _refused(owner_api.post(f"/api/beats/{old_beat.id}/choose", {"asset_id": str(other_image.id)}, format="json"))

    assert _unchanged(old_beat)


def test_restoring_a_deleted_beat_of_an_earlier_version_is_refused(owner_api, project_with_story):
    beat = Beat.objects.get(project=project_with_story, story__version=1, order=2)
    services.beat_soft_delete(beat=beat)
    services.story_version_create(project=project_with_story, story=STORY)

    _refused(owner_api.post(f"/api/beats/{beat.id}/restore"))

    assert Beat.all_objects.get(pk=beat.pk).is_deleted


def test_generating_for_a_beat_of_an_earlier_version_charges_nothing(owner_api, old_beat, on_pro_plan):
    charges = CreditTransaction.objects.count()
    body = {
        "prompt": "A lantern",
        "quality": "fast",
        "project_id": str(old_beat.project_id),
        "beat_id": str(old_beat.id),
    }

    _refused(owner_api.post("/api/ai/generate-image", body, format="json"))
    video = {key: body[key] for key in ("quality", "project_id", "beat_id")}
    _refused(owner_api.post("/api/ai/generate-video", video, format="json"))

    assert CreditTransaction.objects.count() == charges
    assert not GenerationJob.objects.exists()
    assert Asset.objects.filter(beat=old_beat).count() == 2


@pytest.mark.parametrize(
    "action",
    [
        {"action": "update-beat", "title": "Changed", "description": ""},
        {"action": "delete-beat"},
        {"action": "move-beat", "direction": "down"},
        {"action": "regenerate-beat-text", "idempotency_key": "rewrite-old"},
        {"action": "generate-image", "quality": "fast", "idempotency_key": "image-old"},
    ],
    ids=lambda action: action["action"],
)
def test_the_page_refuses_every_change_to_a_beat_of_an_earlier_version(studio, old_beat, on_pro_plan, action):
    charges = CreditTransaction.objects.count()

    response = studio.post(f"/studio/{old_beat.project_id}/", {**action, "beat_id": str(old_beat.id)}, follow=True)

    # An edit answers 409 with the page; a generate form redirects back to it with the message.
    assert response.status_code == 409 or response.redirect_chain
    assert "version 1 of the story, which is read-only" in response.content.decode()
    assert _unchanged(old_beat)
    assert CreditTransaction.objects.count() == charges


def test_an_earlier_version_is_shown_read_only_with_restore(studio, old_beat):
    page = studio.get(f"/studio/{old_beat.project_id}/versions/1/").content.decode()

    assert "Read only" in page and "Restore version 1" in page
    assert old_beat.title in page
    for action in ("update-beat", "delete-beat", "move-beat", "choose-variant", "generate-image", "regenerate-beat"):
        assert f'value="{action}' not in page
    assert page.count('name="action"') == page.count('value="restore-version"') == 1


def test_after_restoring_the_version_its_beats_can_be_changed_again(owner_api, old_beat):
    owner_api.post(f"/api/projects/{old_beat.project_id}/versions/1/restore")

    response = owner_api.patch(f"/api/beats/{old_beat.id}/", {"title": "Changed"}, format="json")

    assert response.status_code == 200
    assert Beat.objects.get(pk=old_beat.pk).title == "Changed"


def test_the_api_schema_documents_the_read_only_error(api_client):
    schema = api_client.get("/api/schema/?format=json").json()

    patch = schema["paths"]["/api/beats/{beat_id}/"]["patch"]["responses"]
    assert "VERSION_READ_ONLY" in patch["409"]["description"]
    assert "VERSION_READ_ONLY" in schema["paths"]["/api/ai/generate-image"]["post"]["responses"]["409"]["description"]
