"""``figtrail outbox list | flush``: see what waits to be sent, and send it now.

``flush`` also finishes revisions whose notebook or script ended before rendering them, and retries
the ones the server refused earlier (after you fixed the cause).
"""

from __future__ import annotations

import argparse
import time

from figtrail.cli.errors import CliError
from figtrail.client.config import load_config
from figtrail.outbox import Job, Outbox

STATES = {"capture": "capturing", "render": "rendering"}  # stages a running publisher finishes itself


def register(commands) -> None:
    parser = commands.add_parser("outbox", help="show or send the revisions waiting for the server")
    actions = parser.add_subparsers(dest="action", required=True)
    show = actions.add_parser("list", help="show what waits in the outbox, and why")
    show.add_argument(
        "--path", help="the outbox folder (default: FIGTRAIL_OUTBOX or ~/.local/share/figtrail/outbox)"
    )
    show.set_defaults(handler=list_outbox)
    flush = actions.add_parser("flush", help="send everything waiting for the configured server now")
    flush.add_argument("--path", help="the outbox folder")
    flush.set_defaults(handler=flush_outbox)


def _outbox(args: argparse.Namespace) -> Outbox:
    return Outbox(args.path or load_config().outbox)


def list_outbox(args: argparse.Namespace) -> int:
    outbox = _outbox(args)
    waiting, held = outbox.pending(), outbox.held()
    for job in waiting:
        print(_line(job, STATES.get(job.get("stage"), "waiting")))  # "update": its other formats wait
    for job in held:
        print(_line(job, "held"))
        print(f"    {job.get('error')}")
    print(f"{len(waiting)} waiting, {len(held)} held in {outbox.path}")
    return 0


def flush_outbox(args: argparse.Namespace) -> int:
    from figtrail.capture.revision import Finisher  # finishes captures of ended processes from disk
    from figtrail.client.catalog import Catalog
    from figtrail.client.errors import FigtrailError
    from figtrail.client.http import Connection
    from figtrail.client.sender import Sender
    from figtrail.client.short_ids import ShortIds

    config = load_config(outbox=args.path)
    try:
        connection = Connection(config)
    except FigtrailError as exc:
        raise CliError(str(exc)) from exc
    outbox = Outbox(config.outbox)
    catalog = Catalog(connection, config.workspace)
    sender = Sender(outbox, connection, catalog, ShortIds(connection), Finisher(outbox))
    sender.adopt_orphans = True
    _learn_username(connection)
    report = sender.run_pass(retry_held=True)
    outbox.sweep()  # payloads a crash or an interrupted delivery left behind, no job needs
    mine = [job for job in outbox.pending() if sender._mine(job)]
    running = [job for job in mine if job.get("stage") in STATES and not sender._may_finish(job)]
    left = [job for job in mine if job not in running]
    others = [job for job in outbox.pending() if not sender._mine(job)]
    print(f"sent {report.sent}; {report.held} held; {len(left)} still waiting for {connection.url}")
    if running:
        print(
            f"{len(running)} revision(s) are being finished by the running process that published them; "
            "it sends the rest itself"
        )
    if others:
        print(f"{len(others)} item(s) for another server or account were left alone (`figtrail outbox list`)")
    if report.unreachable:
        raise CliError(f"the server at {connection.url} is unreachable or refused the key; nothing was lost")
    return 1 if left or report.held else 0


def _learn_username(connection) -> None:
    """Jobs made with a password are tagged with the username; knowing ours lets us send them too."""
    try:
        connection.username  # noqa: B018
    except Exception:
        pass


def _line(job: Job, state: str) -> str:
    age = _age(time.time() - float(job.get("created") or time.time()))
    if job.get("kind") == "asset":
        what = f"data file {job.get('name')!r} ({job.get('size', 0)} bytes)"
    elif job.get("kind") == "revision":
        what = f"revision of {job.get('figure_name')!r} -> {job.get('link')}"
    else:
        what = str(job.get("error"))
    return f"{state:9} {age:>6}  {what}  [{job.get('url')}]"


def _age(seconds: float) -> str:
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size:
            return f"{seconds / size:.0f}{unit}"
    return f"{seconds:.0f}s"
