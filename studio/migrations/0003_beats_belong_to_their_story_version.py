"""Existing beats belong to their project's current story version (or to a version 1 made for a
project that has beats but no story)."""

from django.db import migrations


def beats_to_current_story(apps, schema_editor):
    Beat = apps.get_model("studio", "Beat")
    Story = apps.get_model("studio", "Story")
    project_ids = Beat.objects.filter(story__isnull=True).values_list("project_id", flat=True).distinct()
    for project_id in list(project_ids):
        story = Story.objects.filter(project_id=project_id, is_current=True).first()
        if story is None:
            latest = Story.objects.filter(project_id=project_id).order_by("-version").first()
            project = apps.get_model("studio", "Project").objects.get(pk=project_id)
            story = Story.objects.create(
                project_id=project_id, version=(latest.version + 1) if latest else 1, title=project.title[:200]
            )
        Beat.objects.filter(project_id=project_id, story__isnull=True).update(story=story)


class Migration(migrations.Migration):
    dependencies = [("studio", "0002_story_versions_beat_variants_soft_delete")]

    operations = [migrations.RunPython(beats_to_current_story, migrations.RunPython.noop)]
