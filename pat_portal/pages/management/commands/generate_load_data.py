import time

from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from pat_portal.pages.load_data import LOAD_PASSWORD, RealDataError, generate_load_data


class Command(BaseCommand):
    help = (
        "Remplit la base de données synthétiques pour le banc d'essai : à l'échelle 1, une année de programme "
        "chargée ; à l'échelle N, N fois chaque table. Refuse une base qui contient des données réelles."
    )

    def add_arguments(self, parser):
        parser.add_argument("--scale", type=float, default=1.0, help="Facteur d'échelle (1 = une année chargée).")
        parser.add_argument(
            "--seed", type=int, default=2026, help="Graine du générateur (même graine, mêmes données)."
        )
        parser.add_argument(
            "--force", action="store_true", help="Ajoute les données même si la base contient déjà des données."
        )

    def handle(self, *args, **options):
        if options["scale"] <= 0:
            raise CommandError("L'échelle doit être positive.")
        started = time.perf_counter()
        try:
            result = generate_load_data(scale=options["scale"], seed=options["seed"], force=options["force"])
        except RealDataError as error:
            raise CommandError(str(error)) from error
        # Fresh statistics for the query planner, as PostgreSQL's autovacuum or a nightly ANALYZE would keep them
        # in production: without them SQLite ranks the support queue through the wrong index (116 ms → 8 ms).
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        elapsed = time.perf_counter() - started
        for name, count in result.counts.items():
            self.stdout.write(f"  {name:<18} {count:>8}")
        self.stdout.write(
            self.style.SUCCESS(f"Données synthétiques créées en {elapsed:.1f} s (échelle {options['scale']:g}).")
        )
        accounts = ", ".join(result.users.values())
        self.stdout.write(f"Comptes : {accounts} — mot de passe : {LOAD_PASSWORD}")
