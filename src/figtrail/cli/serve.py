"""``figtrail serve``: migrate, then run the API under gunicorn (a production WSGI server)."""

from __future__ import annotations

import argparse
import gc
from pathlib import Path

from figtrail.config import DEFAULT_PORT, server_config


def register(commands) -> None:
    parser = commands.add_parser("serve", help="run the figtrail server (SQLite + blob folder by default)")
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=DEFAULT_PORT, help=f"port (default {DEFAULT_PORT})")
    parser.add_argument(
        "--workers", type=int, default=None, help="worker processes (FIGTRAIL_WORKERS, default 2)"
    )
    parser.add_argument(
        "--threads", type=int, default=None, help="threads per worker (FIGTRAIL_THREADS, default 4)"
    )
    parser.add_argument(
        "--certfile",
        default=None,
        help="serve HTTPS with this PEM certificate (chain) file; needs --keyfile (default: plain HTTP, "
        "TLS ending at a proxy in front)",
    )
    parser.add_argument("--keyfile", default=None, help="the PEM private key of --certfile")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from figtrail.cli.django_setup import setup_django
    from figtrail.cli.errors import CliError

    if bool(args.certfile) != bool(args.keyfile):
        raise CliError("--certfile and --keyfile go together: give both to serve HTTPS, or neither.")
    for path in filter(None, (args.certfile, args.keyfile)):
        if not Path(path).is_file():
            raise CliError(f"No such file: {path} (--certfile and --keyfile name PEM files).")

    config = server_config()
    setup_django(migrate=True)
    from gunicorn.app.base import BaseApplication

    from figtrail.server.wsgi import application

    class FigtrailServer(BaseApplication):
        def load_config(self) -> None:
            options = {
                "bind": f"{args.host}:{args.port}",
                "workers": args.workers or config.workers,
                "threads": args.threads or config.threads,
                "worker_class": "gthread",
                "timeout": 300,
                "graceful_timeout": 10,
                # idle keep-alive connections stay open 75 s (nginx's default), not gunicorn's 2 s: a client
                # reusing one just as the server closes it sees "connection closed without response"
                "keepalive": 75,
                "accesslog": None,
                "errorlog": "-",
                "loglevel": "warning",
                "post_worker_init": _start_task_runner,
            }
            if args.certfile:
                options.update(certfile=args.certfile, keyfile=args.keyfile)
            for key, value in options.items():
                self.cfg.set(key, value)

        def load(self):
            return application

    scheme = "https" if args.certfile else "http"
    print(f"figtrail serving {scheme}://{args.host}:{args.port}/ (data in {config.home})", flush=True)
    if config.task_mode == "worker":
        print("Background tasks (AI, stories, imports) wait for `figtrail worker` (FIGTRAIL_TASK_MODE).")
    _warn_when_no_public_url(config.public_url)
    _say_where_links_point(config.public_url, args.host, args.port, scheme)
    _hint_when_no_users()
    from django.db import connections

    connections.close_all()  # workers are forked from here: none may inherit this process's connection
    # Django, the app and its URL patterns are loaded: the garbage collector need never look at those
    # objects again. Without this, each full collection in a worker walks them all, which a page that
    # builds many objects (a 1,000-revision parameter table) pays as a ~50 ms pause every few requests.
    gc.collect()
    gc.freeze()
    FigtrailServer().run()
    return 0


def _start_task_runner(worker) -> None:
    """Each app server process runs queued tasks itself unless workers do (FIGTRAIL_TASK_MODE=worker):
    started here, tasks queued before a restart run without waiting for the next submit."""
    from django.conf import settings

    if settings.FIGTRAIL_TASK_MODE == "inline":
        from figtrail.server.tasks.runner import inline_runner

        inline_runner().wake()


PUBLIC_URL_UNSET = (
    "FIGTRAIL_PUBLIC_URL is not set: e-mails (invitations, @mentions) give only a path, not a link to "
    "this server; set it to the address users reach the server at, e.g. "
    "FIGTRAIL_PUBLIC_URL=https://figs.example.org"
)


def _warn_when_no_public_url(public_url: str | None) -> None:
    """E-mail links are built from FIGTRAIL_PUBLIC_URL only (never a request's Host): say when it is unset."""
    if not public_url:
        print(PUBLIC_URL_UNSET, flush=True)


def _say_where_links_point(public_url: str | None, host: str, port: int, scheme: str = "http") -> None:
    """Share links, QR codes and exports never take their host from a request's ``Host`` header
    (``server/page_urls.py``): without FIGTRAIL_PUBLIC_URL, say what they are built on instead."""
    from figtrail.server import page_urls

    served_at = page_urls.serve_at(host, port, scheme)  # inherited by the workers forked below
    if public_url:
        return
    if page_urls.hosts_pinned():
        print("Links (share links, QR codes, exports) name the requested host of FIGTRAIL_ALLOWED_HOSTS.")
    else:
        print(f"Links (share links, QR codes, exports) point to {served_at}, this server's own address.")


def _hint_when_no_users() -> None:
    """A new server has no accounts and no default password: say how to make the first one."""
    from django.contrib.auth import get_user_model

    if not get_user_model().objects.exists():
        print(
            "No users yet. Create one with:\n"
            "  echo 'a long password' | figtrail user add NAME --email you@example.org --password-stdin",
            flush=True,
        )
