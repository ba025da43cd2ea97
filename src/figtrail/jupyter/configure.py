"""``configure(...)`` and ``publish(...)`` for notebooks: the same shape as the official client's."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from figtrail.capture.backends import Backend
from figtrail.capture.watermark import Watermark
from figtrail.client.config import load_config
from figtrail.client.queries import NotebookName
from figtrail.client.revision import PublishedRevision
from figtrail.jupyter.notebook import set_notebook


def configure(
    *,
    auto_publish: bool | None = None,
    workspace: Any = None,
    analysis: Any = None,
    default_metadata: dict[str, Any] | None = None,
    annotators: Sequence[Any] | None = None,
    url: str | None = None,
    api_key: str | None = None,
    username: str | None = None,
    password: str | None = None,
    backends: Sequence[str | Backend] | None = None,
    watermark: bool | Watermark | None = None,
    image_formats: Sequence[str] | None = None,
    notebook_name: str | None = None,
    notebook_path: str | None = None,
    show_widget: bool = True,
    save_pickle: bool = True,
    strict: bool | None = None,
    outbox: str | None = None,
):
    """Say where this notebook's figures go; returns the ``Publisher``.

    With no ``analysis`` the analysis is named after the notebook. ``workspace`` defaults to
    FIGTRAIL_WORKSPACE (or the config file's), else your primary workspace. ``auto_publish`` publishes
    every figure the notebook shows, named after its title. ``strict=True`` (default: FIGTRAIL_STRICT) makes
    publishing wait for the server and raise on errors, instead of queueing and warning.
    """
    from figtrail.client.publisher import Publisher
    from figtrail.jupyter import extension

    config = load_config(url=url, api_key=api_key, username=username, password=password, outbox=outbox)
    set_notebook(notebook_name, notebook_path)
    publisher = Publisher(
        workspace=workspace,
        analysis=analysis if analysis is not None else NotebookName(),
        config=config,
        annotators=annotators,
        backends=backends,
        watermark=watermark,
        image_formats=image_formats,
        default_metadata=default_metadata,
        save_pickle=save_pickle,
        strict=strict,
    )
    ext = extension.get_extension() or _load_into_running_shell()
    if ext is not None:
        if ext.publisher is not None and ext.publisher is not publisher:
            ext.publisher.close()
        ext.publisher = publisher
        ext.auto_publish = config.auto_publish if auto_publish is None else bool(auto_publish)
        ext.show_widget = show_widget
    return publisher


def publish(
    fig: Any = None,
    target: Any = None,
    dataframes: dict[str, Any] | None = None,
    metadata: dict[str, Any] | None = None,
    backend: str | Backend | None = None,
    files: Any = None,
) -> PublishedRevision | None:
    """Publish ``fig`` (default: the current matplotlib figure) to ``target`` once, even with auto-publish."""
    from figtrail.jupyter import extension

    ext = extension.get_extension() or _load_into_running_shell()
    if ext is None:
        from figtrail.client.publisher import current_publisher

        return current_publisher().publish(fig, target, dataframes, metadata, backend, files)
    return ext.publish(fig, target, dataframes=dataframes, metadata=metadata, backend=backend, files=files)


def _load_into_running_shell():
    """``configure`` without ``%load_ext``: load the extension if we are inside IPython."""
    import sys

    if "IPython" not in sys.modules:
        return None
    from IPython import get_ipython

    shell = get_ipython()
    if shell is None or not hasattr(shell, "display_pub"):
        return None
    from figtrail.jupyter import extension

    return extension.load(shell)
