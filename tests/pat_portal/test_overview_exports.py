import csv
import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from tests.factories import CommuneFactory, ContactFactory
from tests.factories_ateliers import RegistrationFactory
from tests.factories_mission1 import AccompanimentFactory, ActionFactory, ActionPlanFactory, MeetingFactory
from tests.factories_support import SupportRequestFactory

pytestmark = pytest.mark.django_db


def read_csv(response):
    content = b"".join(response.streaming_content).decode("utf-8")
    assert content.startswith("\ufeff")
    return list(csv.reader(io.StringIO(content[1:]), delimiter=";"))


def read_xlsx(response):
    data = b"".join(response.streaming_content)
    sheet = load_workbook(io.BytesIO(data), read_only=True).active
    return [list(row) for row in sheet.iter_rows(min_row=2, values_only=True)]  # under the title row


def test_overview_shows_where_each_commune_stands(client, consultant, commune, other_commune):
    accompaniment = AccompanimentFactory(commune=commune, cohort="nouvelle", phase="plan_actions")
    plan = ActionPlanFactory(accompaniment=accompaniment)
    ActionFactory(plan=plan, specific_support=True)
    ActionFactory(plan=plan)
    SupportRequestFactory(commune=commune)
    RegistrationFactory(contact__commune=commune, present=True)
    client.force_login(consultant)
    response = client.get(reverse("overview"))
    row = next(c for c in response.context["communes"] if c == commune)
    assert (row.overview_cohort, row.overview_phase, row.overview_actions, row.overview_specific_actions) == (
        "nouvelle",
        "plan_actions",
        2,
        1,
    )
    assert (row.overview_requests, row.overview_attendances) == (1, 1)
    other = next(c for c in response.context["communes"] if c == other_commune)
    assert (other.overview_cohort, other.overview_actions) == (None, 0)


def test_overview_query_count_does_not_grow(client, consultant, django_assert_max_num_queries):
    def add(count):
        for _ in range(count):
            accompaniment = AccompanimentFactory()
            ActionFactory(plan=ActionPlanFactory(accompaniment=accompaniment))
            SupportRequestFactory(commune=accompaniment.commune)

    add(1)
    client.force_login(consultant)
    with django_assert_max_num_queries(12) as small:
        client.get(reverse("overview"))
    add(20)
    with django_assert_max_num_queries(12) as large:
        client.get(reverse("overview"))
    assert len(small.captured_queries) == len(large.captured_queries)


def test_communes_export_respects_filters_csv_and_xlsx(client, consultant):
    CommuneFactory(name="Petite", population=300)
    CommuneFactory(name="Grande", population=120000)
    client.force_login(consultant)
    rows = read_csv(client.get(reverse("exports:communes", args=["csv"]), {"population": "lt1000"}))
    assert rows[0][:3] == ["Code INSEE", "Commune", "Population"]
    assert [row[1] for row in rows[1:]] == ["Petite"]
    rows = read_xlsx(client.get(reverse("exports:communes", args=["xlsx"])))
    assert sorted(row[1] for row in rows[1:]) == ["Grande", "Petite"]
    assert client.get(reverse("exports:communes", args=["pdf"])).status_code == 404


def test_actions_export_has_plan_commune_cost_and_indicators(client, consultant, commune):
    from tests.factories_mission1 import IndicatorValueFactory

    action = ActionFactory(plan=ActionPlanFactory(accompaniment=AccompanimentFactory(commune=commune)), title="Verger")
    IndicatorValueFactory(indicator__action=action)
    client.force_login(consultant)
    rows = read_csv(client.get(reverse("exports:actions", args=["csv"])))
    header, row = rows[0], rows[1]
    record = dict(zip(header, row, strict=True))
    assert record["Commune"] == "Amagney" and record["Action"] == "Verger"
    assert record["Coût estimé (€)"] == "1000,00"
    assert "Part de produits locaux" in record["Indicateurs"]


def test_actions_export_writes_each_action_its_own_funding_total_and_indicators(client, gbm_officer, commune):
    """Funding and indicators are read per chunk of actions as plain rows: each action gets its own, in order."""
    from decimal import Decimal

    from tests.factories_mission1 import FundingSourceFactory, IndicatorFactory, IndicatorValueFactory

    plan = ActionPlanFactory(accompaniment=AccompanimentFactory(commune=commune))
    lead = ContactFactory(first_name="Rose", last_name="Vallet", organisation="Jardins de Cocagne")
    verger = ActionFactory(plan=plan, title="Verger", position=1, theme="jardins_vergers", lead_contact=lead)
    cantine = ActionFactory(plan=plan, title="Cantine", position=2, status="en_cours", lead_organisation="Mairie")
    FundingSourceFactory(action=verger, amount=Decimal("1500.00"))
    FundingSourceFactory(action=verger, amount=Decimal("250.50"))
    meals = IndicatorFactory(action=verger, name="Repas bio", unit="%")
    IndicatorValueFactory(indicator=meals, year=2027, target=Decimal("40"), actual=None)
    IndicatorValueFactory(indicator=meals, year=2026, target=None, actual=Decimal("12.5"))
    IndicatorFactory(action=verger, name="Bénévoles", unit="")
    IndicatorValueFactory(indicator=IndicatorFactory(action=cantine, name="Couverts"), year=2026)
    client.force_login(gbm_officer)
    rows = read_csv(client.get(reverse("exports:actions", args=["csv"])))
    records = [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]
    assert [record["Action"] for record in records] == ["Verger", "Cantine"]
    assert [record["Financements (€)"] for record in records] == ["1750,50", "0"]
    assert [record["Indicateurs"] for record in records] == [
        "Repas bio (%) [2026 : cible — / réalisé 12,50, 2027 : cible 40,00 / réalisé —] ; Bénévoles []",
        "Couverts (%) [2026 : cible 20,00 / réalisé 12,00]",
    ]
    assert [record["Porteur"] for record in records] == ["Rose Vallet (Jardins de Cocagne)", "Mairie"]
    assert [record["Thème"] for record in records] == ["Jardins et vergers", records[1]["Thème"]]
    assert [record["Statut"] for record in records] == ["Proposée", "En cours"]
    xlsx = read_xlsx(client.get(reverse("exports:actions", args=["xlsx"])))
    funding = xlsx[0].index("Financements (€)")
    assert [row[funding] for row in xlsx[1:]] == [1750.5, 0]
    assert xlsx[1][xlsx[0].index("Indicateurs")] == records[0]["Indicateurs"]


def test_meetings_export_internal_notes_only_for_gbm_on_request(client, consultant, gbm_officer, commune):
    MeetingFactory(accompaniment=AccompanimentFactory(commune=commune))
    client.force_login(consultant)
    content = b"".join(
        client.get(reverse("exports:meetings", args=["csv"]), {"notes_internes": "1"}).streaming_content
    )
    assert b"NOTE-INTERNE-SECRETE" not in content
    client.force_login(gbm_officer)
    content = b"".join(client.get(reverse("exports:meetings", args=["csv"])).streaming_content)
    assert b"NOTE-INTERNE-SECRETE" not in content
    content = b"".join(
        client.get(reverse("exports:meetings", args=["csv"]), {"notes_internes": "1"}).streaming_content
    )
    assert b"NOTE-INTERNE-SECRETE" in content


def test_contacts_export_consent_and_role_rules(client, consultant, gbm_officer):
    ContactFactory(last_name="Daccord", consenting=True, email="daccord@example.org")
    ContactFactory(last_name="Refus", email="refus@example.org")
    client.force_login(consultant)
    rows = read_csv(client.get(reverse("exports:contacts", args=["csv"])))
    assert "E-mail" not in rows[0]
    assert [row[0] for row in rows[1:]] == ["Daccord"]
    client.force_login(gbm_officer)
    rows = read_csv(client.get(reverse("exports:contacts", args=["csv"])))
    assert "E-mail" in rows[0]
    assert sorted(row[0] for row in rows[1:]) == ["Daccord", "Refus"]


def test_support_requests_export(client, consultant):
    SupportRequestFactory(title="Jardin des écoles", accepted=True)
    client.force_login(consultant)
    rows = read_csv(client.get(reverse("exports:support_requests", args=["csv"]), {"status": "toutes"}))
    assert rows[1][rows[0].index("Projet")] == "Jardin des écoles"


@pytest.mark.parametrize("name", ["communes", "actions", "meetings", "contacts", "support_requests"])
def test_exports_refused_to_elus_and_anonymous(client, elu, name):
    client.force_login(elu)
    assert client.get(reverse(f"exports:{name}", args=["csv"])).status_code == 403
    client.logout()
    assert client.get(reverse(f"exports:{name}", args=["csv"])).status_code == 302


@pytest.mark.parametrize("name", ["communes", "actions", "meetings", "contacts", "support_requests"])
def test_export_query_count_does_not_grow(client, gbm_officer, name, django_assert_max_num_queries):
    def add(count):
        for _ in range(count):
            accompaniment = AccompanimentFactory()
            action = ActionFactory(plan=ActionPlanFactory(accompaniment=accompaniment))
            from tests.factories_mission1 import FundingSourceFactory, IndicatorValueFactory

            FundingSourceFactory(action=action)
            IndicatorValueFactory(indicator__action=action)
            MeetingFactory(accompaniment=accompaniment)
            ContactFactory(consenting=True)
            SupportRequestFactory(commune=accompaniment.commune)

    add(1)
    client.force_login(gbm_officer)
    url = reverse(f"exports:{name}", args=["csv"])
    with django_assert_max_num_queries(12) as small:
        b"".join(client.get(url).streaming_content)
    add(10)
    with django_assert_max_num_queries(12) as large:
        b"".join(client.get(url).streaming_content)
    assert len(small.captured_queries) == len(large.captured_queries)
