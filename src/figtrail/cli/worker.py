"""``figtrail worker``: run background tasks (AI, imports, stories) outside the app servers.

For scale-out: app servers started with ``FIGTRAIL_TASK_MODE=worker`` only queue tasks, and any number of
workers on any machines sharing the database (and blob store) claim and run them. A worker stops after
the task in hand on SIGTERM or Ctrl-C, so a deploy never cuts a task in half on purpose; a worker killed
outright leaves its task to be queued again by the others (see figtrail.server.tasks.runner).
"""

from __future__ import annotations

import argparse
import signal
import threading


def register(commands) -> None:
    parser = commands.add_parser(
        "worker",
        help="run queued background tasks (AI, imports, stories) from the shared database",
        description=(
            "Claim queued tasks from the database one at a time and run them, until stopped. "
            "Run app servers with FIGTRAIL_TASK_MODE=worker so that they leave the work to workers."
        ),
    )
    parser.add_argument("--once", action="store_true", help="run what is queued now, then exit")
    parser.add_argument(
        "--poll", type=float, default=1.0, metavar="SECONDS", help="wait between looks at an empty queue"
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from figtrail.cli.django_setup import setup_django

    setup_django(migrate=False)
    from django.db import connection

    from figtrail.server.tasks import registry, runner

    stopping = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stopping.set())
    claimant = runner.runner_id()
    print(f"figtrail worker {claimant}: task kinds {', '.join(registry.kinds())}", flush=True)
    while not stopping.is_set():
        runner.requeue_abandoned()
        ran = runner.run_pending(claimant, limit=1)
        connection.close()
        if args.once and not ran:
            break
        if not ran:
            stopping.wait(args.poll)
    print(f"figtrail worker {claimant}: stopped", flush=True)
    return 0
