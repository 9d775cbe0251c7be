from pathlib import Path

from django.core.management.base import BaseCommand

from core.backups import create_backup


class Command(BaseCommand):
    help = "Sauvegarde toutes les données du portail et les fichiers (PDF figés, pièces jointes) dans un .tar.gz."

    def add_arguments(self, parser):
        parser.add_argument("--output", default="backups", help="Dossier où écrire l'archive (défaut : backups/).")

    def handle(self, *args, output, **options):
        archive = create_backup(output_dir=Path(output))
        size = archive.stat().st_size / 1_000_000
        self.stdout.write(self.style.SUCCESS(f"Sauvegarde écrite : {archive} ({size:.1f} Mo)."))
