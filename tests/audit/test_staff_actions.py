"""Each staff action in the admin leaves one audit row, written with the action itself."""

import pytest
from django.contrib.auth.models import Permission
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from aigen import services as aigen_services
from aigen.models import GenerationJob
from audit.models import StaffAction
from audit.services import staff_action_record
from billing.models import Order, Plan, Subscription
from billing.selectors import subscription_state_get
from credits.hooks import organization_tier

from ..billing.conftest import _stub_server, midtrans, order_make, stub  # noqa: F401 - fixtures
from ..credits.balances import fund, held
from ..factories import UserFactory


@pytest.fixture
def job(organization, owner):
    fund(organization, main=100)
    job, _remaining = aigen_services.generation_job_create(
        organization=organization,
        user=owner,
        kind="image",
        quality="fast",
        credits=5,
        job_input={"prompt": "x"},
        template_version="image-v1",
        provider="local",
        model="local-image-1",
    )
    return job


def test_a_credit_adjustment_in_the_admin_is_audited(admin_client, organization, superuser):
    fund(organization, main=10)

    admin_client.post(f"/admin/credits/creditbalance/{organization.pk}/adjust/", {"amount": "-4", "reason": "Double"})

    row = StaffAction.objects.get()
    assert (row.action, row.actor, row.actor_email, row.organization, row.reason) == (
        "credits.adjust",
        superuser,
        "boss@example.com",
        organization,
        "Double",
    )
    assert (row.target_type, row.target_id, row.target_label) == (
        "accounts.organization",
        str(organization.pk),
        organization.name,
    )
    assert row.before == {"balance": 10} and row.after["balance"] == 6 and row.after["amount"] == -4


def test_a_refused_adjustment_leaves_no_audit_row(admin_client, organization):
    admin_client.post(f"/admin/credits/creditbalance/{organization.pk}/adjust/", {"amount": "-5", "reason": "Too much"})

    assert not StaffAction.objects.exists()


def test_a_refund_in_the_admin_is_audited_once(admin_client, job, organization, superuser):
    GenerationJob.objects.filter(pk=job.pk).update(status="succeeded")
    for _ in range(2):
        admin_client.post("/admin/aigen/generationjob/", {"action": "refund_jobs", "_selected_action": [str(job.pk)]})

    assert held(organization) == (100, 0)
    row = StaffAction.objects.get()
    assert (row.action, row.actor, row.target_type, row.target_id, row.organization) == (
        "aigen.job_refund",
        superuser,
        "aigen.generationjob",
        str(job.pk),
        organization,
    )
    assert row.after == {"refunded": True, "credits": 5}


def test_a_retry_in_the_admin_is_audited_and_queues_the_job(
    admin_client, job, organization, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post("/admin/aigen/generationjob/", {"action": "retry_jobs", "_selected_action": [str(job.pk)]})

    assert GenerationJob.objects.get(pk=job.pk).status == "succeeded"  # the task ran (inline, local provider)
    row = StaffAction.objects.get()
    assert (row.action, row.target_id, row.after["status"]) == ("aigen.job_retry", str(job.pk), "queued")


def test_a_plan_change_in_the_admin_is_audited_and_takes_effect(admin_client, owner, superuser):
    organization = owner.memberships.get(organization__is_personal=True).organization  # on its trial
    subscription = Subscription.objects.get(organization=organization)
    assert organization_tier(organization).code == "trial"  # cached now
    pro = Plan.objects.get(code="pro")
    end = timezone.localtime(timezone.now() + timezone.timedelta(days=30))
    start = timezone.localtime(subscription.current_period_start)

    response = admin_client.post(
        f"/admin/billing/subscription/{subscription.pk}/change/",
        {
            "organization": str(organization.pk),
            "plan": str(pro.pk),
            "status": "active",
            "current_period_start_0": start.strftime("%Y-%m-%d"),
            "current_period_start_1": start.strftime("%H:%M:%S"),
            "current_period_end_0": end.strftime("%Y-%m-%d"),
            "current_period_end_1": end.strftime("%H:%M:%S"),
            "gateway": "dev",
            "language": "en",
        },
    )

    assert response.status_code == 302, response.content.decode()[:2000]
    row = StaffAction.objects.get()
    trial = Plan.objects.get(code="trial")
    assert (row.action, row.actor, row.organization) == ("billing.subscription_change", superuser, organization)
    assert row.before["plan"] == trial.pk and row.after["plan"] == pro.pk
    assert row.after["gateway"] == "dev"
    assert subscription_state_get(organization=organization).tier == "pro"


def test_saving_a_subscription_unchanged_writes_no_audit_row(admin_client, owner):
    subscription = Subscription.objects.get(
        organization=owner.memberships.get(organization__is_personal=True).organization
    )
    start = timezone.localtime(subscription.current_period_start)
    end = timezone.localtime(subscription.current_period_end)

    admin_client.post(
        f"/admin/billing/subscription/{subscription.pk}/change/",
        {
            "organization": str(subscription.organization_id),
            "plan": str(subscription.plan_id),
            "status": subscription.status,
            "current_period_start_0": start.strftime("%Y-%m-%d"),
            "current_period_start_1": start.strftime("%H:%M:%S.%f"),
            "current_period_end_0": end.strftime("%Y-%m-%d"),
            "current_period_end_1": end.strftime("%H:%M:%S.%f"),
            "gateway": subscription.gateway,
            "language": subscription.language,
        },
    )

    assert not StaffAction.objects.exists()


def test_an_order_review_change_in_the_admin_is_audited(admin_client, organization, superuser):
    order = order_make(organization)

    response = admin_client.post(
        f"/admin/billing/order/{order.pk}/change/",
        {
            "needs_review": "on",
            "review_note": "Customer says they paid twice",
            "webhook_events-TOTAL_FORMS": "0",
            "webhook_events-INITIAL_FORMS": "0",
        },
    )

    assert response.status_code == 302, response.content.decode()[:2000]
    row = StaffAction.objects.get()
    assert (row.action, row.target_type, row.target_id, row.organization) == (
        "billing.order_review",
        "billing.order",
        str(order.pk),
        organization,
    )
    assert row.before == {"needs_review": False, "review_note": ""}
    assert row.after == {"needs_review": True, "review_note": "Customer says they paid twice"}


@pytest.mark.django_db
def test_a_status_a_gateway_recheck_moves_is_audited(admin_client, midtrans, organization, superuser):  # noqa: F811
    order = order_make(organization)
    midtrans.midtrans_status_set(order.order_id, "settlement", "49000.00")

    admin_client.post("/admin/billing/order/", {"action": "recheck_with_gateway", "_selected_action": [order.pk]})

    assert Order.objects.get(pk=order.pk).status == Order.Status.PAID
    row = StaffAction.objects.get()
    assert (row.action, row.before, row.after["status"]) == ("billing.order_recheck", {"status": "pending"}, "paid")


# --- The trail itself -----------------------------------------------------------------


@pytest.fixture
def recorded(organization, superuser):
    return staff_action_record(
        actor=superuser, action=StaffAction.Action.CREDITS_ADJUST, target=organization, reason="Goodwill"
    )


def test_staff_read_the_trail_with_filters_and_search(admin_client, recorded, organization):
    listing = admin_client.get("/admin/audit/staffaction/?action=credits.adjust&actor=boss@example.com&q=Goodwill")
    other = admin_client.get("/admin/audit/staffaction/?action=billing.order_review")
    dated = admin_client.get("/admin/audit/staffaction/?created_at__gte=2000-01-01+00:00:00%2B07:00")
    detail = admin_client.get(f"/admin/audit/staffaction/{recorded.pk}/change/")

    assert listing.status_code == 200 and organization.name in listing.content.decode()
    assert organization.name not in other.content.decode()
    assert dated.status_code == 200 and "Goodwill" in dated.content.decode()
    assert detail.status_code == 200 and "Goodwill" in detail.content.decode()
    assert 'name="_save"' not in detail.content.decode()


def test_nobody_edits_or_deletes_the_trail_in_the_admin(admin_client, recorded):
    edit = admin_client.post(f"/admin/audit/staffaction/{recorded.pk}/change/", {"reason": "Edited"})
    delete = admin_client.post(f"/admin/audit/staffaction/{recorded.pk}/delete/", {"post": "yes"})
    bulk = admin_client.post(
        "/admin/audit/staffaction/", {"action": "delete_selected", "_selected_action": [recorded.pk], "post": "yes"}
    )

    assert edit.status_code == 403 and delete.status_code == 403 and bulk.status_code in (200, 302)
    recorded.refresh_from_db()
    assert recorded.reason == "Goodwill"


def test_staff_without_the_view_permission_cannot_read_the_trail(client, recorded):
    clerk = UserFactory(is_staff=True)
    clerk.user_permissions.add(Permission.objects.get(codename="view_organization"))
    client.force_login(clerk)

    assert client.get("/admin/audit/staffaction/").status_code == 403


on_postgresql = pytest.mark.skipif(connection.vendor != "postgresql", reason="the trigger exists on PostgreSQL only")


@on_postgresql
def test_the_database_refuses_to_change_an_audit_row(recorded):
    with pytest.raises(IntegrityError, match="append-only"), transaction.atomic():
        StaffAction.objects.filter(pk=recorded.pk).update(reason="rewritten")


@on_postgresql
def test_the_database_refuses_to_delete_an_audit_row(recorded):
    with pytest.raises(IntegrityError, match="append-only"), transaction.atomic():
        StaffAction.objects.filter(pk=recorded.pk).delete()

    assert StaffAction.objects.filter(pk=recorded.pk).exists()


@on_postgresql
def test_the_database_refuses_to_point_a_row_at_another_actor(recorded):
    with pytest.raises(IntegrityError, match="append-only"), transaction.atomic():
        StaffAction.objects.filter(pk=recorded.pk).update(actor=UserFactory())


def test_deleting_the_staff_user_keeps_their_rows_and_their_email(recorded, superuser):
    superuser.delete()

    recorded.refresh_from_db()
    assert recorded.actor is None and recorded.actor_email == "boss@example.com"
    assert recorded.reason == "Goodwill"
