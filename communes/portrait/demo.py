"""Demo portraits, offline: the demo communes, GBM and the size bands read through the real adapters from answers
made up in each source's shape (no network), then marked « valeurs de démonstration » on the page and in the PDF.
Populations are the real ones (the communes file the project ships, already loaded); the other values are
invented, steady from one run to the next (derived from the INSEE code)."""

import json
import random

import httpx

from communes.models import Commune
from communes.portrait import services
from communes.portrait.http import SourceClient
from communes.portrait.models import Snapshot

DEMO_COMMUNES = ["25014", "25200", "25364", "25448", "25564", "25560", "25454", "25532", "25030", "25111"]
# (kind searched, name, activity, sole trader)
DEMO_ACTORS = {
    "section_activite_principale": [
        ("GAEC DE LA COMBE (démonstration)", "01.41Z", False),
        ("CAMILLE DÉMO (démonstration)", "01.13Z", True),
    ],
    "est_bio": [("EARL DES VERGERS BIO (démonstration)", "01.24Z", False)],
    "activite_principale": [("BOULANGERIE DU VILLAGE (démonstration)", "10.71C", False)],
    "est_association": [("AMAP DES PRÉS (démonstration)", "94.99Z", False)],
}
PAT_CSV_HEADER = "id;lien_vers_la_fiche_pat;nom_administratif;nom_usuel;regions;departement;epci;communes_code_insee"


class DemoSources:
    """Answers in each source's published shape, invented for the demo (same values at every run)."""

    def __init__(self, populations: dict[str, int]):
        self.populations = populations

    def __call__(self, request: httpx.Request) -> httpx.Response:
        host, params = request.url.host, request.url.params
        code = params.get("city") or params.get("code_commune") or request.url.path.rstrip("/").rsplit("/", 1)[-1]
        code = code.removeprefix("C-").removeprefix("E-")
        rng = random.Random(f"{host}{code}{sorted(params.items())}")
        population = self.populations.get(code, sum(self.populations.values()))
        if host == "geo.api.gouv.fr":
            body = {"nom": code, "code": code, "population": population, "surface": rng.randint(300, 2500)}
            if code == services.gbm_code():
                body["surface"] = 52845
            body["epci"] = {"code": services.gbm_code(), "nom": "CU Grand Besançon Métropole"}
        elif host == "ma-cantine.agriculture.gouv.fr":
            body = {
                "canteen_count": max(1, population // 900),
                "teledeclarations_count": max(0, population // 1500),
                "bio_percent": rng.randint(8, 30),
                "egalim_percent": None,
            }
        elif host == "recherche-entreprises.api.gouv.fr":
            searched = next((name for name in DEMO_ACTORS if name in params), "")
            if params.get("activite_principale", "").startswith("10.11"):
                searched = ""  # food processing: none among the demo's actors
            actors = DEMO_ACTORS.get(searched, []) if "code_commune" in params else []
            results = [
                {
                    "siren": f"9{index}{code}00",
                    "nom_complet": name,
                    "complements": {"est_entrepreneur_individuel": sole_trader},
                    "matching_etablissements": [
                        {
                            "siret": f"9{index}{code}0000017",
                            "activite_principale": activity,
                            "adresse": f"{index + 1} GRANDE RUE (adresse de démonstration)",
                            "commune": code,
                        }
                    ],
                }
                for index, (name, activity, sole_trader) in enumerate(actors)
            ]
            more = rng.randint(0, 8) if "code_commune" in params else rng.randint(60, 400)
            body = {"results": results, "total_results": len(results) + more}
        elif host == "api.crater.resiliencealimentaire.org":
            body = {
                "anneeDonnees": 2020,
                "surfaceAgricoleUtile": {"sauTotaleHa": rng.randint(80, 1500)},
                "pratiquesAgricoles": {"partSauBioPourcent": rng.randint(3, 25)},
                "production": {"tauxAdequationBrutPourcent": rng.randint(20, 300)},
                "agriculteursExploitations": {"partActifsAgricoles55ansEtPlusPourcent": rng.randint(30, 70)},
            }
        elif host == "static.data.gouv.fr":
            codes = ",".join(self.populations)
            line = f"1334;https://france-pat.fr/;PAT du Grand Besançon (démonstration);;;Doubs;;{codes}"
            return httpx.Response(200, content=f"{PAT_CSV_HEADER}\n{line}\n".encode())
        else:
            body = {"resources": [{"format": "csv", "url": "https://static.data.gouv.fr/demo/pats.csv"}]}
        return httpx.Response(200, content=json.dumps(body).encode())


def seed_portraits(context) -> None:
    """Demo step: the demo communes' portraits, GBM's and the size bands' (once: a second run changes nothing)."""
    if Snapshot.objects.filter(is_demo=True).exists():
        return
    populations = dict(Commune.objects.values_list("insee_code", "population"))
    client = SourceClient(transport=httpx.MockTransport(DemoSources(populations)), sleep=lambda seconds: None)
    snapshots = []
    with client:
        for commune in Commune.objects.filter(insee_code__in=DEMO_COMMUNES):
            snapshots += services.refresh_commune(commune, client=client)
        snapshots += services.refresh_gbm(client=client)
    Snapshot.objects.filter(pk__in=[snapshot.pk for snapshot in snapshots]).update(is_demo=True)
    services.refresh_bands()
