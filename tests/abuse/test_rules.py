"""Each abuse rule flags its pattern once (one email to staff), and leaves normal use alone."""

from datetime import timedelta

import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone

from abuse.models import AbuseFlag, SignupRecord
from abuse.services import abuse_flag_resolve
from abuse.services import abuse_scan as abuse_scan_at
from abuse.tasks import abuse_scan
from accounts.models import Membership, User
from aigen.models import AIUsageLog, GenerationJob
from audit.models import StaffAction
from billing.services.checkout import order_checkout
from billing.services.fulfilment import order_status_apply
from credits.hooks import organization_tier

from ..aigen.stubs import Reply, StubServer
from ..factories import UserFactory

PASSWORD = "correct-horse-battery-9"


def scan_twice() -> None:
    """The beat task, run as beat runs it: again and again over overlapping windows."""
    abuse_scan.delay()
    abuse_scan.delay()


def alerts() -> list:
    return [message for message in mail.outbox if message.subject.startswith("[MODO] Abuse flag")]


# --- (a) generation bursts ------------------------------------------------------------


def generations(user, organization, count: int, *, minutes_ago: int = 0) -> None:
    GenerationJob.objects.bulk_create(
        GenerationJob(
            organization=organization,
            user=user,
            kind="image",
            quality="fast",
            deadline_at=timezone.now() + timedelta(minutes=15),
            input={"prompt": f"kite {n}"},
        )
        for n in range(count)
    )
    if minutes_ago:
        GenerationJob.objects.filter(
            organization=organization, user=user, created_at__gte=timezone.now() - timedelta(seconds=30)
        ).update(created_at=timezone.now() - timedelta(minutes=minutes_ago))


@pytest.fixture
def trial_user(db, settings):
    settings.TRIAL_DAILY_REQUESTS = 2  # DESIGN's trial: 2 AI requests a day
    user = UserFactory(email="burst@example.com")
    return user, user.memberships.get().organization


@pytest.fixture
def pro_user(db, django_capture_on_commit_callbacks):
    """A user whose organization bought the Pro plan (500 AI requests a day) through the dev gateway."""
    user = UserFactory(email="pro@example.com")
    membership = user.memberships.get()
    with django_capture_on_commit_callbacks(execute=True):
        order = order_checkout(membership=membership, item="plan:pro", gateway="dev")
        order_status_apply(order_id=order.order_id, status="paid", raw_status="settlement", amount=order.amount)
    return user, membership.organization


def test_a_generation_burst_far_above_the_tier_is_flagged_once(trial_user):
    user, organization = trial_user
    generations(user, organization, 21)  # trial: 2 a day; the floor is 20 an hour

    scan_twice()

    flag = AbuseFlag.objects.get()
    assert (flag.rule, flag.user, flag.organization, flag.is_open) == ("generation_burst", user, organization, True)
    assert flag.evidence["generations"] == 21 and flag.evidence["tier"] == "trial"
    assert len(alerts()) == 1
    assert "burst@example.com" in alerts()[0].subject and alerts()[0].to == ["alerts@modo.example"]
    assert f"/admin/abuse/abuseflag/{flag.pk}/change/" in alerts()[0].body


def test_generating_at_a_normal_pace_is_not_flagged(trial_user):
    user, organization = trial_user
    generations(user, organization, 20)
    generations(user, organization, 50, minutes_ago=90)  # earlier, outside the hour

    scan_twice()

    assert not AbuseFlag.objects.exists()
    assert alerts() == []


def test_the_burst_threshold_follows_the_plan(pro_user, trial_user):
    pro, pro_organization = pro_user
    assert organization_tier(pro_organization).code == "pro"
    generations(pro, pro_organization, 150)  # 500 a day: 10 x 500 / 24 = 208 an hour flags
    user, organization = trial_user
    generations(user, organization, 150)

    scan_twice()

    assert list(AbuseFlag.objects.values_list("user__email", flat=True)) == ["burst@example.com"]


def test_a_burst_that_grows_refreshes_its_open_flag(trial_user):
    user, organization = trial_user
    generations(user, organization, 25)
    abuse_scan.delay()
    generations(user, organization, 10)

    abuse_scan.delay()

    flag = AbuseFlag.objects.get()
    assert flag.evidence["generations"] == 35
    assert len(alerts()) == 1


# --- (b) failed payments --------------------------------------------------------------


def failed_orders(owner, organization, count: int, *, status: str = "failed") -> None:
    membership = Membership.objects.get(user=owner, organization=organization)
    for _ in range(count):
        order = order_checkout(membership=membership, item="pack:credits-100", gateway="dev")
        order_status_apply(order_id=order.order_id, status=status, raw_status="deny")


def test_repeated_failed_payments_are_flagged_once(owner, organization):
    failed_orders(owner, organization, 3)
    failed_orders(owner, organization, 2, status="expired")

    scan_twice()

    flag = AbuseFlag.objects.get()
    assert (flag.rule, flag.organization, flag.subject) == ("failed_payments", organization, f"org:{organization.pk}")
    assert flag.evidence["failed_orders"] == 5 and len(flag.evidence["orders"]) == 5
    assert len(alerts()) == 1 and organization.name in alerts()[0].subject


def test_a_few_failed_payments_and_paid_ones_are_not_flagged(owner, organization):
    failed_orders(owner, organization, 4)
    failed_orders(owner, organization, 3, status="paid")

    scan_twice()

    assert not AbuseFlag.objects.exists()
    assert alerts() == []


# --- (c) many signups from one address ------------------------------------------------


def sign_up(email: str, address: str, **headers) -> None:
    response = Client(REMOTE_ADDR=address, **headers).post("/register/", {"email": email, "password1": PASSWORD})
    assert response.status_code == 302


def test_signups_record_the_client_address(db):
    sign_up("one@example.com", "203.0.113.7")

    assert SignupRecord.objects.get().ip_address == "203.0.113.7"
    assert SignupRecord.objects.get().user.email == "one@example.com"


def test_an_api_signup_records_the_client_address_too(db):
    response = Client(REMOTE_ADDR="198.51.100.9").post(
        "/api/auth/browser/v1/auth/signup",
        {"email": "api@example.com", "password": PASSWORD},
        content_type="application/json",
    )

    assert response.status_code in (200, 401), response.content  # 401: signed up, email not yet verified
    assert SignupRecord.objects.get(user__email="api@example.com").ip_address == "198.51.100.9"


def test_many_signups_from_one_address_are_flagged_once(db):
    for n in range(5):
        sign_up(f"farm{n}@example.com", "203.0.113.7")
    sign_up("neighbour@example.com", "203.0.113.8")

    scan_twice()

    flag = AbuseFlag.objects.get()
    assert (flag.rule, flag.subject, flag.ip_address) == ("signup_ip_burst", "ip:203.0.113.7", "203.0.113.7")
    assert flag.evidence["signups"] == 5
    assert flag.evidence["emails"] == [f"farm{n}@example.com" for n in range(5)]
    assert len(alerts()) == 1


def test_signups_from_different_addresses_are_not_flagged(db):
    for n in range(6):
        sign_up(f"person{n}@example.com", f"203.0.113.{n + 1}")

    scan_twice()

    assert not AbuseFlag.objects.exists()


def test_a_forged_forwarded_for_header_does_not_hide_the_address(db):
    for n in range(5):
        sign_up(f"farm{n}@example.com", "203.0.113.7", HTTP_X_FORWARDED_FOR=f"10.0.0.{n}")

    scan_twice()

    assert AbuseFlag.objects.get().subject == "ip:203.0.113.7"


def test_behind_a_declared_proxy_the_forwarded_address_counts(settings, db):
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 1
    for n in range(5):
        sign_up(f"person{n}@example.com", "10.0.0.1", HTTP_X_FORWARDED_FOR=f"203.0.113.{n + 1}")

    scan_twice()

    assert not AbuseFlag.objects.exists()  # five people behind one load balancer
    assert set(SignupRecord.objects.values_list("ip_address", flat=True)) == {f"203.0.113.{n + 1}" for n in range(5)}


def test_signups_spread_over_a_day_are_not_flagged(db):
    for n in range(5):
        sign_up(f"slow{n}@example.com", "203.0.113.7")
    SignupRecord.objects.filter(user__email__in=["slow0@example.com", "slow1@example.com"]).update(
        created_at=timezone.now() - timedelta(hours=3)
    )

    scan_twice()

    assert not AbuseFlag.objects.exists()


# --- (d) provider safety rejections ---------------------------------------------------


def usage_rows(user, organization, count: int, error: str) -> None:
    AIUsageLog.objects.bulk_create(
        AIUsageLog(
            organization=organization,
            user=user,
            endpoint="generate-image",
            provider="stability",
            model="core",
            status="failed",
            error=error,
        )
        for _ in range(count)
    )


def test_repeated_safety_rejections_are_flagged_once(owner, organization):
    usage_rows(owner, organization, 5, "stability: [safety] the prompt was filtered")

    scan_twice()

    flag = AbuseFlag.objects.get()
    assert (flag.rule, flag.user, flag.organization) == ("safety_rejections", owner, organization)
    assert flag.evidence["rejections"] == 5
    assert "[safety]" in flag.evidence["latest"][0]["error"]
    assert len(alerts()) == 1 and owner.email in alerts()[0].subject


def test_other_provider_failures_and_a_few_rejections_are_not_flagged(owner, organization):
    usage_rows(owner, organization, 4, "stability: [safety] the prompt was filtered")
    usage_rows(owner, organization, 20, "stability: HTTP 500: boom")

    scan_twice()

    assert not AbuseFlag.objects.exists()


@pytest.fixture
def run_tasks(django_capture_on_commit_callbacks, monkeypatch):
    from rest_framework.test import APIClient

    original = APIClient.post

    def post_and_run(self, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return original(self, *args, **kwargs)

    monkeypatch.setattr(APIClient, "post", post_and_run)


def test_prompts_stability_filters_through_the_api_are_flagged(settings, owner_api, owner, funded, run_tasks):
    with StubServer() as stability:
        stability.script = [
            Reply(body=b"\x89PNG\r\n\x1a\n", content_type="image/png", headers={"finish-reason": "CONTENT_FILTERED"})
        ]
        settings.AI_PROVIDER_KEYS = {**settings.AI_PROVIDER_KEYS, "stability": "test-key"}
        settings.AI_MODELS = {
            **settings.AI_MODELS,
            "image:fast": {**settings.AI_MODELS["image:fast"], "base_url": stability.url},
        }
        for n in range(5):
            response = owner_api.post("/api/ai/generate-image", {"prompt": f"forbidden {n}"}, format="json")
            assert response.status_code == 202

    scan_twice()

    assert len(stability.requests) == 5
    # No placeholder for a paid request: the refused jobs fail and are refunded; the refusals
    # stay in the usage log.
    assert set(GenerationJob.objects.values_list("status", "refunded")) == {("failed", True)}
    flag = AbuseFlag.objects.get()
    assert (flag.rule, flag.user, flag.organization) == ("safety_rejections", owner, funded)
    assert flag.evidence["latest"][0]["error"] == "stability: [safety] the prompt was filtered"


# --- Flags in the admin, resolution ---------------------------------------------------


@pytest.fixture
def flag(owner, organization):
    usage_rows(owner, organization, 5, "openai: [safety] HTTP 400: moderation_blocked")
    abuse_scan.delay()
    return AbuseFlag.objects.get()


def test_staff_see_flags_in_the_admin_and_on_the_organization_and_user_pages(admin_client, flag, owner, organization):
    listing = admin_client.get("/admin/abuse/abuseflag/?rule=safety_rejections&resolved_at__isempty=1")
    detail = admin_client.get(f"/admin/abuse/abuseflag/{flag.pk}/change/")
    organization_page = admin_client.get(f"/admin/accounts/organization/{organization.pk}/change/")
    user_page = admin_client.get(f"/admin/accounts/user/{owner.pk}/change/")
    flagged = admin_client.get("/admin/accounts/organization/?abuse_flagged=yes")
    flagged_users = admin_client.get("/admin/accounts/user/?abuse_flagged=yes")

    assert flag.subject in listing.content.decode()
    assert "moderation_blocked" in detail.content.decode()
    assert "Repeated provider safety rejections" in organization_page.content.decode()
    assert "Repeated provider safety rejections" in user_page.content.decode()
    assert list(flagged.context["cl"].result_list) == [organization]
    assert list(flagged_users.context["cl"].result_list) == [owner]


def test_resolving_a_flag_is_audited_and_quiets_its_window(admin_client, flag, superuser):
    admin_client.post("/admin/abuse/abuseflag/", {"action": "resolve_flags", "_selected_action": [flag.pk]})

    abuse_scan.delay()

    flag.refresh_from_db()
    assert flag.resolved_at is not None and flag.resolved_by == superuser
    assert AbuseFlag.objects.count() == 1  # the same rejections raise nothing new
    row = StaffAction.objects.get()
    assert (row.action, row.target_id, row.organization) == ("abuse.flag_resolve", str(flag.pk), flag.organization)


def test_rejections_after_a_resolved_window_raise_a_new_flag(flag, owner, organization, settings):
    abuse_flag_resolve(flag=flag, actor=owner)
    seen = AIUsageLog.objects.order_by("-id").first().id
    later = timezone.now() + timedelta(hours=settings.ABUSE_SAFETY_WINDOW_HOURS, minutes=1)
    usage_rows(owner, organization, 5, "openai: [safety] HTTP 400: moderation_blocked")
    AIUsageLog.objects.filter(id__gt=seen).update(created_at=later - timedelta(minutes=5))

    abuse_scan_at(now=later)

    assert AbuseFlag.objects.filter(resolved_at=None).count() == 1
    assert AbuseFlag.objects.count() == 2
    assert len(alerts()) == 2


def test_staff_suspend_the_organization_of_a_flag_from_the_flag_list(admin_client, flag, organization):
    response = admin_client.post(
        "/admin/abuse/abuseflag/",
        {"action": "suspend_flagged_organizations", "_selected_action": [flag.pk], "apply": "1", "reason": "Abuse"},
    )

    assert response.status_code == 302
    organization.refresh_from_db()
    assert organization.is_suspended and organization.suspended_reason == "Abuse"


def test_with_no_alert_address_the_staff_users_are_emailed(settings, owner, organization, superuser):
    settings.STAFF_ALERT_EMAILS = []
    usage_rows(owner, organization, 5, "stability: [safety] the prompt was filtered")

    abuse_scan.delay()

    assert alerts()[0].to == [superuser.email]


def test_a_new_flag_is_sent_to_sentry_without_personal_data(owner, organization, sentry_events):
    usage_rows(owner, organization, 5, "stability: [safety] the prompt was filtered")

    scan_twice()

    flag = AbuseFlag.objects.get()
    assert len(sentry_events) == 1
    event = sentry_events[0]
    assert event["message"] == f"Abuse flag #{flag.pk}: Repeated provider safety rejections"
    assert event["level"] == "warning" and event["tags"]["abuse_rule"] == "safety_rejections"
    assert owner.email not in str(event) and str(User.objects.get(pk=owner.pk).pk) not in str(event)
