"""Per-beat work: add, delete (soft, undoable), move, rewrite the text, image and video variants."""

from datetime import timedelta

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import timezone

from credits.models import CreditTransaction
from studio import services
from studio.models import Asset, Beat


def _titles(project) -> list[str]:
    return list(
        Beat.objects.filter(project=project, story__is_current=True).order_by("order").values_list("title", flat=True)
    )


def test_a_beat_is_added_where_asked(owner_api, project_with_story):
    response = owner_api.post(
        f"/api/projects/{project_with_story.id}/beats/", {"title": "A detour", "position": 1}, format="json"
    )

    assert response.status_code == 201
    assert _titles(project_with_story)[:3] == ["Beat 1", "A detour", "Beat 2"]


def test_a_beat_without_a_title_is_refused(owner_api, project_with_story):
    response = owner_api.post(f"/api/projects/{project_with_story.id}/beats/", {"title": " "}, format="json")

    assert response.status_code == 400
    assert response.json()["code"] == "VALIDATION_ERROR"
    assert len(_titles(project_with_story)) == 5


def test_a_deleted_beat_leaves_the_story_and_comes_back_where_it_was(owner_api, project_with_story):
    beat = Beat.objects.get(project=project_with_story, order=2)

    assert owner_api.delete(f"/api/beats/{beat.id}/").status_code == 204
    assert _titles(project_with_story) == ["Beat 1", "Beat 2", "Beat 4", "Beat 5"]
    response = owner_api.post(f"/api/beats/{beat.id}/restore")

    assert response.status_code == 200
    assert _titles(project_with_story) == ["Beat 1", "Beat 2", "Beat 3", "Beat 4", "Beat 5"]


def test_restoring_a_beat_that_is_not_deleted_answers_404(owner_api, project_with_story):
    beat = Beat.objects.get(project=project_with_story, order=2)

    response = owner_api.post(f"/api/beats/{beat.id}/restore")

    assert response.status_code == 404
    assert _titles(project_with_story) == [f"Beat {n}" for n in range(1, 6)]


def test_a_beat_deleted_31_days_ago_is_purged_with_its_images(project_with_story, image_asset):
    beat = image_asset.beat
    services.beat_soft_delete(beat=beat)
    Beat.all_objects.filter(pk=beat.pk).update(deleted_at=timezone.now() - timedelta(days=31))

    purged = services.soft_deleted_purge()

    assert purged == {"projects": 0, "beats": 1, "assets": 1}
    assert not Beat.all_objects.filter(pk=beat.pk).exists()
    assert not default_storage.exists(image_asset.file.name)


def test_the_move_buttons_move_a_beat_one_place(studio, project_with_story):
    beat = Beat.objects.get(project=project_with_story, order=0)

    studio.post(
        f"/studio/{project_with_story.id}/", {"action": "move-beat", "beat_id": str(beat.id), "direction": "down"}
    )

    assert _titles(project_with_story)[:2] == ["Beat 2", "Beat 1"]


def _variant(project, beat, kind="image") -> Asset:
    stored = default_storage.save(f"tests/variant.{'png' if kind == 'image' else 'mp4'}", ContentFile(b"data"))
    return services.asset_create(project=project, beat=beat, kind=kind, file_name=stored)


def test_a_new_image_is_chosen_and_the_earlier_ones_stay_as_variants(owner_api, project_with_story):
    beat = Beat.objects.get(project=project_with_story, order=0)
    first, second = _variant(project_with_story, beat), _variant(project_with_story, beat)

    variants = owner_api.get(f"/api/beats/{beat.id}/variants").json()
    assert [v["id"] for v in variants["images"]] == [str(second.id), str(first.id)]
    assert variants["chosen_image_id"] == str(second.id)
    response = owner_api.post(f"/api/beats/{beat.id}/choose", {"asset_id": str(first.id)}, format="json")

    assert response.status_code == 200
    assert Beat.objects.get(pk=beat.pk).image_id == first.id
    assert Asset.objects.filter(beat=beat).count() == 2


def test_a_video_variant_is_chosen_on_the_page(studio, project_with_story):
    beat = Beat.objects.get(project=project_with_story, order=0)
    first, _second = _variant(project_with_story, beat, "video"), _variant(project_with_story, beat, "video")

    studio.post(
        f"/studio/{project_with_story.id}/",
        {"action": "choose-variant", "beat_id": str(beat.id), "asset_id": str(first.id)},
    )

    assert Beat.objects.get(pk=beat.pk).animation_id == first.id


def test_choosing_a_variant_of_another_beat_is_refused_and_changes_nothing(owner_api, project_with_story):
    beat, other = Beat.objects.filter(project=project_with_story).order_by("order")[:2]
    mine, theirs = _variant(project_with_story, beat), _variant(project_with_story, other)

    response = owner_api.post(f"/api/beats/{beat.id}/choose", {"asset_id": str(theirs.id)}, format="json")

    assert response.status_code == 400
    assert response.json()["code"] == "VALIDATION_ERROR"
    assert Beat.objects.get(pk=beat.pk).image_id == mine.id


@pytest.mark.parametrize("asset_id", ["not-a-uuid", "6f1c2a56-0000-4000-8000-000000000000"])
def test_choosing_an_unknown_variant_answers_400_or_404(owner_api, project_with_story, asset_id):
    beat = Beat.objects.get(project=project_with_story, order=0)

    response = owner_api.post(f"/api/beats/{beat.id}/choose", {"asset_id": asset_id}, format="json")

    assert response.status_code in (400, 404)
    assert Beat.objects.get(pk=beat.pk).image_id is None


def test_it_hides_other_organizations_variants(project_with_story, api_client, outsider):
    beat = Beat.objects.get(project=project_with_story, order=0)
    asset = _variant(project_with_story, beat)
    api_client.force_authenticate(outsider)

    assert api_client.get(f"/api/beats/{beat.id}/variants").status_code == 404
    response = api_client.post(f"/api/beats/{beat.id}/choose", {"asset_id": str(asset.id)}, format="json")
    assert response.status_code == 404


def test_rewriting_a_beat_charges_a_fast_story_and_changes_only_that_beat(studio, project_with_story, on_pro_plan):
    beat = Beat.objects.get(project=project_with_story, order=1)
    charges_before = CreditTransaction.objects.filter(type="usage").count()

    studio.post(
        f"/studio/{project_with_story.id}/",
        {"action": "regenerate-beat-text", "beat_id": str(beat.id), "idempotency_key": "rewrite-1"},
    )

    charge = CreditTransaction.objects.filter(type="usage").order_by("-created_at").first()
    assert CreditTransaction.objects.filter(type="usage").count() == charges_before + 1
    assert charge.amount == -3
    assert Beat.objects.get(pk=beat.pk).title != "Beat 2"
    assert _titles(project_with_story)[0] == "Beat 1" and _titles(project_with_story)[2:] == [
        "Beat 3",
        "Beat 4",
        "Beat 5",
    ]
    assert project_with_story.stories.count() == 1


def test_the_page_shows_a_beats_image_variants_with_the_chosen_one_pressed(studio, project_with_story):
    beat = Beat.objects.get(project=project_with_story, order=0)
    _variant(project_with_story, beat)
    second = _variant(project_with_story, beat)

    page = studio.get(f"/studio/{project_with_story.id}/").content.decode()

    assert 'aria-label="Images of beat 1"' in page
    assert page.count('name="action" value="choose-variant"') == 2
    assert 'aria-pressed="true"' in page and "Image 2 (chosen)" in page
    assert second.file.url in page


def test_a_beat_being_rewritten_says_so_at_that_beat_not_as_a_whole_story(studio, project_with_story, on_pro_plan):
    from modo.celery import app as celery_app

    beat = Beat.objects.get(project=project_with_story, order=2)
    eager = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = False  # charged and queued; no worker has taken it yet
    try:
        studio.client.post(
            f"/studio/{project_with_story.id}/",
            {"action": "regenerate-beat-text", "beat_id": str(beat.id), "idempotency_key": "rewrite-live"},
        )
    finally:
        celery_app.conf.task_always_eager = eager

    page = studio.get(f"/studio/{project_with_story.id}/").content.decode()

    assert 'id="live-story"' not in page and "Writing your story" not in page
    status = page.index(f'id="beat-status-{beat.id}"')
    assert page[status : page.index("</p>", status)].endswith("Rewriting beat 3…")
    assert page.count('id="beat-status-') == 1
    rewrite_button = page.index("Rewrite text", status)
    assert page[page.rindex("<button", 0, rewrite_button) : rewrite_button].count("disabled") == 1
    assert Beat.objects.get(pk=beat.pk).title == "Beat 3"
