from datetime import datetime, timedelta

import pytest
from django.utils import timezone

from credits.models import CreditTransaction, TrialUsage
from credits.services.charge import credits_charge
from credits.services.grants import credits_grant
from credits.services.trial import trial_slot_take

from ..factories import UserFactory
from .balances import fund


def ledger_row(organization, *, type, amount, day, hour=12):
    """A ledger row written at a given day (Asia/Jakarta); rows are never edited afterwards."""
    main = amount
    return CreditTransaction.objects.create(
        organization=organization,
        type=type,
        amount=amount,
        main_amount=main,
        bonus_amount=0,
        balance_after=max(amount, 0),
        bonus_balance_after=0,
        created_at=timezone.make_aware(datetime(2025, 3, day, hour)),
    )


def test_it_shows_the_balance_and_the_callers_trial(owner_api, organization, owner):
    fund(organization, main=30, bonus=5)
    trial_slot_take(user=owner)

    response = owner_api.get("/api/credits/")

    assert response.status_code == 200
    body = response.json()
    assert (body["balance"], body["bonus_balance"], body["total"]) == (30, 5, 35)
    trial = TrialUsage.objects.get(user=owner)
    assert body["trial"]["used"] == 1
    assert body["trial"]["max"] == 2
    assert body["trial"]["active"] is True
    assert datetime.fromisoformat(body["trial"]["ends_at"]) == trial.ends_at


def test_it_shows_zero_for_an_organization_that_never_had_credits(owner_api):
    body = owner_api.get("/api/credits/").json()

    assert (body["balance"], body["bonus_balance"], body["total"]) == (0, 0, 0)


def test_it_says_a_trial_that_ended_is_not_active(owner_api, owner):
    TrialUsage.objects.filter(user=owner).update(ends_at=timezone.now() - timedelta(minutes=1))

    assert owner_api.get("/api/credits/").json()["trial"]["active"] is False


def test_it_lists_the_ledger_newest_first_in_pages(owner_api, organization):
    for amount in range(1, 26):
        credits_grant(organization=organization, amount=amount)

    first = owner_api.get("/api/credits/transactions").json()
    second = owner_api.get("/api/credits/transactions", {"page": 2}).json()

    assert first["count"] == 25
    assert [row["amount"] for row in first["results"]] == list(range(25, 5, -1))
    assert [row["amount"] for row in second["results"]] == [5, 4, 3, 2, 1]
    assert first["next"] and first["previous"] is None
    assert second["next"] is None


def test_it_shows_every_field_of_a_ledger_row(owner_api, organization, owner):
    fund(organization, main=10, bonus=2)
    credits_charge(organization=organization, amount=5, feature="image_fast", user=owner, reference=("job", "j-1"))

    row = owner_api.get("/api/credits/transactions").json()["results"][0]

    assert row["type"] == "usage"
    assert (row["amount"], row["main_amount"], row["bonus_amount"]) == (-5, -3, -2)
    assert (row["balance_after"], row["bonus_balance_after"]) == (7, 0)
    assert (row["feature"], row["reference_type"], row["reference_id"]) == ("image_fast", "job", "j-1")
    assert row["refund_of"] is None
    assert set(row) >= {"id", "description", "created_at"}


def test_it_filters_the_ledger_by_type(owner_api, organization):
    fund(organization, main=10)
    credits_charge(organization=organization, amount=2, feature="story_fast")
    credits_charge(organization=organization, amount=3, feature="story_fast")

    body = owner_api.get("/api/credits/transactions", {"type": "usage"}).json()

    assert [row["amount"] for row in body["results"]] == [-3, -2]


def test_it_filters_the_ledger_by_whole_days(owner_api, organization):
    ledger_row(organization, type="grant", amount=1, day=1, hour=23)
    ledger_row(organization, type="grant", amount=2, day=2, hour=0)
    ledger_row(organization, type="grant", amount=3, day=3, hour=23)
    ledger_row(organization, type="grant", amount=4, day=4, hour=0)

    body = owner_api.get("/api/credits/transactions", {"from": "2025-03-02", "to": "2025-03-03"}).json()

    assert [row["amount"] for row in body["results"]] == [3, 2]


def test_it_filters_the_ledger_from_a_day_on(owner_api, organization):
    ledger_row(organization, type="grant", amount=1, day=1)
    ledger_row(organization, type="grant", amount=2, day=2)

    body = owner_api.get("/api/credits/transactions", {"from": "2025-03-02"}).json()

    assert [row["amount"] for row in body["results"]] == [2]


@pytest.mark.parametrize(
    "query, field",
    [
        ({"type": "gift"}, "type"),
        ({"from": "yesterday"}, "from"),
        ({"to": "2025-02-30"}, "to"),
        ({"from": "2025-03-05", "to": "2025-03-01"}, "from"),
    ],
)
def test_it_answers_a_bad_filter_with_a_json_validation_error(owner_api, query, field):
    response = owner_api.get("/api/credits/transactions", query)

    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "VALIDATION_ERROR"
    assert field in body["fields"]


def test_it_answers_a_page_past_the_end_with_json(owner_api):
    response = owner_api.get("/api/credits/transactions", {"page": 9})

    assert response.status_code == 404
    assert response.json()["code"] == "NOT_FOUND"


def test_it_hides_other_organizations(outsider, organization, api_client):
    fund(organization, main=99)
    api_client.force_authenticate(outsider)

    for url in ("/api/credits/", "/api/credits/transactions"):
        response = api_client.get(url, HTTP_X_ORGANIZATION=str(organization.pk))

        assert response.status_code == 404
        assert response.json()["code"] == "NOT_FOUND"
        assert "99" not in response.content.decode()


def test_it_shows_only_the_current_organizations_ledger(owner_api, organization, owner):
    fund(organization, main=5)
    personal = owner.organizations.get(is_personal=True)

    rows = owner_api.get("/api/credits/transactions").json()["results"]
    owner_api.credentials(HTTP_X_ORGANIZATION=str(personal.pk))
    personal_rows = owner_api.get("/api/credits/transactions").json()["results"]

    assert [(r["type"], r["amount"]) for r in rows] == [("grant", 5)]
    assert [(r["type"], r["amount"]) for r in personal_rows] == [("bonus", 20)]


def test_it_asks_anonymous_callers_to_sign_in(api_client):
    for url in ("/api/credits/", "/api/credits/transactions"):
        response = api_client.get(url)

        assert response.status_code == 401
        assert response.json()["code"] == "UNAUTHORIZED"


def test_me_shows_the_organizations_credits_and_the_users_trial(db, api_client):
    user = UserFactory()
    trial_slot_take(user=user)
    api_client.force_authenticate(user)

    body = api_client.get("/api/me").json()

    assert body["credits"] == {"balance": 0, "bonus_balance": 20, "total": 20, "low": True}
    assert body["trial"]["used"] == 1
    assert body["trial"]["max"] == 2
    assert datetime.fromisoformat(body["trial"]["ends_at"]) == TrialUsage.objects.get(user=user).ends_at


def test_the_api_schema_describes_the_credit_endpoints(api_client, db):
    response = api_client.get("/api/schema/", HTTP_ACCEPT="application/json")

    assert response.status_code == 200
    assert "/api/credits/transactions" in response.content.decode()


def test_ledger_descriptions_follow_the_callers_language_not_the_writers(outsider):
    from rest_framework.test import APIClient

    client = APIClient()
    client.force_authenticate(outsider)  # a new personal organization: its trial bonus row

    indonesian = client.get("/api/credits/transactions", HTTP_ACCEPT_LANGUAGE="id").json()["results"]
    english = client.get("/api/credits/transactions", HTTP_ACCEPT_LANGUAGE="en").json()["results"]

    assert [row["description"] for row in indonesian] == ["Bonus masa uji coba"]
    assert [row["description"] for row in english] == ["Trial bonus"]
