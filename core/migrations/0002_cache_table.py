"""Create the shared database cache's table (rate-limit counters, one-time form tokens) as part of `migrate`.

Django only creates it with the separate `createcachetable` command; a deployment that ran `migrate` alone
answered 500 on the public form. This runs the same command, which creates the table of every database cache in
CACHES and leaves an existing table alone (idempotent); with Redis configured there is nothing to create.

Kept by hand when the migrations were squashed into each app's 0001_initial (docs/adr/0003-test-suite-split.md):
`makemigrations` writes no such operation.
"""

from django.core.management import call_command
from django.db import migrations


def create_cache_tables(apps, schema_editor):
    call_command("createcachetable", database=schema_editor.connection.alias, verbosity=0)


class Migration(migrations.Migration):
    dependencies = [
        ("pat_portal", "0001_initial"),
    ]

    # Unapplying leaves the table: it holds only transient data and `createcachetable` may have made it.
    operations = [migrations.RunPython(create_cache_tables, migrations.RunPython.noop, elidable=False)]
