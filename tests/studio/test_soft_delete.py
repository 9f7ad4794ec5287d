from datetime import timedelta

from django.core.files.storage import default_storage
from django.utils import timezone

from studio import services
from studio.models import Asset, Project


def test_a_soft_deleted_project_is_restorable(project):
    services.project_soft_delete(project=project)
    assert not Project.objects.filter(pk=project.pk).exists()

    services.project_restore(project=project)

    assert Project.objects.filter(pk=project.pk).exists()


def test_soft_deleted_rows_are_purged_after_30_days_with_their_files(project_with_story, image_asset):
    path = image_asset.file.name
    services.project_soft_delete(project=project_with_story)

    kept = services.soft_deleted_purge(now=timezone.now() + timedelta(days=29))
    assert kept == {"projects": 0, "beats": 0, "assets": 0}
    assert default_storage.exists(path)

    purged = services.soft_deleted_purge(now=timezone.now() + timedelta(days=31))

    assert purged == {"projects": 1, "beats": 0, "assets": 1}
    assert not Project.all_objects.filter(pk=project_with_story.pk).exists()
    assert not Asset.all_objects.exists()
    assert not default_storage.exists(path)


def test_a_soft_deleted_asset_leaves_its_beat(image_asset):
    services.asset_soft_delete(asset=image_asset)

    assert image_asset.beat.__class__.objects.get(pk=image_asset.beat_id).image is None
    assert not Asset.objects.exists()


def test_staff_restore_a_deleted_project_from_the_admin(client, project):
    from tests.factories import UserFactory

    staff = UserFactory(is_staff=True)
    staff.is_superuser = True
    staff.save(update_fields=["is_superuser"])
    services.project_soft_delete(project=project)
    client.force_login(staff)
    assert "Lanterns" in client.get("/admin/studio/project/?deleted=yes").content.decode()

    client.post("/admin/studio/project/", {"action": "restore", "_selected_action": [str(project.pk)]})

    assert Project.objects.filter(pk=project.pk).exists()


def test_the_daily_purge_task_deletes_what_was_deleted_31_days_ago(project_with_story, time_machine):
    from studio.tasks import soft_deleted_purge_daily

    services.project_soft_delete(project=project_with_story)
    time_machine.move_to(timezone.now() + timedelta(days=31))

    assert soft_deleted_purge_daily() == {"projects": 1, "beats": 0, "assets": 0}
    assert not Project.all_objects.exists()


def test_staff_see_a_projects_beats_of_every_version_in_the_admin(client, project_with_story):
    from tests.factories import UserFactory
    from tests.studio.conftest import STORY

    services.story_version_create(project=project_with_story, story={**STORY, "title": "Second take"})
    staff = UserFactory(is_staff=True)
    staff.is_superuser = True
    staff.save(update_fields=["is_superuser"])
    client.force_login(staff)

    page = client.get(f"/admin/studio/project/{project_with_story.pk}/change/")

    assert page.status_code == 200
    assert page.content.decode().count('value="Beat 1"') == 2  # one per version
    assert client.get("/admin/studio/story/").status_code == 200
