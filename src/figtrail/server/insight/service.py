"""The configured AI provider, built once per process.

Providers hold an HTTP client or a boto3 client; building one per request would throw their connection
pools away. The configuration is read from the environment at first use (``figtrail.config.ai_config``).
"""

from __future__ import annotations

import functools

from figtrail.ai import Provider
from figtrail.config import AIConfig, ai_config


@functools.cache
def config() -> AIConfig:
    """The AI settings of this process (FIGTRAIL_AI_*), read once."""
    return ai_config()


@functools.cache
def provider() -> Provider:
    """The provider every AI endpoint and task uses."""
    from figtrail.ai.factory import provider_from_config  # written alongside; imported when first needed

    return provider_from_config(config())


def reset() -> None:
    """Forget the cached configuration and provider (tests that change the environment in-process)."""
    config.cache_clear()
    provider.cache_clear()
