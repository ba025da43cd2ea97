"""``@reproducible``: run a plotting function in a clean room, and record what it ran with.

The function sees only its parameters, the declared packages (by default ``pd``, ``np``, ``plt``,
``sns``: whichever are installed), the builtins and ``publish``. Every revision published from it (by
``publish`` inside it, or later, of a figure it made or returned) carries its body, a JSON manifest of
its parameters and packages, and its DataFrame parameters as Parquet (``figtrail.capture.cleanroom``),
so that the server can show the parameters and hand out a script that draws the figure again.

Nothing here raises on account of the clean room: a parameter of another type, more than 100 MB of
DataFrames, a missing pyarrow or a function whose source cannot be read make the call a plain call,
with a warning saying why.
"""

from __future__ import annotations

import ast
import builtins
import functools
import importlib
import importlib.util
import inspect
import sys
import textwrap
import types
import warnings
from collections.abc import Callable, Mapping
from importlib import metadata
from typing import Any, TypeVar, get_type_hints, overload

from figtrail.capture.cleanroom import (
    CleanRoom,
    CleanRoomError,
    Param,
    infer_param,
    record,
    remember,
    running,
)

F = TypeVar("F", bound=Callable[..., Any])

DEFAULT_PACKAGES = {"pd": "pandas", "np": "numpy", "plt": "matplotlib.pyplot", "sns": "seaborn"}
_defaults: dict[str, str] = dict(DEFAULT_PACKAGES)


def set_default_packages(packages: dict[str, str], merge: bool = True) -> None:
    """The packages every ``@reproducible`` function gets ({alias: module}), added to the defaults
    (``merge``) or in their place."""
    global _defaults
    _defaults = {**_defaults, **packages} if merge else dict(packages)


def get_default_packages() -> dict[str, str]:
    return dict(_defaults)


def reset_default_packages() -> None:
    global _defaults
    _defaults = dict(DEFAULT_PACKAGES)


@overload
def reproducible(_func: F) -> F: ...


@overload
def reproducible(
    _func: None = None,
    *,
    interactive: bool = False,
    packages: dict[str, str] | None = None,
    merge_packages: bool = True,
    publisher: Any = None,
) -> Callable[[F], F]: ...


def reproducible(
    _func: Callable[..., Any] | None = None,
    *,
    interactive: bool = False,
    packages: dict[str, str] | None = None,
    merge_packages: bool = True,
    publisher: Any = None,
) -> Any:
    """Run the decorated function in a clean room; figures published from it record how to redraw them.

    Parameters take plain defaults (a number gets a slider, a bool a checkbox, a string a text field,
    a ``Literal[...]`` hint a dropdown) or a ``SliderParam``, ``DropdownParam``, ``CheckboxParam``,
    ``TextParam`` or ``StaticParam``. ``packages`` ({alias: module}) are added to the default packages
    (or replace them: ``merge_packages=False``). ``publisher``: whose ``publish`` the function gets
    (default: the notebook's, else the current publisher). ``interactive=True`` in a notebook shows a
    control per parameter and draws the figure again when one changes.
    """

    def decorate(func: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            chosen = _packages(packages, merge_packages)
            signature = inspect.signature(func)
            bound = signature.bind(*args, **kwargs)
            bound.apply_defaults()
            params = _params(func, bound)
            try:
                room = _clean_room(func, bound, params, chosen)
            except CleanRoomError as exc:
                warnings.warn(
                    f"@reproducible {func.__name__}() runs as a plain call, without a clean room: {exc}",
                    stacklevel=2,
                )
                return func(*bound.args, **bound.kwargs)
            outer = [name for name in func.__code__.co_freevars if name != "__class__"]
            if outer:
                warnings.warn(
                    f"@reproducible {func.__name__}() uses {', '.join(outer)} from its enclosing scope: "
                    "the record cannot redraw the figure without it; pass it as a parameter",
                    stacklevel=2,
                )
            modules = _import(chosen, explicit=set(packages or {}))
            call = _isolated(func, modules, _publish_function(publisher))
            if interactive:
                if _in_notebook():
                    _interactive(call, bound, params, room)
                    return None
                warnings.warn(
                    f"@reproducible(interactive=True) {func.__name__}(): controls need a notebook; "
                    "running once",
                    stacklevel=2,
                )
            return _run(call, bound, room)

        return wrapper

    return decorate(_func) if _func is not None else decorate


def _packages(packages: dict[str, str] | None, merge: bool) -> dict[str, str]:
    if packages is None:
        return get_default_packages()
    return {**get_default_packages(), **packages} if merge else dict(packages)


def _params(func: Callable[..., Any], bound: inspect.BoundArguments) -> dict[str, Param]:
    """Each parameter's control; a ``Param`` default is replaced by its value in ``bound``."""
    try:
        hints = get_type_hints(func)
    except Exception:  # a hint naming what is not importable here: no dropdowns from hints
        hints = {}
    params: dict[str, Param] = {}
    for name, value in list(bound.arguments.items()):
        declared = bound.signature.parameters[name].default  # a value passed keeps its default's control
        if isinstance(value, Param):
            params[name] = value
            bound.arguments[name] = value.default
        elif isinstance(declared, Param):
            params[name] = declared
        else:
            params[name] = infer_param(value, hints.get(name))
    return params


def _clean_room(
    func: Callable[..., Any], bound: inspect.BoundArguments, params: dict[str, Param], chosen: dict[str, str]
) -> CleanRoom:
    source = function_body(func)
    recorded = record(bound.arguments, params)
    installed = {alias: module for alias, module in chosen.items() if _importable(module)}
    versions = package_versions(installed.values())
    if recorded.frames:
        versions.update(package_versions(["pyarrow"]))
    return CleanRoom(
        function_name=func.__name__,
        source=source,
        imports=installed,
        packages=versions,
        recorded=recorded,
        rendering=_rendering(),
    )


def function_body(func: Callable[..., Any]) -> str:
    """The body of ``func`` as it is written, dedented: without its decorators and ``def`` line."""
    try:
        source = textwrap.dedent(inspect.getsource(func))
        tree = ast.parse(source)
    except (OSError, TypeError, SyntaxError) as exc:
        raise CleanRoomError(f"the source of {func.__name__}() cannot be read ({exc})") from exc
    defs = (ast.FunctionDef, ast.AsyncFunctionDef)
    found = [node for node in ast.walk(tree) if isinstance(node, defs) and node.name == func.__name__]
    if not found:
        raise CleanRoomError(f"the source of {func.__name__}() cannot be found")
    node, lines = found[0], source.splitlines(keepends=True)
    first, last = node.body[0], node.body[-1]
    body = lines[first.lineno - 1 : last.end_lineno]
    if first.lineno == node.lineno:  # def f(x): return x
        body[0] = " " * first.col_offset + body[0][first.col_offset :]
    return textwrap.dedent("".join(body))


def _importable(module: str) -> bool:
    if module in sys.modules:
        return True
    return importlib.util.find_spec(module.partition(".")[0]) is not None


@functools.cache
def _distributions() -> Mapping[str, list[str]]:
    return metadata.packages_distributions()


def package_versions(modules: Any) -> dict[str, str | None]:
    """The distributions (as pip names them) that provide ``modules``, with their installed versions;
    the standard library's modules are left out."""
    found: dict[str, str | None] = {}
    for module in modules:
        top = module.partition(".")[0]
        if top in sys.stdlib_module_names:
            continue
        name = (_distributions().get(top) or [top])[0]
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            found[name] = None
    return found


def _rendering() -> dict[str, Any]:
    """How figures are drawn here, for a re-run to draw them alike (matplotlib's dpi)."""
    matplotlib = sys.modules.get("matplotlib")
    if matplotlib is None:
        return {}
    return {"dpi": float(matplotlib.rcParams["figure.dpi"])}


def _import(chosen: dict[str, str], explicit: set[str]) -> dict[str, Any]:
    """The declared packages, imported; a default that is not installed is left out, a package the
    decorator names that fails to import is a warning."""
    modules = {}
    for alias, module in chosen.items():
        try:
            modules[alias] = importlib.import_module(module)
        except ImportError as exc:
            if alias in explicit:
                warnings.warn(f"@reproducible: cannot import {module} as {alias}: {exc}", stacklevel=3)
    return modules


def _publish_function(publisher: Any) -> Callable[..., Any]:
    """The ``publish`` the function sees: ``publisher``'s, else the notebook's, else the current one's."""

    def publish(fig: Any = None, target: Any = None, **kwargs: Any) -> Any:
        if publisher is not None:
            return publisher.publish(fig, target=target, **kwargs)
        notebook = sys.modules.get("figtrail.jupyter.extension")
        extension = notebook.get_extension() if notebook is not None else None
        if extension is not None and extension.publisher is not None:
            return extension.publish(fig, target=target, **kwargs)
        from figtrail.client.publisher import current_publisher

        return current_publisher().publish(fig, target=target, **kwargs)

    return publish


def _isolated(func: Callable[..., Any], modules: dict[str, Any], publish: Callable[..., Any]) -> Any:
    """``func`` with globals of its own: the builtins, the packages and ``publish``, nothing else."""
    namespace = {"__builtins__": builtins, "__name__": "__clean_room__", **modules, "publish": publish}
    isolated = types.FunctionType(
        func.__code__, namespace, func.__name__, func.__defaults__, func.__closure__
    )
    isolated.__kwdefaults__ = func.__kwdefaults__
    isolated.__annotations__ = getattr(func, "__annotations__", {})
    return isolated


def _run(call: Callable[..., Any], bound: inspect.BoundArguments, room: CleanRoom) -> Any:
    """Call the function with the values as recorded; the figures it opens or returns remember the run."""
    values = inspect.BoundArguments(bound.signature, bound.arguments.copy())
    for name, value in room.recorded.values.items():
        kind = bound.signature.parameters[name].kind
        values.arguments[name] = tuple(value) if kind is inspect.Parameter.VAR_POSITIONAL else value
    before = {id(figure) for figure in _pyplot_figures()}
    with running(room):
        result = call(*values.args, **values.kwargs)
    for figure in _pyplot_figures():
        if id(figure) not in before:
            remember(figure, room)
    if result is not None and not isinstance(result, str | int | float | bool | tuple | list | dict):
        remember(result, room)
    return result


def _pyplot_figures() -> list[Any]:
    """The figures pyplot holds open (without making any of them the current one)."""
    if "matplotlib.pyplot" not in sys.modules:
        return []
    helpers = sys.modules["matplotlib._pylab_helpers"]
    return [manager.canvas.figure for manager in helpers.Gcf.get_all_fig_managers()]


def _in_notebook() -> bool:
    shell = sys.modules.get("IPython")
    ipython = shell.get_ipython() if shell is not None else None
    return ipython is not None and hasattr(ipython, "kernel")


def _interactive(call: Any, bound: inspect.BoundArguments, params: dict[str, Param], room: CleanRoom) -> None:
    """One control per editable parameter (ipywidgets); each change draws the figure again, in a
    clean room of its own. Without ipywidgets: one plain drawing and a warning."""
    display: Any = importlib.import_module("IPython.display").display
    try:
        ipywidgets: Any = importlib.import_module("ipywidgets")
    except ImportError:
        warnings.warn(
            "@reproducible(interactive=True) needs ipywidgets: pip install ipywidgets", stacklevel=4
        )
        _run(call, bound, room)
        return
    controls = {
        name: control
        for name, param in params.items()
        if (control := _control(ipywidgets, name, param, room.recorded.values.get(name))) is not None
    }
    output = ipywidgets.Output()

    def redraw(**changed: Any) -> None:
        again = inspect.BoundArguments(bound.signature, bound.arguments.copy())
        again.arguments.update(changed)
        with output:
            output.clear_output(wait=True)
            try:
                fresh = _clean_room_again(room, again, params)
                _run(call, again, fresh)
                pyplot = sys.modules.get("matplotlib.pyplot")
                if pyplot is not None and pyplot.get_fignums():
                    with warnings.catch_warnings():  # a non-interactive backend says it cannot show
                        warnings.simplefilter("ignore")
                        pyplot.show()
            except Exception as exc:  # shown under the controls; the notebook goes on
                print(f"{type(exc).__name__}: {exc}")

    for control in controls.values():
        control.observe(lambda _change: redraw(**{n: c.value for n, c in controls.items()}), names="value")
    display(ipywidgets.VBox(list(controls.values())), output)
    redraw(**{name: control.value for name, control in controls.items()})


def _clean_room_again(room: CleanRoom, bound: inspect.BoundArguments, params: dict[str, Param]) -> CleanRoom:
    return CleanRoom(
        function_name=room.function_name,
        source=room.source,
        imports=room.imports,
        packages=room.packages,
        recorded=record(bound.arguments, params),
        rendering=room.rendering,
        language_version=room.language_version,
    )


def _control(widgets: Any, name: str, param: Param, value: Any) -> Any:
    entry = param.to_manifest(value)
    widget = entry.get("widget")
    if widget == "slider":
        whole = entry["type"] == "integer"
        slider = widgets.IntSlider if whole else widgets.FloatSlider
        return slider(  # drawn again when let go, not at every step of a drag
            value=value,
            min=entry["min"],
            max=entry["max"],
            step=entry["step"],
            description=name,
            continuous_update=False,
        )
    if widget == "dropdown":
        return widgets.Dropdown(options=entry["choices"], value=value, description=name)
    if widget == "checkbox":
        return widgets.Checkbox(value=bool(value), description=name)
    if widget == "text":
        return widgets.Text(value=str(value), description=name, continuous_update=False)
    return None
