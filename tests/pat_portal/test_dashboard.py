import datetime
import io

import pytest
from django.urls import reverse
from pypdf import PdfReader

from pat_portal.pages.dashboard import contract_targets, meetings_per_month
from tests.factories import CommuneFactory, ProgrammeFactory
from tests.factories_ateliers import WorkshopFactory
from tests.factories_mission1 import AccompanimentFactory, ActionFactory, ActionPlanFactory, MeetingFactory
from tests.factories_support import SupportRequestFactory

pytestmark = pytest.mark.django_db


def targets_by_key(programme):
    return {target.key: target for target in contract_targets(programme)}


@pytest.fixture
def programme():
    return ProgrammeFactory(new_communes_deadline=datetime.date(2025, 6, 1), small_commune_population=5000)


def test_new_communes_and_the_deadline_rule(programme):
    for day in [datetime.date(2025, 1, 6), datetime.date(2025, 2, 1), datetime.date(2025, 5, 31)]:
        AccompanimentFactory(programme=programme, cohort="nouvelle", started_on=day)
    AccompanimentFactory(programme=programme, cohort="nouvelle", started_on=datetime.date(2025, 6, 1))
    AccompanimentFactory(programme=programme, cohort="deja_engagee")
    AccompanimentFactory(cohort="nouvelle", programme=ProgrammeFactory(contract_reference="AUTRE"))  # not counted
    target = targets_by_key(programme)["new_communes"]
    # Enrolled, not yet a communal food project: none counts until its plan is validated (test_scorecard.py).
    assert (target.count, target.target_min, target.reached) == (0, 4, False)
    assert target.details[0] == ("Communes identifiées", 4)
    assert target.ok_note is False  # only 3 started before 1 June 2025
    assert "3 accompagnée(s) avant le 1er juin 2025" in target.note
    AccompanimentFactory(programme=programme, cohort="nouvelle", started_on=datetime.date(2025, 3, 3))
    assert targets_by_key(programme)["new_communes"].ok_note is True
    assert targets_by_key(programme)["continuing_communes"].count == 1


def test_specific_actions_count_only_small_communes_and_not_abandoned(programme):
    small = AccompanimentFactory(programme=programme, commune=CommuneFactory(population=4999))
    large = AccompanimentFactory(programme=programme, commune=CommuneFactory(population=5000))
    small_plan, large_plan = ActionPlanFactory(accompaniment=small), ActionPlanFactory(accompaniment=large)
    ActionFactory(plan=small_plan, specific_support=True)
    ActionFactory(plan=small_plan, specific_support=True, status="abandonnee")
    ActionFactory(plan=small_plan, specific_support=False)
    ActionFactory(plan=large_plan, specific_support=True)
    target = targets_by_key(programme)["specific_actions"]
    assert (target.count, target.target_label) == (1, "7 à 8")
    programme.small_commune_population = 6000
    programme.save()
    assert targets_by_key(programme)["specific_actions"].count == 2


def test_workshops_held_and_local_projects(programme):
    WorkshopFactory(programme=programme, held=True)
    WorkshopFactory(programme=programme)
    WorkshopFactory(programme=programme, cancelled=True)
    for trait in ["accepted", "in_progress", "completed", "refused", "abandoned"]:
        SupportRequestFactory(programme=programme, **{trait: True})
    SupportRequestFactory(programme=programme)
    targets = targets_by_key(programme)
    assert targets["workshops"].count == 1
    # Mission 3 counts support started or completed; the accepted request waits apart.
    assert targets["local_projects"].count == 2
    assert targets["local_projects"].percent == 50
    assert targets["local_projects"].details == [
        ("En cours", 1),
        ("Terminés", 1),
        ("Acceptées, accompagnement pas encore démarré", 1),
    ]


def test_targets_come_from_the_programme(programme):
    programme.target_workshops_min, programme.target_workshops_max = 2, 2
    programme.save()
    target = targets_by_key(programme)["workshops"]
    assert target.target_label == "2"


def test_meetings_per_month_ends_with_the_current_month(programme):
    chart = meetings_per_month(programme, datetime.date(2026, 11, 22))
    assert len(chart.bars) == 12
    assert chart.bars[-1].label == "nov. 2026"
    assert chart.bars[0].label == "déc. 2025"


def test_dashboard_for_team_not_for_elus(client, gbm_officer, consultant, elu, programme):
    for user in [gbm_officer, consultant]:
        client.force_login(user)
        for url in ("/", "/tableau-de-bord/"):  # the scorecard is on the team's home and on the dashboard
            content = client.get(url).content.decode()
            assert "Où en est-on par rapport au marché ?" in content
            assert "Ateliers de partage tenus" in content
    client.force_login(elu)
    assert "Où en est-on par rapport au marché ?" not in client.get("/").content.decode()
    assert client.get("/tableau-de-bord/").status_code == 403


def test_dashboard_query_count_does_not_grow(client, gbm_officer, programme, django_assert_max_num_queries):
    def add(count):
        for _ in range(count):
            accompaniment = AccompanimentFactory(programme=programme)
            MeetingFactory(accompaniment=accompaniment)
            ActionFactory(plan=ActionPlanFactory(accompaniment=accompaniment), specific_support=True)
            SupportRequestFactory(programme=programme)
            WorkshopFactory(programme=programme, held=True)

    add(1)
    client.force_login(gbm_officer)
    with django_assert_max_num_queries(25) as small:
        assert client.get("/tableau-de-bord/").status_code == 200
    add(15)
    with django_assert_max_num_queries(25) as large:
        assert client.get("/tableau-de-bord/").status_code == 200
    assert len(small.captured_queries) == len(large.captured_queries)


def test_programme_report_pdf(client, gbm_officer, elu, programme, django_assert_max_num_queries):
    accompaniment = AccompanimentFactory(
        programme=programme, commune=CommuneFactory(name="Petiteville", population=800)
    )
    ActionFactory(plan=ActionPlanFactory(accompaniment=accompaniment), specific_support=True, title="Verger partagé")
    client.force_login(gbm_officer)
    with django_assert_max_num_queries(30) as small:
        response = client.get(reverse("programme_report_pdf"))
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
    assert "Bilan du programme" in text
    assert "Petiteville" in text and "Verger partagé" in text
    for _ in range(10):
        ActionFactory(
            plan=ActionPlanFactory(accompaniment=AccompanimentFactory(programme=programme)), specific_support=True
        )
    with django_assert_max_num_queries(30) as large:
        client.get(reverse("programme_report_pdf"))
    assert len(small.captured_queries) == len(large.captured_queries)
    client.force_login(elu)
    assert client.get(reverse("programme_report_pdf")).status_code == 403
    client.logout()
    assert client.get(reverse("programme_report_pdf")).status_code == 302


def test_the_prepared_figures_are_the_counts_of_the_moment_and_follow_the_programme(programme):
    """programme_figures keeps its compiled query per programme state: the counts are read anew on every call, and a
    change to the programme (its deadline, its population threshold) gives the query of its new state."""
    from core.querysets import count_all
    from pat_portal.pages.dashboard import _programme_querysets, programme_figures

    def fresh():
        querysets, grouped = _programme_querysets(programme, True)
        return count_all(querysets, grouped=grouped)

    AccompanimentFactory(programme=programme, cohort="nouvelle", started_on=datetime.date(2025, 3, 1))
    assert programme_figures(programme) == fresh()
    assert programme_figures(programme)["new_before_deadline"] == 1
    AccompanimentFactory(programme=programme, cohort="nouvelle", started_on=datetime.date(2025, 4, 1))
    assert programme_figures(programme)["new_before_deadline"] == 2  # read again, not kept
    programme.new_communes_deadline = datetime.date(2025, 3, 15)
    programme.save()
    assert programme_figures(programme)["new_before_deadline"] == 1
    programme.new_communes_deadline = None
    programme.save()
    assert programme_figures(programme) == fresh()
    assert programme_figures(programme)["new_before_deadline"] == 0
