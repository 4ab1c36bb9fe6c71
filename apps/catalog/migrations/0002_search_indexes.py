"""PostgreSQL-only search indexes (other databases search without them).

- a trigram GIN index for substring search (LIKE '%...%'), which also serves Chinese;
- a GIN index on the same to_tsvector expression the full-text query uses.
"""

from django.db import migrations

FORWARD = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE INDEX IF NOT EXISTS product_search_trgm_idx ON catalog_product USING gin (search_document gin_trgm_ops)",
    "CREATE INDEX IF NOT EXISTS product_search_fts_idx ON catalog_product "
    "USING gin (to_tsvector('simple'::regconfig, COALESCE(search_document, '')))",
]
BACKWARD = ["DROP INDEX IF EXISTS product_search_trgm_idx", "DROP INDEX IF EXISTS product_search_fts_idx"]


def run(statements):
    def apply(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        for statement in statements:
            schema_editor.execute(statement)

    return apply


class Migration(migrations.Migration):
    dependencies = [("catalog", "0001_initial")]

    operations = [migrations.RunPython(run(FORWARD), run(BACKWARD))]
