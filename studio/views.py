"""The pages people use: home, dashboard, a project's studio, the public gallery."""

import uuid

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from accounts.me import me_sections
from aigen.receipts import job_receipts
from aigen.selectors import generation_job_list_for_project, generation_job_list_recent
from billing.selectors import plan_list_for_sale
from core.errors import ApplicationError, ValidationFailed
from credits.selectors import credits_summary_get, trial_exempt

from . import selectors, services
from .forms import ProjectForm, ProjectSearchForm
from .generation_pages import generation_costs
from .project_actions import ACTIONS, undo_offer_pop


def home(request: HttpRequest) -> HttpResponse:
    # The trial's offer is for visitors and organizations on their trial; paying ones never read it.
    on_trial = not (
        request.user.is_authenticated
        and request.membership  # a lazy object: its truth is the membership's
        and trial_exempt(organization=request.membership.organization)
    )
    return render(request, "home.html", {"plans": plan_list_for_sale(), "on_trial": on_trial})


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    membership = request.membership
    project_form = ProjectForm()
    if request.method == "POST" and request.POST.get("action") == "restore-project":
        project = selectors.project_get_deleted_for_member(
            organization=membership.organization, project_id=request.POST.get("project_id")
        )
        services.project_restore(project=project)
        messages.success(request, _("Project “%(title)s” restored.") % {"title": project.title})
        return redirect("dashboard")
    if request.method == "POST":
        project_form = ProjectForm(request.POST)
        if project_form.is_valid():
            project = services.project_create(membership=membership, **project_form.cleaned_data)
            messages.success(request, _("Project created. Start with the story."))
            return redirect("studio-project", project_id=project.id)
    search_form = ProjectSearchForm(request.GET)
    search = search_form.cleaned_data["q"] if search_form.is_valid() else ""
    projects = selectors.project_list_for_member(organization=membership.organization, search=search)
    recent_jobs = generation_job_list_recent(organization=membership.organization)
    purposes = selectors.job_purposes(organization=membership.organization, jobs=recent_jobs)
    notifications = selectors.notification_list_for_user(user=request.user, organization=membership.organization)
    context = {
        **me_sections(membership),
        "project_form": project_form,
        "search_form": search_form,
        "search": search,
        "projects": Paginator(projects, 12).get_page(request.GET.get("page")),
        "notifications": notifications,
        "recent_jobs": [(job, purposes[job.pk]) for job in recent_jobs],
        # Links only to projects that still exist: a deleted one is in "Deleted", not linked.
        "alive_project_ids": selectors.project_ids_alive(
            organization=membership.organization,
            candidates=[job.project_ref for job in recent_jobs],
        ),
        "deleted_projects": selectors.project_list_deleted_for_member(organization=membership.organization)[:20],
        "undo": undo_offer_pop(request),
        "undo_seconds": settings.STUDIO_UNDO_TOAST_SECONDS,
    }
    return render(request, "studio/dashboard.html", context, status=400 if project_form.errors else 200)


@login_required
def project_page(request: HttpRequest, project_id) -> HttpResponse:
    organization = request.membership.organization
    project = selectors.project_get_for_member(organization=organization, project_id=project_id)
    project_form = ProjectForm(initial={"title": project.title, "premise": project.premise, "genre": project.genre})
    status = 200
    if request.method == "POST":
        status = 400
        action = ACTIONS.get(request.POST.get("action", ""))
        try:
            if action is None:
                raise ValidationFailed(_("Unknown action."))
            result = action(request, project)
            if isinstance(result, ProjectForm):
                project_form = result
            elif result is not None:
                return result
        except ApplicationError as error:
            messages.error(request, error.message)
            status = error.status_code
    # The jobs first: a job that finishes while the page is read then still shows as running
    # (the page polls and reloads), never as done with its image missing from the beats.
    jobs = _jobs_context(organization, project)
    story = project.current_stories[0] if project.current_stories else None
    beats = list(selectors.beat_list_for_project(project=project))
    costs = generation_costs()
    context = {
        "project": project,
        "project_form": project_form,
        "story": story,
        "next_variation": selectors.story_version_list_for_project(project=project).count(),
        "next_quality": story.quality if story and story.quality else "fast",
        "beats": beats,
        "variants": selectors.beat_variants(beats=beats),
        "deleted_beats": selectors.beat_list_deleted_for_project(project=project),
        "costs": costs,
        "animatic_cost": costs["video"]["fast"] * max(1, sum(1 for beat in beats if beat.image_id)),
        "undo_seconds": settings.STUDIO_UNDO_TOAST_SECONDS,
        "balance": credits_summary_get(organization=organization).total,
        "film_clips": selectors.film_clips_for_project(project=project),
        "animatics": selectors.animatic_list_for_project(project=project),
        "film": selectors.film_latest_for_project(project=project),
        "undo": undo_offer_pop(request),
        **jobs,
    }
    return render(request, "studio/project.html", context, status=status)


def _jobs_context(organization, project) -> dict:
    jobs = generation_job_list_for_project(organization=organization, project_id=project.id)
    purposes = selectors.job_purposes(organization=organization, jobs=jobs)
    receipts = job_receipts(jobs)
    for job in jobs:
        job.receipt = receipts[job.pk]
    # The newest story still being written: the page shows it growing (static/js/story-stream.js).
    # A beat's rewrite is a small story job too, but it shows at its beat ("Rewriting beat 3…").
    running_stories = [job for job in jobs if job.kind == "story" and not job.is_finished]
    live_story = next((job for job in running_stories if not job.beat_ref), None)
    return {
        "rewriting_beats": {uuid.UUID(job.beat_ref) for job in running_stories if job.beat_ref},
        "jobs": [(job, purposes[job.pk]) for job in jobs],
        "jobs_active": any(not job.is_finished for job in jobs),
        "animatic_jobs": [job for job in jobs if job.kind == "video" and not job.beat_ref and not job.is_finished],
        "live_story": live_story,
    }


@login_required
def project_jobs(request: HttpRequest, project_id) -> HttpResponse:
    """The live progress fragment, polled by htmx while a job is queued or running.

    When the last active job finishes, it asks the page to reload so the new image, video or
    story appears.
    """
    organization = request.membership.organization
    project = selectors.project_get_for_member(organization=organization, project_id=project_id)
    context = _jobs_context(organization, project)
    response = render(request, "studio/_jobs.html", {"project": project, **context})
    if request.GET.get("was_active") and not context["jobs_active"]:
        response["HX-Refresh"] = "true"
    return response


@login_required
def story_versions_page(request: HttpRequest, project_id) -> HttpResponse:
    project = selectors.project_get_for_member(organization=request.membership.organization, project_id=project_id)
    versions = selectors.story_version_list_for_project(project=project)
    return render(request, "studio/versions.html", {"project": project, "versions": versions})


@login_required
def story_version_page(request: HttpRequest, project_id, version: int) -> HttpResponse:
    """One version, read-only, with its beats and their chosen images and videos."""
    project = selectors.project_get_for_member(organization=request.membership.organization, project_id=project_id)
    story = selectors.story_version_get_for_project(project=project, version=version)
    beats = selectors.beat_list_for_story(story=story)
    return render(request, "studio/version.html", {"project": project, "story": story, "beats": beats})


def gallery(request: HttpRequest) -> HttpResponse:
    contents = Paginator(selectors.published_content_list(), 24).get_page(request.GET.get("page"))
    return render(request, "studio/gallery.html", {"contents": contents})


def gallery_item(request: HttpRequest, asset_id) -> HttpResponse:
    """A published item's permalink, with Open Graph tags so that a shared link previews."""
    asset = selectors.published_content_get(asset_id=asset_id)
    return render(request, "studio/gallery_item.html", {"asset": asset})


@login_required
def notifications_page(request: HttpRequest) -> HttpResponse:
    """Every notification of the current organization; opening the page marks them read."""
    items = selectors.notification_list_for_user(
        user=request.user, organization=request.membership.organization, limit=50
    )
    services.notifications_mark_read(user=request.user)
    return render(request, "studio/notifications.html", {"notifications": items})
