"""The pages people use: home, dashboard, a project's studio, the public gallery."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from accounts.me import me_sections
from aigen.selectors import generation_job_list_for_project, generation_job_list_recent
from billing.selectors import plan_list_for_sale
from core.errors import ApplicationError

from . import selectors, services
from .forms import BeatForm, ProjectForm, ProjectSearchForm
from .generation_pages import generate_from_page, generation_costs

GENERATE_ACTIONS = ("generate-story", "generate-image", "generate-video", "generate-animatic")


def home(request: HttpRequest) -> HttpResponse:
    return render(request, "home.html", {"plans": plan_list_for_sale()})


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    membership = request.membership
    project_form = ProjectForm()
    if request.method == "POST":
        project_form = ProjectForm(request.POST)
        if project_form.is_valid():
            project = services.project_create(membership=membership, **project_form.cleaned_data)
            messages.success(request, _("Project created. Start with the story."))
            return redirect("studio-project", project_id=project.id)
    search_form = ProjectSearchForm(request.GET)
    search = search_form.cleaned_data["q"] if search_form.is_valid() else ""
    projects = selectors.project_list_for_member(organization=membership.organization, search=search)
    context = {
        **me_sections(membership),
        "project_form": project_form,
        "search_form": search_form,
        "search": search,
        "projects": Paginator(projects, 12).get_page(request.GET.get("page")),
        "notifications": selectors.notification_list_for_user(user=request.user, organization=membership.organization),
        "recent_jobs": generation_job_list_recent(organization=membership.organization),
    }
    return render(request, "studio/dashboard.html", context, status=400 if project_form.errors else 200)


@login_required
def project_page(request: HttpRequest, project_id) -> HttpResponse:
    membership = request.membership
    project = selectors.project_get_for_member(organization=membership.organization, project_id=project_id)
    project_form = ProjectForm(initial={"title": project.title, "premise": project.premise, "genre": project.genre})
    status = 200
    if request.method == "POST":
        status = 400
        action = request.POST.get("action")
        try:
            if action == "update-project":
                project_form = ProjectForm(request.POST)
                if project_form.is_valid():
                    services.project_update(project=project, **project_form.cleaned_data)
                    messages.success(request, _("Project saved."))
                    return redirect("studio-project", project_id=project.id)
            elif action == "update-beat":
                beat = selectors.beat_get_for_member(
                    organization=membership.organization, beat_id=request.POST.get("beat_id")
                )
                beat_form = BeatForm(request.POST)
                if beat.project_id == project.id and beat_form.is_valid():
                    services.beat_update(beat=beat, **beat_form.cleaned_data)
                    messages.success(request, _("Beat saved."))
                    return redirect(f"{project.get_absolute_url()}#beat-{beat.id}")
                messages.error(request, _("The beat was not saved: check its title and text."))
            elif action in ("publish", "unpublish"):
                asset = selectors.asset_get_for_member(
                    organization=membership.organization, asset_id=request.POST.get("asset_id")
                )
                change = services.asset_publish if action == "publish" else services.asset_unpublish
                change(asset=asset)
                messages.success(
                    request, _("Published to the gallery.") if action == "publish" else _("Removed from the gallery.")
                )
                return redirect(project.get_absolute_url())
            elif action in GENERATE_ACTIONS:
                generate_from_page(request, project, action)
                return redirect(project.get_absolute_url())
            elif action == "delete-project":
                services.project_soft_delete(project=project)
                messages.success(request, _("Project deleted."))
                return redirect("dashboard")
        except ApplicationError as error:
            messages.error(request, error.message)
            status = error.status_code
    story = project.current_stories[0] if project.current_stories else None
    context = {
        "project": project,
        "project_form": project_form,
        "story": story,
        "next_variation": story.version if story else 0,
        "beats": selectors.beat_list_for_project(project=project),
        "costs": generation_costs(),
        **_jobs_context(membership.organization, project),
    }
    return render(request, "studio/project.html", context, status=status)


def _jobs_context(organization, project) -> dict:
    jobs = generation_job_list_for_project(organization=organization, project_id=project.id)
    # The newest story still being written: the page shows it growing (static/js/story-stream.js).
    live_story = next((job for job in jobs if job.kind == "story" and not job.is_finished), None)
    return {"jobs": jobs, "jobs_active": any(not job.is_finished for job in jobs), "live_story": live_story}


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


def gallery(request: HttpRequest) -> HttpResponse:
    contents = Paginator(selectors.published_content_list(), 24).get_page(request.GET.get("page"))
    return render(request, "studio/gallery.html", {"contents": contents})


@login_required
def notifications_page(request: HttpRequest) -> HttpResponse:
    """Every notification of the current organization; opening the page marks them read."""
    items = selectors.notification_list_for_user(
        user=request.user, organization=request.membership.organization, limit=50
    )
    services.notifications_mark_read(user=request.user)
    return render(request, "studio/notifications.html", {"notifications": items})
