"""The plan page keeps its presentation, totals and actions between requests; its header, deliverable panel,
approval, share links, the actions' ordering form and the leads to add (forms, CSRF and one-time tokens) are rendered
on every request. The computed path stays within 12 queries for every role, counting the read of the data
generation; a second read computes nothing; every write shows at once; each reader gets their own."""

import re

import pytest
from django.test import Client
from django.urls import reverse

from core.deliverables import submit_deliverable
from core.models import WorkflowStatus
from missions.mission1.models.action_plans import Action, ActionPlan
from missions.mission1.views import action_plans as plan_views
from tests.factories_mission1 import (
    AccompanimentFactory,
    ActionFactory,
    ActionLeadFactory,
    ActionPlanFactory,
    DiagnosticFactory,
    FundingSourceFactory,
    IndicatorValueFactory,
)
from tests.harness.fragments import KEPT_QUERIES, count_queries, page_text, same_minute

pytestmark = pytest.mark.django_db


@pytest.fixture
def plan(commune):
    accompaniment = AccompanimentFactory(commune=commune)
    DiagnosticFactory(accompaniment=accompaniment, with_content=True)  # its lead is offered to the team
    return ActionPlanFactory(accompaniment=accompaniment)


def _url(plan) -> str:
    return reverse("missions:action_plan", args=[plan.accompaniment.commune.insee_code])


def _add(plan, count):
    for _ in range(count):
        action = ActionFactory(plan=plan)
        FundingSourceFactory(action=action)
        IndicatorValueFactory(indicator__action=action)


@pytest.mark.parametrize("role", ["gbm", "consultant", "elu"])
def test_the_computed_page_stays_within_12_queries_whatever_the_actions(client, users, plan, role):
    if role == "elu":  # an élu reads a submitted plan; the team's draft runs its checklist and offers the leads
        ActionPlan.objects.filter(pk=plan.pk).update(workflow_status=WorkflowStatus.SUBMITTED)
    _add(plan, 1)
    client.force_login(users[role])
    client.get(_url(plan))  # what persists between requests (content types, the navigation's count) is warm
    small = count_queries(client, _url(plan))
    _add(plan, 6)
    large = count_queries(client, _url(plan))
    assert small == large <= 12, (small, large)


def test_a_page_read_again_without_any_write_is_not_computed_again(client, consultant, plan, monkeypatch):
    computed = []
    compute = plan_views._plan_page
    monkeypatch.setattr(plan_views, "_plan_page", lambda *a: computed.append(1) or compute(*a))
    _add(plan, 2)
    client.force_login(consultant)
    with same_minute():
        client.get(_url(plan))
        assert count_queries(client, _url(plan), cold=False) <= KEPT_QUERIES
    assert len(computed) == 1


def test_the_kept_body_holds_no_form_and_the_ordering_buttons_post_with_the_sessions_token(
    client, consultant, plan, monkeypatch
):
    bodies = []
    compute = plan_views._plan_page
    monkeypatch.setattr(plan_views, "_plan_page", lambda *a: bodies.append(compute(*a)[-1]) or compute(*a))
    ActionFactory(plan=plan, title="Cantine")
    ActionFactory(plan=plan, title="Verger")
    client.force_login(consultant)
    page_text(client, _url(plan))  # computes and keeps the body
    assert bodies and all("<form" not in body and "csrfmiddlewaretoken" not in body for body in bodies)
    other = Client(enforce_csrf_checks=True)
    other.force_login(consultant)
    page = page_text(other, _url(plan))  # the body read back, the forms rendered for this session
    token = re.search(
        r'<form id="ordre-des-actions" method="post"><input type="hidden" name="csrfmiddlewaretoken" value="([^"]+)"',
        page,
    )
    move_up = re.search(
        r'form="ordre-des-actions" formaction="([^"]+)"[^>]*><span aria-hidden="true">↑</span><span class="visually-hidden">Monter Verger',
        page,
    )
    assert other.post(move_up.group(1), {"csrfmiddlewaretoken": token.group(1)}).status_code == 302
    assert list(plan.actions.values_list("title", flat=True)) == ["Verger", "Cantine"]
    page = page_text(other, _url(plan))
    assert page.index("Monter Verger") < page.index("Monter Cantine")  # shown at once


def test_a_renamed_action_new_funding_and_a_submission_show_at_once(client, consultant, plan):
    action = ActionFactory(plan=plan, title="Cantine locale")
    client.force_login(consultant)
    assert "Cantine locale" in page_text(client, _url(plan))
    Action.objects.filter(pk=action.pk).update(title="Cantine bio")
    FundingSourceFactory(action=action, funder="Région Bourgogne-Franche-Comté")
    page = page_text(client, _url(plan))
    assert "Cantine bio" in page and "Région Bourgogne-Franche-Comté" in page
    submit_deliverable(subject=plan, by=consultant)
    assert "Ce document est soumis à validation" in page_text(client, _url(plan))


def test_each_reader_gets_their_own_page(client, consultant, elu, elu_other_commune, plan):
    ActionFactory(plan=plan, title="Verger des écoles")
    client.force_login(consultant)
    page = page_text(client, _url(plan))
    assert "Pistes d'actions du diagnostic à intégrer" in page and "Nouvelle action" in page
    client.force_login(elu)
    assert client.get(_url(plan)).status_code == 404  # a draft: not read from the team's kept page
    submit_deliverable(subject=plan, by=consultant)
    page = page_text(client, _url(plan))
    assert "Verger des écoles" in page and "Approuver le plan d'actions" in page
    assert "Nouvelle action" not in page and "Pistes d'actions du diagnostic" not in page and "Monter" not in page
    client.force_login(elu_other_commune)
    assert client.get(_url(plan)).status_code == 404


def test_the_checklist_reads_the_same_from_the_pages_rows_as_from_queries(plan):
    ActionFactory(plan=plan, title="Sans calendrier", start_month=None, cost_estimate=0)
    ActionFactory(plan=plan, title="Complète", lead_organisation="Mairie")
    queried = ActionPlan.objects.get(pk=plan.pk).submission_checklist()
    read_with_the_page = (
        ActionPlan.objects.select_related("accompaniment__diagnostic").prefetch_related("actions").get(pk=plan.pk)
    )
    assert read_with_the_page.submission_checklist() == queried
    assert any("Sans calendrier" in item.message for item in queried)
    without_diagnostic = ActionPlanFactory()
    assert (
        ActionPlan.objects.select_related("accompaniment__diagnostic")
        .get(pk=without_diagnostic.pk)
        .submission_checklist()
        == ActionPlan.objects.get(pk=without_diagnostic.pk).submission_checklist()
    )


def test_the_leads_to_add_carry_a_fresh_one_time_token_at_each_read(client, consultant, plan):
    ActionLeadFactory(diagnostic=plan.accompaniment.diagnostic, title="Jardin partagé")
    client.force_login(consultant)
    tokens = [re.findall(r'name="submission_token" value="([^"]+)"', page_text(client, _url(plan))) for _ in range(2)]
    assert tokens[0] and tokens[1] and set(tokens[0]).isdisjoint(tokens[1])
