from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone

from credits.errors import TrialLimitReached
from credits.hooks import register_paid_plan_check, unregister_paid_plan_check
from credits.models import TrialUsage
from credits.selectors import trial_summary_get
from credits.services.trial import trial_slot_release, trial_slot_take

from ..factories import UserFactory


@pytest.fixture
def trial_user(db):
    return UserFactory()


def used(user) -> int:
    return TrialUsage.objects.get(user=user).used


def test_a_new_user_starts_a_trial_of_two_generations_for_seven_days(trial_user):
    trial = TrialUsage.objects.get(user=trial_user)

    assert settings.TRIAL_MAX_GENERATIONS == 2 and settings.TRIAL_DAYS == 7
    assert (trial.used, trial.max_generations) == (0, 2)
    assert trial.ends_at == trial_user.date_joined + timedelta(days=7)


def test_it_takes_trial_slots_until_none_are_left(trial_user):
    trial_slot_take(user=trial_user)
    trial_slot_take(user=trial_user)

    with pytest.raises(TrialLimitReached) as refused:
        trial_slot_take(user=trial_user)

    assert (refused.value.status_code, refused.value.code) == (403, "TRIAL_LIMIT")
    assert refused.value.extra == {
        "upgradeUrl": "/billing/",
        "reason": "trial_generations_used",
        "trialUsed": 2,
        "trialMax": 2,
    }
    assert "used the 2 of 2 generations of your free trial" in refused.value.message
    assert used(trial_user) == 2


def test_a_failed_generation_gives_its_trial_slot_back(trial_user):
    trial_slot_take(user=trial_user)
    trial_slot_take(user=trial_user)

    trial_slot_release(user=trial_user)

    assert used(trial_user) == 1
    trial_slot_take(user=trial_user)
    assert used(trial_user) == 2


def test_releasing_with_nothing_taken_keeps_zero(trial_user):
    trial_slot_release(user=trial_user)

    assert used(trial_user) == 0


def test_an_ended_trial_gives_no_slot(trial_user):
    TrialUsage.objects.filter(user=trial_user).update(ends_at=timezone.now() - timedelta(seconds=1))

    with pytest.raises(TrialLimitReached):
        trial_slot_take(user=trial_user)

    assert used(trial_user) == 0


def test_a_user_without_a_trial_row_gets_no_slot(trial_user):
    TrialUsage.objects.filter(user=trial_user).delete()

    with pytest.raises(TrialLimitReached):
        trial_slot_take(user=trial_user)


def test_the_trial_summary_says_what_is_used_and_until_when(trial_user):
    trial_slot_take(user=trial_user)

    summary = trial_summary_get(user=trial_user)

    assert (summary.used, summary.max, summary.active) == (1, 2, True)
    assert summary.ends_at == TrialUsage.objects.get(user=trial_user).ends_at


def test_an_organization_on_a_paid_plan_is_not_on_trial(trial_user, organization):
    def paid(org):
        return org.pk == organization.pk

    register_paid_plan_check(paid)
    try:
        assert trial_summary_get(user=trial_user, organization=organization).active is False
        assert trial_summary_get(user=trial_user).active is True
    finally:
        unregister_paid_plan_check(paid)
