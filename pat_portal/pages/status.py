"""The "Point d'étape" of a commune: one page (and its one-page A4 PDF) for a council meeting or a steering committee.

Where the commune stands (phase), what was done, the plan's actions with their status and lateness, what comes
next and when, and whom to contact. Élus get the same page without the internal notes nor the prices (order forms,
cost estimates). A fixed number of queries whatever the data.
"""

import datetime
from dataclasses import dataclass, field

from django.core.exceptions import ObjectDoesNotExist
from django.db.models import DateField, OuterRef, Subquery
from django.utils import timezone

from ateliers.models import Workshop
from ateliers.selectors import commune_workshops
from core import access, french
from core.lateness import last_day_of_month
from core.models import Deliverable
from missions.mission1.models.accompaniments import Accompaniment
from missions.mission1.models.action_plans import Action
from missions.mission1.models.meetings import Meeting
from missions.money.models.orders import OrderForm, OrderLine
from missions.money.services.budget import BudgetFigures, figures_of_line, lines_with_consumption
from missions.support.models import SupportRequest, SupportStep
from pat_portal.pages.home import next_step

RECENT_MEETINGS = 5
NEXT_MONTHS = 3
# The deliverables whose name is feminine: « Synthèse du diagnostic validée par GBM ».
FEMININE_KINDS = frozenset(
    {Deliverable.Kind.DIAGNOSTIC, Deliverable.Kind.ATTENDANCE_SHEET, Deliverable.Kind.SUPPORT_SHEET}
)


def validated_milestone(deliverable: Deliverable) -> str:
    """The milestone of a validated deliverable, its participle agreeing with the deliverable's name."""
    participle = "validée" if deliverable.kind in FEMININE_KINDS else "validé"
    return f"{deliverable.get_kind_display()} {participle} par GBM"


@dataclass
class NextDate:
    day: datetime.date | datetime.datetime
    what: str

    @property
    def when(self) -> str:
        """ "3 déc. 2026 à 18 h 30" for a meeting, "déc. 2026" for an action's end month, "3 déc. 2026" otherwise."""
        if isinstance(self.day, datetime.datetime):
            return french.short_date_time(self.day)
        return french.short_date(self.day)


@dataclass
class CommuneStatus:
    commune: object
    accompaniment: Accompaniment | None
    phases: list = field(default_factory=list)
    next_step: str = ""
    meetings_held: int = 0
    recent_meetings: list = field(default_factory=list)
    milestones: list = field(default_factory=list)  # (date, text): what was done
    actions: list = field(default_factory=list)
    late_actions: int = 0
    workshops_attended: list = field(default_factory=list)
    requests: list = field(default_factory=list)
    next_dates: list[NextDate] = field(default_factory=list)
    contacts: list = field(default_factory=list)  # (role, name, organisation, email, phone)
    show_internal: bool = False
    show_prices: bool = False
    notes: str = ""
    budget: BudgetFigures | None = None
    generated_at: datetime.datetime | None = None


def _accompaniment(commune, user):
    return (
        Accompaniment.objects.visible_to(user)
        .filter(commune=commune)
        .select_related(
            "programme", "lead_consultant", "gbm_referent", "elected_referent", "diagnostic", "action_plan"
        )
        .order_by("-programme__start_date")
        .first()
    )


def _visible(accompaniment, name, user):
    try:
        subject = getattr(accompaniment, name)
    except ObjectDoesNotExist:
        return None
    return subject if user.is_team or subject.is_visible_to_elus else None


def commune_status(commune, user, *, now: datetime.datetime | None = None) -> CommuneStatus:
    """Everything the Point d'étape shows for `commune`, as `user` may see it (about eight queries)."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    status = CommuneStatus(commune=commune, accompaniment=_accompaniment(commune, user), generated_at=now)
    status.show_internal = access.can_see_internal_notes(user)
    status.show_prices = access.can_read_order_forms(user)
    accompaniment = status.accompaniment
    status.phases = Accompaniment.Phase.choices

    meetings = list(
        Meeting.objects.visible_to(user)
        .filter(commune=commune)
        .only("pk", "starts_at", "kind", "title", "place", "commune_id")
        .order_by("starts_at")
    )
    held = [meeting for meeting in meetings if meeting.starts_at <= now]
    status.meetings_held = len(held)
    status.recent_meetings = list(reversed(held[-RECENT_MEETINGS:]))
    for meeting in meetings:
        if meeting.starts_at > now:
            status.next_dates.append(NextDate(meeting.starts_at, f"{meeting.get_kind_display()} — {meeting.place}"))

    deliverables = list(
        Deliverable.objects.visible_to(user).validated().filter(commune=commune).order_by("reviewed_at")
    )
    for deliverable in deliverables:
        status.milestones.append((deliverable.reviewed_at, validated_milestone(deliverable)))

    if accompaniment is not None:
        status.next_step = next_step(accompaniment)
        status.milestones.insert(0, (accompaniment.started_on, "Entrée dans le programme"))
        plan = _visible(accompaniment, "action_plan", user)
        if plan is not None and plan.council_decision_date:
            status.milestones.append((plan.council_decision_date, "Plan d'actions approuvé par le conseil municipal"))
        if plan is not None:
            status.actions = list(Action.objects.visible_to(user).filter(plan=plan).order_by("position", "pk"))
            for action in status.actions:
                action.plan = plan  # read with its accompaniment and programme: one copy, not one per action
            status.late_actions = sum(1 for action in status.actions if action.lateness_on(today))
            horizon = today + datetime.timedelta(days=31 * NEXT_MONTHS)
            for action in status.actions:
                open_action = action.end_month and action.status not in Action.CLOSED_STATUSES
                if open_action and today <= last_day_of_month(action.end_month) and action.end_month <= horizon:
                    status.next_dates.append(NextDate(action.end_month, f"Fin prévue de l'action « {action} »"))
        if status.show_internal:
            status.notes = accompaniment.notes
        contacts = [
            ("Consultant·e référent·e", accompaniment.lead_consultant),
            ("Référent·e GBM", accompaniment.gbm_referent),
        ]
        status.contacts = [
            (role, str(person), person.organisation, person.email, person.phone) for role, person in contacts if person
        ]
        if accompaniment.elected_referent:
            status.contacts.append(("Élu·e référent·e", accompaniment.elected_referent.full_name, "", "", ""))

    next_step_end = SupportStep.objects.filter(request=OuterRef("pk"), planned_end__gte=today).exclude(
        status__in=SupportStep.CLOSED_STATUSES
    )
    status.requests = list(
        SupportRequest.objects.visible_to(user)
        .filter(commune=commune)
        .annotate_step_lateness(today)
        .annotate(
            next_step_end=Subquery(
                next_step_end.order_by("planned_end").values("planned_end")[:1], output_field=DateField()
            ),
            next_step_kind=Subquery(next_step_end.order_by("planned_end").values("kind")[:1]),
        )
        .order_by("-received_on")
    )
    for request in status.requests:
        if request.next_step_end:
            label = SupportStep.Kind(request.next_step_kind).label
            status.next_dates.append(NextDate(request.next_step_end, f"{label} — demande « {request.title} »"))

    status.workshops_attended = [
        workshop for workshop in commune_workshops(commune) if workshop.starts_at <= now and workshop.commune_present
    ]
    for workshop in (
        Workshop.objects.visible_to(user)
        .filter(status=Workshop.Status.PLANNED, starts_at__gt=now)
        .order_by("starts_at")[:2]
    ):
        status.next_dates.append(
            NextDate(workshop.starts_at, f"Atelier de partage « {workshop.title} » — {workshop.place}")
        )
    if status.show_prices:
        status.budget = _commune_budget(commune, user)
    status.next_dates.sort(key=lambda item: _as_date(item.day))
    status.milestones.sort(key=lambda milestone: _as_date(milestone[0]))
    return status


def _as_date(value) -> datetime.date:
    return timezone.localdate(value) if isinstance(value, datetime.datetime) else value


def _commune_budget(commune, user) -> BudgetFigures:
    """Ordered and consumed on the commune's order forms (one query)."""
    rows = (
        lines_with_consumption(
            OrderLine.objects.filter(
                order_form__in=OrderForm.objects.visible_to(user).ordered().filter(commune=commune)
            )
        )
        .order_by()
        .values_list("order_form__status", "unit", "quantity", "unit_price", "consumed_half_days")
    )
    total = BudgetFigures()
    for order_status, unit, quantity, unit_price, consumed in rows:
        total = total + figures_of_line(
            unit=unit,
            quantity=quantity,
            unit_price=unit_price,
            consumed_half_days=consumed,
            executed=order_status in OrderForm.EXECUTED_STATUSES,
        )
    return total
