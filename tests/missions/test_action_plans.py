import datetime
import io
import re
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse
from pypdf import PdfReader

from core.deliverables import WorkflowError, submit_deliverable, validate_deliverable
from core.models import Deliverable, WorkflowStatus
from missions.mission1.models.action_plans import Action, ActionPlan, FundingSource
from missions.mission1.services.action_plans import calendar, plan_totals
from tests.factories_mission1 import (
    AccompanimentFactory,
    ActionFactory,
    ActionLeadFactory,
    ActionPlanFactory,
    DiagnosticFactory,
    FundingSourceFactory,
    IndicatorValueFactory,
)
from tests.harness import reading
from tests.harness.assertions import assert_redirects_to_login

pytestmark = pytest.mark.django_db


def pdf_text(content: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


def action_post(action=None, **overrides):
    data = {
        "title": "Verger partagé",
        "theme": "jardins_vergers",
        "priority": "2",
        "status": "proposee",
        "progress": "0",
        "cost_estimate": "1500.50",
        "start_month": "2025-04",
        "end_month": "2025-10",
        "lock_version": action.lock_version if action else "",
        "financements-TOTAL_FORMS": "1",
        "financements-INITIAL_FORMS": "0",
        "financements-MIN_NUM_FORMS": "0",
        "financements-MAX_NUM_FORMS": "1000",
        "financements-0-funder": "Région",
        "financements-0-amount": "500.25",
        "financements-0-status": "sollicite",
    }
    data.update(overrides)
    return data


@pytest.fixture
def plan(commune):
    return ActionPlanFactory(accompaniment=AccompanimentFactory(commune=commune))


def test_consultant_adds_an_action_with_funding(client, consultant, commune):
    AccompanimentFactory(commune=commune)
    client.force_login(consultant)
    response = client.post(reverse("missions:action_create", args=[commune.insee_code]), action_post())
    assert response.status_code == 302
    action = Action.objects.get()
    assert action.start_month == datetime.date(2025, 4, 1)
    assert action.funding_sources.get().amount == Decimal("500.25")
    page = client.get(reverse("missions:action_plan", args=[commune.insee_code])).content.decode()
    assert "Verger partagé" in page
    assert "1\u202f500,50\u00a0€" in page  # total cost
    assert "1\u202f000,25\u00a0€" in page  # remaining balance


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"end_month": "2025-01"}, "Le mois de fin ne peut pas précéder le mois de début."),
        ({"cost_estimate": "-5"}, "supérieure ou égale à 0"),
        ({"progress": "120"}, "inférieure ou égale à 100"),
        ({"financements-0-amount": "-1"}, "supérieure ou égale à 0"),
        ({"start_month": "avril"}, "Saisissez un mois valide"),
    ],
)
def test_bad_input_is_refused_in_french_with_input_kept(client, consultant, commune, overrides, message):
    AccompanimentFactory(commune=commune)
    client.force_login(consultant)
    response = client.post(reverse("missions:action_create", args=[commune.insee_code]), action_post(**overrides))
    content = response.content.decode()
    assert response.status_code == 200
    assert message in content
    assert 'value="Verger partagé"' in content
    assert not Action.objects.exists()


def test_funding_above_cost_is_a_warning_not_an_error(client, consultant, commune):
    AccompanimentFactory(commune=commune)
    client.force_login(consultant)
    response = client.post(
        reverse("missions:action_create", args=[commune.insee_code]),
        action_post(cost_estimate="100", **{"financements-0-amount": "250"}),
        follow=True,
    )
    assert "dépassent son coût estimé" in response.content.decode()
    assert Action.objects.count() == 1


def test_concurrent_action_edit_is_refused(client, consultant, gbm_officer, plan):
    action = ActionFactory(plan=plan, title="Initial")
    loaded = action.lock_version
    url = reverse("missions:action_update", args=[action.pk])
    client.force_login(gbm_officer)
    assert (
        client.post(url, action_post(action, title="Titre de Claire", **{"financements-TOTAL_FORMS": "0"})).status_code
        == 302
    )
    client.force_login(consultant)
    response = client.post(url, action_post(action, title="Titre de Julien", lock_version=loaded))
    assert "Cette action a été modifiée par" in response.content.decode()
    action.refresh_from_db()
    assert action.title == "Titre de Claire"
    assert not FundingSource.objects.exists()


def test_action_from_lead_in_one_click(client, consultant, commune):
    accompaniment = AccompanimentFactory(commune=commune)
    lead = ActionLeadFactory(diagnostic=DiagnosticFactory(accompaniment=accompaniment), title="Verger des écoles")
    client.force_login(consultant)
    page = client.get(reverse("missions:action_plan", args=[commune.insee_code])).content.decode()
    assert "Verger des écoles" in page
    response = client.post(reverse("missions:action_from_lead", args=[commune.insee_code, lead.pk]))
    assert response.status_code == 302
    action = Action.objects.get()
    assert (action.title, action.theme, action.source_lead) == ("Verger des écoles", "jardins_vergers", lead)
    page = client.get(reverse("missions:action_plan", args=[commune.insee_code])).content.decode()
    assert "Pistes d'actions du diagnostic à intégrer" not in page


def test_reorder_actions(client, consultant, plan):
    first, second = ActionFactory(plan=plan, position=0), ActionFactory(plan=plan, position=1)
    client.force_login(consultant)
    client.post(reverse("missions:action_move", args=[second.pk, "monter"]))
    assert list(plan.actions.values_list("pk", flat=True)) == [second.pk, first.pk]
    assert client.post(reverse("missions:action_move", args=[first.pk, "sauter"])).status_code == 404


def test_progress_note_and_indicator(client, consultant, plan):
    action = ActionFactory(plan=plan)
    client.force_login(consultant)
    client.post(reverse("missions:action_add_note", args=[action.pk]), {"date": "2025-05-02", "text": "Devis reçus."})
    assert action.progress_notes.get().author == consultant
    response = client.post(
        reverse("missions:indicator_create", args=[action.pk]),
        {
            "name": "Repas locaux",
            "unit": "repas",
            "valeurs-TOTAL_FORMS": "2",
            "valeurs-INITIAL_FORMS": "0",
            "valeurs-MIN_NUM_FORMS": "0",
            "valeurs-MAX_NUM_FORMS": "1000",
            "valeurs-0-year": "2025",
            "valeurs-0-target": "1000",
            "valeurs-0-actual": "640",
            "valeurs-1-year": "2026",
            "valeurs-1-target": "2000",
        },
    )
    assert response.status_code == 302
    indicator = action.indicators.get()
    assert [(v.year, v.target, v.actual) for v in indicator.values.all()] == [
        (2025, Decimal("1000"), Decimal("640")),
        (2026, Decimal("2000"), None),
    ]


def test_totals_are_exact_on_awkward_amounts(plan):
    actions = [
        ActionFactory(plan=plan, cost_estimate=Decimal("0.10")),
        ActionFactory(plan=plan, cost_estimate=Decimal("0.20")),
    ]
    FundingSourceFactory(action=actions[0], amount=Decimal("0.10"), funder="A")
    FundingSourceFactory(action=actions[1], amount=Decimal("0.05"), funder="A")
    totals = plan_totals(plan.actions.prefetch_related("funding_sources"))
    assert totals.cost == Decimal("0.30")
    assert totals.by_funder == {"A": Decimal("0.15")}
    assert totals.balance == Decimal("0.15")


def test_totals_exact_over_thousands_of_actions(plan):
    Action.objects.bulk_create(
        [
            Action(plan=plan, title=f"A{n}", theme="autre", cost_estimate=Decimal("0.01") * n, position=n)
            for n in range(3000)
        ]
    )
    totals = plan_totals(plan.actions.prefetch_related("funding_sources"))
    assert totals.cost == sum((Decimal("0.01") * n for n in range(3000)), Decimal("0"))
    assert totals.cost == Decimal("44985.00")


def test_calendar_grid_spans_the_months():
    class Row:
        def __init__(self, start, end):
            self.start_month, self.end_month, self.title, self.status = start, end, "x", "proposee"

    grid = calendar([Row(datetime.date(2025, 11, 1), datetime.date(2026, 2, 1)), Row(datetime.date(2026, 1, 1), None)])
    assert [month["label"] for month in grid["months"]] == ["nov. 25", "déc. 25", "janv. 26", "févr. 26"]
    assert grid["rows"][0]["cells"] == [True, True, True, True]
    assert grid["rows"][1]["cells"] == [False, False, True, False]


def test_empty_plan_cannot_be_submitted(plan, consultant):
    with pytest.raises(WorkflowError, match="vide"):
        submit_deliverable(subject=plan, by=consultant)


def test_elu_approves_own_submitted_plan_then_gbm_validates(client, plan, consultant, gbm_officer, elu, commune):
    ActionFactory(plan=plan, title="Cantine locale")
    approve = reverse("missions:action_plan_approve", args=[commune.insee_code])
    client.force_login(elu)
    draft_page = reading.page_text(client, reverse("missions:action_plan", args=[commune.insee_code]))
    assert "est en cours de rédaction" in draft_page and "Cantine locale" not in draft_page  # said, not shown
    deliverable = submit_deliverable(subject=plan, by=consultant)
    with pytest.raises(WorkflowError, match="approuver"):
        validate_deliverable(deliverable=deliverable, by=gbm_officer)
    response = client.post(
        approve,
        {"council_decision_date": (datetime.date.today() + datetime.timedelta(days=3)).isoformat()},
        follow=True,
    )
    assert "dans le futur" in response.content.decode()
    client.post(approve, {"council_decision_date": "2025-06-12"})
    plan.refresh_from_db()
    assert plan.is_approved and plan.approved_by == elu
    assert plan.council_decision_date == datetime.date(2025, 6, 12)
    response = client.post(approve, {"council_decision_date": "2025-06-12"}, follow=True)
    assert "déjà été approuvé" in response.content.decode()
    validate_deliverable(deliverable=deliverable, by=gbm_officer)
    plan.refresh_from_db()
    assert plan.workflow_status == WorkflowStatus.VALIDATED
    assert plan.accompaniment.phase == "mise_en_oeuvre"
    hub = client.get(commune.get_absolute_url()).content.decode()
    assert "Plan d&#x27;actions du projet alimentaire communal — version 1" in hub


def test_approval_refused_for_other_roles_and_states(
    client, plan, consultant, gbm_officer, elu, elu_other_commune, commune
):
    ActionFactory(plan=plan)
    approve = reverse("missions:action_plan_approve", args=[commune.insee_code])
    client.force_login(elu)
    client.post(approve, {"council_decision_date": "2025-06-12"})  # draft: invisible to élus → 404
    submit_deliverable(subject=plan, by=consultant)
    for user, status in [(consultant, 403), (gbm_officer, 403), (elu_other_commune, 404)]:
        client.force_login(user)
        assert client.post(approve, {"council_decision_date": "2025-06-12"}).status_code == status
    plan.refresh_from_db()
    assert not plan.is_approved


def test_editing_a_validated_plan_starts_a_new_version_needing_approval(client, plan, consultant, gbm_officer, elu):
    action = ActionFactory(plan=plan)
    deliverable = submit_deliverable(subject=plan, by=consultant)
    plan.approve(by=elu, council_decision_date=datetime.date(2025, 6, 1))
    validate_deliverable(deliverable=deliverable, by=gbm_officer)
    client.force_login(consultant)
    client.post(reverse("missions:action_update", args=[action.pk]), action_post(Action.objects.get(pk=action.pk)))
    plan.refresh_from_db()
    assert plan.workflow_status == WorkflowStatus.DRAFT
    assert not plan.is_approved
    assert Deliverable.objects.get().integrity_ok()


def test_elu_reads_but_cannot_edit(client, plan, consultant, elu, commune):
    action = ActionFactory(plan=plan, title="Avant")
    submit_deliverable(subject=plan, by=consultant)
    client.force_login(elu)
    assert client.get(reverse("missions:action_plan", args=[commune.insee_code])).status_code == 200
    assert client.get(reverse("missions:action_detail", args=[action.pk])).status_code == 200
    assert client.get(reverse("missions:action_plan_calendar", args=[commune.insee_code])).status_code == 200
    assert client.get(reverse("missions:action_plan_pdf", args=[commune.insee_code])).status_code == 200
    for url, data in [
        (reverse("missions:action_update", args=[action.pk]), action_post(action, title="Piraté")),
        (reverse("missions:action_create", args=[commune.insee_code]), action_post()),
        (reverse("missions:action_move", args=[action.pk, "monter"]), {}),
        (reverse("missions:action_add_note", args=[action.pk]), {"date": "2025-01-01", "text": "x"}),
        (reverse("missions:action_plan_update", args=[commune.insee_code]), {"summary": "x", "lock_version": 0}),
        (reverse("missions:indicator_create", args=[action.pk]), {"name": "x"}),
    ]:
        assert client.post(url, data).status_code == 403
    assert client.get(reverse("missions:action_plan_history", args=[commune.insee_code])).status_code == 403
    action.refresh_from_db()
    assert action.title == "Avant"
    assert Action.objects.count() == 1
    assert not action.progress_notes.exists()


def test_elu_of_other_commune_gets_404(client, plan, consultant, elu_other_commune, commune):
    action = ActionFactory(plan=plan)
    submit_deliverable(subject=plan, by=consultant)
    client.force_login(elu_other_commune)
    for name in ["action_plan", "action_plan_calendar", "action_plan_pdf", "action_plan_history"]:
        assert client.get(reverse(f"missions:{name}", args=[commune.insee_code])).status_code == 404
    assert client.get(reverse("missions:action_detail", args=[action.pk])).status_code == 404
    assert client.post(reverse("missions:action_update", args=[action.pk]), action_post(action)).status_code == 404


def test_anonymous_redirected(client, plan, commune):
    action = ActionFactory(plan=plan)
    assert_redirects_to_login(client.get(reverse("missions:action_plan", args=[commune.insee_code])))
    assert_redirects_to_login(client.get(reverse("missions:action_detail", args=[action.pk])))
    assert_redirects_to_login(client.post(reverse("missions:action_move", args=[action.pk, "monter"])))


def test_history_lists_action_changes_and_timeline_shows_status_change(client, consultant, plan, commune):
    action = ActionFactory(plan=plan, title="Marché local")
    client.force_login(consultant)
    client.post(
        reverse("missions:action_update", args=[action.pk]),
        action_post(action, title="Marché local", status="en_cours", **{"financements-TOTAL_FORMS": "0"}),
    )
    history = client.get(reverse("missions:action_plan_history", args=[commune.insee_code])).content.decode()
    assert "En cours" in history
    hub = client.get(commune.get_absolute_url()).content.decode()
    assert "« Marché local » : Proposée → En cours" in hub


def test_pdf_contains_every_action_and_total(client, consultant, plan, commune):
    for n in range(3):
        action = ActionFactory(plan=plan, title=f"Action numéro {n}", cost_estimate=Decimal("1234.50"))
        IndicatorValueFactory(indicator__action=action)
    client.force_login(consultant)
    response = client.get(reverse("missions:action_plan_pdf", args=[commune.insee_code]))
    text = pdf_text(response.content).replace("\u202f", " ").replace("\xa0", " ")
    for n in range(3):
        assert f"Action numéro {n}" in text
    assert "3 703,50 €" in text
    assert "Part de produits locaux" in text


@pytest.mark.parametrize("url_name", ["action_plan", "action_plan_calendar", "action_plan_pdf"])
def test_query_counts_constant_with_1_and_40_actions(
    client, consultant, plan, commune, url_name, django_assert_max_num_queries
):
    def add(count):
        for _ in range(count):
            action = ActionFactory(plan=plan)
            FundingSourceFactory(action=action)
            IndicatorValueFactory(indicator__action=action)

    add(1)
    client.force_login(consultant)
    url = reverse(f"missions:{url_name}", args=[commune.insee_code])
    client.get(url)  # the session's first page reads what the navigation caches for the session
    # 14: the PDF's lists; the plan page within 12, its submission checklist included (issue 17).
    with django_assert_max_num_queries(14) as small:
        assert client.get(url).status_code == 200
    add(39)
    with django_assert_max_num_queries(14) as large:
        assert client.get(url).status_code == 200
    assert len(small.captured_queries) == len(large.captured_queries)
    if url_name == "action_plan":
        assert len(large.captured_queries) <= 12


def test_plan_model_constraints(plan):
    assert ActionPlan.objects.count() == 1


# The plan page as each role reads it ----------------------------------------------------------------------------
# Its queries, the same whatever the actions (measured; the budget is 12).
PAGE_QUERIES = {"gbm": 9, "consultant": 9, "elu": 8}


@pytest.fixture
def plan_with_leads(commune):
    accompaniment = AccompanimentFactory(commune=commune)
    DiagnosticFactory(accompaniment=accompaniment, with_content=True)  # its lead is offered to the team
    return ActionPlanFactory(accompaniment=accompaniment)


def _plan_url(plan) -> str:
    return reverse("missions:action_plan", args=[plan.accompaniment.commune.insee_code])


def _add_actions(plan, count):
    for _ in range(count):
        action = ActionFactory(plan=plan)
        FundingSourceFactory(action=action)
        IndicatorValueFactory(indicator__action=action)


@pytest.mark.parametrize("role", ["gbm", "consultant", "elu"])
def test_the_plan_page_runs_the_same_queries_whatever_the_actions(client, users, plan_with_leads, role):
    plan = plan_with_leads
    if role == "elu":  # an élu reads a submitted plan; the team's draft runs its checklist and offers the leads
        ActionPlan.objects.filter(pk=plan.pk).update(workflow_status=WorkflowStatus.SUBMITTED)
    _add_actions(plan, 1)
    client.force_login(users[role])
    client.get(_plan_url(plan))  # what persists between requests (content types, the navigation's count) is warm
    small = reading.count_queries(client, _plan_url(plan))
    _add_actions(plan, 6)
    large = reading.count_queries(client, _plan_url(plan))
    assert small == large == PAGE_QUERIES[role], (small, large)


def test_the_ordering_buttons_post_the_pages_one_form_with_the_sessions_token(consultant, plan_with_leads):
    plan = plan_with_leads
    ActionFactory(plan=plan, title="Cantine")
    ActionFactory(plan=plan, title="Verger")
    other = Client(enforce_csrf_checks=True)
    other.force_login(consultant)
    page = reading.page_text(other, _plan_url(plan))
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
    page = reading.page_text(other, _plan_url(plan))
    assert page.index("Monter Verger") < page.index("Monter Cantine")


def test_the_page_shows_the_actions_their_funding_and_a_submission(client, consultant, plan_with_leads):
    plan = plan_with_leads
    action = ActionFactory(plan=plan, title="Cantine locale")
    client.force_login(consultant)
    assert "Cantine locale" in reading.page_text(client, _plan_url(plan))
    Action.objects.filter(pk=action.pk).update(title="Cantine bio")
    FundingSourceFactory(action=action, funder="Région Bourgogne-Franche-Comté")
    page = reading.page_text(client, _plan_url(plan))
    assert "Cantine bio" in page and "Région Bourgogne-Franche-Comté" in page
    submit_deliverable(subject=plan, by=consultant)
    assert "Ce document est soumis à validation" in reading.page_text(client, _plan_url(plan))


def test_each_reader_gets_their_own_plan_page(client, consultant, elu, elu_other_commune, plan_with_leads):
    plan = plan_with_leads
    ActionFactory(plan=plan, title="Verger des écoles")
    client.force_login(consultant)
    page = reading.page_text(client, _plan_url(plan))
    assert "Pistes d'actions du diagnostic à intégrer" in page and "Nouvelle action" in page
    client.force_login(elu)
    draft_page = reading.page_text(client, _plan_url(plan))  # a draft: said to be on its way, not shown
    assert "Le plan d'actions d'Amagney est en cours de rédaction" in draft_page
    assert "Verger des écoles" not in draft_page and "Nouvelle action" not in draft_page
    submit_deliverable(subject=plan, by=consultant)
    page = reading.page_text(client, _plan_url(plan))
    assert "Verger des écoles" in page and "Approuver le plan d'actions" in page
    assert "Nouvelle action" not in page and "Pistes d'actions du diagnostic" not in page and "Monter" not in page
    client.force_login(elu_other_commune)
    assert client.get(_plan_url(plan)).status_code == 404


def test_the_checklist_reads_the_same_from_the_pages_rows_as_from_queries(plan_with_leads):
    plan = plan_with_leads
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


def test_the_leads_to_add_carry_a_fresh_one_time_token_at_each_read(client, consultant, plan_with_leads):
    plan = plan_with_leads
    ActionLeadFactory(diagnostic=plan.accompaniment.diagnostic, title="Jardin partagé")
    client.force_login(consultant)
    tokens = [
        re.findall(r'name="submission_token" value="([^"]+)"', reading.page_text(client, _plan_url(plan)))
        for _ in range(2)
    ]
    assert tokens[0] and tokens[1] and set(tokens[0]).isdisjoint(tokens[1])


def test_elu_reads_that_a_plan_not_yet_started_will_come_after_the_diagnostic(client, elu, commune):
    AccompanimentFactory(commune=commune)
    client.force_login(elu)
    page = reading.page_text(client, reverse("missions:action_plan", args=[commune.insee_code]))
    assert "n'est pas encore commencé" in page and "une fois le diagnostic validé" in page


def test_elu_of_another_commune_still_gets_404_on_a_plan_on_its_way(client, elu_other_commune, plan):
    client.force_login(elu_other_commune)
    assert client.get(_plan_url(plan)).status_code == 404
