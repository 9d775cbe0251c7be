from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils import timezone

from communes.models import Contact
from core.concurrency import StaleEdit
from core.deliverables import lock_for_edit, row_content
from core.models import User
from core.pdf import render_pdf
from missions.mission1.models.accompaniments import Accompaniment
from missions.mission1.models.diagnostics import ActionLead, Diagnostic, DiagnosticFigure, SharedFinding, Stake
from missions.mission1.models.meetings import HEADCOUNT_FIELDS, Meeting, MeetingParticipant
from missions.mission1.services.portrait import figures_for_document
from missions.mission1.services.portrait import rows as portrait_figure_rows


def save_ordered_formset(formset, parent) -> None:
    """Save an inline formset whose rows carry a `position`, in the order the user chose."""
    formset.instance = parent
    formset.save(commit=False)
    for obj in formset.deleted_objects:
        obj.delete()
    for position, child_form in enumerate(formset.ordered_forms):
        child = child_form.instance
        setattr(child, formset.fk.name, parent)
        child.position = position
        child.save()
    formset.save_m2m()


@transaction.atomic
def save_diagnostic(*, form, formsets: list, by: User) -> bool:
    """Save the diagnostic and its stakes, findings and leads as one edit.

    Refused (False, French error on the form, nothing written) when someone else saved the diagnostic
    since this form was loaded; refused (ContentLocked) while a submitted version awaits validation.
    Editing a validated diagnostic starts its next version.
    """
    diagnostic = form.instance
    lock_for_edit(diagnostic)
    diagnostic.mark_edited()
    try:
        with transaction.atomic():
            saved = form.save_versioned(
                commit_extra=lambda parent: [save_ordered_formset(formset, parent) for formset in formsets]
            )
            if saved:
                diagnostic.accompaniment.advance_to(Accompaniment.Phase.DIAGNOSTIC)
    except IntegrityError:
        # Two people created the same commune's diagnostic at the same moment: the first one wins.
        existing = Diagnostic.objects.get(accompaniment=diagnostic.accompaniment)
        form.refuse_stale(StaleEdit(diagnostic, existing))
        return False
    return saved


def stakeholder_coverage(accompaniment: Accompaniment, *, meetings: list[Meeting] | None = None) -> list[dict]:
    """Which categories of stakeholders the accompaniment's meetings have reached, and which not yet.

    Two queries: categories of the named participants present, and the sums of head-counts (summed here instead
    when the page already read the accompaniment's `meetings`, all of them).
    """
    met_categories = set(
        MeetingParticipant.objects.filter(
            meeting__accompaniment=accompaniment, attendance=MeetingParticipant.Attendance.PRESENT
        )
        .values_list("contact__category", flat=True)
        .distinct()
    )
    if meetings is None:
        sums = Meeting.objects.filter(accompaniment=accompaniment).aggregate(
            **{name: Sum(name) for name, _label, _categories in HEADCOUNT_FIELDS}
        )
    else:
        sums = {name: sum(getattr(meeting, name) or 0 for meeting in meetings) for name, _l, _c in HEADCOUNT_FIELDS}
    for name, _label, categories in HEADCOUNT_FIELDS:
        # A head-count covers a category only when it maps to exactly one (the others are a mixed bag).
        if sums[name] and len(categories) == 1:
            met_categories |= categories
    return [
        {"value": value, "label": label, "met": value in met_categories}
        for value, label in Contact.Category.choices
        if value != Contact.Category.AUTRE
    ]


def diagnostic_pdf_context(diagnostic: Diagnostic, *, deliverable=None) -> dict:
    accompaniment = diagnostic.accompaniment
    meetings = Meeting.objects.filter(accompaniment=accompaniment)
    if deliverable is not None:
        # A frozen version lists the meetings held when it was submitted, not those logged while GBM reviewed it.
        meetings = meetings.filter(starts_at__lte=deliverable.submitted_at)
    meetings = list(
        meetings.order_by("starts_at").only("starts_at", "kind", "title", *[name for name, _l, _c in HEADCOUNT_FIELDS])
    )
    present_counts = {}
    for meeting_id in MeetingParticipant.objects.filter(
        meeting__in=meetings, attendance=MeetingParticipant.Attendance.PRESENT
    ).values_list("meeting_id", flat=True):
        present_counts[meeting_id] = present_counts.get(meeting_id, 0) + 1
    for meeting in meetings:
        meeting.named_present = present_counts.get(meeting.pk, 0)
    stakes = sorted(diagnostic.stakes.all(), key=lambda stake: (stake.priority, stake.position, stake.pk))
    return {
        "diagnostic": diagnostic,
        "commune": accompaniment.commune,
        "programme": accompaniment.programme,
        "accompaniment": accompaniment,
        "stakes": stakes,
        "findings": list(diagnostic.findings.all()),
        "leads": list(diagnostic.action_leads.prefetch_related("resource_people")),
        "meetings": meetings,
        "deliverable": deliverable,
        "generated_at": timezone.now(),
        "portrait_figures": portrait_figure_rows(figures_for_document(diagnostic, deliverable)),
    }


def render_diagnostic_pdf(diagnostic: Diagnostic, *, deliverable=None) -> bytes:
    """The "Synthèse du diagnostic" booklet; archival PDF/A when a validated version is frozen."""
    context = diagnostic_pdf_context(diagnostic, deliverable=deliverable)
    return render_pdf("missions/pdf/diagnostic.html", context, archival=deliverable is not None)


POSTER_STAKES = 4
POSTER_LEADS = 4


def render_diagnostic_poster_pdf(diagnostic: Diagnostic, *, deliverable) -> bytes:
    """A one-page A4 poster of a validated diagnostic, to pin up in the town hall: the first stakes by priority and
    the action leads, with the version it comes from. Long lists are cut so that the poster stays on one page."""
    accompaniment = diagnostic.accompaniment
    stakes = sorted(diagnostic.stakes.all(), key=lambda stake: (stake.priority, stake.position, stake.pk))
    leads = list(diagnostic.action_leads.all())
    context = {
        "diagnostic": diagnostic,
        "commune": accompaniment.commune,
        "programme": accompaniment.programme,
        "stakes": stakes[:POSTER_STAKES],
        "more_stakes": max(len(stakes) - POSTER_STAKES, 0),
        "leads": leads[:POSTER_LEADS],
        "more_leads": max(len(leads) - POSTER_LEADS, 0),
        "deliverable": deliverable,
    }
    return render_pdf("missions/pdf/diagnostic_poster.html", context)


def diagnostic_content(diagnostic: Diagnostic) -> dict:
    """What the "Synthèse du diagnostic" says (context, data, stakes, findings, leads and their resource people),
    hashed when a version is submitted. The meetings it lists are field records, frozen as of the submission.

    What is hashed only grows with what is added: a part a later version of the portal adds is left out while
    empty, or every version submitted before the upgrade would be refused at validation (« Le contenu a changé »)."""
    leads = ActionLead.objects.filter(diagnostic_id=diagnostic.pk).prefetch_related("resource_people").order_by("pk")
    figures = [
        row_content(figure, exclude=["diagnostic", "deliverable"])
        for figure in DiagnosticFigure.objects.filter(diagnostic_id=diagnostic.pk, deliverable__isnull=True).order_by(
            "pk"
        )
    ]
    content = {
        "diagnostic": row_content(diagnostic),
        "stakes": [row_content(stake) for stake in Stake.objects.filter(diagnostic_id=diagnostic.pk).order_by("pk")],
        "findings": [
            row_content(finding)
            for finding in SharedFinding.objects.filter(diagnostic_id=diagnostic.pk).order_by("pk")
        ],
        "leads": [
            {**row_content(lead), "resource_people": sorted(person.pk for person in lead.resource_people.all())}
            for lead in leads
        ],
    }
    # Added only when there are some: a diagnostic without picked figures hashes as it did before they existed, so
    # a version submitted before an upgrade is still the content GBM validates after it.
    if figures:
        content["portrait_figures"] = figures
    return content


def diagnostics_naming(contact) -> list[int]:
    """The diagnostics whose PDF names this person: as a resource person of one of their action leads."""
    return list(
        Diagnostic.objects.filter(action_leads__resource_people=contact).values_list("pk", flat=True).distinct()
    )
