"""The story's hot path (issue 4's benchmark): the charge and its job in one statement, the
cached membership, one session read, the one-script rate limit, and the embedded default
(SQLite, file cache) taking the same requests through its own paths."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import Membership
from accounts.services import organization_create, user_create
from aigen.models import AIUsageLog, GenerationJob
from aigen.services import generation_job_create
from credits.errors import NoCredits
from credits.models import CreditTransaction

from ..credits.balances import fund, held, ledger
from ..credits.threads import run_at_once
from ..factories import MembershipFactory, UserFactory
from .workers import worker_stop

ROOT = Path(__file__).resolve().parents[2]
URL = "/api/ai/generate-story"


def story(client, premise="A kite that remembers every storm", **headers):
    return client.post(URL, {"premise": premise, "quality": "fast"}, format="json", headers=headers)


# --- The charge and its job ------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_40_concurrent_jobs_against_60_credits_charge_20_and_every_job_has_its_charge(organization, paid):
    fund(organization, main=35, bonus=25)
    user = UserFactory()

    results = run_at_once(
        lambda i: generation_job_create(
            organization=organization,
            user=user,
            kind="story",
            quality="fast",
            credits=3,
            job_input={"premise": f"thread {i}"},
            template_version="story-v1",
            provider="local",
            model="local-story-1",
        ),
        threads=40,
    )

    made = [r.value[0] for r in results if r.error is None]
    assert len(made) == 20
    assert all(isinstance(r.error, NoCredits) for r in results if r.error is not None)
    assert held(organization) == (0, 0)
    assert ledger(organization) == (0, 0, 2 + 20)
    charges = CreditTransaction.objects.filter(organization=organization, type="usage")
    jobs = GenerationJob.objects.filter(organization=organization)
    # Exactly one job per charge and one charge per job: none without the other.
    assert sorted(str(job.charge_id) for job in jobs) == sorted(str(charge.pk) for charge in charges)
    assert {job.pk for job in made} == set(jobs.values_list("pk", flat=True))
    assert sum(c.bonus_amount for c in charges) == -25 and sum(c.main_amount for c in charges) == -35
    for charge in charges:
        assert charge.reference_id == str(jobs.get(charge_id=charge.pk).pk)


@pytest.mark.django_db
def test_without_credits_neither_a_charge_nor_a_job_is_left(owner_api, organization, paid):
    fund(organization, main=2)

    response = story(owner_api)

    assert response.status_code == 402
    assert response.json()["remainingCredits"] == 2
    assert not GenerationJob.objects.exists()
    assert not CreditTransaction.objects.filter(type="usage").exists()


@pytest.mark.django_db
def test_an_organization_without_a_balance_row_yet_is_charged_through_the_general_path(owner_api, organization, paid):
    fund(organization, main=10)
    organization.credit_balance.delete()  # as if it had been made outside accounts.services
    fund(organization, main=10)  # opens a new row at zero first

    response = story(owner_api)

    assert response.status_code == 200
    assert GenerationJob.objects.get().charge_id == CreditTransaction.objects.get(type="usage").pk


@pytest.mark.django_db
def test_a_generation_takes_2_statements_once_the_membership_is_cached(owner_api, funded, paid):
    story(owner_api, "warm the caches")

    with CaptureQueriesContext(connection) as queries:
        response = story(owner_api)

    assert response.status_code == 200
    # (owner_api authenticates without a session: the user is not read.) The charge with its
    # job, and the success with its usage row: one statement each.
    assert len(queries) == 2, [q["sql"][:80] for q in queries]
    # Both are prepared statements by now, still shown in Django's query log.
    assert [q["sql"].split()[:2] for q in queries] == [["WITH", "locked"], ["WITH", "done"]]
    job = GenerationJob.objects.get(pk=response.json()["job_id"])
    assert job.status == "succeeded"
    assert AIUsageLog.objects.filter(job=job, credits=3, status="succeeded").count() == 1


def prepared_statements() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        return [row[0] for row in cursor.fetchall()]


@pytest.mark.django_db(transaction=True)
def test_the_charge_and_the_success_are_prepared_once_per_connection(owner_api, funded, paid):
    connection.close()  # a new connection: nothing prepared on it yet
    assert story(owner_api, "one").status_code == 200
    # A connection used once (CONN_MAX_AGE=0) does not pay the round trip of preparing.
    assert prepared_statements() == []

    assert story(owner_api, "two").status_code == 200
    assert story(owner_api, "three").status_code == 200

    # Prepared at their second run, then only executed: the third story added none.
    prepared = prepared_statements()
    assert len(prepared) == 2, prepared
    assert any(text.startswith("WITH locked AS") for text in prepared)
    assert any(text.startswith("WITH done AS") for text in prepared)
    assert GenerationJob.objects.filter(status="succeeded").count() == 3


@pytest.mark.django_db(transaction=True)
def test_prepared_statements_can_be_turned_off_for_a_pooler_that_drops_them(owner_api, funded, paid):
    options = connection.settings_dict["OPTIONS"]
    saved_threshold = options["prepare_threshold"]
    options["prepare_threshold"] = None  # what DATABASE_PREPARED_STATEMENTS=false sets
    connection.close()
    try:
        assert story(owner_api, "one").status_code == 200
        assert story(owner_api, "two").status_code == 200
        assert prepared_statements() == []
    finally:
        options["prepare_threshold"] = saved_threshold
        connection.close()


# --- The cached membership: changes are seen on the next request -----------------------


@pytest.fixture
def member_api(api_client, organization, funded, paid):
    user = UserFactory(email="member@example.com")
    membership = MembershipFactory(user=user, organization=organization, role=Membership.Role.MEMBER)
    api_client.force_authenticate(user)
    api_client.credentials(HTTP_X_ORGANIZATION=str(organization.pk))
    api_client.membership = membership
    return api_client


@pytest.mark.django_db
def test_a_removed_member_loses_the_organization_on_their_next_request(member_api):
    assert story(member_api).status_code == 200  # cached now

    member_api.membership.delete()

    response = story(member_api)
    assert response.status_code == 404
    assert GenerationJob.objects.count() == 1


@pytest.mark.django_db
def test_a_role_change_is_seen_on_the_next_request(member_api):
    invite = {"email": "guest@example.com", "role": "member"}
    assert member_api.post("/api/organization/invitations", invite, format="json").status_code == 403

    member_api.membership.role = Membership.Role.ADMIN
    member_api.membership.save()

    assert member_api.post("/api/organization/invitations", invite, format="json").status_code == 201


@pytest.mark.django_db
def test_a_suspension_is_seen_on_the_next_request(member_api, organization):
    assert story(member_api).status_code == 200

    organization.suspended_at = organization.created_at
    organization.save(update_fields=["suspended_at"])

    response = story(member_api)
    assert response.status_code == 403 and response.json()["code"] == "SUSPENDED"


@pytest.mark.django_db
def test_a_deleted_organization_is_gone_on_the_next_request(api_client):
    user = user_create(email="team@example.com", password="x-pass-12345")
    team = organization_create(owner=user, name="Short-lived team")  # never funded: it may be deleted
    api_client.force_authenticate(user)
    assert api_client.get("/api/organization", headers={"X-Organization": str(team.pk)}).status_code == 200

    team.delete()

    assert api_client.get("/api/organization", headers={"X-Organization": str(team.pk)}).status_code == 404


@pytest.mark.django_db
def test_another_users_cached_membership_is_never_theirs(member_api, organization, outsider, api_client):
    assert story(member_api).status_code == 200
    api_client.force_authenticate(outsider)

    response = story(api_client, **{"X-Organization": str(organization.pk)})

    assert response.status_code == 404


@pytest.mark.django_db
@pytest.mark.parametrize("header", ["not-a-uuid", "00000000-0000-0000-0000-000000000000", "x" * 5000])
def test_a_malformed_or_unknown_organization_header_is_404(api_client, owner, funded, paid, header):
    api_client.force_authenticate(owner)
    assert story(api_client, **{"X-Organization": str(funded.pk)}).status_code == 200

    assert story(api_client, **{"X-Organization": header}).status_code == 404


# --- One session read per request with an app session token ----------------------------


@pytest.mark.django_db
def test_an_app_session_token_authenticates_and_a_stale_one_is_401(api_client, funded, paid, owner, password):
    login = api_client.post(
        "/api/auth/app/v1/auth/login", {"email": owner.email, "password": password}, format="json"
    ).json()
    token = login["meta"]["session_token"]

    assert api_client.get("/api/me", headers={"X-Session-Token": token}).status_code == 200
    assert story(api_client, **{"X-Session-Token": token}).status_code == 200
    assert api_client.delete("/api/auth/app/v1/auth/session", headers={"X-Session-Token": token}).status_code == 401
    assert api_client.get("/api/me", headers={"X-Session-Token": token}).status_code == 401
    assert api_client.get("/api/me", headers={"X-Session-Token": "made-up-token-123"}).status_code == 401


# --- The embedded default ----------------------------------------------------------------

EMBEDDED = """
import json
from django.core.management import call_command
from django.test import Client
from accounts.selectors import membership_default
from accounts.services import user_create
from aigen.models import AIUsageLog, GenerationJob
from credits.services.grants import credits_grant

user = user_create(email="embedded@modo.local", password="x-pass-12345")
organization = membership_default(user=user).organization
credits_grant(organization=organization, amount=5)
client = Client(HTTP_HOST="localhost")
client.force_login(user)
answers = [
    client.post("/api/ai/generate-story", {"premise": f"Embedded {i}"}, content_type="application/json")
    for i in range(3)
]
try:
    call_command("credits_audit")
    audit = 0
except SystemExit as exit_:
    audit = exit_.code
print(json.dumps({
    "statuses": [a.status_code for a in answers],
    "remaining": [a.json().get("remainingCredits") for a in answers],
    "limit_headers": [a.headers.get("X-RateLimit-Remaining") for a in answers],
    "succeeded": GenerationJob.objects.filter(status="succeeded").count(),
    "usage_rows": AIUsageLog.objects.count(),
    "audit": audit,
}))
"""


def test_the_embedded_default_generates_charges_and_counts_through_its_own_paths(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_", "REDIS_", "CELERY_", "DJANGO_"))}
    env.update(
        DJANGO_SETTINGS_MODULE="modo.settings.local",
        DATABASE_URL=f"sqlite:///{tmp_path / 'modo.sqlite3'}",
        CELERY_BROKER_DIR=str(tmp_path / "broker"),
        MEDIA_ROOT=str(tmp_path / "media"),
        AI_CACHE_ENABLED="false",
        TRIAL_DAILY_REQUESTS="10",
        **{f"{name}_API_KEY": "" for name in ("GEMINI", "OPENAI", "STABILITY", "ANTHROPIC", "VEO")},
    )
    manage = [sys.executable, "manage.py"]
    subprocess.run([*manage, "migrate", "--noinput"], cwd=ROOT, env=env, check=True, capture_output=True)
    # The stories are jobs: a worker on the filesystem broker writes them, as under `make run`;
    # the requests wait for them by polling the file cache.
    worker = subprocess.Popen(  # noqa: S603
        [sys.executable, "-m", "celery", "-A", "modo", "worker", "-Q", "text", "--pool=threads", "--concurrency=2",
         "--without-gossip", "--without-mingle", "--without-heartbeat", "--loglevel=WARNING"],
        cwd=ROOT, env={**env, "AI_LOCAL_STREAM_DELAY_SECONDS": "0"},
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
    )  # fmt: skip
    try:
        shell = subprocess.run(
            [*manage, "shell", "-c", EMBEDDED], cwd=ROOT, env=env, check=True, capture_output=True, text=True
        )
    finally:
        worker_stop(worker)

    outcome = json.loads(shell.stdout.strip().splitlines()[-1])
    # 20 trial bonus + 5 granted; 3 credits a story (the trial's 2 slots let 2 through).
    assert outcome["statuses"] == [200, 200, 403]
    assert outcome["remaining"][:2] == [22, 19]
    assert outcome["limit_headers"][:2] == ["9", "8"]  # counted on the file cache
    assert outcome["succeeded"] == 2 and outcome["usage_rows"] == 2
    assert outcome["audit"] == 0
