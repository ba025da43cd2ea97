"""``/api/schema/`` (OpenAPI) and ``/api/docs/`` (Swagger UI served from the package, usable offline)."""

from __future__ import annotations

import re

import requests
import yaml


def fetch_schema(live_server) -> dict:
    response = requests.get(
        live_server.url + "/api/schema/", headers={"Accept": "application/vnd.oai.openapi+json"}
    )
    assert response.status_code == 200
    if "json" in response.headers["Content-Type"]:
        return response.json()
    return yaml.safe_load(response.text)


def test_schema_lists_revision_and_workspace_paths(live_server):
    schema = fetch_schema(live_server)
    assert schema["openapi"].startswith("3.")
    paths = set(schema["paths"])
    assert any(re.search(r"/revision/\{[^}]+\}/?$", p) for p in paths), sorted(paths)
    assert any(re.search(r"/revision/?$", p) for p in paths)
    assert any(re.search(r"/workspace/\{[^}]+\}/?$", p) for p in paths)
    assert any(re.search(r"/workspace/?$", p) for p in paths)


def test_schema_describes_both_auth_schemes(live_server):
    schemes = fetch_schema(live_server)["components"]["securitySchemes"]
    assert {"jwtAuth", "apiKeyAuth"} <= set(schemes)


def test_schema_needs_no_auth_and_never_redirects(live_server):
    response = requests.get(live_server.url + "/api/schema", allow_redirects=False)
    assert response.status_code == 200


def test_docs_are_html_without_external_urls(live_server):
    response = requests.get(live_server.url + "/api/docs/", allow_redirects=False)
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/html")
    html = response.text
    assert "swagger" in html.lower()
    external = [
        u
        for u in re.findall(r"""(?:src|href)\s*=\s*["']([^"']+)["']""", html)
        if re.match(r"(https?:)?//", u)
    ]
    assert external == []
    assert "cdn.jsdelivr" not in html and "unpkg.com" not in html and "cdnjs" not in html


def test_docs_assets_are_served_locally(live_server):
    html = requests.get(live_server.url + "/api/docs/").text
    assets = re.findall(r"""(?:src|href)\s*=\s*["'](/[^"']+\.(?:js|css))["']""", html)
    assert assets, "the docs page loads no local scripts or styles"
    for asset in assets:
        response = requests.get(live_server.url + asset)
        assert response.status_code == 200, asset
        assert len(response.content) > 100
