"""The studio's own application errors (core.errors renders every one as JSON)."""

from django.utils.translation import gettext as _

from core.errors import ApplicationError


class VersionReadOnly(ApplicationError):
    """409: the beat belongs to an earlier story version; those are kept as they were, read-only.
    Restoring the version makes it current, and its beats editable again."""

    status_code = 409
    code = "VERSION_READ_ONLY"

    def __init__(self, version: int):
        super().__init__(
            _("This beat belongs to version %(version)d of the story, which is read-only. Restore it to change it.")
            % {"version": version},
            version=version,
        )
