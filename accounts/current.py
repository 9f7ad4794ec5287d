"""The organization a request acts for.

API clients name it with the `X-Organization` header (checked against the caller's
memberships: an outsider gets 404, never data); pages keep it in the session; with neither,
the user's personal organization.

The answer (the membership and its organization, never a refusal) is cached per user and
organization, so a signed-in request reads one cache key instead of a joined query. Every
save or delete of a membership or an organization (a role change, a removal, a suspension,
a rename) replaces the user's cache version after the commit (and at once, for readers in the
same transaction), so a removed member loses access on their next request. A reader takes
the version before it reads the database and files what it read under that version, so a
change that commits during the read leaves that entry stale-marked, never current.
Writes that bypass signals (QuerySet.update() on these models, raw SQL) are not seen: the
entry then lives CACHE_SECONDS at most. None exist today; keep it that way.
"""

import hashlib
import secrets
import uuid

from django.conf import settings
from django.core.cache import cache
from django.db import DEFAULT_DB_ALIAS, transaction
from django.db.models.signals import post_delete, post_save
from django.http import HttpRequest
from django.utils.translation import gettext as _

from core.errors import NotFound

from .models import Membership, Organization, User
from .selectors import membership_default, membership_get
from .services import organization_ensure_personal

SESSION_KEY = "organization_id"
HEADER = "X-Organization"

CACHE_SECONDS = 10 * 60
VERSION_SECONDS = 24 * 60 * 60
DEFAULT = "default"  # the entry of "no organization named": membership_default's answer

_MEMBERSHIP_FIELDS = [field.attname for field in Membership._meta.concrete_fields]
_ORGANIZATION_FIELDS = [field.attname for field in Organization._meta.concrete_fields]
# In the key: a deploy that changes either model reads none of the old entries.
_SHAPE = hashlib.sha256(repr((_MEMBERSHIP_FIELDS, _ORGANIZATION_FIELDS)).encode()).hexdigest()[:8]
# A cache only this process sees would not hear about changes made by other processes.
_PROCESS_LOCAL = ("django.core.cache.backends.locmem.", "django.core.cache.backends.dummy.")


def membership_for_request(request: HttpRequest, user: User) -> Membership:
    requested = request.headers.get(HEADER)
    if requested:
        return _membership(user, requested)
    remembered = request.session.get(SESSION_KEY) if hasattr(request, "session") else None
    if remembered:
        try:
            return _membership(user, remembered)
        except NotFound:
            request.session.pop(SESSION_KEY, None)  # left or was removed: fall back
    membership = _membership(user, None)
    if membership is None:
        organization_ensure_personal(user=user)
        membership = _membership(user, None)
    return membership


def remember_organization(request: HttpRequest, membership: Membership) -> None:
    request.session[SESSION_KEY] = str(membership.organization_id)


# --- The cache ------------------------------------------------------------------------


def _cache_enabled() -> bool:
    return not settings.CACHES["default"]["BACKEND"].startswith(_PROCESS_LOCAL)


def _version_key(user_id) -> str:
    return f"accounts:membership-version:{user_id}"


def _entry_key(user_id, organization_id) -> str:
    return f"accounts:membership:{_SHAPE}:{user_id}:{organization_id or DEFAULT}"


def _membership(user: User, organization_id) -> Membership | None:
    """membership_get (organization_id given; NotFound) or membership_default (None given)."""
    if organization_id is not None:
        try:
            organization_id = str(uuid.UUID(str(organization_id)))  # one key per organization
        except ValueError:
            raise NotFound(_("Organization not found.")) from None
    if not _cache_enabled():
        return _membership_from_database(user, organization_id)
    version_key, entry_key = _version_key(user.pk), _entry_key(user.pk, organization_id)
    found = cache.get_many([version_key, entry_key])
    version, entry = found.get(version_key), found.get(entry_key)
    if version is not None and entry is not None and entry[0] == version:
        return _membership_build(user, entry[1], entry[2])
    if version is None:
        # Taken before the database is read: a change committed meanwhile replaces it.
        fresh = secrets.token_hex(8)
        version = fresh if cache.add(version_key, fresh, VERSION_SECONDS) else cache.get(version_key)
    membership = _membership_from_database(user, organization_id)  # NotFound is not cached
    if membership is not None and version is not None:
        values = (
            [getattr(membership, name) for name in _MEMBERSHIP_FIELDS],
            [getattr(membership.organization, name) for name in _ORGANIZATION_FIELDS],
        )
        cache.set(entry_key, (version, *values), CACHE_SECONDS)
    return membership


def _membership_from_database(user: User, organization_id: str | None) -> Membership | None:
    if organization_id is None:
        return membership_default(user=user)
    return membership_get(user=user, organization_id=organization_id)


def _membership_build(user: User, membership_values: list, organization_values: list) -> Membership:
    membership = Membership.from_db(DEFAULT_DB_ALIAS, _MEMBERSHIP_FIELDS, membership_values)
    membership.organization = Organization.from_db(DEFAULT_DB_ALIAS, _ORGANIZATION_FIELDS, organization_values)
    membership.user = user
    return membership


def membership_cache_forget(*user_ids) -> None:
    """The users' cached memberships are stale: now, and again once the change commits."""
    if not user_ids or not _cache_enabled():
        return

    def forget():
        cache.set_many({_version_key(user_id): secrets.token_hex(8) for user_id in user_ids}, VERSION_SECONDS)

    forget()
    transaction.on_commit(forget)


def _membership_changed(sender, instance: Membership, **kwargs) -> None:
    membership_cache_forget(instance.user_id)


def _organization_changed(sender, instance: Organization, **kwargs) -> None:
    # (Deleting an organization deletes its memberships, and each of those forgets its user.)
    members = Membership.objects.filter(organization_id=instance.pk).values_list("user_id", flat=True)
    membership_cache_forget(*members)


def connect_receivers() -> None:
    """From AccountsConfig.ready(): every process that can change these rows forgets."""
    post_save.connect(_membership_changed, sender=Membership, dispatch_uid="accounts.membership_cache.membership")
    post_delete.connect(_membership_changed, sender=Membership, dispatch_uid="accounts.membership_cache.membership_d")
    post_save.connect(_organization_changed, sender=Organization, dispatch_uid="accounts.membership_cache.org")
