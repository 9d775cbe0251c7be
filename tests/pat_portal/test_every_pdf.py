"""Every PDF the portal hands out parses, is named by the file-name helper, and has no near-empty page: each page
holds a few lines of body text besides its running header and footer (wordmark, title, status, page number)."""

import io
import re

import pytest
from django.urls import reverse
from pypdf import PdfReader

from core.deliverables import submit_deliverable, validate_deliverable
from tests.factories import ContactFactory, ProgrammeFactory
from tests.factories_ateliers import RegistrationFactory, WorkshopFactory
from tests.factories_mission1 import (
    AccompanimentFactory,
    ActionFactory,
    ActionLeadFactory,
    ActionPlanFactory,
    DiagnosticFactory,
    IndicatorFactory,
    MeetingFactory,
    StakeFactory,
)
from tests.factories_orders import OrderFormFactory, OrderLineFactory
from tests.factories_support import SupportRequestFactory, SupportStepFactory

pytestmark = pytest.mark.django_db

MARGIN_LINES = 4  # wordmark, running title, status, "Page X sur Y" (one line each when they do not wrap)
MIN_BODY_LINES = 3
FILE_NAME = re.compile(r'filename="[a-z0-9-]+(_[a-z0-9-]+)*_\d{4}-\d\d-\d\d\.pdf"')


@pytest.fixture
def documents(commune, consultant, gbm_officer):
    programme = ProgrammeFactory()
    accompaniment = AccompanimentFactory(programme=programme, commune=commune, lead_consultant=consultant)
    diagnostic = DiagnosticFactory(accompaniment=accompaniment, with_content=True)
    for _ in range(3):
        StakeFactory(diagnostic=diagnostic, description="La cantine sert 90 repas par jour. " * 4)
        ActionLeadFactory(diagnostic=diagnostic, description="Rencontrer les producteurs du plateau. " * 3)
    for number in range(12):
        MeetingFactory(accompaniment=accompaniment, title=f"Réunion de travail {number}")
    validate_deliverable(deliverable=submit_deliverable(subject=diagnostic, by=consultant), by=gbm_officer)
    plan = ActionPlanFactory(accompaniment=accompaniment)
    for number in range(6):
        action = ActionFactory(plan=plan, title=f"Action {number}", description="Une action du plan. " * 6)
        IndicatorFactory(action=action)
    request = SupportRequestFactory(programme=programme, commune=commune, in_progress=True)
    for kind in ("idee_projet", "definition_besoin"):
        SupportStepFactory(request=request, kind=kind)
    workshop = WorkshopFactory(programme=programme, held=True)
    for _ in range(14):
        RegistrationFactory(workshop=workshop, contact=ContactFactory(commune=commune), present=True, consenting=True)
    order_form = OrderFormFactory(programme=programme, commune=commune)
    OrderLineFactory(order_form=order_form)
    return {
        "synthèse (version validée)": reverse("missions:diagnostic_pdf", args=[commune.insee_code]),
        "synthèse (document de travail)": reverse("missions:diagnostic_draft_pdf", args=[commune.insee_code]),
        "affiche": reverse("missions:diagnostic_poster_pdf", args=[commune.insee_code]),
        "plan d'actions": reverse("missions:action_plan_pdf", args=[commune.insee_code]),
        "fiche de suivi": reverse("missions:support_draft_pdf", args=[request.pk]),
        "compte rendu": reverse("ateliers:report_pdf", args=[workshop.pk]),
        "feuille d'émargement": reverse("ateliers:attendance_pdf", args=[workshop.pk]),
        "bon de commande": reverse("missions:order_form_pdf", args=[order_form.pk]),
        "bilan du programme": reverse("programme_report_pdf"),
    }


def pages_lines(content: bytes) -> list[int]:
    return [
        len([line for line in (page.extract_text() or "").splitlines() if line.strip()])
        for page in PdfReader(io.BytesIO(content)).pages
    ]


def test_every_pdf_parses_and_no_page_is_near_empty(client, gbm_officer, documents):
    client.force_login(gbm_officer)
    for name, url in documents.items():
        response = client.get(url)
        assert response.status_code == 200, name
        content = b"".join(response.streaming_content) if response.streaming else response.content
        assert content.startswith(b"%PDF-"), name
        lines = pages_lines(content)
        assert lines, f"{name}: no page"
        near_empty = [number for number, count in enumerate(lines, 1) if count - MARGIN_LINES < MIN_BODY_LINES]
        assert near_empty == [], f"{name}: near-empty page(s) {near_empty} (lines per page: {lines})"


def test_every_pdf_is_named_by_the_file_name_helper(client, gbm_officer, documents):
    client.force_login(gbm_officer)
    for name, url in documents.items():
        response = client.get(url)
        disposition = response["Content-Disposition"]
        if response.streaming:
            b"".join(response.streaming_content)  # read to its end: the test client closes it
        assert FILE_NAME.search(disposition), f"{name}: {disposition}"
