"""The team forms of /settings/ and the usage page, without JavaScript."""

import pytest
from django.test import Client

from accounts.models import Membership, Organization


def signed_in(user, organization) -> Client:
    client = Client()
    client.force_login(user)
    session = client.session
    session["organization_id"] = str(organization.id)
    session.save()
    return client


@pytest.mark.django_db
def test_an_owner_creates_a_team_and_works_in_it(owner, organization):
    client = signed_in(owner, organization)

    answer = client.post("/settings/", {"action": "create_team", "name": "Night Owls"})

    team = Organization.objects.get(name="Night Owls")
    assert answer.status_code == 302
    assert Membership.objects.get(organization=team).role == "owner"
    assert "Night Owls" in client.get("/settings/").content.decode()  # switched to it


@pytest.mark.django_db
def test_an_owner_changes_a_role_and_removes_a_member_from_the_page(owner, member, organization):
    client = signed_in(owner, organization)
    page = client.get("/settings/").content.decode()
    assert 'value="change_role"' in page

    client.post("/settings/", {"action": "change_role", "user_id": str(member.pk), "role": "admin"})
    assert Membership.objects.get(user=member, organization=organization).role == "admin"
    client.post("/settings/", {"action": "remove", "user_id": str(member.pk)})

    assert not Membership.objects.filter(user=member, organization=organization).exists()


@pytest.mark.django_db
def test_a_member_sees_no_member_actions_and_is_refused(owner, member, organization):
    client = signed_in(member, organization)

    page = client.get("/settings/").content.decode()
    refused = client.post("/settings/", {"action": "remove", "user_id": str(owner.pk)})

    assert 'value="change_role"' not in page
    assert refused.status_code == 403
    assert Membership.objects.filter(user=owner, organization=organization).exists()


@pytest.mark.django_db
def test_the_last_owner_cannot_leave_from_the_page(owner, organization):
    answer = signed_in(owner, organization).post("/settings/", {"action": "leave"})

    assert answer.status_code == 400
    assert "last owner" in answer.content.decode()


@pytest.mark.django_db
def test_a_wrong_npwp_on_the_page_is_refused_with_a_message(owner, organization):
    client = signed_in(owner, organization)

    answer = client.post("/settings/", {"action": "billing_details", "tax_id": "12-34", "billing_address": "Bali"})

    assert answer.status_code == 400 and "NPWP" in answer.content.decode()
    organization.refresh_from_db()
    assert (organization.tax_id, organization.billing_address) == ("", "")


@pytest.mark.django_db
def test_the_usage_page_is_for_owners(owner, member, organization):
    assert signed_in(owner, organization).get("/settings/usage/").status_code == 200
    assert signed_in(member, organization).get("/settings/usage/").status_code == 302
