"""What a search finds, in any set of workspaces (one, for a workspace's search page; every one the user
can see, for ``/search``): figures and analyses by name, revisions by their metadata (keys and values),
by the text read off their pictures and by their code, comments by their text.

Every section has its true count and its own pages (``?figures_page=2``), never a silent cap. A comment
hit is shown as the text a reader sees (its Markdown rendered, then stripped to text) cut around the
match, with the match marked; the marking escapes everything else. A code hit is a revision, with each of
its code objects that holds the match and their matching lines, marked the same way. Code is searched in
its index (``catalog/code_search.py``); code not indexed yet is queued for indexing, and the results say
how many revisions' code they could not search yet.

A query that reads as a metadata value, ``key:value``, ``key=value`` or a JSON object, also finds the
revisions whose metadata contains it (``catalog/metadata_search.py``, the API's ``revision/search/``):
:func:`metadata_queries` says which containment queries it stands for, and the page shows them.
"""

from __future__ import annotations

import html
import json
import re
from dataclasses import dataclass, field

import nh3
from django.core.paginator import Page
from django.db.models import Q, QuerySet, TextField
from django.db.models.functions import Cast
from django.http import HttpRequest
from django.utils.safestring import SafeString, mark_safe

from figtrail.server.catalog import code_search, metadata_search
from figtrail.server.catalog.models import Analysis, CodeText, Data, DataType, Figure, Revision, Workspace
from figtrail.server.page_urls import url_of
from figtrail.server.social import rendering
from figtrail.server.social.comments import TARGET_RELATED
from figtrail.server.social.models import Comment
from figtrail.server.web.diffs import flatten
from figtrail.server.web.figure_cards import FigureCard, annotate_cards, figure_cards
from figtrail.server.web.navigation import paginate

PER_SECTION = 20
MIN_QUERY = 2
SNIPPET = 70  # characters of context on each side of a comment's match
CODE_LINES = 3  # matching lines shown per code object (the rest are counted)
CODE_CONTEXT = 60  # characters of a long code line kept on each side of its match


@dataclass
class CodeHit:
    """One code object of a revision holding the match: its matching lines (number, marked text)."""

    data: Data
    lines: list[tuple[int, SafeString]]
    more: int  # matching lines not shown
    truncated: bool  # only the start of the file was searched


@dataclass
class CodeCoverage:
    """What the code search could not look at: revisions whose code is still being indexed (queued), and
    revisions whose code's bytes were gone when indexed."""

    pending: int = 0
    gone: int = 0


@dataclass
class MetadataMatch:
    """What a ``key:value`` (or JSON object) query found by containment: the queries it stood for (any
    of them, as JSON for the page), their revisions' page; or why a JSON object could not be searched."""

    queries: list[str]
    revisions: Page | None = None
    rows: list[tuple[Revision, list[tuple[str, str]]]] = field(default_factory=list)
    error: str | None = None

    @property
    def count(self) -> int:
        return self.revisions.paginator.count if self.revisions is not None else 0


@dataclass
class Results:
    query: str
    figures: Page
    figure_cards: list[FigureCard]
    analyses: Page
    revisions: Page
    revision_rows: list[tuple[Revision, list[tuple[str, str]], str | None]]
    comments: Page
    comment_rows: list[tuple[Comment, str, str, SafeString]] = field(default_factory=list)
    code: Page | None = None
    code_rows: list[tuple[Revision, list[CodeHit]]] = field(default_factory=list)
    code_coverage: CodeCoverage = field(default_factory=CodeCoverage)
    metadata: MetadataMatch | None = None

    @property
    def total(self) -> int:
        pages = (self.figures, self.analyses, self.revisions, self.code, self.comments)
        by_value = self.metadata.count if self.metadata is not None else 0
        return sum(page.paginator.count for page in pages if page is not None) + by_value


def search(request: HttpRequest, workspaces: QuerySet[Workspace], query: str) -> Results:
    figures = annotate_cards(Figure.objects.filter(analysis__workspace__in=workspaces, name__icontains=query))
    figure_page = paginate(request, figures.order_by("-last_change", "pk"), PER_SECTION, "figures_page")
    analyses = (
        Analysis.objects.filter(workspace__in=workspaces, name__icontains=query)
        .select_related("workspace")
        .order_by("name", "pk")
    )
    revisions = (
        Revision.objects.filter(figure__analysis__workspace__in=workspaces)
        .annotate(metadata_text=Cast("metadata", TextField()))
        .filter(Q(metadata_text__icontains=query) | Q(image_text__icontains=query))
        .select_related("figure")
        .order_by("-created_on", "pk")
    )
    revision_page = paginate(request, revisions, PER_SECTION, "revisions_page")
    comment_page = paginate(request, _comments(workspaces, query), PER_SECTION, "comments_page")
    # what is not indexed is read before the code is searched: indexing that ends in between makes the
    # page say "still being indexed" once too often, never "complete" about results that missed it
    code_coverage = _code_coverage(request, workspaces)
    code_revisions = code_search.with_matching_code(
        Revision.objects.filter(figure__analysis__workspace__in=workspaces), query
    ).select_related("figure__analysis__workspace")
    code_page = paginate(request, code_revisions.order_by("-created_on", "pk"), PER_SECTION, "code_page")
    return Results(
        query=query,
        figures=figure_page,
        figure_cards=figure_cards(figure_page.object_list),
        analyses=paginate(request, analyses, PER_SECTION, "analyses_page"),
        revisions=revision_page,
        revision_rows=[
            (r, matching_metadata(r.metadata, query), matching_text(r, query)) for r in revision_page
        ],
        comments=comment_page,
        comment_rows=[
            (c, c.target.full_label, url_of(c.target) + f"#comment-{c.pk}", snippet(c.content, query))
            for c in comment_page
        ],
        code=code_page,
        code_rows=code_hits(list(code_page), query),
        code_coverage=code_coverage,
        metadata=_by_metadata_value(request, workspaces, query),
    )


def _by_metadata_value(
    request: HttpRequest, workspaces: QuerySet[Workspace], query: str
) -> MetadataMatch | None:
    """The revisions whose metadata contains what ``query`` stands for (:func:`metadata_queries`), newest
    first; None when it is not a metadata value."""
    try:
        queries = metadata_queries(query)
    except metadata_search.BadQuery as exc:
        return MetadataMatch(queries=[], error=str(exc))
    if not queries:
        return None
    found = metadata_search.containing(
        Revision.objects.filter(figure__analysis__workspace__in=workspaces), *queries
    )
    page = paginate(
        request,
        found.select_related("figure__analysis__workspace").order_by("-created_on", "pk"),
        PER_SECTION,
        "metadata_page",
    )
    keys = list(dict.fromkeys(key for q in queries for key in q))
    rows = [(r, _values_of(r.metadata, keys)) for r in page]
    shown = [json.dumps(q, ensure_ascii=False) for q in queries]
    return MetadataMatch(queries=shown, revisions=page, rows=rows)


def _values_of(metadata, keys: list[str]) -> list[tuple[str, str]]:
    """What the revision's metadata holds under the keys asked for, flattened (at most three)."""
    if not isinstance(metadata, dict):
        return []
    found = [(k, v) for key in keys if key in metadata for k, v in flatten({key: metadata[key]}).items()]
    return found[:3]


KEY_VALUE = re.compile(r"^([^\s:={}\[\]\"]+)\s*[:=]\s*(\S.*)$", re.S)


def metadata_queries(query: str) -> list[dict]:
    """The containment queries a search stands for (any of them): a JSON object is itself (BadQuery if
    it is one the search refuses); ``key:value`` or ``key=value`` is ``{key: value}`` with the value as
    text and, if it reads as a JSON number, true, false or null, as that too, each also as a list holding
    it; a JSON list or object after the colon is taken as it is; a quoted value is text only. A dotted key
    (``git.branch:main``) is that key and also the path through nested objects. Anything else (an
    address, ``https://...``, too): none."""
    text = query.strip()
    if text.startswith("{"):
        return [metadata_search.parse(text)]
    matched = KEY_VALUE.match(text)
    if matched is None:
        return []
    key, raw = matched.group(1), matched.group(2).strip()
    if raw.startswith("//"):
        return []  # an address (https://...), not a value
    values: list = []
    try:
        parsed = json.loads(raw, parse_constant=_not_a_value)
    except ValueError:
        values = [raw, [raw]]
    else:
        if isinstance(parsed, dict | list):
            values = [parsed]
        elif isinstance(parsed, str):
            values = [parsed, [parsed]]
        else:
            values = [raw, [raw], parsed, [parsed]]
    paths = [[key]]
    if "." in key.strip("."):
        paths.append([part for part in key.split(".") if part])
    queries = []
    for path in paths:
        for value in values:
            for name in reversed(path):
                value = {name: value}
            try:
                metadata_search.check(value)
            except metadata_search.BadQuery:
                continue  # an integer beyond 64 bits, say: that reading is left out
            if value not in queries:
                queries.append(value)
    return queries


def _not_a_value(name: str):
    raise ValueError(name)


def _code_coverage(request: HttpRequest, workspaces: QuerySet[Workspace]) -> CodeCoverage:
    """How much code the search could not see; the workspaces with unindexed code get it indexed."""
    pending, gone = code_search.coverage(workspaces)
    if pending and request.user.is_authenticated:
        code_search.queue_indexing(request.user, pending)
    return CodeCoverage(pending=sum(pending.values()), gone=gone)


def code_hits(revisions: list[Revision], query: str) -> list[tuple[Revision, list[CodeHit]]]:
    """Each revision with its code objects that hold ``query`` and their matching lines (two queries)."""
    objects = list(
        Data.objects.filter(
            revision__in=revisions, type=DataType.CODE, hash__in=code_search.matching_hashes(query)
        ).order_by("position")
    )
    texts = {c.hash: c for c in CodeText.objects.filter(hash__in={d.hash for d in objects})}
    by_revision: dict = {}
    for data in objects:
        indexed = texts.get(data.hash)
        if indexed is not None:
            by_revision.setdefault(data.revision_id, []).append(_code_hit(data, indexed, query))
    return [(r, by_revision.get(r.pk, [])) for r in revisions]


def _code_hit(data: Data, indexed: CodeText, query: str) -> CodeHit:
    pattern = re.compile(re.escape(query), re.IGNORECASE)
    numbered = [(n, line) for n, line in enumerate(indexed.text.splitlines(), 1) if pattern.search(line)]
    lines = [(n, mark_line(line, pattern)) for n, line in numbered[:CODE_LINES]]
    return CodeHit(data, lines, max(0, len(numbered) - CODE_LINES), indexed.truncated)


def mark_line(line: str, pattern: re.Pattern) -> SafeString:
    """A line of code around its first match (a long one is cut), every match in view marked and all
    else escaped."""
    first = pattern.search(line)
    start = max(0, first.start() - CODE_CONTEXT) if first else 0
    end = (first.end() if first else 0) + CODE_CONTEXT
    shown = line[start:end]
    pieces, at = [], 0
    for found in pattern.finditer(shown):
        pieces.append(html.escape(shown[at : found.start()]))
        pieces.append(f"<mark>{html.escape(found.group())}</mark>")
        at = found.end()
    pieces.append(html.escape(shown[at:]))
    marked = ("…" if start else "") + "".join(pieces) + ("…" if end < len(line) else "")
    return mark_safe(marked)  # noqa: S308 - every piece escaped above


def _comments(workspaces: QuerySet[Workspace], query: str) -> QuerySet[Comment]:
    in_workspaces = (
        Q(figure__analysis__workspace__in=workspaces)
        | Q(revision__figure__analysis__workspace__in=workspaces)
        | Q(asset__workspace__in=workspaces)
        | Q(asset_revision__asset__workspace__in=workspaces)
    )
    return (
        Comment.objects.filter(in_workspaces, content__icontains=query)
        .select_related("author", *TARGET_RELATED)
        .order_by("-created_on", "pk")
    )


def matching_metadata(metadata: dict | None, query: str) -> list[tuple[str, str]]:
    needle = query.lower()
    found = [(k, v) for k, v in flatten(metadata or {}).items() if needle in k.lower() or needle in v.lower()]
    return found[:3]


def matching_text(revision: Revision, query: str) -> str | None:
    """The line of the revision's picture text holding ``query``, if any."""
    needle = query.lower()
    return next((line for line in (revision.image_text or "").splitlines() if needle in line.lower()), None)


def snippet(content: str, query: str) -> SafeString:
    """The comment as a reader sees it (rendered, as text), around the first match, the match marked."""
    text = html.unescape(nh3.clean(rendering.render(content), tags=set()))
    text = re.sub(r"\s+", " ", text).strip()
    at = text.lower().find(query.lower())
    if at < 0:  # the match was in the Markdown's markup (a link's address): show the start
        return mark_safe(html.escape(_cut(text, 0, 2 * SNIPPET)))  # noqa: S308 - escaped just here
    start, end = max(0, at - SNIPPET), at + len(query) + SNIPPET
    before, match, after = text[start:at], text[at : at + len(query)], text[at + len(query) : end]
    marked = (
        ("…" if start else "")
        + html.escape(before)
        + f"<mark>{html.escape(match)}</mark>"
        + html.escape(after)
        + ("…" if end < len(text) else "")
    )
    return mark_safe(marked)  # noqa: S308 - every piece escaped above


def _cut(text: str, start: int, end: int) -> str:
    return text[start:end] + ("…" if end < len(text) else "")
