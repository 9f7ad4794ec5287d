from django import template
from django.utils.html import format_html

from ..generation_pages import IDEMPOTENCY_FIELD, form_token

register = template.Library()


@register.simple_tag
def one_charge_token() -> str:
    """The hidden one-time token of a generate form: posting the same form twice charges once."""
    return format_html('<input type="hidden" name="{}" value="{}">', IDEMPOTENCY_FIELD, form_token())


@register.filter
def get_item(mapping, key):
    """`mapping|get_item:key` in a template; None when absent."""
    return mapping.get(key) if mapping else None


@register.simple_tag(takes_context=True)
def absolute_url(context, url: str) -> str:
    """A media URL as a link preview needs it: absolute (a storage's signed URL already is)."""
    if url.startswith(("http://", "https://")):
        return url
    return context["request"].build_absolute_uri(url)
