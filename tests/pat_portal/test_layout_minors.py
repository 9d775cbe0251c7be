"""Minors of the walkthrough (issue 25): a yes/no filter says « Indifférent », not Django's « Inconnu »; the Point
d'étape's milestones agree with the deliverable's name (« Synthèse du diagnostic validée »). The narrow-screen checks
are browser tests (tests/e2e/test_narrow_screens.py)."""

import html

import pytest
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse
from django.utils import timezone

from core.filters import YesNoFilter
from core.models import Deliverable
from pat_portal.pages.status import validated_milestone
from tests.factories import ProgrammeFactory
from tests.factories_mission1 import AccompanimentFactory, DiagnosticFactory

# Every list with a yes/no filter, and the filter's field.
YES_NO_LISTS = {
    "communes:contact_list": "consent_to_share",
    "missions:action_list": "late",
    "missions:order_form_list": "late",
    "missions:support_list": "late",
}


def test_a_yes_no_filter_offers_indifferent_yes_and_no():
    field = YesNoFilter(label="En retard").field
    assert list(field.widget.choices) == [("unknown", "Indifférent"), ("true", "Oui"), ("false", "Non")]
    assert field.clean("unknown") is None and field.clean("true") is True and field.clean("false") is False


@pytest.mark.django_db
@pytest.mark.parametrize("url_name", YES_NO_LISTS)
def test_no_list_filter_reads_inconnu(client, gbm_officer, url_name):
    client.force_login(gbm_officer)
    page = html.unescape(client.get(reverse(url_name)).content.decode())
    assert f'name="{YES_NO_LISTS[url_name]}"' in page
    assert "Indifférent" in page and "Inconnu" not in page


@pytest.mark.parametrize(
    "kind, milestone",
    [
        (Deliverable.Kind.DIAGNOSTIC, "Synthèse du diagnostic validée par GBM"),
        (Deliverable.Kind.ATTENDANCE_SHEET, "Feuille d'émargement validée par GBM"),
        (Deliverable.Kind.SUPPORT_SHEET, "Fiche de suivi et d'évaluation validée par GBM"),
        (Deliverable.Kind.ACTION_PLAN, "Plan d'actions du projet alimentaire communal validé par GBM"),
        (Deliverable.Kind.WORKSHOP_REPORT, "Compte rendu d'atelier validé par GBM"),
    ],
)
def test_a_validated_milestone_agrees_with_the_deliverable(kind, milestone):
    assert validated_milestone(Deliverable(kind=kind)) == milestone


@pytest.mark.django_db
def test_the_point_d_etape_says_the_synthesis_is_validee(client, commune, consultant, gbm_officer):
    accompaniment = AccompanimentFactory(programme=ProgrammeFactory(), commune=commune, lead_consultant=consultant)
    diagnostic = DiagnosticFactory(accompaniment=accompaniment)
    # Frozen as validate_deliverable leaves it, without laying out its PDF.
    Deliverable.objects.create(
        kind=Deliverable.Kind.DIAGNOSTIC,
        content_type=ContentType.objects.get_for_model(diagnostic),
        object_id=diagnostic.pk,
        commune=commune,
        title=str(diagnostic),
        version=1,
        status=Deliverable.Status.VALIDATED,
        submitted_by=consultant,
        submitted_at=timezone.now(),
        reviewed_by=gbm_officer,
        reviewed_at=timezone.now(),
    )
    client.force_login(gbm_officer)
    page = html.unescape(client.get(reverse("commune_status", args=[commune.insee_code])).content.decode())
    assert "Synthèse du diagnostic validée par GBM" in page and "diagnostic validé " not in page
