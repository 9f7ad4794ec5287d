from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.models import Invitation, Membership
from accounts.services import invitation_create
from tests.factories import UserFactory


@pytest.fixture
def invitation(owner, organization, outsider):
    membership = Membership.objects.get(user=owner, organization=organization)
    return invitation_create(membership=membership, email=outsider.email, role="member")


def test_an_anonymous_visitor_of_an_invitation_is_sent_to_login(client, invitation):
    response = client.get(f"/invitations/{invitation.token}/")

    assert response.status_code == 302
    assert response["Location"] == f"/login/?next=/invitations/{invitation.token}/"


def test_a_signed_in_invitee_accepts_and_becomes_a_member(client, outsider, organization, invitation):
    client.force_login(outsider)
    assert organization.name in client.get(f"/invitations/{invitation.token}/").content.decode()

    response = client.post(f"/invitations/{invitation.token}/")

    assert response.status_code == 302
    assert Membership.objects.filter(user=outsider, organization=organization, role="member").exists()
    assert client.get("/api/me").json()["organization"]["id"] == str(organization.id)


def test_a_reused_invitation_is_refused_with_a_clear_message(client, outsider, invitation):
    client.force_login(outsider)
    client.post(f"/invitations/{invitation.token}/")

    response = client.post(f"/invitations/{invitation.token}/")

    assert response.status_code == 400
    assert "already been used" in response.content.decode()
    assert Membership.objects.filter(user=outsider).count() == 2  # personal + the one accepted once


def test_an_expired_invitation_is_refused_with_a_clear_message(client, outsider, organization, invitation):
    Invitation.objects.filter(pk=invitation.pk).update(expires_at=timezone.now() - timedelta(minutes=1))
    client.force_login(outsider)

    response = client.post(f"/invitations/{invitation.token}/")

    assert response.status_code == 400
    assert "expired" in response.content.decode()
    assert not Membership.objects.filter(user=outsider, organization=organization).exists()


def test_an_invitation_for_another_address_is_refused(client, organization, invitation):
    someone_else = UserFactory()
    client.force_login(someone_else)

    response = client.post(f"/invitations/{invitation.token}/")

    assert response.status_code == 403
    assert "sent to another account" in response.content.decode()
    assert not Membership.objects.filter(user=someone_else, organization=organization).exists()


def test_another_signed_in_user_sees_a_neutral_page_without_the_invitations_details(
    client, owner, organization, invitation
):
    someone_else = UserFactory()
    client.force_login(someone_else)

    page = client.get(f"/invitations/{invitation.token}/").content.decode()

    assert "sent to another account" in page
    for detail in (organization.name, owner.email, invitation.email, "Accept invitation"):
        assert detail not in page


def test_the_neutral_page_switches_accounts_and_comes_back_to_the_invitation(client, invitation):
    client.force_login(UserFactory())

    response = client.post("/logout/", {"next": f"/invitations/{invitation.token}/"})

    assert response.status_code == 302 and response["Location"] == f"/invitations/{invitation.token}/"
    assert client.get("/api/me").status_code == 401


def test_an_unknown_invitation_link_says_it_is_not_valid(client, outsider):
    client.force_login(outsider)

    response = client.get("/invitations/made-up-token/")

    assert response.status_code == 404
    assert "not valid" in response.content.decode()


def test_the_settings_page_lists_members_and_sends_invitations(
    client, owner, organization, member, mailoutbox, django_capture_on_commit_callbacks
):
    client.force_login(owner)
    client.post("/organizations/switch/", {"organization_id": str(organization.id)})

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/settings/", {"action": "invite", "email": "new@example.com", "role": "admin"})

    assert response.status_code == 302
    page = client.get("/settings/").content.decode()
    assert member.email in page and "new@example.com" in page
    assert mailoutbox[0].to == ["new@example.com"]


def test_switching_to_an_organization_one_is_not_in_changes_nothing(client, outsider, organization):
    client.force_login(outsider)

    client.post("/organizations/switch/", {"organization_id": str(organization.id)})

    assert client.get("/api/me").json()["organization"]["is_personal"] is True


def test_a_malformed_revoke_on_the_settings_page_is_a_message_not_a_crash(client, owner, organization):
    client.force_login(owner)
    client.post("/organizations/switch/", {"organization_id": str(organization.id)})

    response = client.post("/settings/", {"action": "revoke", "invitation_id": "junk"}, follow=True)

    assert response.status_code == 404
    assert "Invitation not found." in response.content.decode()


def test_an_invitation_sent_from_an_indonesian_page_is_written_in_indonesian(
    client, owner, organization, mailoutbox, django_capture_on_commit_callbacks
):
    from django.utils import translation

    client.force_login(owner)
    client.post("/organizations/switch/", {"organization_id": str(organization.id)})
    with django_capture_on_commit_callbacks() as queued:
        client.post(
            "/settings/", {"action": "invite", "email": "baru@example.com", "role": "member"}, HTTP_ACCEPT_LANGUAGE="id"
        )

    with translation.override("en"):  # the worker's own language, whatever the page's was
        for send in queued:
            send()

    [email] = mailoutbox
    assert email.subject.startswith("Anda diundang bergabung") and "Terima undangan di sini:" in email.body
