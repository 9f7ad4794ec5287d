"""/api/docs/ is Swagger UI, served from our own static files, and it shows every operation of
/api/schema/: checked in a real browser (Debian's Chromium through Playwright)."""

import os
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
SCHEMA_JSON = "application/vnd.oai.openapi+json"


def _operation_count(schema: dict) -> int:
    methods = {"get", "post", "put", "patch", "delete"}
    return sum(1 for operations in schema["paths"].values() for method in operations if method in methods)


@pytest.fixture
def chromium_page(live_server):
    if not (CHROMIUM.is_file() and os.access(CHROMIUM, os.X_OK)):
        pytest.fail(f"This test needs Debian's Chromium at {CHROMIUM}; `make test` installs it.", pytrace=False)
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread; the flush after the test is plain sync code.
    allowed = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=str(CHROMIUM), headless=True, args=["--no-sandbox", "--disable-gpu"]
            )
            page = browser.new_page(base_url=live_server.url)
            page.set_default_timeout(20_000)
            yield page
            browser.close()
    finally:
        if allowed is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = allowed


def test_the_docs_page_loads_the_schema_and_lists_every_operation(chromium_page, api_client):
    schema = api_client.get("/api/schema/", HTTP_ACCEPT=SCHEMA_JSON).json()
    failures: list[str] = []
    chromium_page.on("pageerror", lambda error: failures.append(str(error)))
    chromium_page.on("response", lambda r: failures.append(f"{r.status} {r.url}") if r.status >= 400 else None)

    with chromium_page.expect_response(lambda r: "/api/schema/" in r.url) as schema_response:
        page_response = chromium_page.goto("/api/docs/")
    chromium_page.locator(".opblock").first.wait_for()

    assert page_response.status == 200
    assert schema_response.value.status == 200
    assert chromium_page.locator(".opblock").count() == _operation_count(schema)
    assert chromium_page.get_by_text("MODO API").first.is_visible()
    assert failures == []


def test_the_schema_documents_the_error_shape_on_every_operation(api_client, db):
    schema = api_client.get("/api/schema/", HTTP_ACCEPT=SCHEMA_JSON).json()

    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            statuses = set(operation["responses"])
            assert any(code.startswith("2") for code in statuses), (method, path)
            assert any(code.startswith("4") for code in statuses), (method, path)
    generate = schema["paths"]["/api/ai/generate-story"]["post"]["responses"]
    assert {"400", "401", "402", "403", "404", "409", "422", "429", "502"} <= set(generate)
    assert generate["402"]["content"]["application/json"]["schema"]["$ref"].endswith("/NoCreditsError")
    assert "fields" in schema["components"]["schemas"]["ValidationError"]["required"]
