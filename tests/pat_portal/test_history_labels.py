"""History pages show what a reader understands (issue 18 item 8): people by name, dates and amounts in French, choices
by their label — never "Approuvé par 1", "2026-11-27 11:46:44.402900+00:00" or "2500.00"."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from core.history import history_entries
from missions.mission1.models.action_plans import Action, ActionPlan, FundingSource
from tests.factories import UserFactory
from tests.factories_mission1 import ActionFactory, ActionPlanFactory, FundingSourceFactory

pytestmark = pytest.mark.django_db

APPROVED_AT = datetime.datetime(2026, 11, 27, 10, 46, 44, 402900, tzinfo=datetime.UTC)  # 11:46 in Paris


@pytest.fixture
def plan(commune):
    return ActionPlanFactory(accompaniment__commune=commune)


def changed_plan(plan, elu):
    plan.approved_by = elu
    plan.approved_at = APPROVED_AT
    plan.council_decision_date = datetime.date(2026, 11, 1)
    plan.save()
    action = ActionFactory(plan=plan, title="Marché local", start_month=None, end_month=None)
    action.status = Action.Status.IN_PROGRESS
    action.start_month = datetime.date(2026, 9, 1)
    action.save()
    funding = FundingSourceFactory(action=action, funder="Chambre d'agriculture", amount=Decimal("2500"))
    funding.amount = Decimal("12500.5")
    funding.save()
    return action


def entries_of(plan):
    action_ids = Action.history.filter(plan_id=plan.pk).values("id")
    return history_entries(
        plan.history.all(),
        Action.history.filter(plan_id=plan.pk),
        FundingSource.history.filter(action_id__in=action_ids),
        labels={ActionPlan: str(plan)},
    )


def changes_by_label(entries) -> dict:
    return {change.label: (change.old, change.new) for entry in entries for change in entry.changes}


def test_history_names_people_and_writes_dates_amounts_and_choices_in_french(plan, elu):
    elu.first_name, elu.last_name = "Bernard", "Cuenot"
    elu.save()
    changed_plan(plan, elu)
    changes = changes_by_label(entries_of(plan))
    assert changes["Approuvé par"] == ("—", "Bernard Cuenot")
    assert changes["Approuvé le"] == ("—", "27 novembre 2026 à 11:46")
    assert changes["Date de la délibération du conseil municipal"] == ("—", "1er novembre 2026")
    assert changes["Statut"] == ("Proposée", "En cours")
    assert changes["Début (mois)"] == ("—", "septembre 2026")
    assert changes["Montant (€)"] == ("2\xa0500,00", "12\xa0500,50")


def test_history_object_labels_show_amounts_in_french(plan, elu):
    changed_plan(plan, elu)
    labels = [entry.object_label for entry in entries_of(plan)]
    assert any("« Chambre d'agriculture : 12\u202f500,50\xa0€ »" in label for label in labels), labels
    assert not any("2500.00" in label or "12500.50" in label for label in labels)


def test_people_are_fetched_once_per_model_not_once_per_change(plan, elu):
    changed_plan(plan, elu)
    with CaptureQueriesContext(connection) as one_person:
        entries_of(plan)
    for _ in range(5):
        plan.approved_by = UserFactory()
        plan.save()
    with CaptureQueriesContext(connection) as six_people:
        entries = entries_of(plan)
    assert len(six_people.captured_queries) == len(one_person.captured_queries)
    approvers = [change.new for entry in entries for change in entry.changes if change.label == "Approuvé par"]
    assert len(approvers) == 6 and all(name and not name.isdigit() for name in approvers)


def test_history_page_shows_no_raw_value(client, consultant, plan, elu, commune):
    changed_plan(plan, elu)
    client.force_login(consultant)
    content = client.get(reverse("missions:action_plan_history", args=[commune.insee_code])).content.decode()
    assert "27 novembre 2026 à 11:46" in content
    for raw in ("+00:00", "2026-11-27", "2500.00", "12500.50"):
        assert raw not in content
