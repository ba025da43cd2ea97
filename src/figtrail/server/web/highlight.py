"""Syntax highlighting of recorded code with Pygments, as classed HTML (the CSP allows no inline styles)."""

from __future__ import annotations

from django.utils.safestring import SafeString, mark_safe
from pygments import highlight as pygments_highlight
from pygments.formatters import HtmlFormatter
from pygments.lexers import TextLexer, get_lexer_by_name
from pygments.util import ClassNotFound

CSS_CLASS = "hl"
MAX_HIGHLIGHT_CHARS = 500_000  # beyond this, plain text: highlighting a huge log is slow and useless


def lexer_for(language: str | None):
    try:
        return get_lexer_by_name((language or "python").lower())
    except ClassNotFound:
        return TextLexer()


def highlight_code(code: str, language: str | None) -> SafeString:
    """Escaped, highlighted HTML with line numbers; Pygments escapes the code itself."""
    lexer = lexer_for(language) if len(code) <= MAX_HIGHLIGHT_CHARS else TextLexer()
    formatter = HtmlFormatter(cssclass=CSS_CLASS, linenos="table", wrapcode=True)
    return mark_safe(pygments_highlight(code, lexer, formatter))  # noqa: S308 - Pygments output is escaped


def stylesheet() -> str:
    """The CSS in ``static/web/highlight.css``; regenerate: ``python -m figtrail.server.web.highlight``."""
    return HtmlFormatter(style="default").get_style_defs(f".{CSS_CLASS}")


if __name__ == "__main__":
    print(stylesheet())
