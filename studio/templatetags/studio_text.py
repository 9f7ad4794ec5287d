"""What the studio shows in the reader's language though it was stored once: notifications
(an English message id and its values) and the genres the story generator names in English."""

from django import template
from django.utils.translation import gettext, pgettext_lazy

register = template.Library()

GENRES = {
    "adventure": pgettext_lazy("genre", "adventure"),
    "mystery": pgettext_lazy("genre", "mystery"),
    "comedy": pgettext_lazy("genre", "comedy"),
    "drama": pgettext_lazy("genre", "drama"),
    "fantasy": pgettext_lazy("genre", "fantasy"),
    "science fiction": pgettext_lazy("genre", "science fiction"),
    "fable": pgettext_lazy("genre", "fable"),
    "romance": pgettext_lazy("genre", "romance"),
    "horror": pgettext_lazy("genre", "horror"),
    "thriller": pgettext_lazy("genre", "thriller"),
    "folklore": pgettext_lazy("genre", "folklore"),
}


@register.filter
def notification_text(notification) -> str:
    text = gettext(notification.message)
    try:
        return text % notification.params if notification.params else text
    except (KeyError, TypeError, ValueError):  # a translation that lost a placeholder: the English
        return notification.message % notification.params


@register.filter
def genre_label(genre: str) -> str:
    """A known genre in the reader's language; one a person typed stays as typed."""
    return str(GENRES.get((genre or "").strip().lower(), genre))
