"""The SSRF guard: repository URLs that reach the server's own network, or other schemes, are a 400 naming
``url`` (on a server that does not allow private networks, the default)."""

from __future__ import annotations

import pytest

REFUSED = [
    "https://127.0.0.1/repo.git",
    "https://localhost/repo.git",
    "https://10.1.2.3/repo.git",
    "https://192.168.0.10/repo.git",
    "http://169.254.169.254/latest/meta-data/",
    "https://169.254.169.254/repo.git",
    "https://[::1]/repo.git",
    "https://0.0.0.0/repo.git",
    "https://[::ffff:127.0.0.1]/repo.git",
    "ssh://git@127.0.0.1/repo.git",
    "git@localhost:owner/repo.git",
    "git@10.0.0.1:owner/repo.git",
    "file:///etc/passwd",
    "ext::sh -c id",
    "/srv/git/repo.git",
    "--upload-pack=touch /tmp/x",
    "ftp://example.org/repo.git",
    "https://no-such-host.invalid/repo.git",
]


@pytest.mark.parametrize("url", REFUSED)
def test_check_access_refuses(owner, url):
    response = owner.post("git/check_access/", {"url": url})
    assert response.status_code == 400, response.text
    assert "url" in response.json()


@pytest.mark.parametrize(
    "url", ["https://127.0.0.1/repo.git", "https://[::1]/r.git", "https://169.254.169.254/r"]
)
def test_upload_refuses(owner, url):
    _workspace, analysis, _figure = owner.tree()
    response = owner.post("upload/", {"kind": "git", "analysis_id": analysis["api_id"], "url": url})
    assert response.status_code == 400, response.text
    assert "url" in response.json()


def test_plain_http_needs_an_admin_setting(owner):
    response = owner.post("git/check_access/", {"url": "http://example.org/repo.git"})
    assert response.status_code == 400
    assert "http" in response.json()["url"][0]


def test_token_with_ssh_url_and_key_with_https_url(owner):
    key = owner.created("ssh_key/", {"name": "k", "generate": True})
    response = owner.post(
        "git/check_access/", {"url": "https://93.184.215.14/r.git", "ssh_key_id": key["api_id"]}
    )
    assert response.status_code == 400 and "ssh_key_id" in response.json()
    response = owner.post("git/check_access/", {"url": "git@93.184.215.14:o/r.git", "token": "t"})
    assert response.status_code == 400 and "token" in response.json()


def test_someone_elses_ssh_key(owner, stranger):
    key = owner.created("ssh_key/", {"name": "k", "generate": True})
    response = stranger.post(
        "git/check_access/", {"url": "git@93.184.215.14:o/r.git", "ssh_key_id": key["api_id"]}
    )
    assert response.status_code == 400 and "ssh_key_id" in response.json()
