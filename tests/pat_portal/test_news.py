""" "Nouveau depuis votre dernière visite": who changed what, in words, from the history, filtered by what the reader
may see (issue 16), in one query."""

import datetime

import pytest
from django.utils import timezone

from core.models import User
from pat_portal.pages.news import news_for, news_since
from tests.factories import ProgrammeFactory, UserFactory
from tests.factories_mission1 import AccompanimentFactory, ActionFactory, ActionPlanFactory, MeetingFactory
from tests.factories_orders import OrderFormFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def claire():
    return UserFactory(username="claire", consultant=True, first_name="Claire", last_name="Vuillemin")


@pytest.fixture
def accompaniment(commune):
    return AccompanimentFactory(programme=ProgrammeFactory(), commune=commune)


def _edit(instance, by, **changes):
    for name, value in changes.items():
        setattr(instance, name, value)
    instance._history_user = by
    instance.save()
    return instance


def _since():
    return timezone.now() - datetime.timedelta(minutes=5)


def _sentences(user, since=None) -> list[str]:
    return [item.sentence for item in news_for(user, since or _since())]


def test_news_tells_who_changed_what_where_and_when_in_words(gbm_officer, claire, accompaniment):
    meeting = MeetingFactory(accompaniment=accompaniment, title="Lancement")
    _edit(meeting, claire, minutes="Compte rendu relu.")
    items = news_for(gbm_officer, _since())
    edit = next(item for item in items if item.who == "Claire Vuillemin")
    assert edit.sentence == "Claire Vuillemin a modifié la réunion « Lancement » — Amagney"
    assert edit.url == f"/reunions/{meeting.pk}/"
    assert edit.when == "à l'instant"
    edit.at -= datetime.timedelta(days=2)
    assert edit.when == "il y a 2\xa0jours"


def test_news_leaves_out_the_readers_own_changes(claire, accompaniment):
    meeting = MeetingFactory(accompaniment=accompaniment, title="Lancement")
    _edit(meeting, claire, minutes="Relu.")
    assert not [sentence for sentence in _sentences(claire) if sentence.startswith("Claire Vuillemin")]


def test_news_starts_after_the_previous_visit(gbm_officer, claire, accompaniment):
    meeting = MeetingFactory(accompaniment=accompaniment, title="Lancement")
    _edit(meeting, claire, minutes="Relu.")
    assert not [sentence for sentence in _sentences(gbm_officer, since=timezone.now()) if "Claire" in sentence]


def test_additions_of_many_actions_are_told_together(gbm_officer, claire, accompaniment):
    plan = ActionPlanFactory(accompaniment=accompaniment)
    for _index in range(3):
        action = ActionFactory.build(plan=plan)
        action._history_user = claire
        action.save()
    assert "Claire Vuillemin a ajouté 3 actions au plan d'actions d'Amagney" in _sentences(gbm_officer)


def test_elu_news_shows_only_their_commune(elu, claire, accompaniment, other_commune):
    _edit(MeetingFactory(accompaniment=accompaniment, title="Réunion d'Amagney"), claire, minutes="Relu.")
    other = AccompanimentFactory(programme=accompaniment.programme, commune=other_commune)
    _edit(MeetingFactory(accompaniment=other, title="Réunion de Devecey"), claire, minutes="Relu.")
    sentences = _sentences(elu)
    assert "Claire Vuillemin a modifié la réunion « Réunion d'Amagney » — Amagney" in sentences
    assert not [sentence for sentence in sentences if "Devecey" in sentence]


def test_elu_news_hides_an_edit_of_internal_notes_only(elu, gbm_officer, claire, accompaniment):
    meeting = MeetingFactory(accompaniment=accompaniment, title="Lancement")
    _edit(meeting, claire, internal_notes="Le maire hésite encore.")
    told = "Claire Vuillemin a modifié la réunion « Lancement » — Amagney"
    assert told not in _sentences(elu)
    assert told in _sentences(gbm_officer)  # the team sees every change
    _edit(meeting, claire, minutes="Compte rendu validé en réunion.", internal_notes="Il est rassuré.")
    assert told in _sentences(elu)  # the minutes changed: that is news for the élu (never the notes' text)
    assert not [item for item in news_for(elu, _since()) if "rassuré" in item.sentence]


def test_elu_news_hides_drafts_and_order_forms(elu, gbm_officer, claire, accompaniment):
    plan = ActionPlanFactory(accompaniment=accompaniment)
    _edit(plan, claire, summary="Brouillon en cours.")
    order_form = OrderFormFactory(programme=accompaniment.programme, commune=accompaniment.commune)
    _edit(order_form, gbm_officer, notes="Relancer le service achats.")
    sentences = _sentences(elu)
    assert not [sentence for sentence in sentences if "plan d'actions" in sentence or "bon de commande" in sentence]
    assert "Claire Vuillemin a modifié le plan d'actions d'Amagney" in _sentences(gbm_officer)


def test_news_reads_every_history_table_in_one_query(
    gbm_officer, elu, claire, accompaniment, django_assert_num_queries
):
    """One query says which tables changed (a plain EXISTS per table), one more reads them all when any did."""
    for user in (gbm_officer, elu):
        with django_assert_num_queries(1):
            assert news_for(user, timezone.now()) == []
    _edit(MeetingFactory(accompaniment=accompaniment), claire, minutes="Relu.")
    for user in (gbm_officer, elu):
        with django_assert_num_queries(2):
            assert news_for(user, _since())


def test_the_previous_visit_is_where_news_starts(gbm_officer):
    start = timezone.now()
    assert gbm_officer.start_home_visit(start) is None  # first visit: news of the last days
    assert news_since(None, start) == start - datetime.timedelta(days=14)
    # Reloading during the visit keeps the same starting point.
    assert gbm_officer.start_home_visit(start + datetime.timedelta(minutes=20)) is None
    later = start + datetime.timedelta(hours=3)
    assert gbm_officer.start_home_visit(later) == start + datetime.timedelta(minutes=20)
    stored = User.objects.get(pk=gbm_officer.pk)
    assert (stored.home_previous_visit_at, stored.home_visited_at) == (start + datetime.timedelta(minutes=20), later)


def test_the_home_page_says_what_is_new_since_the_previous_visit(client, gbm_officer, claire, accompaniment):
    client.force_login(gbm_officer)
    client.get("/")
    User.objects.filter(pk=gbm_officer.pk).update(home_visited_at=timezone.now() - datetime.timedelta(hours=2))
    _edit(MeetingFactory(accompaniment=accompaniment, title="Copil de printemps"), claire, minutes="Relu.")
    page = client.get("/").content.decode().replace("&#x27;", "'")
    assert "Claire Vuillemin a modifié la réunion « Copil de printemps » — Amagney</a>, à l'instant" in page
