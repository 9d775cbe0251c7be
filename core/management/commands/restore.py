from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from core.backups import BackupError, restore_backup


class Command(BaseCommand):
    help = (
        "Restaure une sauvegarde faite par `backup` dans une base migrée et vide (--force : remplace les données). "
        "Tout ou rien ; les empreintes SHA-256 des PDF figés sont vérifiées."
    )

    def add_arguments(self, parser):
        parser.add_argument("archive", help="Fichier .tar.gz produit par `manage.py backup`.")
        parser.add_argument("--force", action="store_true", help="Remplace les données d'une base qui n'est pas vide.")

    def handle(self, *args, archive, force, **options):
        try:
            result = restore_backup(archive_path=Path(archive), force=force)
        except BackupError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(
            self.style.SUCCESS(
                f"Restauration terminée : {result.rows} lignes, {result.media_files} fichiers, "
                f"{result.frozen_pdfs_checked} PDF figé(s) vérifié(s)."
            )
        )
