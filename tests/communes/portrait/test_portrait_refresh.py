"""Refreshing: a dated snapshot per answer, the last good one kept when a source fails, with its French reason."""

import io

import httpx
import pytest
from django.core.management import call_command

from communes.portrait import registry, services
from communes.portrait.models import Figure, Snapshot
from tests.factories import CommuneFactory

pytestmark = pytest.mark.django_db


def current(commune, source):
    return Snapshot.objects.get(commune=commune, source=source, is_current=True)


def test_a_refresh_keeps_one_dated_snapshot_per_source_with_hash_url_and_figures(commune, playback):
    snapshots = services.refresh_commune(commune, client=playback().client())
    assert {s.source for s in snapshots} == {"geo", "macantine", "sirene", "crater", "francepat"}
    assert all(s.status == Snapshot.Status.OK and len(s.sha256) == 64 and s.url for s in snapshots)
    population = Figure.objects.get(snapshot=current(commune, "geo"), key="population")
    assert population.value == 934
    assert population.licence == "Licence Ouverte 2.0 (Etalab)"
    assert current(commune, "sirene").candidates  # the actors to meet ride with the SIRENE answer


def test_a_failing_source_keeps_the_last_good_snapshot_and_says_why(commune, playback):
    services.refresh_commune(commune, client=playback().client())
    good = current(commune, "geo")
    broken = playback({"geo.api.gouv.fr": lambda request: httpx.Response(503)})
    services.refresh_commune(commune, client=broken.client())
    assert current(commune, "geo") == good
    assert Figure.objects.get(snapshot=good, key="population").value == 934
    latest = Snapshot.objects.get(commune=commune, source="geo", is_latest_attempt=True)
    assert latest.status == Snapshot.Status.FAILED
    assert latest.failure_reason == "Source indisponible : erreur 503 de la source (3 essais)."
    assert not latest.figures.exists()


def test_a_renamed_field_is_recorded_in_french_and_the_other_sources_are_read(commune, playback):
    changed = playback({"ma-cantine.agriculture.gouv.fr": lambda request: httpx.Response(200, json={"nb": 1})})
    snapshots = {s.source: s for s in services.refresh_commune(commune, client=changed.client())}
    assert snapshots["macantine"].failure_reason == (
        "Source indisponible ou modifiée : le champ « canteen_count » est absent de la réponse"
    )
    assert snapshots["geo"].status == Snapshot.Status.OK
    assert not Snapshot.objects.filter(commune=commune, source="macantine", is_current=True).exists()


def test_an_adapter_bug_is_a_failed_reading_never_a_crash(commune, playback, monkeypatch):
    source, _read = registry._adapters["geo"]

    def broken(client, scope, code):
        raise KeyError("surprise")

    monkeypatch.setitem(registry._adapters, "geo", (source, broken))
    snapshot = services.refresh_source(
        client=playback().client(), source_key="geo", scope=registry.COMMUNE, code="25014", commune=commune
    )
    assert snapshot.failure_reason == "Source indisponible ou modifiée : réponse inattendue."


def test_a_later_refresh_replaces_the_current_snapshot_and_keeps_the_old_one(commune, playback):
    services.refresh_commune(commune, client=playback().client())
    first = current(commune, "geo")
    services.refresh_commune(commune, client=playback().client())
    assert current(commune, "geo") != first
    assert Snapshot.objects.filter(commune=commune, source="geo").count() == 2


def test_refresh_all_reports_progress_and_builds_gbm_and_size_bands(playback, monkeypatch):
    for code, population in (("25014", 934), ("25030", 612), ("25200", 1296)):
        CommuneFactory(insee_code=code, population=population)
    monkeypatch.setattr(services, "SourceClient", lambda: playback().client())
    out = io.StringIO()
    call_command("refresh_portraits", stdout=out)
    text = out.getvalue()
    assert "[1/3]" in text and "[3/3]" in text
    # 3 communes x 5 sources, then GBM (geo, Ma Cantine, SIRENE, CRATer) and its PAT (Ma Cantine).
    assert "3 communes relues : 20 lectures réussies, 0 échecs" in text
    gbm = Snapshot.objects.get(scope=registry.EPCI, source="geo", is_current=True)
    assert Figure.objects.get(snapshot=gbm, key="population").value == 196125
    band = Snapshot.objects.get(scope=registry.BAND, code="500-999", source="geo", is_current=True)
    assert band.raw == {"communes": 2}
    assert not Snapshot.objects.filter(scope=registry.BAND, code="1000-1999").exists()  # one commune: no average


def test_refresh_all_without_network_breaks_nothing(commune, playback, monkeypatch):
    services.refresh_commune(commune, client=playback().client())
    offline = playback(dict.fromkeys(playback().routes, _no_network))
    monkeypatch.setattr(services, "SourceClient", lambda: offline.client())
    out = io.StringIO()
    call_command("refresh_portraits", stdout=out)
    assert "0 lectures réussies" in out.getvalue()
    assert Figure.objects.get(snapshot=current(commune, "geo"), key="population").value == 934


def _no_network(request):
    raise httpx.ConnectError("no network")


def test_portrait_probe_prints_what_one_source_read_and_writes_nothing(playback, monkeypatch):
    from communes.management.commands import portrait_probe

    monkeypatch.setattr(portrait_probe, "SourceClient", lambda: playback().client())
    out = io.StringIO()
    call_command("portrait_probe", "sirene", "25014", stdout=out)
    text = out.getvalue()
    assert "Exploitations agricoles : 2 entreprises" in text
    assert "MARTINE EXEMPLE (entreprise individuelle : une personne)" in text
    assert not Snapshot.objects.exists()


def test_portrait_probe_names_the_sources_it_knows():
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="Source inconnue « insee » : crater, francepat, geo, macantine, sirene"):
        call_command("portrait_probe", "insee", "25014")
