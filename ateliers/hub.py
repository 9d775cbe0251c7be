"""Mission 2 on the commune hub: the workshops the commune's people registered for or attended."""

from ateliers.models import Workshop
from ateliers.selectors import commune_workshops
from core.hub import HubSection, TimelineEvent

HUB_LIMIT = 30


def _people(count: int, word: str) -> str:
    return f"{count} personne{'s' if count > 1 else ''} de la commune {word}{'s' if count > 1 else ''}"


def _hub_workshops(commune) -> list[Workshop]:
    """The section and the timeline need the same rows: they share one query through the commune object.

    Every logged-in user sees the same workshops, and the commune object lives for one request only.
    """
    cached = getattr(commune, "_ateliers_hub_workshops", None)
    if cached is None:
        cached = list(commune_workshops(commune)[:HUB_LIMIT])
        commune._ateliers_hub_workshops = cached
    return cached


def workshops_section(commune, user):
    if not user.is_authenticated:
        return None
    workshops = _hub_workshops(commune)
    return HubSection(
        title="Ateliers de partage (mission 2)",
        template="ateliers/hub/workshops.html",
        anchor="ateliers",
        context={"commune": commune, "workshops": workshops},
    )


def workshop_events(commune, user) -> list[TimelineEvent]:
    if not user.is_authenticated:
        return []
    events = []
    for workshop in _hub_workshops(commune):
        if workshop.status == Workshop.Status.HELD:
            detail = _people(workshop.commune_present, "présente")
        elif workshop.status == Workshop.Status.CANCELLED:
            detail = "Atelier annulé"
        else:
            detail = _people(workshop.commune_registered, "inscrite")
        events.append(
            TimelineEvent(
                date=workshop.starts_at,
                category="Atelier de partage",
                title=str(workshop),
                url=workshop.get_absolute_url(),
                detail=detail,
            )
        )
    return events
