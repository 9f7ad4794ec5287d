"""The studio page's form actions (no JavaScript needed): each parses the POST, calls one
service and answers with a redirect and a flash message. A deletion leaves an undo offer
(`undo_offer`) that the next page shows as a toast."""

import time

from django.contrib import messages
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _

from core.errors import ValidationFailed

from . import selectors, services
from .film import film_build_begin
from .forms import BeatForm, ProjectForm
from .generation_pages import generate_from_page
from .models import Project
from .tasks import project_film_build

GENERATE_ACTIONS = ("generate-story", "generate-image", "generate-video", "generate-animatic", "regenerate-beat-text")
UNDO_SESSION_KEY = "studio_undo"
UNDO_OFFER_FRESH_SECONDS = 60  # the page after a deletion; a later visit offers nothing


def undo_offer(request: HttpRequest, *, action: str, object_id, message: str, page: str) -> None:
    """Remember what was just deleted, for the toast ("Undo") of the next view of `page`."""
    request.session[UNDO_SESSION_KEY] = {
        "action": action,
        "id": str(object_id),
        "message": message,
        "page": page,
        "at": time.time(),
    }


def undo_offer_pop(request: HttpRequest) -> dict | None:
    """The undo offer made for this page in the last minute (then it has expired), once."""
    offer = request.session.get(UNDO_SESSION_KEY)
    if not offer or offer.get("page") != request.path:
        return None
    del request.session[UNDO_SESSION_KEY]
    return offer if time.time() - offer.get("at", 0) < UNDO_OFFER_FRESH_SECONDS else None


def _back(project: Project, anchor: str = "") -> HttpResponse:
    return redirect(project.get_absolute_url() + (f"#{anchor}" if anchor else ""))


def _beat(request: HttpRequest, project: Project):
    beat = selectors.beat_get_for_member(
        organization=request.membership.organization, beat_id=request.POST.get("beat_id")
    )
    if beat.project_id != project.id:
        raise ValidationFailed(_("This beat belongs to another project."))
    return beat


def update_project(request, project):
    form = ProjectForm(request.POST)
    if not form.is_valid():
        return form
    services.project_update(project=project, **form.cleaned_data)
    messages.success(request, _("Project saved."))
    return _back(project)


def update_beat(request, project):
    beat = _beat(request, project)
    form = BeatForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("The beat was not saved: check its title and text."))
        return None
    services.beat_update(beat=beat, **form.cleaned_data)
    messages.success(request, _("Beat saved."))
    return _back(project, f"beat-{beat.id}")


def add_beat(request, project):
    form = BeatForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("The beat was not added: give it a title."))
        return None
    beat = services.beat_create(project=project, **form.cleaned_data)
    messages.success(request, _("Beat added."))
    return _back(project, f"beat-{beat.id}")


def delete_beat(request, project):
    beat = _beat(request, project)
    services.beat_soft_delete(beat=beat)
    undo_offer(
        request,
        action="restore-beat",
        object_id=beat.id,
        message=_("Beat “%(title)s” deleted.") % {"title": beat.title},
        page=project.get_absolute_url(),
    )
    return _back(project, "beats-title")


def restore_beat(request, project):
    beat = selectors.beat_get_deleted_for_member(
        organization=request.membership.organization, beat_id=request.POST.get("beat_id")
    )
    if beat.project_id != project.id:
        raise ValidationFailed(_("This beat belongs to another project."))
    services.beat_restore(beat=beat)
    messages.success(request, _("Beat restored."))
    return _back(project, f"beat-{beat.id}")


def move_beat(request, project):
    beat = _beat(request, project)
    services.beat_move(beat=beat, offset=-1 if request.POST.get("direction") == "up" else 1)
    return _back(project, f"beat-{beat.id}")


def choose_variant(request, project):
    beat = _beat(request, project)
    asset = selectors.asset_get_for_member(
        organization=request.membership.organization, asset_id=request.POST.get("asset_id")
    )
    services.beat_variant_choose(beat=beat, asset=asset)
    messages.success(request, _("Chosen for this beat."))
    return _back(project, f"beat-{beat.id}")


def publish(request, project):
    asset = selectors.asset_get_for_member(
        organization=request.membership.organization, asset_id=request.POST.get("asset_id")
    )
    if asset.project_id != project.id:
        raise ValidationFailed(_("This image or video belongs to another project."))
    if request.POST.get("action") == "publish":
        services.asset_publish(asset=asset)
        messages.success(request, _("Published to the gallery."))
    else:
        services.asset_unpublish(asset=asset)
        messages.success(request, _("Removed from the gallery."))
    return _back(project)


def restore_version(request, project):
    story = services.story_version_restore(project=project, version=request.POST.get("version"))
    messages.success(request, _("Version %(version)d is the current story again.") % {"version": story.version})
    return _back(project)


def build_film(request, project):
    film_build_begin(project=project)
    transaction.on_commit(lambda: project_film_build.delay(str(project.id)))
    messages.success(request, _("Your film is being put together. Its download appears here in a moment."))
    return _back(project, "film-title")


def delete_project(request, project):
    services.project_soft_delete(project=project)
    undo_offer(
        request,
        action="restore-project",
        object_id=project.id,
        message=_("Project “%(title)s” deleted.") % {"title": project.title},
        page=reverse("dashboard"),
    )
    return redirect("dashboard")


def generate(request, project):
    job_id = generate_from_page(request, project, request.POST["action"])
    return _back(project, f"job-{job_id}" if job_id else "")


ACTIONS = {
    "update-project": update_project,
    "update-beat": update_beat,
    "add-beat": add_beat,
    "delete-beat": delete_beat,
    "restore-beat": restore_beat,
    "move-beat": move_beat,
    "choose-variant": choose_variant,
    "publish": publish,
    "unpublish": publish,
    "restore-version": restore_version,
    "build-film": build_film,
    "delete-project": delete_project,
    **dict.fromkeys(GENERATE_ACTIONS, generate),
}
