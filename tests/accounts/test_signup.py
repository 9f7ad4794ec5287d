from accounts.models import Membership, User


def test_signup_creates_the_user_with_a_personal_organization_they_own(client, db, password):
    response = client.post("/register/", {"email": "new@example.com", "password1": password})

    assert response.status_code == 302
    user = User.objects.get(email="new@example.com")
    membership = Membership.objects.get(user=user)
    assert membership.role == Membership.Role.OWNER
    assert membership.organization.is_personal
