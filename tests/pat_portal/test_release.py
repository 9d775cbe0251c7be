"""`manage.py release` (`make release`): refuses a missing or unsafe setting by name, backs up only when there is
data, and a second run changes nothing."""

import io
import os
import subprocess
import sys

import pytest
from django.conf import settings as django_settings
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from communes.models import Commune
from core import release

pytestmark = pytest.mark.django_db


@pytest.fixture
def production(settings, tmp_path):
    """Production values for what the test settings leave at development defaults."""
    settings.DEBUG = False
    settings.ALLOWED_HOSTS = ["pat.example.fr"]
    settings.SITE_URL = "https://pat.example.fr"
    settings.SECURE_SSL_REDIRECT = True
    settings.STATIC_ROOT = tmp_path / "staticfiles"
    settings.BACKUP_DIR = tmp_path / "sauvegardes"
    return settings


def _release() -> str:
    out = io.StringIO()
    call_command("release", "--allow-sqlite", stdout=out)
    return out.getvalue()


@pytest.mark.parametrize(
    ("setting", "value", "variable"),
    [
        ("DEBUG", True, "DJANGO_DEBUG"),
        ("SECRET_KEY", "trop-courte", "DJANGO_SECRET_KEY"),
        ("ALLOWED_HOSTS", [], "DJANGO_ALLOWED_HOSTS"),
        ("ALLOWED_HOSTS", ["*"], "DJANGO_ALLOWED_HOSTS"),
        ("SITE_URL", "http://127.0.0.1:8000", "DJANGO_SITE_URL"),
        ("SECURE_SSL_REDIRECT", False, "DJANGO_SECURE_SSL_REDIRECT"),
    ],
)
def test_an_unsafe_setting_is_refused_by_name_and_nothing_is_done(production, setting, value, variable):
    setattr(production, setting, value)
    with pytest.raises(CommandError) as refusal:
        _release()
    message = str(refusal.value)
    assert message.startswith("Mise en service refusée") and f"- {variable}" in message
    assert not Commune.objects.exists()
    assert not production.STATIC_ROOT.exists() and not list(production.BACKUP_DIR.glob("*"))


def test_sqlite_is_refused_unless_allowed(production):
    if connection.vendor != "sqlite":
        assert not any(problem.startswith("DATABASE_URL") for problem in release.configuration_problems())
        return
    with pytest.raises(CommandError, match="- DATABASE_URL désigne SQLite"):
        call_command("release", stdout=io.StringIO())


def test_a_missing_secret_key_is_named_before_anything_runs():
    environment = {key: value for key, value in os.environ.items() if not key.startswith("DJANGO_")}
    environment.update(DJANGO_DEBUG="0", DJANGO_SETTINGS_MODULE="pat_portal.settings")
    result = subprocess.run(
        [sys.executable, "manage.py", "release"],
        cwd=django_settings.BASE_DIR,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0 and "DJANGO_SECRET_KEY is required" in result.stderr


def test_first_run_takes_no_backup_of_an_empty_database_and_a_second_run_changes_nothing(production):
    first = _release()
    assert "Base sans données : pas de sauvegarde avant migration." in first
    assert "Migrations : base déjà à jour." in first
    assert "Communes : 67 chargées (première installation)." in first
    assert (production.STATIC_ROOT / "staticfiles.json").exists() or any(production.STATIC_ROOT.iterdir())
    assert not list(production.BACKUP_DIR.glob("pat-portal-*"))

    Commune.objects.filter(insee_code="25014").update(population=1)
    second = _release()
    [archive] = production.BACKUP_DIR.glob("pat-portal-*.tar.gz")
    assert f"Sauvegarde avant mise à jour : {archive}." in second
    assert "Fichiers statiques : 0 copié(s)" in second
    assert "Communes : 67 déjà chargées, laissées telles quelles." in second
    assert Commune.objects.get(insee_code="25014").population == 1  # an upgrade keeps GBM's edits
    assert second.rstrip().splitlines()[-1].startswith("Mise en service terminée")


@pytest.mark.django_db(transaction=True)  # SQLite's online backup waits forever on a connection inside a transaction
def test_data_in_an_older_schema_is_copied_in_the_database_own_format_before_migrating(
    production, commune, monkeypatch
):
    assert release.database_has_data()
    monkeypatch.setattr(release, "pending_migrations", lambda: ["pat_portal.9999_upgrade"])
    monkeypatch.setattr("core.management.commands.release.call_command", _no_migrate(call_command))
    out = _release()
    [snapshot] = production.BACKUP_DIR.glob(f"{release.SNAPSHOT_PREFIX}*")
    assert f"Copie de la base avant migration : {snapshot}" in out and snapshot.stat().st_size > 0
    assert "Migrations : 1 appliquée(s)." in out


def _no_migrate(real_call_command):
    def call(name, *args, **kwargs):
        if name == "migrate":
            return None
        return real_call_command(name, *args, **kwargs)

    return call
