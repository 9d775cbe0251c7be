"""Irreversible actions ask first: a confirmation page (GET) says what will happen, only its POST does it."""

import datetime

import pytest
from django.urls import reverse

from core.deliverables import submit_deliverable
from core.models import Deliverable, WorkflowStatus
from tests.factories_mission1 import AccompanimentFactory, ActionFactory, ActionPlanFactory, DiagnosticFactory

pytestmark = pytest.mark.django_db

FROZEN_FOR_GOOD = "Le document sera figé et ne pourra plus être modifié"


@pytest.fixture
def diagnostic(commune):
    return DiagnosticFactory(accompaniment=AccompanimentFactory(commune=commune), with_content=True)


@pytest.fixture
def submitted(diagnostic, consultant):
    return submit_deliverable(subject=diagnostic, by=consultant)


@pytest.fixture
def plan(commune, consultant):
    plan = ActionPlanFactory(accompaniment=AccompanimentFactory(commune=commune))
    ActionFactory(plan=plan, title="Cantine locale")
    submit_deliverable(subject=plan, by=consultant)
    return plan


def test_validation_page_says_the_document_will_be_frozen_and_changes_nothing(client, gbm_officer, submitted):
    client.force_login(gbm_officer)
    response = client.get(reverse("deliverable_validate", args=[submitted.pk]))
    assert response.status_code == 200
    page = response.content.decode()
    assert FROZEN_FOR_GOOD in page
    assert 'data-busy-label="Validation en cours…"' in page
    submitted.refresh_from_db()
    assert submitted.status == Deliverable.Status.SUBMITTED and not submitted.pdf


def test_validation_happens_on_the_confirmation_post(client, gbm_officer, submitted, diagnostic):
    client.force_login(gbm_officer)
    response = client.post(reverse("deliverable_validate", args=[submitted.pk]), follow=True)
    assert "Version 1 validée" in response.content.decode()
    submitted.refresh_from_db()
    diagnostic.refresh_from_db()
    assert submitted.status == Deliverable.Status.VALIDATED and submitted.sha256
    assert diagnostic.workflow_status == WorkflowStatus.VALIDATED


def test_deliverable_panel_links_to_the_confirmation_page_instead_of_validating_in_one_click(
    client, gbm_officer, submitted, commune
):
    client.force_login(gbm_officer)
    page = client.get(reverse("missions:diagnostic", args=[commune.insee_code])).content.decode()
    url = reverse("deliverable_validate", args=[submitted.pk])
    assert f'href="{url}"' in page
    assert f'action="{url}"' not in page


@pytest.mark.parametrize(("role", "status"), [("consultant", 403), ("elu", 404), ("elu_other", 404)])
def test_validation_page_is_for_gbm_only(client, users, submitted, role, status):
    client.force_login(users[role])
    assert client.get(reverse("deliverable_validate", args=[submitted.pk])).status_code == status
    assert client.post(reverse("deliverable_validate", args=[submitted.pk])).status_code == status
    submitted.refresh_from_db()
    assert submitted.status == Deliverable.Status.SUBMITTED


def test_validation_page_says_why_a_plan_not_yet_approved_cannot_be_validated(client, gbm_officer, plan):
    pending = Deliverable.objects.for_subject(plan).get()
    client.force_login(gbm_officer)
    page = client.get(reverse("deliverable_validate", args=[pending.pk])).content.decode()
    assert "ne peut pas être validée" in page and "approuver la version 1" in page
    assert "Valider et figer" not in page


def test_approval_page_says_it_cannot_be_undone_and_changes_nothing(client, elu, plan, commune):
    client.force_login(elu)
    response = client.get(reverse("missions:action_plan_approve", args=[commune.insee_code]))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Cette approbation ne pourra pas être annulée" in page
    assert FROZEN_FOR_GOOD in page
    assert 'name="council_decision_date"' in page
    plan.refresh_from_db()
    assert not plan.is_approved


def test_approval_happens_on_the_confirmation_post(client, elu, plan, commune):
    client.force_login(elu)
    response = client.post(
        reverse("missions:action_plan_approve", args=[commune.insee_code]), {"council_decision_date": "2026-11-20"}
    )
    assert response.status_code == 302
    plan.refresh_from_db()
    assert plan.is_approved and plan.approved_by == elu
    assert plan.council_decision_date == datetime.date(2026, 11, 20)


def test_refused_approval_comes_back_on_its_page_with_the_date_typed(client, elu, plan, commune):
    client.force_login(elu)
    future = (datetime.date.today() + datetime.timedelta(days=5)).isoformat()
    response = client.post(
        reverse("missions:action_plan_approve", args=[commune.insee_code]), {"council_decision_date": future}
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "ne peut pas être datée dans le futur" in page
    assert f'value="{future}"' in page
    plan.refresh_from_db()
    assert not plan.is_approved


def test_plan_page_links_to_the_approval_page(client, elu, plan, commune):
    client.force_login(elu)
    page = client.get(reverse("missions:action_plan", args=[commune.insee_code])).content.decode()
    assert f'href="{reverse("missions:action_plan_approve", args=[commune.insee_code])}"' in page
    assert 'name="council_decision_date"' not in page


@pytest.mark.parametrize(("role", "status"), [("gbm", 403), ("consultant", 403), ("elu_other", 404)])
def test_approval_page_is_for_the_communes_own_elus(client, users, plan, commune, role, status):
    client.force_login(users[role])
    url = reverse("missions:action_plan_approve", args=[commune.insee_code])
    assert client.get(url).status_code == status
    assert client.post(url, {"council_decision_date": "2026-11-20"}).status_code == status
    plan.refresh_from_db()
    assert not plan.is_approved
