"""What the offline provider can know about a figure's code without running it: its structure via ``ast``.

:func:`analyse` lists imports, calls, plotting calls and the data files read (for summaries and
comparisons); the helpers below it say which names a statement reads and binds, for the slicing in
``figtrail.ai.codefigures`` (which figure of the code is which, and the code one of them needs). All of
it is static and deterministic; nothing executes.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass

# Modules whose calls draw figures; a call rooted at an alias of one of these is a plotting call.
PLOTTING_MODULES = (
    "matplotlib",
    "seaborn",
    "plotly",
    "plotnine",
    "altair",
    "bokeh",
    "holoviews",
    "hvplot",
    "pygal",
)

# Method names that draw or style a figure whatever object they are called on (``ax.plot``, ``df.plot``).
PLOTTING_METHODS = frozenset(
    """plot scatter bar barh hist hist2d boxplot violinplot imshow matshow pie fill_between fill_betweenx
    errorbar step stem contour contourf pcolormesh hexbin quiver streamplot axhline axvline axhspan
    axvspan annotate text set_title set_xlabel set_ylabel set_zlabel set_xlim set_ylim set_xscale
    set_yscale set_xticks set_yticks set_xticklabels set_yticklabels legend grid suptitle subplots
    add_subplot twinx twiny colorbar tight_layout savefig show add_trace update_layout update_traces
    update_xaxes update_yaxes write_image write_html mark_line mark_bar mark_point mark_area
    heatmap lineplot barplot histplot kdeplot boxplot pairplot relplot catplot displot""".split()
)

# Calls that read a data file: any ``read_*`` function (pandas, polars, figtrail's tracked readers) and these.
READER_FUNCTIONS = frozenset({"open", "loadtxt", "genfromtxt", "load", "fromfile", "imread", "scan_csv"})

# Method calls that change the object they are called on, so a slice must keep them.
MUTATING_METHODS = frozenset(
    {"append", "extend", "insert", "update", "sort", "reverse", "remove", "pop", "clear", "add", "discard"}
)

_MAGIC = re.compile(r"^\s*[%!]")


@dataclass(frozen=True)
class CodeFacts:
    """The structure of one piece of code; ``error`` is set (and the rest empty) when it does not parse."""

    imports: tuple[str, ...] = ()
    calls: tuple[str, ...] = ()
    plotting_calls: tuple[str, ...] = ()
    files_read: tuple[str, ...] = ()  # "weather.csv (pd.read_csv)"
    functions_defined: tuple[str, ...] = ()
    lines: int = 0
    error: str = ""


def clean_source(code: str) -> str:
    """Notebook cells hold IPython magics (``%matplotlib inline``, ``!pip``): blank them so ``ast`` parses
    the rest, keeping line numbers."""
    return "\n".join("" if _MAGIC.match(line) else line for line in code.splitlines())


def parse(code: str) -> ast.Module | None:
    try:
        return ast.parse(clean_source(code))
    except (SyntaxError, ValueError):
        return None


def dotted_name(node: ast.AST) -> str:
    """``pd.read_csv`` for ``pd.read_csv(...)``'s func; ``df.plot.bar`` keeps the chain; '' if not a name."""
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        base = dotted_name(node.value)
        return f"{base}.{node.attr}" if base else f"….{node.attr}"
    if isinstance(node, ast.Call):
        return dotted_name(node.func) + "()"
    return ""


def root_name(node: ast.AST) -> str:
    while isinstance(node, ast.Attribute | ast.Subscript | ast.Call):
        node = node.func if isinstance(node, ast.Call) else node.value
    return node.id if isinstance(node, ast.Name) else ""


def _unique(items: list[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(item for item in items if item))


def plotting_aliases(tree: ast.Module) -> set[str]:
    """The local names bound to plotting modules (``plt``, ``sns``, ``px``...)."""
    aliases: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] in PLOTTING_MODULES:
                    aliases.add((alias.asname or alias.name).split(".")[0])
        elif isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] in PLOTTING_MODULES:
            aliases.update(alias.asname or alias.name for alias in node.names)
    return aliases


def is_plotting_call(call: ast.Call, aliases: set[str]) -> bool:
    func = call.func
    if isinstance(func, ast.Attribute) and func.attr in PLOTTING_METHODS:
        return True
    return root_name(func) in aliases


def _file_read(call: ast.Call) -> str:
    name = dotted_name(call.func)
    last = name.rsplit(".", 1)[-1]
    if not (last.startswith("read_") or last in READER_FUNCTIONS):
        return ""
    args = list(call.args) + [
        kw.value
        for kw in call.keywords
        if kw.arg in {"path", "filepath_or_buffer", "file", "fname", "source"}
    ]
    for arg in args:
        if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
            return f"{arg.value} ({name})"
    return ""


def analyse(code: str) -> CodeFacts:
    if not code.strip():
        return CodeFacts()
    tree = parse(code)
    if tree is None:
        return CodeFacts(lines=len(code.splitlines()), error="the code does not parse as Python")
    aliases = plotting_aliases(tree)
    imports: list[str] = []
    calls: list[ast.Call] = []
    defined: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            imports.extend(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            imports.extend(f"{node.module or '.'}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Call):
            calls.append(node)
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            defined.append(node.name)
    calls.sort(key=lambda call: (call.lineno, call.col_offset))
    return CodeFacts(
        imports=_unique(imports),
        calls=_unique([dotted_name(call.func) for call in calls]),
        plotting_calls=_unique([dotted_name(call.func) for call in calls if is_plotting_call(call, aliases)]),
        files_read=_unique([_file_read(call) for call in calls]),
        functions_defined=_unique(defined),
        lines=len(code.splitlines()),
    )


# --- slicing -------------------------------------------------------------------------------------------


def loaded_names(node: ast.AST) -> set[str]:
    return {n.id for n in ast.walk(node) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)}


def bound_names(stmt: ast.stmt) -> set[str]:
    """Names a statement binds or changes (``df["x"] = ...`` changes ``df``)."""
    if isinstance(stmt, ast.Import | ast.ImportFrom):
        return {(alias.asname or alias.name).split(".")[0] for alias in stmt.names}
    if isinstance(stmt, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
        return {stmt.name}
    bound: set[str] = set()
    for node in ast.walk(stmt):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store | ast.Del):
            bound.add(node.id)
        elif isinstance(node, ast.Attribute | ast.Subscript) and isinstance(node.ctx, ast.Store | ast.Del):
            bound.add(root_name(node))
        elif isinstance(node, ast.Call) and _mutates(node):
            bound.add(root_name(node.func))
    return bound - {""}


def _mutates(call: ast.Call) -> bool:
    inplace = any(kw.arg == "inplace" and getattr(kw.value, "value", False) is True for kw in call.keywords)
    return inplace or (isinstance(call.func, ast.Attribute) and call.func.attr in MUTATING_METHODS)


def kills(stmt: ast.stmt) -> set[str]:
    """Names a statement fully redefines, so earlier definitions of them are not needed."""
    if isinstance(stmt, ast.Assign):
        targets = [e for t in stmt.targets for e in (t.elts if isinstance(t, ast.Tuple | ast.List) else [t])]
        return {t.id for t in targets if isinstance(t, ast.Name)}
    if isinstance(stmt, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef | ast.Import | ast.ImportFrom):
        return bound_names(stmt)
    return set()


def segment(source: str, stmt: ast.stmt) -> str:
    text = ast.get_source_segment(source, stmt) or ""
    decorators = getattr(stmt, "decorator_list", [])
    prefix = "".join(f"@{ast.get_source_segment(source, d)}\n" for d in decorators)
    return prefix + text
