from django.contrib import messages
from django.db.models import Prefetch, prefetch_related_objects
from django.http import Http404
from django.shortcuts import redirect, render

from communes.models import Commune
from core import access
from core.deliverables import (
    document_response,
    latest_frozen,
    refuse_locked_edit,
    working_draft_response,
)
from core.filenames import download_filename
from core.history import history_entries
from core.pdf import pdf_response
from core.querysets import get_visible_or_404
from missions.mission1.forms.fieldwork import ActionLeadFormSet, DiagnosticForm, SharedFindingFormSet, StakeFormSet
from missions.mission1.models.accompaniments import Accompaniment
from missions.mission1.models.diagnostics import ActionLead, Diagnostic, SharedFinding, Stake
from missions.mission1.models.meetings import Meeting
from missions.mission1.services.diagnostics import (
    render_diagnostic_pdf,
    render_diagnostic_poster_pdf,
    save_diagnostic,
    stakeholder_coverage,
)
from missions.mission1.services.portrait import coverage_with_actors, diagnostic_panel, with_sirene_candidates


def _accompaniment(request, insee_code) -> Accompaniment:
    """The commune's latest accompaniment, fetched within what the user may see."""
    accompaniment = (
        Accompaniment.objects.visible_to(request.user)
        .filter(commune__in=Commune.objects.visible_to(request.user), commune__insee_code=insee_code)
        .select_related("commune", "programme")
        .order_by("-programme__start_date")
        .first()
    )  # one query: a commune out of the user's reach and a commune not accompanied are both "not found"
    if accompaniment is None:
        raise Http404("Cette commune n'est pas accompagnée.")
    return accompaniment


def document_on_its_way(request, accompaniment: Accompaniment, *, label: str, exists: bool, not_started: str):
    """What an élu of the commune reads where a document not yet submitted would be: who is writing it, or why it
    has not started, and when they will read it (instead of a 404 on their own commune's page)."""
    context = {
        "commune": accompaniment.commune,
        "document_label": label,
        "in_preparation": exists,
        "consultant": accompaniment.lead_consultant,
        "not_started_reason": not_started,
        "approves": label == "plan d'actions",
    }
    return render(request, "missions/document_on_its_way.html", context)


def _diagnostic(request, insee_code) -> Diagnostic:
    accompaniment = _accompaniment(request, insee_code)
    return get_visible_or_404(
        Diagnostic.objects.select_related("accompaniment__commune"),
        request.user,
        accompaniment=accompaniment,
    )


def diagnostic_detail(request, insee_code):
    """The diagnostic page: its header and deliverable panel (workflow buttons), its content (stakes, findings,
    leads, coverage, meetings). The diagnostic comes with what its submission checklist reads (stakes, findings,
    leads, the accompaniment's meetings)."""
    accompaniment = _accompaniment(request, insee_code)
    diagnostic = (
        with_sirene_candidates(Diagnostic.objects.visible_to(request.user))
        .prefetch_related("stakes", "findings", "action_leads__resource_people")
        .filter(accompaniment=accompaniment)
        .first()
    )
    if diagnostic is None and not request.user.is_team:
        exists = Diagnostic.objects.filter(accompaniment=accompaniment).exists()
        reason = "il commence par les réunions de terrain du prestataire avec la commune."
        return document_on_its_way(request, accompaniment, label="diagnostic", exists=exists, not_started=reason)
    prefetch_related_objects([accompaniment], Prefetch("meetings", queryset=Meeting.objects.order_by("-starts_at")))
    if diagnostic is not None:
        diagnostic.accompaniment = accompaniment
    meetings = list(accompaniment.meetings.all())
    context = {
        "accompaniment": accompaniment,
        "commune": accompaniment.commune,
        "diagnostic": diagnostic,
        "meetings": meetings,
        "coverage": coverage_with_actors(
            stakeholder_coverage(accompaniment, meetings=meetings) if request.user.is_team else None,
            getattr(diagnostic, "sirene_candidates", None),
        ),
        "portrait_panel": diagnostic_panel(diagnostic),
        "can_edit": access.can_edit_deliverable_content(request.user, diagnostic),
    }
    return render(request, "missions/diagnostic_detail.html", context)


def diagnostic_update(request, insee_code):
    accompaniment = _accompaniment(request, insee_code)
    access.require(access.can_write_field_work(request.user))
    diagnostic = Diagnostic.objects.filter(accompaniment=accompaniment).first() or Diagnostic(
        accompaniment=accompaniment
    )
    if diagnostic.awaits_validation:
        return refuse_locked_edit(request, diagnostic)
    data = request.POST or None
    form = DiagnosticForm(data, instance=diagnostic)
    formsets = [
        StakeFormSet(data, instance=diagnostic, prefix="enjeux"),
        SharedFindingFormSet(data, instance=diagnostic, prefix="constats"),
        ActionLeadFormSet(data, instance=diagnostic, prefix="pistes"),
    ]
    if request.method == "POST":
        valid = form.is_valid() & all([formset.is_valid() for formset in formsets])  # noqa: C419 (validate every formset)
        if valid and save_diagnostic(form=form, formsets=formsets, by=request.user):
            messages.success(request, "Diagnostic enregistré.")
            return redirect("missions:diagnostic", insee_code=insee_code)
    context = {"accompaniment": accompaniment, "commune": accompaniment.commune, "form": form, "formsets": formsets}
    return render(request, "missions/diagnostic_form.html", context)


def diagnostic_pdf(request, insee_code):
    """The synthesis: its latest validated version (the frozen file), else the working draft."""
    return document_response(request, _diagnostic(request, insee_code))


def diagnostic_draft_pdf(request, insee_code):
    """The working draft: the current content rendered now, labelled as such."""
    diagnostic = _diagnostic(request, insee_code)
    return working_draft_response(diagnostic, render_diagnostic_pdf(diagnostic))


def diagnostic_poster_pdf(request, insee_code):
    """A one-page poster of the validated diagnostic, to pin up in the town hall (whoever may see the synthesis)."""
    diagnostic = _diagnostic(request, insee_code)
    frozen = latest_frozen(request.user, diagnostic)
    if frozen is None or not diagnostic.is_validated:
        raise Http404("L'affiche reprend la synthèse validée : ce diagnostic n'a pas de version validée à jour.")
    pdf = render_diagnostic_poster_pdf(diagnostic, deliverable=frozen)
    filename = download_filename(
        "affiche diagnostic",
        about=diagnostic.accompaniment.commune.name,
        version=frozen.version,
        on=frozen.reviewed_at,
    )
    return pdf_response(pdf, filename)


def diagnostic_history(request, insee_code):
    diagnostic = _diagnostic(request, insee_code)
    access.require(access.is_team(request.user))
    entries = history_entries(
        diagnostic.history.all(),
        Stake.history.filter(diagnostic_id=diagnostic.pk),
        SharedFinding.history.filter(diagnostic_id=diagnostic.pk),
        ActionLead.history.filter(diagnostic_id=diagnostic.pk),
        labels={Diagnostic: str(diagnostic)},
    )
    return render(
        request,
        "missions/history.html",
        {"title": str(diagnostic), "entries": entries, "back_url": diagnostic.get_absolute_url()},
    )
