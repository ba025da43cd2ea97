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
