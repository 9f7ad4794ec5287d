"""Suspending an organization: staff do it in the admin (audited); its AI endpoints answer 403
SUSPENDED, charge nothing and create no job, until staff lift it."""

import pytest
from django.utils import timezone

from abuse.services import organization_suspend, organization_unsuspend
from accounts.models import Organization
from aigen.models import GenerationJob
from audit.models import StaffAction
from studio import services as studio

from ..credits.balances import held, ledger
from ..factories import UserFactory

ENDPOINTS = [
    ("/api/ai/generate-story", {"premise": "A kite over Jakarta", "quality": "fast"}),
    ("/api/ai/generate-image", {"prompt": "A red kite", "quality": "fast"}),
    ("/api/ai/generate-video", {"prompt": "A red kite", "quality": "fast"}),
]
IDS = ["story", "image", "video"]


@pytest.fixture
def suspended(funded, superuser):
    organization_suspend(organization=funded, actor=superuser, reason="Chargebacks")
    return funded


@pytest.fixture
def run_tasks(django_capture_on_commit_callbacks, monkeypatch):
    """Queued jobs run inline as each API request ends, as after a real commit."""
    from rest_framework.test import APIClient

    original = APIClient.post

    def post_and_run(self, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return original(self, *args, **kwargs)

    monkeypatch.setattr(APIClient, "post", post_and_run)


@pytest.mark.parametrize(("path", "body"), ENDPOINTS, ids=IDS)
def test_a_suspended_organization_cannot_generate(owner_api, suspended, path, body):
    response = owner_api.post(path, body, format="json")

    assert response.status_code == 403
    assert response.json() == {
        "error": "This organization is suspended and cannot generate anything. Please contact support.",
        "code": "SUSPENDED",
    }
    assert GenerationJob.objects.filter(organization=suspended).count() == 0
    assert held(suspended) == (1000, 0)
    assert ledger(suspended) == (1000, 0, 1)  # the funding grant only


def test_the_suspension_answers_before_the_rate_limit_and_the_idempotency_key(
    owner_api, suspended, superuser, settings, run_tasks
):
    settings.AI_CACHE_ENABLED = False
    body = {"premise": "A kite over Jakarta", "quality": "fast"}
    for _ in range(3):
        refused = owner_api.post("/api/ai/generate-story", body, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
        assert refused.status_code == 403
    organization_unsuspend(organization=suspended, actor=superuser)

    response = owner_api.post("/api/ai/generate-story", body, format="json", HTTP_IDEMPOTENCY_KEY="k-1")

    assert response.status_code == 200  # the key was not taken by the refused requests
    assert response.json()["creditsUsed"] == 3
    limit = int(response["X-RateLimit-Limit"])
    assert int(response["X-RateLimit-Remaining"]) == limit - 1  # the refused ones were not counted


def test_it_generates_again_once_the_suspension_is_lifted(owner_api, suspended, superuser, run_tasks):
    organization_unsuspend(organization=suspended, actor=superuser)

    response = owner_api.post("/api/ai/generate-image", {"prompt": "A red kite", "quality": "fast"}, format="json")

    assert response.status_code == 202
    assert GenerationJob.objects.get(organization=suspended).status == "succeeded"
    assert held(suspended) == (995, 0)


def test_suspension_is_seen_by_the_next_request_of_a_signed_in_member(owner_api, funded, superuser):
    assert owner_api.get("/api/me").status_code == 200  # the member was already active

    organization_suspend(organization=funded, actor=superuser, reason="Fraud")
    response = owner_api.post("/api/ai/generate-story", {"premise": "p", "quality": "fast"}, format="json")

    assert response.json()["code"] == "SUSPENDED"


def test_other_organizations_are_not_affected(api_client, suspended):
    stranger = UserFactory()
    api_client.force_authenticate(stranger)

    response = api_client.post("/api/ai/generate-story", {"premise": "p", "quality": "fast"}, format="json")

    assert response.status_code == 200


def test_the_studio_page_says_the_organization_is_suspended(client, owner, organization, suspended):
    client.force_login(owner)
    client.post("/organizations/switch/", {"organization_id": str(organization.id)})
    membership = owner.memberships.get(organization=organization)
    project = studio.project_create(membership=membership, title="Lanterns", premise="A girl and a lantern.")

    response = client.post(f"/studio/{project.id}/", {"action": "generate-story", "quality": "fast"}, follow=True)

    page = response.content.decode()
    assert "This organization is suspended and cannot generate anything. Please contact support." in page
    assert GenerationJob.objects.filter(organization=organization).count() == 0
    assert held(organization) == (1000, 0)


# --- Staff ----------------------------------------------------------------------------


def _suspend_in_admin(admin_client, organization, reason):
    return admin_client.post(
        "/admin/accounts/organization/",
        {"action": "suspend_organizations", "_selected_action": [str(organization.pk)], "apply": "1", "reason": reason},
    )


def test_staff_suspend_an_organization_from_the_admin_with_a_reason(admin_client, organization, superuser):
    response = _suspend_in_admin(admin_client, organization, "Card testing")

    assert response.status_code == 302
    organization.refresh_from_db()
    assert organization.is_suspended and organization.suspended_reason == "Card testing"
    row = StaffAction.objects.get()
    assert (row.action, row.actor, row.target_id, row.organization, row.reason) == (
        "accounts.organization_suspend",
        superuser,
        str(organization.pk),
        organization,
        "Card testing",
    )
    assert row.before == {"suspended_at": None} and row.after["suspended_reason"] == "Card testing"


def test_the_suspend_action_asks_for_a_reason_first(admin_client, organization):
    page = admin_client.post(
        "/admin/accounts/organization/",
        {"action": "suspend_organizations", "_selected_action": [str(organization.pk)]},
    )
    refused = _suspend_in_admin(admin_client, organization, "   ")

    assert page.status_code == 200 and "Suspend organizations" in page.content.decode()
    assert refused.status_code == 200 and "This field is required" in refused.content.decode()
    organization.refresh_from_db()
    assert not organization.is_suspended
    assert not StaffAction.objects.exists()


def test_staff_lift_a_suspension_from_the_admin(admin_client, suspended, superuser):
    response = admin_client.post(
        "/admin/accounts/organization/",
        {
            "action": "unsuspend_organizations",
            "_selected_action": [str(suspended.pk)],
            "apply": "1",
            "reason": "Paid back",
        },
    )

    assert response.status_code == 302
    suspended.refresh_from_db()
    assert not suspended.is_suspended and suspended.suspended_reason == ""
    actions = list(StaffAction.objects.order_by("created_at").values_list("action", flat=True))
    assert actions == ["accounts.organization_suspend", "accounts.organization_unsuspend"]


def test_suspending_twice_keeps_the_first_suspension_and_audits_once(organization, superuser):
    assert organization_suspend(organization=organization, actor=superuser, reason="One") is True
    first = Organization.objects.get(pk=organization.pk).suspended_at

    assert organization_suspend(organization=organization, actor=superuser, reason="Two") is False

    organization.refresh_from_db()
    assert (organization.suspended_at, organization.suspended_reason) == (first, "One")
    assert StaffAction.objects.count() == 1


def test_staff_without_the_change_permission_see_no_suspend_action(client, organization):
    from django.contrib.auth.models import Permission

    clerk = UserFactory(is_staff=True)
    clerk.user_permissions.add(Permission.objects.get(codename="view_organization"))
    client.force_login(clerk)

    page = client.get("/admin/accounts/organization/").content.decode()
    _suspend_in_admin(client, organization, "No right")

    assert "suspend_organizations" not in page
    organization.refresh_from_db()
    assert not organization.is_suspended


def test_the_organization_admin_shows_and_filters_suspended_organizations(admin_client, suspended, organization):
    listing = admin_client.get("/admin/accounts/organization/?suspended_at__isempty=0").content.decode()
    detail = admin_client.get(f"/admin/accounts/organization/{suspended.pk}/change/").content.decode()

    assert suspended.name in listing
    assert "Chargebacks" in detail
    assert suspended.suspended_at <= timezone.now()
