import pytest
from django.conf import settings

from accounts.models import Organization
from core.errors import Forbidden, NotFound, ValidationFailed
from credits.errors import NoCredits
from credits.models import CreditBalance, CreditTransaction
from credits.services.charge import credits_charge, credits_refund
from credits.services.grants import (
    credits_adjust,
    credits_expire_bonus,
    credits_grant,
    credits_grant_bonus,
    credits_purchase,
)
from credits.services.ledger import MAX_AMOUNT

from ..factories import OrganizationFactory, UserFactory
from .balances import fund, held, ledger


def test_it_opens_a_balance_with_every_new_organization(team):
    assert held(team) == (0, 0)
    assert ledger(team) == (0, 0, 0)


def test_it_gives_a_new_personal_organization_the_trial_bonus_once(db):
    user = UserFactory()

    personal = Organization.objects.get(memberships__user=user, is_personal=True)
    assert held(personal) == (0, settings.TRIAL_BONUS_CREDITS)
    bonus = CreditTransaction.objects.get(organization=personal)
    assert (bonus.type, bonus.bonus_amount, bonus.user) == ("bonus", 20, user)


def test_it_spends_bonus_credits_before_main_credits(team):
    fund(team, main=10, bonus=4)

    charge = credits_charge(organization=team, amount=6, feature="story_fast")

    assert (charge.type, charge.amount, charge.main_amount, charge.bonus_amount) == ("usage", -6, -2, -4)
    assert (charge.balance_after, charge.bonus_balance_after) == (8, 0)
    assert held(team) == (8, 0)


def test_it_spends_only_bonus_when_bonus_covers_the_charge(team):
    fund(team, main=10, bonus=4)

    charge = credits_charge(organization=team, amount=3, feature="story_fast")

    assert (charge.main_amount, charge.bonus_amount) == (0, -3)
    assert held(team) == (10, 1)


def test_it_refunds_a_charge_with_its_exact_main_and_bonus_split(team):
    fund(team, main=10, bonus=4)
    charge = credits_charge(organization=team, amount=6, feature="image_fast")

    result = credits_refund(charge=charge)

    assert not result.already_refunded
    refund = result.transaction
    assert (refund.type, refund.amount, refund.main_amount, refund.bonus_amount) == ("refund", 6, 2, 4)
    assert refund.refund_of == charge
    assert held(team) == (10, 4)


def test_it_refunds_a_charge_once(team):
    fund(team, main=10)
    charge = credits_charge(organization=team, amount=6, feature="image_fast")
    first = credits_refund(charge=charge)
    rows_before = ledger(team)

    second = credits_refund(charge=charge)

    assert second.already_refunded
    assert second.transaction == first.transaction
    assert ledger(team) == rows_before
    assert held(team) == (10, 0)


def test_it_refunds_bonus_as_bonus_even_after_the_bonus_expired(team):
    fund(team, bonus=5)
    charge = credits_charge(organization=team, amount=3, feature="story_fast")
    credits_expire_bonus(organization=team)

    credits_refund(charge=charge)

    assert held(team) == (0, 3)


def test_it_refuses_to_refund_something_that_is_not_a_charge(team):
    grant = credits_grant(organization=team, amount=5)
    rows_before = ledger(team)

    with pytest.raises(ValidationFailed):
        credits_refund(charge=grant)

    assert ledger(team) == rows_before


def test_a_charge_bigger_than_the_balance_changes_nothing(team):
    fund(team, main=3, bonus=2)
    rows_before = ledger(team)

    with pytest.raises(NoCredits) as refused:
        credits_charge(organization=team, amount=6, feature="video_fast")

    assert refused.value.status_code == 402
    assert refused.value.code == "NO_CREDITS"
    assert refused.value.extra["remainingCredits"] == 5
    assert held(team) == (3, 2)
    assert ledger(team) == rows_before


def test_a_charge_of_exactly_the_balance_empties_it(team):
    fund(team, main=3, bonus=2)

    credits_charge(organization=team, amount=5, feature="image_fast")

    assert held(team) == (0, 0)


def test_it_records_who_charged_and_for_what(team):
    fund(team, main=10)
    user = UserFactory()

    charge = credits_charge(
        organization=team, amount=3, feature="story_fast", user=user, reference=("generation_job", "42")
    )

    assert (charge.user, charge.feature, charge.reference_type, charge.reference_id) == (
        user,
        "story_fast",
        "generation_job",
        "42",
    )


def test_it_records_a_model_instance_as_the_reference(team):
    row = credits_grant(organization=team, amount=1, reference=team)

    assert (row.reference_type, row.reference_id) == ("accounts.organization", str(team.pk))


def test_it_adds_a_purchase_with_its_bonus_as_one_row(team):
    row = credits_purchase(organization=team, amount=500, bonus_amount=50, reference=("order", "MODO-1"))

    assert (row.type, row.amount, row.main_amount, row.bonus_amount) == ("purchase", 550, 500, 50)
    assert held(team) == (500, 50)
    assert ledger(team) == (500, 50, 1)


def test_it_grants_main_and_bonus_credits(team):
    credits_grant(organization=team, amount=300)
    credits_grant_bonus(organization=team, amount=20)

    assert held(team) == (300, 20)
    assert ledger(team) == (300, 20, 2)


def test_it_adjusts_credits_and_records_the_staff_member_and_reason(team, staff):
    fund(team, main=10)

    row = credits_adjust(organization=team, amount=-4, reason="Duplicate charge on 3 May", staff_user=staff)

    assert (row.type, row.amount, row.user, row.description) == ("adjustment", -4, staff, "Duplicate charge on 3 May")
    assert held(team) == (6, 0)


def test_it_refuses_an_adjustment_below_zero(team, staff):
    fund(team, main=2, bonus=10)
    rows_before = ledger(team)

    with pytest.raises(ValidationFailed):
        credits_adjust(organization=team, amount=-3, reason="Too much", staff_user=staff)

    assert held(team) == (2, 10)
    assert ledger(team) == rows_before


@pytest.mark.parametrize("reason", ["", "   ", None])
def test_it_refuses_an_adjustment_without_a_reason(team, staff, reason):
    rows_before = ledger(team)

    with pytest.raises(ValidationFailed) as refused:
        credits_adjust(organization=team, amount=5, reason=reason, staff_user=staff)

    assert "reason" in refused.value.extra["fields"]
    assert ledger(team) == rows_before


def test_it_refuses_an_adjustment_by_someone_who_is_not_staff(team):
    rows_before = ledger(team)

    with pytest.raises(Forbidden):
        credits_adjust(organization=team, amount=5, reason="Because", staff_user=UserFactory())

    assert ledger(team) == rows_before


def test_it_expires_all_bonus_credits_as_one_row(team):
    fund(team, main=7, bonus=5)

    row = credits_expire_bonus(organization=team)

    assert (row.type, row.amount, row.main_amount, row.bonus_amount) == ("expiry", -5, 0, -5)
    assert held(team) == (7, 0)


def test_expiring_without_bonus_writes_nothing(team):
    fund(team, main=7)
    rows_before = ledger(team)

    assert credits_expire_bonus(organization=team) is None

    assert ledger(team) == rows_before


def test_it_opens_a_missing_balance_row_on_the_first_change(db):
    organization = OrganizationFactory()  # made outside accounts.services: no balance row yet

    credits_grant(organization=organization, amount=5)

    assert held(organization) == (5, 0)


def test_it_refuses_to_charge_an_organization_without_a_balance_row(db):
    organization = OrganizationFactory()

    with pytest.raises(NoCredits) as refused:
        credits_charge(organization=organization, amount=1, feature="story_fast")

    assert refused.value.extra["remainingCredits"] == 0
    assert not CreditTransaction.objects.filter(organization=organization).exists()


BAD_AMOUNTS = [0, -5, 2.5, "3", None, True, MAX_AMOUNT + 1]


@pytest.mark.parametrize("amount", BAD_AMOUNTS)
@pytest.mark.parametrize(
    "change",
    [
        lambda org, amount: credits_charge(organization=org, amount=amount, feature="story_fast"),
        lambda org, amount: credits_grant(organization=org, amount=amount),
        lambda org, amount: credits_grant_bonus(organization=org, amount=amount),
        lambda org, amount: credits_purchase(organization=org, amount=amount),
    ],
    ids=["charge", "grant", "grant_bonus", "purchase"],
)
def test_it_refuses_amounts_that_are_not_positive_whole_numbers(team, change, amount):
    fund(team, main=10)
    rows_before = ledger(team)

    with pytest.raises(ValidationFailed) as refused:
        change(team, amount)

    assert "amount" in refused.value.extra["fields"]
    assert ledger(team) == rows_before
    assert held(team) == (10, 0)


@pytest.mark.parametrize("bonus_amount", [-1, 1.5, "2"])
def test_it_refuses_a_purchase_with_a_bad_bonus(team, bonus_amount):
    with pytest.raises(ValidationFailed):
        credits_purchase(organization=team, amount=5, bonus_amount=bonus_amount)

    assert ledger(team) == (0, 0, 0)


@pytest.mark.parametrize("amount", [0, 1.5, "4"])
def test_it_refuses_adjustments_that_are_zero_or_not_whole(team, staff, amount):
    with pytest.raises(ValidationFailed):
        credits_adjust(organization=team, amount=amount, reason="Why not", staff_user=staff)

    assert ledger(team) == (0, 0, 0)


@pytest.mark.parametrize(
    "change",
    [
        lambda org: credits_charge(organization=org, amount=1, feature="story_fast"),
        lambda org: credits_grant(organization=org, amount=1),
        lambda org: credits_purchase(organization=org, amount=1, bonus_amount=1),
        lambda org: credits_expire_bonus(organization=org),
    ],
    ids=["charge", "grant", "purchase", "expire"],
)
def test_it_answers_not_found_for_an_unknown_organization(db, change):
    ghost = Organization(name="Nobody's")  # never saved

    with pytest.raises(NotFound):
        change(ghost)

    assert not CreditBalance.objects.filter(organization_id=ghost.pk).exists()
    assert not CreditTransaction.objects.exists()


def test_the_row_a_change_returns_is_the_row_it_stored(team):
    fund(team, main=10, bonus=1)

    charge = credits_charge(organization=team, amount=4, feature="story_fast", reference=("job", "7"))

    stored = CreditTransaction.objects.get(pk=charge.pk)
    fields = [field.attname for field in CreditTransaction._meta.concrete_fields]
    assert [getattr(stored, name) for name in fields] == [getattr(charge, name) for name in fields]
    assert CreditBalance.objects.get(organization=team).updated_at == charge.created_at
