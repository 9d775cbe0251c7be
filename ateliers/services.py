"""Writes of the workshops that span several rows or build files: creation, registrations, consent, attendance, PDFs."""

from collections.abc import Iterable
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from ateliers import selectors
from ateliers.models import (
    AttendanceSheet,
    Registration,
    RegistrationError,
    Resource,
    Workshop,
    WorkshopError,
    WorkshopReport,
)
from communes.models import Contact
from core import access
from core.concurrency import save_versioned
from core.deliverables import frozen_versions_carrying, reissue_versions, row_content
from core.models import Deliverable, User
from core.notifications import notify
from core.pdf import render_pdf
from missions.programme.models import Programme

# Blank lines at the end of the attendance sheet, for people who come without registering.
ATTENDANCE_SHEET_BLANK_ROWS = 8
CONSENT_WITHDRAWAL_REASON = "Retrait du consentement d'une personne au partage de ses coordonnées"


@transaction.atomic
def create_workshop(*, workshop: Workshop, by: User, formsets: Iterable = ()) -> Workshop:
    """Save a new workshop with the next number of its programme, its deliverables and its inline rows.

    `formsets` are inline formsets (testimonies, costs) bound to the request; they are saved with the
    workshop, in the same transaction.
    """
    access.require(access.can_write_field_work(by))
    if not workshop.theme.is_validated:
        raise WorkshopError("Seul un thème validé par GBM peut être choisi pour un atelier.")
    # Locking the programme row serialises numbering: two workshops created at once get distinct numbers.
    Programme.objects.select_for_update().get(pk=workshop.programme_id)
    last_number = Workshop.objects.filter(programme_id=workshop.programme_id).aggregate(last=Max("number"))["last"]
    workshop.number = (last_number or 0) + 1
    workshop.created_by = by
    workshop.save()
    WorkshopReport.objects.create(workshop=workshop)
    AttendanceSheet.objects.create(workshop=workshop)
    for formset in formsets:
        formset.instance = workshop
        formset.save()
    notify(
        "atelier_planifie",
        User.objects.active().filter(role=User.Role.ELU),
        subject=f"Atelier de partage programmé : {workshop.title}",
        context={"workshop": workshop},
        path=workshop.get_absolute_url(),
    )
    return workshop


@transaction.atomic
def register_participant(
    *,
    workshop: Workshop,
    by: User,
    contact: Contact | None = None,
    new_contact: Contact | None = None,
    consent: bool = False,
    consent_date=None,
    consent_method: str = "",
) -> Registration:
    """Register an existing contact, or a new one (`new_contact`, unsaved), for a workshop.

    The team registers anyone; an élu only people of their own commune (a new contact created by an élu
    belongs to their commune), and only while the workshop is planned. A full workshop refuses.
    The consent is recorded on the registration; a new contact also gets it in the contact directory.
    """
    workshop = Workshop.objects.select_for_update().get(pk=workshop.pk)
    if (contact is None) == (new_contact is None):
        raise RegistrationError("Choisissez une personne déjà connue ou créez-en une (l'un ou l'autre).")
    if new_contact is not None and by.is_elu:
        new_contact.commune = by.commune
    person = contact or new_contact
    if not access.can_register_for_workshop(by, person.commune):
        raise PermissionDenied
    if workshop.is_cancelled:
        raise RegistrationError("Cet atelier est annulé : il n'accepte plus d'inscriptions.")
    if not by.is_team and not workshop.is_planned:
        raise RegistrationError("Les inscriptions de cet atelier sont closes.")
    if contact is not None and workshop.registrations.filter(contact=contact).exists():
        raise RegistrationError(f"{contact} est déjà inscrit·e à cet atelier.")
    if workshop.capacity is not None and workshop.registrations.count() >= workshop.capacity:
        raise RegistrationError(f"Cet atelier est complet ({workshop.capacity} places).")
    if consent and not access.can_record_consent(by):
        raise RegistrationError(
            "Le partage des coordonnées se décide par la personne elle-même : demandez-lui de le confirmer par e-mail."
        )
    if consent and consent_method not in Registration.RECORDED_BY_TEAM_METHODS:
        raise RegistrationError("Indiquez le document par lequel la personne a donné son accord.")
    if consent and not (consent_date and consent_method):
        raise RegistrationError("Un consentement se documente : date et manière de le recueillir.")
    if new_contact is not None:
        if consent:
            new_contact.consent_to_share = True
            new_contact.consent_date = consent_date
            new_contact.consent_method = consent_method
        new_contact.save()
    return Registration.objects.create(
        workshop=workshop,
        contact=person,
        commune=person.commune,
        consent_to_share=consent,
        consent_date=consent_date if consent else None,
        consent_method=consent_method if consent else "",
        consent_recorded_by=by if consent else None,
        registered_by=by,
    )


@dataclass
class BulkRegistration:
    registered: list[Registration]
    refused: list[str]  # French, one per person not registered, saying why


def register_participants(
    *,
    workshop: Workshop,
    by: User,
    contacts: Iterable[Contact] = (),
    new_contacts: Iterable[Contact] = (),
    present: bool = False,
) -> BulkRegistration:
    """Register many people at once (a list ticked or pasted): each one as `register_participant` would, so that the
    same rules refuse the same people (an élu's other communes, a full or cancelled workshop), each refusal said in
    French without stopping the others. `new_contacts` (unsaved) are created, without any consent: the person gives
    it later, on the signed sheet or by the e-mailed link. `present` marks them present (the team, once the workshop
    has started: people who came without registering).
    """
    if present and not (access.can_write_field_work(by) and workshop.has_started):
        raise PermissionDenied
    registered, refused = [], []
    people = [("contact", contact) for contact in contacts] + [("new_contact", contact) for contact in new_contacts]
    for argument, person in people:
        try:
            with transaction.atomic():  # each person on their own: a refusal undoes only them
                registration = register_participant(workshop=workshop, by=by, **{argument: person})
                if present:
                    registration.attendance = Registration.Attendance.PRESENT
                    registration._history_user = by
                    save_versioned(registration, registration.lock_version, update_fields=["attendance"])
        except RegistrationError as error:
            refused.append(f"{person} : {error}")
            continue
        registered.append(registration)
    return BulkRegistration(registered=registered, refused=refused)


@transaction.atomic
def withdraw_consent(*, registration: Registration, by: User) -> int:
    """The person withdraws their consent to share their contact details; returns how many registrations changed.

    The withdrawal (date, who recorded it) applies to every registration of the person and to the contact
    directory: every list generated afterwards honours it. The validated workshop reports that may carry their
    details are withdrawn from download (hash kept for the record) and re-issued without them.
    """
    if not access.can_manage_registration(by, registration):
        raise PermissionDenied
    registration = Registration.objects.select_for_update().get(pk=registration.pk)
    if not registration.consent_to_share:
        raise RegistrationError("Cette personne n'a pas (ou plus) consenti au partage de ses coordonnées.")
    now = timezone.now()
    changed = list(
        Registration.objects.select_for_update().filter(contact_id=registration.contact_id, consent_to_share=True)
    )
    for each in changed:
        each.withdraw_consent(by=by, when=now)
    contact = Contact.objects.select_for_update().get(pk=registration.contact_id)
    if contact.consent_to_share:
        contact.consent_to_share = False
        # One version up: a contact form opened before cannot tick the consent back.
        save_versioned(contact, contact.lock_version, update_fields=["consent_to_share", "updated_at"])
    reports = frozen_versions_carrying(contact, kinds=[Deliverable.Kind.WORKSHOP_REPORT])
    reissue_versions(reports, by=by, reason=CONSENT_WITHDRAWAL_REASON)
    return len(changed)


@transaction.atomic
def mark_attendance(
    *,
    workshop: Workshop,
    by: User,
    attendance: dict[int, str],
    versions: dict[int, int | None],
    consents_on_sheet: Iterable[int] = (),
    mark_held: bool = False,
) -> int:
    """Record presence/absence of the whole list at once (and consents ticked on the signed sheet).

    `attendance` maps registration ids to an `Registration.Attendance` value; `versions` maps them to the version
    each row had when the screen was opened: a row changed since (by another person, or a consent withdrawn) raises
    StaleEdit and nothing is written. `consents_on_sheet` are the registrations whose person ticked the consent box
    on the signed attendance sheet. Returns how many registrations changed. `mark_held` also marks a planned
    workshop as held.
    """
    access.require(access.can_write_field_work(by))
    workshop = Workshop.objects.select_for_update().get(pk=workshop.pk)
    if workshop.is_cancelled:
        raise WorkshopError("Cet atelier est annulé : il n'y a pas de présence à marquer.")
    if not workshop.has_started:
        raise WorkshopError("La présence se marque une fois l'atelier commencé.")
    valid = set(Registration.Attendance.values)
    consents_on_sheet = set(consents_on_sheet)
    sheet_date = timezone.localtime(workshop.starts_at).date()
    changed = []
    for registration in workshop.registrations.select_for_update():
        before = (registration.attendance, registration.consent_to_share)
        value = attendance.get(registration.pk)
        if value in valid:
            registration.attendance = value
        if registration.pk in consents_on_sheet and not registration.consent_to_share:
            registration.consent_to_share = True
            registration.consent_date = sheet_date
            registration.consent_method = Registration.ConsentMethod.ATTENDANCE_SHEET
            registration.consent_recorded_by = by
            registration.consent_request_nonce = ""
            registration.consent_withdrawn_at = None
            registration.consent_withdrawn_by = None
        if (registration.attendance, registration.consent_to_share) != before:
            changed.append(registration)
    for registration in changed:
        registration._history_user = by
        save_versioned(
            registration,
            versions.get(registration.pk),
            update_fields=[
                "attendance",
                "consent_to_share",
                "consent_date",
                "consent_method",
                "consent_recorded_by",
                "consent_request_nonce",
                "consent_withdrawn_at",
                "consent_withdrawn_by",
            ],
        )
    if mark_held and workshop.is_planned:
        workshop.mark_held(by=by)
    return len(changed)


@transaction.atomic
def add_resource(*, resource: Resource, workshop: Workshop, by: User) -> Resource:
    """Attach a checked upload (or a link) to a workshop."""
    access.require(access.can_write_field_work(by))
    resource.workshop = workshop
    resource.added_by = by
    if resource.file:
        resource.file_size = resource.file.size
    resource.full_clean(exclude=["file"])
    resource.save()
    return resource


@transaction.atomic
def delete_resource(*, resource: Resource, by: User) -> None:
    """Remove a resource; its stored file is deleted once the transaction commits."""
    access.require(access.can_write_field_work(by))
    stored = resource.file.name if resource.file else ""
    storage = resource.file.storage if resource.file else None
    resource.delete()
    if stored:
        transaction.on_commit(lambda: storage.delete(stored))


def _report_context(workshop: Workshop) -> dict:
    workshop = Workshop.objects.select_related("theme", "programme", "report").get(pk=workshop.pk)
    participants = list(selectors.workshop_participants(workshop))
    return {
        "workshop": workshop,
        "report": workshop.report,
        "testimonies": list(workshop.testimonies.all()),
        "resources": list(workshop.resources.all()),
        "participation": selectors.participation(participants),
        "attendance_marked": workshop.registrations.filter(attendance=Registration.Attendance.UNKNOWN).count() == 0,
        "generated_at": timezone.now(),
    }


def render_report_pdf(*, workshop: Workshop, deliverable=None) -> bytes:
    """The "Compte rendu d'atelier" PDF; contact details of consenting participants only (others are counted)."""
    context = {**_report_context(workshop), "deliverable": deliverable}
    return render_pdf("ateliers/pdf/report.html", context, archival=deliverable is not None)


def render_attendance_sheet_pdf(*, workshop: Workshop, deliverable=None) -> bytes:
    """The attendance sheet to print: name, commune, organisation, signature box, consent tick box."""
    workshop = Workshop.objects.select_related("theme", "programme").get(pk=workshop.pk)
    context = {
        "workshop": workshop,
        "registrations": list(selectors.workshop_registrations(workshop)),
        "blank_rows": range(ATTENDANCE_SHEET_BLANK_ROWS),
        "deliverable": deliverable,
    }
    return render_pdf("ateliers/pdf/attendance_sheet.html", context, archival=deliverable is not None)


# Deliverables of a workshop (registered in AteliersConfig.ready) --------------------------------------------------


def render_report_deliverable(report: WorkshopReport, *, deliverable=None) -> bytes:
    return render_report_pdf(workshop=report.workshop, deliverable=deliverable)


def render_attendance_sheet_deliverable(sheet: AttendanceSheet, *, deliverable=None) -> bytes:
    return render_attendance_sheet_pdf(workshop=sheet.workshop, deliverable=deliverable)


def _registrations_content(workshop_id: int, *fields: str) -> list:
    return list(Registration.objects.filter(workshop_id=workshop_id).order_by("pk").values_list("pk", *fields))


def report_content(report: WorkshopReport) -> dict:
    """What the report says (its text; the workshop, testimonies, resources; who came from where), hashed when a
    version is submitted. Consents are not part of it: the contact list follows them live, frozen versions too."""
    workshop = Workshop.objects.get(pk=report.workshop_id)
    return {
        "report": row_content(report),
        "workshop": row_content(workshop),
        "testimonies": [row_content(testimony) for testimony in workshop.testimonies.order_by("pk")],
        "resources": [row_content(resource) for resource in workshop.resources.order_by("pk")],
        "registrations": _registrations_content(workshop.pk, "contact_id", "commune_id", "attendance"),
    }


def attendance_sheet_content(sheet: AttendanceSheet) -> dict:
    """Who the attendance sheet lists to sign against, for which workshop."""
    workshop = Workshop.objects.get(pk=sheet.workshop_id)
    return {
        "workshop": row_content(workshop),
        "registrations": _registrations_content(workshop.pk, "contact_id", "commune_id"),
    }


def reports_naming(contact) -> list[int]:
    """The reports that may carry this person's details: those of the workshops they registered for."""
    return list(WorkshopReport.objects.filter(workshop__registrations__contact=contact).values_list("pk", flat=True))


def attendance_sheets_naming(contact) -> list[int]:
    """The attendance sheets that list this person's name: those of the workshops they registered for."""
    return list(AttendanceSheet.objects.filter(workshop__registrations__contact=contact).values_list("pk", flat=True))


def may_download_report(user, report: WorkshopReport) -> bool:
    """A frozen report carries the consented contact list: it goes to whoever may see that list live."""
    return selectors.may_see_contact_list(user, report.workshop)


@transaction.atomic
def cancel_registration(*, registration: Registration, by: User) -> None:
    """Remove a registration (its history stays); an élu may do so only while the workshop is planned."""
    if not access.can_manage_registration(by, registration):
        raise PermissionDenied
    workshop = Workshop.objects.select_for_update().get(pk=registration.workshop_id)
    if not by.is_team and not workshop.is_planned:
        raise RegistrationError(
            "L'atelier n'est plus planifié : adressez-vous à l'équipe pour modifier les inscriptions."
        )
    registration.delete()
