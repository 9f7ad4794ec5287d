"""Phones: every page at 390 x 844 (an iPhone 12-14) fits the screen, with no sideways scrolling
and every form control labelled; the navigation folds behind a menu button that opens it; focus
stays visible."""

import re

import pytest
from playwright.sync_api import expect

from ..pages import PUBLIC_PAGES, pages_seed
from .conftest import TIMEOUT_MS
from .steps import log_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
PHONE = {"width": 390, "height": 844}
# The page's width against the viewport's, the elements that stick out, and the boxes that
# scroll sideways inside the page (a table in a scrolling wrapper, a navigation bar): none may.
OVERFLOW = """() => {
  const width = document.documentElement.clientWidth;
  const name = (e) => `${e.tagName.toLowerCase()}.${[...e.classList].join(".")}`;
  const all = [...document.querySelectorAll("body *")].filter((e) => e.getClientRects().length);
  const over = all.filter((e) => e.getBoundingClientRect().right > width + 1).slice(0, 5)
    .map((e) => `${name(e)} right=${Math.round(e.getBoundingClientRect().right)}`);
  const sideways = all.filter((e) => e.scrollWidth > e.clientWidth + 1
    && ["auto", "scroll"].includes(getComputedStyle(e).overflowX)).map(name);
  const unlabelled = [...document.querySelectorAll("input, select, textarea")]
    .filter((e) => e.type !== "hidden" && e.type !== "submit" && e.type !== "button")
    .filter((e) => !(e.labels && e.labels.length))
    .filter((e) => !e.getAttribute("aria-label") && !e.getAttribute("aria-labelledby"))
    .map((e) => `${name(e)}[name=${e.name}]`);
  return {scroll: document.documentElement.scrollWidth, width, over, sideways, unlabelled};
}"""


FOCUSED = "() => [document.activeElement.textContent.trim(), getComputedStyle(document.activeElement).outlineStyle]"


@pytest.fixture
def phone(browser, site):
    context = browser.new_context(base_url=site.url, locale="en-US", viewport=PHONE, is_mobile=True, has_touch=True)
    context.set_default_timeout(TIMEOUT_MS)
    yield context.new_page()
    context.close()


def too_wide(page, paths: list[str]) -> dict:
    found = {}
    for path in paths:
        response = page.goto(path)
        assert response.status < 400, path
        measured = page.evaluate(OVERFLOW)
        if measured["scroll"] > measured["width"] or measured["sideways"] or measured["unlabelled"]:
            found[path] = measured
    return found


def test_no_public_page_is_wider_than_a_phone(phone):
    assert too_wide(phone, PUBLIC_PAGES) == {}


def test_no_signed_in_page_is_wider_than_a_phone(phone, person):
    paths = pages_seed(owner=person, organization=person.memberships.get().organization)
    phone.goto("/login/")
    log_in(phone, email=person.email, password=person.plain_password)
    expect(phone).to_have_url(re.compile(r".*/dashboard/$"))

    assert too_wide(phone, paths) == {}


def test_the_navigation_folds_behind_a_menu_button_on_a_phone(phone, person):
    phone.goto("/login/")
    log_in(phone, email=person.email, password=person.plain_password)
    banner = phone.get_by_role("banner")
    menu = banner.get_by_role("button", name="Menu")
    billing = banner.get_by_role("link", name="Billing")

    expect(menu).to_have_attribute("aria-expanded", "false")
    expect(billing).to_be_hidden()
    menu.click()

    expect(menu).to_have_attribute("aria-expanded", "true")
    expect(billing).to_be_visible()
    phone.keyboard.press("Tab")  # from the menu button to the first link, as a keyboard user goes
    focused = phone.evaluate(FOCUSED)
    assert focused == ["Dashboard", "solid"]  # focus is visible
