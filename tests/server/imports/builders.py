"""What the import tests feed the server: Office files and a Git repository made here, and task polling."""

from __future__ import annotations

import io
import os
import subprocess
import threading
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from PIL import Image

from tests.server.helpers import Api

PPTX_TYPE = "application/vnd.openxmlformats-officedocument.presentationml.presentation"
DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def picture(color: tuple, size: tuple = (64, 48), image_format: str = "PNG") -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, format=image_format)
    return out.getvalue()


def upload(api: Api, fields: dict, file: tuple | None = None):
    files = {"file": file} if file else None
    return api.request("POST", "upload/", data=fields, files=files)


def image_of(api: Api, revision: dict) -> bytes:
    import base64

    images = [item for item in revision["data"] if item["type"] == "image"]
    assert len(images) == 1, revision
    return base64.b64decode(api.ok(f"data/{images[0]['api_id']}/")["data"])


# ---- a Git repository served over the "dumb" HTTP protocol ----


def git(repository: Path, *args: str, author: tuple[str, str] = ("Ada", "ada@example.org"), **env) -> str:
    name, email = author
    environment = {
        **os.environ,
        "GIT_AUTHOR_NAME": name,
        "GIT_AUTHOR_EMAIL": email,
        "GIT_COMMITTER_NAME": name,
        "GIT_COMMITTER_EMAIL": email,
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_CONFIG_GLOBAL": os.devnull,
        **env,
    }
    done = subprocess.run(["git", *args], cwd=repository, env=environment, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


class RecordingHandler(SimpleHTTPRequestHandler):
    """Serves files quietly and keeps each request's Authorization header (to see how tokens travel)."""

    seen_authorization: list[str | None] = []

    def do_GET(self) -> None:
        self.seen_authorization.append(self.headers.get("Authorization"))
        if self.path.startswith("/moved/"):  # a redirect git must not follow
            self.send_response(302)
            self.send_header("Location", self.path.removeprefix("/moved"))
            self.end_headers()
            return
        super().do_GET()

    def log_message(self, format: str, *args) -> None:  # noqa: A002 - the base class's name
        pass


def serve_folder(folder: Path) -> tuple[ThreadingHTTPServer, str]:
    """A static HTTP server on 127.0.0.1 for ``folder``; its base URL."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), partial(RecordingHandler, directory=str(folder)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}"


def publish_bare(work: Path, public: Path, name: str) -> Path:
    """A bare copy of ``work`` under ``public``, ready for dumb HTTP (``git update-server-info``)."""
    target = public / name
    if target.exists():
        git(target, "fetch", "--quiet", str(work), "+refs/heads/*:refs/heads/*")
    else:
        git(public, "clone", "--quiet", "--bare", str(work), name)
    git(target, "update-server-info")
    return target
