"""Kept fragments are never shown stale (core/freshness.py): any write, however it is made, replaces the
data generation, and a page read after it shows the change at once."""

import datetime
import html

import pytest
import time_machine
from django.core.cache import cache
from django.db import connection, transaction
from django.http import HttpResponse
from django.test import RequestFactory
from django.utils import timezone

from core import freshness
from missions.support.models import SupportRequest
from pat_portal.pages import views
from pat_portal.pages.dashboard import dashboard
from pat_portal.pages.home import home_for
from tests.factories import ProgrammeFactory
from tests.factories_support import SupportRequestFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def programme():
    return ProgrammeFactory(start_date=datetime.date(2025, 1, 1), end_date=datetime.date(2027, 12, 31))


def _home(client) -> str:
    response = client.get("/")
    assert response.status_code == 200
    return html.unescape(response.content.decode())


def test_a_request_created_after_the_home_was_kept_shows_at_once(client, gbm_officer, programme, commune, monkeypatch):
    computed = []
    monkeypatch.setattr(views, "home_for", lambda *args, **kwargs: computed.append(1) or home_for(*args, **kwargs))
    client.force_login(gbm_officer)
    assert "Potager de la fraîcheur" not in _home(client)
    _home(client)
    assert len(computed) == 1  # kept: read back, not computed again
    SupportRequestFactory(programme=programme, commune=commune, title="Potager de la fraîcheur")
    assert "Potager de la fraîcheur" in _home(client)
    assert len(computed) == 2


def test_a_queryset_update_without_signals_is_seen_at_once(client, gbm_officer, programme, commune):
    support_request = SupportRequestFactory(programme=programme, commune=commune, title="Verger partagé")
    client.force_login(gbm_officer)
    assert "Verger partagé" in _home(client)
    SupportRequest.objects.filter(pk=support_request.pk).update(title="Verger des écoles")
    page = _home(client)
    assert "Verger des écoles" in page  # (the news keep the name it was created under)


def test_raw_sql_is_seen_at_once(client, gbm_officer, programme, commune):
    support_request = SupportRequestFactory(programme=programme, commune=commune, title="Verger partagé")
    client.force_login(gbm_officer)
    assert "Verger partagé" in _home(client)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {SupportRequest._meta.db_table} SET title = %s WHERE id = %s",
            ["Jardin du lavoir", support_request.pk],
        )
    assert "Jardin du lavoir" in _home(client)


def test_a_commit_replaces_the_generation_for_the_other_processes(db):
    """Another process cannot see uncommitted rows: the generation it reads is replaced again at commit."""
    first = freshness.generation()
    with pytest.MonkeyPatch.context() as patch:
        bumps = []
        patch.setattr(freshness, "_bump_on_commit", lambda: bumps.append(freshness.bump()))
        with transaction.atomic():
            SupportRequestFactory()
            SupportRequestFactory()  # one commit hook for the transaction, not one per write
            assert sum(hook is freshness._bump_on_commit for _, hook, _ in connection.run_on_commit) == 1
    # pytest-django's test transaction never commits: the hook is registered, and this connection's own reads
    # already see a new generation.
    assert freshness.generation() != first


def test_writes_that_no_page_shows_keep_the_generation(client, gbm_officer):
    client.force_login(gbm_officer)
    client.get("/")  # the home visit's time is written (unwatched) and the session saved (not data)
    kept = freshness.generation()
    client.get("/mon-compte/")
    assert freshness.generation() == kept
    with freshness.unwatched():
        SupportRequestFactory()
    assert freshness.generation() == kept
    SupportRequestFactory()
    assert freshness.generation() != kept


def test_what_depends_on_the_clock_alone_is_at_most_a_minute_old(client, gbm_officer, programme):
    computed = []
    moment = timezone.now().replace(second=5)
    with time_machine.travel(moment, tick=False):
        assert freshness.cached("probe", 1, compute=lambda: computed.append(1) or len(computed)) == 1
        assert freshness.cached("probe", 1, compute=lambda: computed.append(1) or len(computed)) == 1
        assert freshness.cached("probe", 2, compute=lambda: computed.append(1) or len(computed)) == 2
    with time_machine.travel(moment + datetime.timedelta(minutes=1), tick=False):
        assert freshness.cached("probe", 1, compute=lambda: computed.append(1) or len(computed)) == 3


def test_each_user_has_their_own_home(client, users, programme, commune):
    SupportRequestFactory(programme=programme, commune=commune, title="Potager de la fraîcheur")
    client.force_login(users["gbm"])
    assert "Bonjour" in _home(client)
    client.force_login(users["elu"])
    page = _home(client)
    assert f"{users['elu'].commune.name} : ce qui vous attend" in page
    assert "Tableau de bord du programme" not in page


def test_the_dashboard_is_kept_until_a_write_then_shows_it(client, gbm_officer, programme, commune, monkeypatch):
    computed = []
    monkeypatch.setattr(views, "dashboard", lambda *args: computed.append(1) or dashboard(*args))
    client.force_login(gbm_officer)
    assert "Potager de la fraîcheur" not in client.get("/tableau-de-bord/").content.decode()
    client.get("/tableau-de-bord/")
    assert len(computed) == 1
    SupportRequestFactory(programme=programme, commune=commune, title="Potager de la fraîcheur")
    assert "Potager de la fraîcheur" in html.unescape(client.get("/tableau-de-bord/").content.decode())
    assert len(computed) == 2


@pytest.mark.django_db(transaction=True)
def test_a_form_that_redirects_has_replaced_the_generation_before_its_answer_leaves(programme):
    """The page a save redirects to may be served by another process at once: the write is known by then (writes
    committed at once, as in production: no test transaction around them)."""
    kept = freshness.generation()
    seen = []

    def view_writes(request):
        SupportRequestFactory(programme=programme)
        seen.append((freshness._state(connection).dirty, cache.get(freshness.GENERATION_KEY)))
        return HttpResponse("ok")

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(freshness._state(connection), "in_request", True)
        freshness.FreshnessMiddleware(view_writes)(RequestFactory().get("/"))
    assert seen == [(True, kept)]  # within the request: one replacement at its end, not one per statement
    assert freshness._state(connection).dirty is False
    assert cache.get(freshness.GENERATION_KEY) != kept
