from django.contrib import messages
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render

from communes.models import Commune
from missions.mission1.forms.fieldwork import ActionLeadFormSet, DiagnosticForm, SharedFindingFormSet, StakeFormSet
from missions.mission1.models.accompaniments import Accompaniment
from missions.mission1.models.diagnostics import ActionLead, Diagnostic, SharedFinding, Stake
from missions.mission1.services.diagnostics import render_diagnostic_pdf, save_diagnostic, stakeholder_coverage
from pat_portal.kernel import access
from pat_portal.kernel.deliverable_views import refuse_locked_edit
from pat_portal.kernel.history import history_entries
from pat_portal.kernel.pdf import pdf_response


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


def _diagnostic(request, insee_code) -> Diagnostic:
    accompaniment = _accompaniment(request, insee_code)
    return get_object_or_404(
        Diagnostic.objects.visible_to(request.user).select_related("accompaniment__commune"),
        accompaniment=accompaniment,
    )


def diagnostic_detail(request, insee_code):
    accompaniment = _accompaniment(request, insee_code)
    diagnostic = (
        Diagnostic.objects.visible_to(request.user)
        .prefetch_related("stakes", "findings", "action_leads__resource_people")
        .filter(accompaniment=accompaniment)
        .first()
    )
    if diagnostic is None and not request.user.is_team:
        raise Http404("Aucun diagnostic transmis pour cette commune.")
    context = {
        "accompaniment": accompaniment,
        "commune": accompaniment.commune,
        "diagnostic": diagnostic,
        "meetings": accompaniment.meetings.order_by("-starts_at"),
        "coverage": stakeholder_coverage(accompaniment) if request.user.is_team else None,
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
    diagnostic = _diagnostic(request, insee_code)
    pdf = render_diagnostic_pdf(diagnostic)
    return pdf_response(pdf, f"synthese-diagnostic-{diagnostic.accompaniment.commune.insee_code}.pdf")


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
