"""The trial: each user's free generations, taken before generating and given back on failure."""

from datetime import timedelta

from django.conf import settings
from django.db.models import F
from django.db.models.functions import Now
from django.utils import timezone
from django.utils.formats import date_format
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
        raise trial_refusal(TrialUsage.objects.filter(user_id=user.pk).first())


def trial_check(*, user: User) -> None:
    """Raise TrialLimitReached (403) if the user's trial is over or its generations are used.

    A read before anything is counted or charged, so that the true reason answers first (not
    the daily rate limit); trial_slot_take still decides atomically afterwards.
    """
    trial = TrialUsage.objects.filter(user_id=user.pk).first()
    if trial is None or trial.ends_at <= timezone.now() or trial.used >= trial.max_generations:
        raise trial_refusal(trial)


def trial_refusal(trial: TrialUsage | None) -> TrialLimitReached:
    """The refusal that says why: the trial ended (and when), or its generations are used (how many)."""
    if trial is None:  # a user made outside accounts.services: no trial to spend
        return TrialLimitReached(
            _("You have no free trial. Choose a plan or buy credits at /billing/ to keep creating."),
            upgradeUrl=UPGRADE_URL,
            reason="trial_ended",
        )
    if trial.ends_at <= timezone.now():
        ended = date_format(timezone.localtime(trial.ends_at), "DATE_FORMAT")
        return TrialLimitReached(
            _("Your free trial ended on %(date)s. Choose a plan or buy credits at /billing/ to keep creating.")
            % {"date": ended},
            upgradeUrl=UPGRADE_URL,
            reason="trial_ended",
            trialEndedAt=trial.ends_at.isoformat(),
        )
    return TrialLimitReached(
        _(
            "You have used the %(used)d of %(max)d generations of your free trial. "
            "Choose a plan or buy credits at /billing/ to keep creating."
        )
        % {"used": trial.used, "max": trial.max_generations},
        upgradeUrl=UPGRADE_URL,
        reason="trial_generations_used",
        trialUsed=trial.used,
        trialMax=trial.max_generations,
    )


def trial_slot_release(*, user: User) -> None:
    """Give back a slot taken for a generation that failed; also after the trial ended."""
    TrialUsage.objects.filter(user_id=user.pk, used__gt=0).update(used=F("used") - 1, updated_at=Now())
