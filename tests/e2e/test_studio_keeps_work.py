"""Per-beat work in the studio page, in Chromium: rewrite a beat, edit, add, delete with undo,
reorder by keyboard and by dragging, choose among image variants; a double click charges once;
a deleted project comes back from the toast and from "Deleted"."""

import re

import pytest
from playwright.sync_api import expect

from aigen.models import GenerationJob
from credits.hooks import register_paid_plan_check, unregister_paid_plan_check
from credits.models import CreditTransaction
from studio import services as studio_services
from studio.models import Beat
from tests.credits.balances import fund

from .steps import beat_card, flash, log_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

STORY = {
    "title": "Kancil the Clever",
    "logline": "A mouse-deer outwits a crocodile.",
    "genre": "fable",
    "characters": [],
    "beats": [{"title": f"Scene {n}", "description": f"Kancil does thing {n}."} for n in range(1, 5)],
}


@pytest.fixture
def studio_project(make_person):
    """Someone on a paid plan with 500 credits and a project whose story has 4 beats."""
    person = make_person()
    organization = person.memberships.get().organization
    fund(organization, main=500)

    def paid(org):
        return org.pk == organization.pk

    register_paid_plan_check(paid)
    project = studio_services.project_create(
        membership=person.memberships.get(), title="Kancil", premise="A mouse-deer outwits a crocodile."
    )
    studio_services.story_version_create(project=project, story=STORY)
    yield person, project
    unregister_paid_plan_check(paid)


def _open(page, person, project):
    page.goto(f"/studio/{project.id}/")
    log_in(page, email=person.email, password=person.plain_password)
    expect(page.get_by_role("heading", level=1)).to_have_text("Kancil")


def _titles(page) -> list[str]:
    return page.locator("ol.beat-list > li input[name=title]").evaluate_all("(inputs) => inputs.map((i) => i.value)")


def _settled(page) -> None:
    """No job left running on the page. A job that ends while the page is rendered can show as
    running beside its finished image; the page then reloads once more when its events say done."""
    expect(page.locator("#jobs progress")).to_have_count(0, timeout=60_000)
    page.wait_for_load_state()


def _confirm(page, text):
    dialog = page.get_by_role("dialog")
    expect(dialog).to_contain_text(text)
    dialog.get_by_role("button", name="Continue").click()


def test_a_beat_is_rewritten_edited_added_deleted_and_undone_and_reordered(page, shots, studio_project, worker):
    person, project = studio_project
    _open(page, person, project)

    beat_card(page, 2).get_by_role("button", name=re.compile("Rewrite text")).click()
    _confirm(page, "What you wrote here is replaced")
    expect(flash(page)).to_contain_text("The beat is being rewritten")
    # A small story job: the page reloads with the beat's new text when it is written.
    second_title = page.locator("ol.beat-list > li").nth(1).locator("input[name=title]")
    expect(second_title).not_to_have_value("Scene 2", timeout=60_000)
    assert _titles(page)[0] == "Scene 1"
    expect(page.locator("#jobs")).to_contain_text("Text of Beat 2")
    shots("beat-rewritten", focus=beat_card(page, 2))

    beat_card(page, 1).get_by_label("Beat 1 title").fill("Kancil wakes up")
    beat_card(page, 1).get_by_role("button", name="Save beat").click()
    expect(flash(page)).to_contain_text("Beat saved")

    page.get_by_text("Add a beat").click()
    page.get_by_label("Beat title", exact=True).fill("The crocodiles line up")
    page.get_by_role("button", name="Add beat").click()
    expect(flash(page)).to_contain_text("Beat added")
    assert _titles(page)[-1] == "The crocodiles line up" and len(_titles(page)) == 5

    beat_card(page, 3).get_by_role("button", name="Delete beat").click()
    _confirm(page, "Delete this beat?")
    toast = page.locator(".toast")
    expect(toast).to_contain_text("Beat “Scene 3” deleted.")
    assert "Scene 3" not in _titles(page)
    page.wait_for_timeout(10_500)  # the undo stays offered for at least 10 seconds
    expect(toast).to_be_visible()
    shots("undo-toast")
    toast.get_by_role("button", name="Undo").click()
    expect(flash(page)).to_contain_text("Beat restored")
    assert _titles(page)[2] == "Scene 3"

    # Keyboard: the first beat's handle, arrow down, saved through the reorder API.
    handle = beat_card(page, 1).locator(".drag-handle")
    handle.focus()
    page.keyboard.press("ArrowDown")
    expect(page.locator("ol.beat-list")).to_have_attribute("data-saved", re.compile(r"\d+"))
    page.reload()
    assert _titles(page)[:2][1] == "Kancil wakes up"

    # Mouse: drag the last beat's handle onto the first beat.
    before = _titles(page)
    with page.expect_navigation():
        beat_card(page, 5).locator(".drag-handle").drag_to(beat_card(page, 1), target_position={"x": 20, "y": 5})
    assert _titles(page)[0] == before[-1]
    assert _titles(page)[1:] == before[:-1]
    shots("reordered")
    order = list(Beat.objects.filter(project=project, story__is_current=True).order_by("order"))
    assert [beat.title for beat in order] == _titles(page)

    # Move buttons work from the keyboard too (plain buttons).
    beat_card(page, 1).get_by_role("button", name="Move down").focus()
    page.keyboard.press("Enter")
    expect(page.locator("ol.beat-list > li").nth(1).locator("input[name=title]")).to_have_value(before[-1])


def test_image_variants_are_kept_and_one_is_chosen(page, shots, studio_project, worker):
    person, project = studio_project
    _open(page, person, project)

    beat_card(page, 1).get_by_role("button", name="Generate image").click()
    expect(beat_card(page, 1).locator(".beat-media > img")).to_be_visible(timeout=60_000)
    _settled(page)
    first_src = beat_card(page, 1).locator(".beat-media > img").get_attribute("src")
    beat_card(page, 1).get_by_role("button", name="Regenerate image").click()
    _confirm(page, "the current one stays as a variant")
    variants = beat_card(page, 1).get_by_role("group", name="Images of beat 1")
    expect(variants.get_by_role("button")).to_have_count(2, timeout=60_000)
    # The newest image is the chosen one (the page reloads itself once the job is done).
    expect(variants.get_by_role("button", name="Image 2 (chosen)")).to_be_visible(timeout=60_000)
    expect(beat_card(page, 1).locator(".beat-media > img")).not_to_have_attribute("src", first_src)
    _settled(page)
    shots("two-variants", focus=beat_card(page, 1))

    variants.get_by_role("button", name="Image 1").click()

    expect(flash(page)).to_contain_text("Chosen for this beat")
    expect(beat_card(page, 1).locator(".beat-media > img")).to_have_attribute("src", first_src)
    expect(variants.get_by_role("button", name="Image 1 (chosen)")).to_have_attribute("aria-pressed", "true")
    expect(variants.get_by_role("button")).to_have_count(2)


def test_a_double_click_on_generate_charges_once(page, shots, studio_project, worker):
    person, project = studio_project
    _open(page, person, project)
    balance = page.locator("#studio-balance")
    before = int(balance.get_attribute("data-balance"))
    worker.pause()

    beat_card(page, 1).get_by_role("button", name="Generate image").dblclick()

    expect(flash(page)).to_contain_text("Image queued")
    expect(balance).to_contain_text(f"{before - 5} credits")
    worker.resume()
    expect(beat_card(page, 1).locator(".beat-media > img")).to_be_visible(timeout=60_000)
    assert GenerationJob.objects.filter(kind="image").count() == 1
    assert CreditTransaction.objects.filter(type="usage").count() == 1
    shots("one-charge")


def test_a_deleted_project_is_undone_and_restored_from_deleted(page, shots, studio_project):
    person, project = studio_project
    _open(page, person, project)

    page.get_by_role("button", name="Delete project").click()
    _confirm(page, "Delete this project?")
    expect(page).to_have_url(re.compile(r"/dashboard/$"))
    main = page.get_by_role("main")
    expect(main.get_by_role("link", name="Kancil")).to_have_count(0)
    page.locator(".toast").get_by_role("button", name="Undo").click()
    expect(flash(page)).to_contain_text("Project “Kancil” restored")
    expect(main.get_by_role("link", name="Kancil")).to_be_visible()

    main.get_by_role("link", name="Kancil").click()
    page.get_by_role("button", name="Delete project").click()
    _confirm(page, "Delete this project?")
    page.get_by_text(re.compile(r"^Deleted \(1\)")).click()
    shots("deleted-list")
    main.get_by_role("button", name="Restore “Kancil”").click()

    expect(main.get_by_role("link", name="Kancil")).to_be_visible()


def test_the_studio_work_fits_a_phone(browser, site, studio_project, shots):
    """390 px wide: the beat tools, variants, film and confirmation stay inside the screen."""
    person, project = studio_project
    context = browser.new_context(base_url=site.url, locale="en-US", viewport={"width": 390, "height": 844})
    phone = context.new_page()
    try:
        _open(phone, person, project)
        overflowing = phone.evaluate(
            """() => [...document.querySelectorAll(
                    '.beat-toolbar, .beat-body form, .film, .studio-header, .add-beat, .generate-form')]
                .filter((node) => node.getBoundingClientRect().right > window.innerWidth + 1)
                .map((node) => node.className)"""
        )
        assert overflowing == []
        beat_card(phone, 1).get_by_role("button", name="Delete beat").click()
        dialog = phone.get_by_role("dialog")
        expect(dialog).to_be_visible()
        assert dialog.bounding_box()["width"] <= 390
        phone.screenshot(path=str(shots.folder / "phone-confirm.png"))
    finally:
        context.close()
