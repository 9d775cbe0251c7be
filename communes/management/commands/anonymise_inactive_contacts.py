from django.core.management.base import BaseCommand, CommandError

from communes.services import anonymise_inactive_contacts


class Command(BaseCommand):
    help = (
        "Anonymise les contacts impliqués dans rien (réunion, atelier, action, demande, modification) "
        "depuis N mois (24 par défaut). À lancer chaque nuit."
    )

    def add_arguments(self, parser):
        parser.add_argument("--months", type=int, default=24, help="Durée de conservation en mois (24 par défaut).")
        parser.add_argument("--dry-run", action="store_true", help="Liste les contacts sans rien modifier.")

    def handle(self, *args, months, dry_run, **options):
        if months < 1:
            raise CommandError("--months doit être un nombre de mois positif.")
        contacts = anonymise_inactive_contacts(months=months, dry_run=dry_run)
        verb = "seraient anonymisés" if dry_run else "anonymisés"
        for contact in contacts:
            self.stdout.write(f"  contact n° {contact.pk}")
        self.stdout.write(self.style.SUCCESS(f"{len(contacts)} contact(s) inactif(s) depuis {months} mois {verb}."))
