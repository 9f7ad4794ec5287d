"""Every email leaves here: a text part and an HTML part, links on SITE_URL, signed SITE_NAME.

The HTML part is the text part in the site's layout (templates/emails/layout.html), with its
links made clickable: the two never say different things, and no email needs two templates.
"""

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.utils.html import linebreaks, urlize
from django.utils.translation import get_language


def site_link(path: str = "/") -> str:
    """An absolute link on the site's public address (SITE_URL), whoever sends the email: a
    request of any host, or a background job that has no request at all."""
    return f"{settings.SITE_URL}/{path.lstrip('/')}"


def email_html(text: str) -> str:
    """The HTML part of an email whose text part is `text`."""
    return render_to_string(
        "emails/layout.html",
        {
            "body": linebreaks(urlize(text, autoescape=True), autoescape=False),
            "site_url": settings.SITE_URL,
            "site_name": settings.SITE_NAME,
            "language": get_language() or settings.LANGUAGE_CODE,
        },
    )


def email_message(
    *, subject: str, text: str, to: list[str], from_email: str | None = None, attachments=()
) -> EmailMultiAlternatives:
    """`attachments`: (filename, content, mimetype) triples, e.g. an invoice's PDF."""
    message = EmailMultiAlternatives(subject=subject, body=text, from_email=from_email, to=to)
    message.attach_alternative(email_html(text), "text/html")
    for attachment in attachments:
        message.attach(*attachment)
    return message


def email_send(*, subject: str, text: str, to: list[str], attachments=()) -> None:
    email_message(subject=subject, text=text, to=to, attachments=attachments).send()
