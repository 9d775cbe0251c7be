from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from communes.services import DEFAULT_COMMUNES_CSV, CommuneImportError, import_communes


class Command(BaseCommand):
    help = "Charge ou met à jour les communes depuis un fichier CSV (par défaut : les 67 communes de GBM)."

    def add_arguments(self, parser):
        parser.add_argument("csv", nargs="?", default=str(DEFAULT_COMMUNES_CSV), help="Fichier CSV à importer")

    def handle(self, *args, **options):
        try:
            result = import_communes(path=Path(options["csv"]))
        except CommuneImportError as error:
            raise CommandError(f"Import annulé, rien n'a été enregistré. {error}") from error
        self.stdout.write(
            self.style.SUCCESS(
                f"Communes : {result.created} créée(s), {result.updated} mise(s) à jour, {result.unchanged} inchangée(s)."
            )
        )
