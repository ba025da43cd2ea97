"""The layers point one way: each rule here is checked by reading every module's imports.

* ``figtrail.capture`` (turning figures into revision data) never imports ``figtrail.client`` (talking
  to a server): the outbox, ``figtrail.outbox``, is the layer below both.
* ``figtrail.outbox`` imports neither.
* No part of the server (``figtrail.server.<part>``: stories, catalog, social, api, ...) imports the web
  UI, ``figtrail.server.web``: the web UI is the top of the server and imports them. What both need
  lives below it (``payload_responses``, ``page_urls``, ``catalog.data_formats``). The only exceptions
  are the two modules that assemble the project: ``figtrail.server.urls`` (the root URLconf includes
  ``figtrail.server.web.urls``) and ``figtrail.server.settings`` (installs the app and its middleware).
  Both name the web UI by dotted path, so dotted paths in strings count as imports here too.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import figtrail

ROOT = Path(figtrail.__file__).parent
RULES = {  # package -> the packages it must never import
    "figtrail.capture": ("figtrail.client", "figtrail.jupyter", "figtrail.server"),
    "figtrail.outbox": ("figtrail.client", "figtrail.capture", "figtrail.jupyter", "figtrail.server"),
}


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports(path: Path) -> set[str]:
    """Every module a file imports, at the top or inside a function."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
    return found


def within(name: str, package: str) -> bool:
    return name == package or name.startswith(package + ".")


WEB = "figtrail.server.web"
ASSEMBLERS = ("figtrail.server.urls", "figtrail.server.settings")  # may name the web UI; nothing else
DOTTED = re.compile(r"figtrail(\.\w+)+")


def named_modules(path: Path) -> set[str]:
    """What a file imports, at the top or inside a function, and the modules its strings name by dotted
    path (``include("...urls")``, ``import_module``, Django settings)."""
    strings = {
        node.value
        for node in ast.walk(ast.parse(path.read_text()))
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and DOTTED.fullmatch(node.value)
    }
    return imports(path) | strings


def test_no_module_imports_a_layer_above_it():
    broken = []
    for path in sorted(ROOT.rglob("*.py")):
        name = module_name(path)
        for package, forbidden in RULES.items():
            if not within(name, package):
                continue
            broken += [
                f"{name} imports {target}"
                for target in imports(path)
                if any(within(target, f) for f in forbidden)
            ]
    assert broken == []


def test_the_rules_see_the_modules_they_govern():
    names = {module_name(path) for path in ROOT.rglob("*.py")}
    for package in RULES:
        assert any(within(name, package) for name in names), package


def test_no_server_part_imports_the_web_ui():
    broken = []
    for path in sorted((ROOT / "server").rglob("*.py")):
        name = module_name(path)
        if within(name, WEB) or name in ASSEMBLERS:
            continue
        broken += [f"{name} imports {target}" for target in named_modules(path) if within(target, WEB)]
    assert not broken, "server parts that import the web UI (move what they need below it):\n" + "\n".join(
        broken
    )


def test_the_web_rule_sees_its_modules_and_its_exceptions():
    """Guard the guard: the walk reaches the domain parts, and the exceptions do name the web UI."""
    names = {module_name(path) for path in (ROOT / "server").rglob("*.py")}
    for part in ("stories.links", "social.mentions", "catalog.thumbnails", "api.errors", "page_urls"):
        assert f"figtrail.server.{part}" in names, part
    for assembler in ASSEMBLERS:
        path = ROOT.parent / (assembler.replace(".", "/") + ".py")
        assert any(within(target, WEB) for target in named_modules(path)), assembler


# Import cycles that stay, each for a reason: the notebook API configures itself into a running shell
# (configure loads the extension, which injects configure's names and may auto-configure).
DELIBERATE_CYCLES = [{"figtrail.jupyter", "figtrail.jupyter.configure", "figtrail.jupyter.extension"}]


def import_graph() -> dict[str, set[str]]:
    """Module -> the figtrail modules it imports, at the top or inside a function (not under
    TYPE_CHECKING): ``from figtrail.capture import annotators`` counts as importing the submodule."""
    modules = {module_name(path): path for path in ROOT.rglob("*.py")}

    def resolve(name: str) -> str | None:
        while name and name not in modules:
            name = name.rpartition(".")[0]
        return name or None

    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        tree = ast.parse(path.read_text())
        typing_only = {
            id(sub)
            for node in ast.walk(tree)
            if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test)
            for sub in ast.walk(node)
        }
        targets = set()
        for node in ast.walk(tree):
            if id(node) in typing_only:
                continue
            if isinstance(node, ast.Import):
                targets.update(resolve(alias.name) for alias in node.names if within(alias.name, "figtrail"))
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                if within(node.module, "figtrail"):
                    targets.update(resolve(f"{node.module}.{alias.name}") for alias in node.names)
        graph[name] = {target for target in targets if target and target != name}
    return graph


def cycles(graph: dict[str, set[str]]) -> list[set[str]]:
    """The strongly connected groups of more than one module (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[set[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for target in graph.get(node, ()):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            group = set()
            while True:
                member = stack.pop()
                group.add(member)
                if member == node:
                    break
            if len(group) > 1:
                found.append(group)

    for node in graph:
        if node not in index:
            visit(node)
    return found


def test_no_import_cycle_hides_behind_a_function_level_import():
    found = cycles(import_graph())
    assert [group for group in found if group not in DELIBERATE_CYCLES] == []


def test_the_cycle_check_sees_a_cycle():
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [{"a", "b", "c"}]
