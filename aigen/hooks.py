"""What higher apps tell aigen at start-up, and what aigen tells them, without imports upward.

studio (above aigen) registers a target resolver: given (organization, project_id, beat_id,
images=) it returns what a generation needs from that project or beat, or raises
core.errors.NotFound; `images=True` (a video) asks for the project's beat images too.
With nothing registered, any project_id or beat_id answers 404 "Project not found.".

When a job succeeds, `generation_succeeded` is sent with `job=` so studio can attach the
asset to its beat; for a job with a project, inside the transaction that marks it succeeded.
"""

from collections.abc import Callable
from dataclasses import dataclass, field

from django.dispatch import Signal
from django.utils.translation import gettext as _

from accounts.models import Organization
from core.errors import NotFound


@dataclass(frozen=True)
class GenerationTarget:
    """A project (and beat) as a generation needs it.

    `text`: the beat's text (an image or video prompt when none is given); `image_files`:
    paths in the default storage of the beat images a video is made of; `captions`: one per image.
    """

    project_id: str
    beat_id: str | None = None
    text: str = ""
    image_files: list[str] = field(default_factory=list)
    captions: list[str] = field(default_factory=list)


TargetResolver = Callable[..., GenerationTarget]  # (organization, project_id, beat_id, *, images)
_resolvers: list[TargetResolver] = []

generation_succeeded = Signal()  # kwargs: job


def register_target_resolver(resolver: TargetResolver) -> None:
    if resolver not in _resolvers:
        _resolvers.append(resolver)


def unregister_target_resolver(resolver: TargetResolver) -> None:
    if resolver in _resolvers:
        _resolvers.remove(resolver)


def target_resolve(
    *, organization: Organization, project_id: str, beat_id: str | None, images: bool = False
) -> GenerationTarget:
    if not _resolvers:
        raise NotFound(_("Project not found."))
    return _resolvers[-1](organization, str(project_id), str(beat_id) if beat_id else None, images=images)
