"""Mission 3: a request's status changes (review, decision, follow-up, completion, abandonment), each through one
service; a refused change is reported, with nothing written."""

from django.contrib import messages
from django.shortcuts import redirect
from django.views.decorators.http import require_POST

from core import access
from missions.support import services
from missions.support.forms import AbandonForm, CompleteForm, DecisionForm
from missions.support.models import SupportRequest, TransitionError
from missions.support.views.common import fetch_request, form_page


def _run(request, change, success: str) -> None:
    """Run a status change; a refused one is reported to the user, with nothing written."""
    try:
        change()
    except TransitionError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, success)


@require_POST
def request_start_review(request, pk):
    support_request = fetch_request(request, pk)
    access.require(access.can_follow_support_request(request.user))
    _run(
        request,
        lambda: services.start_review(support_request=support_request, by=request.user),
        "La demande est en instruction.",
    )
    return redirect(support_request)


def request_decide(request, pk):
    support_request = fetch_request(request, pk)
    access.require(access.can_decide_support_request(request.user))
    if support_request.status != SupportRequest.Status.UNDER_REVIEW:
        messages.error(
            request, "Seule une demande en instruction peut être décidée : mettez-la d'abord en instruction."
        )
        return redirect(support_request)
    form = DecisionForm(request.POST or None, support_request=support_request)
    if request.method == "POST" and form.is_valid():
        decision = form.to_decision()
        outcome = "acceptée" if decision.accepted else "refusée"
        _run(
            request,
            lambda: services.decide_support_request(
                support_request=support_request, decision=decision, by=request.user
            ),
            f"La demande est {outcome} ; le demandeur en est informé par e-mail.",
        )
        return redirect(support_request)
    intro = "Décision commune de GBM et du prestataire. Le demandeur reçoit la décision et son motif par e-mail."
    return form_page(request, support_request, form, f"Décider de la demande {support_request.reference}", intro=intro)


@require_POST
def request_start_follow_up(request, pk):
    support_request = fetch_request(request, pk)
    access.require(access.can_follow_support_request(request.user))
    _run(
        request,
        lambda: services.start_follow_up(support_request=support_request, by=request.user),
        "L'accompagnement a commencé.",
    )
    return redirect(support_request)


def request_complete(request, pk):
    support_request = fetch_request(request, pk)
    access.require(access.can_follow_support_request(request.user))
    # Every field is optional: an empty POST is still a submission.
    form = CompleteForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        _run(
            request,
            lambda: services.complete_support_request(
                support_request=support_request, note=form.cleaned_data["note"], by=request.user
            ),
            "L'accompagnement est terminé ; le demandeur en est informé.",
        )
        return redirect(support_request)
    return form_page(request, support_request, form, f"Terminer l'accompagnement {support_request.reference}")


def request_abandon(request, pk):
    support_request = fetch_request(request, pk)
    access.require(access.can_follow_support_request(request.user))
    form = AbandonForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        _run(
            request,
            lambda: services.abandon_support_request(
                support_request=support_request, reason=form.cleaned_data["reason"], by=request.user
            ),
            "Le projet est enregistré comme abandonné ; le demandeur en est informé.",
        )
        return redirect(support_request)
    return form_page(request, support_request, form, f"Abandon du projet {support_request.reference}")
