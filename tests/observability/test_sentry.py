"""Sentry events leave with no secret in them: the scrubber alone, and end to end through the real
sentry-sdk transport to a stub Sentry on 127.0.0.1."""

import json

import pytest
import sentry_sdk
from django.test import Client

from observability.sentry import FILTERED, breadcrumb_scrub, event_scrub, release_detect, sentry_init

from .sentry_stub import SentryStub

SECRETS = [
    "body-password-123",
    "body-token-456",
    "query-token-789",
    "Bearer-abc-session-tok",
    "x-session-token-value-1",
    "callback-token-value-2",
    "sessionid-cookie-value",
    "local-var-password-1",
    "Mid-server-localvar0123456789",
    "header-in-local-var-0123",
    "crumb-token-55555",
    "extra-signature-abcdef",
]


def realistic_event() -> dict:
    """The shape of an event Sentry's Django and Celery integrations send, secrets included."""
    return {
        "level": "error",
        "message": "Midtrans notification failed for https://user:db-password-1@db.internal/modo",
        "exception": {
            "values": [
                {
                    "type": "GatewayError",
                    "value": "status API refused api_key=sk-live-0123456789abcdef",
                    "stacktrace": {
                        "frames": [
                            {
                                "function": "midtrans_notification_receive",
                                "vars": {
                                    "payload": {
                                        "order_id": "ORDER-1",
                                        "signature_key": "f" * 128,
                                        "transaction_status": "settlement",
                                    },
                                    "password": "'hunter2'",
                                    "server_key": "'SB-Mid-server-abcdefghijkl'",
                                    "headers": {"X-Callback-Token": "'cb-token-1'", "Accept": "'*/*'"},
                                    "session_key": "'abcdef0123456789'",
                                    "credentials": ["user", "pass"],
                                },
                            }
                        ]
                    },
                }
            ]
        },
        "request": {
            "url": "https://modo.example.com/api/webhooks/midtrans",
            "method": "POST",
            "query_string": "token=query-secret-1&page=2",
            "headers": {
                "Authorization": "Bearer api-bearer-secret",
                "Cookie": "sessionid=cookie-session-1; csrftoken=csrf-1",
                "X-Session-Token": "app-session-token-1",
                "X-Callback-Token": "xendit-callback-1",
                "X-Api-Key": "header-api-key-1",
                "User-Agent": "Midtrans/1.0",
            },
            "cookies": {"sessionid": "cookie-session-2"},
            "data": {"email": "buyer@example.com", "password": "form-password-1", "new_password1": "form-password-2"},
            "env": {"REMOTE_ADDR": "10.0.0.1"},
        },
        "extra": {"celery-job": {"kwargs": {"client_secret": "celery-secret-1", "job_id": "J-1"}}},
        "breadcrumbs": {
            "values": [
                {"category": "httplib", "data": {"url": "https://api.xendit.co/v2/invoices?api_key=crumb-key-1"}},
                {"category": "redis", "message": "SET session:abc sessionid=crumb-session-1"},
            ]
        },
        "contexts": {"settings": {"R2_SECRET_ACCESS_KEY": "r2-secret-1", "SENTRY_DSN": "https://k@o.ingest/1"}},
    }


def test_the_scrubber_removes_every_kind_of_secret_from_a_realistic_event():
    event = realistic_event()

    scrubbed = json.dumps(event_scrub(event, {}))

    for secret in ["db-password-1", "sk-live-0123456789abcdef", "f" * 128, "hunter2", "SB-Mid-server-abcdefghijkl",
                   "cb-token-1", "abcdef0123456789", '"pass"', "query-secret-1", "api-bearer-secret",
                   "cookie-session-1", "app-session-token-1", "xendit-callback-1", "header-api-key-1",
                   "cookie-session-2", "form-password-1", "form-password-2", "celery-secret-1", "crumb-key-1",
                   "crumb-session-1", "r2-secret-1", "k@o.ingest"]:  # fmt: skip
        assert secret not in scrubbed, secret


def test_the_scrubber_keeps_what_debugging_needs():
    scrubbed = event_scrub(realistic_event(), {})

    frame_vars = scrubbed["exception"]["values"][0]["stacktrace"]["frames"][0]["vars"]
    assert frame_vars["payload"]["order_id"] == "ORDER-1"
    assert frame_vars["payload"]["signature_key"] == FILTERED
    assert frame_vars["headers"]["Accept"] == "'*/*'"
    assert scrubbed["request"]["headers"]["User-Agent"] == "Midtrans/1.0"
    assert scrubbed["request"]["data"]["email"] == "buyer@example.com"
    assert "page=2" in scrubbed["request"]["query_string"]
    assert scrubbed["exception"]["values"][0]["type"] == "GatewayError"


def test_a_breadcrumb_is_scrubbed_on_its_own_too():
    crumb = {"category": "query", "message": "UPDATE user SET password='p4ss-1'", "data": {"token": "t-1"}}

    scrubbed = json.dumps(breadcrumb_scrub(crumb, {}))

    assert "p4ss-1" not in scrubbed and "t-1" not in scrubbed


def test_the_release_is_the_git_commit_or_else_the_version(tmp_path):
    (tmp_path / ".git" / "refs" / "heads").mkdir(parents=True)
    (tmp_path / ".git" / "HEAD").write_text("ref: refs/heads/main\n")
    (tmp_path / ".git" / "refs" / "heads" / "main").write_text("0123456789abcdef0123456789abcdef01234567\n")
    without_git = tmp_path / "no-git"
    without_git.mkdir()
    (without_git / "pyproject.toml").write_text('[project]\nname = "modo"\nversion = "1.2.3"\n')

    assert release_detect(tmp_path) == "modo@0123456789ab"
    assert release_detect(without_git) == "modo@1.2.3"


# --- End to end: a failing view, the real transport, a stub Sentry ------------------


@pytest.fixture
def sentry_stub():
    with SentryStub() as stub:
        sentry_init(dsn=stub.dsn, environment="test", release="modo@test")
        yield stub
        sentry_sdk.get_client().close()
        sentry_sdk.get_global_scope().set_client(None)


@pytest.mark.django_db
def test_an_error_in_a_view_reaches_sentry_without_its_secrets(sentry_stub, settings):
    settings.ROOT_URLCONF = "tests.observability.urls"
    client = Client(raise_request_exception=False)
    client.cookies["sessionid"] = "sessionid-cookie-value"

    response = client.post(
        "/pay/?token=query-token-789&page=1",
        {"email": "buyer@example.com", "password": "body-password-123", "token": "body-token-456"},
        content_type="application/json",
        HTTP_AUTHORIZATION="Bearer Bearer-abc-session-tok",
        HTTP_X_SESSION_TOKEN="x-session-token-value-1",
        HTTP_X_CALLBACK_TOKEN="callback-token-value-2",
        HTTP_X_REQUEST_ID="sentry-e2e-0001",
    )
    sentry_sdk.flush(timeout=5)

    assert response.status_code == 500
    (event,) = sentry_stub.events()
    assert event["exception"]["values"][-1]["type"] == "RuntimeError"
    assert event["exception"]["values"][-1]["value"] == "the gateway refused ORDER-77"
    assert event["environment"] == "test" and event["release"] == "modo@test"
    assert event["request"]["data"]["email"] == "buyer@example.com"
    raw = b"".join(sentry_stub.envelopes).decode()
    for secret in SECRETS:
        assert secret not in raw, secret
