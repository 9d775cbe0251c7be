"""France PAT's dataset on data.gouv.fr: is the commune in a Projet Alimentaire Territorial, and which.

Two reads: the dataset's description on data.gouv's API (its latest CSV resource), then that CSV (`;`-separated,
Windows-1252 in the 2025 export), whose columns `id`, `nom_administratif`, `lien_vers_la_fiche_pat` and
`communes_code_insee` (comma-separated INSEE codes) the adapter reads. Shapes: data.gouv's API documentation and
Ma Cantine's reader of the same file (github.com/betagouv/ma-cantine, common/api/datagouv.py, with its test
extract). The CSV is large (4 MB): one refresh of all communes downloads it once (the client keeps it).
"""

import csv
import io

from communes.portrait.http import changed
from communes.portrait.parsing import field, listing
from communes.portrait.registry import COMMUNE, NETWORK, FigureValue, Reading, Source, register

DATASET_URL = "https://www.data.gouv.fr/api/1/datasets/pat-projets-alimentaires-territoriaux-description/"
SOURCE = Source(
    key="francepat",
    name="France PAT (jeu de données des PAT)",
    licence="Licence Ouverte 2.0 (Etalab)",
    attribution="Réseau national des PAT (France PAT), via data.gouv.fr",
    page_url="https://www.data.gouv.fr/datasets/pat-projets-alimentaires-territoriaux-description",
    min_interval=0.5,
    scopes=(COMMUNE,),
)
COLUMNS = ("id", "nom_administratif", "lien_vers_la_fiche_pat", "communes_code_insee")


def read(client, scope: str, code: str) -> Reading:
    dataset = client.get(DATASET_URL, min_interval=SOURCE.min_interval, keep=True).json()
    resources = listing(field(dataset, "resources"), name="resources")
    csv_resources = [r for r in resources if isinstance(r, dict) and str(r.get("format", "")).lower() == "csv"]
    if not csv_resources:
        raise changed("le jeu de données ne propose plus de fichier CSV")
    latest = max(csv_resources, key=lambda r: str(r.get("last_modified") or r.get("created_at") or ""))
    answer = client.get(field(latest, "url"), min_interval=SOURCE.min_interval, keep=True)
    text = answer.body.decode("utf-8") if _is_utf8(answer.body) else answer.body.decode("cp1252", errors="replace")
    reader = csv.DictReader(io.StringIO(text), delimiter=";")
    missing = [column for column in COLUMNS if column not in (reader.fieldnames or [])]
    if missing:
        raise changed(f"colonne « {missing[0]} » absente du fichier des PAT")
    pats = [
        {"id": row["id"], "nom": row["nom_administratif"], "fiche": row["lien_vers_la_fiche_pat"]}
        for row in reader
        if code in {value.strip() for value in (row["communes_code_insee"] or "").split(",")}
    ]
    names = " ; ".join(f"{pat['nom']} (n° {pat['id']})" for pat in pats) or "Aucun"
    figures = [
        FigureValue(
            "pat_nombre",
            "Projets alimentaires territoriaux",
            "PAT dont le périmètre comprend la commune",
            NETWORK,
            len(pats),
            "PAT",
        ),
        FigureValue(
            "pat_noms",
            "PAT de la commune",
            "Nom et numéro France PAT des PAT qui couvrent la commune",
            NETWORK,
            names,
            "",
            "",
            pats[0]["fiche"] if pats else "",
        ),
    ]
    return Reading(
        figures=figures, url=answer.url, raw={"resource": latest.get("url"), "pats": pats}, sha256=answer.sha256
    )


def _is_utf8(body: bytes) -> bool:
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


register(SOURCE, read)
