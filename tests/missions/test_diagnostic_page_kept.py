"""The diagnostic page keeps its content between requests (stakes, findings, leads, coverage, meetings): its header
and deliverable panel (workflow buttons, CSRF token) are rendered on every request. The computed path stays within 12
queries for every role, counting the read of the data generation; a second read computes nothing; every write shows
at once; each reader gets their own."""

import pytest
from django.urls import reverse

from core.deliverables import submit_deliverable
from core.models import WorkflowStatus
from missions.mission1.models.diagnostics import Stake
from missions.mission1.services.diagnostics import stakeholder_coverage
from missions.mission1.views import diagnostics as diagnostic_views
from tests.factories import ContactFactory
from tests.factories_mission1 import (
    AccompanimentFactory,
    ActionLeadFactory,
    DiagnosticFactory,
    MeetingFactory,
    MeetingParticipantFactory,
    SharedFindingFactory,
    StakeFactory,
)
from tests.harness.fragments import KEPT_QUERIES, count_queries, page_text, same_minute

pytestmark = pytest.mark.django_db


def _grow(diagnostic, commune, count):
    for _ in range(count):
        StakeFactory(diagnostic=diagnostic)
        SharedFindingFactory(diagnostic=diagnostic)
        lead = ActionLeadFactory(diagnostic=diagnostic)
        lead.resource_people.add(ContactFactory(commune=commune))
        meeting = MeetingFactory(accompaniment=diagnostic.accompaniment)
        MeetingParticipantFactory(meeting=meeting, contact=ContactFactory(commune=commune, category="elu"))


@pytest.mark.parametrize("role", ["gbm", "consultant", "elu"])
def test_the_computed_page_stays_within_12_queries_whatever_the_content(client, users, commune, role):
    diagnostic = DiagnosticFactory(accompaniment=AccompanimentFactory(commune=commune))
    if role == "elu":  # an élu reads a submitted or validated diagnostic; the team's draft runs its checklist
        diagnostic.workflow_status = WorkflowStatus.VALIDATED
        diagnostic.save()
    _grow(diagnostic, commune, 1)
    url = reverse("missions:diagnostic", args=[commune.insee_code])
    client.force_login(users[role])
    client.get(url)  # what persists between requests (content types, the navigation's count) is warm
    small = count_queries(client, url)
    _grow(diagnostic, commune, 4)
    large = count_queries(client, url)
    assert small == large <= 12, (small, large)


def test_a_page_read_again_without_any_write_is_not_computed_again(client, consultant, commune, monkeypatch):
    computed = []
    compute = diagnostic_views._diagnostic_page
    monkeypatch.setattr(diagnostic_views, "_diagnostic_page", lambda *a: computed.append(1) or compute(*a))
    DiagnosticFactory(accompaniment=AccompanimentFactory(commune=commune), with_content=True)
    url = reverse("missions:diagnostic", args=[commune.insee_code])
    client.force_login(consultant)
    with same_minute():
        client.get(url)
        assert count_queries(client, url, cold=False) <= KEPT_QUERIES
    assert len(computed) == 1


def test_the_kept_content_holds_no_token_and_the_panel_is_the_sessions_own(client, consultant, commune, monkeypatch):
    bodies = []
    compute = diagnostic_views._diagnostic_page
    monkeypatch.setattr(diagnostic_views, "_diagnostic_page", lambda *a: bodies.append(compute(*a)[-1]) or compute(*a))
    DiagnosticFactory(accompaniment=AccompanimentFactory(commune=commune), with_content=True)
    client.force_login(consultant)
    page = page_text(client, reverse("missions:diagnostic", args=[commune.insee_code]))
    assert "csrfmiddlewaretoken" in page  # the panel's buttons, rendered for this request
    assert bodies and all("csrfmiddlewaretoken" not in body and "<form" not in body for body in bodies)


def test_a_new_stake_and_a_submission_show_at_once(client, consultant, commune):
    diagnostic = DiagnosticFactory(accompaniment=AccompanimentFactory(commune=commune), with_content=True)
    url = reverse("missions:diagnostic", args=[commune.insee_code])
    client.force_login(consultant)
    assert "Verger de l'école" not in page_text(client, url)
    StakeFactory(diagnostic=diagnostic, title="Verger de l'école")
    assert "Verger de l'école" in page_text(client, url)
    Stake.objects.filter(title="Verger de l'école").update(title="Verger communal")
    assert "Verger communal" in page_text(client, url)
    submit_deliverable(subject=diagnostic, by=consultant)
    assert "Ce document est soumis à validation" in page_text(client, url)


def test_each_reader_gets_their_own_page(client, consultant, elu, elu_other_commune, commune):
    diagnostic = DiagnosticFactory(accompaniment=AccompanimentFactory(commune=commune), with_content=True)
    url = reverse("missions:diagnostic", args=[commune.insee_code])
    client.force_login(consultant)
    assert "Acteurs rencontrés par catégorie" in page_text(client, url)
    client.force_login(elu)
    assert client.get(url).status_code == 404  # a draft: not read from the team's kept page
    submit_deliverable(subject=diagnostic, by=consultant)
    page = page_text(client, url)
    assert diagnostic.context in page and "Acteurs rencontrés par catégorie" not in page
    client.force_login(elu_other_commune)
    assert client.get(url).status_code == 404


def test_coverage_summed_from_the_pages_meetings_is_the_counted_one(commune):
    accompaniment = AccompanimentFactory(commune=commune)
    MeetingFactory(accompaniment=accompaniment, count_residents=0, count_farmers=4, count_others=2)
    MeetingFactory(accompaniment=accompaniment, count_residents=0, count_elus=0)
    MeetingParticipantFactory(
        meeting=MeetingFactory(accompaniment=accompaniment, count_residents=0),
        contact=ContactFactory(category="restauration", commune=commune),
    )
    meetings = list(accompaniment.meetings.all())
    assert stakeholder_coverage(accompaniment, meetings=meetings) == stakeholder_coverage(accompaniment)
    met = {row["value"] for row in stakeholder_coverage(accompaniment, meetings=meetings) if row["met"]}
    assert met == {"agriculteur", "restauration"}
