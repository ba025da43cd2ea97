"""The exact lines that connect a client to this server, for the API key page and an empty home page:
``figtrail config``, the figtrail client's environment variables and the official client's.

The URL is the server's link base (``page_urls.link_base``: FIGTRAIL_PUBLIC_URL, a pinned host, or the
address ``figtrail serve`` listens on); without one, the address the browser used, which the user is
looking at (shown as text, never as a link). The key is the new one when the page has just made it,
else a placeholder.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.http import HttpRequest

from figtrail.server.page_urls import link_base

KEY_PLACEHOLDER = "<your API key>"


@dataclass(frozen=True)
class ClientSetup:
    url: str
    key: str

    @property
    def figtrail_config(self) -> str:
        return f"figtrail config --url {self.url} --api-key {self.key}"

    @property
    def figtrail_env(self) -> str:
        return f"export FIGTRAIL_URL={self.url}\nexport FIGTRAIL_API_KEY={self.key}"

    @property
    def gofigr_env(self) -> str:
        return f"export GF_URL={self.url}\nexport GF_API_KEY={self.key}"


def client_setup(request: HttpRequest, key: str | None = None) -> ClientSetup:
    url = link_base(request) or request.build_absolute_uri("/").rstrip("/")
    return ClientSetup(url=url, key=key or KEY_PLACEHOLDER)
