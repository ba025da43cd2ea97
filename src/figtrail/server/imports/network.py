"""Which Git URLs the server may fetch from: a guard against server-side request forgery (SSRF).

A repository URL comes from a user, and the server fetches it. Unless an admin allows private networks
(``FIGTRAIL_IMPORT_ALLOW_PRIVATE_NETWORKS``, see imports.config), every address the host resolves to must
be a public one: no loopback, private, link-local (cloud metadata at 169.254.169.254), multicast,
reserved or unspecified address. The address checked is then pinned for git (``pinned_options`` and the
SSH command in imports.git), so a second DNS answer cannot point git somewhere else.

Accepted forms: ``https://host/path``, ``http://host/path`` (only when allowed), ``ssh://[user@]host[:port]/path``
and the scp-like ``user@host:path``. Everything else (``file://``, ``ext::``, local paths) is refused.
"""

from __future__ import annotations

import ipaddress
import re
import socket
from dataclasses import dataclass, field
from urllib.parse import unquote, urlsplit, urlunsplit

from rest_framework.exceptions import ValidationError

from figtrail.server.imports.config import import_config

SCP_LIKE = re.compile(
    r"^(?P<user>[A-Za-z0-9._~-]+)@(?P<host>[A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\]):(?P<path>[^:].*)$"
)
DEFAULT_PORTS = {"https": 443, "http": 80, "ssh": 22}
Address = ipaddress.IPv4Address | ipaddress.IPv6Address


@dataclass(frozen=True)
class RemoteUrl:
    """A checked repository URL: what git is given (``url``, without credentials) and where it goes."""

    scheme: str  # https | http | ssh
    url: str
    host: str
    port: int
    addresses: tuple[str, ...]
    username: str = field(
        default="", repr=False
    )  # from ``https://user:token@host/...``, moved out of the URL
    password: str = field(default="", repr=False)

    @property
    def pinned_address(self) -> str:
        return self.addresses[0]


def refuse(message: str) -> ValidationError:
    return ValidationError({"url": [message]})


def check_url(raw: str) -> RemoteUrl:
    """Parse, check the scheme, resolve the host and check its addresses; 400 naming ``url`` if refused."""
    url = (raw or "").strip()
    if not url or url.startswith("-") or any(ch.isspace() or ord(ch) < 32 for ch in url):
        raise refuse("Give a repository URL: https://host/owner/repo.git or git@host:owner/repo.git.")
    remote = _parse(url)
    addresses = resolve(remote.host, remote.port)
    return RemoteUrl(**{**remote.__dict__, "addresses": addresses})


def _parse(url: str) -> RemoteUrl:
    if "://" not in url:
        return _scp_like(url)
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise refuse(f"Not a valid URL: {exc}.") from exc
    scheme = parts.scheme.lower()
    if scheme not in DEFAULT_PORTS:
        raise refuse("Only https://, ssh:// and git@host:path repository URLs are accepted.")
    if scheme == "http" and not import_config().allow_http:
        raise refuse("Plain http:// is not allowed on this server; use https:// or SSH.")
    if not parts.hostname:
        raise refuse("The URL has no host.")
    host = parts.hostname.lower()
    netloc = _netloc(host, port, parts.username if scheme == "ssh" else None)
    return RemoteUrl(
        scheme=scheme,
        url=urlunsplit((scheme, netloc, parts.path, parts.query, "")),
        host=host,
        port=port or DEFAULT_PORTS[scheme],
        addresses=(),
        username=unquote(parts.username or "") if scheme != "ssh" else "",
        password=unquote(parts.password or ""),
    )


def _netloc(host: str, port: int | None, user: str | None) -> str:
    shown = f"[{host}]" if ":" in host else host
    if port:
        shown = f"{shown}:{port}"
    return f"{user}@{shown}" if user else shown


def _scp_like(url: str) -> RemoteUrl:
    match = SCP_LIKE.match(url)
    if not match:
        raise refuse("Only https://, ssh:// and git@host:path repository URLs are accepted.")
    host = match["host"].strip("[]").lower()
    return RemoteUrl(scheme="ssh", url=url, host=host, port=22, addresses=())


def resolve(host: str, port: int) -> tuple[str, ...]:
    """Every address of ``host``; all of them must be allowed, or the URL is refused."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise refuse(f"The host {host!r} cannot be resolved.") from exc
    addresses = list(dict.fromkeys(info[4][0] for info in infos))
    if not import_config().allow_private_networks:
        for text in addresses:
            if not is_public(ipaddress.ip_address(text.split("%", 1)[0])):
                raise refuse(
                    f"The host {host!r} resolves to {text}, a loopback, private, link-local or reserved "
                    "address; an administrator can allow those with FIGTRAIL_IMPORT_ALLOW_PRIVATE_NETWORKS=1."
                )
    if not addresses:
        raise refuse(f"The host {host!r} has no address.")
    return tuple(addresses)


def is_public(address: Address) -> bool:
    mapped = getattr(address, "ipv4_mapped", None)
    if mapped is not None:
        return is_public(mapped)
    return address.is_global and not (
        address.is_loopback
        or address.is_private
        or address.is_link_local
        or address.is_multicast
        or address.is_reserved
        or address.is_unspecified
    )


def pinned_options(remote: RemoteUrl) -> list[str]:
    """git ``-c`` settings that make curl connect to the address we checked (HTTP(S) URLs only)."""
    if remote.scheme == "ssh":
        return []
    address = remote.pinned_address
    shown = f"[{address}]" if ":" in address else address
    return ["-c", f"http.curloptResolve={remote.host}:{remote.port}:{shown}"]
