"""USD cost from the usage a provider reports and the dated price table."""

from decimal import Decimal

import pytest

from aigen.models import AIUsageLog
from aigen.pricing import usage_cost_usd

pytestmark = pytest.mark.django_db


def test_a_story_usage_row_stores_its_tokens_and_their_price(owner_api, funded, settings, text_stubs):
    # Gemini's last chunk's usageMetadata: 11 prompt, 22 candidate tokens.
    owner_api.post("/api/ai/generate-story", {"premise": "A kite"}, format="json")

    row = AIUsageLog.objects.get()
    price = settings.AI_PRICES["gemini/gemini-2.5-flash"]
    expected = (
        Decimal(str(price["input_per_million"])) * 11 / 10**6 + Decimal(str(price["output_per_million"])) * 22 / 10**6
    )
    assert (row.tokens_in, row.tokens_out) == (11, 22)
    assert row.cost_usd == expected and row.outcome == "succeeded"


@pytest.mark.django_db(transaction=True)  # the job is queued on commit
def test_an_image_usage_row_costs_the_price_of_one_image(owner_api, funded, image_stubs, settings):
    owner_api.post("/api/ai/generate-image", {"prompt": "A kite"}, format="json")

    row = AIUsageLog.objects.get()
    assert row.provider == "stability" and row.cost_usd == Decimal("0.03")


def test_video_seconds_are_priced_per_second(settings):
    cost = usage_cost_usd(provider="veo", model="veo-3.1-generate-preview", video_seconds=8)

    assert cost == Decimal(str(settings.AI_PRICES["veo/veo-3.1-generate-preview"]["per_second"])) * 8


def test_the_local_provider_costs_nothing():
    assert usage_cost_usd(provider="local", model="local-image-1", images=1) == 0
