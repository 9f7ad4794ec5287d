"""The analytics pages in the admin: staff see charts, everyone else is sent to the admin login."""

from datetime import timedelta

import pytest
from django.utils import timezone

from tests.factories import OrganizationFactory, UserFactory

from .seed import charge

PAGES = ["/admin/analytics/", *(f"/admin/analytics/{slug}/" for slug in
         ("credits", "revenue", "margin", "providers", "organizations", "conversion"))]  # fmt: skip


@pytest.fixture
def staff(db):
    return UserFactory(email="staff@example.com", is_staff=True)


@pytest.fixture
def staff_client(client, staff):
    client.force_login(staff)
    return client


@pytest.mark.parametrize("path", PAGES)
def test_staff_see_the_page_with_its_chart(staff_client, path):
    response = staff_client.get(path)

    assert response.status_code == 200
    assert '<svg class="analytics-chart"' in response.content.decode()


def test_the_overview_shows_every_chart_for_the_last_30_days(staff_client):
    today = timezone.localdate()

    response = staff_client.get("/admin/analytics/")

    body = response.content.decode()
    assert body.count('<svg class="analytics-chart"') == 7  # six sections, provider health has two
    assert f'value="{(today - timedelta(days=29)).isoformat()}"' in body
    assert f'value="{today.isoformat()}"' in body


def test_the_page_shows_todays_spending(staff_client):
    studio = OrganizationFactory(name="Lantern Films")
    charge(studio, credits=42, feature="image_premium", when=timezone.now())

    response = staff_client.get("/admin/analytics/organizations/")

    body = response.content.decode()
    assert "Lantern Films: 42</title>" in body  # the bar's hover text
    assert "<td>42</td>" in body  # and the table


def test_names_are_escaped_in_the_charts(staff_client):
    studio = OrganizationFactory(name='<script>alert("x")</script>')
    charge(studio, credits=5, feature="image_fast", when=timezone.now())

    response = staff_client.get("/admin/analytics/organizations/")

    body = response.content.decode()
    assert "<script>alert" not in body
    assert "&lt;script&gt;alert" in body


@pytest.mark.parametrize("path", ["/admin/analytics/", "/admin/analytics/revenue/"])
def test_people_who_are_not_staff_are_sent_to_the_admin_login(client, owner, path):
    client.force_login(owner)

    response = client.get(path)

    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/?next=")


def test_anonymous_visitors_are_sent_to_the_admin_login(client, db):
    response = client.get("/admin/analytics/margin/")

    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/?next=")


def test_an_unknown_chart_is_not_found(staff_client):
    assert staff_client.get("/admin/analytics/nothing/").status_code == 404


@pytest.mark.parametrize(
    "query, message",
    [
        ("start=2025-03-10&end=2025-03-01", "The start date must be on or before the end date."),
        ("start=2024-01-01&end=2025-03-01", "The range can be at most 366 days long."),
        ("start=yesterday", "Enter a valid date."),
        ("end=9999-12-31", "The range cannot end after today."),
        ("start=0001-01-01&end=0001-01-02", "Dates start on 2020-01-01."),
    ],
)
def test_a_bad_range_is_a_form_error(staff_client, query, message):
    response = staff_client.get(f"/admin/analytics/?{query}")

    assert response.status_code == 400
    assert message in response.content.decode()
    assert '<svg class="analytics-chart"' not in response.content.decode()


def test_a_range_of_366_days_is_allowed(staff_client):
    end = timezone.localdate()

    response = staff_client.get(f"/admin/analytics/credits/?start={end - timedelta(days=365)}&end={end}")

    assert response.status_code == 200


def test_the_admin_index_links_to_the_analytics(staff_client):
    response = staff_client.get("/admin/")

    assert response.status_code == 200
    assert 'href="/admin/analytics/"' in response.content.decode()
    assert "app-analytics" in response.content.decode()


def test_the_provider_page_shows_each_circuit_breakers_state(staff_client, settings):
    from aigen.breaker import breaker_record
    from aigen.providers.base import ProviderError

    settings.AI_BREAKER = {"default": {"failures": 1, "window_seconds": 60, "cooldown_seconds": 60}}
    breaker_record(provider="stability", model="core", error=ProviderError("stability", "HTTP 503", retryable=True))

    body = staff_client.get("/admin/analytics/providers/").content.decode()

    assert "<dt>Circuit stability/core</dt><dd>open</dd>" in body
    assert "<dt>Circuit openai/gpt-image-1</dt><dd>closed</dd>" in body
