"""A DRF router whose routes match with and without a trailing slash, and never redirect.

The official client mixes both forms, and a redirect would turn its POSTs into GETs.
"""

from rest_framework.routers import SimpleRouter


class OptionalSlashRouter(SimpleRouter):
    def __init__(self) -> None:
        super().__init__()
        self.trailing_slash = "/?"
