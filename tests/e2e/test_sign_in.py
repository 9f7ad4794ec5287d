"""Signed out, the app's pages send people to /login/; signing in brings them back to the page they asked for."""

from urllib.parse import quote

import pytest
from playwright.sync_api import expect

from studio import services as studio_services

from .steps import log_in, log_out, path_is

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_after_logging_out_app_pages_ask_to_log_in_and_return_to_the_page_asked_for(page, shots, person):
    project = studio_services.project_create(
        membership=person.memberships.get(), title="Warung at Midnight", premise="A cat runs a night stall."
    )
    page.goto("/login/")
    log_in(page, email=person.email, password=person.plain_password)
    expect(page).to_have_url(path_is("/dashboard/"))
    shots("signed-in")

    log_out(page)
    shots("signed-out")

    for asked in ("/dashboard/", "/billing/", "/settings/", "/notifications/", f"/studio/{project.id}/"):
        page.goto(asked)
        expect(page).to_have_url(path_is(f"/login/?next={quote(asked)}"))
    expect(page.get_by_role("main").get_by_role("button", name="Sign In")).to_be_visible()
    shots("asked-for-the-studio")
    log_in(page, email=person.email, password=person.plain_password)

    expect(page).to_have_url(path_is(f"/studio/{project.id}/"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Warung at Midnight")
    shots("back-on-the-studio")
