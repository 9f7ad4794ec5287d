"""Random sequences of ledger operations against a plain-Python model of the ledger.

Deterministic (derandomize=True): every run tries the same examples, so a failure replays
as it is; Hypothesis prints the failing steps (and a @reproduce_failure blob) to paste back.
"""

import pytest
from django.conf import settings as django_settings
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    initialize,
    invariant,
    multiple,
    rule,
    run_state_machine_as_test,
)

from accounts.models import Organization
from core.errors import ValidationFailed
from credits.errors import NoCredits
from credits.services.charge import credits_charge, credits_refund
from credits.services.grants import (
    credits_adjust,
    credits_expire_bonus,
    credits_grant,
    credits_grant_bonus,
    credits_purchase,
)

from ..factories import UserFactory
from .balances import held, ledger

amounts = st.integers(min_value=1, max_value=60)


class LedgerModel(RuleBasedStateMachine):
    """The model: two integers, a row count and which charges were refunded."""

    charges = Bundle("charges")

    @initialize()
    def open_a_personal_organization(self):
        self.owner = UserFactory()
        self.staff = UserFactory(is_staff=True)
        self.organization = Organization.objects.get(memberships__user=self.owner, is_personal=True)
        self.main, self.bonus, self.rows = 0, django_settings.TRIAL_BONUS_CREDITS, 1
        self.refunded: set = set()

    @rule(amount=amounts)
    def grant(self, amount):
        credits_grant(organization=self.organization, amount=amount)
        self.main += amount
        self.rows += 1

    @rule(amount=amounts)
    def grant_bonus(self, amount):
        credits_grant_bonus(organization=self.organization, amount=amount)
        self.bonus += amount
        self.rows += 1

    @rule(amount=amounts, bonus=st.integers(min_value=0, max_value=20))
    def purchase(self, amount, bonus):
        credits_purchase(organization=self.organization, amount=amount, bonus_amount=bonus)
        self.main += amount
        self.bonus += bonus
        self.rows += 1

    @rule(target=charges, amount=amounts)
    def charge(self, amount):
        total = self.main + self.bonus
        if amount > total:
            with pytest.raises(NoCredits) as refused:
                credits_charge(organization=self.organization, amount=amount, feature="story_fast", user=self.owner)
            assert refused.value.extra["remainingCredits"] == total
            return multiple()
        row = credits_charge(organization=self.organization, amount=amount, feature="story_fast", user=self.owner)
        from_bonus = min(self.bonus, amount)
        assert (row.bonus_amount, row.main_amount) == (-from_bonus, -(amount - from_bonus))
        self.bonus -= from_bonus
        self.main -= amount - from_bonus
        self.rows += 1
        return row

    @rule(charge=charges)
    def refund(self, charge):
        result = credits_refund(charge=charge)
        assert result.already_refunded == (charge.pk in self.refunded)
        if not result.already_refunded:
            self.refunded.add(charge.pk)
            self.main -= charge.main_amount
            self.bonus -= charge.bonus_amount
            self.rows += 1

    @rule(amount=st.integers(min_value=-60, max_value=60).filter(bool))
    def adjust(self, amount):
        if self.main + amount < 0:
            with pytest.raises(ValidationFailed):
                credits_adjust(organization=self.organization, amount=amount, reason="model", staff_user=self.staff)
            return
        credits_adjust(organization=self.organization, amount=amount, reason="model", staff_user=self.staff)
        self.main += amount
        self.rows += 1

    @rule()
    def expire_bonus(self):
        row = credits_expire_bonus(organization=self.organization)
        assert (row is None) == (self.bonus == 0)
        if row is not None:
            self.bonus = 0
            self.rows += 1

    @invariant()
    def the_database_equals_the_model(self):
        assert held(self.organization) == (self.main, self.bonus)

    @invariant()
    def the_ledger_adds_up_to_the_balance(self):
        assert ledger(self.organization) == (self.main, self.bonus, self.rows)

    @invariant()
    def nothing_is_negative(self):
        assert self.main >= 0 and self.bonus >= 0


@pytest.mark.django_db
def test_random_ledger_operations_keep_the_database_equal_to_the_model():
    run_state_machine_as_test(
        LedgerModel,
        settings=settings(
            max_examples=30,
            stateful_step_count=20,
            deadline=None,
            derandomize=True,
            database=None,
            print_blob=True,
            suppress_health_check=[HealthCheck.too_slow],
        ),
    )
