"""What Mission 3 holds about a contact: the support requests sent from their e-mail address."""

from django.db.models import Q, QuerySet

from communes.gdpr import PersonalDataProvider, json_value
from core.concurrency import save_versioned
from missions.support.models import SupportRequest


def support_requests_of(contact) -> QuerySet:
    """Support requests whose requester is this person: same e-mail address (case-insensitive)."""
    if not contact.email:
        return SupportRequest.objects.none()
    return SupportRequest.objects.filter(email__iexact=contact.email)


def _requests(contact) -> list[dict]:
    return [
        {
            "reference": request.reference,
            "received_on": json_value(request.received_on),
            "commune": request.commune.name,
            "organisation": request.organisation,
            "contact_name": request.contact_name,
            "email": request.email,
            "phone": request.phone,
            "project": request.title,
            "status": request.get_status_display(),
        }
        for request in support_requests_of(contact).select_related("commune").order_by("received_on", "pk")
    ]


def _recent_requests(contact_ref, email_ref, cutoff):
    return (
        SupportRequest.objects.exclude(email="")
        .filter(email__iexact=email_ref)
        .filter(Q(received_on__gte=cutoff.date()) | Q(updated_at__gte=cutoff))
    )


def _erase_requester(contact, *, by, label, reason) -> None:
    """Requests sent from the person's e-mail lose the requester's name and coordinates, history included."""
    requester = {"contact_name": label, "email": "", "phone": ""}
    for request in support_requests_of(contact).select_for_update():
        for field, value in requester.items():
            setattr(request, field, value)
        request._history_user = by
        request._change_reason = reason
        # One version up: a form opened before the erasure must not write the requester's name back.
        save_versioned(request, request.lock_version, update_fields=[*requester, "updated_at"])
        SupportRequest.history.filter(id=request.pk).update(**requester)


PROVIDER = PersonalDataProvider(50, "support_requests", _requests, _recent_requests, _erase_requester)
