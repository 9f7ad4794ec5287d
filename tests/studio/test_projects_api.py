import pytest

from studio.models import Beat, Project


def test_a_member_creates_lists_and_reads_projects(owner_api):
    created = owner_api.post("/api/projects/", {"title": "Rumah Hantu", "premise": "A haunted house."}, format="json")

    assert created.status_code == 201
    listed = owner_api.get("/api/projects/").json()
    assert [p["title"] for p in listed["results"]] == ["Rumah Hantu"]
    detail = owner_api.get(f"/api/projects/{created.json()['id']}/").json()
    assert detail["premise"] == "A haunted house." and detail["story"] is None


def test_projects_are_found_by_title_words(owner_api):
    for title in ("The Lantern Keeper", "Night Market", "Lantern Festival"):
        owner_api.post("/api/projects/", {"title": title}, format="json")

    found = owner_api.get("/api/projects/", {"search": "lantern"}).json()["results"]

    assert sorted(p["title"] for p in found) == ["Lantern Festival", "The Lantern Keeper"]


def test_a_project_is_renamed(owner_api, project):
    response = owner_api.patch(f"/api/projects/{project.id}/", {"title": "Lights"}, format="json")

    assert response.status_code == 200
    assert Project.objects.get(pk=project.pk).title == "Lights"


def test_deleting_a_project_hides_it_everywhere(owner_api, project):
    assert owner_api.delete(f"/api/projects/{project.id}/").status_code == 204

    assert owner_api.get(f"/api/projects/{project.id}/").status_code == 404
    assert owner_api.get("/api/projects/").json()["results"] == []
    assert Project.all_objects.get(pk=project.pk).is_deleted


@pytest.mark.parametrize(
    "body, field",
    [
        ({}, "title"),
        ({"title": ""}, "title"),
        ({"title": "x" * 201}, "title"),
        ({"title": "ok", "premise": "p" * 20_000}, "premise"),
        ({"title": ["not", "text"]}, "title"),
    ],
)
def test_bad_project_input_is_a_400_naming_the_field_and_writes_nothing(owner_api, body, field):
    response = owner_api.post("/api/projects/", body, format="json")

    assert response.status_code == 400
    assert field in response.json()["fields"]
    assert not Project.objects.exists()


def test_the_beats_of_a_project_come_in_order(owner_api, project_with_story):
    beats = owner_api.get(f"/api/projects/{project_with_story.id}/beats/").json()

    assert [b["title"] for b in beats] == [f"Beat {n}" for n in range(1, 6)]
    assert [b["order"] for b in beats] == list(range(5))


def test_a_beat_is_edited(owner_api, project_with_story):
    beat = project_with_story.beats.first()

    response = owner_api.patch(f"/api/beats/{beat.id}/", {"description": "<script>alert(1)</script>"}, format="json")

    assert response.status_code == 200
    assert Beat.objects.get(pk=beat.pk).description == "<script>alert(1)</script>"


def test_beats_are_reordered(owner_api, project_with_story):
    ids = [str(b.id) for b in project_with_story.beats.order_by("order")]

    response = owner_api.post(
        f"/api/projects/{project_with_story.id}/beats/reorder", {"beat_ids": ids[::-1]}, format="json"
    )

    assert response.status_code == 200
    assert [str(b.id) for b in project_with_story.beats.order_by("order")] == ids[::-1]


@pytest.mark.parametrize("change", ["missing", "duplicate", "foreign"])
def test_a_bad_reorder_is_refused_and_changes_nothing(owner_api, project_with_story, change):
    ids = [str(b.id) for b in project_with_story.beats.order_by("order")]
    bad = {
        "missing": ids[:-1],
        "duplicate": [*ids[:-1], ids[0]],
        "foreign": [*ids[:-1], "6f1c2a56-0000-4000-8000-000000000000"],
    }[change]

    response = owner_api.post(f"/api/projects/{project_with_story.id}/beats/reorder", {"beat_ids": bad}, format="json")

    assert response.status_code == 400
    assert [str(b.id) for b in project_with_story.beats.order_by("order")] == ids


def test_an_asset_is_published_to_the_public_feed_and_unpublished(owner_api, api_client, image_asset):
    assert owner_api.post(f"/api/assets/{image_asset.id}/publish").json()["status"] == "published"

    public = api_client.get("/api/public/contents").json()
    assert [c["id"] for c in public["results"]] == [str(image_asset.id)]
    assert public["results"][0]["project_title"] == "Lanterns"

    owner_api.post(f"/api/assets/{image_asset.id}/unpublish")
    assert api_client.get("/api/public/contents").json()["results"] == []


def test_a_deleted_project_takes_its_published_assets_out_of_the_feed(owner_api, api_client, image_asset):
    owner_api.post(f"/api/assets/{image_asset.id}/publish")

    owner_api.delete(f"/api/projects/{image_asset.project_id}/")

    assert api_client.get("/api/public/contents").json()["results"] == []
