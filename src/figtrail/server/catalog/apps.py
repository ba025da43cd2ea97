from django.apps import AppConfig
from django.db.models.signals import post_save


class CatalogConfig(AppConfig):
    name = "figtrail.server.catalog"
    label = "catalog"

    def ready(self) -> None:
        from django.contrib.auth import get_user_model

        post_save.connect(_give_new_user_a_primary_workspace, sender=get_user_model())


def _give_new_user_a_primary_workspace(sender, instance, created: bool, raw: bool = False, **kwargs) -> None:
    """However a user is made (CLI, admin, invitation), they get their one primary workspace."""
    if created and not raw:
        from figtrail.server.catalog.workspaces import create_primary_workspace

        create_primary_workspace(instance)
