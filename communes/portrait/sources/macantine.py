"""Ma Cantine's statistics API: canteens, teledeclarations, shares of organic and EGalim purchases, for one year.

By commune (`city`), EPCI (`epci`) or PAT (`pat`, GBM's is France PAT id 1334). Answer shape: Ma Cantine's
`CanteenStatisticsView` and `CanteenStatisticsSerializer` (github.com/betagouv/ma-cantine, api/views/statistics.py,
api/serializers); the answer is camelCased when only the year is asked, so both spellings are read. Shares the
ministry has not published yet come back as null: shown as « non fourni par la source ».
"""

from django.utils import timezone

from communes.portrait.parsing import field, number
from communes.portrait.registry import CATERING, COMMUNE, EPCI, PAT, FigureValue, Reading, Source, register

URL = "https://ma-cantine.agriculture.gouv.fr/api/v1/canteenStatistics/"
SOURCE = Source(
    key="macantine",
    name="Ma Cantine (statistiques)",
    licence="Licence Ouverte 2.0 (Etalab)",
    attribution="Ministère de l'Agriculture, plateforme ma cantine",
    page_url="https://ma-cantine.agriculture.gouv.fr/statistiques-regionales",
    min_interval=1.0,
    scopes=(COMMUNE, EPCI, PAT),
)
SCOPE_PARAMETER = {COMMUNE: "city", EPCI: "epci", PAT: "pat"}


def campaign_year() -> int:
    """The year whose teledeclarations are published: declared the next year, reported to Parliament after."""
    return timezone.localdate().year - 2


def read(client, scope: str, code: str) -> Reading:
    year = campaign_year()
    answer = client.get(
        URL, params={"year": str(year), SCOPE_PARAMETER[scope]: code}, min_interval=SOURCE.min_interval
    )
    data = answer.json()
    period = str(year)

    def value(*names):
        return number(field(data, *names), name=names[0])

    figures = [
        FigureValue(
            "cantines",
            "Cantines",
            "Restaurants collectifs inscrits sur ma cantine",
            CATERING,
            value("canteen_count", "canteenCount"),
            "cantines",
            period,
        ),
        FigureValue(
            "teledeclarations",
            "Télédéclarations",
            "Bilans annuels EGalim télédéclarés par ces cantines",
            CATERING,
            value("teledeclarations_count", "teledeclarationsCount"),
            "bilans",
            period,
        ),
        FigureValue(
            "part_bio",
            "Achats bio",
            "Part des achats alimentaires bio, en valeur, des cantines ayant télédéclaré",
            CATERING,
            value("bio_percent", "bioPercent"),
            "%",
            period,
        ),
        FigureValue(
            "part_egalim",
            "Achats EGalim",
            "Part des achats alimentaires durables et de qualité (EGalim, bio compris), en valeur",
            CATERING,
            number(field(data, "egalim_percent", "egalimPercent", required=False), name="egalim_percent"),
            "%",
            period,
        ),
    ]
    return Reading(figures=figures, url=answer.url, raw=data, sha256=answer.sha256)


register(SOURCE, read)
