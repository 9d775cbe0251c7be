"""Audit trail: the models people edit keep a history row with who and when, through every write path."""

import pytest
from django.apps import apps
from django.urls import reverse
from simple_history.models import HistoricalChanges

from tests.factories import ProgrammeFactory

# Models written by people (in the portal or the admin) — each must be audited.
AUDITED = [
    "communes.Contact",
    "missions.Programme",
    "missions.Accompaniment",
    "missions.Meeting",
    "missions.MeetingParticipant",
    "missions.Diagnostic",
    "missions.Stake",
    "missions.SharedFinding",
    "missions.ActionLead",
    "missions.ActionPlan",
    "missions.Action",
    "missions.FundingSource",
    "missions.ProgressNote",
    "missions.Indicator",
    "missions.IndicatorValue",
    "missions.SupportRequest",
    "missions.SupportStep",
    "missions.OrderForm",
    "missions.OrderLine",
    "missions.TimeEntry",
    "ateliers.Theme",
    "ateliers.Workshop",
    "ateliers.Registration",
    "ateliers.Resource",
    "pat_portal.Deliverable",
]


@pytest.mark.parametrize("label", AUDITED)
def test_model_keeps_a_history(label):
    model = apps.get_model(label)
    history = getattr(model, "history", None)
    assert history is not None, f"{label} has no history"
    assert issubclass(history.model, HistoricalChanges)
    field_names = {field.name for field in history.model._meta.fields}
    assert {"history_user", "history_date", "history_type"} <= field_names


@pytest.mark.django_db
def test_admin_write_is_audited_with_its_user(client):
    from tests.factories import UserFactory

    admin_user = UserFactory(username="chef", gbm=True, is_superuser=True)
    programme = ProgrammeFactory()
    client.force_login(admin_user)
    url = reverse("admin:missions_programme_change", args=[programme.pk])
    data = {
        "name": "Nouveau nom du marché",
        "contract_reference": programme.contract_reference,
        "buyer": programme.buyer,
        "contractor": programme.contractor,
        "start_date": "2024-10-01",
        "end_date": "2026-09-30",
        "target_new_communes": 4,
        "target_new_communes_first_count": 4,
        "new_communes_deadline": "2025-06-01",
        "target_continuing_communes": 5,
        "target_specific_actions_min": 7,
        "target_specific_actions_max": 8,
        "small_commune_population": 5000,
        "target_workshops_min": 3,
        "target_workshops_max": 5,
        "target_local_projects_min": 4,
        "target_local_projects_max": 5,
        "validation_due_days": 15,
        "minutes_due_days": 7,
        "silent_commune_days": 60,
        "reminder_interval_days": 14,
        "timesheet_weeks_checked": 4,
    }
    response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:500]
    record = programme.history.first()
    assert record.name == "Nouveau nom du marché"
    assert record.history_user == admin_user
