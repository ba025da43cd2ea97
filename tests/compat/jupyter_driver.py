"""Run notebook cells in a real IPython shell; used by test_jupyter.py in a subprocess.

Reads a JSON list of cell sources on stdin, runs each as a notebook cell would run (with history and the
pre/post run events the gofigr extension hooks into), and prints one JSON line: each cell's success and
error text. Configuration comes from the environment (GF_URL, GF_API_KEY, ...), as in a real kernel.

With ``DRIVER_PAGE_URL`` set, the shell's display publisher also plays the notebook's browser tab: when
the kernel displays the gofigr loader script, it makes the script's cross-origin request (preflight, then
an unauthenticated POST to the metadata proxy) and records the server's answers in the output.
"""

from __future__ import annotations

import json
import os
import re
import sys
import threading

import requests
from IPython.core.displaypub import DisplayPublisher
from IPython.core.interactiveshell import InteractiveShell

BROWSER_ORIGIN = "http://localhost:8888"
browser_log: list[dict] = []
browser_threads: list[threading.Thread] = []


def run_loader_script(endpoint: str) -> None:
    """What loader.js does in the browser, request for request."""
    headers = {"Origin": BROWSER_ORIGIN}
    preflight = requests.options(
        endpoint,
        headers={
            **headers,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "accept,content-type",
        },
    )
    body = {
        "metadata": {
            "url": os.environ["DRIVER_PAGE_URL"],
            "active_tab_title": os.environ.get("DRIVER_TAB_TITLE"),
        }
    }
    post = requests.post(endpoint, json=body, headers={**headers, "Accept": "application/json"})
    browser_log.append(
        {
            "preflight_status": preflight.status_code,
            "preflight_headers": {k.lower(): v for k, v in preflight.headers.items()},
            "post_status": post.status_code,
            "post_allow_origin": post.headers.get("Access-Control-Allow-Origin"),
        }
    )


class BrowserTab(DisplayPublisher):
    """The notebook frontend: runs the loader script the kernel displays."""

    def publish(self, data, metadata=None, source=None, *, transient=None, update=False, **kwargs) -> None:
        script = (data or {}).get("application/javascript", "")
        match = re.search(r'const endpoint="([^"]+)"', script)
        if match and os.environ.get("DRIVER_PAGE_URL"):
            thread = threading.Thread(target=run_loader_script, args=(match.group(1),))
            thread.start()
            browser_threads.append(thread)


def main() -> None:
    cells = json.load(sys.stdin)
    shell = InteractiveShell.instance(display_pub_class=BrowserTab)
    results = []
    for source in cells:
        outcome = shell.run_cell(source, store_history=True)
        error = outcome.error_before_exec or outcome.error_in_exec
        results.append({"success": outcome.success, "error": repr(error) if error else None})
    for thread in browser_threads:
        thread.join(10)
    print("RESULTS " + json.dumps({"cells": results, "browser": browser_log}), flush=True)


if __name__ == "__main__":
    main()
