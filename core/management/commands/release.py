import io
import re
import time
from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from core import release
from core.backups import create_backup, prune_backups


class Command(BaseCommand):
    help = (
        "Installe ou met à jour le portail (make release) : vérifie la configuration, sauvegarde s'il y a des "
        "données, applique les migrations, prépare le cache et les fichiers statiques. Idempotent."
    )
    requires_system_checks = []  # run by the command itself, the deployment checks included, after its own

    def add_arguments(self, parser):
        parser.add_argument(
            "--allow-sqlite",
            action="store_true",
            help="Accepte SQLite (essai sur une seule machine) ; la production utilise PostgreSQL.",
        )

    def say(self, text: str) -> None:
        self.stdout.write(f"- {text}")

    def handle(self, *args, allow_sqlite, **options):
        started = time.monotonic()
        problems = release.configuration_problems(allow_sqlite=allow_sqlite)
        if problems:
            raise CommandError(
                "Mise en service refusée, la base et les fichiers n'ont pas été touchés. Corrigez dans le fichier d'environnement :\n  - "
                + "\n  - ".join(problems)
            )
        self.stdout.write("Configuration vérifiée (réglages du portail et check --deploy de Django).")
        self._back_up()
        self._migrate()
        call_command("createcachetable", verbosity=0)
        self.say(
            "Cache partagé : Redis (REDIS_URL), et la table du cache en base prête."
            if "redis" in settings.CACHES["default"]["BACKEND"].lower()
            else "Cache partagé : table du cache en base prête (pat_portal_cache)."
        )
        self._collect_static()
        self._communes()
        self.stdout.write(
            self.style.SUCCESS(
                f"Mise en service terminée en {time.monotonic() - started:.0f} s. Redémarrez le site et le worker "
                "pour charger ce code : systemctl restart pat-portal-web pat-portal-mail pat-portal-documents."
            )
        )

    def _back_up(self) -> None:
        if not release.database_has_data():
            self.say("Base sans données : pas de sauvegarde avant migration.")
            return
        backup_dir = Path(settings.BACKUP_DIR)
        if release.pending_migrations():
            snapshot = release.snapshot_database(backup_dir)
            release.prune_snapshots(backup_dir, keep=settings.BACKUP_KEEP)
            self.say(f"Copie de la base avant migration : {snapshot} (restauration : docs/deploy.md).")
            return
        archive = create_backup(output_dir=backup_dir)
        prune_backups(backup_dir, keep=settings.BACKUP_KEEP)
        self.say(f"Sauvegarde avant mise à jour : {archive}.")

    def _migrate(self) -> None:
        pending = release.pending_migrations()
        call_command("migrate", interactive=False, verbosity=0)
        self.say(f"Migrations : {len(pending)} appliquée(s)." if pending else "Migrations : base déjà à jour.")

    def _collect_static(self) -> None:
        summary = call_command("collectstatic", interactive=False, verbosity=1, stdout=io.StringIO()) or ""
        copied = re.search(r"(\d+) static files? copied", summary)
        unmodified = re.search(r"(\d+) unmodified", summary)
        self.say(
            f"Fichiers statiques : {copied.group(1) if copied else 0} copié(s), "
            f"{unmodified.group(1) if unmodified else 0} inchangé(s), dans {settings.STATIC_ROOT}."
        )

    def _communes(self) -> None:
        count = release.communes_count()
        if count:
            self.say(f"Communes : {count} déjà chargées, laissées telles quelles.")
            return
        call_command("load_communes", stdout=io.StringIO())
        self.say(f"Communes : {release.communes_count()} chargées (première installation).")
