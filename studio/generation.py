"""The studio's side of AI generation: what a project or beat gives a generation, and what a
finished generation gives back (the story and beats, a beat's image, a beat's animation).

aigen sits below studio and never imports it: it calls the resolver registered here and
sends `generation_succeeded`, both wired in StudioConfig.ready().
"""

from django.db import transaction
from django.utils.translation import gettext_noop

from accounts.models import Organization
from aigen.hooks import GenerationTarget

from . import selectors, services, tasks
from .errors import VersionReadOnly
from .models import Asset, Beat, Project


def target_for_generation(
    organization: Organization, project_id: str, beat_id: str | None, *, images: bool = True
) -> GenerationTarget:
    """Raises NotFound for a project or beat of another organization, or a beat of another project;
    VersionReadOnly (409) for a beat of a story version that is not the current one. `images`:
    the project's beat images too (what a video of the whole project is made of); a story or an
    image of the project does not read its beats."""
    if beat_id:
        beat = selectors.beat_get_for_generation(organization=organization, project_id=project_id, beat_id=beat_id)
        # A beat of an earlier version stays as it was: 409, before anything is counted or charged.
        if not beat.story.is_current:
            raise VersionReadOnly(beat.story.version)
        project_key = beat.project_id
        beats = [beat]
        text = f"{beat.title}. {beat.description}".strip()
    else:
        project = selectors.project_get_for_member(organization=organization, project_id=project_id, with_story=False)
        project_key = project.id
        beats = list(selectors.beat_list_for_project(project=project)) if images else []
        text = project.premise or project.title
    with_images = [b for b in beats if b.image_id]
    return GenerationTarget(
        project_id=str(project_key),
        beat_id=str(beat_id) if beat_id else None,
        text=text,
        image_files=[b.image.file.name for b in with_images],
        captions=[b.title for b in with_images],
    )


def on_generation_succeeded(sender, job, **kwargs) -> None:
    """Attach what a finished job made to its project: story and beats, or a beat's image or video."""
    if not job.project_ref:
        return
    project = Project.objects.filter(pk=job.project_ref, organization_id=job.organization_id).first()
    if project is None:
        return  # the project was deleted meanwhile: the job's output stays in the job
    beat = Beat.objects.filter(pk=job.beat_ref, project=project).first() if job.beat_ref else None
    if job.kind == "story" and beat is not None:
        services.beat_text_apply(beat=beat, story=job.result)
        return
    if job.kind == "story":
        services.story_version_create(
            project=project,
            story=job.result,
            premise=str((job.input or {}).get("premise", "")),
            quality=job.quality,
            created_by_id=job.user_id,
            generation_job_id=job.id,
        )
        return
    if not job.output_file:
        return
    kind = Asset.Kind.IMAGE if job.kind == "image" else Asset.Kind.VIDEO
    asset = services.asset_create(
        project=project,
        beat=beat,
        kind=kind,
        file_name=job.output_file,
        prompt=str((job.input or {}).get("prompt", ""))[:2000],
        generation_job_id=job.id,
        placeholder=job.placeholder,
    )
    if kind == Asset.Kind.VIDEO and job.user_id:
        services.notification_create(
            user=job.user,
            organization_id=project.organization_id,
            message=gettext_noop("Your video for “%(title)s” is ready."),
            params={"title": project.title},
            link=f"{project.get_absolute_url()}#beat-{beat.id}" if beat else project.get_absolute_url(),
        )
        transaction.on_commit(lambda: tasks.video_ready_email.delay(str(asset.id), str(job.user_id)))
