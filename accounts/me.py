"""`GET /api/me`: the caller, their organization, and sections that higher apps fill in.

accounts sits at the bottom of the stack and may not import credits or billing, so those
apps register a section provider here at start-up (in their AppConfig.ready). A section
with no provider yet keeps its fixed shape with null values.
"""

from collections.abc import Callable

from .models import Membership

SectionProvider = Callable[[Membership], dict]

EMPTY_SECTIONS: dict[str, dict] = {
    "subscription": {"tier": None, "status": None, "current_period_end": None},
    "credits": {"balance": None, "bonus_balance": None, "total": None, "low": None},
    "trial": {"used": None, "max": None, "ends_at": None, "active": None},
}
_providers: dict[str, SectionProvider] = {}


def register_me_section(name: str, provider: SectionProvider) -> None:
    if name not in EMPTY_SECTIONS:
        raise ValueError(f"Unknown /api/me section: {name}")
    _providers[name] = provider


def me_sections(membership: Membership) -> dict[str, dict]:
    sections = {}
    for name, empty in EMPTY_SECTIONS.items():
        provider = _providers.get(name)
        sections[name] = {**empty, **provider(membership)} if provider else dict(empty)
    return sections
