"""What a comment can be about: assets, asset revisions, figures and figure revisions.

The API names them by ``target_type`` (``figure_revision`` is the API's name for a catalog Revision).
"""

from __future__ import annotations

from django.db.models import Model, QuerySet
from rest_framework.exceptions import ValidationError

from figtrail.server.access import policy
from figtrail.server.catalog.models import Asset, AssetRevision, Figure, Revision
from figtrail.server.social.models import TARGET_FIELDS, Comment, TargetType

MODELS = {
    TargetType.ASSET: Asset,
    TargetType.ASSET_REVISION: AssetRevision,
    TargetType.FIGURE: Figure,
    TargetType.FIGURE_REVISION: Revision,
}
TYPE_OF_MODEL = {model: target_type for target_type, model in MODELS.items()}
# what access checks, labels and links read, fetched with the target: the levels up to its workspace
RELATED = {target_type: (model.workspace_path(),) for target_type, model in MODELS.items()}


def parse_type(value: str | None) -> TargetType:
    """The target type named in a request; 400 naming ``target_type`` if it is not one we know."""
    if value not in TargetType.values:
        choices = ", ".join(TargetType.values)
        raise ValidationError({"target_type": [f"Must be one of {choices}; got {value!r}."]})
    return TargetType(value)


def find(target_type: TargetType, target_id) -> Model:
    """The target object; 404 if there is none (a malformed id counts as none)."""
    model, related = MODELS[target_type], RELATED[target_type]
    return policy.get_or_404(model, target_id, _spoken(target_type), related=related)


def type_of(target: Model) -> TargetType:
    return TYPE_OF_MODEL[type(target)]


def comments_on(target: Model) -> QuerySet[Comment]:
    return Comment.objects.filter(**{TARGET_FIELDS[type_of(target)]: target})


def noun(target: Model) -> str:
    """What a person calls the kind of object: "figure revision"."""
    return _spoken(type_of(target))


def _spoken(target_type: TargetType) -> str:
    return target_type.replace("_", " ")
