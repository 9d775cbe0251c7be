"""The steering committee's report: a one-page summary first, then the details; GBM's commentary and the decisions
needed are written before generating a dated edition, kept with its PDF."""

import datetime
import hashlib
import html
import io

import pytest
from django.urls import reverse
from pypdf import PdfReader

from pat_portal.pages.models import ProgrammeReportEdition
from tests.factories import ProgrammeFactory
from tests.factories_mission1 import AccompanimentFactory, ActionFactory, ActionPlanFactory
from tests.harness.assertions import assert_redirects_to_login

pytestmark = pytest.mark.django_db

COMMENTARY = "Quatre communes ont un plan validé ; la mission 3 dépasse sa commande."
DECISIONS = "Valider le thème du prochain atelier\nArbitrer une commande complémentaire"


@pytest.fixture
def programme():
    return ProgrammeFactory(start_date=datetime.date(2025, 1, 1), end_date=datetime.date(2027, 12, 31))


def pages_text(content: bytes) -> list[str]:
    return [" ".join((page.extract_text() or "").split()) for page in PdfReader(io.BytesIO(content)).pages]


def issue(client, **data):
    return client.post(reverse("programme_report"), {"commentary": COMMENTARY, "decisions": DECISIONS, **data})


def test_gbm_issues_an_edition_with_its_commentary_kept_with_the_pdf(client, gbm_officer, programme):
    client.force_login(gbm_officer)
    response = issue(client)
    assert response.status_code == 302
    edition = ProgrammeReportEdition.objects.get()
    assert (edition.commentary, edition.created_by, edition.programme) == (COMMENTARY, gbm_officer, programme)
    with edition.pdf.open("rb") as handle:
        stored = handle.read()
    assert hashlib.sha256(stored).hexdigest() == edition.sha256
    download = client.get(reverse("programme_report_edition_pdf", args=[edition.pk]))
    assert b"".join(download.streaming_content) == stored
    assert f"bilan-programme_{programme.contract_reference.lower()}_" in download["Content-Disposition"]


def test_the_first_page_is_the_executive_summary_then_the_details(client, gbm_officer, programme):
    accompaniment = AccompanimentFactory(programme=programme)
    late = ActionFactory(
        plan=ActionPlanFactory(accompaniment=accompaniment),
        title="Verger en retard",
        end_month=datetime.date(2025, 3, 1),
    )
    client.force_login(gbm_officer)
    issue(client)
    with ProgrammeReportEdition.objects.get().pdf.open("rb") as handle:
        pages = pages_text(handle.read())
    summary = pages[0]
    assert "Bilan du programme — synthèse" in summary
    assert "Quatre communes ont un plan validé" in summary
    assert "Décisions attendues du comité" in summary and "Arbitrer une commande complémentaire" in summary
    assert "Objectifs du marché" in summary and "Compte une nouvelle commune quand son plan" in summary
    assert "Budget" in summary and "Ce qui est en retard" in summary and late.title in summary
    assert "Détails" not in summary and "Détails" in pages[1]


def test_the_preview_says_the_commentary_comes_with_an_edition(client, consultant, programme):
    client.force_login(consultant)
    response = client.get(reverse("programme_report_pdf"))
    summary = pages_text(response.content)[0]
    assert "le commentaire de GBM et les décisions attendues s'ajoutent" in summary
    assert "document-de-travail" in response["Content-Disposition"]


def test_commentary_is_required_with_a_french_error_and_the_input_kept(client, gbm_officer, programme):
    client.force_login(gbm_officer)
    response = issue(client, commentary="  ")
    assert response.status_code == 200
    page = html.unescape(response.content.decode())
    assert "Écrivez le commentaire de GBM avant d'établir le bilan." in page
    assert "Arbitrer une commande complémentaire" in page
    assert not ProgrammeReportEdition.objects.exists()


def test_only_gbm_issues_an_edition_the_team_reads_them(client, consultant, elu, gbm_officer, programme):
    client.force_login(gbm_officer)
    issue(client)
    edition = ProgrammeReportEdition.objects.get()
    client.force_login(consultant)
    assert client.get(reverse("programme_report")).status_code == 200
    assert issue(client).status_code == 403
    assert ProgrammeReportEdition.objects.count() == 1
    download = client.get(reverse("programme_report_edition_pdf", args=[edition.pk]))
    assert download.status_code == 200
    b"".join(download.streaming_content)  # read to its end: the test client closes it
    client.force_login(elu)
    assert client.get(reverse("programme_report")).status_code == 403
    assert issue(client).status_code == 403
    assert client.get(reverse("programme_report_edition_pdf", args=[edition.pk])).status_code == 403
    assert ProgrammeReportEdition.objects.count() == 1
    client.logout()
    assert_redirects_to_login(client.get(reverse("programme_report")))
    assert_redirects_to_login(client.get(reverse("programme_report_edition_pdf", args=[edition.pk])))


def test_report_page_query_count_does_not_grow_with_editions(
    client, gbm_officer, programme, django_assert_max_num_queries
):
    client.force_login(gbm_officer)
    issue(client)
    with django_assert_max_num_queries(12) as one:
        assert client.get(reverse("programme_report")).status_code == 200
    for _ in range(4):
        issue(client, commentary=f"{COMMENTARY} bis")
    with django_assert_max_num_queries(12) as many:
        assert client.get(reverse("programme_report")).status_code == 200
    assert len(one.captured_queries) == len(many.captured_queries)
