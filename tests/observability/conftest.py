import pytest
from prometheus_client.parser import text_string_to_metric_families

from ..ai_fixtures import funded, offline_ai, paid  # noqa: F401

METRICS_TOKEN = "metrics-token-for-tests"


@pytest.fixture(autouse=True)
def _offline_ai(settings, tmp_path):
    """Every generation on the offline `local` provider; /metrics answers the test token only."""
    offline_ai(settings, tmp_path / "media")
    settings.METRICS_TOKEN = METRICS_TOKEN
    settings.METRICS_ALLOWED_IPS = []


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
