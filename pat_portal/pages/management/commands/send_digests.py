from django.core.management.base import BaseCommand

from pat_portal.pages.digest import send_digests


class Command(BaseCommand):
    help = (
        "Envoie à chaque utilisateur son résumé hebdomadaire (à faire, en retard, nouveau), par la file de tâches. "
        "À lancer une fois par semaine (cron) ; un second passage dans la semaine n'envoie rien."
    )

    def handle(self, *args, **options):
        sent = send_digests()
        self.stdout.write(self.style.SUCCESS(f"{sent} résumé(s) hebdomadaire(s) mis en file d'envoi."))
