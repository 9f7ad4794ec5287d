"""The studio shows what a generation cost, labels placeholder outputs and says when a failed
one was not charged."""

from aigen.models import GenerationJob
from aigen.services import generation_job_create, generation_job_fail
from studio.models import Asset, Project


def test_a_placeholder_image_is_labelled_and_its_receipt_shown(studio, project, on_pro_plan):
    studio.post(f"/studio/{project.id}/", {"action": "generate-story", "quality": "fast"})
    beat = Project.objects.get(pk=project.pk).beats.order_by("order").first()

    studio.post(f"/studio/{project.id}/", {"action": "generate-image", "beat_id": str(beat.id), "quality": "fast"})

    page = studio.get(f"/studio/{project.id}/").content.decode()
    assert Asset.objects.get(beat=beat).placeholder is True
    assert 'class="badge badge-warning placeholder-label"' in page
    assert "Receipt: 5 credits" in page and "5 charged, 0 refunded, 5 net" in page
    assert "local · local-image-1: succeeded" in page


def project_job(project, owner, *, kind: str, credits: int, provider: str, model: str) -> GenerationJob:
    """A charged job of the project, still open (as a worker would find it)."""
    job, _remaining = generation_job_create(
        organization=project.organization,
        user=owner,
        kind=kind,
        quality="fast",
        credits=credits,
        job_input={"prompt": "A lantern"},
        template_version=f"{kind}-v1",
        provider=provider,
        model=model,
        project_ref=str(project.id),
    )
    return job


def test_a_failed_job_says_you_were_not_charged(studio, project, owner, on_pro_plan):  # noqa: F811
    job = project_job(project, owner, kind="image", credits=5, provider="stability", model="core")

    generation_job_fail(job_id=job.pk, error="every provider failed")

    fragment = studio.get(f"/studio/{project.id}/jobs/").content.decode()
    assert "You were not charged." in fragment and "5 charged, 5 refunded, 0 net" in fragment
    assert "nobody: every provider failed" in fragment


def test_a_partly_delivered_video_says_its_failed_clips_were_not_charged(studio, project, owner, on_pro_plan):  # noqa: F811
    job = project_job(project, owner, kind="video", credits=60, provider="veo", model="veo-3.1-generate-preview")
    GenerationJob.objects.filter(pk=job.pk).update(status="partial")

    fragment = studio.get(f"/studio/{project.id}/jobs/").content.decode()

    assert "Partly delivered" in fragment and "The clips that failed were not charged." in fragment
    assert "Failed" not in fragment
