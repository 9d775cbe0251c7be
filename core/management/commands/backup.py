import sys
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand

from core.backups import create_backup, last_backup, prune_backups, status_text


class Command(BaseCommand):
    help = (
        "Sauvegarde toutes les données du portail et les fichiers (PDF figés, pièces jointes) dans un .tar.gz, "
        "puis supprime les plus anciennes au-delà de --keep. --status : dit quand la dernière a réussi."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--output",
            default=None,
            help="Dossier où écrire l'archive (défaut : DJANGO_BACKUP_DIR, sinon backups/).",
        )
        parser.add_argument(
            "--keep",
            type=int,
            default=None,
            help="Nombre d'archives conservées, les plus récentes (défaut : DJANGO_BACKUP_KEEP, 14 ; 0 : toutes).",
        )
        parser.add_argument(
            "--status",
            action="store_true",
            help="Ne sauvegarde rien : dit quand la dernière sauvegarde a réussi (code de sortie 1 si plus de 2 jours).",
        )

    def handle(self, *args, output, keep, status, **options):
        output_dir = Path(output) if output else Path(settings.BACKUP_DIR)
        if status:
            self.stdout.write(status_text(output_dir))
            last = last_backup(output_dir)
            if last is None or last.is_overdue():
                sys.exit(1)  # for a monitoring probe
            return
        keep = settings.BACKUP_KEEP if keep is None else keep
        archive = create_backup(output_dir=output_dir)
        size = archive.stat().st_size / 1_000_000
        self.stdout.write(self.style.SUCCESS(f"Sauvegarde écrite : {archive} ({size:.1f} Mo)."))
        pruned = prune_backups(output_dir, keep=keep)
        if pruned:
            self.stdout.write(f"{len(pruned)} sauvegarde(s) plus ancienne(s) supprimée(s) ; {keep} conservée(s).")
