"""Action plans: editing actions, building them from the diagnostic's leads, totals, calendar and PDF."""

import datetime
from collections import OrderedDict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from core.deliverables import lock_for_edit, row_content
from core.french import short_month_year
from core.models import User
from core.pdf import render_pdf
from missions.mission1.models.accompaniments import Accompaniment
from missions.mission1.models.action_plans import Action, ActionPlan, ProgressNote
from missions.mission1.models.diagnostics import ActionLead


def plan_for(accompaniment: Accompaniment) -> ActionPlan:
    """The accompaniment's plan, created the first time someone writes in it."""
    plan, _ = ActionPlan.objects.get_or_create(accompaniment=accompaniment)
    return plan


def _touch_plan(plan: ActionPlan) -> None:
    """Any change to an action is a change to the plan: a validated plan starts its next version."""
    before = (plan.workflow_status, plan.approved_at)
    plan.mark_edited()
    if (plan.workflow_status, plan.approved_at) != before:
        plan.save(update_fields=["workflow_status", *ActionPlan.APPROVAL_FIELDS])


def _next_position(plan: ActionPlan) -> int:
    return (plan.actions.aggregate(last=Max("position"))["last"] or 0) + 1


@transaction.atomic
def save_action(*, form, funding_formset, plan: ActionPlan, by: User) -> bool:
    """Save an action and its funding sources; refused (False) when someone saved it in between, and refused
    (ContentLocked) while a submitted version of the plan awaits validation."""
    lock_for_edit(plan)
    action = form.instance
    action.plan = plan
    if action.pk is None:
        action.position = _next_position(plan)

    def save_funding(saved_action):
        funding_formset.instance = saved_action
        funding_formset.save()
        _touch_plan(plan)

    return form.save_versioned(commit_extra=save_funding)


@transaction.atomic
def create_action_from_lead(*, plan: ActionPlan, lead: ActionLead, by: User) -> Action:
    """One click: the diagnostic's action lead becomes a proposed action of the plan (not while it is submitted)."""
    lock_for_edit(plan)
    description = lead.description
    people = ", ".join(person.full_name for person in lead.resource_people.all())
    if people:
        description = f"{description}\n\nPersonnes ressources : {people}".strip()
    action = Action.objects.create(
        plan=plan,
        title=lead.title,
        theme=lead.theme,
        description=description,
        lead_organisation=lead.potential_leads[:200],
        status=Action.Status.PROPOSED,
        source_lead=lead,
        position=_next_position(plan),
    )
    _touch_plan(plan)
    return action


@transaction.atomic
def move_action(*, action: Action, offset: int) -> None:
    """Swap the action with its neighbour above (offset -1) or below (+1); the order is part of the plan."""
    lock_for_edit(action.plan)
    actions = list(action.plan.actions.select_for_update().order_by("position", "pk"))
    index = next(i for i, item in enumerate(actions) if item.pk == action.pk)
    target = index + offset
    if not 0 <= target < len(actions):
        return
    actions[index], actions[target] = actions[target], actions[index]
    for position, item in enumerate(actions):
        if item.position != position:
            Action.objects.filter(pk=item.pk).update(position=position)


@transaction.atomic
def add_progress_note(*, form, action: Action, by: User) -> ProgressNote:
    note = form.save(commit=False)
    note.action = action
    note.author = by
    note.save()
    return note


@transaction.atomic
def save_indicator(*, form, values_formset, action: Action) -> bool:
    """Save an indicator and its yearly targets and results; refused (False) when someone saved it in between, and
    refused (ContentLocked) while a submitted version of the plan awaits validation."""
    lock_for_edit(action.plan)
    form.instance.action = action

    def save_values(indicator):
        values_formset.instance = indicator
        values_formset.save()
        _touch_plan(action.plan)

    return form.save_versioned(commit_extra=save_values)


@dataclass
class PlanTotals:
    cost: Decimal = Decimal("0.00")
    funding: Decimal = Decimal("0.00")
    by_funder: dict = field(default_factory=dict)
    overfunded_actions: list = field(default_factory=list)

    @property
    def balance(self) -> Decimal:
        return self.cost - self.funding


def plan_totals(actions) -> PlanTotals:
    """Exact totals (Decimal, cents) from actions whose funding sources are prefetched."""
    totals = PlanTotals()
    by_funder = {}
    for action in actions:
        totals.cost += action.cost_estimate
        action_funding = Decimal("0.00")
        for source in action.funding_sources.all():
            action_funding += source.amount
            by_funder[source.funder] = by_funder.get(source.funder, Decimal("0.00")) + source.amount
        action.funding_total = action_funding
        totals.funding += action_funding
        if action_funding > action.cost_estimate:
            totals.overfunded_actions.append(action)
    totals.by_funder = OrderedDict(sorted(by_funder.items(), key=lambda item: (-item[1], item[0])))
    return totals


MAX_CALENDAR_MONTHS = 60


def _add_months(month: datetime.date, count: int) -> datetime.date:
    index = month.year * 12 + month.month - 1 + count
    return datetime.date(index // 12, index % 12 + 1, 1)


def calendar(actions) -> dict:
    """A month-by-month grid (Gantt-like) of the dated actions; at most five years wide."""
    dated = [action for action in actions if action.start_month]
    if not dated:
        return {"months": [], "rows": [], "undated": list(actions)}
    first = min(action.start_month for action in dated)
    last = max(action.end_month or action.start_month for action in dated)
    count = min((last.year - first.year) * 12 + last.month - first.month + 1, MAX_CALENDAR_MONTHS)
    months = [_add_months(first, offset) for offset in range(count)]
    rows = []
    for action in dated:
        end = action.end_month or action.start_month
        cells = [action.start_month <= month <= end for month in months]
        first = cells.index(True) if True in cells else 0
        # The PDF draws one bar per action (`offset` and `span` in % of the months' width), not a cell per month.
        rows.append(
            {"action": action, "cells": cells, "offset": 100 * first / count, "span": 100 * sum(cells) / count}
        )
    return {
        "months": [{"date": month, "label": short_month_year(month)} for month in months],
        "rows": rows,
        "undated": [action for action in actions if not action.start_month],
    }


def plan_actions(plan: ActionPlan):
    """Every action of the plan with what its pages and PDF show, in a fixed number of queries."""
    return list(plan.actions.select_related("lead_contact").prefetch_related("funding_sources", "indicators__values"))


def render_action_plan_pdf(plan: ActionPlan, *, deliverable=None) -> bytes:
    """The "Plan d'actions du projet alimentaire communal"; archival PDF/A when a version is frozen."""
    plan = ActionPlan.objects.select_related("accompaniment__commune", "accompaniment__programme", "approved_by").get(
        pk=plan.pk
    )
    actions = plan_actions(plan)
    context = {
        "plan": plan,
        "commune": plan.accompaniment.commune,
        "programme": plan.accompaniment.programme,
        "actions": actions,
        "totals": plan_totals(actions),
        "calendar": calendar(actions),
        "deliverable": deliverable,
        "generated_at": timezone.now(),
    }
    return render_pdf("missions/pdf/action_plan.html", context, archival=deliverable is not None)


def action_plan_content(plan: ActionPlan) -> dict:
    """What the plan's deliverable says (presentation, actions, funding, indicators), hashed when a version is
    submitted; the approval and the progress notes (a follow-up log, not in the PDF) are not part of it."""
    actions = (
        Action.objects.filter(plan_id=plan.pk).prefetch_related("funding_sources", "indicators__values").order_by("pk")
    )
    return {
        "plan": row_content(plan, exclude=ActionPlan.APPROVAL_FIELDS),
        "actions": [
            {
                **row_content(action),
                "funding": [row_content(source) for source in action.funding_sources.all()],
                "indicators": [
                    {**row_content(indicator), "values": [row_content(value) for value in indicator.values.all()]}
                    for indicator in action.indicators.all()
                ],
            }
            for action in actions
        ],
    }


def action_plans_naming(contact) -> list[int]:
    """The plans whose PDF names this person: as the lead (porteur) of one of their actions."""
    return list(ActionPlan.objects.filter(actions__lead_contact=contact).values_list("pk", flat=True).distinct())
