"""Data: a zero balance row for every organization and a trial row for every user that
existed before the ledger. No bonus credits are granted retroactively (that would need
ledger rows nobody asked for); those users' trials have mostly ended anyway."""

from datetime import timedelta

from django.conf import settings
from django.db import migrations


def open_accounts(apps, schema_editor):
    Organization = apps.get_model("accounts", "Organization")
    User = apps.get_model("accounts", "User")
    CreditBalance = apps.get_model("credits", "CreditBalance")
    TrialUsage = apps.get_model("credits", "TrialUsage")
    CreditBalance.objects.bulk_create(
        [CreditBalance(organization_id=pk) for pk in Organization.objects.values_list("pk", flat=True)],
        ignore_conflicts=True,
        batch_size=1000,
    )
    TrialUsage.objects.bulk_create(
        [
            TrialUsage(
                user_id=pk,
                max_generations=settings.TRIAL_MAX_GENERATIONS,
                ends_at=joined + timedelta(days=settings.TRIAL_DAYS),
            )
            for pk, joined in User.objects.values_list("pk", "date_joined")
        ],
        ignore_conflicts=True,
        batch_size=1000,
    )


def forget_nothing(apps, schema_editor):
    """Reversing leaves the rows: 0001's reversal drops the tables anyway."""


class Migration(migrations.Migration):
    dependencies = [("credits", "0002_ledger_rows_immutable"), ("accounts", "0001_initial")]

    operations = [migrations.RunPython(open_accounts, forget_nothing)]
