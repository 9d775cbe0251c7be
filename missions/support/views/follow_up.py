"""Mission 3: the follow-up of an accepted request: its steps and their documents, the financing plan, the
evaluation, the meetings linked to it."""

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from core import access
from core.french import french_date
from core.submissions import once_per_submission
from core.uploads import attachment_response
from missions.support import services
from missions.support.forms import (
    EvaluationForm,
    FinancingLineFormSet,
    FinancingPlanVersionForm,
    MeetingLinkForm,
    StepDocumentForm,
    StepForm,
)
from missions.support.models import StepDocument, SupportStep, TransitionError
from missions.support.views.common import fetch_request, form_page


def _fetch_step(request, pk, step_pk) -> SupportStep:
    support_request = fetch_request(request, pk)
    step = get_object_or_404(support_request.steps.all(), pk=step_pk)
    step.request = support_request
    return step


def step_update(request, pk, step_pk):
    step = _fetch_step(request, pk, step_pk)
    access.require(access.can_follow_support_request(request.user))
    form = StepForm(request.POST or None, instance=step)
    if request.method == "POST" and form.is_valid():
        try:
            saved = services.save_step(form=form, by=request.user)
        except TransitionError as error:
            messages.error(request, str(error))
            return redirect(step.request)
        if saved:
            messages.success(request, f"L'étape « {step} » a été enregistrée.")
            _warn_if_beyond_programme(request, step)
            return redirect(f"{step.request.get_absolute_url()}#etape-{step.pk}")
    return form_page(request, step.request, form, f"Étape « {step} »")


def _warn_if_beyond_programme(request, step):
    """Planned after the contract's end: saved all the same, but said at once."""
    if step.beyond_programme:
        messages.warning(
            request,
            f"Attention : l'étape « {step} » est prévue après la fin du marché "
            f"({french_date(step.request.programme.end_date)}). Elle est enregistrée ; vérifiez son calendrier.",
        )


@once_per_submission
def step_document_add(request, pk, step_pk):

    step = _fetch_step(request, pk, step_pk)
    access.require(access.can_follow_support_request(request.user))
    form = StepDocumentForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.add_step_document(
                step=step, title=form.cleaned_data["title"], file=form.cleaned_data["file"], by=request.user
            )
        except TransitionError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, "Le document a été déposé.")
        return redirect(f"{step.request.get_absolute_url()}#etape-{step.pk}")
    return form_page(request, step.request, form, f"Déposer un document — étape « {step} »", enctype=True)


def step_document_download(request, pk, document_pk):
    support_request = fetch_request(request, pk)
    document = get_object_or_404(StepDocument.objects.filter(step__request=support_request), pk=document_pk)
    return attachment_response(document.file)


def financing_update(request, pk):
    support_request = fetch_request(request, pk)
    access.require(access.can_follow_support_request(request.user))
    formset = FinancingLineFormSet(request.POST or None, instance=support_request, prefix="lignes")
    version = FinancingPlanVersionForm(request.POST or None, instance=support_request)
    if request.method == "POST" and formset.is_valid() & version.is_valid():
        try:
            saved = services.save_financing_plan(
                support_request=support_request, formset=formset, version_form=version, by=request.user
            )
        except TransitionError as error:
            messages.error(request, str(error))
            return redirect(f"{support_request.get_absolute_url()}#plan-de-financement")
        if saved:
            messages.success(request, "Le plan de financement a été enregistré.")
            return redirect(f"{support_request.get_absolute_url()}#plan-de-financement")
    context = {"support_request": support_request, "formset": formset, "version": version}
    return render(request, "missions/support/financing_form.html", context)


def evaluation_update(request, pk):
    support_request = fetch_request(request, pk)
    access.require(access.can_follow_support_request(request.user))
    if not support_request.was_accepted:
        messages.error(request, "L'évaluation concerne une demande acceptée.")
        return redirect(support_request)
    form = EvaluationForm(request.POST or None, instance=support_request)
    if request.method == "POST" and form.is_valid() and services.save_support_request(form=form, by=request.user):
        messages.success(request, "L'évaluation a été enregistrée.")
        return redirect(f"{support_request.get_absolute_url()}#evaluation")
    return form_page(request, support_request, form, f"Résultats et évaluation — {support_request.reference}")


@require_POST
def meeting_link(request, pk):
    support_request = fetch_request(request, pk)
    access.require(access.can_follow_support_request(request.user))
    form = MeetingLinkForm(request.POST, support_request=support_request)
    if form.is_valid():
        services.link_meeting(support_request=support_request, meeting=form.cleaned_data["meeting"], by=request.user)
        messages.success(request, "La réunion est rattachée à la demande.")
    else:
        messages.error(request, "Choisissez une réunion de la commune qui n'est pas déjà rattachée à une demande.")
    return redirect(f"{support_request.get_absolute_url()}#reunions")


@require_POST
def meeting_unlink(request, pk, meeting_pk):
    support_request = fetch_request(request, pk)
    access.require(access.can_follow_support_request(request.user))
    meeting = get_object_or_404(support_request.meetings.all(), pk=meeting_pk)
    services.unlink_meeting(meeting=meeting, by=request.user)
    messages.success(request, "La réunion n'est plus rattachée à la demande.")
    return redirect(f"{support_request.get_absolute_url()}#reunions")
