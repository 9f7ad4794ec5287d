from studio.models import Beat, Project


def _as_owner(client, owner, organization):
    client.force_login(owner)
    client.post("/organizations/switch/", {"organization_id": str(organization.id)})
    return client


def test_a_project_is_created_from_the_dashboard(client, owner, organization):
    _as_owner(client, owner, organization)

    response = client.post("/dashboard/", {"title": "Pasar Malam", "premise": "A night market that moves."})

    project = Project.objects.get(title="Pasar Malam")
    assert response["Location"] == f"/studio/{project.id}/"
    assert "A night market that moves." in client.get(response["Location"]).content.decode()


def test_an_over_long_title_on_the_dashboard_is_refused_with_a_message(client, owner, organization):
    _as_owner(client, owner, organization)

    response = client.post("/dashboard/", {"title": "x" * 300})

    assert response.status_code == 400
    assert "at most 200 characters" in response.content.decode()
    assert not Project.objects.exists()


def test_the_dashboard_searches_projects_by_title(client, owner, organization, project):
    _as_owner(client, owner, organization)
    client.post("/dashboard/", {"title": "Night Market"})

    page = client.get("/dashboard/", {"q": "lanterns"}).content.decode()

    assert "Lanterns" in page and "Night Market" not in page


def test_html_in_text_is_escaped_on_the_pages(client, owner, organization, owner_membership):
    from studio import services

    evil = services.project_create(membership=owner_membership, title="<script>alert('x')</script>")
    _as_owner(client, owner, organization)

    for path in ("/dashboard/", f"/studio/{evil.id}/"):
        page = client.get(path).content.decode()
        assert "<script>alert('x')</script>" not in page
        assert "&lt;script&gt;" in page


def test_a_beat_is_edited_on_the_studio_page(client, owner, organization, project_with_story):
    _as_owner(client, owner, organization)
    beat = project_with_story.beats.first()

    response = client.post(
        f"/studio/{project_with_story.id}/",
        {"action": "update-beat", "beat_id": str(beat.id), "title": "A new dawn", "description": "Sari wakes."},
    )

    assert response.status_code == 302
    assert Beat.objects.get(pk=beat.pk).title == "A new dawn"


def test_a_beat_of_another_project_cannot_be_edited_through_this_one(
    client, owner, organization, project_with_story, owner_membership
):
    from studio import services
    from tests.studio.conftest import STORY

    other = services.project_create(membership=owner_membership, title="Other")
    services.story_version_create(project=other, story=STORY)
    foreign_beat = other.beats.first()
    _as_owner(client, owner, organization)

    client.post(
        f"/studio/{project_with_story.id}/",
        {"action": "update-beat", "beat_id": str(foreign_beat.id), "title": "Hijacked"},
    )

    assert Beat.objects.get(pk=foreign_beat.pk).title == "Beat 1"


def test_published_images_appear_in_the_public_gallery(client, owner, organization, image_asset):
    _as_owner(client, owner, organization)
    client.post(f"/studio/{image_asset.project_id}/", {"action": "publish", "asset_id": str(image_asset.id)})
    client.logout()

    page = client.get("/gallery/").content.decode()

    assert image_asset.file.url in page
    assert "Lanterns" in page


def test_a_project_deleted_on_its_page_leaves_the_dashboard(client, owner, organization, project):
    _as_owner(client, owner, organization)

    client.post(f"/studio/{project.id}/", {"action": "delete-project"})

    client.get("/dashboard/")  # the page right after shows the undo toast
    page = client.get("/dashboard/").content.decode()
    assert f'href="/studio/{project.id}/"' not in page
    assert "Restore “Lanterns”" in page  # only in the "Deleted" list
    assert client.get(f"/studio/{project.id}/").status_code == 404


def test_unread_notifications_are_counted_in_the_navigation_until_opened(client, owner, organization):
    from studio import services

    services.notification_create(user=owner, organization_id=organization.id, message="Your video is ready")
    _as_owner(client, owner, organization)
    assert 'aria-label="1 unread"' in client.get("/dashboard/").content.decode()

    page = client.get("/notifications/").content.decode()

    assert "Your video is ready" in page
    assert 'aria-label="1 unread"' not in client.get("/dashboard/").content.decode()


def test_the_home_page_shows_the_plans_from_the_catalogue(client, db):
    from billing.models import Plan

    Plan.objects.filter(code="pro").update(price_idr=259_000)

    page = client.get("/").content.decode()

    assert "Rp 259,000" in page and "Rp 99,000" in page
    assert "Rp 249,000" not in page


def test_each_job_says_what_it_is_for(studio, project_with_story, owner, organization):
    from django.utils import timezone

    from aigen.models import GenerationJob
    from studio.models import Beat

    beat = Beat.objects.get(project=project_with_story, order=2)
    for beat_ref in (str(beat.id), ""):
        GenerationJob.objects.create(
            organization=organization, user=owner, kind="video", quality="fast", deadline_at=timezone.now(),
            input={}, project_ref=str(project_with_story.id), beat_ref=beat_ref,
        )  # fmt: skip

    for url in ("/dashboard/", f"/studio/{project_with_story.id}/"):
        page = studio.get(url).content.decode()
        assert "Beat 3 · Beat 3" in page and "Whole project" in page
