"""`manage.py release` (`make release`): what install and upgrade check and do, in order (docs/deploy.md).

1. the configuration: every missing or unsafe setting is named, with the environment variable that sets it, and
   nothing is changed while one is left (Django's deployment checks included);
2. a backup when the database holds data: the portable archive of `backup` when the code's models match the
   database, else (new migrations to apply: the models describe a schema the database does not have yet) a
   snapshot in the database's own format (pg_dump, or a copy of the SQLite file);
3. migrate, createcachetable, collectstatic, and the 67 communes on a first install.

Every step is idempotent: a second run applies nothing and copies no file again.
"""

import datetime
import os
import sqlite3
import subprocess
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.core import checks
from django.core.cache import caches
from django.db import DatabaseError, connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from core.backups import backed_up_models

MIN_SECRET_KEY_LENGTH = 50
SNAPSHOT_PREFIX = "pat-portal-avant-migration-"

# Django's deployment checks name Django settings; the refusal names the environment variable that sets each one.
CHECK_VARIABLES = {
    "security.W004": "DJANGO_HSTS_SECONDS",
    "security.W008": "DJANGO_SECURE_SSL_REDIRECT",
    "security.W009": "DJANGO_SECRET_KEY",
    "security.W018": "DJANGO_DEBUG",
    "security.W020": "DJANGO_ALLOWED_HOSTS",
}


class ReleaseRefused(Exception):
    """The configuration is missing or unsafe; `problems` are French sentences, each naming its variable."""

    def __init__(self, problems: list[str]):
        super().__init__("\n".join(problems))
        self.problems = problems


def _writable_folder(path: Path) -> bool:
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError:
        return False
    return os.access(path, os.W_OK)


def configuration_problems(*, allow_sqlite: bool = False) -> list[str]:
    """Every missing or unsafe setting for a production start, in French, each naming its environment variable."""
    problems = []
    if settings.DEBUG:
        problems.append(
            "DJANGO_DEBUG est activé : en production il vaut 0 (les pages d'erreur techniques montreraient le code "
            "et les réglages)."
        )
    key = settings.SECRET_KEY
    if len(key) < MIN_SECRET_KEY_LENGTH or len(set(key)) < 5 or key.startswith("django-insecure"):
        problems.append(
            f"DJANGO_SECRET_KEY est trop courte ou par défaut ({len(key)} caractères) : donnez au moins "
            f"{MIN_SECRET_KEY_LENGTH} caractères aléatoires "
            "(python3 -c 'import secrets; print(secrets.token_urlsafe(50))')."
        )
    hosts = [host for host in settings.ALLOWED_HOSTS if host != "testserver"]
    if not hosts:
        problems.append("DJANGO_ALLOWED_HOSTS est vide : donnez le nom du site (p. ex. pat.grandbesancon.fr).")
    elif "*" in hosts:
        problems.append("DJANGO_ALLOWED_HOSTS contient « * » : donnez le nom exact du site.")
    if connection.vendor == "sqlite" and not allow_sqlite:
        problems.append(
            "DATABASE_URL désigne SQLite (ou n'est pas donnée) : la production utilise PostgreSQL "
            "(postgres://utilisateur:mot-de-passe@hôte:5432/base). Pour un essai sur une seule machine : "
            "manage.py release --allow-sqlite."
        )
    if not settings.SITE_URL.startswith("https://"):
        problems.append(
            f"DJANGO_SITE_URL vaut « {settings.SITE_URL} » : donnez l'adresse https du portail, celle des liens "
            "des courriels (réinitialisation du mot de passe, invitations)."
        )
    folders = [("DJANGO_MEDIA_ROOT", Path(settings.MEDIA_ROOT)), ("DJANGO_BACKUP_DIR", Path(settings.BACKUP_DIR))]
    if settings.CACHES["pdfs"]["BACKEND"].endswith("FileBasedCache"):
        folders.append(("DJANGO_PDF_CACHE_DIR", Path(settings.CACHES["pdfs"]["LOCATION"])))
    for variable, folder in folders:
        if not _writable_folder(folder):
            problems.append(
                f"{variable} : le dossier {folder} ne peut pas être créé ou n'est pas accessible en écriture."
            )
    try:
        connection.ensure_connection()
    except DatabaseError as error:
        problems.append(f"DATABASE_URL : la base de données est injoignable ({str(error).strip()}).")
        return problems  # the checks below read the database
    if os.environ.get("REDIS_URL"):
        try:
            caches["default"].set("pat-portal-release", "ok", 10)
            reachable = caches["default"].get("pat-portal-release") == "ok"
        except Exception as error:  # noqa: BLE001 - any client error means the same to the operator
            reachable, detail = False, str(error)
        else:
            detail = "la valeur écrite n'a pas été relue"
        if not reachable:
            problems.append(f"REDIS_URL : Redis est injoignable ({detail}).")
    for message in checks.run_checks(include_deployment_checks=True):
        if message.level < checks.WARNING or message.is_silenced():
            continue
        variable = CHECK_VARIABLES.get(message.id, "")
        if variable and any(problem.startswith(variable) for problem in problems):
            continue  # already said above, in its own words
        problems.append(f"{variable or message.id} : {message.msg} ({message.id})")
    return problems


def _existing_tables() -> set[str]:
    with connection.cursor() as cursor:
        return set(connection.introspection.table_names(cursor))


def database_has_data() -> bool:
    """Some backed-up table exists and holds a row. Read with plain SQL: before `migrate`, the models may describe
    columns the database does not have yet."""
    tables = _existing_tables()
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        for model in backed_up_models():
            if model._meta.db_table in tables:
                cursor.execute(f"SELECT 1 FROM {quote(model._meta.db_table)} LIMIT 1")  # noqa: S608 - a table name
                if cursor.fetchone():
                    return True
    return False


def pending_migrations() -> list[str]:
    """The migrations `migrate` would apply, as "app.name"."""
    executor = MigrationExecutor(connection)
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    return [f"{migration.app_label}.{migration.name}" for migration, backwards in plan if not backwards]


def snapshot_database(output_dir: Path) -> Path:
    """The whole database in its own format, before a migration changes it: pg_dump's custom format (restored with
    pg_restore), or a copy of the SQLite file (sqlite3's online backup)."""
    output_dir = Path(output_dir)
    output_dir.mkdir(parents=True, exist_ok=True)
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M%S")
    if connection.vendor == "postgresql":
        path = output_dir / f"{SNAPSHOT_PREFIX}{stamp}.dump"
        database = settings.DATABASES["default"]
        command = [
            "pg_dump",
            "--format=custom",
            "--no-owner",
            f"--file={path}",
            "--dbname",
            connection.settings_dict["NAME"],
        ]
        for option, key in (("--host", "HOST"), ("--port", "PORT"), ("--username", "USER")):
            if database.get(key):
                command += [option, str(database[key])]
        environment = {**os.environ, "PGPASSWORD": database.get("PASSWORD") or ""}
        subprocess.run(command, env=environment, check=True, capture_output=True, timeout=3600)
        return path
    path = output_dir / f"{SNAPSHOT_PREFIX}{stamp}.sqlite3"
    connection.ensure_connection()
    target = sqlite3.connect(path)
    try:
        connection.connection.backup(target)
    finally:
        target.close()
    return path


def prune_snapshots(output_dir: Path, *, keep: int) -> None:
    if keep <= 0:
        return
    snapshots = sorted(Path(output_dir).glob(f"{SNAPSHOT_PREFIX}*"), key=lambda path: path.stat().st_mtime)
    for path in snapshots[:-keep]:
        path.unlink()


def communes_count() -> int:
    return apps.get_model("communes", "Commune").objects.count()


def elapsed_since(started: datetime.datetime) -> float:
    return (timezone.now() - started).total_seconds()
