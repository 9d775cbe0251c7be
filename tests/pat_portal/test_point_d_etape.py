"""The commune's Point d'étape (issue 16): a page and a one-page A4 PDF for a council meeting or a steering
committee; élus get it without internal notes nor prices; other communes' élus get 404."""

import datetime
import html
import io
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from pypdf import PdfReader

from tests.factories import ProgrammeFactory
from tests.factories_ateliers import RegistrationFactory, WorkshopFactory
from tests.factories_mission1 import AccompanimentFactory, ActionFactory, ActionPlanFactory, MeetingFactory
from tests.factories_orders import OrderFormFactory, OrderLineFactory
from tests.factories_support import SupportRequestFactory, SupportStepFactory

pytestmark = pytest.mark.django_db

PAGE = "/communes/25014/point-d-etape/"
PDF = "/communes/25014/point-d-etape/pdf/"


@pytest.fixture
def accompaniment(commune, consultant, gbm_officer):
    consultant.phone = "06 12 34 56 78"
    consultant.save()
    return AccompanimentFactory(
        programme=ProgrammeFactory(end_date=datetime.date(2027, 12, 31)),
        commune=commune,
        phase="plan_actions",
        lead_consultant=consultant,
        gbm_referent=gbm_officer,
        notes="NOTE-ACCOMPAGNEMENT : le maire veut aller vite.",
    )


def _plan(accompaniment, actions=3):
    plan = ActionPlanFactory(accompaniment=accompaniment, workflow_status="soumis")
    for index in range(actions):
        ActionFactory(
            plan=plan,
            title=f"Action numéro {index}",
            end_month=datetime.date(2026, 6, 1) if index == 0 else datetime.date(2027, 3, 1),
        )
    return plan


def _read(client, user):
    client.force_login(user)
    response = client.get(PAGE)
    return response, html.unescape(response.content.decode())


def test_point_d_etape_tells_phase_done_actions_next_dates_and_contacts(
    client, gbm_officer, consultant, accompaniment
):
    _plan(accompaniment)
    MeetingFactory(accompaniment=accompaniment, starts_at=timezone.now() - datetime.timedelta(days=30))
    MeetingFactory(
        accompaniment=accompaniment,
        starts_at=timezone.now() + datetime.timedelta(days=10),
        kind="copil",
        place="Mairie",
    )
    response, page = _read(client, gbm_officer)
    assert response.status_code == 200
    assert "Plan d'actions (phase actuelle)" in page
    assert "1 réunion tenue" in page
    assert "Action numéro 0" in page and "En retard de" in page  # June 2026 is over
    assert "Comité de pilotage — Mairie" in page  # next date
    assert consultant.email in page and "06 12 34 56 78" in page


def test_elus_get_it_without_internal_notes_nor_prices(client, gbm_officer, elu, accompaniment):
    _plan(accompaniment)
    order_form = OrderFormFactory(programme=accompaniment.programme, commune=accompaniment.commune)
    OrderLineFactory(order_form=order_form, quantity=Decimal("4"), unit_price=Decimal("255.00"))
    _response, team_page = _read(client, gbm_officer)
    assert "NOTE-ACCOMPAGNEMENT" in team_page and "1\u202f020,00\xa0€" in team_page
    response, elu_page = _read(client, elu)
    assert response.status_code == 200
    assert "Action numéro 1" in elu_page
    assert "NOTE-ACCOMPAGNEMENT" not in elu_page and "Notes internes" not in elu_page
    assert "€" not in elu_page and "Bons de commande" not in elu_page


def test_elus_never_see_a_draft_plan_in_it(client, elu, accompaniment):
    plan = _plan(accompaniment)
    plan.workflow_status = "brouillon"
    plan.save()
    _response, page = _read(client, elu)
    assert "Action numéro 0" not in page and "Pas encore de plan d'actions visible." in page


@pytest.mark.parametrize("url", [PAGE, PDF])
@pytest.mark.parametrize(("role", "expected"), [("elu_other", 404), ("anonymous", 302), ("consultant", 200)])
def test_who_may_read_the_point_d_etape(client, users, accompaniment, url, role, expected):
    client.logout()
    if users[role] is not None:
        client.force_login(users[role])
    assert client.get(url).status_code == expected
    assert client.post(url).status_code == (302 if role == "anonymous" else 405)


def test_the_pdf_fits_one_a4_page_with_a_full_commune(client, elu, gbm_officer, accompaniment, commune):
    """As much as the demo's busiest commune: a dozen actions, meetings, requests with steps, workshops."""
    _plan(accompaniment, actions=12)
    now = timezone.now()
    for days in (-200, -150, -100, -60, -30, -10, 15, 40):
        MeetingFactory(accompaniment=accompaniment, starts_at=now + datetime.timedelta(days=days))
    for index in range(3):
        request = SupportRequestFactory(programme=accompaniment.programme, commune=commune, in_progress=True)
        SupportStepFactory(request=request, planned_end=timezone.localdate() + datetime.timedelta(days=20 + index))
    for days in (-90, -40):
        RegistrationFactory(
            workshop=WorkshopFactory(
                programme=accompaniment.programme, held=True, starts_at=now + datetime.timedelta(days=days)
            ),
            commune=commune,
            present=True,
        )
    WorkshopFactory(programme=accompaniment.programme)
    for user in (gbm_officer, elu):
        client.force_login(user)
        response = client.get(PDF)
        assert response["Content-Type"] == "application/pdf"
        reader = PdfReader(io.BytesIO(response.content))
        assert len(reader.pages) == 1, (user.role, len(reader.pages))
        assert "Point d'étape d'Amagney" in reader.pages[0].extract_text()


def _grow(accompaniment, times):
    plan = accompaniment.action_plan
    for index in range(times):
        ActionFactory(plan=plan)
        MeetingFactory(accompaniment=accompaniment, starts_at=timezone.now() + datetime.timedelta(days=index - 3))
        request = SupportRequestFactory(programme=accompaniment.programme, commune=accompaniment.commune)
        SupportStepFactory(request=request, planned_end=timezone.localdate() + datetime.timedelta(days=index + 1))
        workshop = WorkshopFactory(programme=accompaniment.programme, held=True)
        RegistrationFactory(workshop=workshop, commune=accompaniment.commune, present=True)
        order_form = OrderFormFactory(programme=accompaniment.programme, commune=accompaniment.commune)
        OrderLineFactory(order_form=order_form)


@pytest.mark.parametrize("url", [PAGE, PDF])
@pytest.mark.parametrize("role", ["gbm", "elu"])
def test_point_d_etape_runs_a_fixed_small_number_of_queries(client, users, accompaniment, url, role):
    _plan(accompaniment)
    client.force_login(users[role])

    def count():
        client.get(url)
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        return len(captured.captured_queries)

    small = count()
    _grow(accompaniment, 5)
    large = count()
    assert small == large <= 12, (small, large)


def test_the_hub_links_to_the_point_d_etape(client, elu, accompaniment):
    client.force_login(elu)
    page = client.get("/communes/25014/").content.decode()
    assert f'href="{PAGE}"' in page and f'href="{PDF}"' in page
