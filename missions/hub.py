"""Mission 1 on the commune hub: the accompaniment, its meetings, and their timeline events."""

from pat_portal import access
from pat_portal.hub import HubSection, TimelineEvent

from .models import Accompaniment, Meeting


def latest_accompaniment(commune, user):
    return (
        Accompaniment.objects.visible_to(user)
        .filter(commune=commune)
        .select_related("programme", "lead_consultant", "gbm_referent", "elected_referent")
        .order_by("-programme__start_date")
        .first()
    )


def accompaniment_section(commune, user):
    accompaniment = latest_accompaniment(commune, user)
    diagnostic = plan = None
    if accompaniment is not None:
        from .models import ActionPlan, Diagnostic

        diagnostic = Diagnostic.objects.visible_to(user).filter(accompaniment=accompaniment).first()
        plan = ActionPlan.objects.visible_to(user).filter(accompaniment=accompaniment).first()
    return HubSection(
        title="Accompagnement communal (mission 1)",
        template="missions/hub/accompaniment.html",
        anchor="accompagnement",
        context={
            "commune": commune,
            "accompaniment": accompaniment,
            "diagnostic": diagnostic,
            "plan": plan,
            "phases": Accompaniment.Phase.choices,
            "can_enrol": access.can_enrol_commune(user),
            "can_edit": access.can_write_field_work(user),
        },
    )


def meetings_section(commune, user):
    meetings = list(Meeting.objects.visible_to(user).filter(commune=commune).order_by("-starts_at")[:6])
    return HubSection(
        title="Réunions",
        template="missions/hub/meetings.html",
        anchor="reunions",
        context={"commune": commune, "meetings": meetings, "can_edit": access.can_write_field_work(user)},
    )


def mission1_events(commune, user) -> list[TimelineEvent]:
    events = [
        TimelineEvent(
            date=meeting.starts_at,
            category="Réunion",
            title=meeting.title or meeting.get_kind_display(),
            url=meeting.get_absolute_url(),
            detail=meeting.get_kind_display(),
        )
        for meeting in Meeting.objects.visible_to(user).filter(commune=commune).order_by("-starts_at")[:40]
    ]
    events += [
        TimelineEvent(
            date=accompaniment.started_on,
            category="Accompagnement",
            title=f"Entrée dans le programme ({accompaniment.get_cohort_display().lower()})",
        )
        for accompaniment in Accompaniment.objects.visible_to(user).filter(commune=commune)
    ]
    return events
