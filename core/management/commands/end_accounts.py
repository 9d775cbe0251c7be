"""`manage.py end_accounts`: revoke the calendar feeds and share links of accounts whose end date passed (issue 24).

Run once a day by a timer (docs/deploy.md). Logging in is refused from the day after the end date whatever this
command does; the command revokes what works without logging in. Running it twice changes nothing more.
"""

from django.core.management.base import BaseCommand

from core.accounts import end_due_accounts


class Command(BaseCommand):
    help = "Retire les accès (agenda, liens de partage) des comptes arrivés à leur date de fin ou désactivés."

    def handle(self, *args, **options):
        count = end_due_accounts()
        if count:
            self.stdout.write(f"{count} compte{'s' if count > 1 else ''} clos : accès retirés.")
        else:
            self.stdout.write("Aucun compte à clore.")
