"""Story versions: every generation is a new version; nothing of an earlier one is lost."""

from django.core.files.storage import default_storage

from studio.models import Asset, Beat, Project


def _beats_of_current(project) -> list[tuple]:
    beats = Beat.objects.filter(project=project, story__is_current=True).order_by("order")
    return [(beat.pk, beat.title, beat.description, beat.image_id) for beat in beats]


def test_regenerating_twice_then_restoring_version_1_brings_back_its_beats_edits_and_images(
    studio, project, on_pro_plan, owner_api
):
    url = f"/studio/{project.id}/"
    studio.post(url, {"action": "generate-story", "quality": "fast", "variation": "0"})
    first_beat = Beat.objects.get(project=project, story__version=1, order=0)
    studio.post(url, {"action": "update-beat", "beat_id": str(first_beat.id), "title": "My own opening"})
    studio.post(url, {"action": "generate-image", "beat_id": str(first_beat.id), "quality": "fast"})
    version_1 = _beats_of_current(project)
    files = [asset.file.name for asset in Asset.objects.filter(project=project)]
    assert version_1[0][1] == "My own opening" and version_1[0][3] is not None

    studio.post(url, {"action": "generate-story", "quality": "fast", "variation": "1"})
    studio.post(url, {"action": "generate-story", "quality": "premium", "variation": "2"})
    assert project.stories.get(is_current=True).version == 3
    response = owner_api.post(f"/api/projects/{project.id}/versions/1/restore")

    assert response.status_code == 200
    assert response.json()["is_current"] is True
    assert _beats_of_current(project) == version_1
    assert [beat["title"] for beat in response.json()["beats"]][0] == "My own opening"
    assert Beat.objects.filter(project=project).count() == sum(len(s["beats"]) for s in _versions(owner_api, project))
    assert all(default_storage.exists(name) for name in files)
    assert Asset.objects.filter(project=project).count() == len(files)


def _versions(owner_api, project) -> list[dict]:
    return [
        owner_api.get(f"/api/projects/{project.id}/versions/{item['version']}").json()
        for item in owner_api.get(f"/api/projects/{project.id}/versions").json()
    ]


def test_the_versions_list_says_what_each_version_was_made_from(studio, project, on_pro_plan, owner_api, owner):
    studio.post(f"/studio/{project.id}/", {"action": "generate-story", "quality": "premium"})

    versions = owner_api.get(f"/api/projects/{project.id}/versions").json()

    assert len(versions) == 1
    assert versions[0]["version"] == 1 and versions[0]["is_current"] is True
    assert versions[0]["quality"] == "premium"
    assert versions[0]["premise"] == "A girl and a lantern."
    assert versions[0]["created_by"] == owner.email
    assert versions[0]["job_id"] and versions[0]["beat_count"] >= 5


def test_quality_and_premise_carry_over_to_the_next_regeneration_form(studio, project, on_pro_plan):
    studio.post(f"/studio/{project.id}/", {"action": "generate-story", "quality": "premium"})

    page = studio.get(f"/studio/{project.id}/").content.decode()

    assert 'value="premium" data-cost="8" checked' in page
    assert "A girl and a lantern." in page


def test_restoring_a_version_brings_back_its_premise(project, owner_api):
    from studio import services
    from tests.studio.conftest import STORY

    services.story_version_create(project=project, story=STORY, premise="The first idea")
    services.story_version_create(project=project, story=STORY, premise="The second idea")

    owner_api.post(f"/api/projects/{project.id}/versions/1/restore")

    assert Project.objects.get(pk=project.pk).premise == "The first idea"


def test_restoring_a_version_that_does_not_exist_answers_404_and_changes_nothing(project_with_story, owner_api):
    for version in ("7", "0", "abc"):
        response = owner_api.post(f"/api/projects/{project_with_story.id}/versions/{version}/restore")

        assert response.status_code == 404
        assert response.json()["code"] == "NOT_FOUND"
    assert project_with_story.stories.get(is_current=True).version == 1


def test_a_version_is_read_only_on_its_page_and_restorable_from_the_list(studio, project_with_story):
    from studio import services
    from tests.studio.conftest import STORY

    services.story_version_create(project=project_with_story, story={**STORY, "title": "Second take"})

    listing = studio.get(f"/studio/{project_with_story.id}/versions/").content.decode()
    page = studio.get(f"/studio/{project_with_story.id}/versions/1/").content.decode()

    assert "Version 2: Second take" in listing and "Restore version 1" in listing
    assert "Read only" in page and "Beat 1" in page and 'name="title"' not in page
    studio.post(f"/studio/{project_with_story.id}/", {"action": "restore-version", "version": "1"})
    assert project_with_story.stories.get(is_current=True).version == 1


def test_it_hides_other_organizations_versions(project_with_story, api_client, outsider, client):
    api_client.force_authenticate(outsider)
    client.force_login(outsider)

    assert api_client.get(f"/api/projects/{project_with_story.id}/versions").status_code == 404
    assert api_client.get(f"/api/projects/{project_with_story.id}/versions/1").status_code == 404
    assert api_client.post(f"/api/projects/{project_with_story.id}/versions/1/restore").status_code == 404
    assert client.get(f"/studio/{project_with_story.id}/versions/1/").status_code == 404
