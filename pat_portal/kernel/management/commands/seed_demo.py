from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from communes.models import Commune
from pat_portal.kernel.demo import DEMO_PASSWORD, DEMO_USERS, seed_demo


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
        if not Commune.objects.exists():
            raise CommandError("Aucune commune : lancez d'abord « python manage.py load_communes ».")
        with transaction.atomic():
            seed_demo()
        self.stdout.write(self.style.SUCCESS("Données de démonstration prêtes."))
        self.stdout.write(f"Mot de passe de tous les comptes de démonstration : {DEMO_PASSWORD}")
        for username, first_name, last_name, role, insee_code, _staff in DEMO_USERS:
            self.stdout.write(
                f"  {username:<16} {first_name} {last_name} ({role.label}{', ' + insee_code if insee_code else ''})"
            )
