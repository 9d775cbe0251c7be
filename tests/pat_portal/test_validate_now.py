"""« À valider » lists only what GBM can validate now (issue 25): an action plan waiting for its municipal council
is shown as such, its delay does not run for GBM, and nothing offers a validation page that has no form. Every
page counts it with one function (`core.deliverables.to_validate_now`)."""

import datetime
import html

import pytest
from django.urls import reverse
from django.utils import timezone

from core.deliverables import awaiting_other_approval, submit_deliverable, to_validate_now, with_ready_at
from core.models import Deliverable
from pat_portal.pages.dashboard import dashboard, programme_report
from pat_portal.pages.home import gbm_home, todo_count
from tests.factories import ProgrammeFactory
from tests.factories_mission1 import AccompanimentFactory, ActionFactory, ActionPlanFactory, DiagnosticFactory

pytestmark = pytest.mark.django_db

LONG_AGO = datetime.timedelta(days=40)


@pytest.fixture
def programme():
    return ProgrammeFactory(start_date=datetime.date(2025, 1, 1), end_date=datetime.date(2027, 12, 31))


@pytest.fixture
def plan_awaiting_council(programme, commune, consultant):
    """A diagnostic GBM can validate, and a plan submitted 40 days ago that its council has not approved yet."""
    accompaniment = AccompanimentFactory(programme=programme, commune=commune, lead_consultant=consultant)
    diagnostic = submit_deliverable(
        subject=DiagnosticFactory(accompaniment=accompaniment, with_content=True), by=consultant
    )
    plan = ActionPlanFactory(accompaniment=accompaniment)
    ActionFactory(plan=plan, end_month=datetime.date(2027, 6, 1))
    deliverable = submit_deliverable(subject=plan, by=consultant)
    Deliverable.objects.filter(pk=deliverable.pk).update(submitted_at=timezone.now() - LONG_AGO)
    plan.refresh_from_db()
    return plan, deliverable, diagnostic


def _text(client, user, url) -> str:
    client.force_login(user)
    response = client.get(url)
    assert response.status_code == 200, url
    return html.unescape(response.content.decode())


def test_a_plan_awaiting_its_council_is_not_to_validate_but_awaiting_another_approval(plan_awaiting_council):
    _plan, deliverable, diagnostic = plan_awaiting_council
    assert list(to_validate_now(Deliverable.objects.all()).values_list("pk", flat=True)) == [diagnostic.pk]
    assert list(awaiting_other_approval(Deliverable.objects.all()).values_list("pk", flat=True)) == [deliverable.pk]


def test_every_page_counts_the_same_to_validate(client, gbm_officer, programme, plan_awaiting_council):
    home = gbm_home(gbm_officer, programme)
    on_home = sum(item_list.count for item_list in home.todo if item_list.kind in ("deliverable", "approved_plan"))
    assert on_home == 1
    assert dashboard(programme, gbm_officer)["figures"]["awaiting_deliverables"] == 1
    assert programme_report(programme, gbm_officer)["figures"]["awaiting_deliverables"] == 1
    # The navigation's count: the diagnostic, nothing else waits for this officer.
    assert todo_count(gbm_officer) == 1
    page = _text(client, gbm_officer, reverse("deliverable_list"))
    listed, _, elsewhere = page.partition("En attente d'une autre approbation")
    diagnostic = plan_awaiting_council[2]
    assert diagnostic.title in listed and "Plan d'actions du projet alimentaire" not in listed
    assert "Plan d'actions du projet alimentaire" in elsewhere and "En attente du conseil municipal" in elsewhere


def test_the_plan_page_offers_no_validation_while_the_council_has_not_approved(
    client, gbm_officer, elu, plan_awaiting_council
):
    plan, deliverable, _diagnostic = plan_awaiting_council
    page = _text(client, gbm_officer, plan.deliverable_url())
    assert "Valider la version 1" not in page
    assert reverse("deliverable_validate", args=[deliverable.pk]) not in page
    assert "en attente de l'approbation du conseil municipal" in page
    assert "Renvoyer avec un commentaire" in page  # GBM may still send it back
    plan.approve(by=elu, council_decision_date=timezone.localdate())
    page = _text(client, gbm_officer, plan.deliverable_url())
    assert "Valider la version 1…" in page
    # The link leads to a page with its form.
    assert 'method="post"' in _text(client, gbm_officer, reverse("deliverable_validate", args=[deliverable.pk]))


def test_gbms_delay_runs_from_the_council_approval(gbm_officer, elu, programme, plan_awaiting_council):
    plan, deliverable, _diagnostic = plan_awaiting_council
    today = timezone.localdate()
    row = with_ready_at(Deliverable.objects.filter(pk=deliverable.pk)).get()
    # Submitted 40 days ago, past the 15-day delay, but waiting for the commune: not late for GBM, no days counted.
    assert row.awaits_other_approval
    assert row.validation_lateness_on(today, programme.validation_due_days) is None
    assert row.days_waiting(today) is None
    plan.approve(by=elu, council_decision_date=today)
    row = with_ready_at(Deliverable.objects.filter(pk=deliverable.pk)).get()
    assert not row.awaits_other_approval
    assert row.days_waiting(today) == 0
    assert row.validation_lateness_on(today, programme.validation_due_days) is None
    later = today + datetime.timedelta(days=programme.validation_due_days + 2)
    assert row.validation_lateness_on(later, programme.validation_due_days) is not None
    approved = next(
        item_list for item_list in gbm_home(gbm_officer, programme).todo if item_list.kind == "approved_plan"
    )
    assert approved.items[0].lateness is None and "à valider depuis aujourd'hui" in approved.items[0].detail
