import pytest
from prometheus_client.parser import text_string_to_metric_families

from credits.hooks import register_paid_plan_check, unregister_paid_plan_check

from ..credits.balances import fund

METRICS_TOKEN = "metrics-token-for-tests"


@pytest.fixture(autouse=True)
def _offline_ai(settings, tmp_path):
    """Every generation on the offline `local` provider, tiny media, isolated files."""
    settings.AI_PROVIDER_KEYS = {name: "" for name in settings.AI_PROVIDER_KEYS}
    settings.AI_LOCAL_IMAGE_SIZE = "96x54"
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.TRIAL_DAILY_REQUESTS = 100
    settings.METRICS_TOKEN = METRICS_TOKEN
    settings.METRICS_ALLOWED_IPS = []


@pytest.fixture
def funded(organization):
    fund(organization, main=1000)
    return organization


@pytest.fixture
def paid(organization):
    """The organization is on a paid plan (no trial slots involved)."""

    def check(org):
        return org.pk == organization.pk

    register_paid_plan_check(check)
    yield organization
    unregister_paid_plan_check(check)


def scrape(client) -> dict:
    """/metrics as {(sample name, frozenset of labels): value}, asked with the token."""
    response = client.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {METRICS_TOKEN}")
    assert response.status_code == 200, response.content
    samples = {}
    for family in text_string_to_metric_families(response.content.decode()):
        for sample in family.samples:
            samples[(sample.name, frozenset(sample.labels.items()))] = sample.value
    return samples


def sample(samples: dict, name: str, **labels) -> float:
    return samples.get((name, frozenset(labels.items())), 0.0)


def rise(before: dict, after: dict, name: str, **labels) -> float:
    """How much a sample grew between two scrapes."""
    return sample(after, name, **labels) - sample(before, name, **labels)
