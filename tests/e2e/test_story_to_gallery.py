"""A new member, from /register/ to a published animated beat in the public gallery, with a real
Celery worker making the image and the video on the local provider."""

import re

import pytest
from playwright.sync_api import expect

from tests.factories import PASSWORD

from .steps import beat_card, flash, image_loaded, log_out, path_is, video_plays

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_a_new_member_turns_a_premise_into_a_published_video_in_the_gallery(page, shots, worker, settings):
    # Enough trial for one beat's story, image and video (30 credits per beat on its own).
    settings.TRIAL_BONUS_CREDITS = 100
    settings.TRIAL_MAX_GENERATIONS = 3

    page.goto("/register/")
    page.get_by_label("Email").fill("dewi@example.com")
    page.get_by_label("Password").fill(PASSWORD)
    shots("register")
    page.get_by_role("main").get_by_role("button", name="Sign Up").click()

    expect(page).to_have_url(path_is("/dashboard/"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Dashboard")
    expect(page.locator("#credits-title + .stat-value")).to_contain_text("100")
    shots("dashboard")

    new_project = page.locator("#new-project")
    new_project.get_by_label("Title").fill("Lantern of Kota Tua")
    new_project.get_by_label("Premise").fill("A girl keeps the last lantern of the old town burning.")
    new_project.get_by_role("button", name="Create project").click()

    expect(page).to_have_url(re.compile(r"/studio/[0-9a-f-]{36}/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Lantern of Kota Tua")
    expect(flash(page)).to_contain_text("Project created")
    shots("project-created")

    page.get_by_role("button", name="Generate story").click()

    # The story is a job: the page shows it being written, then reloads with its beats.
    expect(flash(page)).to_contain_text("Your story is being written")
    expect(page.locator("ol.beat-list:not([data-live-beats]) > li").first).to_be_visible(timeout=60_000)
    expect(page.get_by_role("heading", name="Beats")).to_be_visible()
    assert page.locator("ol.beat-list > li").count() >= 3
    shots("story-and-beats", focus=page.get_by_role("heading", name="Beats"))

    worker.pause()  # the job waits in the queue, as behind a busy worker, so its progress is seen
    beat_card(page, 1).get_by_role("button", name="Generate image").click()

    expect(flash(page)).to_contain_text("Image queued")
    expect(page.locator("#jobs progress")).to_be_visible()
    expect(page.locator("#jobs li.job[data-events-url]")).to_have_count(1)  # followed live (SSE)
    shots("image-in-progress")
    worker.resume()

    # The job's events end it; the page reloads with the image.
    image = beat_card(page, 1).locator(".beat-media img")
    expect(image).to_be_visible(timeout=60_000)
    assert image_loaded(page, image) == {"width": 96, "height": 54}
    expect(page.locator("#jobs progress")).to_have_count(0)
    shots("image-shown", focus=beat_card(page, 1))

    worker.pause()
    beat_card(page, 1).get_by_role("button", name="Generate video").click()
    confirm = page.get_by_role("dialog")
    expect(confirm).to_contain_text(re.compile(r"This uses 30 of your \d+ credits\."))
    confirm.get_by_role("button", name="Continue").click()

    expect(flash(page)).to_contain_text("Video queued")
    expect(page.locator("#jobs progress")).to_be_visible()
    shots("video-in-progress")
    worker.resume()

    video = beat_card(page, 1).locator(".beat-media video")
    expect(video).to_be_visible(timeout=90_000)
    playback = video_plays(page, video)
    assert playback["duration"] > 0.5 and (playback["width"], playback["height"]) == (96, 54)
    assert playback["reached"] >= playback["start"] + 0.25
    video_url = video.get_attribute("src")
    shots("video-plays", focus=beat_card(page, 1))

    beat_card(page, 1).get_by_role("button", name="Publish video").click()

    expect(flash(page)).to_contain_text("Published to the gallery")
    expect(beat_card(page, 1).get_by_role("button", name="Unpublish video")).to_be_visible()
    shots("published", focus=beat_card(page, 1))

    log_out(page)
    page.goto("/gallery/")

    item = page.locator(".gallery-item").filter(has_text="Lantern of Kota Tua")
    expect(item).to_have_count(1)
    expect(item.locator("video")).to_have_attribute("src", video_url)
    assert video_plays(page, item.locator("video"))["duration"] > 0.5
    shots("in-the-public-gallery")
