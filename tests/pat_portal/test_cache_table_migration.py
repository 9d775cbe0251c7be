"""The database cache's table is created by `migrate`, with no separate `createcachetable` step."""

import importlib
from types import SimpleNamespace

import pytest
from django.apps import apps
from django.conf import settings
from django.db import connection

cache_table_migration = importlib.import_module("core.migrations.0002_cache_table")
CACHE_TABLE = settings.CACHES["default"]["LOCATION"]


def _tables():
    return connection.introspection.table_names()


@pytest.mark.django_db
def test_the_migrated_test_database_has_the_cache_table():
    assert settings.CACHES["default"]["BACKEND"] == "django.core.cache.backends.db.DatabaseCache"
    assert CACHE_TABLE in _tables()


@pytest.mark.django_db
def test_the_migration_creates_a_missing_cache_table_and_leaves_an_existing_one_alone():
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE {connection.ops.quote_name(CACHE_TABLE)}")
    assert CACHE_TABLE not in _tables()

    # What the migration gets from `migrate` and uses: the schema editor's connection (SQLite's real schema editor
    # cannot open inside the test's transaction).
    schema_editor = SimpleNamespace(connection=connection)
    cache_table_migration.create_cache_tables(apps, schema_editor)
    assert CACHE_TABLE in _tables()

    from django.core.cache import cache

    cache.set("preuve", "écrit", 60)
    cache_table_migration.create_cache_tables(apps, schema_editor)  # a second run: no error, nothing lost
    assert cache.get("preuve") == "écrit"


@pytest.mark.django_db
def test_the_shared_cache_keeps_more_rows_than_djangos_default_before_culling():
    """Rate-limit counters and one-time form tokens live there: Django's default (300 rows, then a third culled)
    would silently forget some of them on a busy day."""
    from django.core.cache import cache

    cache.clear()
    for index in range(400):
        cache.set(f"jeton-{index}", index, 600)
    assert all(cache.get(f"jeton-{index}") == index for index in range(400))
