"""The weekly digest (issue 16): each user's own "À faire / En retard / Nouveau", by e-mail through the task queue,
nothing an élu may not see, switched off per user on /mon-compte/, sent once a week by `manage.py send_digests`."""

import datetime
import io

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from core.deliverables import submit_deliverable
from core.models import User
from pat_portal.pages.digest import send_digests
from tests.factories import ProgrammeFactory, UserFactory
from tests.factories_mission1 import (
    AccompanimentFactory,
    ActionFactory,
    ActionPlanFactory,
    DiagnosticFactory,
    MeetingFactory,
)
from tests.factories_orders import OrderFormFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def programme():
    return ProgrammeFactory(end_date=datetime.date(2027, 12, 31))


@pytest.fixture
def world(programme, commune, other_commune, consultant):
    """Amagney (the élu's commune) and Devecey, each with a submitted diagnostic, a late action and a meeting."""
    for place in (commune, other_commune):
        accompaniment = AccompanimentFactory(programme=programme, commune=place, lead_consultant=consultant)
        submit_deliverable(subject=DiagnosticFactory(accompaniment=accompaniment, with_content=True), by=consultant)
        plan = ActionPlanFactory(accompaniment=accompaniment, workflow_status="soumis")
        ActionFactory(plan=plan, title=f"Cantine {place.name}", end_month=datetime.date(2026, 3, 1))
        meeting = MeetingFactory(accompaniment=accompaniment, title=f"Réunion {place.name}")
        meeting.minutes = f"Compte rendu de {place.name}"
        meeting.internal_notes = "NOTE-INTERNE : le budget inquiète."
        meeting._history_user = consultant
        meeting.save()
    OrderFormFactory(programme=programme, commune=commune, planned_end=datetime.date(2026, 1, 1))


def _digest_of(user) -> str:
    [message] = [message for message in mail.outbox if message.to == [user.email]]
    return message.body


def _send(django_capture_on_commit_callbacks, now=None) -> int:
    with django_capture_on_commit_callbacks(execute=True):
        return send_digests(now=now)


def test_the_digest_lists_the_users_own_todo_late_and_new(gbm_officer, world, django_capture_on_commit_callbacks):
    _send(django_capture_on_commit_callbacks)
    body = _digest_of(gbm_officer)
    assert "À FAIRE (2)" in body and "Livrables à valider (2)" in body
    assert "Synthèse du diagnostic — Amagney" in body and "Synthèse du diagnostic — Devecey" in body
    assert "Actions en retard (2)" in body and "Cantine Amagney" in body
    assert "Bons de commande en retard (1)" in body
    assert "a modifié la réunion « Réunion Devecey » — Devecey" in body
    assert "http://127.0.0.1:8000/livrables/" in body  # links go back to the portal
    assert mail.outbox[0].subject.startswith("[Portail PAT] Votre semaine sur le portail PAT : 2 à faire")


def test_the_elus_digest_says_nothing_an_elu_may_not_see(elu, world, django_capture_on_commit_callbacks):
    _send(django_capture_on_commit_callbacks)
    body = _digest_of(elu)
    assert "Cantine Amagney" in body  # their plan's late action
    assert "a modifié la réunion « Réunion Amagney » — Amagney" in body
    assert "Devecey" not in body  # another commune
    assert "NOTE-INTERNE" not in body and "bon de commande" not in body.lower()  # internal notes, prices
    assert "Synthèse du diagnostic" not in body  # a version GBM has not validated yet


def test_a_user_who_switched_the_digest_off_gets_none(client, gbm_officer, world, django_capture_on_commit_callbacks):
    client.force_login(gbm_officer)
    page = client.get("/mon-compte/").content.decode()
    assert "Le résumé hebdomadaire de ce qui m&#x27;attend" in page
    kinds = ["livrable_soumis", "livrable_examine", "demande_nouvelle", "atelier_planifie"]
    client.post("/mon-compte/", dict.fromkeys(kinds, "on"))
    assert "resume_hebdomadaire" in User.objects.get(pk=gbm_officer.pk).muted_notifications
    _send(django_capture_on_commit_callbacks)
    assert [message for message in mail.outbox if message.to == [gbm_officer.email]] == []


def test_the_digest_is_sent_once_a_week_and_not_to_those_with_nothing(
    gbm_officer, consultant, programme, django_capture_on_commit_callbacks
):
    quiet = UserFactory(elu=True)  # a commune where nothing happens
    submit_deliverable(
        subject=DiagnosticFactory(accompaniment=AccompanimentFactory(programme=programme), with_content=True),
        by=consultant,
    )
    now = timezone.now()
    _send(django_capture_on_commit_callbacks, now=now)
    recipients = [message.to[0] for message in mail.outbox]
    assert gbm_officer.email in recipients and quiet.email not in recipients
    sent = len(mail.outbox)
    _send(django_capture_on_commit_callbacks, now=now + datetime.timedelta(days=3))
    assert len(mail.outbox) == sent  # the same week
    _send(django_capture_on_commit_callbacks, now=now + datetime.timedelta(days=7))
    assert [message.to[0] for message in mail.outbox[sent:]].count(gbm_officer.email) == 1


def test_send_digests_is_a_management_command(gbm_officer, world, django_capture_on_commit_callbacks):
    out = io.StringIO()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("send_digests", stdout=out)
    assert "résumé(s) hebdomadaire(s) mis en file d'envoi" in out.getvalue()
    assert _digest_of(gbm_officer)
