from django.contrib.auth import SESSION_KEY

from accounts.models import Membership, Organization, User


def test_signup_creates_the_user_with_a_personal_organization_they_own(client, db, password):
    response = client.post("/register/", {"email": "new@example.com", "password1": password})

    assert response.status_code == 302
    assert response["Location"] == "/dashboard/"
    user = User.objects.get(email="new@example.com")
    membership = Membership.objects.get(user=user)
    assert membership.role == Membership.Role.OWNER
    assert membership.organization.is_personal


def test_signup_with_a_taken_email_is_refused_and_writes_nothing(client, outsider, password):
    users, organizations = User.objects.count(), Organization.objects.count()

    response = client.post("/register/", {"email": "OUTSIDER@example.com", "password1": password})

    assert response.status_code == 200
    assert "already registered" in response.content.decode()
    assert (User.objects.count(), Organization.objects.count()) == (users, organizations)


def test_login_through_the_page_lands_on_the_dashboard(client, outsider, password):
    response = client.post("/login/", {"login": outsider.email, "password": password})

    assert response.status_code == 302
    assert response["Location"] == "/dashboard/"
    assert client.get("/dashboard/").status_code == 200


def test_login_with_a_wrong_password_says_so(client, outsider):
    response = client.post("/login/", {"login": outsider.email, "password": "not-it-at-all"})

    assert response.status_code == 200
    assert "not correct" in response.content.decode()
    assert SESSION_KEY not in client.session


def test_login_gives_a_new_session_key(client, outsider, password):
    client.get("/login/")
    client.session.save()
    before = client.session.session_key

    client.post("/login/", {"login": outsider.email, "password": password})

    assert client.session.session_key != before
    assert client.session[SESSION_KEY] == str(outsider.pk)


def test_logout_ends_the_session_on_the_server(client, outsider, password):
    client.post("/login/", {"login": outsider.email, "password": password})
    old_cookie = client.cookies["sessionid"].value

    client.post("/logout/")

    client.cookies["sessionid"] = old_cookie
    response = client.get("/dashboard/")
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")


def test_repeated_failed_logins_are_rate_limited(client, outsider):
    for _attempt in range(5):
        client.post("/login/", {"login": outsider.email, "password": "wrong-password"})

    response = client.post("/login/", {"login": outsider.email, "password": "wrong-password"})

    assert "Too many failed login attempts" in response.content.decode()
