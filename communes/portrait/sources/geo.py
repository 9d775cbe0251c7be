"""Découpage administratif (geo.api.gouv.fr): population, area, intercommunality of a commune; GBM as a whole.

Answer shape: the API's OpenAPI description and documentation (https://geo.api.gouv.fr/decoupage-administratif);
see tests/fixtures/portrait/README.md.
"""

from decimal import ROUND_HALF_UP, Decimal

from communes.portrait.parsing import field, number
from communes.portrait.registry import COMMUNE, EPCI, POPULATION, FigureValue, Reading, Source, register

BASE_URL = "https://geo.api.gouv.fr"
SOURCE = Source(
    key="geo",
    name="API Découpage administratif",
    licence="Licence Ouverte 2.0 (Etalab)",
    attribution="INSEE et IGN, via geo.api.gouv.fr",
    page_url="https://geo.api.gouv.fr/decoupage-administratif",
    min_interval=0.05,  # 50 calls per second and per address at most
    scopes=(COMMUNE, EPCI),
)


def read(client, scope: str, code: str) -> Reading:
    path = f"/communes/{code}" if scope == COMMUNE else f"/epcis/{code}"
    fields = "nom,code,population,surface,codeEpci,epci" if scope == COMMUNE else "nom,code,population,surface"
    answer = client.get(f"{BASE_URL}{path}", params={"fields": fields}, min_interval=SOURCE.min_interval)
    data = answer.json()
    population = number(field(data, "population"), name="population")
    hectares = number(field(data, "surface", required=False), name="surface")
    km2 = (hectares / 100).quantize(Decimal("0.01"), ROUND_HALF_UP) if hectares is not None else None
    density = (population / km2).quantize(Decimal("1"), ROUND_HALF_UP) if population is not None and km2 else None
    figures = [
        FigureValue(
            "population", "Population", "Habitants (population municipale)", POPULATION, population, "habitants"
        ),
        FigureValue("surface_km2", "Superficie", "Superficie du territoire", POPULATION, km2, "km²"),
        FigureValue("densite", "Densité", "Habitants par km² de superficie", POPULATION, density, "hab./km²"),
    ]
    if scope == COMMUNE:
        epci = field(data, "epci", required=False)
        name = field(epci, "nom", required=False) if isinstance(epci, dict) else None
        figures.append(FigureValue("epci", "Intercommunalité", "L'EPCI dont la commune est membre", POPULATION, name))
    return Reading(figures=figures, url=answer.url, raw=data, sha256=answer.sha256)


register(SOURCE, read)
