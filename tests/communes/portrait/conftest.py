"""Playing the sources' recorded answers back (tests/fixtures/portrait/, see its README): no test uses the network."""

import json
from pathlib import Path

import httpx
import pytest

from communes.portrait.http import SourceClient

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "portrait"


def fixture_bytes(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def fixture_json(name: str):
    return json.loads(fixture_bytes(name))


def _geo(request):
    if request.url.path.startswith("/epcis/"):
        return httpx.Response(200, content=fixture_bytes("geo_epci_242500361.json"))
    data = fixture_json("geo_commune_25014.json")
    data["code"] = request.url.path.rsplit("/", 1)[-1]
    return httpx.Response(200, json=data)


def _macantine(request):
    if request.url.params.get("city"):
        return httpx.Response(200, content=fixture_bytes("macantine_city_25014.json"))
    return httpx.Response(200, content=fixture_bytes("macantine_epci_unpublished.json"))


def _sirene(request):
    params = request.url.params
    if params.get("code_commune") not in (None, "25014"):
        return httpx.Response(200, content=fixture_bytes("sirene_empty.json"))
    if params.get("section_activite_principale") == "A":
        return httpx.Response(200, content=fixture_bytes("sirene_ferme_25014.json"))
    if params.get("activite_principale", "").startswith("10.13B"):
        return httpx.Response(200, content=fixture_bytes("sirene_commerce_25014.json"))
    if params.get("est_association"):
        return httpx.Response(200, content=fixture_bytes("sirene_association_25014.json"))
    return httpx.Response(200, content=fixture_bytes("sirene_empty.json"))


def _crater(request):
    return httpx.Response(200, content=fixture_bytes("crater_C-25014.json"))


def _datagouv(request):
    if request.url.host == "static.data.gouv.fr":
        return httpx.Response(200, content=fixture_bytes("francepat_pats.csv"))
    return httpx.Response(200, content=fixture_bytes("francepat_dataset.json"))


ROUTES = {
    "geo.api.gouv.fr": _geo,
    "ma-cantine.agriculture.gouv.fr": _macantine,
    "recherche-entreprises.api.gouv.fr": _sirene,
    "api.crater.resiliencealimentaire.org": _crater,
    "www.data.gouv.fr": _datagouv,
    "static.data.gouv.fr": _datagouv,
}


class Playback:
    """A SourceClient whose transport answers from the fixtures; `override[host]` replaces one source's answers.
    `calls` lists the URLs asked, `waits` the pauses the client made (never slept)."""

    def __init__(self, override=None):
        self.routes = {**ROUTES, **(override or {})}
        self.calls: list[httpx.URL] = []
        self.waits: list[float] = []

    def handle(self, request):
        self.calls.append(request.url)
        return self.routes[request.url.host](request)

    def client(self) -> SourceClient:
        return SourceClient(transport=httpx.MockTransport(self.handle), sleep=self.waits.append)


@pytest.fixture
def playback():
    return Playback
