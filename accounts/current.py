"""The organization a request acts for.

API clients name it with the `X-Organization` header (checked against the caller's
memberships: an outsider gets 404, never data); pages keep it in the session; with neither,
the user's personal organization.

The answer (the membership and its organization, never a refusal) is cached per user and
organization, and so is the signed-in user's own row (read by accounts.backends on every
request): a signed-in request reads one cache round trip, with the user, their version and
their default membership in it, instead of two queries. Every save or delete of a user, a
membership or an organization (a password change, a deactivation, a role change, a removal, a
suspension, a rename) replaces the user's cache version after the commit (and at once, for
readers in the same transaction), so a removed member loses access, and a changed password
ends the other sessions, on their next request. A reader takes the version before it reads
the database and files what it read under that version, so a change that commits during the
read leaves that entry stale-marked, never current.
Writes that bypass signals (QuerySet.update() on these models, raw SQL) are not seen: the
entry then lives CACHE_SECONDS at most. None exist today; keep it that way.
The cached user row holds the password hash (Django checks the session against it); it sits
in the same Redis as the sessions themselves, which are worth more to an attacker.
"""

import hashlib
import secrets
import uuid

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
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

_USER_FIELDS = [field.attname for field in User._meta.concrete_fields]
_MEMBERSHIP_FIELDS = [field.attname for field in Membership._meta.concrete_fields]
_ORGANIZATION_FIELDS = [field.attname for field in Organization._meta.concrete_fields]
# In the keys: a deploy that changes any of the models reads none of the old entries.
_SHAPE = hashlib.sha256(repr((_USER_FIELDS, _MEMBERSHIP_FIELDS, _ORGANIZATION_FIELDS)).encode()).hexdigest()[:8]
# A cache only this process sees would not hear about changes made by other processes.
_PROCESS_LOCAL = ("django.core.cache.backends.locmem.", "django.core.cache.backends.dummy.")


def user_cached(user_id) -> User | None:
    """The user with this id (None if there is none), from the cache or the database.

    The read also brings the user's default membership, which membership_for_request then
    takes without another round trip.
    """
    try:
        user_id = User._meta.pk.to_python(user_id)
    except ValidationError:
        return None
    if not _cache_enabled():
        return User._default_manager.filter(pk=user_id).first()
    user_key, default_key = _user_key(user_id), _membership_key(user_id, None)
    version, entries = _entries_read(user_id, [user_key, default_key])
    if entries[user_key] is not None:
        user = User.from_db(DEFAULT_DB_ALIAS, _USER_FIELDS, entries[user_key])
    else:
        version = version or _version_take(user_id)
        user = User._default_manager.filter(pk=user_id).first()
        if user is None:
            return None
        _entry_write(user_key, version, [getattr(user, name) for name in _USER_FIELDS])
    user._default_membership_read = (version, entries[default_key])  # noqa: SLF001 - taken by _membership
    return user


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
    return f"accounts:version:{user_id}"


def _user_key(user_id) -> str:
    return f"accounts:user:{_SHAPE}:{user_id}"


def _membership_key(user_id, organization_id) -> str:
    return f"accounts:membership:{_SHAPE}:{user_id}:{organization_id or DEFAULT}"


def _entries_read(user_id, keys: list[str]) -> tuple[str | None, dict[str, list | None]]:
    """One round trip: the user's version, and each entry's values if it was filed under it."""
    version_key = _version_key(user_id)
    found = cache.get_many([version_key, *keys])
    version = found.get(version_key)
    current = {}
    for key in keys:
        entry = found.get(key)
        current[key] = entry[1] if version is not None and entry is not None and entry[0] == version else None
    return version, current


def _version_take(user_id) -> str | None:
    """The user's version, made if there is none. Taken before the database is read: a change
    committed meanwhile replaces it, and what was read is then filed under a stale version."""
    key, fresh = _version_key(user_id), secrets.token_hex(8)
    return fresh if cache.add(key, fresh, VERSION_SECONDS) else cache.get(key)


def _entry_write(key: str, version: str | None, values) -> None:
    if version is not None:
        cache.set(key, (version, values), CACHE_SECONDS)


def _membership(user: User, organization_id) -> Membership | None:
    """membership_get (organization_id given; NotFound) or membership_default (None given)."""
    if organization_id is not None:
        try:
            organization_id = str(uuid.UUID(str(organization_id)))  # one key per organization
        except ValueError:
            raise NotFound(_("Organization not found.")) from None
    if not _cache_enabled():
        return _membership_from_database(user, organization_id)
    key = _membership_key(user.pk, organization_id)
    # The default entry was read along with the user (user_cached): used once, by the request
    # that read it; any later call reads the cache again.
    read = vars(user).pop("_default_membership_read", None) if organization_id is None else None
    if read is not None:
        version, values = read
    else:
        version, entries = _entries_read(user.pk, [key])
        values = entries[key]
    if values is not None:
        return _membership_build(user, *values)
    version = version or _version_take(user.pk)
    membership = _membership_from_database(user, organization_id)  # NotFound is not cached
    if membership is not None:
        values = (
            [getattr(membership, name) for name in _MEMBERSHIP_FIELDS],
            [getattr(membership.organization, name) for name in _ORGANIZATION_FIELDS],
        )
        _entry_write(key, version, values)
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


def user_cache_forget(*user_ids) -> None:
    """The users' cached rows and memberships are stale: now, and again once the change commits."""
    if not user_ids or not _cache_enabled():
        return

    def forget():
        cache.set_many({_version_key(user_id): secrets.token_hex(8) for user_id in user_ids}, VERSION_SECONDS)

    forget()
    transaction.on_commit(forget)


def _user_changed(sender, instance: User, **kwargs) -> None:
    user_cache_forget(instance.pk)


def _membership_changed(sender, instance: Membership, **kwargs) -> None:
    user_cache_forget(instance.user_id)


def _organization_changed(sender, instance: Organization, **kwargs) -> None:
    # (Deleting an organization deletes its memberships, and each of those forgets its user.)
    members = Membership.objects.filter(organization_id=instance.pk).values_list("user_id", flat=True)
    user_cache_forget(*members)


def connect_receivers() -> None:
    """From AccountsConfig.ready(): every process that can change these rows forgets."""
    post_save.connect(_user_changed, sender=User, dispatch_uid="accounts.user_cache.user")
    post_delete.connect(_user_changed, sender=User, dispatch_uid="accounts.user_cache.user_d")
    post_save.connect(_membership_changed, sender=Membership, dispatch_uid="accounts.membership_cache.membership")
    post_delete.connect(_membership_changed, sender=Membership, dispatch_uid="accounts.membership_cache.membership_d")
    post_save.connect(_organization_changed, sender=Organization, dispatch_uid="accounts.membership_cache.org")
