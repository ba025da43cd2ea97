"""Which figures a piece of code draws, which statements draw each, and which one a revision shows.

One notebook cell or script often draws several figures, and every revision it publishes stores the whole
code. So that a figure is told only what it shows, the code is split (statically, with ``ast``; nothing
runs) into *drawings*: the top-level statements that draw one figure each. A statement belongs to the
figure whose objects it uses (``ax.plot`` after ``fig, ax = plt.subplots()``), or, for pyplot's and
seaborn's implicit state (``plt.plot``, ``plt.title``), to the current figure: the one created last, or a
new one after ``plt.show()``/``plt.close()``/``plt.clf()``. Each drawing's labels (title, axis labels,
series) are the literal strings passed to its calls, including through the functions defined in the code
that it calls (their parameters bound to the literal arguments) and loops over literal lists (each item a
possible label).

:func:`locate` then picks the revision's figure among the drawings by what the client recorded from the
live figure (its title, axis labels, series and subplots), else by which figure the code publishes, else
by the figure's name; when nothing tells, it says so (``chosen`` is None) rather than guess.
:func:`minimal_code` slices the code down to what one drawing (or all of them) needs.
"""

from __future__ import annotations

import ast
import builtins
import functools
import itertools
import math
import symtable
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from figtrail.ai.base import FigureFacts
from figtrail.ai.codefacts import (
    bound_names,
    clean_source,
    dotted_name,
    is_plotting_call,
    kills,
    loaded_names,
    parse,
    plotting_aliases,
    root_name,
    segment,
)

# Calls (by resolved dotted name) that make a new figure.
CREATING = frozenset(
    {
        "matplotlib.pyplot.figure",
        "matplotlib.pyplot.subplots",
        "matplotlib.pyplot.subplot_mosaic",
        "matplotlib.figure.Figure",
        "plotly.graph_objects.Figure",
        "plotly.graph_objs.Figure",
        "plotly.subplots.make_subplots",
        "plotnine.ggplot",
        "altair.Chart",
        "bokeh.plotting.figure",
        "holoviews.Curve",
    }
    | {
        f"seaborn.{name}"
        for name in """relplot catplot displot lmplot pairplot jointplot clustermap FacetGrid PairGrid
        JointGrid""".split()
    }
)
# Of these, the ones that make the new figure pyplot's current one.
PYPLOT_CREATING = frozenset(name for name in CREATING if name.startswith(("matplotlib.", "seaborn.")))
CREATING_PREFIXES = ("plotly.express.",)
# seaborn's axes-level functions: they draw on the current axes unless given ``ax=``.
SEABORN_DRAWING = frozenset(
    """lineplot scatterplot barplot histplot kdeplot boxplot violinplot heatmap countplot pointplot
    stripplot swarmplot regplot residplot ecdfplot rugplot boxenplot despine move_legend""".split()
)
# pyplot functions that configure or look things up, drawing nothing.
PYPLOT_SETUP = frozenset(
    """style rc rcParams rcdefaults rc_context use ion ioff switch_backend get_cmap colormaps cm colors
    get_fignums isinteractive""".split()
)
# pyplot functions after which the next pyplot drawing goes to a new figure.
PYPLOT_ENDING = frozenset({"show", "close", "clf"})
FINISHING = PYPLOT_ENDING | {"savefig", "draw", "pause", "tight_layout"}  # draw nothing new
# pandas' plotting methods (``df.plot()``, ``df.plot.bar()``, ``df.hist()``, ``df.boxplot()``).
PANDAS_PLOTTING = frozenset({"plot", "hist", "boxplot"})

TITLE_CALLS = frozenset({"title", "set_title", "suptitle"})
AXIS_CALLS = {
    "xlabel": "x",
    "set_xlabel": "x",
    "ylabel": "y",
    "set_ylabel": "y",
    "zlabel": "z",
    "set_zlabel": "z",
    "update_xaxes": "x",
    "update_yaxes": "y",
}
SERIES_KEYWORDS = frozenset({"label", "name", "legend_label"})
AXIS_KEYWORDS = {
    "x_axis_label": "x",
    "y_axis_label": "y",
    "xlabel": "x",
    "ylabel": "y",
    "xaxis_title": "x",
    "yaxis_title": "y",
}
TITLE_KEYWORDS = frozenset({"title", "title_text"})
LABEL_SETTERS = frozenset({"set", "update_layout", "labs", "set_axis_labels", "properties"})

STRING_METHODS = frozenset({"lower", "upper", "title", "capitalize", "strip"})
BUILTINS = frozenset(dir(builtins)) | {"__file__", "__name__", "display", "get_ipython"}
MAX_VALUES = 64  # the most values an f-string's combinations may give
MAX_DEPTH = 4  # how deep calls into the code's own functions are followed
MAX_FOLLOWED = 40  # calls into the code's own functions followed for one figure's labels
MANY = 2  # "several figures": a creation in a loop, or two creations


def normalise(text: str) -> str:
    return " ".join(text.split()).casefold()


@dataclass(frozen=True)
class Labels:
    """The literal labels one drawing certainly shows (when drawn once)."""

    title: str = ""
    axis_labels: dict[str, str] = field(default_factory=dict)
    series: tuple[str, ...] = ()


@dataclass(frozen=True)
class Drawing:
    """One figure the code draws."""

    statements: tuple[int, ...]  # indexes into the module's body, in order
    labels: Labels
    strings: frozenset[str]  # every label it may show (loop candidates too), normalised
    titles: frozenset[str]  # every title it may show, normalised
    title_unknown: bool  # some title of it is not a literal (an f-string, a computed value)
    several: bool  # one of its statements makes several figures (a loop, a function drawing several)
    published: bool  # the code publishes this figure


@dataclass(frozen=True)
class Located:
    """The drawings of a piece of code and which of them a revision shows."""

    drawings: tuple[Drawing, ...] = ()
    chosen: int | None = None
    reason: str = ""  # how the figure was chosen, or why it could not be

    @property
    def drawing(self) -> Drawing | None:
        return self.drawings[self.chosen] if self.chosen is not None else None

    @property
    def ambiguous(self) -> bool:
        return len(self.drawings) > 1 and self.chosen is None


@dataclass(frozen=True)
class _Segments:
    drawings: tuple[Drawing, ...]
    setup: tuple[int, ...]  # statements configuring the plotting libraries (kept in every slice)
    publishing: tuple[int, ...]  # statements publishing a figure (never part of a slice)


# --- reading the code ----------------------------------------------------------------------------------


class _Code:
    """The module, its plotting aliases resolved to module paths, and its own functions."""

    def __init__(self, tree: ast.Module, before: ast.Module | None = None) -> None:
        self.tree = tree
        # imports, functions and constants may come from code run before (earlier notebook cells)
        whole = ast.Module(body=[*(before.body if before else []), *tree.body], type_ignores=[])
        self.aliases = _alias_paths(whole)
        self.plotting = plotting_aliases(whole)
        self.functions: dict[str, ast.FunctionDef | ast.AsyncFunctionDef] = {
            stmt.name: stmt for stmt in whole.body if isinstance(stmt, ast.FunctionDef | ast.AsyncFunctionDef)
        }
        self.constants = _literal_lists(whole)
        self._creations: dict[str, int] = {}
        self._state: dict[str, bool] = {}
        self.figure_names: set[str] = set()  # names bound to figures and axes so far (not data frames)

    def resolve(self, func: ast.AST) -> str:
        """``matplotlib.pyplot.subplots`` for ``plt.subplots``; '' when not rooted at a module alias."""
        name = dotted_name(func)
        root, _, rest = name.partition(".")
        if root not in self.aliases:
            return ""
        return f"{self.aliases[root]}.{rest}" if rest else self.aliases[root]

    def creates(self, call: ast.Call, depth: int = 0) -> bool:
        path = self.resolve(call.func)
        if path in CREATING or path.startswith(CREATING_PREFIXES):
            return True
        plotted = _pandas_plot(call.func)
        return (  # df.plot(...) at the top level: pandas' DataFrame.plot makes a new figure
            depth == 0
            and isinstance(plotted, ast.Name)
            and plotted.id not in self.aliases
            and plotted.id not in self.figure_names
            and not _has_keyword(call, "ax")
        )

    def creates_pyplot(self, call: ast.Call) -> bool:
        return self.resolve(call.func) in PYPLOT_CREATING or (
            self.creates(call) and not self.resolve(call.func)
        )

    def creations(self, node: ast.AST, depth: int = 0) -> int:
        """How many figures running ``node`` makes: 0, 1 or MANY (also for one made in a loop)."""
        count = 0
        for child, in_loop in _walk(node):
            made = 0
            if isinstance(child, ast.Call):
                if self.creates(child, depth):
                    made = 1
                elif (name := _local_call(child, self)) and depth < MAX_DEPTH:
                    made = self.function_creations(name, depth + 1)
            count += MANY if made and in_loop else made
        return min(count, MANY)

    def function_creations(self, name: str, depth: int) -> int:
        if name not in self._creations:
            self._creations[name] = 0  # a recursive function counts as making none through itself
            made = sum(self.creations(stmt, depth) for stmt in self.functions[name].body)
            self._creations[name] = min(made, MANY)
        return self._creations[name]

    def state_drawing(self, stmt: ast.stmt, depth: int = 0) -> bool:
        """Does ``stmt`` draw on pyplot's current figure (pyplot, seaborn's axes-level functions, a
        Series' plot, or a function of the code that does)?"""
        for node in ast.walk(stmt):
            if not isinstance(node, ast.Call):
                continue
            path = self.resolve(node.func)
            head = path.split(".")
            if path.startswith("matplotlib.pyplot.") and head[2] not in PYPLOT_SETUP:
                return True
            if path.startswith("seaborn.") and head[-1] in SEABORN_DRAWING and not _has_keyword(node, "ax"):
                return True
            if not path and _pandas_plot(node.func) is not None and not self.creates(node, depth):
                return True
            name = _local_call(node, self)
            if name and depth < MAX_DEPTH and self.function_state_drawing(name, depth + 1):
                return True
        return False

    def function_state_drawing(self, name: str, depth: int) -> bool:
        if name not in self._state:
            self._state[name] = False  # a recursive function does not draw through itself
            self._state[name] = any(self.state_drawing(stmt, depth) for stmt in self.functions[name].body)
        return self._state[name]

    def uses_library(self, stmt: ast.stmt) -> bool:
        return any(isinstance(n, ast.Name) and n.id in self.plotting for n in ast.walk(stmt))


def _alias_paths(tree: ast.Module) -> dict[str, str]:
    paths: dict[str, str] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.asname:
                    paths[alias.asname] = alias.name
                else:
                    root = alias.name.split(".")[0]
                    paths[root] = root
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            for alias in node.names:
                paths[alias.asname or alias.name] = f"{node.module}.{alias.name}"
    return paths


def _literal_lists(tree: ast.Module) -> dict[str, tuple[str, ...]]:
    """Top-level names bound once to a list or tuple of strings (``cities = ["Berlin", "Lisbon"]``)."""
    found: dict[str, tuple[str, ...]] = {}
    bound: dict[str, int] = {}
    for stmt in tree.body:
        if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Name):
            name = stmt.targets[0].id
            bound[name] = bound.get(name, 0) + 1
            values = _string_items(stmt.value)
            if values:
                found[name] = values
    return {name: values for name, values in found.items() if bound[name] == 1}


def _string_items(node: ast.AST) -> tuple[str, ...]:
    if isinstance(node, ast.List | ast.Tuple | ast.Set) and node.elts:
        items = [e.value for e in node.elts if isinstance(e, ast.Constant) and isinstance(e.value, str)]
        if len(items) == len(node.elts):
            return tuple(items)
    return ()


def _walk(node: ast.AST, in_loop: bool = False) -> Iterator[tuple[ast.AST, bool]]:
    """Every node under ``node`` (not into nested definitions), and whether it runs in a loop."""
    yield node, in_loop
    for name, value in ast.iter_fields(node):
        children = value if isinstance(value, list) else [value]
        looped = in_loop or _loops(node, name)
        for child in children:
            if isinstance(child, ast.AST) and not isinstance(
                child, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef | ast.Lambda
            ):
                yield from _walk(child, looped)


def _loops(node: ast.AST, field_name: str) -> bool:
    if isinstance(node, ast.For | ast.AsyncFor | ast.While):
        return field_name in ("body", "orelse")
    if isinstance(node, ast.ListComp | ast.SetComp | ast.GeneratorExp):
        return field_name == "elt"
    if isinstance(node, ast.DictComp):
        return field_name in ("key", "value")
    return False


def _has_keyword(call: ast.Call, name: str) -> bool:
    return any(keyword.arg == name for keyword in call.keywords)


def _pandas_plot(func: ast.AST) -> ast.AST | None:
    """The object plotted by ``obj.plot(...)``, ``obj.plot.bar(...)``, ``obj.hist()``; else None."""
    if not isinstance(func, ast.Attribute):
        return None
    if func.attr in PANDAS_PLOTTING:
        return func.value
    if isinstance(func.value, ast.Attribute) and func.value.attr == "plot":
        return func.value.value
    return None


def _local_call(call: ast.Call, code: _Code) -> str:
    return call.func.id if isinstance(call.func, ast.Name) and call.func.id in code.functions else ""


def _loaded(node: ast.AST) -> set[str]:
    return {n.id for n in ast.walk(node) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)}


def _stored(stmt: ast.stmt) -> set[str]:
    return {n.id for n in ast.walk(stmt) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)}


def _calls(stmt: ast.AST) -> Iterator[ast.Call]:
    return (node for node in ast.walk(stmt) if isinstance(node, ast.Call))


def _is_publish(stmt: ast.stmt) -> bool:
    value = stmt.value if isinstance(stmt, ast.Expr | ast.Assign) else None
    return isinstance(value, ast.Call) and dotted_name(value.func).rsplit(".", 1)[-1] == "publish"


# --- splitting the code into drawings ------------------------------------------------------------------


@dataclass
class _Building:
    statements: list[int] = field(default_factory=list)
    several: bool = False
    published: bool = False


def _segments(code: _Code) -> _Segments:
    building: list[_Building] = []
    handles: dict[str, int] = {}
    current: int | None = None
    setup: list[int] = []
    publishing: list[int] = []

    def new(index: int, *, several: bool) -> int:
        building.append(_Building([index], several=several))
        return len(building) - 1

    for index, stmt in enumerate(code.tree.body):
        code.figure_names = set(handles)
        if any(name in handles for name in _loaded(stmt)):
            code.figure_names |= _stored(stmt)  # for ax in axes: ax.plot(...)
        code.figure_names |= _figures_bound_inside(stmt, code)
        if isinstance(
            stmt, ast.Import | ast.ImportFrom | ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef
        ):
            continue
        if _is_publish(stmt):
            publishing.append(index)
            for drawing in _published(stmt, code, handles, current):
                building[drawing].published = True
            continue
        made = code.creations(stmt)
        used = sorted({handles[name] for name in _loaded(stmt) if name in handles})
        draws = _draws(stmt, code, handles)
        if made:
            pyplot = any(code.creates_pyplot(call) for call in _calls(stmt)) or code.state_drawing(stmt)
            drawing = new(index, several=made >= MANY)
            for name in _stored(stmt):
                handles[name] = drawing
            if pyplot:
                current = drawing
        elif draws and used:
            for drawing in used:
                building[drawing].statements.append(index)
            for name in _stored(stmt):
                handles[name] = used[0]
            if _switches(stmt, code):
                current = used[0]
        elif draws and code.state_drawing(stmt):
            if current is None and _only_finishes(stmt, code):
                pass  # plt.close("all") or plt.show() with no figure drawn: no new figure
            elif current is None:
                current = new(index, several=False)
            else:
                building[current].statements.append(index)
            if current is not None:
                handles.update(dict.fromkeys(_stored(stmt), current))  # ax = plt.gca()
        elif used and isinstance(stmt, ast.Assign) and root_name(stmt.value) in handles:
            for name in _stored(stmt):  # ax = axes[0]; ax2 = ax.twinx()
                handles[name] = handles[root_name(stmt.value)]
        elif code.uses_library(stmt) and not _stored(stmt):
            setup.append(index)  # plt.style.use(...), sns.set_theme(), rcParams[...] = ...
        if any(code.resolve(call.func).rsplit(".", 1)[-1] in PYPLOT_ENDING for call in _calls(stmt)) and (
            any(code.resolve(call.func).startswith("matplotlib.pyplot.") for call in _calls(stmt))
        ):
            current = None
    drawings = tuple(_finish(code, b) for b in building)
    return _Segments(drawings, tuple(setup), tuple(publishing))


def _only_finishes(stmt: ast.stmt, code: _Code) -> bool:
    """Only pyplot calls that show, save or close (which draw nothing new) and no other call."""
    calls = list(_calls(stmt))
    return bool(calls) and all(
        code.resolve(call.func).startswith("matplotlib.pyplot.")
        and code.resolve(call.func).rsplit(".", 1)[-1] in FINISHING
        for call in calls
    )


def _figures_bound_inside(stmt: ast.stmt, code: _Code) -> set[str]:
    """Names a compound statement binds to new figures (``with ...: fig, ax = plt.subplots()``)."""
    found: set[str] = set()
    for node in ast.walk(stmt):
        if isinstance(node, ast.Assign) and any(
            (path := code.resolve(call.func)) in CREATING or path.startswith(CREATING_PREFIXES)
            for call in _calls(node.value)
        ):
            found |= {n.id for t in node.targets for n in ast.walk(t) if isinstance(n, ast.Name)}
    return found


def _draws(stmt: ast.stmt, code: _Code, handles: Mapping[str, int]) -> bool:
    """A drawing statement: a plotting call, a call of the code's own drawing function, or a call on a
    figure's object (``fig.savefig``, ``g.set_axis_labels``)."""
    for call in _calls(stmt):
        if is_plotting_call(call, code.plotting) or root_name(call.func) in handles:
            return True
        if (name := _local_call(call, code)) and (
            code.function_creations(name, 1)
            or code.state_drawing(code.functions[name])
            or any(is_plotting_call(inner, code.plotting) for inner in _calls(code.functions[name]))
        ):
            return True
    return False


def _switches(stmt: ast.stmt, code: _Code) -> bool:
    """``plt.sca(ax)`` / ``plt.figure(fig.number)``: pyplot's current figure becomes the handle's."""
    return any(
        code.resolve(call.func) in ("matplotlib.pyplot.sca", "matplotlib.pyplot.figure")
        for call in _calls(stmt)
    )


def _published(stmt: ast.stmt, code: _Code, handles: Mapping[str, int], current: int | None) -> set[int]:
    found: set[int] = set()
    value = stmt.value if isinstance(stmt, ast.Expr | ast.Assign) else None
    if not isinstance(value, ast.Call):
        return found
    for arg in [*value.args, *(k.value for k in value.keywords if k.arg in ("fig", "figure"))]:
        if (root := root_name(arg)) in handles:
            found.add(handles[root])
        elif (
            isinstance(arg, ast.Call)
            and code.resolve(arg.func) == "matplotlib.pyplot.gcf"
            and current is not None
        ):
            found.add(current)
    return found


def _finish(code: _Code, building: _Building) -> Drawing:
    reader = _LabelReader(code)
    for index in building.statements:
        reader.visit(code.tree.body[index], code.constants)
    return Drawing(
        statements=tuple(sorted(set(building.statements))),
        labels=reader.labels(),
        strings=frozenset(normalise(s) for s in reader.strings),
        titles=frozenset(normalise(s) for s in reader.titles),
        title_unknown=reader.title_unknown,
        several=building.several,
        published=building.published,
    )


# --- reading labels ------------------------------------------------------------------------------------

Env = dict[str, tuple[str, ...]]  # a name's possible string values


class _LabelReader:
    """The literal labels passed to plotting calls, following the code's own functions and loops."""

    def __init__(self, code: _Code) -> None:
        self.code = code
        self.title_candidates: list[tuple[str, ...]] = []
        self.suptitle: tuple[str, ...] = ()
        self.axes: dict[str, tuple[str, ...]] = {}
        self.series: list[tuple[str, ...]] = []
        self.strings: set[str] = set()
        self.titles: set[str] = set()
        self.title_unknown = False
        self.depth = 0
        self.followed = 0  # calls into the code's own functions followed so far

    def labels(self) -> Labels:
        single = [
            values[0]
            for values in ([self.suptitle] if self.suptitle else []) + self.title_candidates
            if len(values) == 1
        ]
        title = single[0] if single and (len(self.suptitle) == 1 or not self.suptitle) else ""
        series = tuple(dict.fromkeys(values[0] for values in self.series if len(values) == 1))
        axes = {axis: values[0] for axis, values in self.axes.items() if len(values) == 1}
        return Labels(title=title, axis_labels=axes, series=series)

    def visit(self, node: ast.AST, env: Env) -> None:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef | ast.Lambda):
            return
        if isinstance(node, ast.For | ast.AsyncFor) and isinstance(node.target, ast.Name):
            values = self.values(node.iter, env)
            inner = {**env, node.target.id: values} if values else _without(env, node.target.id)
            self.visit(node.iter, env)
            for stmt in [*node.body, *node.orelse]:
                self.visit(stmt, inner)
            return
        if isinstance(node, ast.Call):
            self.call(node, env)
        for child in ast.iter_child_nodes(node):
            self.visit(child, env)

    def values(self, node: ast.AST, env: Env) -> tuple[str, ...]:
        """The strings ``node`` may be: a literal, a name bound to some, each item of a literal list."""
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            return (node.value.strip(),) if node.value.strip() else ()
        if isinstance(node, ast.Name):
            return env.get(node.id, ())
        if isinstance(node, ast.List | ast.Tuple | ast.Set):
            return tuple(v for e in node.elts for v in self.values(e, env))
        if isinstance(node, ast.JoinedStr):  # f"Sales in {region}", each region it may be
            parts: list[tuple[str, ...]] = []
            for value in node.values:
                if isinstance(value, ast.Constant) and isinstance(value.value, str):
                    parts.append((value.value,))
                elif (
                    isinstance(value, ast.FormattedValue) and value.conversion == -1 and not value.format_spec
                ):
                    parts.append(self.values(value.value, env))
                else:
                    return ()
            if not all(parts) or math.prod(len(p) for p in parts) > MAX_VALUES:
                return ()
            return tuple("".join(combination).strip() for combination in itertools.product(*parts))
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id in ("sorted", "list", "tuple", "reversed")
        ):
            return self.values(node.args[0], env) if node.args else ()
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr in STRING_METHODS
            and not node.args
        ):  # title.lower()
            return tuple(str(getattr(v, node.func.attr)()) for v in self.values(node.func.value, env))
        return ()

    def note(self, values: tuple[str, ...]) -> tuple[str, ...]:
        self.strings.update(values)
        return values

    def title(self, node: ast.AST, env: Env, *, sup: bool = False) -> None:
        values = self.note(self.values(node, env))
        if not values:
            self.title_unknown = True
            return
        self.titles.update(values)
        if sup and not self.suptitle:
            self.suptitle = values
        else:
            self.title_candidates.append(values)

    def call(self, call: ast.Call, env: Env) -> None:
        func = call.func
        name = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""
        first = call.args[0] if call.args else None
        if name in TITLE_CALLS and first is not None:
            self.title(first, env, sup=name == "suptitle")
        if name in AXIS_CALLS and first is not None and (values := self.note(self.values(first, env))):
            self.axes.setdefault(AXIS_CALLS[name], values)
        if name == "set_axis_labels":  # seaborn grids: set_axis_labels("x label", "y label")
            for axis, arg in zip(("x", "y"), call.args, strict=False):
                if values := self.note(self.values(arg, env)):
                    self.axes.setdefault(axis, values)
        for keyword in call.keywords:
            if (
                name == "labs"
                and keyword.arg in ("x", "y")
                and (values := self.note(self.values(keyword.value, env)))
            ):
                self.axes.setdefault(keyword.arg, values)  # plotnine: labs(x=..., y=...)
            self.keyword(name, keyword, env)
        local = _local_call(call, self.code)
        if local and self.depth < MAX_DEPTH and self.followed < MAX_FOLLOWED:
            self.followed += 1
            self.depth += 1
            function = self.code.functions[local]
            inner = {**self.code.constants, **_bind(function, call, env, self)}
            for stmt in function.body:
                self.visit(stmt, inner)
            self.depth -= 1

    def keyword(self, name: str, keyword: ast.keyword, env: Env) -> None:
        if keyword.arg is None:
            return
        if keyword.arg in SERIES_KEYWORDS and (values := self.note(self.values(keyword.value, env))):
            self.series.append(values)
        elif keyword.arg in AXIS_KEYWORDS and (values := self.note(self.values(keyword.value, env))):
            self.axes.setdefault(AXIS_KEYWORDS[keyword.arg], values)
        elif keyword.arg in TITLE_KEYWORDS and (name in LABEL_SETTERS or name not in TITLE_CALLS):
            if isinstance(keyword.value, ast.Dict):
                for key, value in zip(keyword.value.keys, keyword.value.values, strict=True):
                    if isinstance(key, ast.Constant) and key.value == "text":
                        self.title(value, env)
            else:
                self.title(keyword.value, env)
        elif keyword.arg == "labels" and isinstance(keyword.value, ast.Dict):
            for key, value in zip(keyword.value.keys, keyword.value.values, strict=True):
                axis = key.value if isinstance(key, ast.Constant) else None
                if axis in ("x", "y", "z") and (values := self.note(self.values(value, env))):
                    self.axes.setdefault(str(axis), values)


def _without(env: Env, name: str) -> Env:
    return {key: value for key, value in env.items() if key != name}


def _bind(
    function: ast.FunctionDef | ast.AsyncFunctionDef, call: ast.Call, env: Env, reader: _LabelReader
) -> Env:
    """The function's parameters bound to the string values of the call's arguments (and defaults)."""
    params = [*function.args.posonlyargs, *function.args.args]
    bound: Env = {}
    defaults = function.args.defaults
    for param, default in zip(params[len(params) - len(defaults) :], defaults, strict=True):
        if values := reader.values(default, {}):
            bound[param.arg] = values
    for param, keyword_default in zip(function.args.kwonlyargs, function.args.kw_defaults, strict=True):
        if keyword_default is not None and (values := reader.values(keyword_default, {})):
            bound[param.arg] = values
    for param, arg in zip(params, call.args, strict=False):
        if not isinstance(arg, ast.Starred):
            bound[param.arg] = reader.values(arg, env)
    for keyword in call.keywords:
        if keyword.arg:
            bound[keyword.arg] = reader.values(keyword.value, env)
    return {name: values for name, values in bound.items() if values}


# --- which drawing a revision shows ------------------------------------------------------------------


def drawings(code: str, before: str = "") -> tuple[Drawing, ...]:
    """The figures ``code`` draws, in the order it draws them; () when it does not parse. ``before`` is
    code run earlier in the same session (earlier notebook cells), read for its imports and functions."""
    analysed = _analysed(code, before)
    return analysed[1].drawings if analysed is not None else ()


@functools.lru_cache(maxsize=16)
def _analysed(code: str, before: str) -> tuple[_Code, _Segments] | None:
    """The parsed code and its drawings (one answer reads them several times)."""
    tree = parse(code)
    if tree is None:
        return None
    parsed = _Code(tree, _before(before))
    return parsed, _segments(parsed)


def _before(before: str) -> ast.Module | None:
    return parse(before) if before.strip() else None


def recorded_strings(
    title: str = "",
    axis_labels: Mapping[str, str] | None = None,
    series: Sequence[str] = (),
    axes: Any = None,
) -> list[tuple[str, int]]:
    """What the client read off the live figure, each with how much it says about which figure it is."""
    found = [(title, 3)] if title else []
    found += [(label, 1) for label in (axis_labels or {}).values()]
    found += [(item, 1) for item in series]
    for panel in axes if isinstance(axes, list) else []:
        if isinstance(panel, dict):
            found += [(str(panel.get("title") or ""), 2)]
            found += [(str(value), 1) for key, value in panel.items() if key not in ("title", "series")]
            found += [
                (str(item), 1) for item in panel.get("series") or [] if isinstance(panel.get("series"), list)
            ]
    return [(normalise(text), weight) for text, weight in found if isinstance(text, str) and text.strip()]


def locate(
    code: str,
    *,
    title: str = "",
    axis_labels: Mapping[str, str] | None = None,
    series: Sequence[str] = (),
    axes: Any = None,
    figure_name: str = "",
    before: str = "",
) -> Located:
    """Which of the figures ``code`` draws is the one described by what was recorded from it.

    By what the client read off the live figure (its title counts most; a drawing whose literal titles
    are all other than the recorded one is ruled out), else the only figure the code publishes, else the
    only figure titled like ``figure_name``. One figure in the code is that figure.
    """
    found = drawings(code, before)
    if not found:
        return Located()
    if len(found) == 1:
        return Located(found, 0, "it is the only figure the code draws")
    recorded = recorded_strings(title, axis_labels, series, axes)
    wanted = normalise(title)
    scores = [
        -1
        if wanted and d.titles and wanted not in d.titles and not d.title_unknown
        else sum(weight for text, weight in recorded if text in d.strings)
        for d in found
    ]
    best = max(scores)
    if best > 0 and scores.count(best) == 1:
        what = "title matches" if wanted and wanted in found[scores.index(best)].titles else "labels match"
        return Located(found, scores.index(best), f"its {what} what was recorded from the figure")
    candidates = [n for n, score in enumerate(scores) if score == best and score >= 0]
    if len(candidates) == 1 and scores.count(-1) == len(found) - 1:
        return Located(found, candidates[0], "the other figures have titles other than the recorded one")
    published = [n for n in candidates if found[n].published]
    if len(published) == 1:
        return Located(found, published[0], "it is the only one of them the code publishes")
    named = (
        [n for n in candidates if normalise(figure_name) in found[n].titles] if figure_name.strip() else []
    )
    if len(named) == 1:
        return Located(found, named[0], "its title is the figure's name")
    what = (
        "the labels recorded from the figure"
        if recorded
        else "no title or labels were recorded from the figure, and its name and the publishing calls"
    )
    return Located(found, None, f"{what} do not tell which one this is")


def locate_facts(facts: FigureFacts) -> Located:
    """:func:`locate` for a :class:`figtrail.ai.FigureFacts` (its code and recorded facts)."""
    metadata = facts.metadata if isinstance(facts.metadata, dict) else {}
    return locate(
        facts.code,
        title=facts.title,
        axis_labels=facts.axis_labels,
        series=facts.series,
        axes=metadata.get("axes"),
        figure_name=facts.figure_name,
        before=facts.code_before,
    )


# --- slicing -------------------------------------------------------------------------------------------


def minimal_code(code: str, figure: int | None = None, *, title: str = "", before: str = "") -> str | None:
    """The top-level statements that draw one figure (``figure``, an index into :func:`drawings`) or,
    with None, every figure, in their original order and text.

    A backward slice over top-level statements: start from the figure's drawing statements (and the
    statements configuring the plotting libraries before them), then keep each earlier statement that
    binds or changes a name a kept statement reads: imports, data steps, the functions and classes it
    calls. Other figures' drawing and the publishing calls are never kept. A loop over a literal list
    that draws a figure per item is narrowed to the one item whose figure is titled ``title``, when
    exactly one is. ``before`` is code run earlier in the same session (earlier notebook cells): what the
    slice needs from it (imports, data, functions) is kept too, and nothing else of it. None when the
    code does not parse or draws nothing (the caller then shows it whole).
    """
    source = clean_source(code)
    analysed = _analysed(code, before)
    if analysed is None:
        return None
    parsed, segments = analysed
    tree, earlier = parsed.tree, _before(before)
    if not segments.drawings or (figure is not None and not 0 <= figure < len(segments.drawings)):
        return None
    chosen = segments.drawings if figure is None else (segments.drawings[figure],)
    seeds = {index for drawing in chosen for index in drawing.statements}
    seeds |= {index for index in segments.setup if index < max(seeds)}
    excluded = {index for drawing in segments.drawings for index in drawing.statements} - seeds
    excluded |= set(segments.publishing)
    needed: set[str] = set()
    kept: list[int] = []
    for index in range(len(tree.body) - 1, -1, -1):
        stmt = tree.body[index]
        if index in seeds or (index not in excluded and bound_names(stmt) & needed):
            kept.append(index)
            needed -= kills(stmt)
            needed |= loaded_names(stmt)
    narrowed = _narrowed(parsed, source, chosen[0], title) if figure is not None and title else {}
    texts = [narrowed.get(index) or segment(source, tree.body[index]) for index in reversed(kept)]
    if earlier is not None:
        texts = _needed_before(earlier, clean_source(before), needed) + texts
    return "\n".join(texts)


def _needed_before(earlier: ast.Module, source: str, needed: set[str]) -> list[str]:
    """The statements of earlier code that bind what the slice still needs, and what they need."""
    kept: list[ast.stmt] = []
    for stmt in reversed(earlier.body):
        if not _is_publish(stmt) and bound_names(stmt) & needed:
            kept.append(stmt)
            needed = (needed - kills(stmt)) | loaded_names(stmt)
    return [segment(source, stmt) for stmt in reversed(kept)]


def narrowed_item(code: str, figure: int, title: str, before: str = "") -> str:
    """The item a loop drawing ``figure`` is narrowed to for the figure titled ``title``; '' if none."""
    analysed = _analysed(code, before)
    if analysed is None or not title:
        return ""
    parsed, segments = analysed
    found = segments.drawings
    if not 0 <= figure < len(found):
        return ""
    item = next(iter(_loop_items(parsed, found[figure], title).values()), None)
    return item[1] if item else ""


def _loop_items(parsed: _Code, drawing: Drawing, title: str) -> dict[int, tuple[ast.For, str]]:
    """For each loop of the drawing over literal strings: the one item whose figure has ``title``."""
    if not drawing.several:
        return {}
    wanted = normalise(title)
    found: dict[int, tuple[ast.For, str]] = {}
    for index in drawing.statements:
        stmt = parsed.tree.body[index]
        if not isinstance(stmt, ast.For) or not isinstance(stmt.target, ast.Name):
            continue
        reader = _LabelReader(parsed)
        items = reader.values(stmt.iter, parsed.constants)
        matching = []
        for item in dict.fromkeys(items):
            one = _LabelReader(parsed)
            for inner in stmt.body:
                one.visit(inner, {**parsed.constants, stmt.target.id: (item,)})
            if wanted in {normalise(t) for t in one.titles}:
                matching.append(item)
        if len(items) > 1 and len(matching) == 1:
            found[index] = (stmt, matching[0])
    return found


def _narrowed(parsed: _Code, source: str, drawing: Drawing, title: str) -> dict[int, str]:
    """The text of the drawing's loops narrowed to the item titled ``title`` (by statement index)."""
    lines = source.encode().splitlines(keepends=True)
    starts = [0]
    for line in lines:
        starts.append(starts[-1] + len(line))
    raw = source.encode()

    def at(line: int, column: int) -> int:  # ast columns count UTF-8 bytes
        return starts[line - 1] + column

    texts: dict[int, str] = {}
    for index, (stmt, item) in _loop_items(parsed, drawing, title).items():
        if stmt.end_lineno is None or stmt.iter.end_lineno is None or stmt.iter.end_col_offset is None:
            continue
        end = at(stmt.end_lineno, stmt.end_col_offset or 0)
        head = raw[at(stmt.lineno, stmt.col_offset) : at(stmt.iter.lineno, stmt.iter.col_offset)]
        tail = raw[at(stmt.iter.end_lineno, stmt.iter.end_col_offset) : end]
        texts[index] = head.decode() + f"[{item!r}]" + tail.decode()
    return texts


def undefined_names(code: str) -> tuple[str, ...]:
    """Names ``code`` reads that it never defines and that are not builtins (in order of appearance):
    what it needs from elsewhere (an earlier notebook cell) to run. () when it does not parse."""
    try:
        table = symtable.symtable(clean_source(code), "<code>", "exec")
    except (SyntaxError, ValueError):
        return ()
    defined = {s.get_name() for s in table.get_symbols() if s.is_assigned() or s.is_imported()}
    found: list[str] = []

    def visit(scope: symtable.SymbolTable, top: bool) -> None:
        for symbol in scope.get_symbols():
            name = symbol.get_name()
            free = symbol.is_referenced() and (
                (top and not symbol.is_assigned() and not symbol.is_imported())
                or (not top and symbol.is_global())
            )
            if free and name not in defined and name not in BUILTINS and name not in found:
                found.append(name)
        for child in scope.get_children():
            visit(child, False)

    visit(table, True)
    order = {name: code.find(name) for name in found}
    return tuple(sorted(found, key=lambda name: order[name]))
