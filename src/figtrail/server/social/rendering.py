"""Comment Markdown to HTML that is safe to put in a page.

Two layers, because comment text is written by anyone with view access: markdown-it renders CommonMark
with raw HTML turned off (a ``<script>`` typed in a comment comes out as text) and refuses
``javascript:`` links; then nh3 (the Ammonia sanitiser) keeps only the tags, attributes and URL
schemes listed here, whatever the renderer produced.
"""

from __future__ import annotations

import nh3
from markdown_it import MarkdownIt

MARKDOWN = MarkdownIt("commonmark", {"html": False}).enable(["strikethrough", "table"])

ALLOWED_TAGS = {
    "p", "br", "hr", "em", "strong", "del", "s", "code", "pre", "blockquote", "a",
    "ul", "ol", "li", "h1", "h2", "h3", "h4", "h5", "h6",
    "table", "thead", "tbody", "tr", "th", "td",
}  # fmt: skip
# no <img>: the page's CSP would block outside images anyway, and loading one would tell its host who read
# no style attributes either: the page's CSP refuses inline styles
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "ol": {"start"}}
URL_SCHEMES = {"http", "https", "mailto"}


def render(content: str) -> str:
    """Sanitised HTML for a comment's Markdown."""
    return nh3.clean(
        MARKDOWN.render(content),
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="nofollow noopener noreferrer",
    )


def plain_text_tokens(content: str) -> list[str]:
    """The prose of a comment, without code spans and code blocks (an ``@name`` in code is not a mention)."""
    texts = []
    for block in MARKDOWN.parse(content):
        for token in block.children or []:
            if token.type == "text":
                texts.append(token.content)
    return texts
