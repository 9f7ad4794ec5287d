"""Media files on the filesystem storage (the embedded default), served by Django only to
those allowed to see them: a file of a published asset to anyone; any other file only to
members of the organization it belongs to; anyone else gets 404, as for a file that does not
exist (never a hint that it does). On S3/R2 the storage signs short-lived URLs instead
(core.storage), and this view is not mounted.

Whose a file is: the asset that holds it (its file, or a film's poster frame), or else the
organization id in the path that aigen gives every generated file (ai/<organization>/<kind>/<job>.<ext>).
"""

import posixpath
import uuid

from django.conf import settings
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.views.static import serve

from accounts.models import Membership

from .models import Asset


def media_file(request: HttpRequest, path: str) -> HttpResponse:
    name = _clean_name(path)
    owner = _organization_of(name)
    published = Asset.objects.filter(
        Q(file=name) | Q(poster=name),
        status=Asset.Status.PUBLISHED,
        deleted_at__isnull=True,
        project__deleted_at__isnull=True,
    ).exists()
    if not published and not _is_member(request, owner):
        raise Http404("No such file.")
    response = serve(request, name, document_root=settings.MEDIA_ROOT)
    # Published files may be cached anywhere; a private one only by the member's browser.
    response["Cache-Control"] = "public, max-age=3600" if published else "private, max-age=300"
    return response


def _clean_name(path: str) -> str:
    """The storage name of `path`, or 404 for a path that leaves the storage or hides a trick."""
    if not path or "\x00" in path or "\\" in path or path.startswith("/"):
        raise Http404("No such file.")
    name = posixpath.normpath(path)
    if name != path or name.startswith("..") or "/../" in f"/{name}/":
        raise Http404("No such file.")
    return name


def _organization_of(name: str) -> uuid.UUID | None:
    asset_owner = (
        Asset.all_objects.filter(Q(file=name) | Q(poster=name)).values_list("organization_id", flat=True).first()
    )
    if asset_owner is not None:
        return asset_owner
    parts = name.split("/")
    if len(parts) >= 3 and parts[0] == "ai":
        try:
            return uuid.UUID(parts[1])
        except ValueError:
            return None
    return None


def _is_member(request: HttpRequest, organization_id: uuid.UUID | None) -> bool:
    if organization_id is None or not request.user.is_authenticated:
        return False
    return Membership.objects.filter(user_id=request.user.pk, organization_id=organization_id).exists()
