"""The permission matrix: every URL that takes an object, for every role, GET and a forged POST.

Codes: L = redirected to the login page; "ok" = allowed (200, or 302 after a write/redirect, or 400 for
an incomplete form); 403 forbidden; 404 outside the user's scope; 405 method not allowed.
A refused POST must leave the database exactly as it was (row counts and audit history of every model).
A URL with an object argument that is missing from MATRIX makes the test fail: new views need an entry.
"""

import pytest
from django.apps import apps
from django.db import transaction
from django.test import Client
from django.urls import reverse

from tests.harness.scenario import MATRIX, ROLES, scenario
from tests.harness.urls import walk_routes


def _snapshot() -> tuple:
    """Row counts of every table, audit history included (one query): a refused write changes none of them."""
    from django.db import connection

    tables = sorted({model._meta.db_table for model in apps.get_models() if model._meta.managed})
    sql = " UNION ALL ".join(
        f"SELECT {index}, COUNT(*) FROM {connection.ops.quote_name(table)}" for index, table in enumerate(tables)
    )
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return tuple(sorted(cursor.fetchall()))


@pytest.mark.django_db
def test_every_object_url_is_in_the_matrix():
    from django.urls import get_resolver

    public = {"calendar_feed", "password_reset_confirm", "ateliers:consent_confirm"}
    object_urls = {
        name
        for name, route in walk_routes(get_resolver().url_patterns)
        if "<" in route
        and not route.startswith("admin/")
        and "<str:fmt>" not in route
        and "<export_format" not in route
    }
    missing = sorted(object_urls - set(MATRIX) - public)
    assert missing == [], f"Add these URLs to the permission matrix: {missing}"


def _status(response) -> object:
    if response.streaming:
        # Reading a download to its end closes it the way Django's test client expects (closing it a second
        # time would close the database connection on PostgreSQL).
        b"".join(response.streaming_content)
    if response.status_code == 302 and response.url.startswith("/connexion/"):
        return "L"
    if response.status_code in (200, 302, 400):
        return "ok"
    return response.status_code


@pytest.mark.django_db
def test_permission_matrix(commune, other_commune, consultant, users):
    """One scenario; each URL and role runs in a savepoint rolled back afterwards, so that an allowed
    POST (a validation, a deletion…) never changes what the next check sees."""
    data = scenario(commune, other_commune, consultant)
    failures = []
    for name, (kwargs, get_profile, post_profile) in MATRIX.items():
        url = reverse(name, kwargs=kwargs(data))
        for role, expected_get, expected_post in zip(ROLES, get_profile, post_profile, strict=True):
            with transaction.atomic():
                client = Client()
                if users[role] is not None:
                    client.force_login(users[role])
                got = _status(client.get(url))
                if got != expected_get:
                    failures.append(f"GET {name} as {role}: expected {expected_get}, got {got}")
                transaction.set_rollback(True)
            with transaction.atomic():
                if users[role] is not None:
                    client.force_login(users[role])
                before = _snapshot()
                got = _status(client.post(url, {}))
                if got != expected_post:
                    failures.append(f"POST {name} as {role}: expected {expected_post}, got {got}")
                if got != "ok" and _snapshot() != before:
                    failures.append(f"POST {name} as {role} was refused ({got}) but changed the database")
                transaction.set_rollback(True)
    assert failures == [], "\n".join(failures)


def test_matrix_size():
    """The number of cells checked (reported in the closing note): URLs × roles × (GET, POST)."""
    assert len(MATRIX) * len(ROLES) * 2 == 1080
