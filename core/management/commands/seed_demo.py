from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from core.demo import DEMO_PASSWORD, DemoError, account_lines, seed_demo


class Command(BaseCommand):
    help = "Crée les données de démonstration (programme, comptes, contacts…). Idempotent."

    def add_arguments(self, parser):
        parser.add_argument(
            "--force", action="store_true", help="Autorise l'exécution quand DEBUG est désactivé (production)."
        )

    def handle(self, *args, **options):
        if not settings.DEBUG and not options["force"]:
            raise CommandError(
                "DEBUG est désactivé : ceci ressemble à une production. Relancez avec --force si c'est voulu."
            )
        try:
            with transaction.atomic():
                seed_demo()
        except DemoError as error:
            raise CommandError(str(error)) from error
        if options["verbosity"] < 1:
            return  # `make run` prints the accounts last, once the server is up (demo_server)
        self.stdout.write(self.style.SUCCESS("Données de démonstration prêtes."))
        self.stdout.write(f"Mot de passe de tous les comptes de démonstration : {DEMO_PASSWORD}")
        for line in account_lines():
            self.stdout.write(line)
