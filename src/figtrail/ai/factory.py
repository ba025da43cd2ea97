"""The one place a provider is built from configuration (``FIGTRAIL_AI_*``, see ``figtrail.config``)."""

from __future__ import annotations

import os

from figtrail.ai.base import AIError, Provider
from figtrail.config import AIConfig


def provider_from_config(config: AIConfig) -> Provider:
    """The configured provider; AIError (503) naming the variable to set when configuration is incomplete.

    LLM providers are imported only when chosen, so the offline default never loads boto3.
    """
    if config.provider == "offline":
        from figtrail.ai.offline import OfflineProvider

        return OfflineProvider()
    if config.provider == "openai":
        return _openai(config)
    if config.provider == "bedrock":
        return _bedrock(config)
    raise AIError(
        f"unknown AI provider {config.provider!r}: set FIGTRAIL_AI_PROVIDER to offline, openai or bedrock",
        503,
    )


def _openai(config: AIConfig) -> Provider:
    if not config.base_url:
        raise AIError(
            "the openai AI provider needs an endpoint: set FIGTRAIL_AI_BASE_URL "
            "(e.g. https://api.openai.com/v1, or http://localhost:11434/v1 for a local server)",
            503,
        )
    if not config.base_url.startswith(("http://", "https://")):
        raise AIError("FIGTRAIL_AI_BASE_URL must start with http:// or https://", 503)
    from figtrail.ai.openai_compatible import OpenAICompatibleProvider

    return OpenAICompatibleProvider(
        config.base_url,
        api_key=config.api_key,
        model=config.model,
        max_tokens=config.max_tokens,
        timeout_seconds=config.timeout_seconds,
    )


def _bedrock(config: AIConfig) -> Provider:
    region = config.region or os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or ""
    if not region:
        raise AIError(
            "the bedrock AI provider needs an AWS region: set FIGTRAIL_AI_REGION (e.g. us-east-1)", 503
        )
    from figtrail.ai.bedrock import BedrockProvider

    return BedrockProvider(
        model=config.model,
        region=region,
        max_tokens=config.max_tokens,
        timeout_seconds=config.timeout_seconds,
    )
