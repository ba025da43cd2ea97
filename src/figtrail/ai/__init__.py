"""AI behind one small interface: an offline default that needs no network, and real providers
(any OpenAI-compatible HTTP endpoint, Amazon Bedrock) switched on by configuration.

    from figtrail.ai import Prompt, Purpose
    from figtrail.ai.factory import provider_from_config
    from figtrail.config import ai_config

    answer = provider_from_config(ai_config()).complete(Prompt(Purpose.INSIGHT, figures=(facts,)))

Nothing here imports Django: the server hands providers plain facts (:class:`FigureFacts`).
"""

from figtrail.ai.base import (
    STORY_SCHEMA,
    AIError,
    Completion,
    Delta,
    FigureFacts,
    Image,
    Message,
    Prompt,
    Provider,
    Purpose,
    TableFacts,
)

__all__ = [
    "AIError",
    "Completion",
    "Delta",
    "FigureFacts",
    "Image",
    "Message",
    "Prompt",
    "Provider",
    "Purpose",
    "STORY_SCHEMA",
    "TableFacts",
]
