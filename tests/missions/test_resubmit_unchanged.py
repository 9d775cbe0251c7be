"""A version GBM sent back, submitted again without any change: the consultant is told so, with GBM's comment, and
chooses to go back and edit it or to submit the same content again on purpose (issue 25)."""

import pytest
from django.urls import reverse

from core.deliverables import return_deliverable, submit_deliverable
from core.models import Deliverable, WorkflowStatus
from missions.mission1.models.diagnostics import Diagnostic
from tests.factories_mission1 import AccompanimentFactory, DiagnosticFactory

pytestmark = pytest.mark.django_db
COMMENT = "Merci de hiérarchiser les enjeux."


@pytest.fixture
def returned(consultant, gbm_officer, commune):
    diagnostic = DiagnosticFactory(accompaniment=AccompanimentFactory(commune=commune), with_content=True)
    deliverable = submit_deliverable(subject=diagnostic, by=consultant)
    return_deliverable(deliverable=deliverable, by=gbm_officer, comment=COMMENT)
    return diagnostic


def submit_url(diagnostic):
    return reverse("deliverable_submit", args=["diagnostic", diagnostic.pk])


def test_submitting_unchanged_content_asks_first_with_gbm_comment(client, consultant, returned):
    client.force_login(consultant)
    response = client.post(submit_url(returned))
    page = response.content.decode()
    assert response.status_code == 200
    assert "n'a pas changé depuis son renvoi" in page and COMMENT in page
    assert "Soumettre quand même, sans modification" in page
    assert Deliverable.objects.count() == 1  # nothing submitted, the content stays editable
    assert Diagnostic.objects.get().workflow_status == WorkflowStatus.RETURNED


def test_submitting_unchanged_on_purpose_makes_the_next_version(client, consultant, returned):
    client.force_login(consultant)
    response = client.post(submit_url(returned), {"sans_modification": "1"})
    assert response.status_code == 302
    assert list(Deliverable.objects.order_by("version").values_list("version", "status")) == [
        (1, Deliverable.Status.RETURNED),
        (2, Deliverable.Status.SUBMITTED),
    ]


def test_changed_content_is_submitted_without_asking(client, consultant, returned):
    Diagnostic.objects.filter(pk=returned.pk).update(context="Un contexte réécrit selon le commentaire.")
    client.force_login(consultant)
    assert client.post(submit_url(returned)).status_code == 302
    assert Deliverable.objects.filter(version=2, status=Deliverable.Status.SUBMITTED).exists()


def test_an_elu_still_cannot_submit(client, elu, returned):
    client.force_login(elu)  # a version sent back is not theirs to read: not found, as before
    assert client.post(submit_url(returned), {"sans_modification": "1"}).status_code == 404
    assert Deliverable.objects.count() == 1
