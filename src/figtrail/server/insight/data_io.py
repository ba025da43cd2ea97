"""``GET revision/<id>/data_io/``: what went into a figure revision and what came out of it.

Inputs are the asset revisions it was made from (tracked data files: name, revision, hashes, use type)
that the caller may read (``access.policy``: a member of their workspace, or through a share of their
own); the others are only counted, in ``hidden_inputs``, as the web lineage page does. Outputs are the
revision's own data objects (images, code, data frames, files: name, type, format, size). No AI is
involved: this is the lineage the catalog already holds, in the shape the AI panel shows.
"""

from __future__ import annotations

from rest_framework.response import Response

from figtrail.server.access import policy
from figtrail.server.access.policy import Level
from figtrail.server.catalog import environment
from figtrail.server.catalog.models import AssetLink, Data, api_index
from figtrail.server.insight.views import AIView


def input_of(link: AssetLink) -> dict:
    asset_revision = link.asset_revision
    return {
        "asset": str(asset_revision.asset_id),
        "asset_name": asset_revision.asset.name,
        "asset_revision": str(asset_revision.pk),
        "revision_index": api_index(asset_revision.revision_index),
        "use_type": link.use_type,
        "files": [
            {"name": row.name, "hash": row.hash, "size_bytes": row.size_bytes}
            for row in asset_revision.data.all()
        ],
    }


def output_of(row: Data) -> dict:
    return {
        "api_id": str(row.pk),
        "name": row.name,
        "type": row.type,
        "format": row.metadata.get("format"),
        "size_bytes": row.size_bytes,
        "hash": row.hash,
    }


class DataIO(AIView):
    access = {"get": Level.VIEW}  # access.declarations: VIEW on the revision, checked below

    def get(self, request, *args, pk: str, **kwargs):
        revision = self.visible_revision(pk)
        links = AssetLink.objects.filter(figure_revision=revision).select_related("asset_revision__asset")
        links = links.prefetch_related("asset_revision__data")
        visible = [link for link in links if policy.allowed(self.actor, link.asset_revision, Level.VIEW)]
        outputs = list(Data.objects.filter(revision=revision))
        if policy.environment_hidden(self.actor, revision):  # its package lists, system info, manifest
            outputs = environment.shown_data(outputs)
        return Response(
            {
                "revision": str(revision.pk),
                "figure": str(revision.figure_id),
                "inputs": [input_of(link) for link in visible],
                "hidden_inputs": len(links) - len(visible),
                "outputs": [output_of(row) for row in outputs],
            }
        )
