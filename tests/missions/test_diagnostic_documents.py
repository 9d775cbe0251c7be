"""The diagnostic's documents: the validated download is the frozen file, the draft is apart, the poster fits one
page; and the layout rules every PDF follows, checked on the PDFs themselves (pypdf)."""

import hashlib
import io
import re

import pytest
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from core.deliverables import submit_deliverable, validate_deliverable
from tests.factories_mission1 import (
    AccompanimentFactory,
    ActionLeadFactory,
    DiagnosticFactory,
    MeetingFactory,
    StakeFactory,
)
from tests.harness.assertions import assert_redirects_to_login

pytestmark = pytest.mark.django_db

LONG = "Un texte de diagnostic assez long pour remplir une affiche, avec des détails sur la cantine. " * 12


def body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def page_lines(content: bytes) -> list[list[str]]:
    return [
        [line for line in (page.extract_text() or "").splitlines() if line.strip()]
        for page in PdfReader(io.BytesIO(content)).pages
    ]


@pytest.fixture
def diagnostic(commune, consultant):
    accompaniment = AccompanimentFactory(commune=commune)
    return DiagnosticFactory(accompaniment=accompaniment, with_content=True)


@pytest.fixture
def validated(diagnostic, consultant, gbm_officer):
    return validate_deliverable(deliverable=submit_deliverable(subject=diagnostic, by=consultant), by=gbm_officer)


def test_validated_diagnostic_main_button_gives_the_frozen_file(client, elu, validated, commune):
    client.force_login(elu)
    response = client.get(reverse("missions:diagnostic_pdf", args=[commune.insee_code]))
    content = body(response)
    with validated.pdf.open("rb") as handle:
        assert content == handle.read()
    assert hashlib.sha256(content).hexdigest() == validated.sha256
    day = timezone.localdate(validated.reviewed_at).isoformat()
    assert f'filename="synthese-diagnostic_amagney_v1_{day}.pdf"' in response["Content-Disposition"]


def test_before_validation_the_main_button_gives_the_labelled_working_draft(client, consultant, diagnostic, commune):
    client.force_login(consultant)
    response = client.get(reverse("missions:diagnostic_pdf", args=[commune.insee_code]))
    assert "document-de-travail" in response["Content-Disposition"]
    assert "Document de travail, non validé" in " ".join(sum(page_lines(response.content), []))


def test_the_working_draft_is_offered_apart_once_validated(client, consultant, validated, commune):
    client.force_login(consultant)
    page = client.get(reverse("missions:diagnostic", args=[commune.insee_code])).content.decode()
    assert "PDF de la synthèse validée (version 1)" in page
    draft_url = reverse("missions:diagnostic_draft_pdf", args=[commune.insee_code])
    assert draft_url in page and "Document de travail (PDF non validé)" in page
    response = client.get(draft_url)
    assert re.search(
        r'filename="synthese-diagnostic_amagney_document-de-travail_\d{4}-\d\d-\d\d\.pdf"',
        response["Content-Disposition"],
    )
    with validated.pdf.open("rb") as handle:
        assert response.content != handle.read()


def test_frozen_version_link_is_named_after_commune_version_and_day(client, gbm_officer, validated):
    client.force_login(gbm_officer)
    response = client.get(reverse("deliverable_pdf", args=[validated.pk]))
    b"".join(response.streaming_content)  # read to its end: the test client closes it
    assert re.search(
        r'filename="synthese-diagnostic_amagney_v1_\d{4}-\d\d-\d\d\.pdf"', response["Content-Disposition"]
    )


# The poster ---------------------------------------------------------------------------------------------------------
def poster_url(commune):
    return reverse("missions:diagnostic_poster_pdf", args=[commune.insee_code])


def test_poster_holds_stakes_and_leads_of_a_validated_diagnostic_on_one_page(
    client, elu, diagnostic, consultant, gbm_officer, commune
):
    for number in range(10):
        StakeFactory(diagnostic=diagnostic, title=f"Enjeu affiché {number} " + "très " * 20, description=LONG)
        ActionLeadFactory(diagnostic=diagnostic, title=f"Piste affichée {number} " + "longue " * 25, description=LONG)
    validate_deliverable(deliverable=submit_deliverable(subject=diagnostic, by=consultant), by=gbm_officer)
    client.force_login(elu)
    response = client.get(poster_url(commune))
    assert response.status_code == 200
    assert re.search(r'filename="affiche-diagnostic_amagney_v1_\d{4}-\d\d-\d\d\.pdf"', response["Content-Disposition"])
    pages = page_lines(response.content)
    assert len(pages) == 1, "the poster must fit one page"
    text = " ".join(pages[0])
    assert "Amagney" in text and "Nos enjeux" in text and "Nos pistes d'actions" in text
    assert "mairie d'Amagney" in text
    assert "7 autres dans la synthèse" in text  # the stakes and leads left out are counted


def test_poster_is_refused_until_a_version_is_validated(client, consultant, diagnostic, commune):
    client.force_login(consultant)
    assert client.get(poster_url(commune)).status_code == 404
    submit_deliverable(subject=diagnostic, by=consultant)
    assert client.get(poster_url(commune)).status_code == 404


def test_poster_follows_the_synthesis_audience(
    client, validated, commune, consultant, gbm_officer, elu, elu_other_commune
):
    for user, expected in ((gbm_officer, 200), (consultant, 200), (elu, 200), (elu_other_commune, 404)):
        client.force_login(user)
        assert client.get(poster_url(commune)).status_code == expected, user
    client.logout()
    assert_redirects_to_login(client.get(poster_url(commune)))


def test_poster_query_count_does_not_grow_with_stakes_and_leads(
    client, consultant, gbm_officer, diagnostic, commune, django_assert_max_num_queries
):
    validate_deliverable(deliverable=submit_deliverable(subject=diagnostic, by=consultant), by=gbm_officer)
    client.force_login(consultant)
    with django_assert_max_num_queries(12) as few:
        assert client.get(poster_url(commune)).status_code == 200
    diagnostic.workflow_status = "brouillon"
    diagnostic.save()
    StakeFactory.create_batch(12, diagnostic=diagnostic)
    ActionLeadFactory.create_batch(12, diagnostic=diagnostic)
    validate_deliverable(deliverable=submit_deliverable(subject=diagnostic, by=consultant), by=gbm_officer)
    with django_assert_max_num_queries(12) as many:
        assert client.get(poster_url(commune)).status_code == 200
    assert len(few.captured_queries) == len(many.captured_queries)


# Layout rules, on the PDFs ------------------------------------------------------------------------------------------
def test_a_long_table_repeats_its_header_row_on_every_page_it_spans(client, consultant, diagnostic, commune):
    for number in range(70):
        MeetingFactory(accompaniment=diagnostic.accompaniment, title=f"Séance numéro {number}")
    client.force_login(consultant)
    pages = page_lines(client.get(reverse("missions:diagnostic_pdf", args=[commune.insee_code])).content)
    spanned = [lines for lines in pages if any("Séance" in line for line in lines)]
    assert len(spanned) >= 2, "the test needs a table over several pages"
    for lines in spanned:
        assert any("Participants nommés" in line for line in lines), lines[:6]


def test_every_page_names_the_document_and_commune_and_counts_pages(client, consultant, diagnostic, commune):
    for number in range(70):
        MeetingFactory(accompaniment=diagnostic.accompaniment, title=f"Séance numéro {number}")
    client.force_login(consultant)
    pages = page_lines(client.get(reverse("missions:diagnostic_pdf", args=[commune.insee_code])).content)
    assert len(pages) >= 2
    for number, lines in enumerate(pages, start=1):
        text = "".join("".join(lines).split())  # pypdf may split a kerned word ("T erritorial")
        assert "GrandBesançonMétropole—ProjetAlimentaireTerritorial" in text
        assert "Synthèsedudiagnostic·Amagney" in text
        assert f"Page{number}sur{len(pages)}" in text
