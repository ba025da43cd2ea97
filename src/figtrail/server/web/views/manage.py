"""Creating, renaming, moving and deleting in the web UI: organizations, workspaces, analyses, figures and
revisions.

Every form runs the very operation the API runs (``catalog.changes``, ``accounts.organizations``), so sizes
up the tree, the activity log and the access rules are the API's: each route declares the level it needs
(``@declare``, the levels of ``changes.edit_level`` / ``delete_level``), ``viewer.fetch`` refuses a stranger
with the 404 of an id nobody uses and someone who may read but not change with a 403 page saying why, and
what the operation refuses beyond that (CREATE where a figure moves to, the primary workspace) is the
error page too (``WebMiddleware.process_exception``). Deleting is a confirm step: a page saying what goes
with the object (``changes.contents``), whose form POSTs the deletion. Every POST redirects.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.db.models import Model
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.defaultfilters import filesizeformat
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from figtrail.server.access import policy
from figtrail.server.access.declarations import ACCOUNT, SIGNED_IN, declare
from figtrail.server.access.policy import Level
from figtrail.server.accounts.models import Organization
from figtrail.server.accounts.organizations import create_organization
from figtrail.server.catalog import changes
from figtrail.server.catalog.models import Analysis, Figure, Revision, Workspace
from figtrail.server.page_urls import url_of
from figtrail.server.web import viewer
from figtrail.server.web.navigation import breadcrumbs

NAME_MAX = 500
ORGANIZATION_NAME_MAX = 200


class NameForm(forms.Form):
    name = forms.CharField(max_length=NAME_MAX)
    description = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def fields_changed(self) -> dict:
        data = self.cleaned_data
        return {"name": data["name"].strip(), "description": data["description"].strip() or None}


class WorkspaceForm(NameForm):
    organization = forms.TypedChoiceField(required=False, coerce=str, empty_value=None)

    def __init__(self, *args, organizations=(), **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["organization"].choices = [("", "None (a workspace of my own)")] + [
            (str(org.pk), org.name) for org in organizations
        ]


class OrganizationForm(forms.Form):
    name = forms.CharField(max_length=ORGANIZATION_NAME_MAX)
    description = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3}))
    email = forms.EmailField(required=False)


class FigureForm(NameForm):
    # offered: the analyses the user may create in; whatever is posted is fetched as every page fetches
    # (a stranger's analysis is "Not found", one the user only reads a 403 page), then checked by the move
    analysis = forms.CharField(label="Analysis", widget=forms.Select)

    def __init__(self, *args, analyses=(), **kwargs) -> None:
        super().__init__(*args, **kwargs)
        choices = [(str(a.pk), f"{a.workspace.name} / {a.name}") for a in analyses]
        self.fields["analysis"].widget.choices = choices


def _form_page(request: HttpRequest, form: forms.Form, **context) -> HttpResponse:
    return render(request, "web/manage/form.html", {"form": form, **context})


# ---- organizations and workspaces ------------------------------------------------------------------


def creatable_organizations(user):
    """The organizations the user may create workspaces in (``policy.organization_level``)."""
    organizations = Organization.objects.filter(memberships__user=user).distinct().order_by("name")
    return [org for org in organizations if policy.organization_level(user, org) >= Level.CREATE]


@declare(ACCOUNT)
@require_http_methods(["GET", "POST"])
def new_organization(request: HttpRequest) -> HttpResponse:
    """A new organization, its creator its admin (``POST organization/``)."""
    form = OrganizationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        fields = {
            "name": data["name"].strip(),
            "description": data["description"].strip() or None,
            "email": data["email"] or None,
        }
        org = create_organization(request.user, fields)
        messages.success(request, f"Organization “{org.name}” created. You are its admin.")
        return redirect("web:organization", pk=org.pk)
    return _form_page(
        request, form, title="New organization", submit="Create organization", cancel=reverse("web:home")
    )


@declare(SIGNED_IN)
@require_http_methods(["GET", "POST"])
def new_workspace(request: HttpRequest) -> HttpResponse:
    """A new workspace, owned by its creator, alone or in an organization they may create workspaces in
    (``POST workspace/``: ``changes.create_workspace`` checks that again)."""
    organizations = creatable_organizations(request.user)
    initial = {"organization": request.GET.get("organization", "")}
    form = WorkspaceForm(request.POST or None, initial=initial, organizations=organizations)
    if request.method == "POST" and form.is_valid():
        chosen = form.cleaned_data["organization"]
        organization = next((org for org in organizations if str(org.pk) == chosen), None)
        fields = form.fields_changed() | {"organization": organization}
        workspace = changes.create_workspace(viewer.actor(request), request.user, fields)
        messages.success(request, f"Workspace “{workspace.name}” created. You are its owner.")
        return redirect("web:workspace", pk=workspace.pk)
    return _form_page(
        request, form, title="New workspace", submit="Create workspace", cancel=reverse("web:home")
    )


@declare(changes.edit_level(Workspace))
@require_http_methods(["GET", "POST"])
def edit_workspace(request: HttpRequest, pk) -> HttpResponse:
    workspace = viewer.fetch(request, Workspace, pk, changes.edit_level(Workspace))
    return _rename(request, workspace)


@declare(changes.delete_level(Workspace))
@require_http_methods(["GET", "POST"])
def delete_workspace(request: HttpRequest, pk) -> HttpResponse:
    workspace = viewer.fetch(request, Workspace, pk, changes.delete_level(Workspace))
    return _delete(request, workspace, reverse("web:home"))


# ---- analyses -------------------------------------------------------------------------------------


@declare(Level.CREATE)
@require_http_methods(["GET", "POST"])
def new_analysis(request: HttpRequest, pk) -> HttpResponse:
    """A new, empty analysis in a workspace (``POST analysis/``)."""
    workspace = viewer.fetch(request, Workspace, pk, Level.CREATE)
    form = NameForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        fields = form.fields_changed() | {"workspace": workspace}
        analysis = changes.create_analysis(viewer.actor(request), request.user, fields)
        messages.success(request, f"Analysis “{analysis.name}” created.")
        return redirect("web:analysis", pk=analysis.pk)
    return _form_page(
        request,
        form,
        title="New analysis",
        submit="Create analysis",
        cancel=url_of(workspace),
        crumbs=breadcrumbs(request, workspace),
    )


@declare(changes.edit_level(Analysis))
@require_http_methods(["GET", "POST"])
def edit_analysis(request: HttpRequest, pk) -> HttpResponse:
    analysis = viewer.fetch(request, Analysis, pk, changes.edit_level(Analysis))
    return _rename(request, analysis)


@declare(changes.delete_level(Analysis))
@require_http_methods(["GET", "POST"])
def delete_analysis(request: HttpRequest, pk) -> HttpResponse:
    queryset = Analysis.objects.select_related("workspace")
    analysis = viewer.fetch(request, queryset, pk, changes.delete_level(Analysis))
    return _delete(request, analysis, url_of(analysis.workspace))


# ---- figures and revisions ------------------------------------------------------------------------


def target_analyses(request: HttpRequest, figure: Figure) -> list[Analysis]:
    """Where a figure may go: the analyses of every workspace the user may create in (its own first)."""
    actor = viewer.actor(request)
    workspaces = [
        ws
        for ws in policy.visible_workspaces(actor).order_by("name")
        if policy.workspace_level(actor, ws) >= Level.CREATE
    ]
    analyses = list(
        Analysis.objects.filter(workspace__in=workspaces).select_related("workspace").order_by("name")
    )
    analyses.sort(key=lambda a: (a.workspace_id != figure.analysis.workspace_id, a.workspace.name, a.name))
    return analyses


@declare(changes.edit_level(Figure))
@require_http_methods(["GET", "POST"])
def edit_figure(request: HttpRequest, pk) -> HttpResponse:
    """Rename a figure, or move it to another analysis the user may create in (``PATCH figure/<id>/``)."""
    queryset = Figure.objects.select_related("analysis__workspace")
    figure = viewer.fetch(request, queryset, pk, changes.edit_level(Figure))
    analyses = target_analyses(request, figure)
    if figure.analysis_id not in {a.pk for a in analyses}:
        analyses.insert(0, figure.analysis)
    initial = {"name": figure.name, "description": figure.description, "analysis": str(figure.analysis_id)}
    form = FigureForm(request.POST or None, initial=initial, analyses=analyses)
    if request.method == "POST" and form.is_valid():
        chosen = form.cleaned_data["analysis"]
        target = figure.analysis
        if chosen != str(figure.analysis_id):
            target = viewer.fetch(request, Analysis.objects.select_related("workspace"), chosen, Level.CREATE)
        moved = target.pk != figure.analysis_id
        changes.update(
            viewer.actor(request), request.user, figure, form.fields_changed() | {"analysis": target}
        )
        where = f" and moved to “{target.name}”" if moved else ""
        messages.success(request, f"Figure “{figure.name}” saved{where}.")
        return redirect("web:figure", pk=figure.pk)
    return _form_page(
        request,
        form,
        title=f"Rename or move {figure.name}",
        submit="Save",
        cancel=url_of(figure),
        crumbs=breadcrumbs(request, figure),
    )


@declare(changes.delete_level(Figure))
@require_http_methods(["GET", "POST"])
def delete_figure(request: HttpRequest, pk) -> HttpResponse:
    queryset = Figure.objects.select_related("analysis__workspace")
    figure = viewer.fetch(request, queryset, pk, changes.delete_level(Figure))
    return _delete(request, figure, url_of(figure.analysis))


@declare(changes.delete_level(Revision))
@require_http_methods(["GET", "POST"])
def delete_revision(request: HttpRequest, pk) -> HttpResponse:
    queryset = Revision.objects.select_related("figure__analysis__workspace")
    revision = viewer.fetch(request, queryset, pk, changes.delete_level(Revision))
    return _delete(request, revision, url_of(revision.figure))


# ---- the shared steps -----------------------------------------------------------------------------


def _rename(request: HttpRequest, obj: Model) -> HttpResponse:
    """Rename an object and change its description (``PATCH <kind>/<id>/`` with name and description)."""
    form = NameForm(request.POST or None, initial={"name": obj.name, "description": obj.description})
    if request.method == "POST" and form.is_valid():
        changes.update(viewer.actor(request), request.user, obj, form.fields_changed())
        messages.success(request, f"Saved: {policy.noun(obj)} “{obj.name}”.")
        return redirect(url_of(obj))
    return _form_page(
        request,
        form,
        title=f"Rename {obj.name}",
        submit="Save",
        cancel=url_of(obj),
        crumbs=breadcrumbs(request, obj),
    )


def what_goes(obj: Model) -> str:
    """The confirmation's sentence: "Deletes 12 figures and 340 revisions (4.2 MB)." """
    found = changes.contents(obj)
    counted = [f"{n} {noun}" for n, noun in found.counted()]
    if not counted:
        listed = f"this {policy.noun(obj)}; it holds nothing else"
    elif len(counted) == 1:
        listed = counted[0]
    else:
        listed = ", ".join(counted[:-1]) + f" and {counted[-1]}"
    size = f" ({filesizeformat(found.size_bytes)})" if found.size_bytes else ""
    return f"Deletes {listed}{size}."


def _delete(request: HttpRequest, obj: Model, after: str) -> HttpResponse:
    """GET: the confirm step, saying what goes with the object. POST: delete it (``DELETE <kind>/<id>/``)
    and go to where it was."""
    label = obj.full_label
    if request.method == "POST":
        changes.delete(request.user, obj)
        messages.success(request, f"Deleted the {policy.noun(obj)} “{label}”.")
        return redirect(after)
    context = {
        "object": obj,
        "noun": policy.noun(obj),
        "label": label,
        "summary": what_goes(obj),
        "cancel": url_of(obj),
        "crumbs": breadcrumbs(request, obj),
        "primary": isinstance(obj, Workspace) and obj.workspace_type == "primary",
    }
    return render(request, "web/manage/delete.html", context)
