"""Syntax highlighting of recorded code with Pygments, as classed HTML (the CSP allows no inline styles)."""

from __future__ import annotations

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from pygments import highlight as pygments_highlight
from pygments.formatters import HtmlFormatter
from pygments.lexers import TextLexer, get_lexer_by_name
from pygments.token import STANDARD_TYPES
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


def _token_class(ttype) -> str:
    while ttype not in STANDARD_TYPES:
        ttype = ttype.parent
    return STANDARD_TYPES[ttype]


def highlight_lines(code: str, language: str | None) -> list[SafeString]:
    """The code highlighted line by line (for diffs, which show lines out of their file): one escaped
    HTML string per line of ``code.splitlines()``, its tokens in the classes ``highlight.css`` styles
    (under an element of class ``hl``). A token spanning lines (a docstring) is cut at each line end."""
    lexer = lexer_for(language) if len(code) <= MAX_HIGHLIGHT_CHARS else TextLexer()
    lexer.stripnl = False
    lexer.ensurenl = False
    lines: list[list[str]] = [[]]
    for ttype, value in lexer.get_tokens(code):
        css = _token_class(ttype)
        for piece in value.splitlines(keepends=True):
            text = piece.rstrip("\r\n")
            if text:
                lines[-1].append(f'<span class="{css}">{escape(text)}</span>' if css else str(escape(text)))
            if piece != text:
                lines.append([])
    rendered = [mark_safe("".join(parts)) for parts in lines]  # noqa: S308 - every piece is escaped
    count = len(code.splitlines())
    return (rendered + [mark_safe("")] * count)[:count]


def stylesheet() -> str:
    """The CSS in ``static/web/highlight.css``; regenerate: ``python -m figtrail.server.web.highlight``."""
    return HtmlFormatter(style="default").get_style_defs(f".{CSS_CLASS}")


if __name__ == "__main__":
    print(stylesheet())
