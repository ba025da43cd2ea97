"""Imports and SSH keys in the browser: a PowerPoint made here becomes figures of an analysis; SSH keys
are generated, pasted and deleted, and no private key ever reaches a page."""

from __future__ import annotations

import io
import re
import shutil

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519

from tests.conftest import start_server, stop_server
from tests.server.helpers import new_user, png_bytes
from tests.server.imports.builders import git, publish_bare, serve_folder
from tests.web.conftest import Browsing
from tests.web.seed import line_chart
from tests.web.test_stories import images_loaded


def pptx_with_pictures(tmp_path) -> str:
    from pptx import Presentation
    from pptx.util import Inches

    deck = Presentation()
    # pictures of their own: one the seeded figure already has would be recognised, not imported again
    pictures = [line_chart(1, width=6.1), png_bytes(color=(20, 121, 61))]
    for number, picture in enumerate(pictures, start=1):
        slide = deck.slides.add_slide(deck.slide_layouts[5])
        slide.shapes.title.text = f"Result {number}"
        slide.shapes.add_picture(io.BytesIO(picture), Inches(1), Inches(1.5), width=Inches(5))
    path = tmp_path / "lab-meeting.pptx"
    deck.save(path)
    return str(path)


def test_upload_a_pptx_and_see_its_figures(signed_in, owner, tmp_path):
    workspace = owner.workspace()
    analysis = owner.analysis(workspace["api_id"], "Imported slides")
    page = signed_in.page
    page.goto(f"/analysis/{analysis['api_id']}")
    with page.expect_navigation():
        page.click("#import-button")
    page.select_option("#import-kind", "pptx")
    page.set_input_files("#import-upload", pptx_with_pictures(tmp_path))
    with page.expect_navigation():
        page.click("#import-file-submit")
    assert "task=" in page.url
    page.wait_for_selector("#import-status:has-text('succeeded')", timeout=30_000)
    assert "2 new revisions in 2 figures" in page.inner_text("#import-result")
    with page.expect_navigation():
        page.click("#import-open")
    cards = page.locator("#figure-grid .card")
    assert cards.count() == 2
    assert images_loaded(page, "#figure-grid .card img")
    assert signed_in.errors == []


def test_a_file_that_is_not_an_office_package_is_refused(signed_in, owner, tmp_path):
    workspace = owner.workspace()
    analysis = owner.analysis(workspace["api_id"], "Refusals")
    fake = tmp_path / "notes.pptx"
    fake.write_bytes(b"just some text")
    page = signed_in.page
    page.goto(f"/analysis/{analysis['api_id']}/import")
    page.set_input_files("#import-upload", str(fake))
    with page.expect_navigation():
        page.click("#import-file-submit")
    assert "file: This is not a .pptx file" in page.inner_text(".messages")


def test_a_git_url_on_a_private_network_is_refused(signed_in, owner):
    workspace = owner.workspace()
    analysis = owner.analysis(workspace["api_id"], "Git refusals")
    page = signed_in.page
    page.goto(f"/analysis/{analysis['api_id']}/import")
    page.fill("#git-url", "https://127.0.0.1/lab/figures.git")
    with page.expect_navigation():
        page.click("#import-git-submit")
    assert "url:" in page.inner_text(".messages")
    assert page.input_value("#git-url") == "https://127.0.0.1/lab/figures.git"


def private_key_text() -> str:
    key = ed25519.Ed25519PrivateKey.generate()
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.OpenSSH, serialization.NoEncryption()
    ).decode()


def test_ssh_keys_generate_paste_and_delete(signed_in):
    page = signed_in.page
    page.goto("/account/api-keys")
    with page.expect_navigation():
        page.click(".side-nav >> text=SSH keys")
    page.fill("#ssh-generate-name", "lab gitlab")
    with page.expect_navigation():
        page.click("#ssh-generate")
    assert "SSH key “lab gitlab” added" in page.inner_text(".messages")
    row = page.locator("#ssh-keys tr:has-text('lab gitlab')")
    public = row.locator("input.pubkey").input_value()
    assert re.match(r"^ssh-ed25519 [A-Za-z0-9+/=]+ figtrail:", public)
    assert "SHA256:" in row.inner_text()

    pasted = private_key_text()
    page.fill("#ssh-paste-name", "laptop key")
    page.fill("#ssh-private-key", pasted)
    with page.expect_navigation():
        page.click("#ssh-paste")
    assert page.locator("#ssh-keys tr:has-text('laptop key')").count() == 1
    html = page.content()
    assert "PRIVATE KEY" not in html and pasted.splitlines()[1] not in html
    assert page.input_value("#ssh-private-key") == ""

    page.fill("#ssh-paste-name", "broken")
    page.fill("#ssh-private-key", "not a key")
    with page.expect_navigation():
        page.click("#ssh-paste")
    assert "private_key: Not a private key" in page.inner_text(".messages")

    page.on("dialog", lambda dialog: dialog.accept())
    with page.expect_navigation():
        page.locator("#ssh-keys tr:has-text('laptop key') button:has-text('Delete')").click()
    assert "The SSH key is deleted." in page.inner_text(".messages")
    assert page.locator("#ssh-keys tr:has-text('laptop key')").count() == 0
    assert page.locator("#ssh-keys tr:has-text('lab gitlab')").count() == 1
    assert signed_in.errors == []


@pytest.fixture(scope="module")
def private_server(tmp_path_factory):
    """A server that may reach a Git repository on 127.0.0.1 (off by default: SSRF guard)."""
    server = start_server(
        tmp_path_factory.mktemp("figtrail-web-git"), {"FIGTRAIL_IMPORT_ALLOW_PRIVATE_NETWORKS": "1"}
    )
    yield server
    stop_server(server)


@pytest.fixture(scope="module")
def git_repository(tmp_path_factory):
    if shutil.which("git") is None:
        pytest.fail("this test needs the git command: apt-get install git")
    work, public = tmp_path_factory.mktemp("work"), tmp_path_factory.mktemp("public")
    git(work, "init", "--quiet", "-b", "main")
    (work / "figures").mkdir()
    (work / "figures" / "growth.png").write_bytes(png_bytes(color=(200, 40, 40)))
    git(work, "add", ".")
    git(work, "commit", "--quiet", "-m", "First figure")
    (work / "figures" / "growth.png").write_bytes(png_bytes(color=(40, 40, 200)))
    git(work, "commit", "--quiet", "-am", "Recolour")
    publish_bare(work, public, "lab.git")
    server, base = serve_folder(public)
    yield f"{base}/lab.git"
    server.shutdown()


def test_import_a_git_repository_and_choose_an_ssh_key(browser, private_server, git_repository):
    user = new_user(private_server)
    analysis = user.analysis(user.workspace()["api_id"], "From git")
    browsing = Browsing(browser, private_server.url)
    try:
        browsing.sign_in(user.username, user.password)
        page = browsing.page
        page.goto(f"/analysis/{analysis['api_id']}/import")
        page.fill("#git-url", git_repository)
        with page.expect_navigation():
            page.click("#import-git-submit")
        page.wait_for_selector("#import-status:has-text('succeeded')", timeout=60_000)
        assert "2 new revisions in 1 figure." in page.inner_text("#import-result")
        page.goto(f"/analysis/{analysis['api_id']}")
        assert "2 revisions" in page.locator("#figure-grid .card").inner_text()

        # an SSH key is offered by name on the form; used with an ssh URL, the task reports git's failure
        key = user.created("ssh_key/", {"name": "deploy key", "generate": True})
        page.goto(f"/analysis/{analysis['api_id']}/import")
        page.select_option("#git-key", label=f"deploy key ({key['fingerprint'][:23]}…)")
        page.fill("#git-url", "git@127.0.0.1:lab/missing.git")  # nothing listens on port 22 here
        with page.expect_navigation():
            page.click("#import-git-submit")
        page.wait_for_selector("#import-status:has-text('failed')", timeout=60_000)
        assert "git" in page.inner_text("#import-result")
        assert "PRIVATE KEY" not in page.content()
        assert browsing.errors == []
    finally:
        browsing.close()
