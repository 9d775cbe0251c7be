"""What Mission 1 holds about a contact: meeting participations, action leads and actions, elected referents."""

from django.db.models import Q

from communes.gdpr import PersonalDataProvider, json_value
from missions.mission1.models.accompaniments import Accompaniment
from missions.mission1.models.action_plans import Action
from missions.mission1.models.diagnostics import ActionLead
from missions.mission1.models.meetings import MeetingParticipant


def _meetings(contact) -> list[dict]:
    participations = MeetingParticipant.objects.filter(contact=contact).select_related("meeting__commune")
    return [
        {
            "date": json_value(p.meeting.starts_at),
            "kind": p.meeting.get_kind_display(),
            "title": p.meeting.title,
            "place": p.meeting.place,
            "commune": p.meeting.commune.name if p.meeting.commune_id else None,
            "attendance": p.get_attendance_display(),
        }
        for p in participations.order_by("meeting__starts_at")
    ]


def _recent_meetings(contact_ref, email_ref, cutoff):
    return MeetingParticipant.objects.filter(contact=contact_ref, meeting__starts_at__gte=cutoff)


def _action_leads(contact) -> list[dict]:
    leads = ActionLead.objects.filter(resource_people=contact).select_related("diagnostic__accompaniment__commune")
    return [
        {"title": lead.title, "commune": lead.diagnostic.accompaniment.commune.name} for lead in leads.order_by("pk")
    ]


def _recent_action_leads(contact_ref, email_ref, cutoff):
    return ActionLead.objects.filter(resource_people=contact_ref, diagnostic__updated_at__gte=cutoff)


def _actions(contact) -> list[dict]:
    actions = Action.objects.filter(lead_contact=contact).select_related("plan__accompaniment__commune")
    return [
        {"title": action.title, "commune": action.plan.accompaniment.commune.name, "status": action.status}
        for action in actions.order_by("pk")
    ]


def _recent_actions(contact_ref, email_ref, cutoff):
    """An action they lead whose history names them after the cutoff."""
    return Action.history.filter(lead_contact_id=contact_ref, history_date__gte=cutoff)


def _referent_of(contact) -> list[dict]:
    accompaniments = Accompaniment.objects.filter(elected_referent=contact).select_related("commune", "programme")
    return [
        {"commune": a.commune.name, "programme": a.programme.name, "closed_on": json_value(a.closed_on)}
        for a in accompaniments.order_by("pk")
    ]


def _open_referents(contact_ref, email_ref, cutoff):
    """The elected referent of an accompaniment still open (or closed after the cutoff)."""
    return Accompaniment.objects.filter(elected_referent=contact_ref).filter(
        Q(closed_on__isnull=True) | Q(closed_on__gte=cutoff.date())
    )


PROVIDERS = [
    PersonalDataProvider(10, "meetings", _meetings, _recent_meetings),
    PersonalDataProvider(30, "action_leads_as_resource_person", _action_leads, _recent_action_leads),
    PersonalDataProvider(40, "actions_as_lead", _actions, _recent_actions),
    PersonalDataProvider(45, "elected_referent_of", _referent_of, _open_referents),
]
