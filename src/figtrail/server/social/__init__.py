"""Conversation around figures and assets: threaded Markdown comments, @mentions, emoji reactions."""
