"""The free trial runs out; the page says so and points to billing; a credit pack bought through the
dev gateway (its Pay button sends a signed notification through the real webhook code) raises the
balance, and generating works again."""

import re

import pytest
from playwright.sync_api import expect

from studio import services as studio_services

from .steps import beat_card, credits_shown, flash, image_loaded, log_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_a_used_up_trial_points_to_billing_and_a_credit_pack_lets_generation_go_on(
    page, shots, worker, settings, make_person
):
    settings.TRIAL_MAX_GENERATIONS = 1  # one generation in the trial: the story
    person = make_person()
    project = studio_services.project_create(
        membership=person.memberships.get(), title="Kancil the Clever", premise="A mouse-deer outwits a crocodile."
    )
    page.goto(f"/studio/{project.id}/")
    log_in(page, email=person.email, password=person.plain_password)
    page.get_by_role("button", name="Generate story").click()
    # The story is a job: the page shows it being written, then reloads with its beats.
    expect(flash(page)).to_contain_text("Your story is being written")
    expect(page.get_by_role("heading", name="Beats")).to_be_visible(timeout=60_000)

    beat_card(page, 1).get_by_role("button", name="Generate image").click()

    expect(flash(page)).to_contain_text("You have used the 1 of 1 generations of your free trial")
    to_billing = flash(page).get_by_role("link", name="See plans and credits")
    expect(to_billing).to_have_attribute("href", "/billing/")
    expect(page.locator("#jobs .job-list > li")).to_have_count(1)  # the story's; no image job was made
    shots("trial-limit-explained")

    to_billing.click()

    expect(page).to_have_url(re.compile(r"/billing/$"))
    credits = page.locator("#credits-title + .stat-value")
    before = credits_shown(credits)
    assert before == settings.TRIAL_BONUS_CREDITS - settings.AI_MODELS["text:fast"]["credits"]  # less the story
    pack = page.locator("article.plan").filter(has=page.get_by_role("heading", name="100 credits", exact=True))
    shots("billing-before")
    pack.get_by_role("button", name=re.compile("with the dev gateway")).click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Development checkout")
    shots("dev-checkout")
    page.get_by_role("button", name=re.compile(r"^Pay Rp")).click()

    expect(page).to_have_url(re.compile(r"/billing/\?order="))
    expect(flash(page)).to_contain_text("Payment received")
    expect(credits).to_contain_text(f"{before + 100:,}")
    assert credits_shown(credits) == before + 100
    expect(page.locator("table").first.locator("tbody tr").first).to_contain_text("Paid")
    shots("billing-after-payment")

    page.get_by_role("banner").get_by_role("link", name="Dashboard").click()
    page.get_by_role("link", name="Kancil the Clever").click()
    beat_card(page, 1).get_by_role("button", name="Generate image").click()

    expect(flash(page)).to_contain_text("Image queued")
    image = beat_card(page, 1).locator(".beat-media img")
    expect(image).to_be_visible(timeout=60_000)
    assert image_loaded(page, image)["width"] == 96
    shots("generating-again", focus=beat_card(page, 1))
