"""The web UI's routes. Object pages use the paths the official client links to (``/figure/<id>``,
``/revision/<id>``, ``/r/<short id>``); raw bytes live under ``/web/``. A trailing slash is optional."""

from __future__ import annotations

from django.urls import re_path

from figtrail.server.web.views import (
    accounts,
    ai_usage,
    analyses,
    assets,
    comments,
    compare,
    data,
    device,
    figures,
    home,
    imports,
    insight,
    invitations,
    lineage,
    manage,
    organizations,
    revisions,
    search,
    sharing,
    stories,
    workspaces,
)

app_name = "web"

SLIDE = r"(?P<slide>[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12})"
ID = r"(?P<pk>[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12})"
TOKEN = r"(?P<token>[0-9A-Za-z_-]{16,64})"
COMMENT_TARGET = r"(?P<target_type>asset|asset_revision|figure|figure_revision)"


def page(pattern: str, view, name: str):
    return re_path(rf"^{pattern}/?$", view, name=name)


urlpatterns = [
    re_path(r"^$", home.home, name="home"),
    page("signin", accounts.SignInView.as_view(), "signin"),
    page("signout", accounts.SignOutView.as_view(), "signout"),
    page("account/password", accounts.PasswordChangeView.as_view(), "account-password"),
    page("account/sign-out-everywhere", accounts.sign_out_everywhere, "account-sign-out-everywhere"),
    page("account/api-keys", accounts.api_keys, "account-api-keys"),
    page("device", device.device_page, "device"),
    page(f"account/api-keys/{ID}/revoke", accounts.revoke_api_key, "account-api-key-revoke"),
    page("workspace/new", manage.new_workspace, "workspace-new"),
    page("organization/new", manage.new_organization, "organization-new"),
    page(f"workspace/{ID}/edit", manage.edit_workspace, "workspace-edit"),
    page(f"workspace/{ID}/delete", manage.delete_workspace, "workspace-delete"),
    page(f"workspace/{ID}/analysis/new", manage.new_analysis, "analysis-new"),
    page(f"analysis/{ID}/edit", manage.edit_analysis, "analysis-edit"),
    page(f"analysis/{ID}/delete", manage.delete_analysis, "analysis-delete"),
    page(f"figure/{ID}/edit", manage.edit_figure, "figure-edit"),
    page(f"figure/{ID}/delete", manage.delete_figure, "figure-delete"),
    page(f"revision/{ID}/delete", manage.delete_revision, "revision-delete"),
    page(f"workspace/{ID}", workspaces.workspace, "workspace"),
    page(f"workspace/{ID}/members", workspaces.members, "workspace-members"),
    page(f"workspace/{ID}/search", search.search, "workspace-search"),
    page("search", search.search_everywhere, "search"),
    page(f"analysis/{ID}", analyses.analysis, "analysis"),
    page(f"figure/{ID}", figures.figure, "figure"),
    page(f"figure/{ID}/table", figures.figure_table, "figure-table"),
    page(f"revision/{ID}", revisions.revision, "revision"),
    page(f"revision/{ID}/lineage", lineage.revision_lineage, "revision-lineage"),
    page(f"revision/{ID}/reproduce", revisions.reproduce, "revision-reproduce"),
    page(f"revision/{ID}/download", revisions.download_all, "revision-download"),
    page(f"revision/{ID}/similar", revisions.similar, "revision-similar"),
    page(r"r/(?P<ident>[0-9A-Za-z_-]{1,64})", revisions.short_link, "short-link"),
    page("compare", compare.compare, "compare"),
    page(f"asset/{ID}", assets.asset, "asset"),
    page(f"asset_revision/{ID}", assets.asset_revision, "asset-revision"),
    page(rf"share/(?P<kind>[a-z_]+)/{ID}", sharing.share, "share"),
    page(r"s/(?P<token>[0-9A-Za-z_-]{16,64})", sharing.shared_link, "shared-link"),
    page(rf"invitation/(?P<kind>workspace|organization)/{TOKEN}", invitations.invitation, "invitation"),
    page(f"organization/{ID}", organizations.organization, "organization"),
    page(f"comments/{COMMENT_TARGET}/{ID}", comments.post, "comment-post"),
    page(f"comments/{ID}/edit", comments.edit, "comment-edit"),
    page(f"comments/{ID}/delete", comments.delete, "comment-delete"),
    page(f"comments/{ID}/react", comments.react, "comment-react"),
    page(f"comments/{ID}/ai_reply", comments.ai_reply, "comment-ai-reply"),
    page(f"comments/{ID}/body", comments.body, "comment-body"),
    page(f"web/data/{ID}/download", data.download, "data-download"),
    page(f"web/data/{ID}/view", data.view, "data-view"),
    re_path(r"^web/scripts/(?P<name>[\w.-]+/[\w.-]+\.js)$", data.figure_script, name="figure-script"),
    page(rf"web/thumbnail/{ID}/(?P<size>[0-9]{{2,4}})", data.thumbnail, "thumbnail"),
    page("web/compare/diff.png", compare.pixel_diff_png, "pixel-diff"),
    page(f"web/organization/{ID}/logo", organizations.logo, "organization-logo"),
    page(f"analysis/{ID}/story/new", stories.new, "story-new"),
    page(f"story/{ID}", stories.story, "story"),
    page(f"story/{ID}/edit", stories.edit, "story-edit"),
    page(f"story/{ID}/regenerate", stories.regenerate, "story-regenerate"),
    page(f"story/{ID}/status", stories.status, "story-status"),
    page(rf"story/{ID}/export/(?P<fmt>[a-z]{{3,5}})", stories.export, "story-export"),
    page(rf"web/story/{ID}/slide/{SLIDE}/(?P<size>[0-9]{{2,4}})", stories.slide_image, "story-slide-image"),
    page(f"revision/{ID}/ai/ask", insight.ask, "ai-ask"),
    page(f"revision/{ID}/ai/extract_code", insight.extract_code, "ai-extract-code"),
    page(f"revision/{ID}/ai/describe", insight.describe, "ai-describe"),
    page(f"figure/{ID}/ai/describe", insight.describe_figure, "figure-ai-describe"),
    page("compare/ai/explain", insight.explain_compare, "compare-ai-explain"),
    page("account/ai-usage", ai_usage.ai_usage, "account-ai-usage"),
    page(f"analysis/{ID}/import", imports.import_page, "analysis-import"),
    page(f"web/task/{ID}", imports.task_status, "task-status"),
    page("account/ssh-keys", imports.ssh_keys, "account-ssh-keys"),
    page(f"account/ssh-keys/{ID}/delete", imports.delete_ssh_key, "account-ssh-key-delete"),
]
