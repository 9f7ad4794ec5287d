"""Teams over /api/organizations/...: every role against every member action, the last-owner
rule, creating a team, billing details (NPWP), and a removed member losing access at once."""

import pytest
from rest_framework.test import APIClient

from accounts.models import Invitation, Membership, Organization

from ..factories import MembershipFactory, OrganizationFactory, UserFactory

ROLES = ("owner", "admin", "member")


@pytest.fixture
def team(db):
    """An organization with two owners, an admin, a member and a target member."""
    organization = OrganizationFactory(name="Three-person studio", is_personal=False)
    people = {}
    for key, role in (
        ("owner", "owner"),
        ("owner2", "owner"),
        ("admin", "admin"),
        ("member", "member"),
        ("target", "member"),
    ):
        people[key] = UserFactory(email=f"{key}@example.com")
        MembershipFactory(user=people[key], organization=organization, role=role)
    return organization, people


def api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def role_of(organization, user) -> str | None:
    membership = Membership.objects.filter(organization=organization, user=user).first()
    return membership.role if membership else None


# Expected status per acting role: owner, admin, member.
MATRIX = {
    "invite": (201, 201, 403),
    "make the member an admin": (200, 200, 403),
    "demote another owner": (200, 403, 403),
    "make the member an owner": (200, 403, 403),
    "remove the member": (204, 204, 403),
    "remove another owner": (204, 403, 403),
    "transfer the ownership": (200, 403, 403),
    "leave": (204, 204, 204),
}


def act(action, client, organization, people):
    base = f"/api/organizations/{organization.pk}"
    target, owner2 = people["target"].pk, people["owner2"].pk
    return {
        "invite": lambda: client.post(
            f"{base}/invitations", {"email": "new@example.com", "role": "member"}, format="json"
        ),
        "make the member an admin": lambda: client.patch(f"{base}/members/{target}", {"role": "admin"}, format="json"),
        "demote another owner": lambda: client.patch(f"{base}/members/{owner2}", {"role": "member"}, format="json"),
        "make the member an owner": lambda: client.patch(f"{base}/members/{target}", {"role": "owner"}, format="json"),
        "remove the member": lambda: client.delete(f"{base}/members/{target}"),
        "remove another owner": lambda: client.delete(f"{base}/members/{owner2}"),
        "transfer the ownership": lambda: client.post(
            f"{base}/transfer-ownership", {"user_id": str(target)}, format="json"
        ),
        "leave": lambda: client.post(f"{base}/leave"),
    }[action]()


@pytest.mark.django_db
@pytest.mark.parametrize("action", list(MATRIX))
@pytest.mark.parametrize("actor", ROLES)
def test_every_role_against_every_member_action(team, actor, action):
    organization, people = team
    before = {key: role_of(organization, user) for key, user in people.items()}

    answer = act(action, api(people[actor]), organization, people)

    expected = MATRIX[action][ROLES.index(actor)]
    assert answer.status_code == expected, answer.content
    after = {key: role_of(organization, user) for key, user in people.items()}
    if expected >= 400:
        assert after == before  # nothing changed
        assert answer.json()["code"] == "FORBIDDEN"
        assert not Invitation.objects.exists()
    elif action == "transfer the ownership":
        assert (after["target"], after[actor]) == ("owner", "admin")
    elif action == "leave":
        assert after[actor] is None
    elif action.startswith("remove"):
        assert after["target" if "member" in action else "owner2"] is None


@pytest.mark.django_db
def test_the_last_owner_can_neither_leave_nor_be_demoted_nor_removed(team):
    organization, people = team
    Membership.objects.filter(user=people["owner2"]).delete()
    client = api(people["owner"])
    base = f"/api/organizations/{organization.pk}"
    me = people["owner"].pk

    answers = [
        client.post(f"{base}/leave"),
        client.patch(f"{base}/members/{me}", {"role": "admin"}, format="json"),
        client.delete(f"{base}/members/{me}"),
    ]

    assert [(a.status_code, a.json()["code"]) for a in answers] == [(400, "LAST_OWNER")] * 3
    assert role_of(organization, people["owner"]) == "owner"


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["superuser", "", None, 7, ["owner"], "OWNER"])
def test_a_role_that_does_not_exist_is_a_400(team, role):
    organization, people = team

    answer = api(people["owner"]).patch(
        f"/api/organizations/{organization.pk}/members/{people['target'].pk}", {"role": role}, format="json"
    )

    assert (answer.status_code, answer.json()["code"]) == (400, "VALIDATION_ERROR")
    assert role_of(organization, people["target"]) == "member"


@pytest.mark.django_db
def test_it_hides_other_organizations(team, outsider):
    organization, people = team
    client = api(outsider)
    base = f"/api/organizations/{organization.pk}"

    answers = [
        client.get(f"{base}/members"),
        client.delete(f"{base}/members/{people['target'].pk}"),
        client.post(f"{base}/leave"),
        client.get("/api/organizations/not-a-uuid/members"),
    ]

    assert [a.status_code for a in answers] == [404, 404, 404, 404]
    assert role_of(organization, people["target"]) == "member"


@pytest.mark.django_db
def test_an_unknown_member_is_a_404(team):
    organization, people = team

    answer = api(people["owner"]).delete(f"/api/organizations/{organization.pk}/members/{people['owner'].pk}0")

    assert answer.status_code == 404


@pytest.mark.django_db
def test_a_removed_member_loses_access_at_once(team):
    organization, people = team
    client = api(people["target"])
    client.credentials(HTTP_X_ORGANIZATION=str(organization.pk))
    project = client.post("/api/projects/", {"title": "Our film"}, format="json")
    assert project.status_code == 201
    assert client.get(f"/api/projects/{project.json()['id']}/").status_code == 200

    api(people["admin"]).delete(f"/api/organizations/{organization.pk}/members/{people['target'].pk}")

    assert client.get(f"/api/projects/{project.json()['id']}/").status_code == 404
    assert client.get(f"/api/organizations/{organization.pk}/members").status_code == 404


@pytest.mark.django_db
def test_anyone_creates_a_team_and_owns_it(outsider):
    client = api(outsider)

    created = client.post("/api/organizations", {"name": "  Night Owls  "}, format="json")
    listed = client.get("/api/organizations").json()

    assert created.status_code == 201
    assert (created.json()["name"], created.json()["role"], created.json()["is_personal"]) == (
        "Night Owls",
        "owner",
        False,
    )
    assert created.json()["id"] in [row["id"] for row in listed]


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["", "   ", None, 3, "a\x00b"])
def test_a_team_needs_a_name(outsider, name):
    answer = api(outsider).post("/api/organizations", {"name": name}, format="json")

    assert (answer.status_code, answer.json()["code"]) == (400, "VALIDATION_ERROR")
    assert not Organization.objects.filter(memberships__user=outsider, is_personal=False).exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("given", "stored"),
    [
        ("012345678901000", "01.234.567.8-901.000"),
        ("01.234.567.8-901.000", "01.234.567.8-901.000"),
        ("3171012345678901", "3171012345678901"),
        ("", ""),
    ],
)
def test_owners_set_the_npwp_and_address_printed_on_invoices(team, given, stored):
    organization, people = team

    answer = api(people["owner"]).patch(
        f"/api/organizations/{organization.pk}/billing-details",
        {"tax_id": given, "billing_address": "Jl. Kemang 5, Jakarta"},
        format="json",
    )

    assert answer.status_code == 200 and answer.json()["tax_id"] == stored
    organization.refresh_from_db()
    assert (organization.tax_id, organization.billing_address) == (stored, "Jl. Kemang 5, Jakarta")


@pytest.mark.django_db
@pytest.mark.parametrize(
    "npwp",
    [
        "12345",
        "01.234.567.8-901.0001",
        "ab.cde.fgh.i-jkl.mno",
        "٠١٢٣٤٥٦٧٨٩٠١٢٣٤",
        12345678901234,
        "0123456789012345678",
    ],
)
def test_an_npwp_in_the_wrong_format_is_a_400_and_changes_nothing(team, npwp):
    organization, people = team

    answer = api(people["owner"]).patch(
        f"/api/organizations/{organization.pk}/billing-details", {"tax_id": npwp}, format="json"
    )

    assert (answer.status_code, answer.json()["code"]) == (400, "VALIDATION_ERROR")
    assert "tax_id" in answer.json()["fields"]
    organization.refresh_from_db()
    assert organization.tax_id == ""


@pytest.mark.django_db
@pytest.mark.parametrize("actor", ["admin", "member"])
def test_only_owners_set_billing_details(team, actor):
    organization, people = team

    answer = api(people[actor]).patch(
        f"/api/organizations/{organization.pk}/billing-details", {"tax_id": "012345678901000"}, format="json"
    )

    assert answer.status_code == 403
