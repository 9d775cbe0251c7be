from django.core.management.base import BaseCommand

from communes.portrait import services, tasks


class Command(BaseCommand):
    help = (
        "Relit les sources ouvertes du portrait alimentaire pour toutes les communes, GBM et son PAT "
        "(pour le minuteur quotidien), en affichant l'avancement."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--file-attente",
            action="store_true",
            dest="enqueue",
            help="Confier la relecture au worker (file « default ») au lieu de la faire ici.",
        )

    def handle(self, *args, enqueue=False, **options):
        if enqueue:
            result = tasks.refresh_all_portraits.enqueue()
            self.stdout.write(f"Relecture confiée au worker (tâche {result.id}).")
            return

        def progress(done, total, commune, failures):
            state = "; ".join(f"{s.source} : {s.failure_reason}" for s in failures) or "ok"
            self.stdout.write(f"[{done}/{total}] {commune.name} ({commune.insee_code}) — {state}")

        counts = services.refresh_all(progress=progress)
        self.stdout.write(
            self.style.SUCCESS(
                f"{counts['communes']} communes relues : {counts['read']} lectures réussies, "
                f"{counts['failed']} échecs (les dernières valeurs sont gardées)."
            )
        )
