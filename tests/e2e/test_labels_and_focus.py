"""The rest of the accessibility basics, on every page the walk visits (tests/pages.py): each form
control, button, link and image has a name a screen reader can say (axe-core's naming rules in
Chromium), and the keyboard focus is always visible (an outline or a shadow on every element
Tab reaches)."""

import re

import pytest
from playwright.sync_api import expect

from ..pages import pages_seed
from .conftest import TIMEOUT_MS
from .steps import log_in
from .test_contrast import AXE

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
NAMING_RULES = ["label", "select-name", "button-name", "link-name", "image-alt", "input-button-name"]
UNNAMED = """async (rules) => {
  const result = await axe.run(document, {runOnly: {type: "rule", values: rules}});
  return result.violations.flatMap((rule) =>
    rule.nodes.map((node) => `${rule.id}: ${node.target.join(" ")} ${node.html.slice(0, 80)}`));
}"""
# The focused element's ring: an outline, or a box-shadow where a control draws its own.
FOCUS_RING = """() => {
  const element = document.activeElement;
  if (!element || element === document.body) return null;
  const style = getComputedStyle(element);
  const outline = style.outlineStyle !== "none" && parseFloat(style.outlineWidth) >= 1;
  const shadow = style.boxShadow && style.boxShadow !== "none";
  return {shown: outline || shadow, what: element.outerHTML.slice(0, 80)};
}"""
TAB_STOPS = 12


@pytest.fixture
def page(browser, site):
    if not AXE.is_file():
        pytest.fail("axe-core is missing: run `make node` (npm ci of package.json)", pytrace=False)
    context = browser.new_context(base_url=site.url, locale="en-US", viewport={"width": 1280, "height": 900})
    context.set_default_timeout(TIMEOUT_MS)
    yield context.new_page()
    context.close()


def unnamed_here(page) -> list[str]:
    page.add_script_tag(path=str(AXE))
    return page.evaluate(UNNAMED, NAMING_RULES)


def focus_hidden_here(page) -> list[str]:
    """The elements among the first Tab stops whose focus is not visible."""
    hidden = []
    page.locator("body").focus()
    for _ in range(TAB_STOPS):
        page.keyboard.press("Tab")
        ring = page.evaluate(FOCUS_RING)
        if ring is not None and not ring["shown"]:
            hidden.append(ring["what"])
    return hidden


def problems(page, paths: list[str]) -> dict[str, list[str]]:
    found = {}
    for path in paths:
        response = page.goto(path)
        assert response.status < 400, path
        if bad := unnamed_here(page) + focus_hidden_here(page):
            found[path] = bad
    return found


def test_the_public_pages_name_every_control_and_show_the_focus(page):
    assert problems(page, ["/", "/gallery/", "/login/", "/register/"]) == {}


def test_the_signed_in_pages_name_every_control_and_show_the_focus(page, person):
    paths = pages_seed(owner=person, organization=person.memberships.get().organization)
    page.goto("/login/")
    log_in(page, email=person.email, password=person.plain_password)
    expect(page).to_have_url(re.compile(r".*/dashboard/$"))

    assert problems(page, paths) == {}
