"""The portrait's background work (django-tasks, queue "default", the worker of `make run` and deploy/): a request
asks for a refresh and returns at once; the worker calls the sources (communes/portrait/services.py)."""

import logging

from django_tasks import task

from communes.models import Commune
from communes.portrait import services

logger = logging.getLogger(__name__)


@task(queue_name="default")
def refresh_commune_portrait(insee_code: str) -> dict:
    """One commune's sources, then the size bands it belongs to. Returns {source: "ok" | French reason}."""
    commune = Commune.objects.filter(insee_code=insee_code).first()
    if commune is None:
        return {}
    snapshots = services.refresh_commune(commune)
    services.refresh_bands()
    return {snapshot.source: snapshot.failure_reason or "ok" for snapshot in snapshots}


@task(queue_name="default")
def refresh_all_portraits() -> dict:
    """Every commune, GBM and its PAT, then the size bands; the worker's log says how far it got."""

    def progress(done, total, commune, failures):
        logger.info(
            "Portrait %d/%d %s: %s",
            done,
            total,
            commune.insee_code,
            "; ".join(f"{s.source}: {s.failure_reason}" for s in failures) or "ok",
        )

    return services.refresh_all(progress=progress)
