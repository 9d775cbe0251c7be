import datetime

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar

from core.deliverables import return_deliverable, submit_deliverable, validate_deliverable
from tests.factories import ContactFactory, UserFactory
from tests.factories_ateliers import WorkshopFactory
from tests.factories_mission1 import (
    AccompanimentFactory,
    ActionFactory,
    ActionPlanFactory,
    DiagnosticFactory,
    MeetingFactory,
)

pytestmark = pytest.mark.django_db
SOON = timezone.now() + datetime.timedelta(days=3)


# Calendar feeds ------------------------------------------------------------------------------------------
def test_feed_through_token_and_revocation(client, consultant, commune):
    MeetingFactory(accompaniment=AccompanimentFactory(commune=commune), title="Copil de la commune", starts_at=SOON)
    WorkshopFactory(title="Atelier verger")
    client.force_login(consultant)
    client.post(reverse("account_calendar_token"))
    consultant.refresh_from_db()
    old = consultant.calendar_token
    client.logout()
    response = client.get(reverse("calendar_feed", args=[old]))
    calendar = Calendar.from_ical(response.content)
    summaries = [str(event["summary"]) for event in calendar.walk("VEVENT")]
    assert any("Copil de la commune" in summary for summary in summaries)
    assert any("Atelier verger" in summary for summary in summaries)
    client.force_login(consultant)
    client.post(reverse("account_calendar_token"))
    consultant.refresh_from_db()
    client.logout()
    assert client.get(reverse("calendar_feed", args=[old])).status_code == 404
    assert client.get(reverse("calendar_feed", args=[consultant.calendar_token])).status_code == 200
    assert client.get(reverse("calendar_feed", args=["inconnu"])).status_code == 404


def test_elu_feed_has_only_own_commune_public_items(client, elu, other_commune):
    mine = MeetingFactory(
        accompaniment=AccompanimentFactory(commune=elu.commune), title="Réunion à moi", agenda="ODJ", starts_at=SOON
    )
    MeetingFactory(accompaniment=AccompanimentFactory(commune=other_commune), title="Réunion voisine", starts_at=SOON)
    elu.regenerate_calendar_token()
    content = client.get(reverse("calendar_feed", args=[elu.calendar_token])).content.decode()
    assert "Réunion à moi" in content
    assert "Réunion voisine" not in content
    assert mine.internal_notes not in content
    assert "NOTE-INTERNE" not in content


def test_inactive_user_feed_is_gone(client, consultant):
    token = consultant.regenerate_calendar_token()
    consultant.is_active = False
    consultant.save()
    assert client.get(reverse("calendar_feed", args=[token])).status_code == 404


# Notifications -------------------------------------------------------------------------------------------
@pytest.fixture
def diagnostic(commune):
    return DiagnosticFactory(accompaniment=AccompanimentFactory(commune=commune), with_content=True)


def test_submission_notifies_each_gbm_officer_once_except_opted_out(
    diagnostic, consultant, gbm_officer, django_capture_on_commit_callbacks
):
    muted = UserFactory(username="gbm2", gbm=True, muted_notifications=["livrable_soumis"])
    with django_capture_on_commit_callbacks(execute=True):
        submit_deliverable(subject=diagnostic, by=consultant)
    assert [message.to for message in mail.outbox] == [[gbm_officer.email]]
    assert "À valider" in mail.outbox[0].subject
    assert "http://127.0.0.1:8000/communes/25014/diagnostic/" in mail.outbox[0].body
    assert muted.email not in str([m.to for m in mail.outbox])


def test_review_notifies_the_author(diagnostic, consultant, gbm_officer, django_capture_on_commit_callbacks):
    deliverable = submit_deliverable(subject=diagnostic, by=consultant)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        return_deliverable(deliverable=deliverable, by=gbm_officer, comment="Ajoutez les chiffres de la cantine.")
    assert [message.to for message in mail.outbox] == [[consultant.email]]
    assert "Ajoutez les chiffres de la cantine." in mail.outbox[0].body


def test_plan_validation_notifies_the_communes_elus(
    commune, consultant, gbm_officer, elu, elu_other_commune, django_capture_on_commit_callbacks
):
    plan = ActionPlanFactory(accompaniment=AccompanimentFactory(commune=commune))
    ActionFactory(plan=plan)
    deliverable = submit_deliverable(subject=plan, by=consultant)
    plan.approve(by=elu, council_decision_date=plan.accompaniment.started_on)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        validate_deliverable(deliverable=deliverable, by=gbm_officer)
    recipients = sorted(address for message in mail.outbox for address in message.to)
    assert recipients == sorted([consultant.email, elu.email])
    assert any("Plan d'actions d'Amagney validé" in message.subject for message in mail.outbox)


def test_nothing_sent_when_the_transaction_rolls_back(diagnostic, consultant, gbm_officer):
    from django.db import transaction

    with pytest.raises(RuntimeError), transaction.atomic():
        submit_deliverable(subject=diagnostic, by=consultant)
        raise RuntimeError
    assert mail.outbox == []


def test_preferences_page_switches_kinds_off(client, gbm_officer):
    client.force_login(gbm_officer)
    content = client.get(reverse("account")).content.decode()
    assert "Un livrable est soumis à la validation de GBM" in content
    client.post(
        reverse("account"),
        {"livrable_examine": "on", "demande_nouvelle": "on", "atelier_planifie": "on", "resume_hebdomadaire": "on"},
    )
    gbm_officer.refresh_from_db()
    assert gbm_officer.muted_notifications == ["livrable_soumis"]
    assert not gbm_officer.wants_notification("livrable_soumis")
    assert gbm_officer.wants_notification("demande_nouvelle")


def test_account_pages_need_login(client):
    assert client.get(reverse("account")).status_code == 302
    assert client.post(reverse("account_calendar_token")).status_code == 302


# Search --------------------------------------------------------------------------------------------------
def test_search_respects_visibility(client, elu, consultant, other_commune):
    accompaniment = AccompanimentFactory(commune=other_commune)
    ActionFactory(plan=ActionPlanFactory(accompaniment=accompaniment), title="Verger secret")
    MeetingFactory(accompaniment=accompaniment, title="Verger réunion")
    ContactFactory(last_name="Vergerot")
    client.force_login(consultant)
    content = client.get(reverse("search"), {"q": "verger"}).content.decode()
    assert "Verger secret" in content and "Verger réunion" in content and "Vergerot" in content
    client.force_login(elu)
    content = client.get(reverse("search"), {"q": "verger"}).content.decode()
    assert "Verger secret" not in content
    assert "Verger réunion" not in content
    assert "Vergerot" not in content
    assert "Aucun résultat" in content


def test_search_finds_own_commune_for_elu_and_handles_short_queries(client, elu):
    client.force_login(elu)
    assert "Amagney" in client.get(reverse("search"), {"q": "amag"}).content.decode()
    assert "au moins deux caractères" in client.get(reverse("search"), {"q": "a"}).content.decode()


def test_search_query_count_is_fixed(client, consultant, django_assert_max_num_queries):
    for n in range(15):
        ContactFactory(last_name=f"Martin{n}")
    client.force_login(consultant)
    with django_assert_max_num_queries(12):
        assert client.get(reverse("search"), {"q": "martin"}).status_code == 200
