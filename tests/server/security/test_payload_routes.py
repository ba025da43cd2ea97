"""Every route that answers with user bytes does it through ``payload_responses.payload_response``.

Three guards, so that a new route cannot serve a payload without the sandbox:

1. the source: no module of the server builds a raw ``HttpResponse`` / ``FileResponse`` /
   ``StreamingHttpResponse`` with a body, except ``payload_responses`` itself and a short list of
   answers that hold no user bytes (third-party scripts, Server-Sent Events of the AI, a 503 text);
2. the URL conf, walked in-process: the views marked ``@payload_route`` are exactly the ones attacked
   below (a new payload route fails here until it is added to ``ROUTES``);
3. the live server: each of those routes, fed hostile payloads, answers sandboxed, nosniff, and inline
   only as an allow-listed picture or plain text.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
import requests

from tests.server.access.test_route_declarations import resolver  # noqa: F401 - the in-process URL conf
from tests.server.helpers import b64, data_item, png_bytes
from tests.server.security.test_payload_xss import XHTML, assert_safe_payload
from tests.web.helpers import web_session

SERVER_SOURCE = Path(__file__).resolve().parents[3] / "src" / "figtrail" / "server"
RAW_RESPONSES = {"HttpResponse", "FileResponse", "StreamingHttpResponse"}
# (module, function) building a raw response that holds no user bytes
NOT_USER_BYTES = {
    ("web/views/data.py", "figure_script"),  # plotting libraries from installed packages
    ("sse.py", "sse_response"),  # Server-Sent Events of the AI (API and pages): JSON lines the server writes
}
SVG = b'<svg xmlns="http://www.w3.org/2000/svg" width="8" height="8"><script>alert(1)</script></svg>'

# view (module.qualname) -> the path(s) to attack, from the fixture's objects
ROUTES = {
    "figtrail.server.web.views.data.download": ["/web/data/{xhtml}/download", "/web/data/{svg}/download"],
    "figtrail.server.web.views.data.view": ["/web/data/{xhtml}/view", "/web/data/{svg}/view"],
    "figtrail.server.web.views.data.thumbnail": ["/web/thumbnail/{svg_revision}/320"],
    "figtrail.server.web.views.revisions.download_all": ["/revision/{bad_revision}/download"],
    "figtrail.server.web.views.compare.pixel_diff_png": ["/web/compare/diff.png?a={png_a}&b={png_b}"],
    "figtrail.server.web.views.organizations.logo": ["/web/organization/{organization}/logo"],
    "figtrail.server.web.views.stories.slide_image": ["/web/story/{story}/slide/{slide}/640"],
    "figtrail.server.web.views.stories.export": ["/story/{story}/export/pptx"],
    "figtrail.server.stories.views.StoryViewSet.slide_image": [
        "/api/v1.4.1/story/{story}/slide/{slide}/image/"
    ],
    "figtrail.server.stories.views.StoryViewSet.export": ["/api/v1.4.1/story/{story}/export/?format=docx"],
}


class _RawResponses(ast.NodeVisitor):
    """Calls building a raw response with a body, each with its innermost enclosing function."""

    def __init__(self, module: str) -> None:
        self.module, self.stack, self.found = module, ["<module>"], []

    def visit_FunctionDef(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        self.stack.append(node.name)
        self.generic_visit(node)
        self.stack.pop()

    visit_AsyncFunctionDef = visit_FunctionDef

    def visit_Call(self, node: ast.Call) -> None:
        name = node.func.id if isinstance(node.func, ast.Name) else getattr(node.func, "attr", "")
        has_body = bool(node.args) or any(k.arg in ("content", "streaming_content") for k in node.keywords)
        if name in RAW_RESPONSES and has_body:
            self.found.append((self.module, self.stack[-1], node.lineno))
        self.generic_visit(node)


def raw_responses() -> list[tuple[str, str, int]]:
    """Every call building a raw response with a body: (module, function, line)."""
    found = []
    for path in sorted(SERVER_SOURCE.rglob("*.py")):
        module = path.relative_to(SERVER_SOURCE).as_posix()
        if module == "payload_responses.py" or "/migrations/" in module:
            continue
        visitor = _RawResponses(module)
        visitor.visit(ast.parse(path.read_text()))
        found.extend(visitor.found)
    return found


def test_no_raw_response_outside_payload_responses():
    offenders = [f"{m}:{line} in {f}()" for m, f, line in raw_responses() if (m, f) not in NOT_USER_BYTES]
    assert offenders == [], "use payload_responses.payload_response:\n" + "\n".join(offenders)


def test_the_source_scan_sees_the_known_raw_answers():
    """Guard the guard: the scan finds the allowed raw answers, so it reads the files it should."""
    seen = {(m, f) for m, f, _ in raw_responses()}
    assert NOT_USER_BYTES <= seen, NOT_USER_BYTES - seen


def marked_views(resolver) -> set[str]:  # noqa: F811 - the fixture's value
    from figtrail.server.access.declarations import walk

    marked = set()
    for _, entry in walk(resolver):
        callback = entry.callback
        cls = getattr(callback, "cls", None) or getattr(callback, "view_class", None)
        actions = getattr(callback, "actions", None) or {}
        if cls is not None:
            for action in actions.values():
                if getattr(getattr(cls, action, None), "serves_payload", False):
                    marked.add(f"{cls.__module__}.{cls.__qualname__}.{action}")
        elif getattr(callback, "serves_payload", False):
            marked.add(f"{callback.__module__}.{callback.__qualname__}")
    return marked


def test_every_payload_route_is_attacked_below(resolver):  # noqa: F811
    assert marked_views(resolver) == set(ROUTES)


@pytest.fixture(scope="module")
def hostile(live_server, owner) -> dict:
    """One of each object a payload route serves, made of hostile bytes where the route takes them."""
    workspace, analysis, figure = owner.tree()
    bad = owner.revision(
        figure["api_id"],
        data_item(XHTML, "image", name="evil.xhtml", format="tiff"),
        data_item(SVG, "image", name="evil.svg", format="svg"),
    )
    xhtml, svg = (d["api_id"] for d in owner.ok(f"revision/{bad['api_id']}/")["data"])
    svg_figure = owner.figure(analysis["api_id"])
    svg_revision = owner.revision(svg_figure["api_id"], data_item(SVG, "image", name="f.svg", format="svg"))
    png_figure = owner.figure(analysis["api_id"])
    png_a, png_b = (
        owner.revision(png_figure["api_id"], data_item(png_bytes(color=c), "image", format="png"))["api_id"]
        for c in ((1, 2, 3), (200, 2, 3))
    )
    story = owner.created(
        "story/", {"workspace": workspace["api_id"], "revision_ids": [bad["api_id"]], "generate": False}
    )
    organization = owner.created("organization/", {"name": "Payload org", "logo": None})
    patched = owner.patch(f"organization/{organization['api_id']}/", {"logo": b64(png_bytes())})
    assert patched.status_code == 200, patched.text
    return {
        "xhtml": xhtml,
        "svg": svg,
        "svg_revision": svg_revision["api_id"],
        "bad_revision": bad["api_id"],
        "png_a": png_a,
        "png_b": png_b,
        "story": story["api_id"],
        "slide": story["slides"][0]["api_id"],
        "organization": organization["api_id"],
    }


@pytest.mark.parametrize("view", sorted(ROUTES))
def test_every_payload_route_answers_sandboxed(live_server, owner, hostile, view):
    web = web_session(live_server, owner.username, owner.password)
    api = requests.Session()
    api.headers.update(owner.session.headers)
    for path in ROUTES[view]:
        url = live_server.url + path.format(**hostile)
        response = (api if path.startswith("/api/") else web).get(url, timeout=60)
        assert_safe_payload(response, path)
