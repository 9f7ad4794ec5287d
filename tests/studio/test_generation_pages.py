"""Generating from the studio page, on the local provider (tasks run inline in these tests)."""

from credits.models import CreditBalance
from studio.models import Asset, Project


def test_the_cost_is_shown_before_clicking(studio, project):
    page = studio.get(f"/studio/{project.id}/").content.decode()

    assert "Fast · 3 credits" in page and "Premium · 8 credits" in page


def test_generating_the_story_fills_the_beats(studio, project, on_pro_plan):
    studio.post(f"/studio/{project.id}/", {"action": "generate-story", "quality": "fast"})

    response = studio.get(f"/studio/{project.id}/")
    project = Project.objects.get(pk=project.pk)
    assert project.stories.get(is_current=True).version == 1
    assert 5 <= project.beats.count() <= 12
    page = response.content.decode()
    assert project.beats.first().title in page
    assert "Generate image" in page


def test_an_image_then_a_video_attach_to_the_beat(studio, project, on_pro_plan):
    studio.post(f"/studio/{project.id}/", {"action": "generate-story", "quality": "fast"})
    beat = Project.objects.get(pk=project.pk).beats.order_by("order").first()

    studio.post(f"/studio/{project.id}/", {"action": "generate-image", "beat_id": str(beat.id), "quality": "fast"})
    beat.refresh_from_db()
    assert beat.image.kind == Asset.Kind.IMAGE
    studio.post(f"/studio/{project.id}/", {"action": "generate-video", "beat_id": str(beat.id), "quality": "fast"})

    beat.refresh_from_db()
    assert beat.animation.kind == Asset.Kind.VIDEO
    page = studio.get(f"/studio/{project.id}/").content.decode()
    assert beat.image.file.url in page and beat.animation.file.url in page


def test_no_credits_says_so_and_links_to_billing(studio, project, organization):
    CreditBalance.objects.filter(organization=organization).update(balance=0, bonus_balance=0)

    response = studio.post(f"/studio/{project.id}/", {"action": "generate-story", "quality": "fast"}, follow=True)

    page = response.content.decode()
    assert "Not enough credits" in page
    assert 'href="/billing/"' in page
    assert not Project.objects.get(pk=project.pk).stories.exists()


def test_a_video_needs_the_beat_image_first(studio, project_with_story, on_pro_plan):
    beat = project_with_story.beats.first()

    response = studio.post(
        f"/studio/{project_with_story.id}/",
        {"action": "generate-video", "beat_id": str(beat.id), "quality": "fast"},
        follow=True,
    )

    assert "Generate the beat images first" in response.content.decode()


def test_the_progress_fragment_asks_for_a_reload_when_the_last_job_ends(studio, project):
    response = studio.get(f"/studio/{project.id}/jobs/", {"was_active": "1"})

    assert response.status_code == 200
    assert response["HX-Refresh"] == "true"


def test_a_used_up_trial_says_so_and_links_to_billing(client, outsider):
    from credits.models import TrialUsage
    from studio import services
    from studio.models import Project as P

    membership = outsider.memberships.get()
    project = services.project_create(membership=membership, title="Mine", premise="A premise.")
    TrialUsage.objects.filter(user=outsider).update(used=2)
    client.force_login(outsider)

    response = client.post(f"/studio/{project.id}/", {"action": "generate-story", "quality": "fast"}, follow=True)

    page = response.content.decode()
    assert "You have used the 2 of 2 generations of your free trial" in page and 'href="/billing/"' in page
    assert not P.objects.get(pk=project.pk).stories.exists()


def test_the_daily_limit_says_when_to_try_again(client, outsider, settings):
    from credits.models import TrialUsage
    from studio import services

    TrialUsage.objects.filter(user=outsider).update(max_generations=10)  # the daily rate binds first
    membership = outsider.memberships.get()
    project = services.project_create(membership=membership, title="Mine", premise="A premise.")
    client.force_login(outsider)
    for _attempt in range(settings.TRIAL_DAILY_REQUESTS):
        client.post(f"/studio/{project.id}/", {"action": "generate-image", "quality": "fast"})

    response = client.post(f"/studio/{project.id}/", {"action": "generate-story", "quality": "fast"}, follow=True)

    page = response.content.decode()
    assert f"Daily limit reached: {settings.TRIAL_DAILY_REQUESTS} AI requests per 24 hours" in page
    assert "Try again after" in page and 'href="/billing/"' in page


def test_the_video_ready_email_links_to_the_project(image_asset, owner, mailoutbox, settings):
    from studio.tasks import video_ready_email

    video_ready_email(str(image_asset.id), str(owner.id))

    assert mailoutbox[0].to == [owner.email]
    assert mailoutbox[0].subject == "Your video is ready"
    assert f"{settings.SITE_URL}/studio/{image_asset.project_id}/" in mailoutbox[0].body


def test_two_projects_with_the_same_premise_both_get_their_story(
    owner_api, on_pro_plan, django_capture_on_commit_callbacks
):
    first = owner_api.post("/api/projects/", {"title": "One", "premise": "Same idea"}, format="json").json()
    second = owner_api.post("/api/projects/", {"title": "Two", "premise": "Same idea"}, format="json").json()

    for project in (first, second):
        with django_capture_on_commit_callbacks(execute=True):
            response = owner_api.post(
                "/api/ai/generate-story", {"premise": "Same idea", "project_id": project["id"]}, format="json"
            )
        assert response.json()["cached"] is False

    assert Project.objects.get(pk=first["id"]).beats.exists()
    assert Project.objects.get(pk=second["id"]).beats.exists()
