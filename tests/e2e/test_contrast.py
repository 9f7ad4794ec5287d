"""Colour contrast (WCAG 2 AA: 4.5:1 for normal text, 3:1 for large text) on the main pages in
the light colour scheme (and the dark one the stylesheet also has), checked by axe-core
(package.json, `make node`) in Chromium: its `color-contrast` rule alone, on the public pages
(home with its pricing, gallery, sign-in with a form error, sign-up) and the signed-in ones
(dashboard, a studio project and its versions, billing, invoices, settings, notifications)."""

import re
from pathlib import Path

import pytest
from django.conf import settings
from playwright.sync_api import expect

from ..pages import pages_seed
from .conftest import TIMEOUT_MS
from .steps import log_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
AXE = Path(settings.BASE_DIR) / "node_modules" / "axe-core" / "axe.min.js"
CONTRAST = """async () => {
  const result = await axe.run(document, {runOnly: {type: "rule", values: ["color-contrast"]}});
  const nodes = (rules) => rules.flatMap((rule) => rule.nodes);
  return {
    checked: nodes(result.passes).length + nodes(result.violations).length,
    undecided: nodes(result.incomplete).map((node) => `${node.target.join(" ")}: ${node.any[0]?.message}`),
    violations: nodes(result.violations).map((node) => {
      const data = (node.any[0] || {}).data || {};
      return `${node.target.join(" ")}: ${data.fgColor} on ${data.bgColor} = ${data.contrastRatio}:1 `
        + `(needs ${data.expectedContrastRatio}) ${node.html.slice(0, 80)}`;
    }),
  };
}"""


@pytest.fixture(params=["light", "dark"])
def light(browser, site, request):
    if not AXE.is_file():
        pytest.fail("axe-core is missing: run `make node` (npm ci of package.json)", pytrace=False)
    context = browser.new_context(
        base_url=site.url, locale="en-US", color_scheme=request.param, viewport={"width": 1280, "height": 900}
    )
    context.set_default_timeout(TIMEOUT_MS)
    yield context.new_page()
    context.close()


def low_contrast_here(page) -> list[str]:
    """The open page's text below AA contrast (axe could decide every element it met)."""
    page.add_script_tag(path=str(AXE))
    result = page.evaluate(CONTRAST)
    assert result["checked"] > 0, f"axe checked no text on {page.url}"
    assert result["undecided"] == [], result["undecided"]
    return result["violations"]


def low_contrast(page, paths: list[str]) -> dict[str, list[str]]:
    found = {}
    for path in paths:
        response = page.goto(path)
        assert response.status < 400, path
        if violations := low_contrast_here(page):
            found[path] = violations
    return found


def test_the_public_pages_meet_wcag_aa_contrast(light):
    assert low_contrast(light, ["/", "/gallery/", "/login/", "/register/"]) == {}

    light.goto("/login/")
    log_in(light, email="nobody@example.com", password="wrong-password-1")
    expect(light.get_by_role("main")).to_contain_text("not correct")
    assert low_contrast_here(light) == []  # the form's error


def test_the_signed_in_pages_meet_wcag_aa_contrast(light, person):
    paths = pages_seed(owner=person, organization=person.memberships.get().organization)
    main = [path for path in paths if path == "/dashboard/" or path.startswith(("/studio/", "/billing/"))]
    light.goto("/login/")
    log_in(light, email=person.email, password=person.plain_password)
    expect(light).to_have_url(re.compile(r".*/dashboard/$"))

    assert low_contrast(light, main + ["/settings/", "/notifications/"]) == {}
