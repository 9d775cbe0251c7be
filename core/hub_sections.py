"""The portal's own contributions to the commune hub: the validated deliverables and their events."""

from core.deliverables import with_ready_at
from core.hub import HubSection, TimelineEvent, memo
from core.models import Deliverable


def _deliverables(commune, user) -> list[Deliverable]:
    return memo(
        commune,
        "pat_portal.deliverables",
        lambda: list(
            with_ready_at(Deliverable.objects.visible_to(user))
            .filter(commune=commune)
            .select_related("reviewed_by")
            .with_validation_due_days()
            .order_by("-submitted_at")[:60]
        ),
    )


def deliverables_section(commune, user):
    deliverables = sorted(
        (d for d in _deliverables(commune, user) if d.status == Deliverable.Status.VALIDATED),
        key=lambda d: (d.kind, -d.version),
    )
    # Élus never see a version before GBM validates it (visible_to): this list is the team's.
    awaiting = [d for d in reversed(_deliverables(commune, user)) if d.status == Deliverable.Status.SUBMITTED]
    return HubSection(
        title="Livrables validés",
        template="pat_portal/hub/deliverables.html",
        anchor="livrables",
        context={"deliverables": deliverables, "awaiting": awaiting},
    )


def deliverable_events(commune, user) -> list[TimelineEvent]:
    events = []
    for deliverable in _deliverables(commune, user):
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
