from django.core.management.base import BaseCommand, CommandError

from communes.portrait import registry
from communes.portrait.http import SourceClient, SourceUnavailable


class Command(BaseCommand):
    help = (
        "Interroge une source ouverte pour une commune (réseau requis) et affiche ce qui a été lu, "
        "sans rien enregistrer : de quoi vérifier un adaptateur en une minute."
    )

    def add_arguments(self, parser):
        parser.add_argument("source", help="geo, macantine, sirene, crater ou francepat")
        parser.add_argument("code", help="code INSEE de la commune (ou SIREN de l'EPCI, n° du PAT avec --territoire)")
        parser.add_argument(
            "--territoire", default=registry.COMMUNE, choices=[registry.COMMUNE, registry.EPCI, registry.PAT]
        )

    def handle(self, *args, source, code, territoire, **options):
        keys = sorted(s.key for s in registry.sources())
        if source not in keys:
            raise CommandError(f"Source inconnue « {source} » : {', '.join(keys)}.")
        info = registry.source(source)
        if territoire not in info.scopes:
            raise CommandError(f"La source {info.name} ne couvre pas ce territoire ({territoire}).")
        with SourceClient() as client:
            try:
                reading = registry.reader(source)(client, territoire, code)
            except SourceUnavailable as error:
                raise CommandError(str(error)) from error
        self.stdout.write(f"{info.name} — {info.licence} — {info.attribution}")
        self.stdout.write(f"Adresse lue : {reading.url}")
        self.stdout.write(f"SHA-256 : {reading.sha256}")
        for figure in reading.figures:
            value = "non fourni par la source" if figure.value is None else f"{figure.value} {figure.unit}".strip()
            period = f" ({figure.period})" if figure.period else ""
            self.stdout.write(f"  {figure.label}{period} : {value} — {figure.counts}")
        if reading.candidates:
            self.stdout.write(f"Acteurs repérés : {len(reading.candidates)}")
            for candidate in reading.candidates[:10]:
                flag = " (entreprise individuelle : une personne)" if candidate["sole_trader"] else ""
                self.stdout.write(f"  {candidate['name']}{flag} — {candidate['activity']} — {candidate['siret']}")
