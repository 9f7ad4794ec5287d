import json
import uuid

import pytest

from accounts.models import Invitation, Membership, Organization


def test_me_has_the_fixed_shape(owner_api, owner, organization):
    response = owner_api.get("/api/me")

    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"user", "organization", "organizations", "subscription", "credits", "trial"}
    assert body["user"]["email"] == owner.email
    assert body["organization"] == {
        "id": str(organization.id),
        "name": organization.name,
        "is_personal": False,
        "role": "owner",
    }
    assert {o["id"] for o in body["organizations"]} == {
        str(organization.id),
        str(owner.memberships.get(organization__is_personal=True).organization_id),
    }
    assert set(body["subscription"]) == {"tier", "status", "current_period_end"}
    assert set(body["credits"]) == {"balance", "bonus_balance", "total", "low"}
    assert set(body["trial"]) == {"used", "max", "ends_at", "active"}


def test_me_defaults_to_the_personal_organization(api_client, outsider):
    api_client.force_authenticate(outsider)

    body = api_client.get("/api/me").json()

    assert body["organization"]["is_personal"] is True
    assert body["organization"]["role"] == "owner"


@pytest.mark.parametrize("header", [None, "not-a-uuid", str(uuid.uuid4())])
def test_it_hides_other_organizations(api_client, outsider, organization, header):
    api_client.force_authenticate(outsider)

    response = api_client.get("/api/organization", HTTP_X_ORGANIZATION=header or str(organization.id))

    assert response.status_code == 404
    assert response.json() == {"error": "Organization not found.", "code": "NOT_FOUND"}


def test_an_unknown_api_path_answers_json_404(owner_api):
    response = owner_api.get("/api/no/such/path")

    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json()["code"] == "NOT_FOUND"


def test_a_malformed_json_body_gets_a_json_400_and_changes_nothing(owner_api, organization):
    response = owner_api.patch("/api/organization", data="{name: ", content_type="application/json")

    assert response.status_code == 400
    assert response.json()["code"] == "VALIDATION_ERROR"
    assert "JSON" in response.json()["error"]
    organization.refresh_from_db()
    assert organization.name.startswith("Studio")


@pytest.mark.parametrize(
    "body, field",
    [({}, "name"), ({"name": ""}, "name"), ({"name": ["a list"]}, "name"), ({"name": "x" * 121}, "name")],
)
def test_a_bad_rename_names_the_field_and_changes_nothing(owner_api, organization, body, field):
    response = owner_api.patch("/api/organization", body, format="json")

    assert response.status_code == 400
    assert response.json()["code"] == "VALIDATION_ERROR"
    assert field in response.json()["fields"]
    assert Organization.objects.get(pk=organization.pk).name == organization.name


def test_an_owner_renames_the_organization(owner_api, organization):
    response = owner_api.patch("/api/organization", {"name": "Rumah Cerita"}, format="json")

    assert response.status_code == 200
    assert Organization.objects.get(pk=organization.pk).name == "Rumah Cerita"


def test_a_member_cannot_rename_or_invite(api_client, member, organization):
    api_client.force_authenticate(member)
    api_client.credentials(HTTP_X_ORGANIZATION=str(organization.id))

    rename = api_client.patch("/api/organization", {"name": "Mine now"}, format="json")
    invite = api_client.post("/api/organization/invitations", {"email": "x@example.com"}, format="json")

    assert (rename.status_code, invite.status_code) == (403, 403)
    assert rename.json()["code"] == "FORBIDDEN"
    assert not Invitation.objects.exists()


def test_members_are_listed_for_the_organization(owner_api, owner, member):
    response = owner_api.get("/api/organization/members")

    assert sorted(m["email"] for m in response.json()) == sorted([owner.email, member.email])


def test_an_owner_invites_by_email_and_the_invitee_gets_a_link(
    owner_api, organization, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = owner_api.post(
            "/api/organization/invitations", {"email": "Friend@Example.com", "role": "admin"}, format="json"
        )

    assert response.status_code == 201
    invitation = Invitation.objects.get()
    assert (invitation.email, invitation.role) == ("friend@example.com", "admin")
    assert len(mailoutbox) == 1
    assert f"/invitations/{invitation.token}/" in mailoutbox[0].body


@pytest.mark.parametrize(
    "body, field",
    [({"email": "nope"}, "email"), ({"email": "a@b.co", "role": "owner"}, "role"), ({"role": "member"}, "email")],
)
def test_a_bad_invitation_names_the_field_and_writes_nothing(owner_api, body, field):
    response = owner_api.post("/api/organization/invitations", body, format="json")

    assert response.status_code == 400
    assert field in response.json()["fields"]
    assert not Invitation.objects.exists()


def test_inviting_an_existing_member_is_refused(owner_api, member):
    response = owner_api.post("/api/organization/invitations", {"email": member.email}, format="json")

    assert response.status_code == 400
    assert "already a member" in response.json()["error"]


def test_a_pending_invitation_can_be_revoked(owner_api, organization):
    created = owner_api.post("/api/organization/invitations", {"email": "a@example.com"}, format="json").json()

    response = owner_api.delete(f"/api/organization/invitations/{created['id']}")

    assert response.status_code == 204
    assert not Invitation.objects.exists()


def test_an_invitation_accepted_through_the_api_adds_a_membership(owner_api, api_client, outsider, organization):
    owner_api.post("/api/organization/invitations", {"email": outsider.email}, format="json")
    token = Invitation.objects.get().token
    api_client.force_authenticate(outsider)

    response = api_client.post(f"/api/invitations/{token}/accept")

    assert response.status_code == 201
    assert response.json()["id"] == str(organization.id)
    assert Membership.objects.get(user=outsider, organization=organization).role == "member"


def test_inviting_the_same_address_again_replaces_the_pending_invitation(owner_api):
    first = owner_api.post("/api/organization/invitations", {"email": "a@example.com"}, format="json").json()

    second = owner_api.post("/api/organization/invitations", {"email": "a@example.com"}, format="json").json()

    assert [i["id"] for i in owner_api.get("/api/organization/invitations").json()] == [second["id"]]
    assert first["id"] != second["id"]


def test_revoking_a_malformed_or_foreign_invitation_is_a_404(owner_api, api_client, outsider):
    foreign = api_client
    foreign.force_authenticate(outsider)
    theirs = foreign.post("/api/organization/invitations", {"email": "b@example.com"}, format="json").json()

    assert owner_api.delete("/api/organization/invitations/not-a-uuid").status_code == 404
    assert owner_api.delete(f"/api/organization/invitations/{theirs['id']}").status_code == 404
    assert Invitation.objects.filter(pk=theirs["id"]).exists()


def test_a_user_who_joined_another_personal_organization_still_defaults_to_their_own(api_client, outsider):
    from tests.factories import UserFactory

    boss = UserFactory()
    Membership.objects.create(user=outsider, organization=boss.memberships.get().organization, role="member")
    api_client.force_authenticate(outsider)

    body = api_client.get("/api/me").json()

    assert body["organization"]["role"] == "owner"
    assert len(body["organizations"]) == 2


def test_me_answers_exactly_what_its_documented_serializer_describes(owner_api, owner, organization):
    """/api/me builds its body without DRF's serializers (it opens every studio page); the
    schema documents MeSerializer: the two must agree, date formats and time zone included."""
    from rest_framework.renderers import JSONRenderer

    from accounts.api.serializers import MeSerializer
    from accounts.me import me_sections
    from accounts.selectors import membership_list_for_user
    from billing.services.fulfilment import order_status_apply

    from ..billing.conftest import order_make

    order = order_make(organization, item="plan:pro", gateway="dev")
    order_status_apply(order_id=order.order_id, status="paid", raw_status="settlement", amount=f"{order.amount}.00")
    membership = owner.memberships.select_related("organization").get(organization=organization)

    body = owner_api.get("/api/me").json()

    documented = MeSerializer(
        {
            "user": owner,
            "organization": membership,
            "organizations": membership_list_for_user(user=owner),
            **me_sections(membership),
        }
    ).data
    assert body == json.loads(JSONRenderer().render(documented))
    assert body["subscription"]["tier"] == "pro"
    assert body["subscription"]["current_period_end"].endswith("+07:00")  # Asia/Jakarta, as DRF writes it
