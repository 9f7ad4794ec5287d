"""Every page in Bahasa Indonesia: each visible text (and each label a screen reader reads)
that stays the same as on the English page must be on the short list of words that are the
same in both languages, or something a person wrote. Anything else is an untranslated string."""

import re
from html.parser import HTMLParser

import pytest
from django.test import Client

from ..pages import PERSON_TEXT, PUBLIC_PAGES, pages_seed

# Words Indonesian uses as English does: names, brands, units, plan names, technical terms.
SAME_IN_BOTH = {
    "MODO", "Midtrans", "Xendit", "Google", "Email", "Pro", "Premium", "Rp", "AI", "Bahasa Indonesia",
    "English", "Beat", "Beats", "beat", "OK", "Dev", "Admin", "Owner", "Studio", "Logline", "TOTP", "ID", "Status",
    "/", "—", "·", "×", "→", "←", "©", "Premis", "Video", "Genre", "Item", "Drama", "drama", "premium", "Menu",
    "Film", "Total",
}  # fmt: skip
READ_ATTRIBUTES = ("aria-label", "placeholder", "title", "alt")
CODE = re.compile(r"[A-Z0-9][A-Z0-9/-]+")  # order and invoice numbers: identifiers, not words


class VisibleText(HTMLParser):
    """The texts a person reads (or hears) on a page, one entry per text node or label."""

    def __init__(self) -> None:
        super().__init__()
        self.texts: list[str] = []
        self.hidden = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style", "template", "title"):
            self.hidden += 1
        for name, value in attrs:
            if name in READ_ATTRIBUTES and value:
                self.texts.append(value.strip())

    def handle_endtag(self, tag):
        if tag in ("script", "style", "template", "title") and self.hidden:
            self.hidden -= 1

    def handle_data(self, data):
        if not self.hidden and data.strip():
            self.texts.append(" ".join(data.split()))


def texts(html: str) -> list[str]:
    parser = VisibleText()
    parser.feed(html)
    return parser.texts


def untranslated(english: str, indonesian: str, *, allowed: set[str]) -> list[str]:
    """Texts of the Indonesian page that are the English page's too and hold a real word."""
    english_texts = set(texts(english))
    found = []
    for text in texts(indonesian):
        if text not in english_texts or text in allowed or CODE.fullmatch(text):
            continue
        words = [w for w in re.findall(r"[A-Za-z][A-Za-z'’-]+", text) if w not in allowed]
        if any(len(w) > 2 for w in words):
            found.append(text)
    return sorted(set(found))


def pair(client: Client, path: str) -> tuple[str, str]:
    english = client.get(path, HTTP_ACCEPT_LANGUAGE="en")
    indonesian = client.get(path, HTTP_ACCEPT_LANGUAGE="id")
    assert english.status_code == indonesian.status_code == 200, path
    assert '<html lang="id">' in indonesian.content.decode()
    return english.content.decode(), indonesian.content.decode()


@pytest.fixture
def allowed(owner, organization) -> set[str]:
    return SAME_IN_BOTH | set(PERSON_TEXT) | {owner.email, owner.name, organization.name, "guest@example.org"}


def test_no_public_page_keeps_an_english_string(db, allowed):
    client = Client()
    leftovers = {path: untranslated(*pair(client, path), allowed=allowed) for path in PUBLIC_PAGES}

    leftovers = {path: found for path, found in leftovers.items() if found}
    assert not leftovers, "\n".join(f"{path}: {found}" for path, found in leftovers.items())


def test_no_signed_in_page_keeps_an_english_string(owner, organization, allowed):
    paths = pages_seed(owner=owner, organization=organization)
    client = Client()
    client.force_login(owner)
    client.post("/organizations/switch/", {"organization_id": str(organization.id)})

    leftovers = {path: untranslated(*pair(client, path), allowed=allowed) for path in paths}

    leftovers = {path: found for path, found in leftovers.items() if found}
    assert not leftovers, "\n".join(f"{path}: {found}" for path, found in leftovers.items())
