"""Finding revisions by what their metadata holds: JSON containment, PostgreSQL's ``jsonb @>``.

``{"model": "resnet34"}`` finds the revisions whose metadata has ``model`` equal to ``"resnet34"``;
``{"patients": ["P-17"]}`` those whose ``patients`` is a list holding ``"P-17"`` (among others);
``{"git": {"branch": "main"}}`` those whose ``git`` is an object with ``branch`` ``"main"``. The rules are
PostgreSQL's, recursively, for every JSON value:

- an object contains another when each of the other's keys is in it with a value that contains the
  other's value (other keys are ignored; ``{}`` is contained in every object);
- a list contains another when each of the other's elements is contained in one of its elements (order
  and repetition do not matter; an element of a list inside a list must match one of the top-level
  elements, ``[[1, 2], 3]`` contains ``[[1]]`` but not ``[1]``);
- a string, number, boolean or null contains only an equal value of the same JSON type (``1`` equals
  ``1.0``; ``"10"`` is not ``10``; ``true`` is not ``1``; ``"x"`` is not contained in ``["x"]`` as the
  value of a key: ask for ``["x"]``).

:func:`containing` is the one filter, for the API's ``revision/search/`` and the web UI's search alike.
On PostgreSQL it is Django's ``metadata__contains`` (``@>``, served by the GIN index of migration 0006);
on SQLite, which has no ``@>`` and where Django does not support ``contains`` on a JSONField, the same
rules are written in SQL from ``json_each`` (one ``EXISTS`` per key and list element asked for), so both
databases answer alike. Numbers are compared as numbers on both; integers must fit 64 bits (SQLite's),
and numbers with more digits than a double holds may compare differently on the two.

:func:`parse` reads a query (JSON text) and refuses what is not a small JSON object: :class:`BadQuery`,
the API's 400 naming ``metadata``.
"""

from __future__ import annotations

import itertools
import json
import math

from django.db import connections
from django.db.models import BooleanField, Func, Q, QuerySet
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.utils.urls import remove_query_param, replace_query_param

from figtrail.server.access import policy
from figtrail.server.access.declarations import SIGNED_IN
from figtrail.server.access.policy import Level
from figtrail.server.catalog.models import Analysis, Figure, Revision, Workspace, api_index
from figtrail.server.catalog.revision_summaries import timestamp

MAX_QUERY_CHARS = 2000  # the JSON text of a query (a URL of more may be refused before: 4 KB)
MAX_DEPTH = 8  # levels of objects and lists in a query (the query object itself is one)
MAX_VALUES = 64  # keys and values of a query, all told (each is one EXISTS on SQLite)
INT_RANGE = 2**63  # integers SQLite holds exactly
DEFAULT_LIMIT = 50
MAX_LIMIT = 200


class BadQuery(ValueError):
    """A metadata query that is not a small JSON object; the message says why, for the user."""


def parse(text: str | None) -> dict:
    """The query object in ``text`` (JSON), checked by :func:`check`; BadQuery otherwise."""
    if text is None or not text.strip():
        raise BadQuery('Required: a JSON object of metadata keys and values, e.g. {"model": "resnet34"}.')
    if len(text) > MAX_QUERY_CHARS:
        raise BadQuery(f"At most {MAX_QUERY_CHARS} characters of JSON.")
    try:
        value = json.loads(text, parse_constant=_no_constant)
    except (ValueError, RecursionError) as exc:
        raise BadQuery(f"Not JSON: {exc}.") from None
    check(value)
    return value


def _no_constant(name: str):
    raise ValueError(f"{name} is not a JSON number")


def check(query) -> None:
    """BadQuery unless ``query`` is a non-empty object of at most MAX_DEPTH levels and MAX_VALUES values,
    holding JSON values only (integers within 64 bits, finite numbers)."""
    if not isinstance(query, dict):
        raise BadQuery("Must be a JSON object of metadata keys and values.")
    if not query:
        raise BadQuery("Name at least one metadata key.")
    stack, values = [(query, 1)], 0
    while stack:
        value, depth = stack.pop()
        values += 1
        if values > MAX_VALUES:
            raise BadQuery(f"At most {MAX_VALUES} keys and values.")
        if isinstance(value, dict | list):
            if depth > MAX_DEPTH:
                raise BadQuery(f"At most {MAX_DEPTH} levels of objects and lists.")
            if isinstance(value, dict) and not all(isinstance(key, str) for key in value):
                raise BadQuery("Keys must be strings.")
            stack.extend(
                (child, depth + 1) for child in (value.values() if isinstance(value, dict) else value)
            )
        elif isinstance(value, bool) or value is None or isinstance(value, str):
            continue
        elif isinstance(value, int):
            if not -INT_RANGE <= value < INT_RANGE:
                raise BadQuery("Integers must fit in 64 bits.")
        elif isinstance(value, float):
            if not math.isfinite(value):
                raise BadQuery("Numbers must be finite.")
        else:
            raise BadQuery(f"Not a JSON value: {value!r}.")


def containing(revisions: QuerySet, *queries: dict) -> QuerySet:
    """``revisions`` whose metadata contains any of ``queries`` (each checked by :func:`check`), by the
    rules above, on PostgreSQL and SQLite alike. No query: nothing."""
    if not queries:
        return revisions.none()
    for query in queries:
        check(query)
    if connections[revisions.db].vendor == "postgresql":
        condition = Q()
        for query in queries:
            condition |= Q(metadata__contains=query)
        return revisions.filter(condition)
    condition = Q()
    for query in queries:
        condition |= Q(SqliteContains("metadata", query))
    return revisions.filter(condition)


class SqliteContains(Func):
    """``column @> query`` for a JSON text column on SQLite, from ``json_each`` (see the module's rules).

    Each node of the query becomes a condition on an SQL value and its ``json_each`` type: the column
    itself at the top (``json_type``), a ``json_each`` row's ``type`` and ``value`` below (a container's
    ``value`` is its JSON text, a scalar's its SQL value: text, integer or real; booleans and null are
    told by ``type``)."""

    output_field = BooleanField()

    def __init__(self, expression, query: dict) -> None:
        super().__init__(expression)
        self.query = query

    def as_sql(self, compiler, connection, **extra):
        column, column_params = compiler.compile(self.source_expressions[0])
        aliases = itertools.count(1)
        params: list = []

        def value_of() -> str:
            params.extend(column_params)
            return column

        def type_of() -> str:
            params.extend(column_params)
            return f"json_type({column})"

        sql = _contains(type_of, value_of, self.query, aliases, params)
        return f"({sql})", params


def _contains(type_of, value_of, query, aliases, params: list) -> str:
    """SQL true when the JSON value (``type_of()``, ``value_of()``: SQL texts that add their own
    parameters when used) contains ``query``. Parameters are appended to ``params`` in text order.

    A container's elements are read only when its type is right (``json_each`` of ``CASE WHEN``, NULL
    otherwise: no rows): SQL does not promise to evaluate ``AND`` from the left, and a string whose text
    reads as JSON (``"[1]"``) must never be taken for a list. Kept shallow: SQLite's parser allows only so
    much nesting (MAX_DEPTH levels fit)."""
    if isinstance(query, dict | list):
        kind = "object" if isinstance(query, dict) else "array"
        parts = [f"{type_of()} = '{kind}'"]
        items = query.items() if isinstance(query, dict) else ((None, wanted) for wanted in query)
        for key, wanted in items:
            alias = f"figtrail_m{next(aliases)}"
            guard = f"{type_of()} = '{kind}'"
            head = (
                f"EXISTS (SELECT 1 FROM json_each(CASE WHEN {guard} THEN {value_of()} END) AS {alias} WHERE "
            )
            if key is not None:
                head += f"{alias}.key = %s AND "
                params.append(key)
            inner = _contains(
                lambda a=alias: f"{a}.type", lambda a=alias: f"{a}.value", wanted, aliases, params
            )
            parts.append(f"{head}{inner})")
        return " AND ".join(parts)
    if query is None:
        return f"{type_of()} = 'null'"
    if isinstance(query, bool):
        return f"{type_of()} = '{'true' if query else 'false'}'"
    if isinstance(query, str):
        sql = f"({type_of()} = 'text' AND {value_of()} = %s)"
        params.append(query)
        return sql
    # a number (check() made sure): integer and real compare as numbers
    sql = f"({type_of()} IN ('integer', 'real') AND {value_of()} = %s)"
    params.append(query)
    return sql


# ---- the API: GET revision/search/?metadata=<JSON> ----

SEARCH_ITEM_FIELDS = {
    "api_id": serializers.UUIDField(),
    "short_id": serializers.CharField(allow_null=True),
    "figure": serializers.UUIDField(),
    "figure_name": serializers.CharField(),
    "analysis": serializers.UUIDField(),
    "analysis_name": serializers.CharField(),
    "workspace": serializers.UUIDField(),
    "revision_index": serializers.IntegerField(help_text="counted from 0, as the API counts"),
    "size_bytes": serializers.IntegerField(),
    "is_processing": serializers.BooleanField(),
    "is_clean_room": serializers.BooleanField(allow_null=True),
    "metadata": serializers.JSONField(),
    "created_by": serializers.CharField(allow_null=True),
    "created_on": serializers.DateTimeField(),
    "updated_by": serializers.CharField(allow_null=True),
    "updated_on": serializers.DateTimeField(allow_null=True),
}

SEARCH_PAGE = inline_serializer(
    "MetadataSearchPage",
    {
        "metadata": serializers.JSONField(help_text="the query, as read"),
        "count": serializers.IntegerField(help_text="every revision found"),
        "limit": serializers.IntegerField(),
        "offset": serializers.IntegerField(),
        "next": serializers.URLField(allow_null=True),
        "previous": serializers.URLField(allow_null=True),
        "results": inline_serializer("MetadataSearchRevision", SEARCH_ITEM_FIELDS, many=True),
    },
)


class SearchParams(serializers.Serializer):
    limit = serializers.IntegerField(min_value=1, max_value=MAX_LIMIT, default=DEFAULT_LIMIT)
    offset = serializers.IntegerField(min_value=0, default=0)


class MetadataSearchMixin:
    access = {"search": SIGNED_IN}  # access.declarations: what it lists is policy.visible_workspaces'

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "metadata",
                OpenApiTypes.STR,
                required=True,
                description='a JSON object (URL-encoded): {"model": "resnet34"}, {"patients": ["P-17"]}, '
                '{"git": {"branch": "main"}}; found by containment, as PostgreSQL\'s jsonb @>',
            ),
            OpenApiParameter("workspace", OpenApiTypes.UUID, description="only in this workspace"),
            OpenApiParameter("analysis", OpenApiTypes.UUID, description="only in this analysis"),
            OpenApiParameter("figure", OpenApiTypes.UUID, description="only in this figure"),
            OpenApiParameter("limit", OpenApiTypes.INT, description=f"1 to {MAX_LIMIT}; {DEFAULT_LIMIT}"),
            OpenApiParameter("offset", OpenApiTypes.INT, description="revisions to skip; 0"),
        ],
        responses=SEARCH_PAGE,
    )
    @action(detail=False, methods=["get"], url_path="search")
    def search(self, request, *args, **kwargs):
        """The revisions whose metadata contains ``metadata`` (a JSON object: every key it names, with a
        value holding its value: equal scalars, list elements, nested objects, as PostgreSQL's jsonb
        ``@>``), in the workspaces the caller may view and what is shared with them, narrowed by
        ``workspace``, ``analysis`` or ``figure``, newest first, ``limit`` at a time from ``offset``."""
        try:
            query = parse(request.query_params.get("metadata"))
        except BadQuery as exc:
            raise ValidationError({"metadata": [str(exc)]}) from None
        params = SearchParams(data=request.query_params)
        params.is_valid(raise_exception=True)
        limit, offset = params.validated_data["limit"], params.validated_data["offset"]
        actor = policy.actor_of(request)
        found = containing(Revision.objects.filter(searched_scope(actor, request.query_params)), query)
        count = found.count()
        page = found.order_by("-created_on", "-pk").select_related(
            "figure__analysis", "created_by", "updated_by"
        )[offset : offset + limit]
        url = request.build_absolute_uri()
        later = offset + limit < count
        return Response(
            {
                "metadata": query,
                "count": count,
                "limit": limit,
                "offset": offset,
                "next": replace_query_param(url, "offset", offset + limit) if later else None,
                "previous": _previous(url, offset, limit),
                "results": [summary(revision) for revision in page],
            }
        )


def _previous(url: str, offset: int, limit: int) -> str | None:
    if offset <= 0:
        return None
    if offset - limit <= 0:
        return remove_query_param(url, "offset")
    return replace_query_param(url, "offset", offset - limit)


def searched_scope(actor, params) -> Q:
    """The revisions a search looks at: those of the workspaces the actor may view and those under what
    is shared with them by a user share (never a share link: a link is held, not listed), within the
    ``workspace``, ``analysis`` or ``figure`` named (404 if none has that id, 403 if not the actor's to
    view)."""
    scope = policy.readable_scope(actor, Revision)
    narrowing = (
        ("workspace", Workspace, "figure__analysis__workspace"),
        ("analysis", Analysis, "figure__analysis"),
        ("figure", Figure, "figure"),
    )
    for name, model, path in narrowing:
        if (wanted := params.get(name)) is not None:
            obj = policy.get_or_404(model, wanted)
            if isinstance(obj, Workspace):
                policy.check_workspace(actor, obj, Level.VIEW)
            else:
                policy.check(actor, obj, Level.VIEW)
            scope &= Q(**{path: obj})
    return scope


def summary(revision: Revision) -> dict:
    """A revision as the search lists it: the figure listing's revision summary (``revision_summaries``),
    with its figure's, analysis's and workspace's ids and names."""
    figure = revision.figure
    return {
        "api_id": str(revision.pk),
        "short_id": revision.short_id,
        "figure": str(figure.pk),
        "figure_name": figure.name,
        "analysis": str(figure.analysis_id),
        "analysis_name": figure.analysis.name,
        "workspace": str(figure.analysis.workspace_id),
        "revision_index": api_index(revision.revision_index),
        "size_bytes": revision.size_bytes,
        "is_processing": revision.is_processing,
        "is_clean_room": revision.is_clean_room,
        "metadata": revision.metadata,
        "created_by": revision.created_by.username if revision.created_by else None,
        "created_on": timestamp(revision.created_on),
        "updated_by": revision.updated_by.username if revision.updated_by else None,
        "updated_on": timestamp(revision.updated_on),
    }
