"""Reads of generation jobs. Another organization's job is invisible: 404."""

import uuid

from django.utils.translation import gettext as _

from accounts.models import Organization
from core.errors import NotFound

from .models import GenerationJob


def generation_job_get_for_organization(*, organization: Organization, job_id) -> GenerationJob:
    try:
        key = uuid.UUID(str(job_id))
    except ValueError:
        raise NotFound(_("Job not found.")) from None
    try:
        # get(), not first(): no ORDER BY to compile for a primary-key read (jobs are polled).
        return GenerationJob.objects.get(pk=key, organization_id=organization.pk)
    except GenerationJob.DoesNotExist:
        raise NotFound(_("Job not found.")) from None


def image_files_of_jobs(*, organization: Organization, job_ids: list) -> list[str]:
    """The stored files of the organization's succeeded image jobs, in the order asked; 404 otherwise."""
    jobs = {
        str(job.pk): job
        for job in GenerationJob.objects.filter(
            pk__in=job_ids, organization_id=organization.pk, kind=GenerationJob.Kind.IMAGE
        )
    }
    files = []
    for job_id in job_ids:
        job = jobs.get(str(job_id))
        if job is None:
            raise NotFound(_("Image job not found."))
        if job.status != GenerationJob.Status.SUCCEEDED or not job.output_file:
            raise NotFound(_("Image job %(id)s has no image yet.") % {"id": job_id})
        files.append(job.output_file)
    return files


def generation_job_list_for_project(*, organization: Organization, project_id, limit: int = 10) -> list[GenerationJob]:
    """A project's most recent jobs, newest first (studio shows their progress)."""
    return list(
        GenerationJob.objects.filter(organization_id=organization.pk, project_ref=str(project_id)).order_by(
            "-created_at"
        )[:limit]
    )


def generation_job_list_recent(*, organization: Organization, limit: int = 8) -> list[GenerationJob]:
    return list(GenerationJob.objects.filter(organization_id=organization.pk).order_by("-created_at")[:limit])
