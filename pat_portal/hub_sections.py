"""The portal's own contributions to the commune hub: the validated deliverables and their events."""

from .hub import HubSection, TimelineEvent
from .models import Deliverable


def deliverables_section(commune, user):
    deliverables = list(
        Deliverable.objects.visible_to(user)
        .filter(commune=commune, status=Deliverable.Status.VALIDATED)
        .select_related("reviewed_by")
        .order_by("kind", "-version")
    )
    return HubSection(
        title="Livrables validés",
        template="pat_portal/hub/deliverables.html",
        anchor="livrables",
        context={"deliverables": deliverables},
    )


def deliverable_events(commune, user) -> list[TimelineEvent]:
    events = []
    for deliverable in Deliverable.objects.visible_to(user).filter(commune=commune).order_by("-submitted_at")[:30]:
        events.append(
            TimelineEvent(
                date=deliverable.submitted_at,
                category=deliverable.get_kind_display(),
                title=f"Version {deliverable.version} soumise à la validation",
            )
        )
        if deliverable.status == Deliverable.Status.VALIDATED:
            events.append(
                TimelineEvent(
                    date=deliverable.reviewed_at,
                    category=deliverable.get_kind_display(),
                    title=f"Version {deliverable.version} validée par GBM",
                )
            )
    return events
