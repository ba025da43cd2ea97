"""``Publisher`` in scripts: one revision per publish, read back over the REST API, never duplicated."""

from __future__ import annotations

import io
import subprocess
import sys
import textwrap

import pandas as pd
import pytest
from PIL import Image

from figtrail import ApiId, FindByName
from figtrail.client.errors import DeliveryError
from tests.client.accounts import data_by_format, outbox_files


def test_publish_returns_at_once_and_the_revision_arrives_whole(account, make_publisher, line_figure):
    publisher = make_publisher(default_metadata={"project": "tests"})
    frame = pd.DataFrame({"x": [1, 2, 3], "y": [1, 4, 9]})
    revision = publisher.publish(line_figure, dataframes={"squares": frame}, metadata={"run": 7})
    assert revision.status == "queued"
    assert revision.wait(60), revision.error

    stored = account.revision(revision.api_id)
    assert stored["short_id"] == revision.short_id
    assert revision.url == f"{account.url}/r/{revision.short_id}"
    images = data_by_format(stored)
    assert {("png", False), ("png", True), ("svg", False)} <= set(images)
    plain = Image.open(io.BytesIO(account.payload(images[("png", False)]["api_id"])))
    stamped = Image.open(io.BytesIO(account.payload(images[("png", True)]["api_id"])))
    assert stamped.width == plain.width and stamped.height > plain.height
    assert account.payload(images[("svg", False)]["api_id"]).lstrip().startswith(b"<?xml")

    metadata = stored["metadata"]
    assert metadata["backend"] == "matplotlib"
    assert metadata["project"] == "tests" and metadata["run"] == 7
    assert metadata["python_version"] == sys.version
    assert metadata["packages"]["matplotlib"]
    assert metadata["host"] and metadata["os"]
    names = {d["name"]: d for d in stored["data"]}
    assert account.payload(names["squares"]["api_id"]).decode().splitlines() == ["x,y", "1,1", "2,4", "3,9"]
    assert "matplotlib==" in account.payload(names["pip freeze"]["api_id"]).decode()
    assert "Squares.pickle" in names

    figure = account.get(f"figure/{stored['figure']}/")
    assert figure["name"] == "Squares"  # named after the plot's title
    assert outbox_files(publisher.outbox.path) == []
    finisher = publisher._finisher
    helpers = [steps.helper for steps in (finisher.primary_steps, finisher.steps_for("matplotlib"))]
    assert all(helper._process.poll() is None for helper in helpers)  # rendered by the helpers, which live on


def test_targets_by_name_id_and_find_by_name(account, make_publisher, line_figure):
    publisher = make_publisher(analysis=FindByName("Targets", create=True))
    first = publisher.publish(line_figure, target=FindByName("Named target", create=True))
    assert first.wait(60)
    figure_id = account.revision(first.api_id)["figure"]
    second = publisher.publish(line_figure, target=ApiId(figure_id))
    third = publisher.publish(line_figure, target="Named target")
    assert second.wait(60) and third.wait(60)
    revisions = account.get(f"figure/{figure_id}/")["revisions"]
    assert [r["api_id"] for r in revisions] == [first.api_id, second.api_id, third.api_id]


def test_a_missing_target_is_held_with_a_readable_reason(make_publisher, line_figure, capsys):
    publisher = make_publisher()
    revision = publisher.publish(line_figure, target=FindByName("No such figure"))
    assert not revision.wait(60)
    assert "FindByName('No such figure', create=True)" in revision.error
    [held] = publisher.outbox.held()
    assert held["id"] == revision.api_id and "No such figure" in held["error"]
    err = capsys.readouterr().err
    assert "figtrail outbox flush" in err and err.count("\n") == 1


def test_strict_mode_raises_the_servers_refusal(live_server, account, make_publisher, line_figure):
    from tests.client.accounts import make_account

    stranger = make_account(live_server)
    theirs = make_publisher(url=stranger.url, api_key=stranger.api_key, analysis="Private")
    their_revision = theirs.publish(line_figure, target="Not yours")
    assert their_revision.wait(60)
    their_figure = stranger.revision(their_revision.api_id)["figure"]

    strict = make_publisher(strict=True)
    with pytest.raises(DeliveryError) as refused:
        strict.publish(line_figure, target=ApiId(their_figure))
    message = str(refused.value)
    assert "403" in message and "ask its owner for access" in message
    assert "\n" not in message


def test_a_revision_delivered_twice_is_stored_once(account, make_publisher, line_figure):
    """A retry after a lost answer posts the same client-made id again: the server keeps one."""
    from figtrail.capture.revision import Finisher
    from figtrail.client.delivery import deliver

    publisher = make_publisher()
    prepared = publisher._prepare(line_figure, target="Twice")  # built, but not handed to the sender
    job = Finisher(publisher.outbox, {prepared.job["id"]: prepared.pending}).primary(prepared.job)
    assert deliver(job, publisher._connection, publisher._catalog, publisher.outbox) == "sent"
    assert deliver(job, publisher._connection, publisher._catalog, publisher.outbox) == "duplicate"
    figure = account.get(f"figure/{account.revision(job['id'])['figure']}/")
    assert [r["api_id"] for r in figure["revisions"]] == [job["id"]]


def test_password_sign_in_works_without_an_api_key(account, make_publisher, line_figure):
    publisher = make_publisher(
        api_key=None, username=account.username, password=account.password, render_process=False
    )
    assert publisher.account == f"user:{account.username}"
    revision = publisher.publish(line_figure, target="Signed in")
    assert revision.wait(60)
    assert {"png", "svg"} <= {key[0] for key in data_by_format(account.revision(revision.api_id))}


def test_a_script_that_exits_right_after_publishing_still_delivers(account, tmp_path):
    script = tmp_path / "plot_and_exit.py"
    script.write_text(
        textwrap.dedent(
            """
            import matplotlib
            matplotlib.use("Agg")
            import matplotlib.pyplot as plt
            from figtrail import Publisher

            plt.plot([3, 1, 2]); plt.title("From a script")
            revision = Publisher(analysis="Scripts").publish(plt.gcf())
            print(revision.api_id)
            """
        )
    )
    env = {
        "PATH": "/usr/bin:/bin",
        "HOME": str(tmp_path),
        "FIGTRAIL_URL": account.url,
        "FIGTRAIL_API_KEY": account.api_key,
        "FIGTRAIL_OUTBOX": str(tmp_path / "outbox"),
    }
    done = subprocess.run([sys.executable, str(script)], env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    stored = account.revision(done.stdout.strip())
    assert stored["metadata"]["script"] == str(script)
    code = [d for d in stored["data"] if d["type"] == "code"]
    assert [d["name"] for d in code] == ["plot_and_exit.py"]
    assert b'plt.title("From a script")' in account.payload(code[0]["api_id"])


def test_a_replacing_publisher_finishes_what_the_first_one_captured(account, make_publisher, line_figure):
    """Re-running ``configure`` makes a new publisher; what the old one had captured still goes out whole."""
    first = make_publisher()
    first._sender.stop()
    revision = first.publish(line_figure, target="Handed over")
    assert revision.status == "queued"
    second = make_publisher()
    assert second.flush(60) and revision.wait(10)
    stored = account.revision(revision.api_id)
    assert "figtrail_notes" not in stored["metadata"]  # finished with the annotators, not as an orphan
    assert stored["metadata"]["packages"]["matplotlib"]


def test_the_watermark_can_be_turned_off(account, make_publisher, line_figure):
    publisher = make_publisher(watermark=False, image_formats=["png"])
    revision = publisher.publish(line_figure, target="Plain")
    assert revision.wait(60)
    assert set(data_by_format(account.revision(revision.api_id))) == {("png", False)}
