"""Searching revisions by their code (``catalog/code_search.py``, ``web/search_results.py``): code is
indexed at publish time, once per distinct blob; code stored before the index is indexed by the
"revision.index_code" task a search queues, and the page says so meanwhile; hits are marked lines of
named code objects, counted and paged; nobody finds code they may not see."""

from __future__ import annotations

import html
import re
import time
import uuid

import requests

from tests.server.helpers import blob_files, data_item, new_user, png_bytes, read_db, unique
from tests.tls import write_db
from tests.web.helpers import web_session


def code_item(text: str, name: str = "script.py") -> dict:
    return data_item(text.encode(), "code", name=name, language="python")


def image_item() -> dict:
    return data_item(png_bytes(), "image", name="figure", format="png")


def stored_before_the_index(live_server, workspace_id: str, *hashes: str) -> int:
    """Make code look stored before the index existed, as an upgrade finds it: its index rows gone and
    its workspace marked as the 0007 migration marks such workspaces. The index rows deleted."""
    deleted = write_db(
        live_server, f"DELETE FROM catalog_codetext WHERE hash IN ({', '.join('?' * len(hashes))})", hashes
    )
    sqlite = not live_server.env.get("FIGTRAIL_DATABASE_URL")
    workspace = uuid.UUID(workspace_id).hex if sqlite else workspace_id
    write_db(
        live_server,
        "INSERT INTO catalog_codeindexpending (workspace_id, marked_on) VALUES (?, CURRENT_TIMESTAMP)",
        (workspace,),
    )
    return deleted


def search(session: requests.Session, server, workspace_id: str | None, query: str, **params) -> str:
    path = f"/workspace/{workspace_id}/search" if workspace_id else "/search"
    response = session.get(server.url + path, params={"q": query, **params}, timeout=30)
    assert response.status_code == 200, response.text[:500]
    return response.text


def code_section(page: str) -> str:
    start = page.index('id="code-section"')
    return page[start : page.index("</section>", start)]


def code_count(page: str) -> int:
    return int(re.search(r"Revisions by code <span class=\"muted count\">\((\d+)\)", page).group(1))


def listed(page: str) -> list[str]:
    return re.findall(r'<tr data-revision="([^"]+)"', code_section(page))


def index_rows(server, content_hash: str) -> list[tuple]:
    return read_db(
        server, "SELECT text, truncated, unreadable FROM catalog_codetext WHERE hash = ?", (content_hash,)
    )


def test_published_code_is_indexed_and_found_with_the_match_marked(live_server, owner):
    marker = unique("zebrafish")
    _, analysis, figure = owner.tree()
    cell = (
        f'import numpy as np\nx = load("{marker}.csv")  # <script>alert(1)</script> & more\n'
        f'plot(x, "{marker}")\n'
    )
    revision = owner.revision(
        figure["api_id"],
        image_item(),
        code_item(cell, "Jupyter cell"),
        code_item("print('unrelated')\n", "other.py"),
    )
    other = owner.figure(analysis["api_id"], "no such code")
    owner.revision(other["api_id"], image_item(), code_item("print('nothing here')\n"))
    cell_data = next(d for d in revision["data"] if d["name"] == "Jupyter cell")
    assert index_rows(live_server, cell_data["hash"]) == [(cell, 0, 0)]  # indexed at publish time

    session = web_session(live_server, owner.username, owner.password)
    page = search(session, live_server, analysis["workspace"], marker.upper())  # in any case
    section = code_section(page)
    assert code_count(page) == 1 and listed(page) == [revision["api_id"]]
    assert 'id="code-indexing"' not in page  # nothing left to index: the search was complete
    href = f"/revision/{revision['api_id']}?code={cell_data['api_id']}#code-{cell_data['api_id']}"
    assert f'href="{href}">Jupyter cell</a>' in section
    assert "other.py" not in section  # only the code objects that hold the match
    lines = re.findall(r'<span class="muted line-no">(\d+)</span> <code>(.*?)</code>', section)
    assert [number for number, _ in lines] == ["2", "3"]
    assert lines[0][1] == (
        f"x = load(&quot;<mark>{marker}</mark>.csv&quot;)  # &lt;script&gt;alert(1)&lt;/script&gt; &amp; more"
    )
    assert lines[1][1] == f"plot(x, &quot;<mark>{marker}</mark>&quot;)"
    assert "<script>alert" not in page

    opened = session.get(live_server.url + href.split("#")[0], timeout=30).text  # that file, open
    assert re.search(rf'<details class="section" id="code-{cell_data["api_id"]}" open>', opened)


def test_identical_code_is_one_index_row_and_every_revision_is_found_page_by_page(live_server, owner):
    marker = unique("shared_helper")
    _, analysis, figure = owner.tree()
    code = f"def {marker.replace('-', '_')}():\n    return 42\n"
    made = [owner.revision(figure["api_id"], code_item(code))["api_id"] for _ in range(23)]
    content_hash = owner.ok(f"revision/{made[0]}/")["data"][0]["hash"]
    assert len(index_rows(live_server, content_hash)) == 1
    session = web_session(live_server, owner.username, owner.password)
    found, page_number = [], 1
    while True:
        page = search(
            session, live_server, analysis["workspace"], marker.replace("-", "_"), code_page=page_number
        )
        assert code_count(page) == 23
        found += listed(page)
        if 'rel="next"' not in code_section(page):
            break
        page_number += 1
    assert page_number == 2 and sorted(found) == sorted(made)  # 20 and 3, newest first, none twice
    assert found == made[::-1]


def wait_for_index(session, server, workspace_id: str, query: str, timeout: float = 60) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        page = search(session, server, workspace_id, query)
        if 'id="code-indexing"' not in page:
            return page
        time.sleep(0.3)
    raise AssertionError(f"code still being indexed after {timeout} s")


def index_tasks(owner, workspace_id: str) -> list[dict]:
    return [
        t for t in owner.ok("task/") if t["kind"] == "revision.index_code" and t["workspace"] == workspace_id
    ]


def test_code_stored_before_the_index_is_found_once_the_task_has_read_it(live_server, owner):
    marker = unique("legacy_loader")
    workspace, analysis, figure = owner.tree()
    old = owner.revision(
        figure["api_id"], image_item(), code_item(f"frame = read('{marker}')\n", "analysis.py")
    )
    gone = owner.revision(
        figure["api_id"], code_item(f"# {marker} in a file whose bytes are lost\n", "lost.py")
    )
    old_hash = next(d["hash"] for d in old["data"] if d["type"] == "code")
    gone_hash = gone["data"][0]["hash"]
    # as if both were stored before the index existed; and the second's bytes are gone since
    assert stored_before_the_index(live_server, workspace["api_id"], old_hash, gone_hash) == 2
    (blob,) = [path for path in blob_files(live_server) if path.name == gone_hash]
    blob.unlink()

    session = web_session(live_server, owner.username, owner.password)
    before = search(session, live_server, workspace["api_id"], marker)
    assert code_count(before) == 0  # not indexed: not found, and the page says why
    notice = re.search(r'<p class="callout" id="code-indexing">(.*?)</p>', before).group(1)
    assert notice.startswith("The code of 2 revisions is still being indexed and was not searched yet")

    after = wait_for_index(session, live_server, workspace["api_id"], marker)
    assert code_count(after) == 1 and listed(after) == [old["api_id"]]
    assert f"read(&#x27;<mark>{marker}</mark>&#x27;)" in code_section(after)
    unreadable = re.search(r'<p class="muted" id="code-unreadable">(.*?)</p>', after).group(1)
    assert html.unescape(unreadable) == (
        "The code of 1 revision could not be read (its stored bytes are missing) and is not searched."
    )
    assert index_rows(live_server, old_hash) == [(f"frame = read('{marker}')\n", 0, 0)]
    assert index_rows(live_server, gone_hash) == [("", 0, 1)]
    (task,) = index_tasks(owner, workspace["api_id"])
    assert task["status"] == "succeeded" and task["result"]["remaining"] == 0


def test_nobody_finds_code_they_may_not_see(live_server, owner):
    marker = unique("secret_formula")
    workspace, _, figure = owner.tree()
    revision = owner.revision(figure["api_id"], code_item(f"{marker} = 6 * 7\n"))
    stranger = new_user(live_server)
    theirs = web_session(live_server, stranger.username, stranger.password)
    assert code_count(search(theirs, live_server, None, marker)) == 0
    refused = theirs.get(f"{live_server.url}/workspace/{workspace['api_id']}/search", params={"q": marker})
    assert refused.status_code == 404
    # a figure shared with them by name: they may read the revision, yet search only their workspaces
    shared = owner.post(
        f"figure/{figure['api_id']}/share/user/", {"username": stranger.username, "sharing_enabled": True}
    )
    assert shared.status_code == 200
    assert stranger.get(f"revision/{revision['api_id']}/").status_code == 200
    everywhere = search(theirs, live_server, None, marker)
    assert code_count(everywhere) == 0 and revision["api_id"] not in everywhere
    # a share link's reader, signed out, searches nothing
    token = owner.post(f"revision/{revision['api_id']}/share/link/", {"enabled": True}).json()["token"]
    guest = requests.Session()
    assert guest.get(f"{live_server.url}/s/{token}", timeout=30).status_code == 200
    for path in (f"/workspace/{workspace['api_id']}/search", "/search"):
        answer = guest.get(live_server.url + path, params={"q": marker}, allow_redirects=False, timeout=30)
        assert answer.status_code in (302, 404), (path, answer.status_code)
        assert marker not in answer.text
    mine = search(web_session(live_server, owner.username, owner.password), live_server, None, marker)
    assert listed(mine) == [revision["api_id"]]


def test_only_the_first_200_kb_of_a_code_file_are_searched_and_its_hit_says_so(live_server, owner):
    early, late = unique("early_marker"), unique("late_marker")
    workspace, _, figure = owner.tree()
    filler = "".join(f"value_{n} = {n}\n" for n in range(20_000))  # about 300 KB
    revision = owner.revision(figure["api_id"], code_item(f"# {early}\n{filler}# {late}\n", "long.py"))
    ((text, truncated, _),) = index_rows(live_server, revision["data"][0]["hash"])
    assert len(text) == 200_000 and truncated
    session = web_session(live_server, owner.username, owner.password)
    found = search(session, live_server, workspace["api_id"], early)
    assert listed(found) == [revision["api_id"]]
    assert "Only the first 200 KB of this file are searched." in code_section(found)
    assert code_count(search(session, live_server, workspace["api_id"], late)) == 0


def test_identical_code_stored_before_the_index_is_read_once_for_all_its_revisions(live_server, owner):
    marker = unique("copied_cell")
    workspace, _, figure = owner.tree()
    made = [owner.revision(figure["api_id"], code_item(f"{marker}()\n"))["api_id"] for _ in range(6)]
    content_hash = owner.ok(f"revision/{made[0]}/")["data"][0]["hash"]
    assert stored_before_the_index(live_server, workspace["api_id"], content_hash) == 1
    session = web_session(live_server, owner.username, owner.password)
    before = search(session, live_server, workspace["api_id"], marker)
    assert "The code of 6 revisions is still being indexed" in before and code_count(before) == 0
    after = wait_for_index(session, live_server, workspace["api_id"], marker)
    assert code_count(after) == 6 and sorted(listed(after)) == sorted(made)
    assert len(index_rows(live_server, content_hash)) == 1
    (task,) = index_tasks(owner, workspace["api_id"])
    assert task["result"] == {
        "workspace": workspace["api_id"],
        "indexed": 1,
        "remaining": 0,
        "unreachable": 0,
    }
    # nothing left: the workspace is no longer marked, so a search need not count its code objects
    assert not read_db(
        live_server,
        "SELECT 1 FROM catalog_codeindexpending WHERE workspace_id IN (?, ?)",
        (workspace["api_id"], uuid.UUID(workspace["api_id"]).hex),  # PostgreSQL's uuid, SQLite's hex
    )
