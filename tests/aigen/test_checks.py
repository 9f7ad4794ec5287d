from aigen.checks import ai_models_check, ai_provider_keys_check


def test_a_configured_model_past_its_retirement_date_warns(settings):
    settings.AI_MODELS = {
        **settings.AI_MODELS,
        "text:fast": {**settings.AI_MODELS["text:fast"], "retires": "2025-01-31"},
    }

    problems = ai_models_check()

    assert [p.id for p in problems] == ["aigen.W001"]
    assert settings.AI_MODELS["text:fast"]["model"] in problems[0].msg


def test_models_without_a_past_retirement_date_pass(settings):
    settings.AI_MODELS = {
        **settings.AI_MODELS,
        "text:fast": {**settings.AI_MODELS["text:fast"], "retires": "2999-01-01"},
    }

    assert ai_models_check() == []


def test_no_keys_at_all_is_only_information_everything_runs_locally():
    problems = ai_provider_keys_check()

    assert [p.id for p in problems] == ["aigen.I001"]


def test_a_configured_provider_without_a_key_warns_when_others_have_keys(settings):
    settings.AI_PROVIDER_KEYS = {**settings.AI_PROVIDER_KEYS, "openai": "sk-live"}

    problems = ai_provider_keys_check()

    assert [p.id for p in problems] == ["aigen.W002"]
    assert "stability" in problems[0].msg and "openai" not in problems[0].msg
