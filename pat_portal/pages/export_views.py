"""Exports for GBM officers and consultants: CSV (French Excel) and XLSX, streamed, respecting list filters.

Each export declares its columns once and goes through the kernel's `export_response` with its list's filter set;
what a role may not see is a column it does not get (internal notes, contacts' e-mail and phone) or a row it does
not get (contacts who did not consent).
"""

import itertools

from django.utils import timezone
from django.views.decorators.http import require_safe

from communes.filters import ContactFilter
from communes.models import Commune, Contact
from core import access
from core.exports import CHUNK_SIZE, Month, attached, choice_label, decimal_text, export_response
from core.french import french_order
from missions.mission1.filters.actions import ActionFilter
from missions.mission1.filters.meetings import MeetingFilter
from missions.mission1.models.action_plans import Action, ActionPlan, FundingSource, Indicator, IndicatorValue
from missions.mission1.views.meetings import MeetingListView
from missions.support.filters import ALL, SupportRequestFilter
from missions.support.models import SupportRequest
from pat_portal.pages.filters import TerritoryFilter
from pat_portal.pages.overview import COHORTS, PHASES, communes_overview, workflow_label

COMMUNE_COLUMNS = {
    "Code INSEE": lambda c: c.insee_code,
    "Commune": lambda c: c.name,
    "Population": lambda c: c.population,
    "Cohorte": lambda c: COHORTS.get(c.overview_cohort, ""),
    "Phase": lambda c: PHASES.get(c.overview_phase, ""),
    "Diagnostic": lambda c: workflow_label(c.overview_diagnostic) if c.overview_diagnostic else "",
    "Plan d'actions": lambda c: workflow_label(c.overview_plan) if c.overview_plan else "",
    "Actions": lambda c: c.overview_actions,
    "Actions avec accompagnement spécifique": lambda c: c.overview_specific_actions,
    "Demandes d'accompagnement": lambda c: c.overview_requests,
    "Participations aux ateliers": lambda c: c.overview_attendances,
}


@require_safe
def communes(request, fmt):
    access.require(access.is_team(request.user))
    return export_response(
        request,
        fmt,
        rows=communes_overview(Commune.objects.visible_to(request.user).order_by_name()),
        columns=COMMUNE_COLUMNS,
        filename="communes",
        title="Communes",
        filterset_class=TerritoryFilter,
    )


def _indicators_text(indicators: list, values: dict) -> str:
    """'Repas bio (%) [2026 : cible 30,00 / réalisé —, 2027 : …] ; …': an action's indicators, each with its values
    by year; `indicators` are (pk, name, unit) rows, `values` the (year, target, actual) rows of each indicator."""
    parts = []
    for pk, name, unit in indicators:
        text = ", ".join(
            f"{year} : cible {decimal_text(target) if target is not None else '—'}"
            f" / réalisé {decimal_text(actual) if actual is not None else '—'}"
            for year, target, actual in values.get(pk, ())
        )
        parts.append(f"{name}{f' ({unit})' if unit else ''} [{text}]")
    return " ; ".join(parts)


_plan_status, _theme, _status = (
    choice_label(ActionPlan, "workflow_status"),
    choice_label(Action, "theme"),
    choice_label(Action, "status"),
)
ACTION_COLUMNS = {
    "Commune": lambda a: a.plan.accompaniment.commune.name,
    "Code INSEE": lambda a: a.plan.accompaniment.commune.insee_code,
    "Statut du plan": lambda a: _plan_status(a.plan.workflow_status),
    "Action": lambda a: a.title,
    "Thème": lambda a: _theme(a.theme),
    "Porteur": lambda a: a.lead_display,
    "Partenaires": lambda a: a.partners,
    "Coût estimé (€)": lambda a: a.cost_estimate,
    "Financements (€)": lambda a: a.export_funding,
    "Début": lambda a: Month.of(a.start_month),
    "Fin": lambda a: Month.of(a.end_month),
    "Statut": lambda a: _status(a.status),
    "Jours de retard": lambda a: a.lateness.days if a.lateness else "",
    "Avancement (%)": lambda a: a.progress,
    "Accompagnement spécifique": lambda a: a.specific_support,
    "Indicateurs": lambda a: a.export_indicators,
}


@require_safe
def actions(request, fmt):
    access.require(access.is_team(request.user))
    queryset = Action.objects.visible_to(request.user).order_by(
        french_order("plan__accompaniment__commune__name"), "position", "pk"
    )
    return export_response(
        request,
        fmt,
        rows=queryset,
        columns=ACTION_COLUMNS,
        filename="actions",
        title="Actions",
        filterset_class=ActionFilter,
        prepare=_action_export_rows,
    )


def _action_export_rows(actions):
    """The actions with only the fields `ACTION_COLUMNS` reads, their plan (accompaniment, commune) and lead contact
    read once each (`attached`), and, per chunk of actions, their funding total (`export_funding`, 0 without
    funding) and indicators text (`export_indicators`) from plain rows: one query each per chunk, as a prefetch
    makes, without a model instance nor a queryset per action and indicator.
    """
    actions = actions.only(
        "plan",
        "title",
        "theme",
        "lead_contact",
        "lead_organisation",
        "partners",
        "cost_estimate",
        "start_month",
        "end_month",
        "status",
        "progress",
        "specific_support",
    )
    rows = attached(actions, "plan__accompaniment__commune", "lead_contact")
    while chunk := list(itertools.islice(rows, CHUNK_SIZE)):
        keys = [action.pk for action in chunk]
        funding = {}
        for action_id, amount in (
            FundingSource.objects.filter(action__in=keys).order_by("pk").values_list("action", "amount")
        ):
            funding[action_id] = funding.get(action_id, 0) + amount
        indicators = {}
        for pk, action_id, name, unit in (
            Indicator.objects.filter(action__in=keys).order_by("pk").values_list("pk", "action", "name", "unit")
        ):
            indicators.setdefault(action_id, []).append((pk, name, unit))
        values = {}
        for indicator_id, year, target, actual in (
            IndicatorValue.objects.filter(indicator__action__in=keys)
            .order_by("year")
            .values_list("indicator", "year", "target", "actual")
            if indicators  # no indicator, no values to read (as a prefetch skips them)
            else ()
        ):
            values.setdefault(indicator_id, []).append((year, target, actual))
        for action in chunk:
            action.export_funding = funding.get(action.pk, 0)
            action.export_indicators = _indicators_text(indicators.get(action.pk, ()), values)
        yield from chunk


MEETING_COLUMNS = {
    "Date": lambda m: m.starts_at,
    "Type": lambda m: m.get_kind_display(),
    "Objet": lambda m: m.title,
    "Commune": lambda m: m.commune.name if m.commune else "",
    "Lieu": lambda m: m.place,
    "Participants nommés présents": lambda m: m.present_count,
    "Autres participants": lambda m: m.headcount_total,
    "Ordre du jour": lambda m: m.agenda,
    "Compte rendu": lambda m: m.minutes,
    "Décisions": lambda m: m.decisions,
    "Prochaines étapes": lambda m: m.next_steps,
    "Temps passé (demi-journées)": lambda m: m.time_spent_half_days,
    "Saisie par": lambda m: str(m.created_by or ""),
}


@require_safe
def meetings(request, fmt):
    """Meetings; internal notes only when a GBM officer asks for them (`?notes_internes=1`)."""
    access.require(access.is_team(request.user))

    view = MeetingListView()
    view.request = request
    columns = dict(MEETING_COLUMNS)
    if request.GET.get("notes_internes") == "1" and access.is_gbm(request.user):
        columns["Notes internes"] = lambda m: m.internal_notes
    return export_response(
        request,
        fmt,
        rows=view.get_queryset().defer(None),  # every column, where the list's rows read only what they show
        columns=columns,
        filename="reunions",
        title="Réunions",
        filterset_class=MeetingFilter,
        filterset_kwargs={"user": request.user},
    )


@require_safe
def contacts(request, fmt):
    """Contacts: name, organisation and commune of those who consented to share them; e-mail and phone for GBM."""
    access.require(access.can_manage_contacts(request.user))
    queryset = Contact.objects.visible_to(request.user).select_related("commune").order_by_name()
    columns = {
        "Nom": lambda c: c.last_name,
        "Prénom": lambda c: c.first_name,
        "Organisme": lambda c: c.organisation,
        "Commune": lambda c: c.commune.name if c.commune else "",
        "Catégorie": lambda c: c.get_category_display(),
    }
    if access.is_gbm(request.user):
        columns |= {
            "E-mail": lambda c: c.email,
            "Téléphone": lambda c: c.phone,
            "Accepte le partage": lambda c: c.consent_to_share,
        }
    else:
        queryset = queryset.filter(consent_to_share=True, anonymised_at__isnull=True)
    return export_response(
        request,
        fmt,
        rows=queryset,
        columns=columns,
        filename="contacts",
        title="Contacts",
        filterset_class=ContactFilter,
    )


REQUEST_COLUMNS = {
    "Référence": lambda r: r.reference,
    "Reçue le": lambda r: r.received_on,
    "Origine": lambda r: r.get_door_display(),
    "Commune": lambda r: r.commune.name if r.commune else "",
    "Structure porteuse": lambda r: r.organisation,
    "Projet": lambda r: r.title,
    "Type de projet": lambda r: r.get_kind_display(),
    "Statut": lambda r: r.get_status_display(),
    "Projet déjà engagé": lambda r: r.already_under_way,
    "Description": lambda r: r.description,
    "Motif de la décision": lambda r: r.decision_reason,
    "Demi-journées accordées": lambda r: r.allotted_half_days,
    "Jours de retard (étape la plus en retard)": lambda r: r.step_lateness.days if r.step_lateness else "",
}


@require_safe
def support_requests(request, fmt):
    access.require(access.is_team(request.user))
    queryset = (
        SupportRequest.objects.visible_to(request.user)
        .select_related("commune")
        .annotate_step_lateness(timezone.localdate())
        .order_by("-received_on", "-pk")
    )
    return export_response(
        request,
        fmt,
        rows=queryset,
        columns=REQUEST_COLUMNS,
        filename="demandes",
        title="Demandes d'accompagnement",
        filterset_class=SupportRequestFilter,
        # Asked without a status, the export gives every request; the queue alone starts at « À traiter ».
        unfiltered={"status": ALL},
    )
