"""Real threads, each with its own PostgreSQL connection, against committed data."""

import pytest

from credits.errors import IdempotencyInProgress, NoCredits
from credits.idempotency import idempotency_begin
from credits.models import IdempotencyRecord, TrialUsage
from credits.services.charge import credits_charge, credits_refund
from credits.services.trial import trial_slot_take

from ..factories import UserFactory
from .balances import fund, held, ledger
from .threads import run_at_once

pytestmark = pytest.mark.django_db(transaction=True)


def outcomes_of(results) -> tuple[int, int, list]:
    """(successes, NO_CREDITS refusals, any other errors)."""
    succeeded = sum(1 for r in results if r.error is None)
    refused = sum(1 for r in results if isinstance(r.error, NoCredits))
    others = [r.error for r in results if r.error is not None and not isinstance(r.error, NoCredits)]
    return succeeded, refused, others


def test_64_concurrent_charges_of_3_against_100_credits_let_exactly_33_through(team):
    fund(team, main=100)

    results = run_at_once(lambda i: credits_charge(organization=team, amount=3, feature="story_fast"), threads=64)

    assert outcomes_of(results) == (33, 31, [])
    assert held(team) == (1, 0)
    assert ledger(team) == (1, 0, 1 + 33)


def test_concurrent_charges_spend_bonus_then_main_without_losing_a_credit(team):
    fund(team, main=60, bonus=40)

    results = run_at_once(lambda i: credits_charge(organization=team, amount=3, feature="story_fast"), threads=64)

    assert outcomes_of(results) == (33, 31, [])
    assert held(team) == (1, 0)
    assert ledger(team) == (1, 0, 2 + 33)
    charges = [r.value for r in results if r.error is None]
    assert sum(c.bonus_amount for c in charges) == -40
    assert sum(c.main_amount for c in charges) == -59
    # exactly one charge straddles the bonus and main balances (40 is not a multiple of 3)
    assert sum(1 for c in charges if c.bonus_amount and c.main_amount) == 1


def test_a_charge_racing_the_refund_of_another_charge_keeps_the_ledger_whole(team):
    fund(team, main=10)
    rounds = 15
    for _round in range(rounds):
        first = credits_charge(organization=team, amount=10, feature="image_premium")

        def race(i, first=first):
            if i == 0:
                return credits_refund(charge=first)
            return credits_charge(organization=team, amount=10, feature="image_premium")

        refund, second = run_at_once(race, threads=2)

        assert refund.error is None and not refund.value.already_refunded
        if second.error is None:  # the refund committed first: its credits paid for the second charge
            assert held(team) == (0, 0)
            credits_refund(charge=second.value)
        else:  # the charge found nothing left, then the refund restored the 10
            assert isinstance(second.error, NoCredits)
            assert second.error.extra["remainingCredits"] == 0
        assert held(team) == (10, 0)
        main, bonus, _rows = ledger(team)
        assert (main, bonus) == (10, 0)


def test_two_concurrent_refunds_of_one_charge_refund_it_once(team):
    fund(team, main=10)
    charge = credits_charge(organization=team, amount=4, feature="story_fast")

    results = run_at_once(lambda i: credits_refund(charge=charge), threads=8)

    assert [r.error for r in results] == [None] * 8
    assert sorted(r.value.already_refunded for r in results) == [False] + [True] * 7
    assert held(team) == (10, 0)
    assert ledger(team) == (10, 0, 3)


def test_10_concurrent_trial_generations_of_one_user_take_exactly_2_slots(db):
    user = UserFactory()

    results = run_at_once(lambda i: trial_slot_take(user=user), threads=10)

    assert sum(1 for r in results if r.error is None) == 2
    assert {type(r.error).__name__ for r in results if r.error is not None} == {"TrialLimitReached"}
    assert TrialUsage.objects.get(user=user).used == 2


def test_simultaneous_first_requests_with_one_idempotency_key_let_exactly_one_proceed(team):
    results = run_at_once(
        lambda i: idempotency_begin(
            organization=team, user=None, key="same-key", endpoint="POST /api/ai/generate-story", body={"a": 1}
        ),
        threads=12,
    )

    proceeded = [r.value for r in results if r.error is None]
    assert len(proceeded) == 1 and proceeded[0].replay is None
    assert all(isinstance(r.error, IdempotencyInProgress) for r in results if r.error is not None)
    assert IdempotencyRecord.objects.count() == 1
