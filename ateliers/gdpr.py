"""What Mission 2 holds about a contact: workshop registrations and their consents."""

from django.db.models import Q

from ateliers.models import Registration
from communes.gdpr import PersonalDataProvider, json_value


def _registrations(contact) -> list[dict]:
    registrations = Registration.objects.filter(contact=contact).select_related("workshop", "commune")
    return [
        {
            "workshop": r.workshop.title,
            "date": json_value(r.workshop.starts_at),
            "commune": r.commune.name if r.commune_id else None,
            "attendance": r.get_attendance_display(),
            "consent_to_share": r.consent_to_share,
            "consent_date": json_value(r.consent_date),
            "consent_method": r.get_consent_method_display() if r.consent_method else "",
            "consent_withdrawn_at": json_value(r.consent_withdrawn_at),
            "registered_at": json_value(r.registered_at),
        }
        for r in registrations.order_by("workshop__starts_at")
    ]


def _recent_registrations(contact_ref, email_ref, cutoff):
    return Registration.objects.filter(contact=contact_ref).filter(
        Q(registered_at__gte=cutoff) | Q(workshop__starts_at__gte=cutoff)
    )


def _withdraw_consents(contact, *, by, label, reason) -> None:
    """An erased person no longer shares their details with anyone."""
    for registration in Registration.objects.select_for_update().filter(contact=contact, consent_to_share=True):
        registration._history_user = by
        registration._change_reason = reason
        registration.withdraw_consent(by=by)


PROVIDER = PersonalDataProvider(
    20, "workshop_registrations", _registrations, _recent_registrations, _withdraw_consents
)
