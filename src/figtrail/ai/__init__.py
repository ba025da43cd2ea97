"""AI behind one small interface: an offline default that needs no network, and real providers
(any OpenAI-compatible HTTP endpoint, Amazon Bedrock) switched on by configuration.

    from figtrail.ai import Prompt, provider_from_settings
    answer = provider_from_settings().complete(Prompt(purpose="insight", figures=(facts,)))

Nothing here imports Django: the server hands providers plain facts (:class:`FigureFacts`).
"""

from figtrail.ai.base import (
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
    "TableFacts",
]
