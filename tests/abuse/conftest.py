import pytest

from ..staff_fixtures import _ai_settings, admin_client, funded, paid, superuser  # noqa: F401


@pytest.fixture
def sentry_events():
    """Sentry on, its transport replaced by a list (the boundary: nothing leaves the machine)."""
    import sentry_sdk
    from sentry_sdk.transport import Transport

    events: list[dict] = []

    class ListTransport(Transport):
        def capture_envelope(self, envelope):
            events.extend(item.payload.json for item in envelope.items if item.type == "event")

    sentry_sdk.init(
        dsn="https://public@sentry.invalid/1",
        transport=ListTransport,
        default_integrations=False,
        auto_enabling_integrations=False,
    )
    yield events
    sentry_sdk.init(dsn=None, default_integrations=False, auto_enabling_integrations=False)
