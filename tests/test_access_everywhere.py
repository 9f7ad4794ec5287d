"""Every API and page URL of the platform, for a user of another organization (404, nothing
leaked) and for an anonymous caller (401 JSON, or a redirect to /login/).

A new route fails `test_every_route_is_in_this_table` until it is added here.
"""

import pytest
from django.urls import URLResolver, get_resolver

from accounts.models import Membership
from accounts.services import invitation_create
from aigen.models import GenerationJob
from billing.services.checkout import order_checkout
from studio import services as studio

SECRET = "Sekret Lantern Project"
STORY = {
    "title": SECRET,
    "logline": "x",
    "genre": "drama",
    "characters": [],
    "beats": [{"title": f"{SECRET} beat {n}", "description": ""} for n in range(5)],
}


@pytest.fixture
def things(owner, organization, django_capture_on_commit_callbacks):
    """One of everything, owned by `organization`."""
    membership = Membership.objects.get(user=owner, organization=organization)
    project = studio.project_create(membership=membership, title=SECRET, premise=SECRET)
    studio.story_version_create(project=project, story=STORY)
    beat = project.beats.first()
    asset = studio.asset_create(project=project, beat=beat, kind="image", file_name="tests/x.png")
    job = GenerationJob.objects.create(
        organization=organization, user=owner, kind="image", quality="fast", deadline_at="2030-01-01T00:00:00Z",
        input={"prompt": SECRET}, project_ref=str(project.id),
    )  # fmt: skip
    with django_capture_on_commit_callbacks(execute=True):
        order = order_checkout(membership=membership, item="pack:credits-100", gateway="dev")
        invitation = invitation_create(membership=membership, email="guest@example.com", role="member")
    return {
        "project": project.id, "beat": beat.id, "asset": asset.id, "job": job.id, "version": 1,
        "order": order.order_id, "invitation": invitation.id, "token": invitation.token,
        "organization": organization.id, "member": owner.id,
    }  # fmt: skip


# (method, path template, what an outsider gets: 404 = "not found", "own" = their own data only)
API = [
    ("get", "/api/me", "own"),
    ("get", "/api/organization", "own"),
    ("get", "/api/organization/members", "own"),
    ("get", "/api/organization/invitations", "own"),
    ("delete", "/api/organization/invitations/{invitation}", 404),
    ("post", "/api/invitations/{token}/accept", 403),
    ("get", "/api/credits/", "own"),
    ("get", "/api/credits/transactions", "own"),
    ("get", "/api/ai/jobs/{job}", 404),
    ("get", "/api/ai/jobs/{job}/events", 404),
    ("post", "/api/ai/jobs/{job}/cancel", 404),
    ("post", "/api/ai/generate-image", 404),
    ("post", "/api/ai/generate-video", 404),
    ("post", "/api/ai/generate-story", 404),
    ("get", "/api/billing/plans", "own"),
    ("post", "/api/billing/checkout", "own"),
    ("get", "/api/billing/orders/{order}", 404),
    ("post", "/api/billing/orders/{order}/pay", 404),
    ("get", "/api/billing/orders/{order}/invoice.pdf", 404),
    ("get", "/api/billing/invoices", "own"),
    ("get", "/api/billing/subscription", "own"),
    ("post", "/api/billing/subscription/cancel", "own"),
    ("post", "/api/billing/subscription/resume", "own"),
    ("post", "/api/billing/subscription/renew", "own"),
    ("post", "/api/billing/subscription/change/preview", "own"),
    ("post", "/api/billing/subscription/upgrade", "own"),
    ("post", "/api/billing/subscription/downgrade", "own"),
    ("post", "/api/billing/subscription/auto-renewal", "own"),
    ("delete", "/api/billing/subscription/auto-renewal", "own"),
    ("get", "/api/organizations", "own"),
    ("post", "/api/organizations", "own"),
    ("get", "/api/organizations/{organization}/members", 404),
    ("patch", "/api/organizations/{organization}/members/{member}", 404),
    ("delete", "/api/organizations/{organization}/members/{member}", 404),
    ("post", "/api/organizations/{organization}/leave", 404),
    ("post", "/api/organizations/{organization}/transfer-ownership", 404),
    ("post", "/api/organizations/{organization}/invitations", 404),
    ("get", "/api/organizations/{organization}/billing-details", 404),
    ("patch", "/api/organizations/{organization}/billing-details", 404),
    ("get", "/api/organizations/{organization}/usage", 404),
    ("get", "/api/projects/", "own"),
    ("post", "/api/projects/", "own"),
    ("get", "/api/projects/{project}/", 404),
    ("patch", "/api/projects/{project}/", 404),
    ("delete", "/api/projects/{project}/", 404),
    ("get", "/api/projects/{project}/beats/", 404),
    ("post", "/api/projects/{project}/beats/reorder", 404),
    ("get", "/api/projects/{project}/assets/", 404),
    ("patch", "/api/beats/{beat}/", 404),
    ("delete", "/api/beats/{beat}/", 404),
    ("post", "/api/beats/{beat}/restore", 404),
    ("get", "/api/beats/{beat}/variants", 404),
    ("post", "/api/beats/{beat}/choose", 404),
    ("post", "/api/projects/{project}/restore", 404),
    ("get", "/api/projects/{project}/versions", 404),
    ("get", "/api/projects/{project}/versions/{version}", 404),
    ("post", "/api/projects/{project}/versions/{version}/restore", 404),
    ("post", "/api/projects/{project}/beats/", 404),
    ("get", "/api/projects/{project}/film", 404),
    ("post", "/api/projects/{project}/film", 404),
    ("post", "/api/assets/{asset}/publish", 404),
    ("post", "/api/assets/{asset}/unpublish", 404),
]
PAGES = [
    ("get", "/dashboard/", "own"),
    ("get", "/settings/", "own"),
    ("get", "/notifications/", "own"),
    ("get", "/billing/", "own"),
    ("post", "/billing/checkout/", "own"),
    ("get", "/billing/dev-checkout/{order}/", 404),
    ("post", "/billing/subscription/cancel/", "own"),
    ("post", "/billing/subscription/resume/", "own"),
    ("get", "/billing/change-plan/", "own"),
    ("post", "/billing/change-plan/", "own"),
    ("get", "/billing/invoices/", "own"),
    ("get", "/billing/invoices/{order}.pdf", 404),
    ("post", "/billing/dev-auto-renewal/", "own"),
    ("get", "/billing/auto-renewal/", "own"),
    ("post", "/billing/auto-renewal/", "own"),
    ("get", "/settings/usage/", "own"),
    ("get", "/studio/{project}/", 404),
    ("post", "/studio/{project}/", 404),
    ("get", "/studio/{project}/jobs/", 404),
    ("get", "/studio/{project}/versions/", 404),
    ("get", "/studio/{project}/versions/{version}/", 404),
    ("post", "/organizations/switch/", "own"),
    ("get", "/invitations/{token}/", "own"),
]
# /metrics has its own rule (allowed addresses or a token): tests/observability/test_metrics.py;
# so has /media/ (a published file to anyone, any other to its organization): tests/studio/test_media_access.py
PUBLIC = {"/", "/healthz", "/readyz", "/gallery/", "/gallery/{asset}/",
          "/login/", "/register/", "/logout/", "/api/schema/", "/api/docs/",
          "/api/public/contents", "/api/webhooks/midtrans", "/api/webhooks/xendit", "/metrics",
          "/media/<path:path>"}  # fmt: skip


# Endpoints that read the body before they look anything up take only their own fields
# (unknown fields answer 400): the owner's ids must reach the lookup.
BODY_FIELDS = {
    "/api/ai/generate-story": {"premise", "quality", "project_id"},
    "/api/ai/generate-image": {"prompt", "quality", "project_id", "beat_id"},
    "/api/ai/generate-video": {"quality", "project_id", "beat_id"},
}


def _body(things, template: str = ""):
    """A body that names the owner's objects wherever an endpoint takes ids."""
    body = {
        "project_id": str(things["project"]), "beat_id": str(things["beat"]), "premise": "p", "prompt": "p",
        "quality": "fast", "title": "t", "beat_ids": [str(things["beat"])], "item": "pack:credits-100",
        "gateway": "dev", "organization_id": str(things["project"]), "action": "update-project",
        "asset_id": str(things["asset"]),
    }  # fmt: skip
    fields = BODY_FIELDS.get(template)
    return {name: value for name, value in body.items() if name in fields} if fields else body


@pytest.mark.parametrize("method, template, outsider_gets", API)
def test_the_api_hides_other_organizations(api_client, outsider, things, method, template, outsider_gets):
    api_client.force_authenticate(outsider)

    response = getattr(api_client, method)(template.format(**things), _body(things, template), format="json")

    assert SECRET not in response.content.decode()
    assert "guest@example.com" not in response.content.decode()
    if outsider_gets == 404:
        assert response.status_code == 404
        assert response.json()["code"] == "NOT_FOUND"
    elif outsider_gets == 403:  # an invitation link for someone else's address
        assert response.status_code == 403
    else:
        assert response.status_code < 500


@pytest.mark.parametrize("method, template, outsider_gets", API)
def test_the_api_asks_anonymous_callers_to_sign_in(api_client, things, method, template, outsider_gets):
    response = getattr(api_client, method)(template.format(**things), _body(things), format="json")

    assert response.status_code == 401
    assert response.json() == {"error": "Unauthorized", "code": "UNAUTHORIZED"}


@pytest.mark.parametrize("method, template, outsider_gets", PAGES)
def test_pages_hide_other_organizations(client, outsider, things, method, template, outsider_gets):
    client.force_login(outsider)

    response = getattr(client, method)(template.format(**things), _body(things))

    assert SECRET not in response.content.decode()
    if outsider_gets == 404:
        assert response.status_code == 404
    else:
        assert response.status_code < 500


@pytest.mark.parametrize("method, template, outsider_gets", PAGES)
def test_pages_send_anonymous_visitors_to_login(client, things, method, template, outsider_gets):
    path = template.format(**things)

    response = getattr(client, method)(path, _body(things))

    assert response.status_code == 302
    assert response["Location"].startswith("/login/?next=")


def _routes(patterns, prefix=""):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from _routes(pattern.url_patterns, prefix + str(pattern.pattern))
        elif pattern.name:
            yield "/" + prefix + str(pattern.pattern)


def test_every_route_is_in_this_table():
    covered = {template for _m, template, _o in API + PAGES} | PUBLIC
    normalised = {t.replace("{", "<").replace("}", ">") for t in covered}
    skipped = ("/admin/", "/accounts/", "/api/auth/", "/i18n/")
    missing = []
    for route in _routes(get_resolver().url_patterns):
        if route.startswith(skipped):
            continue
        shape = route
        for converter in ("<uuid:", "<str:", "<int:"):
            shape = shape.replace(converter, "<")
        if not any(_same_shape(shape, known) for known in normalised):
            missing.append(route)
    assert missing == []


def _same_shape(route: str, known: str) -> bool:
    import re

    pattern = re.sub(r"<[^>]+>", "[^/]+", re.escape(route).replace(r"\<", "<").replace(r"\>", ">"))
    candidate = re.sub(r"<[^>]+>", "X", known)
    return re.fullmatch(pattern, candidate) is not None
