"""Trigram indexes for the web search on PostgreSQL: its substring matches (``icontains``, which Django
writes as ``UPPER(column::text) LIKE UPPER('%word%')``) on revisions' metadata and picture text, figure and
analysis names, comments and indexed code use them instead of reading every row (at 100,000 revisions a
search read the whole revision table). They need the ``pg_trgm`` extension (a trusted one: the database's
owner may create it); where it cannot be created, the migration says so and the search reads every row as
before. SQLite has no such index: there the migration does nothing. Not in the models' Meta (the
expressions are PostgreSQL's), so makemigrations never asks for them."""

from django.db import migrations

# (index, table, expression): each expression exactly as Django's icontains lookup writes it
INDEXES = (
    ("catalog_revision_metadata_trgm", "catalog_revision", "UPPER(metadata::text)"),
    ("catalog_revision_image_text_trgm", "catalog_revision", "UPPER(image_text)"),
    ("catalog_figure_name_trgm", "catalog_figure", "UPPER(name::text)"),
    ("catalog_analysis_name_trgm", "catalog_analysis", "UPPER(name::text)"),
    ("catalog_codetext_text_trgm", "catalog_codetext", "UPPER(text)"),
    ("social_comment_content_trgm", "social_comment", "UPPER(content)"),
)


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_available_extensions WHERE name = 'pg_trgm'")
        available = cursor.fetchone() is not None
    if not available:
        print("\n  pg_trgm is not installed on this PostgreSQL server: the search reads every row")
        return
    try:
        with schema_editor.connection.cursor() as cursor:
            cursor.execute("SAVEPOINT figtrail_pg_trgm")
            cursor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
            cursor.execute("RELEASE SAVEPOINT figtrail_pg_trgm")
    except Exception as exc:  # no privilege to create it: the search works, unindexed
        with schema_editor.connection.cursor() as cursor:
            cursor.execute("ROLLBACK TO SAVEPOINT figtrail_pg_trgm")
        print(f"\n  pg_trgm could not be created ({exc}): the search reads every row")
        return
    for name, table, expression in INDEXES:
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {name} ON {table} USING gin ({expression} gin_trgm_ops)"
        )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for name, _, _ in INDEXES:
            schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [
        ("catalog", "0007_code_index_pending"),
        ("social", "0002_comment_is_ai"),
    ]

    operations = [
        migrations.RunPython(create, drop, elidable=False),
    ]
