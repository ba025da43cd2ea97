"""The revision page, opened the way the official client links to it (``/r/<short id or id>``)."""

from __future__ import annotations

import pytest

from tests.server.helpers import data_item, png_bytes
from tests.web.test_data import HTML_WITH_SCRIPT, SVG_WITH_SCRIPT


def image_loaded(page, selector: str) -> bool:
    return page.eval_on_selector(selector, "img => img.complete && img.naturalWidth > 0")


def test_short_link_opens_the_revision_with_everything_recorded(signed_in, seeded, live_server):
    page = signed_in.page
    latest = seeded.revisions[-1]
    page.goto(f"/r/{latest['short_id']}")
    assert page.url == f"{live_server.url}/revision/{latest['api_id']}"
    assert "revision 3 of 3" in page.inner_text("h1")
    assert image_loaded(page, "#figure-image")
    # code, highlighted by Pygments into classed spans
    code = page.locator("#code .hl")
    assert "treated_rate = 0.064" in code.inner_text()
    assert page.locator("#code .hl span.kn").count() >= 2  # 'import' keywords
    # metadata: the user's own parameters first, then git; the environment and the run collapsed below
    metadata = page.inner_text("#metadata")
    assert metadata.index("Parameters") < metadata.index("treated_rate") < metadata.index("Git")
    assert "main" in metadata and "3.11.9" not in metadata
    page.click("#environment summary")
    metadata = page.inner_text("#metadata")
    assert "3.11.9" in metadata and "growth.ipynb" in metadata
    # QR code of the revision's short link
    assert page.locator("#qr-panel svg.qr path").count() == 1
    assert page.inner_text("#revision-link") == f"{live_server.url}/r/{latest['short_id']}"
    # the asset revision it was made from
    assert "volumes.csv" in page.inner_text("#assets")
    # every data object can be downloaded
    assert page.locator("#downloads li a:has-text('Download')").count() == len(latest["data"])
    assert page.get_attribute("#download-all", "href") == f"/revision/{latest['api_id']}/download"
    assert signed_in.errors == []


def test_long_link_and_previous_navigation(signed_in, seeded, live_server):
    page = signed_in.page
    first, second = seeded.revisions[0], seeded.revisions[1]
    page.goto(f"/r/{second['api_id']}")
    assert page.url.endswith(f"/revision/{second['api_id']}")
    with page.expect_navigation():
        page.click("a[rel=prev]")
    assert page.url.endswith(f"/revision/{first['api_id']}")
    assert page.locator("a[rel=prev]").count() == 0


def test_unknown_short_link_is_not_found(signed_in):
    response = signed_in.page.goto("/r/no-such-revision")
    assert response.status == 404
    assert "No revision no-such-revision" in signed_in.page.inner_text("main")


def test_data_table_pages_and_downloads_as_csv(signed_in, seeded):
    page = signed_in.page
    page.goto(f"/revision/{seeded.revisions[0]['api_id']}")
    table = page.locator("#tables")
    assert "Rows 1–50 of 120" in table.inner_text()
    assert table.locator("tbody tr").count() == 50
    with page.expect_navigation():
        table.locator("[data-next-rows]").click()
    assert "Rows 51–100 of 120" in page.inner_text("#tables")
    with page.expect_download() as download:
        page.click("#tables a:has-text('Download CSV')")
    content = open(download.value.path(), encoding="utf-8").read()
    assert content.startswith("day,arm,volume\n")
    assert len(content.strip().splitlines()) == 121


@pytest.fixture(scope="module")
def untrusted(owner) -> dict:
    """A revision whose SVG and HTML try to reach the app's page."""
    _, _, figure = owner.tree()
    escape = (
        b"<script>try{parent.document.title='pwned'}catch(e){document.body.dataset.blocked='yes'}</script>"
    )
    html = HTML_WITH_SCRIPT.replace(b"</body>", escape + b"</body>")
    return owner.revision(
        figure["api_id"],
        data_item(html, "image", name="figure", format="html"),
        data_item(
            SVG_WITH_SCRIPT.replace(b"alert(1)", b"parent.document.title='pwned'"),
            "image",
            name="figure",
            format="svg",
        ),
        data_item(png_bytes(), "image", name="figure", format="png"),
    )


def test_interactive_html_runs_sandboxed(signed_in, untrusted):
    page = signed_in.page
    page.goto(f"/revision/{untrusted['api_id']}")
    frame_element = page.locator("iframe#figure-frame")
    assert frame_element.get_attribute("sandbox") == "allow-scripts"
    frame = frame_element.element_handle().content_frame()
    frame.wait_for_load_state()
    assert frame.evaluate("document.title") == "ran"  # its own script runs: plots stay interactive
    assert frame.evaluate("document.body.dataset.blocked") == "yes"  # but it cannot touch the app
    assert (
        frame.evaluate("(() => { try { return document.cookie; } catch (e) { return 'blocked'; } })()")
        == "blocked"
    )
    assert "pwned" not in page.title()


def test_svg_shows_in_a_sandboxed_frame_without_script(signed_in, untrusted):
    page = signed_in.page
    page.goto(f"/revision/{untrusted['api_id']}")
    with page.expect_navigation():
        page.click(".view-tabs a:has-text('SVG')")
    frame_element = page.locator("iframe#figure-frame")
    assert frame_element.get_attribute("sandbox") == ""
    frame_element.element_handle().content_frame().wait_for_load_state()
    assert "pwned" not in page.title()
    with page.expect_navigation():
        page.click(".view-tabs a:has-text('PNG')")
    assert page.locator("#figure-image").count() == 1


def test_download_everything_is_one_zip_of_every_data_object_and_what_the_api_says(
    live_server, seeded, owner
):
    import io
    import json
    import zipfile

    from tests.web.helpers import web_session

    latest = seeded.revisions[-1]
    session = web_session(live_server, owner.username, owner.password)
    response = session.get(f"{live_server.url}/revision/{latest['api_id']}/download", timeout=60)
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/zip"
    assert response.headers["Content-Disposition"].startswith("attachment;")
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    [folder] = {name.split("/", 1)[0] for name in archive.namelist()}
    about = json.loads(archive.read(f"{folder}/revision.json"))
    assert about["api_id"] == latest["api_id"] and about["revision_index"] == latest["revision_index"]
    assert about["metadata"] == owner.ok(f"revision/{latest['api_id']}/")["metadata"]
    assert len(about["data"]) == len(latest["data"])
    assert len({item["file"] for item in about["data"]}) == len(about["data"])  # every file its own name
    for item in about["data"]:
        stored = owner.ok(f"data/{item['api_id']}/")
        assert archive.read(f"{folder}/{item['file']}") == __import__("base64").b64decode(stored["data"])
    stranger = session.__class__()
    refused = stranger.get(f"{live_server.url}/revision/{latest['api_id']}/download", allow_redirects=False)
    assert refused.status_code == 302 and "/signin" in refused.headers["Location"]


def test_the_image_opens_full_screen_and_code_has_copy_buttons(signed_in, seeded):
    page = signed_in.page
    latest = seeded.revisions[-1]
    page.goto(f"/revision/{latest['api_id']}")
    page.click("#figure-image")
    assert page.locator("dialog#zoom-dialog").get_attribute("open") is not None
    assert page.eval_on_selector("dialog#zoom-dialog img", "i => i.complete && i.naturalWidth > 0")
    page.keyboard.press("Escape")
    assert page.locator("dialog#zoom-dialog").get_attribute("open") is None
    page.locator("#code .copy-code").first.click()
    page.wait_for_function("() => document.querySelector('#code .copy-code').textContent === 'Copied'")
    assert signed_in.errors == []


def test_the_metadata_panel_shows_the_client_s_notes_and_keeps_r_session_facts_out_of_parameters(
    live_server, owner
):
    from tests.server.helpers import data_item, png_bytes
    from tests.web.helpers import web_session

    _, _, figure = owner.tree()
    metadata = {
        "dose": 3,
        "figtrail_notes": ["plotly PNG was not stored: kaleido needs Chrome (plotly_get_chrome)"],
        "figtrail_pending": ["svg"],
        "R version": "R version 4.2.2",
        "Sys.info()": {"nodename": "lab-laptop"},
        "getwd": "/home/ada/study",
    }
    rev = owner.revision(figure["api_id"], data_item(png_bytes(), "image", format="png"), metadata=metadata)
    page = web_session(live_server, owner.username, owner.password).get(
        f"{live_server.url}/revision/{rev['api_id']}", timeout=30
    )
    html = page.text
    notes = html[html.index('id="client-notes"') : html.index("</div>", html.index('id="client-notes"'))]
    assert "kaleido needs Chrome" in notes and "Still coming</b>: svg" in notes
    parameters = html[html.index('id="parameters"') : html.index("</table>", html.index('id="parameters"'))]
    assert "dose" in parameters
    assert "lab-laptop" not in parameters and "R version" not in parameters and "figtrail_" not in parameters
    run = html[html.index('id="run"') : html.index("</table>", html.index('id="run"'))]
    assert "Sys.info().nodename" in run and "/home/ada/study" in run


def test_a_revision_waiting_to_be_auto_assigned_says_so_on_its_page_and_its_card(live_server, owner):
    """The R client's auto_assign creates the revision first and sends its picture later: meanwhile its
    page and its holding figure's card say it waits; once it has its picture and its figure, neither does."""
    from tests.server.catalog.test_auto_assign import assigned, auto_assign, chart, image_item
    from tests.web.helpers import web_session

    analysis = owner.analysis(owner.workspace()["api_id"])
    created = auto_assign(owner, analysis["api_id"], metadata=[])
    session = web_session(live_server, owner.username, owner.password)
    page = session.get(f"{live_server.url}/revision/{created['api_id']}", timeout=30).text
    assert 'id="assigning"' in page and "Waiting to be assigned to a figure." in page
    assert "it stays in “Untitled 1”" in page
    grid = session.get(f"{live_server.url}/analysis/{analysis['api_id']}", timeout=30).text
    assert ">assigning</span>" in grid

    picture = chart(lambda ax: ax.plot([0, 1, 2], [2, 0, 1]), title="Tumour Volume")
    patched = owner.patch(f"revision/{created['api_id']}/?silent=true", {"data": [image_item(picture)]})
    assert patched.status_code == 200, patched.text
    assert assigned(owner, created["api_id"])["figure_metadata"]["name"] == "Tumour Volume"
    page = session.get(f"{live_server.url}/revision/{created['api_id']}", timeout=30).text
    assert 'id="assigning"' not in page and "Tumour Volume" in page
    grid = session.get(f"{live_server.url}/analysis/{analysis['api_id']}", timeout=30).text
    assert ">assigning</span>" not in grid and "Tumour Volume" in grid


def test_what_figtrails_client_records_of_the_machine_is_environment_not_a_parameter(live_server, owner):
    """figtrail's own client writes ``host``, ``os`` and ``packages`` (name to version): the page lists
    them under Environment; only the user's own keys are Parameters."""
    import re

    from tests.web.helpers import web_session

    _, _, figure = owner.tree()
    metadata = {
        "lr": 0.25,
        "python_version": "3.11.7",
        "host": "lab-node-7",
        "os": "Linux-6.1-x86_64",
        "packages": {"numpy": "2.4.6", "matplotlib": "3.11.2"},
        "cwd": "/home/ana/project",
    }
    revision = owner.revision(
        figure["api_id"], data_item(png_bytes(), "image", format="png"), metadata=metadata
    )
    session = web_session(live_server, owner.username, owner.password)
    page = session.get(f"{live_server.url}/revision/{revision['api_id']}", timeout=30).text
    parameters = re.search(r'<table class="kv" id="parameters">(.*?)</table>', page, re.S).group(1)
    assert ">lr<" in parameters
    for machine in ("lab-node-7", "Linux-6.1", "numpy", "/home/ana/project"):
        assert machine not in parameters, machine
    environment = re.search(r'<details id="environment">(.*?)</details>', page, re.S).group(1)
    assert "lab-node-7" in environment and "Linux-6.1-x86_64" in environment
    assert "matplotlib 3.11.2, numpy 2.4.6" in environment
    assert "/home/ana/project" in environment
