"""Building the configured provider from FIGTRAIL_AI_* settings."""

from __future__ import annotations

import pytest

from figtrail.ai.base import AIError, Provider
from figtrail.ai.bedrock import BedrockProvider
from figtrail.ai.factory import provider_from_config
from figtrail.ai.offline import OfflineProvider
from figtrail.ai.openai_compatible import OpenAICompatibleProvider
from figtrail.config import AIConfig, ai_config


def test_offline_is_the_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("FIGTRAIL_AI_PROVIDER", raising=False)
    provider = provider_from_config(ai_config())
    assert isinstance(provider, OfflineProvider) and isinstance(provider, Provider)


def test_openai_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FIGTRAIL_AI_PROVIDER", "openai")
    monkeypatch.setenv("FIGTRAIL_AI_BASE_URL", "http://localhost:11434/v1/")
    monkeypatch.setenv("FIGTRAIL_AI_API_KEY", "sk-secret")
    monkeypatch.setenv("FIGTRAIL_AI_MAX_TOKENS", "256")
    provider = provider_from_config(ai_config())
    assert isinstance(provider, OpenAICompatibleProvider)
    assert provider.url == "http://localhost:11434/v1/chat/completions"
    assert (provider.model, provider.max_tokens, provider.is_llm) == ("gpt-4o-mini", 256, True)
    assert "sk-secret" not in repr(provider)


@pytest.mark.parametrize(
    ("config", "variable"),
    [
        (AIConfig(provider="openai"), "FIGTRAIL_AI_BASE_URL"),
        (AIConfig(provider="openai", base_url="localhost:8000/v1"), "FIGTRAIL_AI_BASE_URL"),
        (AIConfig(provider="bedrock"), "FIGTRAIL_AI_REGION"),
        (AIConfig(provider="gemini"), "FIGTRAIL_AI_PROVIDER"),
    ],
)
def test_incomplete_configuration_names_the_variable(
    monkeypatch: pytest.MonkeyPatch, config: AIConfig, variable: str
) -> None:
    monkeypatch.delenv("AWS_REGION", raising=False)
    monkeypatch.delenv("AWS_DEFAULT_REGION", raising=False)
    with pytest.raises(AIError, match=variable) as caught:
        provider_from_config(config)
    assert caught.value.status == 503


def test_bedrock_with_a_region_and_model() -> None:
    provider = provider_from_config(
        AIConfig(provider="bedrock", region="eu-west-1", model="m", max_tokens=99)
    )
    assert isinstance(provider, BedrockProvider)
    assert (provider.model, provider.max_tokens, provider.is_llm) == ("m", 99, True)
    assert provider._client.meta.region_name == "eu-west-1"
