import pytest

from tests.factories import UserFactory


@pytest.fixture
def staff_client(client, db):
    client.force_login(_superuser())
    return client


def _superuser():
    user = UserFactory(is_staff=True)
    user.is_superuser = True
    user.save(update_fields=["is_superuser"])
    return user


@pytest.mark.parametrize(
    "path",
    [
        "/admin/accounts/user/?q=owner&is_staff__exact=0",
        "/admin/accounts/organization/?q=Studio&is_personal__exact=1",
        "/admin/accounts/membership/?role__exact=owner&q=owner",
        "/admin/accounts/invitation/?q=example",
    ],
)
def test_staff_search_and_filter_accounts_in_the_admin(staff_client, owner, member, path):
    response = staff_client.get(path)

    assert response.status_code == 200


def test_staff_find_a_user_by_email(staff_client, owner, member):
    page = staff_client.get("/admin/accounts/user/?q=member@").content.decode()

    assert "member@example.com" in page
    assert "owner@example.com" not in page
