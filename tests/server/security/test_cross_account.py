"""Access across accounts: what one user can learn about another's objects through routes that list
related things (lineage, data files), and about the accounts themselves."""

from __future__ import annotations

import requests

from tests.server.helpers import data_item, new_user, png_bytes

SECRET_FILE = "salaries-2024-confidential.csv"


def test_data_io_lists_only_the_data_files_the_reader_may_see(live_server, owner, stranger):
    """The attack: a figure shared with a stranger was made from a data file in a workspace they cannot
    see; ``data_io`` gave them its name and hashes."""
    private = owner.workspace()
    asset = owner.asset(private["api_id"], SECRET_FILE)
    asset_revision = owner.asset_revision(asset["api_id"], b"name,salary\nann,1\n", path=SECRET_FILE)
    _, _, figure = owner.tree()
    revision = owner.revision(
        figure["api_id"],
        data_item(png_bytes(), "image", format="png"),
        assets=[{"asset_revision": asset_revision["api_id"], "use_type": "direct"}],
    )
    shared = owner.post(
        f"figure/{figure['api_id']}/share/user/", {"username": stranger.username, "sharing_enabled": True}
    )
    assert shared.status_code == 200, shared.text
    path = f"revision/{revision['api_id']}/data_io/"

    mine = owner.ok(path)
    assert [i["asset_name"] for i in mine["inputs"]] == [SECRET_FILE]
    theirs = stranger.ok(path)
    assert theirs["inputs"] == [] and theirs["hidden_inputs"] == 1
    assert SECRET_FILE not in str(theirs) and asset_revision["data"][0]["hash"] not in str(theirs)
    assert len(theirs["outputs"]) == 1  # the revision's own data, which the share covers

    # sharing the data file too makes it visible
    owner.post(
        f"asset/{asset['api_id']}/share/user/", {"username": stranger.username, "sharing_enabled": True}
    )
    assert [i["asset_name"] for i in stranger.ok(path)["inputs"]] == [SECRET_FILE]


def test_data_io_through_a_share_link_hides_unshared_inputs(live_server, owner):
    private = owner.workspace()
    asset = owner.asset(private["api_id"], SECRET_FILE)
    asset_revision = owner.asset_revision(asset["api_id"], b"a\n1\n", path=SECRET_FILE)
    _, _, figure = owner.tree()
    revision = owner.revision(
        figure["api_id"], assets=[{"asset_revision": asset_revision["api_id"], "use_type": "direct"}]
    )
    owner.post(f"figure/{figure['api_id']}/share/link/", {"enabled": True})
    reader = new_user(live_server)  # signed in, not a member: reads through the link
    response = reader.get(f"revision/{revision['api_id']}/data_io/")
    if response.status_code == 200:
        assert SECRET_FILE not in response.text
    else:
        assert response.status_code in (401, 403)
    anonymous = requests.get(live_server.api + f"revision/{revision['api_id']}/data_io/", timeout=30)
    assert SECRET_FILE not in anonymous.text


def test_usernames_cannot_be_told_from_nobody(owner, stranger):
    """The attack: ``user/<name>/`` answered 403 for a stranger and 404 for nobody."""
    taken = owner.get(f"user/{stranger.username}/")
    free = owner.get(f"user/{stranger.username}-nobody/")
    assert taken.status_code == free.status_code == 404
    assert taken.json()["field"] == "username"
    assert taken.text.replace(stranger.username, "NAME") == free.text.replace(
        f"{stranger.username}-nobody", "NAME"
    )
    # changing another account is refused alike, whether it exists or not
    assert owner.patch(f"user/{stranger.username}/", {"first_name": "M"}).text == owner.patch(
        f"user/{stranger.username}-nobody/", {"first_name": "M"}
    ).text.replace("-nobody", "")
