import runpy
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

SETTINGS_FILE = Path(__file__).resolve().parents[2] / "pat_portal" / "settings.py"


def test_settings_refuse_to_start_without_secret_key_when_debug_is_off(monkeypatch):
    monkeypatch.setenv("DJANGO_DEBUG", "0")
    monkeypatch.delenv("DJANGO_SECRET_KEY", raising=False)
    with pytest.raises(ImproperlyConfigured, match="DJANGO_SECRET_KEY is required"):
        runpy.run_path(str(SETTINGS_FILE))


def test_settings_accept_missing_secret_key_in_debug(monkeypatch):
    monkeypatch.setenv("DJANGO_DEBUG", "1")
    monkeypatch.delenv("DJANGO_SECRET_KEY", raising=False)
    values = runpy.run_path(str(SETTINGS_FILE))
    assert values["DEBUG"] is True
    assert values["SECRET_KEY"]


def test_database_url_selects_postgresql(monkeypatch):
    monkeypatch.setenv("DJANGO_SECRET_KEY", "x" * 50)
    monkeypatch.setenv("DATABASE_URL", "postgres://pat:secret@db.example:5432/pat")
    values = runpy.run_path(str(SETTINGS_FILE))
    database = values["DATABASES"]["default"]
    assert database["ENGINE"] == "django.db.backends.postgresql"
    assert database["NAME"] == "pat"
    assert values["DEBUG"] is False
    assert values["SESSION_COOKIE_SECURE"] is True


def test_default_database_is_sqlite(monkeypatch):
    monkeypatch.setenv("DJANGO_SECRET_KEY", "x" * 50)
    monkeypatch.delenv("DATABASE_URL", raising=False)
    values = runpy.run_path(str(SETTINGS_FILE))
    assert values["DATABASES"]["default"]["ENGINE"] == "django.db.backends.sqlite3"
