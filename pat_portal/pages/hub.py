"""The portal pages on the commune hub: the Point d'étape, the reminders sent to the commune (timeline), and for GBM
the reminder button.

The reminders ride along in the query that fetches the hub's commune (a JSON array of them, `hub.annotate_commune`):
the hub's sections and timeline get them without a query of their own.
"""

import json

from django.db.models import CharField, OuterRef, Subquery, TextField, Value
from django.db.models.functions import Concat, JSONObject
from django.urls import reverse

from core import access
from core.hub import HubSection, JSONArrayText, TimelineEvent, json_moment
from pat_portal.pages.models import Reminder

ANNOTATION = "pages_reminders"


def reminder_annotations(user) -> dict:
    """The commune's reminders, for those who see the hub (the team; an élu, their own commune's)."""
    if not (user.is_authenticated and (user.is_team or user.is_elu)):
        return {}
    reminders = (
        Reminder.objects.filter(commune=OuterRef("pk"))
        .order_by()
        .values("commune")
        .annotate(
            items=JSONArrayText(
                JSONObject(
                    at="sent_at",
                    subject="subject",
                    by=Concat("sent_by__first_name", Value(" "), "sent_by__last_name", output_field=CharField()),
                )
            )
        )
        .values("items")
    )
    return {ANNOTATION: Subquery(reminders[:1], output_field=TextField())}


def commune_reminders(commune, user) -> list[dict]:
    """The reminders sent to `commune`, newest first: from the hub's annotation, or one query without it."""
    if hasattr(commune, ANNOTATION):
        rows = json.loads(getattr(commune, ANNOTATION) or "[]")
        reminders = [{**row, "at": json_moment(row["at"])} for row in rows]
    else:
        reminders = [
            {"at": reminder.sent_at, "subject": reminder.subject, "by": str(reminder.sent_by)}
            for reminder in Reminder.objects.visible_to(user).filter(commune=commune).select_related("sent_by")
        ]
    return sorted(reminders, key=lambda reminder: reminder["at"], reverse=True)


def reminder_events(commune, user) -> list[TimelineEvent]:
    if not (user.is_authenticated and (user.is_team or user.is_elu)):
        return []
    return [
        TimelineEvent(
            date=reminder["at"],
            category="Relance",
            title=f"Relance de GBM : « {reminder['subject']} »",
            detail=f"Envoyée par {reminder['by'].strip()} aux élu·e·s de la commune",
        )
        for reminder in commune_reminders(commune, user)
    ]


def status_section(commune, user):
    """Links to the commune's Point d'étape; for GBM, the last reminder and the reminder form."""
    if not (user.is_authenticated and (user.is_team or user.is_elu)):
        return None
    reminders = commune_reminders(commune, user)
    return HubSection(
        title="Point d'étape",
        template="pages/hub/status.html",
        anchor="point-d-etape",
        context={
            "commune": commune,
            "status_url": reverse("commune_status", args=[commune.insee_code]),
            "status_pdf_url": reverse("commune_status_pdf", args=[commune.insee_code]),
            "last_reminder": reminders[0] if reminders else None,
            "can_remind": access.can_send_reminder(user),
            "reminder_url": reverse("commune_reminder", args=[commune.insee_code]),
        },
    )
