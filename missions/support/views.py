"""Mission 3 pages: the three doors of intake, the priority queue, a request's page, decision and follow-up."""

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from core import access
from core.deliverable_downloads import (
    document_response,
    validated_document_response,
    working_draft_response,
)
from core.french import au, french_date
from core.history import history_entries
from core.models import Deliverable
from core.querysets import get_visible_or_404
from core.ratelimit import ratelimit
from core.submissions import once_per_submission
from core.uploads import attachment_response
from missions.programme.models import Programme
from missions.support import services
from missions.support.filters import SupportRequestFilter
from missions.support.forms import (
    AbandonForm,
    CompleteForm,
    DecisionForm,
    EluSupportRequestForm,
    EvaluationForm,
    FinancingLineFormSet,
    FinancingPlanVersionForm,
    MeetingLinkForm,
    PublicSupportRequestForm,
    StepDocumentForm,
    StepForm,
    SupportRequestUpdateForm,
    TeamSupportRequestForm,
)
from missions.support.models import StepDocument, SupportPriorityWeights, SupportRequest, SupportStep, TransitionError
from missions.support.selectors import explain_priority, priority_queue, supported_projects, with_priority

CONFIRMATION_SESSION_KEY = "support_request_reference"
PUBLIC_FORM_LIMIT = 5
PUBLIC_FORM_WINDOW = 3600
QUEUE_PAGE_SIZE = 25


def _fetch(request, pk) -> SupportRequest:
    return get_visible_or_404(SupportRequest.objects.select_related("commune", "programme"), request.user, pk=pk)


def _form_page(request, support_request, form, title, *, intro="", enctype=False):
    context = {"support_request": support_request, "form": form, "title": title, "intro": intro, "multipart": enctype}
    return render(request, "missions/support/form_page.html", context)


# Intake ----------------------------------------------------------------------------------------------
@login_not_required
@once_per_submission  # outside the rate limit: a replayed form does not count as another request
@ratelimit(
    "demande-publique",
    limit=PUBLIC_FORM_LIMIT,
    window=PUBLIC_FORM_WINDOW,
    template="missions/support/rate_limited.html",
)
def public_create(request):
    if request.method == "GET" and access.is_elu(request.user):
        return redirect("missions:support_elu_create")
    if request.method == "GET" and access.is_team(request.user):
        return redirect("missions:support_team_create")
    form = PublicSupportRequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            support_request = services.register_support_request(
                support_request=form.instance, door=SupportRequest.Door.PUBLIC
            )
        except services.SupportError as error:
            form.add_error(None, str(error))
        else:
            request.session[CONFIRMATION_SESSION_KEY] = support_request.reference
            return redirect("missions:support_public_done")
    return render(request, "missions/support/public_form.html", {"form": form})


@login_not_required
def public_done(request):
    reference = request.session.get(CONFIRMATION_SESSION_KEY)
    return render(request, "missions/support/public_done.html", {"reference": reference})


@once_per_submission
def elu_create(request):
    access.require(access.can_ask_support_for(request.user, getattr(request.user, "commune", None)))
    form = EluSupportRequestForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        form.instance.commune = request.user.commune
        form.instance.requester_kind = SupportRequest.RequesterKind.COMMUNE
        try:
            support_request = services.register_support_request(
                support_request=form.instance, door=SupportRequest.Door.ELU, submitted_by=request.user
            )
        except services.SupportError as error:
            form.add_error(None, str(error))
        else:
            messages.success(
                request, f"Votre demande {support_request.reference} est enregistrée ; un e-mail vous la confirme."
            )
            return redirect(support_request)
    intro = f"Pour un projet alimentaire {au(request.user.commune)} : GBM et son prestataire l'examinent et vous répondent."
    return _form_page(request, None, form, "Demander un accompagnement", intro=intro)


@once_per_submission
def team_create(request):
    access.require(access.can_follow_support_request(request.user))
    form = TeamSupportRequestForm(request.POST or None, initial={"received_on": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        try:
            support_request = services.register_support_request(
                support_request=form.instance, door=SupportRequest.Door.TEAM, submitted_by=request.user
            )
        except services.SupportError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, f"La demande {support_request.reference} est enregistrée.")
            return redirect(support_request)
    return _form_page(request, None, form, "Enregistrer une demande reçue par téléphone ou par e-mail")


# Lists -----------------------------------------------------------------------------------------------
def request_list(request):
    """The team's priority queue; an élu's list of their commune's requests."""
    if access.is_team(request.user):
        return _queue(request)
    if access.is_elu(request.user):
        requests = SupportRequest.objects.visible_to(request.user).order_by("-received_on", "-pk")
        return render(request, "missions/support/elu_list.html", {"support_requests": requests})
    raise PermissionDenied


def _queue(request):
    weights = SupportPriorityWeights.load()
    filterset = SupportRequestFilter(
        request.GET, queryset=SupportRequest.objects.visible_to(request.user).select_related("commune", "programme")
    )
    queue = priority_queue(filterset.qs.annotate_step_lateness(timezone.localdate()), weights=weights)
    page = Paginator(queue, QUEUE_PAGE_SIZE).get_page(request.GET.get("page"))

    rows = [(support_request, explain_priority(support_request, weights)) for support_request in page.object_list]
    programme = Programme.objects.current()
    context = {
        "filter": filterset,
        "page_obj": page,
        "rows": rows,
        "weights": weights,
        "supported": supported_projects(programme) if programme else None,
        "first_rank": page.start_index(),
    }
    return render(request, "missions/support/queue.html", context)


# A request's page ------------------------------------------------------------------------------------
def request_detail(request, pk):
    is_team = access.is_team(request.user)
    queryset = SupportRequest.objects.visible_to(request.user).select_related(
        "commune", "programme", "submitted_by", "decided_by", "action", "order_form"
    )
    if is_team:
        weights = SupportPriorityWeights.load()
        queryset = with_priority(queryset, weights=weights)
    support_request = get_object_or_404(queryset, pk=pk)
    steps = list(support_request.steps.prefetch_related("documents"))
    context = {
        "support_request": support_request,
        "steps": steps,
        "financing": services.financing_summary(support_request.financing_lines.all()),
        "meetings": list(support_request.meetings.order_by("starts_at")),
        "events": list(support_request.events.select_related("by")),
        "is_team": is_team,
        "show_requester_details": access.can_see_support_requester_details(request.user),
        "can_decide": access.can_decide_support_request(request.user),
        "can_follow": access.can_follow_support_request(request.user),
    }
    if is_team:
        if support_request.decided_at is None:
            context["priority"] = explain_priority(support_request, weights).as_dict()
        else:
            context["priority"] = support_request.priority_at_decision
        if support_request.is_followed:
            context["meeting_form"] = MeetingLinkForm(support_request=support_request)
        time_entries = list(
            support_request.time_entries.visible_to(request.user).select_related("consultant").order_by("-date", "-pk")
        )
        context["time_entries"] = time_entries
        context["time_spent"] = sum(entry.half_days for entry in time_entries)
    else:
        context["validated_sheets"] = list(
            Deliverable.objects.visible_to(request.user).for_subject(support_request).order_by("-version")
        )
    return render(request, "missions/support/detail.html", context)


def request_update(request, pk):
    support_request = _fetch(request, pk)
    access.require(access.can_follow_support_request(request.user))
    form = SupportRequestUpdateForm(request.POST or None, instance=support_request)
    if request.method == "POST" and form.is_valid() and services.save_support_request(form=form, by=request.user):
        messages.success(request, "La demande a été modifiée.")
        return redirect(support_request)
    return _form_page(request, support_request, form, f"Modifier la demande {support_request.reference}")


def request_history(request, pk):
    support_request = _fetch(request, pk)
    access.require(access.can_follow_support_request(request.user))
    entries = history_entries(support_request.history.select_related("history_user"))
    entries += history_entries(
        SupportStep.history.filter(request_id=support_request.pk).select_related("history_user")
    )
    entries.sort(key=lambda entry: entry.date, reverse=True)
    return render(request, "missions/support/history.html", {"support_request": support_request, "entries": entries})


def request_pdf(request, pk):
    """The follow-up sheet: its latest validated version (the frozen file), else, for the team, the working draft.
    The commune's élus get the validated version only (404 until there is one)."""
    support_request = _fetch(request, pk)
    if not access.can_follow_support_request(request.user):
        return validated_document_response(request.user, support_request)
    return document_response(request, support_request)


def request_draft_pdf(request, pk):
    """The follow-up sheet's working draft: the current content rendered now, labelled as such."""
    support_request = _fetch(request, pk)
    access.require(access.can_follow_support_request(request.user))
    return working_draft_response(support_request, services.render_support_sheet_pdf(support_request))


# Status changes --------------------------------------------------------------------------------------
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
    support_request = _fetch(request, pk)
    access.require(access.can_follow_support_request(request.user))
    _run(
        request,
        lambda: services.start_review(support_request=support_request, by=request.user),
        "La demande est en instruction.",
    )
    return redirect(support_request)


def request_decide(request, pk):
    support_request = _fetch(request, pk)
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
    return _form_page(
        request, support_request, form, f"Décider de la demande {support_request.reference}", intro=intro
    )


@require_POST
def request_start_follow_up(request, pk):
    support_request = _fetch(request, pk)
    access.require(access.can_follow_support_request(request.user))
    _run(
        request,
        lambda: services.start_follow_up(support_request=support_request, by=request.user),
        "L'accompagnement a commencé.",
    )
    return redirect(support_request)


def request_complete(request, pk):
    support_request = _fetch(request, pk)
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
    return _form_page(request, support_request, form, f"Terminer l'accompagnement {support_request.reference}")


def request_abandon(request, pk):
    support_request = _fetch(request, pk)
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
    return _form_page(request, support_request, form, f"Abandon du projet {support_request.reference}")


# Follow-up -------------------------------------------------------------------------------------------
def _fetch_step(request, pk, step_pk) -> SupportStep:
    support_request = _fetch(request, pk)
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
    return _form_page(request, step.request, form, f"Étape « {step} »")


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
    return _form_page(request, step.request, form, f"Déposer un document — étape « {step} »", enctype=True)


def step_document_download(request, pk, document_pk):
    support_request = _fetch(request, pk)
    document = get_object_or_404(StepDocument.objects.filter(step__request=support_request), pk=document_pk)
    return attachment_response(document.file)


def financing_update(request, pk):
    support_request = _fetch(request, pk)
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
    support_request = _fetch(request, pk)
    access.require(access.can_follow_support_request(request.user))
    if not support_request.was_accepted:
        messages.error(request, "L'évaluation concerne une demande acceptée.")
        return redirect(support_request)
    form = EvaluationForm(request.POST or None, instance=support_request)
    if request.method == "POST" and form.is_valid() and services.save_support_request(form=form, by=request.user):
        messages.success(request, "L'évaluation a été enregistrée.")
        return redirect(f"{support_request.get_absolute_url()}#evaluation")
    return _form_page(request, support_request, form, f"Résultats et évaluation — {support_request.reference}")


@require_POST
def meeting_link(request, pk):
    support_request = _fetch(request, pk)
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
    support_request = _fetch(request, pk)
    access.require(access.can_follow_support_request(request.user))
    meeting = get_object_or_404(support_request.meetings.all(), pk=meeting_pk)
    services.unlink_meeting(meeting=meeting, by=request.user)
    messages.success(request, "La réunion n'est plus rattachée à la demande.")
    return redirect(f"{support_request.get_absolute_url()}#reunions")
