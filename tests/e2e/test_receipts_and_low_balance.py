"""A person low on credits sees the banner that leads to billing, and every generation's receipt
next to it in the studio, its placeholder output labelled."""

import re

import pytest
from playwright.sync_api import expect

from studio import services as studio_services

from .steps import flash, log_in, path_is

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_a_low_balance_banner_leads_to_billing_and_the_studio_shows_the_receipt(page, shots, person, settings, worker):
    settings.CREDITS_LOW_BALANCE_THRESHOLD = 30  # the trial's 20 credits are below it
    project = studio_services.project_create(
        membership=person.memberships.get(), title="Warung at Midnight", premise="A cat runs a night stall."
    )
    page.goto("/login/")
    log_in(page, email=person.email, password=person.plain_password)

    banner = page.locator(".low-balance")
    expect(banner).to_contain_text("Your organization has 20 credits left.")
    shots("low-balance-banner")

    page.goto(f"/studio/{project.id}/")
    page.get_by_role("button", name="Generate story").click()
    expect(flash(page)).to_contain_text("Your story is being written")
    # The story is a job: the page reloads with its beats when it is written.
    expect(page.locator("ol.beat-list:not([data-live-beats]) > li").first).to_be_visible(timeout=60_000)
    expect(banner).to_contain_text("17 credits left")

    job = page.locator("#jobs li.job").first
    expect(job.locator(".placeholder-label")).to_have_text("Placeholder")
    receipt = job.locator("details.receipt")
    receipt.locator("summary").click()
    expect(receipt).to_contain_text("Receipt: 3 credits")
    expect(receipt).to_contain_text("3 charged, 0 refunded, 3 net")
    expect(receipt).to_contain_text(re.compile(r"local · local-story-1: succeeded \(\d+ ms\)"))
    shots("receipt", focus=receipt)

    banner.get_by_role("link", name="Buy credits").click()
    expect(page).to_have_url(path_is("/billing/"))
    expect(page.locator(".low-balance")).to_have_count(0)
