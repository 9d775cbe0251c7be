"""Each adapter against its source's published answer format, and the one client's retries and errors."""

from decimal import Decimal

import httpx
import pytest

from communes.portrait import registry
from communes.portrait.http import SourceUnavailable


def read(playback_client, key, scope=registry.COMMUNE, code="25014"):
    return registry.reader(key)(playback_client, scope, code)


def values(reading):
    return {figure.key: figure.value for figure in reading.figures}


def test_every_source_is_registered_with_its_licence():
    keys = {source.key for source in registry.sources()}
    assert keys == {"geo", "macantine", "sirene", "crater", "francepat"}
    assert registry.source("crater").licence == "ODbL 1.0"


def test_geo_reads_population_area_density_and_intercommunality(playback):
    reading = read(playback().client(), "geo")
    assert values(reading) == {
        "population": 934,
        "surface_km2": Decimal("11.85"),
        "densite": Decimal("79"),
        "epci": "CU Grand Besançon Métropole",
    }
    assert reading.url.startswith("https://geo.api.gouv.fr/communes/25014?fields=")
    assert len(reading.sha256) == 64


def test_geo_reads_gbm_as_a_whole(playback):
    assert values(read(playback().client(), "geo", registry.EPCI, "242500361"))["population"] == 196125


def test_ma_cantine_reads_the_commune_year(playback):
    source = playback()
    reading = read(source.client(), "macantine")
    assert values(reading) == {"cantines": 2, "teledeclarations": 1, "part_bio": 18, "part_egalim": 30}
    assert source.calls[0].params["city"] == "25014"


def test_ma_cantine_unpublished_shares_are_not_provided_never_zero(playback):
    source = playback()
    reading = read(source.client(), "macantine", registry.PAT, "1334")
    assert values(reading) == {"cantines": 96, "teledeclarations": None, "part_bio": None, "part_egalim": None}
    assert source.calls[0].params["pat"] == "1334"


def test_sirene_counts_and_candidates_are_organisations_with_sole_traders_flagged(playback):
    source = playback()
    reading = read(source.client(), "sirene")
    assert values(reading) == {
        "fermes": 2,
        "operateurs_bio": 0,
        "commerces_alimentaires": 1,
        "transformation": 0,
        "associations": 6,
    }
    units = {figure.key: figure.unit for figure in reading.figures}
    assert units["fermes"] == "entreprises" and units["associations"] == "associations"
    by_siret = {candidate["siret"]: candidate for candidate in reading.candidates}
    assert by_siret["41234567800017"]["name"] == "GAEC DES VERGERS D'AMAGNEY"
    assert by_siret["82345678900012"]["sole_trader"] is True
    assert "85678901200011" not in by_siret  # a football club is not a food association
    assert "dirigeants" not in str(reading.raw)  # directors (people) are not kept
    assert all(call.params["etat_administratif"] == "A" for call in source.calls)
    # Its published limit is 7 calls a second: the client spaced the five searches.
    assert len(source.waits) >= 4


def test_crater_leaves_out_the_layer_needing_an_agreement(playback, settings):
    settings.PORTRAIT_CRATER_AGREEMENT = False
    assert "part_agriculteurs_55_ans" not in values(read(playback().client(), "crater"))
    settings.PORTRAIT_CRATER_AGREEMENT = True
    assert values(read(playback().client(), "crater"))["part_agriculteurs_55_ans"] == 57


def test_france_pat_finds_the_commune_in_its_pat_from_the_windows_1252_csv(playback):
    reading = read(playback().client(), "francepat")
    assert values(reading)["pat_nombre"] == 1
    assert values(reading)["pat_noms"] == "Projet Alimentaire Territorial du Grand Besançon (n° 1334)"


def test_france_pat_a_commune_outside_every_pat(playback):
    reading = read(playback().client(), "francepat", code="25999")
    assert values(reading) == {"pat_nombre": 0, "pat_noms": "Aucun"}


def test_the_national_pat_file_is_downloaded_once_per_client(playback):
    source = playback()
    client = source.client()
    read(client, "francepat")
    read(client, "francepat", code="25030")
    assert [call.host for call in source.calls] == ["www.data.gouv.fr", "static.data.gouv.fr"]


def test_429_is_retried_after_the_wait_the_source_asks(playback):
    answers = iter([httpx.Response(429, headers={"Retry-After": "3"}), httpx.Response(200, json={"population": 10})])
    source = playback({"geo.api.gouv.fr": lambda request: next(answers)})
    assert values(read(source.client(), "geo"))["population"] == 10
    assert 3.0 in source.waits


@pytest.mark.parametrize(
    ("answer", "reason"),
    [
        (lambda request: httpx.Response(500), r"erreur 500 de la source \(3 essais\)"),
        (lambda request: httpx.Response(429), "trop de demandes"),
        (lambda request: (_ for _ in ()).throw(httpx.ReadTimeout("slow")), "n'a pas répondu à temps"),
        (lambda request: (_ for _ in ()).throw(httpx.ConnectError("no network")), "injoignable"),
    ],
)
def test_a_source_that_keeps_failing_gives_a_french_reason(playback, answer, reason):
    source = playback({"geo.api.gouv.fr": answer})
    with pytest.raises(SourceUnavailable, match=reason):
        read(source.client(), "geo")
    assert len(source.calls) == 3


def test_a_404_is_not_retried(playback):
    source = playback({"geo.api.gouv.fr": lambda request: httpx.Response(404)})
    with pytest.raises(SourceUnavailable, match="Source indisponible ou modifiée : la source a répondu 404"):
        read(source.client(), "geo")
    assert len(source.calls) == 1


def test_malformed_json_is_a_changed_source(playback):
    source = playback({"ma-cantine.agriculture.gouv.fr": lambda request: httpx.Response(200, content=b"{oops")})
    with pytest.raises(SourceUnavailable, match="Source indisponible ou modifiée : la réponse n'est pas du JSON"):
        read(source.client(), "macantine")


@pytest.mark.parametrize(
    ("host", "key", "body"),
    [
        ("geo.api.gouv.fr", "geo", {"nom": "Amagney", "populationMunicipale": 934}),
        ("ma-cantine.agriculture.gouv.fr", "macantine", {"nbCantines": 2}),
        ("recherche-entreprises.api.gouv.fr", "sirene", {"resultats": [], "total_results": 0}),
        ("api.crater.resiliencealimentaire.org", "crater", {"sau": {}}),
        ("geo.api.gouv.fr", "geo", {"population": "beaucoup"}),
    ],
)
def test_a_renamed_field_is_a_changed_source_never_a_crash(playback, host, key, body):
    source = playback({host: lambda request: httpx.Response(200, json=body)})
    with pytest.raises(SourceUnavailable, match="Source indisponible ou modifiée"):
        read(source.client(), key)


def test_a_renamed_pat_column_is_a_changed_source(playback):
    csv_without_codes = b"id;lien_vers_la_fiche_pat;nom_administratif;codes_insee\n1;x;y;25014\n"

    def answer(request):
        if request.url.host == "static.data.gouv.fr":
            return httpx.Response(200, content=csv_without_codes)
        return httpx.Response(200, content=(playback().routes["www.data.gouv.fr"](request)).content)

    source = playback({"static.data.gouv.fr": answer, "www.data.gouv.fr": answer})
    with pytest.raises(SourceUnavailable, match="colonne « communes_code_insee » absente"):
        read(source.client(), "francepat")


@pytest.mark.parametrize(
    ("number", "text", "unit", "shown"),
    [
        (Decimal("196125"), "", "habitants", "196\u202f125 habitants"),
        (Decimal("1"), "", "cantines", "1 cantine"),
        (Decimal("0"), "", "bilans", "0 bilan"),
        (Decimal("11.8500"), "", "km²", "11,85 km²"),
        (Decimal("18"), "", "%", "18\u202f%"),
        (None, "", "%", "non fourni par la source"),
        (None, "PAT du Grand Besançon (n° 1334)", "", "PAT du Grand Besançon (n° 1334)"),
    ],
)
def test_figures_read_in_french_and_a_missing_one_says_so(number, text, unit, shown):
    from communes.portrait.display import display_value

    assert display_value(number, text, unit) == shown
