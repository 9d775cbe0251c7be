"""The diagnostic's page for picking the commune's open-data figures into « Données collectées »."""

from django.contrib import messages
from django.shortcuts import redirect, render

from communes.portrait.selectors import current_figures
from core import access
from core.concurrency import StaleEdit
from core.deliverables import refuse_locked_edit
from missions.mission1.forms.portrait import PortraitPicksForm
from missions.mission1.models.diagnostics import Diagnostic
from missions.mission1.services.portrait import pick_figures
from missions.mission1.views.diagnostics import _accompaniment


def diagnostic_figures(request, insee_code):
    accompaniment = _accompaniment(request, insee_code)
    access.require(access.can_write_field_work(request.user))
    diagnostic = (
        Diagnostic.objects.filter(accompaniment=accompaniment).select_related("accompaniment__commune").first()
    )
    if diagnostic is None:
        messages.info(request, "Commencez le diagnostic (contexte communal) avant d'y reprendre des chiffres.")
        return redirect("missions:diagnostic_update", insee_code=insee_code)
    if diagnostic.awaits_validation:
        return refuse_locked_edit(request, diagnostic)
    picked = {(p.source, p.key): p for p in diagnostic.picked_figures.filter(deliverable__isnull=True)}
    figures = current_figures(accompaniment.commune)
    form = PortraitPicksForm(request.POST or None, figures=figures, picked=picked, diagnostic=diagnostic)
    if request.method == "POST" and form.is_valid():
        try:
            chosen = pick_figures(
                diagnostic=diagnostic,
                picks=form.picks(),
                expected_version=form.cleaned_data.get("lock_version"),
                by=request.user,
            )
        except StaleEdit as stale:
            form.refuse_stale(stale)
        else:
            messages.success(request, f"{len(chosen)} chiffre(s) du portrait retenu(s) dans les données collectées.")
            return redirect("missions:diagnostic", insee_code=insee_code)
    context = {
        "accompaniment": accompaniment,
        "commune": accompaniment.commune,
        "diagnostic": diagnostic,
        "form": form,
    }
    return render(request, "missions/diagnostic_figures.html", context)
