"""API Recherche d'entreprises (SIRENE): farms, food shops, food processing, organic operators, associations.

One search per kind of actor, active establishments in the commune (`code_commune`) or in GBM (`epci`), first page
(25 results) for the candidates to meet; `total_results` counts the legal units (companies, associations) having a
matching establishment there. Answer shape: the API's OpenAPI description (recherche-entreprises.api.gouv.fr/docs)
and its repository (github.com/annuaire-entreprises-data-gouv-fr/search-api). Its published limit is 7 calls per
second.

Personal data: the answer lists company directors and a sole trader's name is a person's. The snapshot keeps
only what the portrait uses (no directors); a sole trader stays a candidate shown to the team, flagged, never
copied into the directory without the consultant's action (communes/portrait/actors.py).
"""

import hashlib

from communes.portrait.parsing import field, listing, number
from communes.portrait.registry import (
    AGRICULTURE,
    COMMUNE,
    EPCI,
    NETWORK,
    SHOPS,
    FigureValue,
    Reading,
    Source,
    register,
)

URL = "https://recherche-entreprises.api.gouv.fr/search"
SOURCE = Source(
    key="sirene",
    name="API Recherche d'entreprises (SIRENE)",
    licence="Licence Ouverte 2.0 (Etalab)",
    attribution="INSEE (répertoire SIRENE), via l'Annuaire des Entreprises",
    page_url="https://annuaire-entreprises.data.gouv.fr",
    min_interval=0.15,
    scopes=(COMMUNE, EPCI),
)

FOOD_SHOPS = "10.13B,10.71B,10.71C,10.71D,47.11B,47.11C,47.11D,47.21Z,47.22Z,47.23Z,47.24Z,47.25Z,47.29Z,47.81Z"
FOOD_PROCESSING = (
    "10.11Z,10.12Z,10.13A,10.20Z,10.31Z,10.32Z,10.39A,10.39B,10.41A,10.42Z,10.51A,10.51B,10.51C,10.51D,10.52Z,"
    "10.61A,10.61B,10.62Z,10.71A,10.72Z,10.73Z,10.81Z,10.82Z,10.83Z,10.84Z,10.85Z,10.86Z,10.89Z,11.01Z,11.02A,"
    "11.02B,11.03Z,11.05Z,11.07A,11.07B"
)
FOOD_WORDS = (
    "aliment",
    "amap",
    "jardin",
    "épicerie",
    "epicerie",
    "cantine",
    "restos du c",
    "potager",
    "verger",
    "ferme",
)

# (kind, query parameters, figure key, label, what it counts, theme)
SEARCHES = [
    (
        "ferme",
        {"section_activite_principale": "A"},
        "fermes",
        "Exploitations agricoles",
        "Entreprises agricoles (section A : culture, élevage, sylviculture) ayant un établissement actif",
        AGRICULTURE,
    ),
    (
        "bio",
        {"est_bio": "true"},
        "operateurs_bio",
        "Opérateurs bio",
        "Entreprises certifiées bio (Agence Bio) ayant un établissement actif",
        AGRICULTURE,
    ),
    (
        "commerce",
        {"activite_principale": FOOD_SHOPS},
        "commerces_alimentaires",
        "Commerces alimentaires",
        "Entreprises de commerce alimentaire (épiceries, boulangeries, boucheries, marchés…) ayant un établissement actif",
        SHOPS,
    ),
    (
        "transformation",
        {"activite_principale": FOOD_PROCESSING},
        "transformation",
        "Transformation alimentaire",
        "Entreprises des industries alimentaires et des boissons ayant un établissement actif",
        SHOPS,
    ),
    (
        "association",
        {"est_association": "true"},
        "associations",
        "Associations",
        "Associations ayant un établissement actif (toutes activités)",
        NETWORK,
    ),
]
KIND_LABELS = {
    "ferme": "Exploitation agricole",
    "bio": "Opérateur bio",
    "commerce": "Commerce alimentaire",
    "transformation": "Transformation alimentaire",
    "association": "Association alimentaire",
}


def read(client, scope: str, code: str) -> Reading:
    where = {"code_commune": code} if scope == COMMUNE else {"epci": code}
    figures, raw, candidates, digest, first_url = [], {}, [], hashlib.sha256(), ""
    for kind, parameters, key, label, counts, theme in SEARCHES:
        params = {**where, **parameters, "etat_administratif": "A", "per_page": "25", "page": "1"}
        answer = client.get(URL, params=params, min_interval=SOURCE.min_interval)
        first_url = first_url or answer.url
        digest.update(answer.body)
        data = answer.json()
        total = number(field(data, "total_results"), name="total_results")
        results = listing(field(data, "results"), name="results")
        kept = [_organisation(result, kind, code if scope == COMMUNE else None) for result in results]
        if kind == "association":
            kept = [row for row in kept if any(word in row["name"].lower() for word in FOOD_WORDS)]
        raw[kind] = {"total_results": field(data, "total_results"), "results": kept}
        unit = "associations" if kind == "association" else "entreprises"  # an association is no company
        figures.append(FigureValue(key, label, counts, theme, total, unit))
        if scope == COMMUNE:
            # One establishment may answer two searches (an organic farm): listed once, under the first.
            seen = {candidate["siret"] for candidate in candidates}
            candidates.extend(row for row in kept if row["siret"] and row["siret"] not in seen)
    return Reading(figures=figures, url=first_url, raw=raw, sha256=digest.hexdigest(), candidates=candidates)


def _organisation(result: dict, kind: str, insee_code: str | None) -> dict:
    """What the portrait keeps of one result: the legal unit's name and its establishment in the commune."""
    name = field(result, "nom_complet")
    complements = field(result, "complements", required=False) or {}
    establishments = listing(field(result, "matching_etablissements", required=False) or [], name="matching")
    here = [
        etab
        for etab in establishments
        if isinstance(etab, dict) and (insee_code is None or etab.get("commune") == insee_code)
    ]
    establishment = here[0] if here else {}
    return {
        "kind": kind,
        "name": str(name or ""),
        "siren": str(field(result, "siren")),
        "siret": str(establishment.get("siret") or ""),
        "activity": str(establishment.get("activite_principale") or result.get("activite_principale") or ""),
        "address": str(establishment.get("adresse") or ""),
        "sole_trader": bool(complements.get("est_entrepreneur_individuel")),
    }


register(SOURCE, read)
