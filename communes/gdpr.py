"""Reads behind the GDPR rights on contacts: everything held about one person, and who is no longer involved.

The writes (anonymisation) are in `communes.services`.
"""

import calendar
import datetime

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from communes.models import Contact

CONTACT_FIELDS = (
    "id",
    "first_name",
    "last_name",
    "organisation",
    "role_title",
    "category",
    "email",
    "phone",
    "consent_to_share",
    "consent_date",
    "consent_method",
    "notes",
    "anonymised_at",
    "created_at",
    "updated_at",
)


def _value(value):
    if isinstance(value, datetime.datetime | datetime.date):
        return value.isoformat()
    return value


def months_before(moment: datetime.datetime, months: int) -> datetime.datetime:
    """The same day `months` months earlier (the month's last day when it is shorter: 31 March - 1 → 28/29 Feb)."""
    month_index = moment.year * 12 + moment.month - 1 - months
    year, month = divmod(month_index, 12)
    month += 1
    return moment.replace(year=year, month=month, day=min(moment.day, calendar.monthrange(year, month)[1]))


def support_requests_of(contact: Contact) -> QuerySet:
    """Support requests whose requester is this person: same e-mail address (case-insensitive)."""
    from missions.support.models import SupportRequest

    if not contact.email:
        return SupportRequest.objects.none()
    return SupportRequest.objects.filter(email__iexact=contact.email)


def personal_data_export(contact: Contact) -> dict:
    """Everything the portal holds about one contact (right of access), as JSON-ready data. Fixed query count."""
    from ateliers.models import Registration
    from missions.mission1.models.action_plans import Action
    from missions.mission1.models.diagnostics import ActionLead
    from missions.mission1.models.meetings import MeetingParticipant

    participations = MeetingParticipant.objects.filter(contact=contact).select_related("meeting__commune")
    registrations = Registration.objects.filter(contact=contact).select_related("workshop", "commune")
    leads = ActionLead.objects.filter(resource_people=contact).select_related("diagnostic__accompaniment__commune")
    actions = Action.objects.filter(lead_contact=contact).select_related("plan__accompaniment__commune")
    requests = support_requests_of(contact).select_related("commune")
    return {
        "generated_at": timezone.now().isoformat(),
        "controller": "Grand Besançon Métropole — Projet Alimentaire Territorial",
        "contact": {
            **{field: _value(getattr(contact, field)) for field in CONTACT_FIELDS},
            "category_label": contact.get_category_display(),
            "commune": contact.commune.name if contact.commune_id else None,
        },
        "meetings": [
            {
                "date": _value(p.meeting.starts_at),
                "kind": p.meeting.get_kind_display(),
                "title": p.meeting.title,
                "place": p.meeting.place,
                "commune": p.meeting.commune.name if p.meeting.commune_id else None,
                "attendance": p.get_attendance_display(),
            }
            for p in participations.order_by("meeting__starts_at")
        ],
        "workshop_registrations": [
            {
                "workshop": r.workshop.title,
                "date": _value(r.workshop.starts_at),
                "commune": r.commune.name if r.commune_id else None,
                "attendance": r.get_attendance_display(),
                "consent_to_share": r.consent_to_share,
                "consent_date": _value(r.consent_date),
                "consent_method": r.get_consent_method_display() if r.consent_method else "",
                "consent_withdrawn_at": _value(r.consent_withdrawn_at),
                "registered_at": _value(r.registered_at),
            }
            for r in registrations.order_by("workshop__starts_at")
        ],
        "action_leads_as_resource_person": [
            {"title": lead.title, "commune": lead.diagnostic.accompaniment.commune.name}
            for lead in leads.order_by("pk")
        ],
        "actions_as_lead": [
            {"title": action.title, "commune": action.plan.accompaniment.commune.name, "status": action.status}
            for action in actions.order_by("pk")
        ],
        "support_requests": [
            {
                "reference": request.reference,
                "received_on": _value(request.received_on),
                "commune": request.commune.name,
                "organisation": request.organisation,
                "contact_name": request.contact_name,
                "email": request.email,
                "phone": request.phone,
                "project": request.title,
                "status": request.get_status_display(),
            }
            for request in requests.order_by("received_on", "pk")
        ],
    }


def inactive_contacts(*, months: int, now: datetime.datetime | None = None) -> QuerySet:
    """Contacts not anonymised yet and involved in nothing for `months` months.

    Involved means: their record was created or modified, they took part in a meeting, were registered for or
    attended a workshop, are a resource person of an action lead whose diagnostic was edited, led an action (its
    history names them), are the elected referent of an open accompaniment, or asked for support (same e-mail).
    """
    from ateliers.models import Registration
    from missions.mission1.models.accompaniments import Accompaniment
    from missions.mission1.models.action_plans import Action
    from missions.mission1.models.diagnostics import ActionLead
    from missions.mission1.models.meetings import MeetingParticipant
    from missions.support.models import SupportRequest

    cutoff = months_before(now or timezone.now(), months)
    contact = OuterRef("pk")
    recent_meeting = MeetingParticipant.objects.filter(contact=contact, meeting__starts_at__gte=cutoff)
    recent_registration = Registration.objects.filter(contact=contact).filter(
        Q(registered_at__gte=cutoff) | Q(workshop__starts_at__gte=cutoff)
    )
    recent_lead = ActionLead.objects.filter(resource_people=contact, diagnostic__updated_at__gte=cutoff)
    recent_action = Action.history.filter(lead_contact_id=contact, history_date__gte=cutoff)
    open_referent = Accompaniment.objects.filter(elected_referent=contact).filter(
        Q(closed_on__isnull=True) | Q(closed_on__gte=cutoff.date())
    )
    recent_request = SupportRequest.objects.filter(email__iexact=OuterRef("email")).filter(
        Q(received_on__gte=cutoff.date()) | Q(updated_at__gte=cutoff)
    )
    return (
        Contact.objects.filter(anonymised_at__isnull=True, created_at__lt=cutoff, updated_at__lt=cutoff)
        .exclude(Exists(recent_meeting))
        .exclude(Exists(recent_registration))
        .exclude(Exists(recent_lead))
        .exclude(Exists(recent_action))
        .exclude(Exists(open_referent))
        .exclude(~Q(email="") & Exists(recent_request))
        .order_by("pk")
    )
