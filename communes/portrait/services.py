"""Refreshing the portrait: read each source, keep a dated snapshot per answer, keep the last good one on failure.

Called by the worker (`tasks.refresh_portrait_task`, `manage.py refresh_portraits`), never during a request.
A source that fails leaves its current snapshot in place and records a failed attempt with its French reason;
an unexpected answer (a bug in an adapter, a shape nobody foresaw) is logged and recorded the same way: the
refresh of the other sources and communes goes on.
"""

import logging
from collections import defaultdict
from collections.abc import Callable
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from communes.models import Commune
from communes.portrait import bands, registry
from communes.portrait.http import CHANGED_SOURCE, SourceClient, SourceUnavailable
from communes.portrait.models import Figure, Snapshot

logger = logging.getLogger(__name__)

FOUR_PLACES = Decimal("0.0001")
MAX_TEXT = Figure._meta.get_field("value_text").max_length


def gbm_code() -> str:
    """GBM's SIREN (its EPCI code in the national APIs)."""
    return getattr(settings, "PORTRAIT_EPCI_CODE", "242500361")


def pat_code() -> str:
    """GBM's PAT, its France PAT id."""
    return getattr(settings, "PORTRAIT_PAT_ID", "1334")


def refresh_source(*, client: SourceClient, source_key: str, scope: str, code: str, commune=None) -> Snapshot:
    source = registry.source(source_key)
    try:
        reading = registry.reader(source_key)(client, scope, code)
    except SourceUnavailable as error:
        return _record_failure(source, scope, code, commune, str(error))
    except Exception:  # an adapter's bug must not stop the refresh of the others: recorded, logged
        logger.exception("Portrait source %s failed on %s %s", source_key, scope, code)
        return _record_failure(source, scope, code, commune, f"{CHANGED_SOURCE.capitalize()} : réponse inattendue.")
    return record_reading(source, scope, code, commune, reading)


def _figure_row(snapshot: Snapshot, source: registry.Source, value: registry.FigureValue) -> Figure:
    number, text = None, ""
    if isinstance(value.value, str):
        # A long list of names (PATs): cut visibly, never silently.
        text = value.value if len(value.value) <= MAX_TEXT else value.value[: MAX_TEXT - 1] + "…"
    elif value.value is not None:
        number = Decimal(value.value).quantize(FOUR_PLACES)
    return Figure(
        snapshot=snapshot,
        key=value.key,
        label=value.label,
        counts=value.counts,
        theme=value.theme,
        value_number=number,
        value_text=text,
        unit=value.unit,
        period=value.period,
        licence=source.licence,
        attribution=source.attribution,
        page_url=value.page_url or source.page_url,
    )


@transaction.atomic
def record_reading(source, scope, code, commune, reading: registry.Reading, *, is_demo=False, at=None) -> Snapshot:
    existing = Snapshot.objects.select_for_update().filter(scope=scope, code=code, source=source.key)
    existing.filter(is_current=True).update(is_current=False)
    existing.filter(is_latest_attempt=True).update(is_latest_attempt=False)
    snapshot = Snapshot.objects.create(
        commune=commune,
        scope=scope,
        code=code,
        source=source.key,
        fetched_at=at or timezone.now(),
        url=reading.url[:2000],
        sha256=reading.sha256,
        raw=reading.raw,
        candidates=reading.candidates,
        status=Snapshot.Status.OK,
        is_demo=is_demo,
        is_current=True,
        is_latest_attempt=True,
    )
    Figure.objects.bulk_create([_figure_row(snapshot, source, value) for value in reading.figures])
    return snapshot


@transaction.atomic
def _record_failure(source, scope, code, commune, reason: str) -> Snapshot:
    existing = Snapshot.objects.select_for_update().filter(scope=scope, code=code, source=source.key)
    existing.filter(is_latest_attempt=True).update(is_latest_attempt=False)
    return Snapshot.objects.create(
        commune=commune,
        scope=scope,
        code=code,
        source=source.key,
        status=Snapshot.Status.FAILED,
        failure_reason=reason[:500],
        is_latest_attempt=True,
    )


def refresh_commune(commune: Commune, *, client: SourceClient | None = None) -> list[Snapshot]:
    """Read every source that covers a commune; returns one snapshot per source (good or failed)."""
    own = client is None
    client = client or SourceClient()
    try:
        return [
            refresh_source(
                client=client, source_key=source.key, scope=registry.COMMUNE, code=commune.insee_code, commune=commune
            )
            for source in registry.sources()
            if registry.COMMUNE in source.scopes
        ]
    finally:
        if own:
            client.close()


def refresh_gbm(*, client: SourceClient) -> list[Snapshot]:
    """GBM as a whole (its EPCI) and its PAT, for the comparisons beside each figure."""
    snapshots = []
    for source in registry.sources():
        for scope, code in ((registry.EPCI, gbm_code()), (registry.PAT, pat_code())):
            if scope in source.scopes:
                snapshots.append(refresh_source(client=client, source_key=source.key, scope=scope, code=code))
    return snapshots


def refresh_bands() -> int:
    """Average each numeric figure over the communes of each size band (their current snapshots); one band
    snapshot per (band, source). A band of one commune compares with nothing: left out. Returns how many."""
    rows = (
        Figure.objects.filter(snapshot__is_current=True, snapshot__scope=registry.COMMUNE, value_number__isnull=False)
        .values_list("snapshot__source", "snapshot__commune__population", "snapshot__is_demo", "key", "value_number")
        .order_by()
    )
    populations = dict(Commune.objects.values_list("pk", "population"))
    sizes = defaultdict(int)
    for population in populations.values():
        sizes[bands.band_of(population)] += 1
    sums: dict = defaultdict(lambda: defaultdict(list))
    demo = defaultdict(bool)
    for source_key, population, is_demo, key, value in rows:
        band = bands.band_of(population or 0)
        sums[(band, source_key)][key].append(value)
        demo[(band, source_key)] |= is_demo
    templates = {
        (figure.snapshot.source, figure.key): figure
        for figure in Figure.objects.filter(snapshot__is_current=True, snapshot__scope=registry.COMMUNE)
        .select_related("snapshot")
        .order_by("snapshot__source", "key", "-snapshot__fetched_at")
    }
    count = 0
    for (band, source_key), by_key in sums.items():
        if sizes[band] < 2:
            continue
        try:
            source = registry.source(source_key)
        except KeyError:
            continue
        figures = []
        for key, values in by_key.items():
            template = templates[(source_key, key)]
            figures.append(
                registry.FigureValue(
                    key,
                    template.label,
                    f"Moyenne par commune ({len(values)} communes de {bands.LABELS[band]}) : {template.counts}",
                    template.theme,
                    sum(values) / len(values),
                    template.unit,
                    template.period,
                )
            )
        reading = registry.Reading(figures=figures, url="", raw={"communes": sizes[band]}, sha256="")
        record_reading(source, registry.BAND, band, None, reading, is_demo=demo[(band, source_key)])
        count += 1
    return count


def refresh_all(*, client: SourceClient | None = None, progress: Callable | None = None) -> dict:
    """Every commune, then GBM and its PAT, then the size bands. `progress(done, total, commune, failed)` after each
    commune. Returns counts: communes, snapshots read, failures."""
    own = client is None
    client = client or SourceClient()
    communes = list(Commune.objects.order_by("insee_code"))
    read = failed = 0
    try:
        for done, commune in enumerate(communes, start=1):
            snapshots = refresh_commune(commune, client=client)
            failures = [s for s in snapshots if s.status == Snapshot.Status.FAILED]
            read += len(snapshots) - len(failures)
            failed += len(failures)
            if progress:
                progress(done, len(communes), commune, failures)
        for snapshot in refresh_gbm(client=client):
            read += snapshot.status == Snapshot.Status.OK
            failed += snapshot.status == Snapshot.Status.FAILED
    finally:
        if own:
            client.close()
    refresh_bands()
    return {"communes": len(communes), "read": read, "failed": failed}
