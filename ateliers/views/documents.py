from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_safe

from ateliers import ical, selectors, services
from ateliers.forms import ResourceForm
from ateliers.models import AttendanceSheet, Resource, Workshop, WorkshopReport
from core import access
from core.deliverables import (
    frozen_file_response,
    latest_frozen,
    validated_document_response,
    working_draft_response,
)
from core.exports import export_response
from core.querysets import get_visible_or_404
from core.submissions import once_per_submission
from core.uploads import attachment_response

CONTACT_COLUMNS = {
    "Nom": lambda registration: registration.contact.last_name,
    "Prénom": lambda registration: registration.contact.first_name,
    "Organisme": lambda registration: registration.contact.organisation,
    "Fonction": lambda registration: registration.contact.role_title,
    "Catégorie": lambda registration: registration.contact.get_category_display(),
    "Commune": lambda registration: registration.commune.name if registration.commune else "",
    "E-mail": lambda registration: registration.contact.email,
    "Téléphone": lambda registration: registration.contact.phone,
}


def _visible_workshop(request, pk):
    return get_visible_or_404(Workshop.objects.select_related("theme", "programme"), request.user, pk=pk)


def _report(workshop) -> WorkshopReport:
    return WorkshopReport.objects.filter(workshop=workshop).first() or WorkshopReport(workshop=workshop)


def _attendance_sheet(workshop) -> AttendanceSheet:
    return AttendanceSheet.objects.filter(workshop=workshop).first() or AttendanceSheet(workshop=workshop)


def report_pdf(request, pk):
    """The report: its latest validated version (the frozen file), else, for the team, the working draft. The élus
    whose commune took part get the validated version only (404 until there is one); other élus 403."""
    workshop = _visible_workshop(request, pk)
    report = _report(workshop)
    if not access.is_team(request.user):
        return validated_document_response(request.user, report)
    frozen = latest_frozen(request.user, report)
    if frozen is not None:
        return frozen_file_response(frozen)
    return working_draft_response(report, services.render_report_pdf(workshop=workshop))


def report_draft_pdf(request, pk):
    """The report's working draft: the current content rendered now, labelled as such."""
    workshop = _visible_workshop(request, pk)
    access.require(access.is_team(request.user))
    return working_draft_response(_report(workshop), services.render_report_pdf(workshop=workshop))


def attendance_sheet_pdf(request, pk):
    """The attendance sheet: its latest validated version (signed and frozen), else the sheet to print."""
    workshop = _visible_workshop(request, pk)
    access.require(access.is_team(request.user))
    sheet = _attendance_sheet(workshop)
    frozen = latest_frozen(request.user, sheet)
    if frozen is not None:
        return frozen_file_response(frozen)
    return working_draft_response(sheet, services.render_attendance_sheet_pdf(workshop=workshop))


def attendance_sheet_draft_pdf(request, pk):
    """The attendance sheet to print now, from the current registrations."""
    workshop = _visible_workshop(request, pk)
    access.require(access.is_team(request.user))
    return working_draft_response(_attendance_sheet(workshop), services.render_attendance_sheet_pdf(workshop=workshop))


@require_safe
def contacts_export(request, pk, fmt):
    """The consented contact list (participants who agreed to share their details; withdrawals honoured)."""
    workshop = _visible_workshop(request, pk)
    took_part = request.user.is_elu and selectors.commune_took_part(workshop, request.user.commune_id)
    access.require(access.can_see_workshop_contact_list(request.user, commune_took_part=took_part))
    return export_response(
        request,
        fmt,
        rows=selectors.consented_contacts(workshop),
        columns=CONTACT_COLUMNS,
        filename="contacts",
        title="Contacts",
        about=str(workshop),
    )


@once_per_submission
def resource_create(request, pk):
    workshop = _visible_workshop(request, pk)
    access.require(access.can_write_field_work(request.user))
    form = ResourceForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        resource = services.add_resource(resource=form.save(commit=False), workshop=workshop, by=request.user)
        messages.success(request, f"Ressource « {resource} » ajoutée.")
        return redirect(workshop)
    return render(request, "ateliers/resource_form.html", {"workshop": workshop, "form": form})


def resource_download(request, pk, resource_pk):
    resource = get_visible_or_404(Resource, request.user, pk=resource_pk, workshop_id=pk)
    if resource.is_link:
        return redirect(resource.url)
    return attachment_response(resource.file)


def resource_delete(request, pk, resource_pk):
    resource = get_visible_or_404(
        Resource.objects.select_related("workshop"), request.user, pk=resource_pk, workshop_id=pk
    )
    access.require(access.can_write_field_work(request.user))
    if request.method == "POST":
        services.delete_resource(resource=resource, by=request.user)
        messages.success(request, f"Ressource « {resource} » supprimée.")
        return redirect(resource.workshop)
    return render(request, "ateliers/resource_delete.html", {"resource": resource, "workshop": resource.workshop})


def agenda_ics(request):
    """iCalendar feed of the upcoming workshops for a logged-in user (token feeds for calendar apps: issue 8)."""
    body = ical.workshops_calendar(ical.feed_workshops(request.user))
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'inline; filename="ateliers-pat-{timezone.localdate():%Y%m%d}.ics"'
    return response
