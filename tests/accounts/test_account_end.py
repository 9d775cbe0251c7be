"""Ending accounts (issue 24): past the end date or once deactivated, no login, no session, no share link, no feed;
the history stays, and what waited for the élu waits for the commune."""

import datetime
import io

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from core import access, accounts
from core.deliverables import submit_deliverable
from core.models import User, WorkflowStatus
from missions.mission1.models.action_plans import ActionPlan
from missions.mission1.models.share_links import PlanShareLink
from pat_portal.pages.home import elu_todo
from tests.factories import ProgrammeFactory, UserFactory
from tests.factories_mission1 import AccompanimentFactory, ActionFactory, ActionPlanFactory

pytestmark = pytest.mark.django_db
PASSWORD = "Mot-de-passe-test-1"
TODAY = timezone.localdate()
YESTERDAY = TODAY - datetime.timedelta(days=1)


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    cache.clear()


@pytest.fixture
def plan(commune):
    return ActionPlanFactory(accompaniment=AccompanimentFactory(commune=commune, programme=ProgrammeFactory()))


def _shared(plan, by):
    ActionPlan.objects.filter(pk=plan.pk).update(workflow_status=WorkflowStatus.VALIDATED, approved_at=timezone.now())
    plan.refresh_from_db()
    link, token = PlanShareLink.create_for(plan, by=by, expires_on=TODAY + datetime.timedelta(days=300))
    return link, token


def _login(client, username):
    return client.post(reverse("login"), {"username": username, "password": PASSWORD})


def test_login_works_until_the_end_date_included(client, elu):
    elu.ends_on = TODAY
    elu.save()
    assert _login(client, "elu").status_code == 302


def test_login_refused_in_french_past_the_end_date(client, elu):
    User.objects.filter(pk=elu.pk).update(ends_on=YESTERDAY)
    response = _login(client, "elu")
    content = response.content.decode()
    assert response.status_code == 200
    assert "Ce compte est clos depuis la fin du mandat ou du contrat" in content and f"{YESTERDAY:%d/%m/%Y}" in content
    assert 'value="elu"' in content
    # A wrong password says nothing of the account.
    wrong = client.post(reverse("login"), {"username": "elu", "password": "faux"}).content.decode()
    assert "clos" not in wrong and "Identifiant ou mot de passe incorrect" in wrong


def test_deactivated_account_is_told_so(client, consultant):
    consultant.is_active = False
    consultant.save()
    assert "Ce compte est désactivé" in _login(client, "consultant").content.decode()


def test_open_session_ends_with_the_account(client, elu):
    client.force_login(elu)
    assert client.get("/").status_code == 200
    User.objects.filter(pk=elu.pk).update(ends_on=YESTERDAY)
    response = client.get("/")
    assert response.status_code == 302 and response.url.startswith(reverse("login"))


def test_the_daily_command_revokes_share_links_and_calendar_feed(client, elu, gbm_officer, plan):
    link, token = _shared(plan, elu)
    other_link, other_token = _shared(plan, gbm_officer)
    feed = elu.regenerate_calendar_token()
    assert client.get(reverse("calendar_feed", args=[feed])).status_code == 200
    User.objects.filter(pk=elu.pk).update(ends_on=YESTERDAY)
    # At once, before the command: the feed and the links are off.
    assert client.get(reverse("calendar_feed", args=[feed])).status_code == 404
    before_command = client.get(reverse("missions:shared_plan", args=[token]))
    assert before_command.status_code == 410
    assert "Le compte de la personne qui a créé ce lien est clos" in before_command.content.decode()

    out = io.StringIO()
    call_command("end_accounts", stdout=out)
    assert "1 compte clos" in out.getvalue()
    link.refresh_from_db()
    elu.refresh_from_db()
    assert link.revoked_at is not None and link.revoked_by == elu
    assert elu.calendar_token is None and elu.access_ended_at is not None
    assert client.get(reverse("missions:shared_plan", args=[token])).status_code == 410
    assert client.get(reverse("calendar_feed", args=[feed])).status_code == 404
    # Another person's link lives on; the history stays.
    assert client.get(reverse("missions:shared_plan", args=[other_token])).status_code == 200
    assert User.objects.filter(pk=elu.pk).exists() and PlanShareLink.objects.filter(created_by=elu).exists()

    out = io.StringIO()
    call_command("end_accounts", stdout=out)
    assert "Aucun compte à clore" in out.getvalue()


def test_deactivating_revokes_at_once(client, elu, gbm_officer, plan):
    link, token = _shared(plan, elu)
    elu.regenerate_calendar_token()
    accounts.set_end(elu, ends_on=None, is_active=False, by=gbm_officer)
    link.refresh_from_db()
    elu.refresh_from_db()
    assert link.revoked_by == gbm_officer and elu.calendar_token is None
    # Opened again: it may log in again (what was revoked stays revoked) and end again later.
    accounts.set_end(elu, ends_on=None, is_active=True, by=gbm_officer)
    elu.refresh_from_db()
    assert elu.access_ended_at is None and _login(client, "elu").status_code == 302


def test_deactivating_in_the_admin_revokes_at_once(client, superuser_officer, elu, plan):
    link, _token = _shared(plan, elu)
    elu.regenerate_calendar_token()
    elu.is_active = False
    elu.save()  # what the admin's change form does
    link.refresh_from_db()
    assert link.revoked_at is not None


@pytest.fixture
def superuser_officer(db):
    return UserFactory(username="chef", gbm=True, is_superuser=True)


def test_what_waited_for_a_departed_elu_waits_for_the_next_elu_of_the_commune(client, elu, consultant, plan, commune):
    ActionFactory(plan=plan)
    submit_deliverable(subject=plan, by=consultant)
    accounts.set_end(elu, ends_on=YESTERDAY, is_active=True, by=None)
    successor = UserFactory(username="elu_suivant", elu=True, commune=commune)
    assert list(elu_todo(successor)["plan"]) == [plan]
    assert access.can_approve_action_plan(successor, plan)
    client.force_login(successor)
    response = client.post(
        reverse("missions:action_plan_approve", args=[commune.insee_code]), {"council_decision_date": "2026-11-20"}
    )
    assert response.status_code == 302
    plan.refresh_from_db()
    assert plan.is_approved and plan.approved_by == successor


def test_accounts_ending_soon(elu, consultant):
    User.objects.filter(pk=elu.pk).update(ends_on=TODAY + datetime.timedelta(days=10))
    User.objects.filter(pk=consultant.pk).update(ends_on=TODAY + datetime.timedelta(days=45))
    assert list(accounts.ending_soon()) == [elu]


def test_gbm_home_lists_the_accounts_ending_within_30_days(client, gbm_officer, elu, consultant):
    User.objects.filter(pk=elu.pk).update(ends_on=TODAY + datetime.timedelta(days=10))
    User.objects.filter(pk=consultant.pk).update(ends_on=TODAY + datetime.timedelta(days=45))
    client.force_login(gbm_officer)
    content = client.get("/").content.decode()
    assert "Comptes qui se terminent dans les 30 jours (1)" in content
    assert reverse("communes:person_edit", args=[elu.pk]) in content
    assert reverse("communes:person_edit", args=[consultant.pk]) not in content
