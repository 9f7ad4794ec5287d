"""Every email leaves here: a text part and an HTML part, links on SITE_URL, signed SITE_NAME,
in the recipient's language.

The HTML part is the text part in the site's layout (templates/emails/layout.html), with its
links made clickable: the two never say different things, and no email needs two templates.

Language: a background job has no request, so its language would be LANGUAGE_CODE. A person's
saved language (User.language, set at signup and by the language switcher) decides instead:
senders render inside `recipient_language(...)`, and `email_send(language=...)` renders the
layout in it.
"""

from collections.abc import Iterable
from contextlib import contextmanager

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.html import linebreaks, urlize
from django.utils.translation import get_language


def language_checked(code: str | None, fallback: str | None = None) -> str:
    """`code` if it is one of LANGUAGES (a regional variant counts: "id-ID" is "id"), else
    `fallback` checked the same way, else LANGUAGE_CODE."""
    languages = dict(settings.LANGUAGES)
    for candidate in (code, fallback):
        candidate = (candidate or "").lower()
        if candidate in languages:
            return candidate
        if candidate.split("-")[0] in languages:
            return candidate.split("-")[0]
    return settings.LANGUAGE_CODE


def user_language(user, fallback: str | None = None) -> str:
    """The language a person reads: their saved preference, else `fallback`, else LANGUAGE_CODE."""
    return language_checked(getattr(user, "language", "") if user is not None else "", fallback)


def recipients_by_language(emails: Iterable[str], fallback: str | None = None) -> dict[str, list[str]]:
    """Addresses grouped by their user's saved language (`fallback` for an address that is no
    user's, or a user without one), so that each group gets the email in its own language."""
    emails = list(dict.fromkeys(emails))
    users = get_user_model().objects.filter(email__in=[email.lower() for email in emails])
    saved = dict(users.values_list("email", "language"))
    groups: dict[str, list[str]] = {}
    for email in emails:
        groups.setdefault(language_checked(saved.get(email.lower()), fallback), []).append(email)
    return groups


@contextmanager
def recipient_language(language: str):
    """Render an email's subject and text in `language` (see user_language)."""
    with translation.override(language_checked(language)):
        yield


def site_link(path: str = "/") -> str:
    """An absolute link on the site's public address (SITE_URL), whoever sends the email: a
    request of any host, or a background job that has no request at all."""
    return f"{settings.SITE_URL}/{path.lstrip('/')}"


def email_html(text: str, language: str | None = None) -> str:
    """The HTML part of an email whose text part is `text`, in `language` (default: the active one)."""
    language = language_checked(language or get_language())
    with translation.override(language):
        return render_to_string(
            "emails/layout.html",
            {
                "body": linebreaks(urlize(text, autoescape=True), autoescape=False),
                "site_url": settings.SITE_URL,
                "site_name": settings.SITE_NAME,
                "language": language,
            },
        )


def email_message(
    *, subject: str, text: str, to: list[str], from_email: str | None = None, attachments=(), language=None
) -> EmailMultiAlternatives:
    """`attachments`: (filename, content, mimetype) triples, e.g. an invoice's PDF; `language`:
    the one subject and text are written in (default: the active one)."""
    message = EmailMultiAlternatives(subject=subject, body=text, from_email=from_email, to=to)
    message.extra_headers["Content-Language"] = language_checked(language or get_language())
    message.attach_alternative(email_html(text, language), "text/html")
    for attachment in attachments:
        message.attach(*attachment)
    return message


def email_send(*, subject: str, text: str, to: list[str], attachments=(), language: str | None = None) -> None:
    email_message(subject=subject, text=text, to=to, attachments=attachments, language=language).send()
