"""The language switcher at the foot of every page turns the studio into Bahasa Indonesia."""

from pathlib import Path

import pytest
from django.conf import settings
from playwright.sync_api import expect

from studio import services as studio_services

from .steps import log_in, path_is

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_switching_to_bahasa_indonesia_shows_the_studio_in_indonesian(page, shots, person):
    catalogue = Path(settings.BASE_DIR) / "locale" / "id" / "LC_MESSAGES" / "django.mo"
    assert catalogue.exists(), f"{catalogue} is missing: run `make messages` (compilemessages) first"
    project = studio_services.project_create(
        membership=person.memberships.get(), title="Layang-layang", premise="A kite and a storm."
    )
    page.goto(f"/login/?next=/studio/{project.id}/")
    log_in(page, email=person.email, password=person.plain_password)
    expect(page.get_by_role("button", name="Generate story")).to_be_visible()
    shots("studio-in-english")

    page.get_by_label("Language").select_option(label="Bahasa Indonesia")
    page.get_by_role("contentinfo").get_by_role("button", name="Change").click()

    expect(page).to_have_url(path_is(f"/studio/{project.id}/"))
    expect(page.locator("html")).to_have_attribute("lang", "id")
    main = page.get_by_role("main")
    expect(main.get_by_role("heading", name="Premis")).to_be_visible()
    expect(main.get_by_role("button", name="Buat cerita")).to_be_visible()
    expect(main.get_by_role("heading", name="Proses pembuatan")).to_be_visible()
    expect(main.get_by_text("Belum ada cerita")).to_be_visible()
    expect(main.get_by_role("button", name="Hapus proyek")).to_be_visible()
    expect(page.get_by_role("banner").get_by_role("button", name="Keluar")).to_be_visible()
    expect(page.get_by_text("Generate story")).to_have_count(0)
    shots("studio-in-indonesian")

    page.get_by_role("banner").get_by_role("link", name="Dasbor").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Dasbor")
    shots("dashboard-stays-indonesian")
    person.refresh_from_db()
    assert person.language == "id"  # saved: the emails background jobs send them are Indonesian too
