"""The reusable Idempotency-Key piece, seen through a tiny DRF view as a client sees it."""

from datetime import timedelta

import pytest
from django.urls import path
from rest_framework.response import Response

from accounts.api.base import OrganizationAPIView
from credits.api.idempotency import idempotent
from credits.idempotency import idempotency_begin, idempotency_purge_expired, request_fingerprint
from credits.models import IdempotencyRecord
from credits.services.charge import credits_charge

from .balances import fund, held, ledger


class ChargeView(OrganizationAPIView):
    """Stands in for an AI endpoint: charges `amount` credits and says what is left."""

    @idempotent
    def post(self, request):
        row = credits_charge(
            organization=self.organization, amount=request.data["amount"], feature="story_fast", user=request.user
        )
        return Response({"transaction": row.pk, "remainingCredits": row.total_after}, status=201)


urlpatterns = [path("api/test/charge", ChargeView.as_view())]

pytestmark = pytest.mark.urls(__name__)


@pytest.fixture
def funded(organization, owner_api):
    fund(organization, main=10)
    return organization


def post(client, body, key="key-1"):
    return client.post("/api/test/charge", body, format="json", HTTP_IDEMPOTENCY_KEY=key)


def test_it_replays_the_first_response_and_charges_once(owner_api, funded):
    first = post(owner_api, {"amount": 3})

    again = post(owner_api, {"amount": 3})

    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert held(funded) == (7, 0)
    assert ledger(funded)[2] == 2  # the grant and one charge


def test_the_same_body_in_another_key_order_is_the_same_request(owner_api, funded):
    post(owner_api, {"amount": 3, "note": "x"})

    again = post(owner_api, {"note": "x", "amount": 3})

    assert again["Idempotent-Replayed"] == "true"
    assert held(funded) == (7, 0)


def test_the_same_key_with_another_body_is_refused(owner_api, funded):
    post(owner_api, {"amount": 3})

    reused = post(owner_api, {"amount": 4})

    assert reused.status_code == 422
    assert reused.json()["code"] == "IDEMPOTENCY_KEY_REUSED"
    assert held(funded) == (7, 0)


def test_the_same_key_while_the_first_request_runs_is_refused(owner_api, funded, owner):
    idempotency_begin(
        organization=funded, user=owner, key="key-1", endpoint="POST /api/test/charge", body={"amount": 3}
    )

    duplicate = post(owner_api, {"amount": 3})

    assert duplicate.status_code == 409
    assert duplicate.json()["code"] == "IDEMPOTENCY_IN_PROGRESS"
    assert held(funded) == (10, 0)


def test_a_failed_request_lets_the_client_retry_with_the_same_key(owner_api, funded):
    refused = post(owner_api, {"amount": 30})
    fund(funded, main=30)

    retried = post(owner_api, {"amount": 30})

    assert refused.status_code == 402
    assert refused.json()["code"] == "NO_CREDITS"
    assert retried.status_code == 201
    assert "Idempotent-Replayed" not in retried
    assert held(funded) == (10, 0)


def test_without_a_key_every_request_runs(owner_api, funded):
    owner_api.post("/api/test/charge", {"amount": 3}, format="json")
    owner_api.post("/api/test/charge", {"amount": 3}, format="json")

    assert held(funded) == (4, 0)


def test_a_key_is_scoped_to_its_organization(owner_api, funded, owner):
    post(owner_api, {"amount": 3})
    personal = owner.organizations.get(is_personal=True)
    owner_api.credentials(HTTP_X_ORGANIZATION=str(personal.pk))

    elsewhere = post(owner_api, {"amount": 3})

    assert elsewhere.status_code == 201
    assert "Idempotent-Replayed" not in elsewhere
    assert held(personal) == (0, 17)


def test_an_expired_key_starts_afresh(owner_api, funded):
    post(owner_api, {"amount": 3})
    IdempotencyRecord.objects.update(expires_at=IdempotencyRecord.objects.get().created_at)

    again = post(owner_api, {"amount": 4})

    assert again.status_code == 201
    assert held(funded) == (3, 0)


def test_a_request_abandoned_in_progress_frees_its_key_after_a_while(owner_api, funded, owner, settings):
    record = idempotency_begin(
        organization=funded, user=owner, key="key-1", endpoint="POST /api/test/charge", body={"amount": 3}
    ).record
    stale = record.created_at - timedelta(seconds=settings.CREDIT_IDEMPOTENCY_STALE_SECONDS + 1)
    IdempotencyRecord.objects.filter(pk=record.pk).update(created_at=stale)

    retried = post(owner_api, {"amount": 3})

    assert retried.status_code == 201
    assert held(funded) == (7, 0)


@pytest.mark.parametrize("key", ["", "x" * 256, "naïve", "line\nbreak"])
def test_a_malformed_key_is_a_validation_error(owner_api, funded, key):
    response = post(owner_api, {"amount": 3}, key=key)

    assert response.status_code == 400
    assert response.json()["code"] == "VALIDATION_ERROR"
    assert held(funded) == (10, 0)


def test_the_fingerprint_ignores_key_order_and_whitespace():
    assert request_fingerprint({"a": 1, "b": [1, 2]}) == request_fingerprint({"b": [1, 2], "a": 1})
    assert request_fingerprint({"a": 1}) != request_fingerprint({"a": "1"})


def test_expired_keys_are_purged_and_live_ones_kept(owner_api, funded):
    post(owner_api, {"amount": 1}, key="old")
    post(owner_api, {"amount": 1}, key="new")
    old = IdempotencyRecord.objects.get(key="old")
    IdempotencyRecord.objects.filter(pk=old.pk).update(expires_at=old.created_at)

    assert idempotency_purge_expired() == 1

    assert list(IdempotencyRecord.objects.values_list("key", flat=True)) == ["new"]
