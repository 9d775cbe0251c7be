"""Lateness shown (as words, with how late) and filterable where the items appear, and dates beyond the programme
flagged on save and on the plan (issue 16, part 3). The clock is set to 27 November 2026; the factories' programme
ends on 30 September 2026."""

import csv
import datetime
import html
import io
import zoneinfo

import pytest
import time_machine
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from core.models import Deliverable
from missions.mission1.models.action_plans import Action
from missions.money.models.orders import OrderForm
from missions.support.models import SupportStep
from tests.factories import ProgrammeFactory
from tests.factories_ateliers import WorkshopFactory
from tests.factories_mission1 import AccompanimentFactory, ActionFactory, ActionPlanFactory
from tests.factories_orders import OrderFormFactory
from tests.factories_support import SupportRequestFactory, SupportStepFactory

pytestmark = pytest.mark.django_db

PARIS = zoneinfo.ZoneInfo("Europe/Paris")
TODAY = datetime.date(2026, 11, 27)
OCTOBER = datetime.date(2026, 10, 1)


@pytest.fixture(autouse=True)
def _clock():
    with time_machine.travel(datetime.datetime(2026, 11, 27, 10, tzinfo=PARIS), tick=False):
        yield


@pytest.fixture
def plan(commune):
    return ActionPlanFactory(accompaniment=AccompanimentFactory(commune=commune))


def _late_action(plan, **kwargs):
    """Ended in October 2026 (27 days late today), after the programme's end (30 September 2026)."""
    fields = {"title": "Cantine bio", "end_month": OCTOBER, "status": Action.Status.IN_PROGRESS, **kwargs}
    return ActionFactory(plan=plan, **fields)


def _late_step(commune, **kwargs):
    """Planned to end on 23 October 2026 and still in progress: 35 days late today."""
    request = SupportRequestFactory(commune=commune, in_progress=True, title="Jardin des écoliers")
    fields = {"planned_end": datetime.date(2026, 10, 23), "status": SupportStep.Status.IN_PROGRESS, **kwargs}
    return SupportStepFactory(request=request, **fields)


def _submitted_deliverable(commune, submitted_on: datetime.date, by) -> Deliverable:
    programme = ProgrammeFactory()
    return Deliverable.objects.create(
        version=Deliverable.objects.count() + 1,
        kind=Deliverable.Kind.DIAGNOSTIC,
        content_type=ContentType.objects.get_for_model(programme),
        object_id=programme.pk,
        commune=commune,
        title=f"Synthèse du diagnostic — {commune.name}",
        submitted_by=by,
        submitted_at=datetime.datetime.combine(submitted_on, datetime.time(9), tzinfo=PARIS),
    )


def _count_queries(client, url) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured.captured_queries)


def _csv(response) -> list[dict]:
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(text), delimiter=";"))


# Actions ---------------------------------------------------------------------------------------------------------
def test_action_list_shows_how_late_each_late_action_is(client, consultant, plan):
    _late_action(plan)
    ActionFactory(plan=plan, title="Verger", end_month=datetime.date(2026, 12, 1))
    client.force_login(consultant)
    content = client.get(reverse("missions:action_list")).content.decode()
    assert content.count("En retard de 27 jours") == 1
    assert "Prévu après la fin du marché" in content


def test_action_list_filters_late_actions(client, consultant, plan):
    _late_action(plan)
    ActionFactory(plan=plan, title="Verger partagé", end_month=datetime.date(2026, 12, 1))
    ActionFactory(plan=plan, title="Marché fermier", end_month=OCTOBER, status=Action.Status.DONE)
    client.force_login(consultant)
    late = client.get(reverse("missions:action_list"), {"late": "true"}).content.decode()
    assert "Cantine bio" in late and "Verger partagé" not in late and "Marché fermier" not in late
    on_time = client.get(reverse("missions:action_list"), {"late": "false"}).content.decode()
    assert "Cantine bio" not in on_time and "Verger partagé" in on_time and "Marché fermier" in on_time


def test_action_list_queries_do_not_grow_with_late_actions(client, consultant, plan):
    _late_action(plan)
    client.force_login(consultant)
    url = reverse("missions:action_list")
    client.get(url)
    one = _count_queries(client, url)
    for index in range(15):
        _late_action(plan, title=f"Action {index}")
    assert _count_queries(client, url) == one
    assert _count_queries(client, url + "?late=true") == one


def test_plan_page_and_calendar_flag_late_and_beyond_programme_actions(client, elu, consultant, plan, commune):
    _late_action(plan)
    ActionFactory(
        plan=plan, title="Verger", start_month=datetime.date(2026, 3, 1), end_month=datetime.date(2026, 9, 1)
    )
    client.force_login(consultant)
    for name in ("missions:action_plan", "missions:action_plan_calendar"):
        content = client.get(reverse(name, args=[commune.insee_code])).content.decode()
        assert content.count("En retard de 2") == 1, name  # September's action is late too (58 days), not beyond
        assert content.count("Prévu après la fin du marché (30 sept. 2026)") == 1, name


def test_plan_page_queries_do_not_grow_with_late_actions(client, consultant, plan, commune):
    _late_action(plan)
    client.force_login(consultant)
    url = reverse("missions:action_plan", args=[commune.insee_code])
    client.get(url)
    one = _count_queries(client, url)
    for index in range(10):
        _late_action(plan, title=f"Action {index}")
    assert _count_queries(client, url) == one


def _action_post(**overrides):
    data = {
        "title": "Verger partagé",
        "theme": "jardins_vergers",
        "priority": "2",
        "status": "proposee",
        "progress": "0",
        "cost_estimate": "1500",
        "start_month": "2026-04",
        "end_month": "2029-03",
        "lock_version": "",
        "financements-TOTAL_FORMS": "0",
        "financements-INITIAL_FORMS": "0",
        "financements-MIN_NUM_FORMS": "0",
        "financements-MAX_NUM_FORMS": "1000",
    }
    return data | overrides


def test_action_saved_beyond_the_programme_is_kept_with_a_french_warning(client, consultant, plan, commune):
    client.force_login(consultant)
    response = client.post(reverse("missions:action_create", args=[commune.insee_code]), _action_post(), follow=True)
    content = response.content.decode()
    assert Action.objects.filter(title="Verger partagé", end_month=datetime.date(2029, 3, 1)).exists()
    assert "se termine en mars 2029, après la fin du marché (30 septembre 2026)" in content
    assert "Prévu après la fin du marché" in content  # the action's page flags it too


def test_action_saved_within_the_programme_gets_no_warning(client, consultant, plan, commune):
    client.force_login(consultant)
    response = client.post(
        reverse("missions:action_create", args=[commune.insee_code]), _action_post(end_month="2026-09"), follow=True
    )
    assert "après la fin du marché" not in response.content.decode()


def test_action_export_has_a_lateness_column(client, consultant, plan):
    _late_action(plan)
    ActionFactory(plan=plan, title="Verger", end_month=datetime.date(2026, 12, 1))
    client.force_login(consultant)
    rows = _csv(client.get(reverse("exports:actions", kwargs={"fmt": "csv"})))
    assert {row["Action"]: row["Jours de retard"] for row in rows} == {"Cantine bio": "27", "Verger": ""}
    late_only = _csv(client.get(reverse("exports:actions", kwargs={"fmt": "csv"}), {"late": "true"}))
    assert [row["Action"] for row in late_only] == ["Cantine bio"]


# Support requests ------------------------------------------------------------------------------------------------
def test_support_request_page_shows_late_and_beyond_programme_steps(client, consultant, commune):
    step = _late_step(commune, planned_end=datetime.date(2026, 9, 15))  # within the programme, 73 days late
    SupportStepFactory(request=step.request, kind=SupportStep.Kind.NEED, planned_end=datetime.date(2027, 2, 1))
    client.force_login(consultant)
    content = client.get(step.request.get_absolute_url()).content.decode()
    assert content.count("En retard de") == 1 and "En retard de 73 jours" in content
    assert content.count("Prévu après la fin du marché (30 sept. 2026)") == 1


def test_support_request_page_queries_do_not_grow_with_late_steps(client, consultant, commune):
    step = _late_step(commune)
    client.force_login(consultant)
    url = step.request.get_absolute_url()
    client.get(url)
    one = _count_queries(client, url)
    for kind in (SupportStep.Kind.NEED, SupportStep.Kind.PARTNERS, SupportStep.Kind.FINANCING):
        SupportStepFactory(request=step.request, kind=kind, planned_end=datetime.date(2027, 1, 1))
        SupportStepFactory(
            request=SupportRequestFactory(commune=commune, in_progress=True), planned_end=datetime.date(2026, 1, 1)
        )
    assert _count_queries(client, url) == one


def test_step_saved_beyond_the_programme_is_kept_with_a_french_warning(client, consultant, commune):
    step = _late_step(commune)
    client.force_login(consultant)
    url = reverse("missions:support_step_update", args=[step.request.pk, step.pk])
    data = {"status": SupportStep.Status.IN_PROGRESS, "planned_end": "2027-03-31", "lock_version": step.lock_version}
    response = client.post(url, data, follow=True)
    step.refresh_from_db()
    assert step.planned_end == datetime.date(2027, 3, 31)
    assert "l'étape « De l'idée au projet » est prévue après la fin du marché (30 septembre 2026)" in html.unescape(
        response.content.decode()
    )


def test_support_queue_shows_and_filters_requests_with_late_steps(client, consultant, commune):
    late = _late_step(commune).request
    on_time = SupportStepFactory(
        request=SupportRequestFactory(commune=commune, in_progress=True, title="Verger communal"),
        planned_end=datetime.date(2026, 12, 15),
    ).request
    client.force_login(consultant)
    url = reverse("missions:support_list")
    followed = client.get(url, {"status": "suivies"}).content.decode()
    assert late.title in followed and on_time.title in followed
    assert followed.count("En retard de 35 jours") == 1
    only_late = client.get(url, {"late": "true"}).content.decode()  # no status chosen: every status
    assert late.title in only_late and on_time.title not in only_late
    not_late = client.get(url, {"late": "false", "status": "suivies"}).content.decode()
    assert late.title not in not_late and on_time.title in not_late


def test_support_queue_queries_do_not_grow_with_late_steps(client, consultant, commune):
    _late_step(commune)
    client.force_login(consultant)
    url = reverse("missions:support_list") + "?status=toutes"
    client.get(url)
    one = _count_queries(client, url)
    for _ in range(10):
        _late_step(commune)
    assert _count_queries(client, url) == one


def test_support_request_export_has_a_lateness_column(client, consultant, commune):
    late = _late_step(commune).request
    SupportStepFactory(
        request=SupportRequestFactory(commune=commune, in_progress=True, title="Verger communal"),
        planned_end=datetime.date(2026, 12, 15),
    )
    client.force_login(consultant)
    rows = _csv(client.get(reverse("exports:support_requests", kwargs={"fmt": "csv"}), {"status": "toutes"}))
    column = "Jours de retard (étape la plus en retard)"
    assert {row["Projet"]: row[column] for row in rows} == {late.title: "35", "Verger communal": ""}


# Deliverables awaiting validation --------------------------------------------------------------------------------
def test_awaiting_deliverables_show_days_waiting_and_lateness(client, gbm_officer, consultant, commune, other_commune):
    ProgrammeFactory(validation_due_days=15)
    _submitted_deliverable(commune, datetime.date(2026, 11, 1), consultant)  # 26 days: 11 days late
    _submitted_deliverable(other_commune, datetime.date(2026, 11, 12), consultant)  # 15 days: on the due day
    client.force_login(gbm_officer)
    content = client.get(reverse("deliverable_list")).content.decode()
    assert "26 jours" in content and "15 jours" in content
    assert content.count("En retard de 11 jours") == 1
    assert "Délai de validation prévu au marché : 15 jours" in content


def test_awaiting_deliverables_follow_the_programmes_threshold(client, gbm_officer, consultant, commune):
    ProgrammeFactory(validation_due_days=30)
    _submitted_deliverable(commune, datetime.date(2026, 11, 1), consultant)
    client.force_login(gbm_officer)
    content = client.get(reverse("deliverable_list")).content.decode()
    assert "26 jours" in content and "En retard" not in content


def test_awaiting_deliverables_queries_do_not_grow(client, gbm_officer, consultant, commune):
    _submitted_deliverable(commune, datetime.date(2026, 11, 1), consultant)
    client.force_login(gbm_officer)
    url = reverse("deliverable_list")
    client.get(url)
    one = _count_queries(client, url)
    for day in range(2, 12):
        _submitted_deliverable(commune, datetime.date(2026, 10, day), consultant)
    assert _count_queries(client, url) == one


# Order forms -----------------------------------------------------------------------------------------------------
def test_order_forms_list_and_page_show_and_filter_lateness(client, gbm_officer):
    late = OrderFormFactory(object="Diagnostic de Thise", planned_end=datetime.date(2026, 10, 31))
    OrderFormFactory(object="Atelier de mars", planned_end=datetime.date(2026, 10, 31), status=OrderForm.Status.PAID)
    OrderFormFactory(object="Accompagnement de Chalezeule", planned_end=None)
    client.force_login(gbm_officer)
    url = reverse("missions:order_form_list")
    content = client.get(url).content.decode()
    assert content.count("En retard de 27 jours") == 1
    only_late = client.get(url, {"late": "true"}).content.decode()
    assert "Diagnostic de Thise" in only_late and "Atelier de mars" not in only_late
    assert "Accompagnement de Chalezeule" not in only_late
    page = client.get(late.get_absolute_url()).content.decode()
    assert "Fin d'exécution prévue" in page and "En retard de 27 jours" in page


def test_order_forms_list_queries_do_not_grow_with_late_order_forms(client, gbm_officer):
    OrderFormFactory(planned_end=datetime.date(2026, 10, 31))
    client.force_login(gbm_officer)
    url = reverse("missions:order_form_list")
    client.get(url)
    one = _count_queries(client, url)
    for _ in range(10):
        OrderFormFactory(planned_end=datetime.date(2026, 10, 31))
    assert _count_queries(client, url) == one


def test_order_form_admin_sets_the_planned_end_even_once_issued(client, gbm_officer):
    order_form = OrderFormFactory()
    client.force_login(gbm_officer)
    content = client.get(reverse("admin:missions_orderform_change", args=[order_form.pk])).content.decode()
    assert 'name="planned_end"' in content and "Fin d&#x27;exécution prévue" in content


# Workshops -------------------------------------------------------------------------------------------------------
def test_workshops_list_asks_the_team_to_close_a_past_planned_workshop(client, consultant, elu):
    WorkshopFactory(
        title="Visite de la légumerie",
        starts_at=datetime.datetime(2026, 11, 10, 9, 30, tzinfo=PARIS),
        ends_at=datetime.datetime(2026, 11, 10, 12, 30, tzinfo=PARIS),
    )
    WorkshopFactory(title="Atelier à venir", starts_at=datetime.datetime(2026, 12, 10, 9, 30, tzinfo=PARIS))
    client.force_login(consultant)
    content = client.get(reverse("ateliers:list")).content.decode()
    assert content.count("à clôturer") == 1 and content.count("En retard de 17 jours") == 1
    client.force_login(elu)
    assert "à clôturer" not in client.get(reverse("ateliers:list")).content.decode()


# Commune hub -----------------------------------------------------------------------------------------------------
def test_commune_hub_sections_show_lateness(client, gbm_officer, consultant, plan, commune):
    _late_action(plan)
    _late_step(commune)
    OrderFormFactory(commune=commune, planned_end=datetime.date(2026, 10, 31))
    _submitted_deliverable(commune, datetime.date(2026, 11, 1), consultant)
    client.force_login(gbm_officer)
    content = client.get(commune.get_absolute_url()).content.decode()
    assert "1 action du plan en retard" in content
    assert f"?commune={commune.pk}&amp;late=true" in content
    assert "1 action du plan</a>" in content and "Prévu après la fin du marché" in content
    assert "En retard de 35 jours" in content  # the support request's step
    assert "En retard de 27 jours" in content  # the order form
    assert "En retard de 11 jours" in content  # the diagnostic awaiting validation for 26 days


def test_elu_hub_shows_no_internal_lateness(client, elu, consultant, plan, commune):
    OrderFormFactory(commune=commune, planned_end=datetime.date(2026, 10, 31))
    _submitted_deliverable(commune, datetime.date(2026, 11, 1), consultant)
    client.force_login(elu)
    content = client.get(commune.get_absolute_url()).content.decode()
    assert "En retard de 27 jours" not in content and "En retard de 11 jours" not in content
