"""What the commune approved is what gets frozen (issue 15, item 2).

A submission is a version: its content is hashed and locked until GBM validates it or sends it back; the plan's
approval names the version it approves; validation refuses content that changed since submission; the frozen PDF
says which version it is, when it was submitted and when the council approved it.
"""

import datetime
import io
import re

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from pypdf import PdfReader

from core.deliverables import (
    LOCKED_MESSAGE,
    ContentLocked,
    WorkflowError,
    content_sha256,
    render_deliverable,
    return_deliverable,
    submit_deliverable,
    validate_deliverable,
)
from core.models import Deliverable, WorkflowStatus
from missions.mission1.models.action_plans import Action, FundingSource, Indicator, IndicatorValue
from missions.mission1.models.diagnostics import ActionLead, SharedFinding, Stake
from missions.mission1.services import action_plans as plan_services
from missions.mission1.services.diagnostics import save_diagnostic
from tests.factories_mission1 import (
    AccompanimentFactory,
    ActionFactory,
    ActionLeadFactory,
    ActionPlanFactory,
    DiagnosticFactory,
    FundingSourceFactory,
    IndicatorFactory,
    IndicatorValueFactory,
)

pytestmark = pytest.mark.django_db

COUNCIL_DATE = datetime.date(2026, 11, 20)


def pdf_lines(content: bytes) -> list[str]:
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)
    return [line.strip() for line in text.splitlines() if line.strip()]


def management(prefix, total, initial=0):
    return {
        f"{prefix}-TOTAL_FORMS": str(total),
        f"{prefix}-INITIAL_FORMS": str(initial),
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
    }


def big_action_post(action=None):
    """The 250,000 € action of the issue, with its funding."""
    return {
        "title": "Cuisine centrale",
        "theme": "restauration_collective",
        "priority": "1",
        "status": "proposee",
        "progress": "0",
        "cost_estimate": "250000",
        "lock_version": action.lock_version if action else "",
        **management("financements", 1),
        "financements-0-funder": "Département",
        "financements-0-amount": "200000",
        "financements-0-status": "sollicite",
    }


def indicator_post():
    return {
        "name": "Repas locaux",
        "unit": "repas",
        **management("valeurs", 1),
        "valeurs-0-year": "2027",
        "valeurs-0-target": "9999",
    }


@pytest.fixture
def plan(commune):
    plan = ActionPlanFactory(accompaniment=AccompanimentFactory(commune=commune), summary="Manger local à l'école.")
    action = ActionFactory(plan=plan, title="Légumes bio à la cantine", cost_estimate=12000)
    FundingSourceFactory(action=action, funder="Région", amount=3000)
    indicator = IndicatorFactory(action=action, name="Part de bio")
    IndicatorValueFactory(indicator=indicator, year=2026, target=20)
    ActionFactory(plan=plan, title="Verger partagé", cost_estimate=800)
    ActionLeadFactory(diagnostic=DiagnosticFactory(accompaniment=plan.accompaniment), title="Jardin des écoles")
    return plan


def plan_edit_requests(plan, commune):
    """Every way the team edits a plan's content: (label, method, url, data)."""
    action = plan.actions.order_by("position", "pk").first()
    indicator = Indicator.objects.get(action=action)
    lead = ActionLead.objects.get(diagnostic__accompaniment=plan.accompaniment)
    insee = commune.insee_code
    return [
        ("presentation", "get", reverse("missions:action_plan_update", args=[insee]), None),
        (
            "presentation",
            "post",
            reverse("missions:action_plan_update", args=[insee]),
            {"summary": "Tout autre chose.", "lock_version": plan.lock_version},
        ),
        ("new action", "get", reverse("missions:action_create", args=[insee]), None),
        ("new action", "post", reverse("missions:action_create", args=[insee]), big_action_post()),
        ("action", "get", reverse("missions:action_update", args=[action.pk]), None),
        ("action and funding", "post", reverse("missions:action_update", args=[action.pk]), big_action_post(action)),
        ("lead to action", "post", reverse("missions:action_from_lead", args=[insee, lead.pk]), {}),
        ("order", "post", reverse("missions:action_move", args=[action.pk, "descendre"]), {}),
        ("new indicator", "get", reverse("missions:indicator_create", args=[action.pk]), None),
        ("new indicator", "post", reverse("missions:indicator_create", args=[action.pk]), indicator_post()),
        (
            "indicator",
            "post",
            reverse("missions:indicator_update", args=[action.pk, indicator.pk]),
            {**indicator_post(), "lock_version": getattr(indicator, "lock_version", "")},
        ),
    ]


def plan_rows() -> tuple:
    return (
        list(Action.objects.order_by("pk").values_list("pk", "title", "cost_estimate", "position")),
        list(FundingSource.objects.order_by("pk").values_list("pk", "funder", "amount")),
        list(IndicatorValue.objects.order_by("pk").values_list("pk", "year", "target")),
        Indicator.objects.count(),
    )


@pytest.mark.parametrize("approved", [False, True], ids=["submitted", "approved"])
def test_every_edit_of_a_submitted_plan_is_refused_until_gbm_sends_it_back(
    client, plan, commune, consultant, gbm_officer, elu, approved
):
    deliverable = submit_deliverable(subject=plan, by=consultant)
    if approved:
        plan.approve(by=elu, council_decision_date=COUNCIL_DATE)
    before, rows = content_sha256(plan), plan_rows()
    client.force_login(consultant)
    for label, method, url, data in plan_edit_requests(plan, commune):
        response = getattr(client, method)(url, data) if data is not None else client.get(url)
        assert response.status_code == 302, label
        assert response.url == plan.get_absolute_url(), label
        assert {str(message) for message in get_messages(response.wsgi_request)} == {LOCKED_MESSAGE}, label
        assert (content_sha256(plan), plan_rows()) == (before, rows), f"{label} changed the submitted plan"
    assert deliverable.content_sha256 == before
    # GBM sends it back: the same edit goes through, and the approval of version 1 is gone.
    return_deliverable(deliverable=deliverable, by=gbm_officer, comment="Revoir le budget.")
    response = client.post(reverse("missions:action_create", args=[commune.insee_code]), big_action_post())
    assert response.status_code == 302 and Action.objects.filter(cost_estimate=250000).exists()
    plan.refresh_from_db()
    assert not plan.is_approved


def test_services_refuse_to_edit_a_submitted_plan_or_diagnostic(plan, consultant):
    submit_deliverable(subject=plan, by=consultant)
    action = plan.actions.first()
    lead = ActionLead.objects.get()
    with pytest.raises(ContentLocked, match="soumis à validation"):
        plan_services.move_action(action=action, offset=1)
    with pytest.raises(ContentLocked):
        plan_services.create_action_from_lead(plan=plan, lead=lead, by=consultant)
    with pytest.raises(ContentLocked):
        plan.mark_edited()
    diagnostic = lead.diagnostic
    diagnostic.context = "Contexte"
    diagnostic.save()
    Stake.objects.create(diagnostic=diagnostic, category="autre", title="Enjeu")
    submit_deliverable(subject=diagnostic, by=consultant)
    diagnostic.refresh_from_db()

    class Form:  # the service locks before it touches the form
        instance = diagnostic

    with pytest.raises(ContentLocked):
        save_diagnostic(form=Form(), formsets=[], by=consultant)


def test_every_edit_of_a_submitted_diagnostic_is_refused(client, commune, consultant):
    diagnostic = DiagnosticFactory(accompaniment=AccompanimentFactory(commune=commune), with_content=True)
    submit_deliverable(subject=diagnostic, by=consultant)
    before = content_sha256(diagnostic)
    stake, finding, lead = Stake.objects.get(), SharedFinding.objects.get(), ActionLead.objects.get()
    url = reverse("missions:diagnostic_update", args=[commune.insee_code])
    client.force_login(consultant)
    assert client.get(url).url == diagnostic.get_absolute_url()
    data = {
        "context": "Réécrit après la soumission",
        "data_collected": "",
        "lock_version": diagnostic.lock_version,
        **management("enjeux", 1, 1),
        "enjeux-0-id": stake.pk,
        "enjeux-0-category": "autre",
        "enjeux-0-title": "Enjeu changé",
        "enjeux-0-priority": "3",
        "enjeux-0-ORDER": "1",
        **management("constats", 1, 1),
        "constats-0-id": finding.pk,
        "constats-0-text": "Constat changé",
        **management("pistes", 1, 1),
        "pistes-0-id": lead.pk,
        "pistes-0-title": "Piste changée",
        "pistes-0-theme": "autre",
    }
    response = client.post(url, data)
    assert response.url == diagnostic.get_absolute_url()
    assert {str(message) for message in get_messages(response.wsgi_request)} == {LOCKED_MESSAGE}
    assert content_sha256(diagnostic) == before
    assert (Stake.objects.get().title, SharedFinding.objects.get().text, ActionLead.objects.get().title) == (
        stake.title,
        finding.text,
        lead.title,
    )
    assert "Modifier</a>" not in client.get(diagnostic.get_absolute_url()).content.decode()


def test_validation_of_a_version_whose_content_changed_is_refused(plan, consultant, gbm_officer, elu):
    deliverable = submit_deliverable(subject=plan, by=consultant)
    plan.approve(by=elu, council_decision_date=COUNCIL_DATE)
    # Something writes around the lock (the database, a script): the content is no longer what was submitted.
    Action.objects.create(plan=plan, title="Cuisine centrale", theme="restauration_collective", cost_estimate=250000)
    with pytest.raises(WorkflowError, match="Le contenu a changé depuis la soumission de la version 1"):
        validate_deliverable(deliverable=deliverable, by=gbm_officer)
    deliverable.refresh_from_db()
    assert deliverable.status == Deliverable.Status.SUBMITTED and not deliverable.pdf


def test_approval_names_its_version_and_a_returned_version_needs_a_new_one(plan, consultant, gbm_officer, elu):
    first = submit_deliverable(subject=plan, by=consultant)
    plan.approve(by=elu, council_decision_date=COUNCIL_DATE)
    plan.refresh_from_db()
    assert plan.approved_version == 1
    return_deliverable(deliverable=first, by=gbm_officer, comment="Ajouter le calendrier.")
    plan.refresh_from_db()
    assert not plan.is_approved and plan.approved_version is None
    second = submit_deliverable(subject=plan, by=consultant)
    assert second.version == 2
    with pytest.raises(WorkflowError, match="approuver la version 2"):
        validate_deliverable(deliverable=second, by=gbm_officer)
    plan.approve(by=elu, council_decision_date=COUNCIL_DATE)
    validated = validate_deliverable(deliverable=second, by=gbm_officer)
    plan.refresh_from_db()
    assert (validated.version, plan.approved_version, plan.workflow_status) == (2, 2, WorkflowStatus.VALIDATED)
    first.refresh_from_db()
    assert first.status == Deliverable.Status.RETURNED and first.review_comment == "Ajouter le calendrier."


def without_status_lines(lines: list[str]) -> list[str]:
    """The PDF's text without what differs by nature between a preview and the frozen version: the version
    status (page headers and the cover's status cells) and the date of generation."""
    status = re.compile(r"Version|validée|Document de travail|soumise|approuvée par le conseil|\(délibération\)")
    return [line for line in lines if not status.search(line)]


def test_frozen_pdf_says_the_version_and_equals_the_submitted_content(
    client, plan, commune, consultant, gbm_officer, elu
):
    submitted = submit_deliverable(subject=plan, by=consultant)
    plan.approve(by=elu, council_decision_date=COUNCIL_DATE)
    plan.refresh_from_db()
    as_submitted = pdf_lines(render_deliverable(plan))
    client.force_login(consultant)
    client.post(reverse("missions:action_create", args=[commune.insee_code]), big_action_post())  # refused
    validated = validate_deliverable(deliverable=submitted, by=gbm_officer)
    with validated.pdf.open("rb") as handle:
        frozen = pdf_lines(handle.read())
    text = " ".join(frozen)
    submitted_on = date_format(timezone.localtime(validated.submitted_at).date(), "j F Y")
    assert f"Version 1, soumise le {submitted_on}, approuvée par le conseil municipal le 20 novembre 2026" in text
    assert "Cuisine centrale" not in text and not re.search(r"250\W?000", text)
    assert without_status_lines(frozen) == without_status_lines(as_submitted)
    assert "Légumes bio à la cantine" in text and "Manger local à l'école." in text
