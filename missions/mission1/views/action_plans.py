from django.contrib import messages
from django.db.models import Prefetch, prefetch_related_objects
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST
from django_filters.views import FilterView

from core import access
from core.deliverables import WorkflowError, document_response, refuse_locked_edit, working_draft_response
from core.french import french_date, french_order, long_month_year
from core.history import history_entries
from core.links import url_by_id
from core.models import Deliverable
from core.querysets import get_visible_or_404
from core.submissions import once_per_submission
from core.uploads import attachment_response
from missions.mission1.filters.actions import ActionFilter
from missions.mission1.forms.action_plans import (
    ActionForm,
    ActionPlanForm,
    ApprovalForm,
    FundingSourceFormSet,
    IndicatorForm,
    IndicatorValueFormSet,
    ProgressNoteForm,
)
from missions.mission1.models.action_plans import (
    Action,
    ActionPlan,
    FundingSource,
    Indicator,
    IndicatorValue,
    ProgressNote,
)
from missions.mission1.models.diagnostics import ActionLead
from missions.mission1.services import action_plans as services
from missions.mission1.views.diagnostics import _accompaniment, document_on_its_way


def _plan(request, insee_code) -> ActionPlan:
    accompaniment = _accompaniment(request, insee_code)
    return get_visible_or_404(
        ActionPlan.objects.select_related("accompaniment__commune", "accompaniment__programme", "approved_by"),
        request.user,
        accompaniment=accompaniment,
    )


def _action(request, pk) -> Action:
    return get_visible_or_404(
        Action.objects.select_related("plan__accompaniment__commune", "plan__accompaniment__programme"),
        request.user,
        pk=pk,
    )


MOVES = ("monter", "descendre")  # the directions of the actions' ordering buttons (action_move)


def action_plan_detail(request, insee_code):
    """The plan page: its header, deliverable panel, approval, share links, presentation, totals and actions (their
    ordering buttons post the page's one "ordre-des-actions" form) and the diagnostic's leads to add. The plan comes
    with its actions and the diagnostic, which the submission checklist reads."""
    accompaniment = _accompaniment(request, insee_code)
    plan = (
        ActionPlan.objects.visible_to(request.user)
        # The diagnostic: its status is one of the submission checklist's items.
        .select_related("approved_by", "accompaniment__programme", "accompaniment__diagnostic")
        .filter(accompaniment=accompaniment)
        .first()
    )
    if plan is None and not request.user.is_team:
        exists = ActionPlan.objects.filter(accompaniment=accompaniment).exists()
        reason = "il est rédigé une fois le diagnostic validé, à partir de ses pistes d'actions."
        return document_on_its_way(request, accompaniment, label="plan d'actions", exists=exists, not_started=reason)
    actions = []
    if plan is not None:
        # What the page shows of each action (its lead, its funding; not its indicators, which the PDF lists).
        page_actions = Prefetch(
            "actions", queryset=Action.objects.select_related("lead_contact").prefetch_related("funding_sources")
        )
        prefetch_related_objects([plan], page_actions)
        actions = list(plan.actions.all())
        detail_url = url_by_id("missions:action_detail")
        move_url = {direction: url_by_id("missions:action_move", after=[direction]) for direction in MOVES}
        for action in actions:  # each action's links, written from one reversed URL each
            action.url = detail_url(action.pk)
            action.up_url, action.down_url = (move_url[direction](action.pk) for direction in MOVES)
    can_edit = access.can_edit_deliverable_content(request.user, plan)
    # The diagnostic's leads not yet turned into actions, offered to the team in one click.
    leads = (
        list(
            ActionLead.objects.filter(diagnostic__accompaniment=accompaniment).exclude(
                actions__plan__accompaniment=accompaniment
            )
        )
        if can_edit
        else []
    )
    context = {
        "accompaniment": accompaniment,
        "commune": accompaniment.commune,
        "plan": plan,
        "actions": actions,
        "totals": services.plan_totals(actions),
        "leads": leads,
        "can_edit": can_edit,
        "can_approve": plan is not None and access.can_approve_action_plan(request.user, plan),
    }
    return render(request, "missions/action_plan_detail.html", context)


def action_plan_update(request, insee_code):
    accompaniment = _accompaniment(request, insee_code)
    access.require(access.can_write_field_work(request.user))
    plan = ActionPlan.objects.filter(accompaniment=accompaniment).first() or ActionPlan(accompaniment=accompaniment)
    if plan.awaits_validation:
        return refuse_locked_edit(request, plan)
    form = ActionPlanForm(request.POST or None, instance=plan)
    if request.method == "POST" and form.is_valid():
        plan.mark_edited()
        if form.save_versioned():
            messages.success(request, "Plan d'actions enregistré.")
            return redirect("missions:action_plan", insee_code=insee_code)
    return render(request, "missions/action_plan_form.html", {"form": form, "commune": accompaniment.commune})


def action_plan_calendar(request, insee_code):
    plan = _plan(request, insee_code)
    actions = list(plan.actions.all())
    context = {"plan": plan, "commune": plan.accompaniment.commune, "calendar": services.calendar(actions)}
    return render(request, "missions/action_plan_calendar.html", context)


def action_plan_pdf(request, insee_code):
    """The plan: its latest validated version (the frozen file), else the working draft."""
    return document_response(request, _plan(request, insee_code))


def action_plan_draft_pdf(request, insee_code):
    """The working draft: the current content rendered now, labelled as such."""
    plan = _plan(request, insee_code)
    return working_draft_response(plan, services.render_action_plan_pdf(plan))


def action_plan_history(request, insee_code):
    plan = _plan(request, insee_code)
    access.require(access.is_team(request.user))
    action_ids = Action.history.filter(plan_id=plan.pk).values("id")  # a subquery, not a query of its own
    entries = history_entries(
        plan.history.all(),
        Action.history.filter(plan_id=plan.pk),
        FundingSource.history.filter(action_id__in=action_ids),
        Indicator.history.filter(action_id__in=action_ids),
        IndicatorValue.history.filter(indicator__action_id__in=action_ids),
        ProgressNote.history.filter(action_id__in=action_ids),
        labels={ActionPlan: str(plan)},
    )
    context = {"title": str(plan), "entries": entries, "back_url": plan.get_absolute_url()}
    return render(request, "missions/history.html", context)


def action_plan_approve(request, insee_code):
    """The commune's approval cannot be taken back: GET says what it commits to, POST records it."""
    plan = _plan(request, insee_code)
    access.require(access.can_approve_action_plan(request.user, plan))
    form = ApprovalForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            plan.approve(
                by=request.user,
                council_decision_date=form.cleaned_data["council_decision_date"],
                council_decision_file=form.cleaned_data.get("council_decision_file"),
            )
        except WorkflowError as error:
            form.add_error(None, str(error))  # back on the page, with the date typed
        else:
            messages.success(request, "Le plan d'actions est approuvé par la commune. GBM va pouvoir le valider.")
            return redirect(plan)
    pending = Deliverable.objects.for_subject(plan).awaiting_validation().order_by("-version").first()
    context = {"plan": plan, "commune": plan.accompaniment.commune, "form": form, "pending": pending}
    return render(request, "missions/action_plan_approve.html", context)


def action_plan_deliberation(request, insee_code):
    """The council's délibération attached to the approval: whoever sees the plan downloads it (404 when none)."""
    plan = _plan(request, insee_code)
    return attachment_response(plan.council_decision_file)


@once_per_submission
def action_create(request, insee_code):
    accompaniment = _accompaniment(request, insee_code)
    access.require(access.can_write_field_work(request.user))
    existing_plan = ActionPlan.objects.filter(accompaniment=accompaniment).first()
    if existing_plan is not None and existing_plan.awaits_validation:
        return refuse_locked_edit(request, existing_plan)
    action = Action()
    form = ActionForm(request.POST or None, instance=action, commune=accompaniment.commune)
    funding = FundingSourceFormSet(request.POST or None, instance=action, prefix="financements")
    valid = request.method == "POST" and form.is_valid() & funding.is_valid()
    if valid and services.save_action(
        form=form, funding_formset=funding, plan=services.plan_for(accompaniment), by=request.user
    ):
        _warn_if_overfunded(request, form.instance)
        _warn_if_beyond_programme(request, form.instance)
        messages.success(request, f"Action « {form.instance} » ajoutée au plan.")
        return redirect("missions:action_detail", pk=form.instance.pk)
    context = {"form": form, "funding": funding, "commune": accompaniment.commune, "title": "Nouvelle action"}
    return render(request, "missions/action_form.html", context)


def action_update(request, pk):
    action = _action(request, pk)
    access.require(access.can_write_field_work(request.user))
    if action.plan.awaits_validation:
        return refuse_locked_edit(request, action.plan)
    form = ActionForm(request.POST or None, instance=action)
    funding = FundingSourceFormSet(request.POST or None, instance=action, prefix="financements")
    valid = request.method == "POST" and form.is_valid() & funding.is_valid()
    if valid and services.save_action(form=form, funding_formset=funding, plan=action.plan, by=request.user):
        _warn_if_overfunded(request, action)
        _warn_if_beyond_programme(request, action)
        messages.success(request, "Action enregistrée.")
        return redirect("missions:action_detail", pk=action.pk)
    context = {
        "form": form,
        "funding": funding,
        "commune": action.plan.accompaniment.commune,
        "title": f"Modifier : {action}",
        "action": action,
    }
    return render(request, "missions/action_form.html", context)


def _warn_if_overfunded(request, action):
    funding = sum((source.amount for source in action.funding_sources.all()), start=0)
    if funding > action.cost_estimate:
        messages.warning(
            request,
            f"Attention : les financements de « {action} » dépassent son coût estimé. Vérifiez les montants.",
        )


def _warn_if_beyond_programme(request, action):
    """Planned after the contract's end: saved all the same (the plan may look further), but said at once."""
    if action.beyond_programme:
        programme = action.plan.accompaniment.programme
        messages.warning(
            request,
            f"Attention : « {action} » se termine en {long_month_year(action.end_month)}, après la fin du marché "
            f"({french_date(programme.end_date)}). L'action est enregistrée ; vérifiez son calendrier.",
        )


def _render_action(request, action, note_form):
    context = {
        "action": action,
        "plan": action.plan,
        "commune": action.plan.accompaniment.commune,
        "funding_sources": action.funding_sources.all(),
        "indicators": action.indicators.prefetch_related("values"),
        "notes": action.progress_notes.select_related("author"),
        "note_form": note_form,
        "can_edit": access.can_edit_deliverable_content(request.user, action.plan),
        "can_add_note": access.can_write_field_work(request.user),
    }
    return render(request, "missions/action_detail.html", context)


def action_detail(request, pk):
    return _render_action(request, _action(request, pk), ProgressNoteForm())


@once_per_submission
@require_POST
def action_from_lead(request, insee_code, lead_pk):
    accompaniment = _accompaniment(request, insee_code)
    access.require(access.can_write_field_work(request.user))
    lead = get_object_or_404(ActionLead, pk=lead_pk, diagnostic__accompaniment=accompaniment)
    plan = services.plan_for(accompaniment)
    if plan.awaits_validation:
        return refuse_locked_edit(request, plan)
    action = services.create_action_from_lead(plan=plan, lead=lead, by=request.user)
    messages.success(request, f"La piste « {lead} » est devenue une action du plan.")
    return redirect("missions:action_detail", pk=action.pk)


@require_POST
def action_move(request, pk, direction):
    offsets = {"monter": -1, "descendre": 1}
    if direction not in offsets:
        raise Http404
    action = _action(request, pk)
    access.require(access.can_write_field_work(request.user))
    if action.plan.awaits_validation:
        return refuse_locked_edit(request, action.plan)
    services.move_action(action=action, offset=offsets[direction])
    return redirect(action.plan)


@once_per_submission
@require_POST
def action_add_note(request, pk):
    action = _action(request, pk)
    access.require(access.can_write_field_work(request.user))
    form = ProgressNoteForm(request.POST)
    if form.is_valid():
        services.add_progress_note(form=form, action=action, by=request.user)
        messages.success(request, "Point d'avancement ajouté.")
        return redirect("missions:action_detail", pk=action.pk)
    return _render_action(request, action, form)


@once_per_submission
def indicator_edit(request, action_pk, pk=None):
    action = _action(request, action_pk)
    access.require(access.can_write_field_work(request.user))
    if action.plan.awaits_validation:
        return refuse_locked_edit(request, action.plan)
    indicator = get_object_or_404(Indicator, pk=pk, action=action) if pk else Indicator(action=action)
    form = IndicatorForm(request.POST or None, instance=indicator)
    values = IndicatorValueFormSet(request.POST or None, instance=indicator, prefix="valeurs")
    valid = request.method == "POST" and form.is_valid() & values.is_valid()
    if valid and services.save_indicator(form=form, values_formset=values, action=action):
        messages.success(request, "Indicateur enregistré.")
        return redirect("missions:action_detail", pk=action.pk)
    context = {"form": form, "values": values, "action": action, "commune": action.plan.accompaniment.commune}
    return render(request, "missions/indicator_form.html", context)


class ActionListView(FilterView):
    """Every action of every plan the user may see: the list behind the dashboard's figures."""

    filterset_class = ActionFilter
    template_name = "missions/action_list.html"
    paginate_by = 50
    context_object_name = "actions"

    def get_queryset(self):
        return (
            Action.objects.visible_to(self.request.user)
            .select_related("plan__accompaniment__commune", "plan__accompaniment__programme", "lead_contact")
            .order_by(french_order("plan__accompaniment__commune__name"), "position", "pk")
        )
