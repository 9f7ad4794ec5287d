from io import StringIO

import pytest
from django.core import mail
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from credits.models import CreditBalance
from credits.services.charge import credits_charge
from credits.tasks import credits_audit_daily

from ..factories import OrganizationFactory, UserFactory
from .balances import fund


def audit() -> tuple[int, str]:
    """(exit code, output) of `manage.py credits_audit`."""
    out = StringIO()
    try:
        call_command("credits_audit", stdout=out)
    except SystemExit as exit_:
        return exit_.code, out.getvalue()
    return 0, out.getvalue()


@pytest.fixture
def busy_ledgers(db):
    """A few organizations with real activity, all consistent."""
    organizations = [UserFactory().organizations.get() for _ in range(3)]
    for organization in organizations:
        fund(organization, main=50, bonus=5)
        credits_charge(organization=organization, amount=7, feature="story_fast")
    return organizations


def test_the_audit_passes_when_every_balance_matches_its_ledger(busy_ledgers):
    code, output = audit()

    assert code == 0
    assert "no drift" in output


def test_the_audit_finds_a_balance_written_behind_the_ledgers_back(busy_ledgers):
    drifting = busy_ledgers[1]
    CreditBalance.objects.filter(organization=drifting).update(balance=1000)

    code, output = audit()

    assert code == 1
    assert str(drifting.pk) in output
    assert str(busy_ledgers[0].pk) not in output and str(busy_ledgers[2].pk) not in output


def test_the_audit_finds_a_bonus_moved_into_the_main_balance(busy_ledgers):
    balance = CreditBalance.objects.get(organization=busy_ledgers[0])
    CreditBalance.objects.filter(pk=balance.pk).update(balance=balance.balance + 5, bonus_balance=0)

    code, output = audit()

    assert code == 1
    assert str(busy_ledgers[0].pk) in output


def test_the_audit_finds_a_ledger_without_a_balance_row(busy_ledgers):
    CreditBalance.objects.filter(organization=busy_ledgers[2]).delete()

    code, output = audit()

    assert code == 1
    assert str(busy_ledgers[2].pk) in output


def test_the_audit_is_one_query_however_many_organizations(busy_ledgers):
    OrganizationFactory.create_batch(5)

    with CaptureQueriesContext(connection) as queries:
        audit()

    assert len(queries) == 1


def test_the_daily_audit_emails_staff_about_drift(busy_ledgers, settings):
    settings.STAFF_ALERT_EMAILS = ["alerts@modo.example"]
    UserFactory(email="staff@example.com", is_staff=True)
    CreditBalance.objects.filter(organization=busy_ledgers[0]).update(bonus_balance=99)

    assert credits_audit_daily() == 1

    assert len(mail.outbox) == 1
    assert sorted(mail.outbox[0].to) == ["alerts@modo.example", "staff@example.com"]
    assert str(busy_ledgers[0].pk) in mail.outbox[0].body


def test_the_daily_audit_sends_nothing_when_all_is_well(busy_ledgers, settings):
    settings.STAFF_ALERT_EMAILS = ["alerts@modo.example"]

    assert credits_audit_daily() == 0

    assert mail.outbox == []


def test_the_audit_and_the_key_purge_run_daily_on_beat(settings):
    from modo.celery import app

    app.loader.import_default_modules()
    for name in ("credits-audit-daily", "credits-idempotency-purge-daily"):
        entry = settings.CELERY_BEAT_SCHEDULE[name]
        assert entry["task"] in app.tasks
        assert entry["schedule"] == 24 * 60 * 60
