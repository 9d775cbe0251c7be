"""CRATer (Les Greniers d'Abondance): food-resilience indicators per commune or EPCI. ODbL: attribution and
share-alike apply to what is redistributed from it.

The layers whose owner asks for an agreement before reuse (here the farmers' ages, from the MSA) are left out
until `PORTRAIT_CRATER_AGREEMENT` is True in the settings. Answer shape: ASSUMED from the public CRATer pages (no
OpenAPI description was found); check it with `manage.py portrait_probe crater <insee>` once a network is there,
and see tests/fixtures/portrait/README.md.
"""

from communes.portrait.parsing import field, number
from communes.portrait.registry import AGRICULTURE, COMMUNE, EPCI, FigureValue, Reading, Source, register

URL = "https://api.crater.resiliencealimentaire.org/crater/api/diagnostics/{territory}"
SOURCE = Source(
    key="crater",
    name="CRATer (Les Greniers d'Abondance)",
    licence="ODbL 1.0",
    attribution="Les Greniers d'Abondance, CRATer — données sous licence ODbL",
    page_url="https://crater.resiliencealimentaire.org",
    min_interval=1.0,
    scopes=(COMMUNE, EPCI),
    agreement_setting="PORTRAIT_CRATER_AGREEMENT",
)
TERRITORY_PREFIX = {COMMUNE: "C", EPCI: "E"}


def read(client, scope: str, code: str) -> Reading:
    answer = client.get(URL.format(territory=f"{TERRITORY_PREFIX[scope]}-{code}"), min_interval=SOURCE.min_interval)
    data = answer.json()
    land = field(data, "surfaceAgricoleUtile")
    practices = field(data, "pratiquesAgricoles")
    production = field(data, "production")
    period = str(field(data, "anneeDonnees", required=False) or "")
    figures = [
        FigureValue(
            "sau_ha",
            "Surface agricole utile",
            "Surface agricole utile des exploitations du territoire",
            AGRICULTURE,
            number(field(land, "sauTotaleHa"), name="sauTotaleHa"),
            "ha",
            period,
        ),
        FigureValue(
            "part_sau_bio",
            "Surface en bio",
            "Part de la surface agricole utile cultivée en agriculture biologique",
            AGRICULTURE,
            number(field(practices, "partSauBioPourcent"), name="partSauBioPourcent"),
            "%",
            period,
        ),
        FigureValue(
            "adequation_production_besoins",
            "Potentiel d'autosuffisance",
            "Part des besoins alimentaires des habitants que la production agricole locale pourrait couvrir",
            AGRICULTURE,
            number(field(production, "tauxAdequationBrutPourcent"), name="tauxAdequationBrutPourcent"),
            "%",
            period,
        ),
    ]
    raw = {"surfaceAgricoleUtile": land, "pratiquesAgricoles": practices, "production": production}
    if SOURCE.agreement_given():
        farmers = field(data, "agriculteursExploitations")
        figures.append(
            FigureValue(
                "part_agriculteurs_55_ans",
                "Agriculteurs de 55 ans et plus",
                "Part des chefs d'exploitation âgés de 55 ans ou plus (départs en retraite à venir)",
                AGRICULTURE,
                number(field(farmers, "partActifsAgricoles55ansEtPlusPourcent"), name="partActifsAgricoles55ans"),
                "%",
                period,
            )
        )
        raw["agriculteursExploitations"] = farmers
    return Reading(figures=figures, url=answer.url, raw=raw, sha256=answer.sha256)


register(SOURCE, read)
