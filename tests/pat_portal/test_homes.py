"""Each role's home page lists exactly its items, one test per kind of item; an élu never sees another commune's
(issue 16). The pages stay within 12 queries and do not grow with the data."""

import datetime
import html
from decimal import Decimal

import pytest
from django.utils import timezone

from core.deliverables import return_deliverable, submit_deliverable
from core.models import Deliverable
from missions.mission1.models.accompaniments import Accompaniment
from missions.money.models.orders import OrderForm
from missions.support.models import SupportStep
from pat_portal.pages.home import consultant_home, elu_home, gbm_home
from tests.factories import CommuneFactory, ProgrammeFactory, UserFactory
from tests.factories_ateliers import RegistrationFactory, ThemeFactory, WorkshopFactory
from tests.factories_mission1 import (
    AccompanimentFactory,
    ActionFactory,
    ActionPlanFactory,
    DiagnosticFactory,
    MeetingFactory,
)
from tests.factories_orders import OrderFormFactory, OrderLineFactory, TimeEntryFactory
from tests.factories_support import SupportRequestFactory, SupportStepFactory

pytestmark = pytest.mark.django_db

MAX_QUERIES = 12


@pytest.fixture
def programme():
    return ProgrammeFactory(start_date=datetime.date(2025, 1, 1), end_date=datetime.date(2027, 12, 31))


@pytest.fixture
def accompaniment(programme, commune, consultant):
    return AccompanimentFactory(programme=programme, commune=commune, lead_consultant=consultant)


def _kinds(home, part="todo") -> dict[str, list[int]]:
    return {item_list.kind: [item.pk for item in item_list.items] for item_list in getattr(home, part)}


def _page(client, user) -> str:
    client.force_login(user)
    response = client.get("/")
    assert response.status_code == 200
    return html.unescape(response.content.decode())


def _submitted_diagnostic(accompaniment, by, days_ago=0):
    diagnostic = DiagnosticFactory(accompaniment=accompaniment, with_content=True)
    deliverable = submit_deliverable(subject=diagnostic, by=by)
    Deliverable.objects.filter(pk=deliverable.pk).update(
        submitted_at=timezone.now() - datetime.timedelta(days=days_ago)
    )
    return deliverable


def _submitted_plan(accompaniment, by):
    """A submitted plan (its diagnostic submitted before it, as the plan's checklist asks)."""
    if not Deliverable.objects.filter(commune=accompaniment.commune, kind=Deliverable.Kind.DIAGNOSTIC).exists():
        _submitted_diagnostic(accompaniment, by)
    plan = ActionPlanFactory(accompaniment=accompaniment)
    ActionFactory(plan=plan, end_month=datetime.date(2027, 6, 1))
    deliverable = submit_deliverable(subject=plan, by=by)
    plan.refresh_from_db()
    return plan, deliverable


# GBM ---------------------------------------------------------------------------------------------------------------
def test_gbm_home_lists_deliverables_awaiting_validation_with_days_waiting(
    client, gbm_officer, consultant, programme, accompaniment
):
    deliverable = _submitted_diagnostic(accompaniment, consultant, days_ago=20)
    home = gbm_home(gbm_officer, programme)
    assert _kinds(home)["deliverable"] == [deliverable.pk]
    item = home.todo[0].items[0]
    assert "20 jours d'attente" in item.detail
    assert item.lateness.label == "En retard de 5 jours"  # validation_due_days 15
    page = _page(client, gbm_officer)
    assert "Livrables à valider (1)" in page and "En retard de 5 jours" in page


def test_gbm_home_lists_requests_awaiting_decision(gbm_officer, programme, commune):
    received = SupportRequestFactory(programme=programme, commune=commune)
    under_review = SupportRequestFactory(programme=programme, commune=commune, under_review=True)
    SupportRequestFactory(programme=programme, commune=commune, accepted=True)
    assert sorted(_kinds(gbm_home(gbm_officer, programme))["request"]) == sorted([received.pk, under_review.pk])


def test_gbm_home_lists_themes_awaiting_validation(gbm_officer, programme):
    proposed = ThemeFactory(proposed=True)
    ThemeFactory()  # validated
    ThemeFactory(rejected=True)
    assert _kinds(gbm_home(gbm_officer, programme))["theme"] == [proposed.pk]


def test_gbm_home_lists_plans_approved_by_their_commune_not_those_waiting_for_it(
    gbm_officer, consultant, elu, programme, accompaniment
):
    plan, deliverable = _submitted_plan(accompaniment, consultant)
    kinds = _kinds(gbm_home(gbm_officer, programme))
    assert kinds["approved_plan"] == [] and deliverable.pk not in kinds["deliverable"]  # waits for the council
    plan.approve(by=elu, council_decision_date=datetime.date(2026, 11, 20))
    home = gbm_home(gbm_officer, programme)
    assert _kinds(home)["approved_plan"] == [deliverable.pk]
    approved = next(item_list for item_list in home.todo if item_list.kind == "approved_plan")
    assert "approuvé par le conseil municipal le 20 novembre 2026" in approved.items[0].detail


def test_gbm_home_lists_actions_steps_and_order_forms_past_their_planned_end(
    gbm_officer, programme, accompaniment, commune
):
    today = timezone.localdate()
    plan = ActionPlanFactory(accompaniment=accompaniment)
    late_action = ActionFactory(plan=plan, end_month=datetime.date(2026, 9, 1))
    ActionFactory(plan=plan, end_month=datetime.date(2026, 9, 1), status="realisee")
    ActionFactory(plan=plan, end_month=today.replace(day=1))  # its month is not over
    request = SupportRequestFactory(programme=programme, commune=commune, in_progress=True)
    late_step = SupportStepFactory(request=request, planned_end=today - datetime.timedelta(days=35))
    SupportStepFactory(request=request, kind=SupportStep.Kind.NEED, planned_end=today + datetime.timedelta(days=3))
    late_order = OrderFormFactory(programme=programme, planned_end=today - datetime.timedelta(days=2))
    OrderFormFactory(programme=programme, planned_end=today - datetime.timedelta(days=2), status=OrderForm.Status.PAID)
    home = gbm_home(gbm_officer, programme)
    late = _kinds(home, "late")
    assert (late["late_action"], late["late_step"], late["late_order"]) == (
        [late_action.pk],
        [late_step.pk],
        [late_order.pk],
    )
    steps = next(item_list for item_list in home.late if item_list.kind == "late_step")
    assert steps.items[0].lateness.label == "En retard de 35 jours"


def test_gbm_home_radar_lists_communes_silent_for_the_programmes_days(gbm_officer, programme, commune, other_commune):
    """Every signal of activity keeps a commune off the radar: a meeting held, an edit, a login of its élu."""
    later = timezone.now() + datetime.timedelta(days=90)  # a controlled clock: today's activity is 90 days old then
    silent = AccompanimentFactory(programme=programme, commune=commune)
    with_meeting = AccompanimentFactory(programme=programme, commune=other_commune)
    MeetingFactory(accompaniment=with_meeting, starts_at=later - datetime.timedelta(days=5))
    with_login = AccompanimentFactory(programme=programme, commune=CommuneFactory(name="Chalezeule"))
    UserFactory(elu=True, commune=with_login.commune, last_login=later - datetime.timedelta(days=2))
    with_edit = AccompanimentFactory(programme=programme, commune=CommuneFactory(name="Thise"))
    Accompaniment.history.filter(id=with_edit.pk).update(history_date=later - datetime.timedelta(days=1))
    AccompanimentFactory(programme=programme, commune=CommuneFactory(name="Roche"), phase="cloturee")
    radar = gbm_home(gbm_officer, programme, now=later).context["silent"]
    assert [item.commune for item in radar] == [silent.commune]
    assert 89 <= radar[0].silent_days <= 90 and radar[0].may_be_reminded


def test_gbm_home_shows_missions_and_order_forms_over_80_and_100_percent_with_text(
    client, gbm_officer, consultant, programme
):
    warning = OrderFormFactory(programme=programme, mission=2, object="Ateliers")
    line = OrderLineFactory(order_form=warning, quantity=Decimal("10"))
    TimeEntryFactory(consultant=consultant, order_line=line, half_days=2, date=datetime.date(2026, 3, 2))
    for day in range(3, 6):
        TimeEntryFactory(consultant=consultant, order_line=line, half_days=2, date=datetime.date(2026, 3, day))
    over = OrderFormFactory(programme=programme, mission=3, object="Projets locaux")
    over_line = OrderLineFactory(order_form=over, quantity=Decimal("2"))
    for day in range(2, 4):
        TimeEntryFactory(consultant=consultant, order_line=over_line, half_days=2, date=datetime.date(2026, 4, day))
    OrderFormFactory(programme=programme, mission=1, with_lines=True)  # nothing consumed
    alerts = gbm_home(gbm_officer, programme).context["budget_alerts"]
    levels = {alert.label: alert.figures.level for alert in alerts}
    assert levels[f"{warning.number} — Ateliers"] == "warning"
    assert levels[f"{over.number} — Projets locaux"] == "alert"
    assert len(alerts) == 4  # the two order forms and their missions
    page = _page(client, gbm_officer)
    assert "Attention : 80 % atteints" in page and "Dépassement" in page  # said in words, not only in colour
    assert "200,0 % consommés" in page


def test_gbm_home_keeps_the_scorecard_below_a_faire(client, gbm_officer, programme):
    page = _page(client, gbm_officer)
    assert page.index("À faire (") < page.index("Où en est-on par rapport au marché ?")


# Consultant ---------------------------------------------------------------------------------------------------------
def test_consultant_home_lists_what_gbm_sent_back_to_them_with_the_comment(
    client, gbm_officer, consultant, programme, accompaniment, other_commune
):
    deliverable = _submitted_diagnostic(accompaniment, consultant)
    return_deliverable(deliverable=deliverable, by=gbm_officer, comment="Ajoutez les enjeux de la cantine.")
    someone_else = UserFactory(consultant=True)
    other = AccompanimentFactory(programme=programme, commune=other_commune, lead_consultant=someone_else)
    theirs = _submitted_diagnostic(other, someone_else)
    return_deliverable(deliverable=theirs, by=gbm_officer, comment="Pas pour vous.")
    assert _kinds(consultant_home(consultant, programme))["returned"] == [deliverable.pk]
    page = _page(client, consultant)
    assert "Ajoutez les enjeux de la cantine." in page and "Pas pour vous." not in page
    submit_deliverable(subject=deliverable.subject, by=consultant)  # sent again: no longer to do
    assert _kinds(consultant_home(consultant, programme))["returned"] == []


def test_consultant_home_lists_their_meetings_without_minutes_after_the_programmes_days(
    consultant, programme, accompaniment
):
    now = timezone.now()
    late = MeetingFactory(accompaniment=accompaniment, starts_at=now - datetime.timedelta(days=10), minutes="")
    MeetingFactory(accompaniment=accompaniment, starts_at=now - datetime.timedelta(days=3), minutes="")
    MeetingFactory(accompaniment=accompaniment, starts_at=now - datetime.timedelta(days=10))  # has minutes
    MeetingFactory(starts_at=now - datetime.timedelta(days=10), minutes="")  # another consultant's commune
    home = consultant_home(consultant, programme)
    assert _kinds(home)["minutes"] == [late.pk]
    assert home.todo[1].items[0].lateness.label == "En retard de 3 jours"  # minutes_due_days 7


def test_consultant_home_lists_weeks_without_time(consultant, programme):
    now = timezone.make_aware(datetime.datetime(2026, 11, 27, 10))  # a Friday
    line = OrderLineFactory(order_form=OrderFormFactory(programme=programme))
    TimeEntryFactory(consultant=consultant, order_line=line, date=datetime.date(2026, 11, 3))  # week of 2 Nov
    TimeEntryFactory(consultant=consultant, order_line=line, date=datetime.date(2026, 11, 20))  # week of 16 Nov
    TimeEntryFactory(order_line=line, date=datetime.date(2026, 11, 10))  # someone else's
    home = consultant_home(consultant, programme, now=now)
    assert home.context["weeks_without_time"] == [datetime.date(2026, 10, 26), datetime.date(2026, 11, 9)]
    assert home.todo_count == 2


def test_consultant_home_lists_workshops_over_and_still_planned(consultant, programme):
    past = WorkshopFactory(programme=programme, past=True)
    WorkshopFactory(programme=programme, held=True)
    WorkshopFactory(programme=programme)
    assert _kinds(consultant_home(consultant, programme))["closure"] == [past.pk]


def test_consultant_home_gives_their_accompaniments_next_steps(client, consultant, programme, accompaniment):
    accompaniment.phase = Accompaniment.Phase.DIAGNOSTIC
    accompaniment.save()
    MeetingFactory(accompaniment=accompaniment, starts_at=timezone.now() + datetime.timedelta(days=4), title="Copil")
    AccompanimentFactory(programme=programme, lead_consultant=UserFactory(consultant=True))  # not theirs
    rows = consultant_home(consultant, programme).context["accompaniments"]
    assert [(row[0].pk, row[1]) for row in rows] == [(accompaniment.pk, "Rédiger le diagnostic et le soumettre à GBM")]
    assert "prochaine réunion le" in _page(client, consultant)


def test_consultant_home_lists_workshops_to_prepare_with_registrations(client, consultant, programme, commune):
    workshop = WorkshopFactory(programme=programme, title="Cantine bio locale")
    RegistrationFactory(workshop=workshop, commune=commune)
    RegistrationFactory(workshop=workshop, commune=commune)
    WorkshopFactory(programme=programme, cancelled=True)
    workshops = consultant_home(consultant, programme).context["workshops"]
    assert [(item.pk, item.registered) for item in workshops] == [(workshop.pk, 2)]
    assert "2 inscrit·es" in _page(client, consultant)


def test_consultant_home_lists_late_actions_of_the_communes_they_lead_only(consultant, programme, accompaniment):
    mine = ActionFactory(plan=ActionPlanFactory(accompaniment=accompaniment), end_month=datetime.date(2026, 1, 1))
    ActionFactory(end_month=datetime.date(2026, 1, 1))  # another commune, another consultant
    assert _kinds(consultant_home(consultant, programme), "late")["late_action"] == [mine.pk]


# Élu ---------------------------------------------------------------------------------------------------------------
def test_elu_home_opens_on_the_plan_awaiting_their_approval_as_a_primary_button(
    client, elu, consultant, programme, accompaniment
):
    plan, _deliverable = _submitted_plan(accompaniment, consultant)
    assert _kinds(elu_home(elu))["plan"] == [plan.pk]
    page = _page(client, elu)
    assert 'class="btn btn-primary btn-lg" href="/communes/25014/plan-d-actions/">Votre plan d\'actions attend' in page
    assert page.index("Votre plan d'actions attend votre approbation") < page.index("Code INSEE")
    plan.approve(by=elu, council_decision_date=datetime.date(2026, 11, 20))
    assert _kinds(elu_home(elu))["plan"] == []
    assert "Votre plan d'actions attend votre approbation" not in _page(client, elu)


def test_elu_home_says_their_plan_is_being_written_without_showing_it(client, elu, consultant, accompaniment):
    ActionPlanFactory(accompaniment=accompaniment)
    page = _page(client, elu)
    assert "Votre plan d'actions est en cours de rédaction" in page and "Voir le plan d'actions" not in page


def test_elu_home_shows_their_next_workshop_with_a_registration_button(client, elu, programme, commune):
    later = WorkshopFactory(programme=programme, starts_at=timezone.now() + datetime.timedelta(days=40))
    first = WorkshopFactory(programme=programme, title="Visite de la légumerie")
    WorkshopFactory(programme=programme, past=True)
    RegistrationFactory(workshop=first, commune=commune)
    assert [workshop.pk for workshop in elu_home(elu).context["workshops"]] == [first.pk, later.pk]
    page = _page(client, elu)
    assert f'href="/ateliers/{first.pk}/inscriptions/nouvelle/">Inscrire une personne' in page
    assert "1 personne de votre commune inscrite" in page


def test_elu_home_shows_the_state_of_their_requests_only(client, elu, programme, commune, other_commune):
    mine = SupportRequestFactory(programme=programme, commune=commune, title="Verger communal", under_review=True)
    SupportRequestFactory(programme=programme, commune=other_commune, title="Verger de Devecey")
    assert [item.pk for item in elu_home(elu).context["requests"]] == [mine.pk]
    page = _page(client, elu)
    assert "Verger communal" in page and "En instruction : en attente de la décision de GBM" in page
    assert "Verger de Devecey" not in page


def _validated(subject, commune, by, kind=Deliverable.Kind.DIAGNOSTIC, title="Synthèse du diagnostic"):
    from django.contrib.contenttypes.models import ContentType

    now = timezone.now()
    return Deliverable.objects.create(
        kind=kind,
        content_type=ContentType.objects.get_for_model(subject),
        object_id=subject.pk,
        commune=commune,
        title=f"{title} — {commune}",
        version=1,
        status=Deliverable.Status.VALIDATED,
        submitted_by=by,
        submitted_at=now,
        reviewed_by=by,
        reviewed_at=now,
        sha256="a" * 64,
    )


def test_elu_home_lists_their_validated_documents_to_download(
    client, elu, gbm_officer, programme, accompaniment, other_commune
):
    diagnostic = DiagnosticFactory(accompaniment=accompaniment)
    document = _validated(diagnostic, accompaniment.commune, gbm_officer)
    other = DiagnosticFactory(accompaniment=AccompanimentFactory(programme=programme, commune=other_commune))
    _validated(other, other_commune, gbm_officer)
    assert [item.pk for item in elu_home(elu).context["documents"]] == [document.pk]
    assert f'href="/livrables/{document.pk}/pdf/"' in _page(client, elu)


def test_elu_home_lists_their_plans_late_actions_only(
    client, elu, consultant, programme, accompaniment, other_commune
):
    plan, _deliverable = _submitted_plan(accompaniment, consultant)
    late = ActionFactory(plan=plan, title="Potager de l'école", end_month=datetime.date(2026, 2, 1))
    other_plan, _other = _submitted_plan(AccompanimentFactory(programme=programme, commune=other_commune), consultant)
    ActionFactory(plan=other_plan, title="Action de Devecey", end_month=datetime.date(2026, 2, 1))
    assert _kinds(elu_home(elu), "late")["late_action"] == [late.pk]
    page = _page(client, elu)
    assert "Potager de l'école" in page and "Action de Devecey" not in page


def test_elu_home_never_shows_another_communes_items(client, elu, consultant, programme, other_commune):
    other = AccompanimentFactory(programme=programme, commune=other_commune)
    _submitted_plan(other, consultant)
    MeetingFactory(accompaniment=other, title="Réunion de Devecey")
    SupportRequestFactory(programme=programme, commune=other_commune, title="Demande de Devecey")
    page = _page(client, elu)
    assert "Devecey" not in page
    assert "Rien n'attend votre approbation." in page


# Query counts ------------------------------------------------------------------------------------------------------
def _grow(programme, commune, consultant, times):
    accompaniment = Accompaniment.objects.filter(commune=commune).first() or AccompanimentFactory(
        programme=programme, commune=commune, lead_consultant=consultant
    )
    plan = ActionPlanFactory(accompaniment=accompaniment) if not hasattr(accompaniment, "action_plan") else None
    plan = plan or accompaniment.action_plan
    now = timezone.now()
    for index in range(times):
        other = AccompanimentFactory(programme=programme, lead_consultant=consultant)
        _submitted_diagnostic(other, consultant, days_ago=index)
        ActionFactory(plan=plan, end_month=datetime.date(2026, 1, 1))
        SupportRequestFactory(programme=programme, commune=commune)
        step_request = SupportRequestFactory(programme=programme, commune=commune, in_progress=True)
        SupportStepFactory(request=step_request, planned_end=datetime.date(2026, 1, 1))
        ThemeFactory(proposed=True)
        OrderFormFactory(programme=programme, planned_end=datetime.date(2026, 1, 1), with_lines=True)
        MeetingFactory(accompaniment=accompaniment, starts_at=now - datetime.timedelta(days=20 + index), minutes="")
        workshop = WorkshopFactory(programme=programme, starts_at=now + datetime.timedelta(days=index + 1))
        RegistrationFactory(workshop=workshop, commune=commune)
        WorkshopFactory(programme=programme, past=True)


@pytest.mark.parametrize("role", ["gbm", "consultant", "elu"])
def test_home_runs_a_fixed_small_number_of_queries(client, users, programme, commune, consultant, role):
    user = users[role]
    client.force_login(user)
    _grow(programme, commune, consultant, 1)
    client.get("/")  # the visit is recorded once; reloading within the visit writes nothing
    small = _count(client)
    _grow(programme, commune, consultant, 6)
    large = _count(client)
    assert small == large <= MAX_QUERIES, (small, large)


def _count(client):
    """The queries of one home page."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        assert client.get("/").status_code == 200
    return len(captured.captured_queries)


def test_a_new_visit_costs_one_write_at_most(client, gbm_officer, programme):
    client.force_login(gbm_officer)
    first = _count(client)
    again = _count(client)
    assert first == again + 1 <= MAX_QUERIES + 1
