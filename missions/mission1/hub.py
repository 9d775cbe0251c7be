"""Mission 1 on the commune hub: the accompaniment, its meetings, and their timeline events.

Sections and events share their queries through `hub.memo`, so that the whole hub stays within a
fixed, small number of queries.
"""

import json

from django.core.exceptions import ObjectDoesNotExist
from django.db.models import Count, OuterRef, Subquery, TextField
from django.db.models.functions import Coalesce, JSONObject
from django.urls import reverse
from django.utils import timezone

from core import access, hub
from core.hub import HubSection, TimelineEvent
from missions.mission1.models.accompaniments import Accompaniment
from missions.mission1.models.action_plans import Action, ActionPlan
from missions.mission1.models.meetings import Meeting

RECENT_MEETINGS = 40
MEETINGS_ANNOTATION = "mission1_meetings"


def _count(actions) -> Coalesce:
    """How many of `actions` belong to the outer accompaniment's plan, as a scalar subquery."""
    return Coalesce(
        Subquery(
            actions.filter(plan__accompaniment=OuterRef("pk"))
            .order_by()
            .values("plan__accompaniment")
            .annotate(count=Count("pk"))
            .values("count")
        ),
        0,
    )


def _accompaniments(commune, user) -> list[Accompaniment]:
    """The commune's accompaniments, latest first, with their diagnostic and plan, and how many of the plan's
    actions are late or planned beyond the programme (one query)."""
    return hub.memo(
        commune,
        "missions.accompaniments",
        lambda: list(
            Accompaniment.objects.visible_to(user)
            .filter(commune=commune)
            .select_related(
                "programme", "lead_consultant", "gbm_referent", "elected_referent", "diagnostic", "action_plan"
            )
            .annotate(
                late_actions=_count(Action.objects.late(timezone.localdate())),
                actions_beyond_programme=_count(Action.objects.beyond_programme()),
            )
            .order_by("-programme__start_date")
        ),
    )


def meeting_annotations(user) -> dict:
    """The commune's latest meetings, riding along in the hub's commune query (a JSON array: date, title, kind), for
    those who see the hub (the team; an élu, their own commune's: every meeting of it)."""
    if not (user.is_authenticated and (user.is_team or user.is_elu)):
        return {}
    latest = Meeting.objects.filter(commune=OuterRef(OuterRef("pk"))).order_by("-starts_at", "-pk").values("pk")
    meetings = (
        Meeting.objects.filter(commune=OuterRef("pk"), pk__in=Subquery(latest[:RECENT_MEETINGS]))
        .order_by()
        .values("commune")
        .annotate(items=hub.JSONArrayText(JSONObject(id="pk", starts_at="starts_at", title="title", kind="kind")))
        .values("items")
    )
    return {MEETINGS_ANNOTATION: Subquery(meetings[:1], output_field=TextField())}


def _meetings(commune, user) -> list[Meeting]:
    """The commune's latest meetings, newest first: from the hub's annotation, or one query without it."""
    if hasattr(commune, MEETINGS_ANNOTATION):
        rows = json.loads(getattr(commune, MEETINGS_ANNOTATION) or "[]")
        meetings = [
            Meeting(id=row["id"], starts_at=hub.json_moment(row["starts_at"]), title=row["title"], kind=row["kind"])
            for row in rows
        ]
        return sorted(meetings, key=lambda meeting: (meeting.starts_at, meeting.pk), reverse=True)
    return hub.memo(
        commune,
        "missions.meetings",
        lambda: list(
            Meeting.objects.visible_to(user).filter(commune=commune).order_by("-starts_at", "-pk")[:RECENT_MEETINGS]
        ),
    )


def _visible_related(accompaniment, name, user):
    """The accompaniment's diagnostic or plan, if it exists and the user may see it (never a draft for élus)."""
    try:
        subject = getattr(accompaniment, name)
    except ObjectDoesNotExist:
        return None
    if user.is_team or subject.is_visible_to_elus:
        return subject
    return None


def accompaniment_section(commune, user):
    accompaniments = _accompaniments(commune, user)
    accompaniment = accompaniments[0] if accompaniments else None
    return HubSection(
        title="Accompagnement communal (mission 1)",
        template="missions/hub/accompaniment.html",
        anchor="accompagnement",
        context={
            "commune": commune,
            "accompaniment": accompaniment,
            "diagnostic": _visible_related(accompaniment, "diagnostic", user) if accompaniment else None,
            "plan": _visible_related(accompaniment, "action_plan", user) if accompaniment else None,
            "phases": Accompaniment.Phase.choices,
            "can_enrol": access.can_enrol_commune(user),
            "can_edit": access.can_write_field_work(user),
        },
    )


def meetings_section(commune, user):
    return HubSection(
        title="Réunions",
        template="missions/hub/meetings.html",
        anchor="reunions",
        context={"commune": commune, "meetings": _meetings(commune, user)[:6]},
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
        for meeting in _meetings(commune, user)
    ]
    events += [
        TimelineEvent(
            date=accompaniment.started_on,
            category="Accompagnement",
            title=f"Entrée dans le programme ({accompaniment.get_cohort_display().lower()})",
        )
        for accompaniment in _accompaniments(commune, user)
    ]
    events += action_status_events(commune, user)
    return events


def action_status_events(commune, user) -> list[TimelineEvent]:
    """Each change of an action's status, read from the actions' history (one query)."""
    plans = ActionPlan.objects.visible_to(user).filter(accompaniment__commune=commune)
    records = (
        Action.history.filter(plan_id__in=plans.values("pk"))
        .order_by("id", "history_date", "history_id")
        .only("id", "title", "status", "history_date", "plan_id")
    )
    labels = dict(Action.Status.choices)
    events, previous = [], {}
    for record in records:
        before = previous.get(record.id)
        if before is not None and before != record.status:
            events.append(
                TimelineEvent(
                    date=record.history_date,
                    category="Action",
                    title=f"« {record.title} » : {labels.get(before, before)} → {labels.get(record.status, record.status)}",
                    url=reverse("missions:action_detail", args=[record.id]),
                )
            )
        previous[record.id] = record.status
    return events
