"""The portrait's two writes: ask for a refresh, turn an actor found in SIRENE into a directory contact."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.shortcuts import redirect
from django.views.decorators.http import require_POST

from communes.models import Commune
from communes.portrait import actors, tasks
from core import access
from core.querysets import get_visible_or_404


def _hub(commune, anchor="portrait"):
    return redirect(f"{commune.get_absolute_url()}#{anchor}")


@login_required
@require_POST
def portrait_refresh(request, insee_code):
    commune = get_visible_or_404(Commune, request.user, insee_code=insee_code)
    access.require(access.can_refresh_portrait(request.user))
    transaction.on_commit(lambda: tasks.refresh_commune_portrait.enqueue(commune.insee_code), robust=True)
    messages.success(
        request, "Relecture des sources demandée : les chiffres seront mis à jour d'ici quelques minutes."
    )
    return _hub(commune)


@login_required
@require_POST
def candidate_to_contact(request, insee_code):
    commune = get_visible_or_404(Commune, request.user, insee_code=insee_code)
    access.require(access.can_manage_contacts(request.user))
    try:
        contact = actors.add_candidate_to_directory(
            commune=commune,
            siret=request.POST.get("siret", "").strip()[:14],
            copy_person_name=request.POST.get("copier_nom") == "oui",
        )
    except actors.CandidateRefused as refusal:
        messages.error(request, str(refusal))
        return _hub(commune, "acteurs")
    messages.success(request, f"« {contact} » a été ajouté à l'annuaire des contacts.")
    return _hub(commune, "acteurs")
