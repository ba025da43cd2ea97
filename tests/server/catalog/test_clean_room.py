"""``GET revision/<id>/reproduce/``: the Reproduce zip of a clean-room revision, recognised by its data
objects' metadata and ``is_clean_room`` (never their names), for whoever may see the revision."""

from __future__ import annotations

import io
import json
import zipfile

import pytest
import requests

from tests.server.helpers import data_item, png_bytes

MANIFEST = {
    "language": "python",
    "language_version": "3.11.7",
    "function_name": "bars",
    "packages": {"numpy": "2.4.6", "matplotlib": "3.11.2", "scikit-learn": None},
    "imports": {"np": "numpy", "plt": "matplotlib.pyplot"},
    "parameters": {
        "height": {"type": "integer", "widget": "slider", "value": 5, "min": 0, "max": 10, "step": 1},
        "colour": {"type": "string", "widget": "dropdown", "value": "teal", "choices": ["teal", "red"]},
        "table": {"type": "dataframe"},
        "ys": {"type": "unknown", "value": [1, 2]},
    },
    "rendering": {"dpi": 100.0},
}


def clean(item: dict) -> dict:
    return {**item, "is_clean_room": True}


def clean_room_data(names=("Clean Room Source", "Clean Room Manifest"), manifest=MANIFEST) -> list[dict]:
    source_name, manifest_name = names
    return [
        data_item(png_bytes(), "image", name="figure", format="png"),
        clean(data_item(b"fig, ax = plt.subplots()\n", "code", name=source_name, format="clean_room")),
        clean(
            data_item(
                json.dumps(manifest).encode(), "text", name=manifest_name, format="json", role="manifest"
            )
        ),
        clean(data_item(b"PAR1 not really parquet PAR1", "dataframe", name="table", format="parquet")),
    ]


@pytest.fixture(scope="module")
def figure(owner) -> dict:
    return owner.tree()[2]


@pytest.fixture(scope="module")
def revision(owner, figure) -> dict:
    return owner.revision(figure["api_id"], *clean_room_data(), is_clean_room=True)


def unzip(response: requests.Response) -> dict[str, bytes]:
    assert response.status_code == 200, response.text[:300]
    assert response.headers["Content-Type"] == "application/zip"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Content-Disposition"].startswith("attachment;")
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    return {name.split("/", 1)[1]: archive.read(name) for name in archive.namelist()}


def test_the_zip_holds_the_record_and_pins_the_packages(owner, revision):
    files = unzip(owner.get(f"revision/{revision['api_id']}/reproduce/"))
    assert set(files) == {
        "README.md",
        "reproduce.py",
        "function.py",
        "parameters.json",
        "manifest.json",
        "requirements.txt",
        "data/table.parquet",
    }
    assert files["function.py"] == b"fig, ax = plt.subplots()\n"
    assert json.loads(files["manifest.json"]) == MANIFEST
    assert json.loads(files["parameters.json"]) == {
        "function_name": "bars",
        "values": {"height": 5, "colour": "teal", "ys": [1, 2]},
        "frames": {"table": "data/table.parquet"},
    }
    assert files["data/table.parquet"] == b"PAR1 not really parquet PAR1"
    # pinned where the manifest knows the version; what reproduce.py itself needs is added
    assert files["requirements.txt"].decode().split() == [
        "numpy==2.4.6",
        "matplotlib==3.11.2",
        "scikit-learn",
        "pandas",
        "pyarrow",
    ]
    readme = files["README.md"].decode()
    assert (
        "python reproduce.py" in readme
        and "| `height` | slider | integer | `5` | min 0, max 10, step 1 |" in readme
    )
    compile(files["reproduce.py"], "reproduce.py", "exec")  # a script that stands alone


def test_the_r_clients_names_are_recognised_by_metadata(owner, figure):
    r_manifest = {**MANIFEST, "language": "r", "language_version": "4.3.1"}
    made = owner.revision(
        figure["api_id"],
        *clean_room_data(("clean_room_code", "clean_room_manifest"), r_manifest),
        is_clean_room=True,
    )
    response = owner.get(f"revision/{made['api_id']}/reproduce/")
    assert response.status_code == 404
    assert "only a python clean room" in response.json()["detail"].lower()  # found, but not in Python


def test_a_revision_without_a_record_or_with_unflagged_objects_has_none(owner, figure):
    plain = owner.revision(figure["api_id"], data_item(png_bytes(), "image", format="png"))
    unflagged = owner.revision(figure["api_id"], *[{**d, "is_clean_room": False} for d in clean_room_data()])
    for made in (plain, unflagged):
        response = owner.get(f"revision/{made['api_id']}/reproduce/")
        assert response.status_code == 404
        assert "no clean-room record" in response.json()["detail"]


def test_access_is_the_revisions(live_server, owner, stranger, revision):
    path = f"revision/{revision['api_id']}/reproduce/"
    assert stranger.get(path).status_code == 403
    signed_out = requests.get(owner.base + path, timeout=60)
    assert signed_out.status_code == 401
    shared = owner.post(f"revision/{revision['api_id']}/share/link/", {"enabled": True})
    assert shared.status_code == 200, shared.text
    assert requests.get(owner.base + path, timeout=60).status_code == 200  # link-shared: anyone reads it
    assert owner.post(f"revision/{revision['api_id']}/share/link/", {"enabled": False}).status_code == 200
    assert owner.get("revision/00000000-0000-0000-0000-000000000000/reproduce/").status_code == 404
