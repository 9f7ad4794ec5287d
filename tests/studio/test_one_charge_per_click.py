"""One charge per click: the one-time token of a generate form is its Idempotency-Key."""

import re

from aigen.models import GenerationJob
from credits.models import CreditTransaction
from studio.models import Beat


def _image_form(beat, token) -> dict:
    return {"action": "generate-image", "beat_id": str(beat.id), "quality": "fast", "idempotency_key": token}


def test_two_identical_form_posts_with_one_token_charge_once_and_make_one_job(studio, project_with_story, on_pro_plan):
    beat = Beat.objects.get(project=project_with_story, order=0)
    url = f"/studio/{project_with_story.id}/"

    first = studio.post(url, _image_form(beat, "click-1"))
    second = studio.post(url, _image_form(beat, "click-1"))

    job = GenerationJob.objects.get(kind="image")
    assert CreditTransaction.objects.filter(type="usage").count() == 1
    assert first["Location"] == second["Location"] == f"{url}#job-{job.id}"
    assert "already sent" in studio.get(url).content.decode()


def test_two_forms_with_their_own_tokens_are_two_clicks(studio, project_with_story, on_pro_plan):
    beat = Beat.objects.get(project=project_with_story, order=0)
    url = f"/studio/{project_with_story.id}/"

    studio.post(url, _image_form(beat, "click-1"))
    studio.post(url, _image_form(beat, "click-2"))

    assert GenerationJob.objects.filter(kind="image").count() == 2


def test_a_token_reused_for_another_form_is_refused_and_charges_nothing(studio, project_with_story, on_pro_plan):
    first, second = Beat.objects.filter(project=project_with_story).order_by("order")[:2]
    url = f"/studio/{project_with_story.id}/"
    studio.post(url, _image_form(first, "click-1"))

    response = studio.post(url, _image_form(second, "click-1"), follow=True)

    assert "different request" in response.content.decode()
    assert GenerationJob.objects.filter(kind="image").count() == 1


def test_a_failed_click_frees_its_token_for_a_retry(studio, project_with_story, organization):
    from credits.models import CreditBalance
    from tests.credits.balances import fund

    beat = Beat.objects.get(project=project_with_story, order=0)
    url = f"/studio/{project_with_story.id}/"
    CreditBalance.objects.filter(organization=organization).update(balance=0, bonus_balance=0)
    refused = studio.post(url, _image_form(beat, "click-1"), follow=True)
    assert "Not enough credits" in refused.content.decode()
    fund(organization, main=100)

    studio.post(url, _image_form(beat, "click-1"))

    assert GenerationJob.objects.filter(kind="image").count() == 1


def test_every_generate_form_on_the_page_carries_its_own_token(studio, project_with_story):
    page = studio.get(f"/studio/{project_with_story.id}/").content.decode()

    tokens = re.findall(r'name="idempotency_key" value="([^"]+)"', page)
    generate_forms = page.count('name="action" value="generate-') + page.count('value="regenerate-beat-text"')
    assert len(tokens) == generate_forms > 5
    assert len(set(tokens)) == len(tokens)
