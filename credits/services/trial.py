"""The trial: each user's free generations, taken before generating and given back on failure."""

from datetime import timedelta

from django.conf import settings
from django.db.models import F
from django.db.models.functions import Now
from django.utils.translation import gettext as _

from accounts.models import User

from ..errors import TrialLimitReached
from ..models import TrialUsage

UPGRADE_URL = "/billing/"


def trial_start(*, user: User) -> TrialUsage:
    """The user's trial: TRIAL_MAX_GENERATIONS successful generations until TRIAL_DAYS after signup."""
    trial, _created = TrialUsage.objects.get_or_create(
        user=user,
        defaults={
            "max_generations": settings.TRIAL_MAX_GENERATIONS,
            "ends_at": user.date_joined + timedelta(days=settings.TRIAL_DAYS),
        },
    )
    return trial


def trial_slot_take(*, user: User) -> None:
    """Take one of the user's trial generations before generating, or raise TrialLimitReached (403).

    One conditional UPDATE decides; two requests racing for the last slot cannot both win.
    Whether the trial applies at all (an organization on a paid plan is not on trial) is the
    caller's question: see selectors.trial_applies.
    """
    taken = TrialUsage.objects.filter(user_id=user.pk, used__lt=F("max_generations"), ends_at__gt=Now()).update(
        used=F("used") + 1, updated_at=Now()
    )
    if not taken:
        raise TrialLimitReached(
            _("Your free trial is over. Choose a plan or buy credits to keep creating."), upgradeUrl=UPGRADE_URL
        )


def trial_slot_release(*, user: User) -> None:
    """Give back a slot taken for a generation that failed; also after the trial ended."""
    TrialUsage.objects.filter(user_id=user.pk, used__gt=0).update(used=F("used") - 1, updated_at=Now())
