"""The layers point one way: each rule here is checked by reading every module's imports.

* ``figtrail.capture`` (turning figures into revision data) never imports ``figtrail.client`` (talking
  to a server): the outbox, ``figtrail.outbox``, is the layer below both.
* ``figtrail.outbox`` imports neither.
"""

from __future__ import annotations

import ast
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
