"""Deleting a project is soft: undo from the toast, restore from "Deleted" for 30 days, then purged."""

from datetime import timedelta

from django.utils import timezone

from aigen.models import GenerationJob
from studio import services
from studio.models import Project


def test_a_deleted_project_is_listed_with_deleted_1_and_restored(owner_api, project):
    assert owner_api.delete(f"/api/projects/{project.id}/").status_code == 204
    assert owner_api.get("/api/projects/").json()["results"] == []

    deleted = owner_api.get("/api/projects/", {"deleted": "1"}).json()["results"]
    assert [item["id"] for item in deleted] == [str(project.id)] and deleted[0]["deleted_at"]
    response = owner_api.post(f"/api/projects/{project.id}/restore")

    assert response.status_code == 200
    assert response.json()["deleted_at"] is None
    assert [item["id"] for item in owner_api.get("/api/projects/").json()["results"]] == [str(project.id)]


def test_restoring_a_project_that_is_not_deleted_answers_404(owner_api, project):
    response = owner_api.post(f"/api/projects/{project.id}/restore")

    assert response.status_code == 404
    assert response.json()["code"] == "NOT_FOUND"


def test_a_project_deleted_more_than_30_days_ago_is_no_longer_restorable(owner_api, project):
    services.project_soft_delete(project=project)
    Project.all_objects.filter(pk=project.pk).update(deleted_at=timezone.now() - timedelta(days=31))

    assert owner_api.get("/api/projects/", {"deleted": "1"}).json()["results"] == []
    assert owner_api.post(f"/api/projects/{project.id}/restore").status_code == 404


def test_it_hides_other_organizations_deleted_projects(project, api_client, outsider):
    services.project_soft_delete(project=project)
    api_client.force_authenticate(outsider)

    assert api_client.get("/api/projects/", {"deleted": "1"}).json()["results"] == []
    assert api_client.post(f"/api/projects/{project.id}/restore").status_code == 404
    assert Project.objects.filter(pk=project.pk).count() == 0


def test_deleting_on_the_page_offers_an_undo_that_brings_it_back(studio, project):
    response = studio.post(f"/studio/{project.id}/", {"action": "delete-project"}, follow=True)

    page = response.content.decode()
    assert "Project “Lanterns” deleted." in page and 'data-toast-seconds="15"' in page
    studio.post("/dashboard/", {"action": "restore-project", "project_id": str(project.id)})
    assert Project.objects.filter(pk=project.pk).exists()


def test_the_dashboard_never_links_to_a_deleted_project(studio, project, owner, organization):
    GenerationJob.objects.create(
        organization=organization, user=owner, kind="image", quality="fast", deadline_at=timezone.now(),
        input={"prompt": "p"}, project_ref=str(project.id),
    )  # fmt: skip
    services.notification_create(
        user=owner, organization_id=organization.id, message="Your video is ready", link=f"/studio/{project.id}/#b"
    )
    assert f"/studio/{project.id}/" in studio.get("/dashboard/").content.decode()

    services.project_soft_delete(project=project)
    page = studio.get("/dashboard/").content.decode()

    assert f"/studio/{project.id}/" not in page
    assert "Your video is ready" in page and "Restore “Lanterns”" in page


def test_the_purge_task_removes_a_project_after_30_days(project_with_story, time_machine):
    from studio.tasks import soft_deleted_purge_daily

    services.project_soft_delete(project=project_with_story)
    time_machine.move_to(timezone.now() + timedelta(days=30, hours=1))

    soft_deleted_purge_daily()

    assert not Project.all_objects.filter(pk=project_with_story.pk).exists()


def test_the_undo_offer_shows_only_on_the_page_it_was_made_for(studio, project_with_story):
    from studio.models import Beat

    beat = Beat.objects.get(project=project_with_story, order=0)
    studio.post(f"/studio/{project_with_story.id}/", {"action": "delete-beat", "beat_id": str(beat.id)})

    assert "Beat “Beat 1” deleted." not in studio.get("/dashboard/").content.decode()
    assert "Beat “Beat 1” deleted." in studio.get(f"/studio/{project_with_story.id}/").content.decode()
    assert "Beat “Beat 1” deleted." not in studio.get(f"/studio/{project_with_story.id}/").content.decode()
