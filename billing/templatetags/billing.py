from django import template

from ..emails import idr_format

register = template.Library()


@register.filter
def idr(amount) -> str:
    """99000 -> "Rp 99.000" in Indonesian, "Rp 99,000" in English."""
    try:
        return idr_format(int(amount))
    except (TypeError, ValueError):
        return ""
