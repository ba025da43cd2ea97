"""A GIN index on revisions' metadata (``jsonb_path_ops``) for the metadata search's ``@>`` on PostgreSQL
(``catalog/metadata_search.py``). SQLite has no such index: there the migration does nothing. Not in the
model's Meta (Django's GinIndex is PostgreSQL's only), so makemigrations never asks for it."""

from django.db import migrations

INDEX = "catalog_revision_metadata_gin"


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {INDEX} ON catalog_revision USING gin (metadata jsonb_path_ops)"
        )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")


class Migration(migrations.Migration):
    dependencies = [
        ("catalog", "0005_code_text"),
    ]

    operations = [
        migrations.RunPython(create, drop, elidable=False),
    ]
