import pytest
from django.db import IntegrityError, connection, transaction
from django.db.models import ProtectedError

from credits.models import CreditTransaction
from credits.services.charge import credits_charge

from ..factories import UserFactory
from .balances import fund, ledger

pytestmark = pytest.mark.skipif(connection.vendor != "postgresql", reason="the trigger exists on PostgreSQL only")


@pytest.fixture
def charge(team):
    fund(team, main=10)
    return credits_charge(organization=team, amount=4, feature="story_fast", user=UserFactory())


def test_the_database_refuses_to_change_a_ledger_row(charge):
    with pytest.raises(IntegrityError, match="immutable"), transaction.atomic():
        CreditTransaction.objects.filter(pk=charge.pk).update(amount=-1, main_amount=-1)

    charge.refresh_from_db()
    assert charge.amount == -4


def test_the_database_refuses_to_change_a_ledger_row_in_plain_sql(charge):
    with pytest.raises(IntegrityError, match="immutable"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE credits_credittransaction SET description = 'edited' WHERE id = %s", [charge.pk])


def test_the_database_refuses_to_delete_a_ledger_row(charge, team):
    with pytest.raises(IntegrityError, match="immutable"), transaction.atomic():
        CreditTransaction.objects.filter(pk=charge.pk).delete()

    assert ledger(team) == (6, 0, 2)


def test_the_database_refuses_to_move_a_ledger_row_to_another_user(charge):
    with pytest.raises(IntegrityError, match="immutable"), transaction.atomic():
        CreditTransaction.objects.filter(pk=charge.pk).update(user=UserFactory())


def test_deleting_a_user_keeps_their_ledger_rows_without_the_user(charge, team):
    charge.user.delete()

    charge.refresh_from_db()
    assert charge.user is None
    assert charge.amount == -4
    assert ledger(team) == (6, 0, 2)


def test_an_organization_with_a_ledger_cannot_be_deleted(charge, team):
    with pytest.raises(ProtectedError):
        team.delete()
