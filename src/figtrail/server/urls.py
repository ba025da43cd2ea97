"""Routes. Every API route answers with and without a trailing slash, under every version prefix."""

from __future__ import annotations

from django.urls import include, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from rest_framework.exceptions import NotFound
from rest_framework.views import APIView

from figtrail.server.access.declarations import PUBLIC
from figtrail.server.accounts.api_keys import ApiKeyViewSet
from figtrail.server.accounts.device import DeviceCode, DeviceToken
from figtrail.server.accounts.organizations import OrganizationViewSet
from figtrail.server.accounts.tokens import ObtainTokenPair, RefreshToken, SignOutEverywhere
from figtrail.server.accounts.users import UserViewSet
from figtrail.server.api.routers import OptionalSlashRouter
from figtrail.server.catalog.analyses import AnalysisViewSet
from figtrail.server.catalog.asset_revisions import AssetRevisionViewSet
from figtrail.server.catalog.assets import AssetViewSet
from figtrail.server.catalog.bootstrap import Bootstrap
from figtrail.server.catalog.clean_room import RevisionReproduce
from figtrail.server.catalog.data import DataViewSet
from figtrail.server.catalog.figures import FigureViewSet
from figtrail.server.catalog.info import ServerInfo
from figtrail.server.catalog.invitations import AcceptInvitation, InvitationDetail, InvitationList
from figtrail.server.catalog.metadata_proxy import MetadataProxyDetail, MetadataProxyList
from figtrail.server.catalog.revisions import RevisionViewSet
from figtrail.server.catalog.short_ids import ReserveShortIdPrefix
from figtrail.server.catalog.workspaces import WorkspaceViewSet
from figtrail.server.imports import urls as imports_urls
from figtrail.server.insight import urls as insight_urls
from figtrail.server.social.comments import CommentViewSet
from figtrail.server.stories import urls as stories_urls
from figtrail.server.tasks.views import TaskViewSet


class Schema(SpectacularAPIView):
    access = PUBLIC  # access.declarations: the OpenAPI description holds no data


class SchemaDocs(SpectacularSwaggerView):
    access = PUBLIC


class NoSuchRoute(APIView):
    """Any path under /api/ that names no route (``workspace//``, a typo, an unknown version): a JSON
    404 like every other API answer, never the web UI's HTML page."""

    access = PUBLIC  # it reveals nothing: the same answer for every path
    schema = None
    versioning_class = None  # the path may hold no version, or one this server does not have

    def _missing(self, request, *args, **kwargs):
        raise NotFound(f"No API route {request.path}; see /api/docs/ for the routes this server has.")

    get = post = put = patch = delete = head = options = _missing


router = OptionalSlashRouter()
router.register("user", UserViewSet, basename="user")
router.register("api_key", ApiKeyViewSet, basename="api_key")
router.register("organization", OrganizationViewSet, basename="organization")
router.register("workspace", WorkspaceViewSet, basename="workspace")
router.register("analysis", AnalysisViewSet, basename="analysis")
router.register("figure", FigureViewSet, basename="figure")
router.register("revision", RevisionViewSet, basename="revision")
router.register("data", DataViewSet, basename="data")
router.register("asset", AssetViewSet, basename="asset")
router.register("asset_revision", AssetRevisionViewSet, basename="asset_revision")
router.register("comment", CommentViewSet, basename="comment")
router.register("task", TaskViewSet, basename="task")
router.register("tasks", TaskViewSet, basename="tasks")  # the name GoFigr's API reference uses


def invitation_routes(kind: str) -> list:
    return [
        re_path(rf"^invitations/{kind}/?$", InvitationList.as_view(kind=kind)),
        re_path(rf"^invitations/{kind}/(?P<key>[^/]+)/accept/?$", AcceptInvitation.as_view(kind=kind)),
        re_path(rf"^invitations/{kind}/(?P<key>[^/]+)/?$", InvitationDetail.as_view(kind=kind)),
    ]


api_patterns = [
    re_path(r"^info/?$", ServerInfo.as_view(), name="info"),
    re_path(r"^bootstrap/?$", Bootstrap.as_view(), name="bootstrap"),
    re_path(r"^short_id_prefix/reserve/?$", ReserveShortIdPrefix.as_view(), name="short-id-prefix"),
    re_path(r"^metadata/?$", MetadataProxyList.as_view(), name="metadata"),
    re_path(r"^metadata/(?P<token>[^/]+)/?$", MetadataProxyDetail.as_view(), name="metadata-detail"),
    *invitation_routes("workspace"),
    *invitation_routes("organization"),
    *insight_urls.api_patterns,
    *stories_urls.api_patterns,
    *imports_urls.api_patterns,
    re_path(r"^revision/(?P<pk>[^/]+)/reproduce/?$", RevisionReproduce.as_view(), name="revision-reproduce"),
    *router.urls,
]

handler404 = "figtrail.server.web.errors.page_not_found"  # the app's own 404 page for paths no route matches

urlpatterns = [
    re_path(r"^api/token/?$", ObtainTokenPair.as_view(), name="token"),
    re_path(r"^api/token/refresh/?$", RefreshToken.as_view(), name="token-refresh"),
    re_path(r"^api/token/sign_out_everywhere/?$", SignOutEverywhere.as_view(), name="sign-out-everywhere"),
    re_path(r"^api/schema/?$", Schema.as_view(api_version="v1.4.1", versioning_class=None), name="schema"),
    re_path(r"^api/docs/?$", SchemaDocs.as_view(url_name="schema", versioning_class=None), name="docs"),
    re_path(r"^api/(?P<version>v1(?:\.\d+){0,2})/", include(api_patterns)),
    re_path(r"^api(?:/|$)", NoSuchRoute.as_view(), name="no-such-api-route"),
    # device sign-in (accounts/device.py): where the official clients' gfconfig looks, outside /api/
    re_path(r"^oauth/device/code/?$", DeviceCode.as_view(), name="oauth-device-code"),
    re_path(r"^oauth/token/?$", DeviceToken.as_view(), name="oauth-token"),
    re_path(r"", include("figtrail.server.web.urls")),  # the web UI; after the API routes
]
