import pytest
from django.contrib.auth.models import Permission
from django.utils import timezone

from credits.models import CreditTransaction

from ..factories import UserFactory
from .balances import fund, held, ledger


@pytest.fixture
def superuser(db):
    user = UserFactory(email="boss@example.com", is_staff=True)
    user.is_superuser = True
    user.save(update_fields=["is_superuser"])
    return user


@pytest.fixture
def admin_client(client, superuser):
    client.force_login(superuser)
    return client


def adjust_url(organization) -> str:
    return f"/admin/credits/creditbalance/{organization.pk}/adjust/"


def test_staff_adjust_credits_with_a_reason_through_the_admin(admin_client, team, superuser):
    fund(team, main=10)

    response = admin_client.post(adjust_url(team), {"amount": "-4", "reason": "Double charge"})

    assert response.status_code == 302
    assert held(team) == (6, 0)
    row = CreditTransaction.objects.filter(organization=team).first()
    assert (row.type, row.amount, row.user, row.description) == ("adjustment", -4, superuser, "Double charge")


def test_the_admin_adjustment_form_requires_a_reason(admin_client, team):
    response = admin_client.post(adjust_url(team), {"amount": "5", "reason": ""})

    assert response.status_code == 200
    assert response.context["form"].errors["reason"]
    assert ledger(team) == (0, 0, 0)


def test_the_admin_adjustment_form_shows_why_a_change_is_refused(admin_client, team):
    response = admin_client.post(adjust_url(team), {"amount": "-5", "reason": "Too much"})

    assert response.status_code == 200
    assert response.context["form"].non_field_errors()
    assert ledger(team) == (0, 0, 0)


def test_staff_without_the_adjust_permission_cannot_adjust(client, team):
    clerk = UserFactory(is_staff=True)
    clerk.user_permissions.add(Permission.objects.get(codename="view_creditbalance"))
    client.force_login(clerk)

    response = client.post(adjust_url(team), {"amount": "5", "reason": "Because"})

    assert response.status_code == 403
    assert ledger(team) == (0, 0, 0)


def test_the_ledger_and_balances_are_read_only_in_the_admin(admin_client, team):
    fund(team, main=10)
    row = CreditTransaction.objects.get(organization=team)

    change = admin_client.get(f"/admin/credits/credittransaction/{row.pk}/change/")
    add = admin_client.get("/admin/credits/credittransaction/add/")
    delete = admin_client.post(f"/admin/credits/credittransaction/{row.pk}/delete/", {"post": "yes"})
    balance = admin_client.get(f"/admin/credits/creditbalance/{team.pk}/change/")

    assert change.status_code == 200
    assert change.context["has_change_permission"] is False
    assert add.status_code == 403
    assert delete.status_code == 403
    assert balance.status_code == 200
    assert b"Adjust credits" in balance.content
    assert CreditTransaction.objects.filter(pk=row.pk).exists()


def test_staff_filter_the_ledger_by_organization_type_and_date(admin_client, team, organization):
    fund(team, main=10)
    fund(organization, main=7)

    response = admin_client.get(
        "/admin/credits/credittransaction/",
        {"organization": str(team.pk), "type": "grant", "created_at__year": str(timezone.now().year)},
    )

    assert response.status_code == 200
    shown = list(response.context["cl"].queryset)
    assert [row.organization_id for row in shown] == [team.pk]


def test_the_admin_pages_of_the_ledger_open(admin_client, team):
    fund(team, main=3)

    for url in (
        "/admin/credits/creditbalance/",
        "/admin/credits/credittransaction/",
        "/admin/credits/trialusage/",
        "/admin/credits/idempotencyrecord/",
        adjust_url(team),
    ):
        assert admin_client.get(url).status_code == 200, url
