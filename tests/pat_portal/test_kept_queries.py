"""Kept queries (core.prepared, ADR 0014): built and compiled once, run again on every read. What they read must be
the rows of the moment, follow their `Parameter`s, and never be a value read while building."""

import datetime

import pytest
from django.db.models import IntegerField
from django.utils import timezone

from communes.models import Commune
from core.prepared import Parameter, kept, prepare
from pat_portal.pages.home import consultant_home, gbm_home
from pat_portal.pages.radar import silent_communes
from tests.factories import CommuneFactory, ProgrammeFactory
from tests.factories_ateliers import WorkshopFactory
from tests.factories_mission1 import AccompanimentFactory
from tests.factories_support import SupportRequestFactory

pytestmark = pytest.mark.django_db


def test_a_kept_query_reads_the_rows_of_the_moment_with_its_parameters():
    CommuneFactory(name="Amagney", population=700)
    key = ("test", "communes above")

    def build():
        return prepare(
            Commune.objects.filter(population__gt=Parameter("above", IntegerField())).order_by("name").values("name")
        )

    assert [row["name"] for row in kept(key, build).dicts(above=500)] == ["Amagney"]
    CommuneFactory(name="Thise", population=3200)
    assert [row["name"] for row in kept(key, build).dicts(above=500)] == ["Amagney", "Thise"]
    assert [row["name"] for row in kept(key, build).dicts(above=1000)] == ["Thise"]


def test_building_a_kept_query_may_not_read_the_database():
    def build():
        names = list(Commune.objects.values_list("name", flat=True))  # a value read here would be kept
        return prepare(Commune.objects.filter(name__in=names).values("name"))

    with pytest.raises(AssertionError, match="must not read the database"):
        kept(("test", "reads while building"), build)


def test_gbm_home_lists_are_read_anew_after_a_write(gbm_officer, commune):
    programme = ProgrammeFactory()

    def requests():
        return next(item_list for item_list in gbm_home(gbm_officer, programme).todo if item_list.kind == "request")

    assert requests().count == 0
    SupportRequestFactory(programme=programme, commune=commune)
    assert requests().count == 1 and len(requests().items) == 1


def test_consultant_home_closure_follows_the_moment_of_the_read(consultant):
    """The moment is a Parameter of the kept query: a workshop over between two reads the same day is listed."""
    programme = ProgrammeFactory()
    now = timezone.now().replace(hour=12, minute=0)
    workshop = WorkshopFactory(programme=programme, starts_at=now, ends_at=now + datetime.timedelta(hours=2))

    def closure(at):
        home = consultant_home(consultant, programme, now=at)
        return next(item_list for item_list in home.todo if item_list.kind == "closure").items

    assert closure(now + datetime.timedelta(hours=1)) == []
    assert [item.pk for item in closure(now + datetime.timedelta(hours=3))] == [workshop.pk]


def test_the_radar_follows_its_programme_and_moment(commune, other_commune):
    first = ProgrammeFactory()
    second = ProgrammeFactory(contract_reference="MARCHE-TEST-2", silent_commune_days=200)
    AccompanimentFactory(programme=first, commune=commune)
    AccompanimentFactory(programme=second, commune=other_commune)
    later = timezone.now() + datetime.timedelta(days=100)
    assert [item.commune for item in silent_communes(first, now=later)] == [commune]
    assert silent_communes(second, now=later) == []  # 100 days is not 200
    assert [item.commune for item in silent_communes(second, now=later + datetime.timedelta(days=150))] == [
        other_commune
    ]
    assert silent_communes(first, now=timezone.now()) == []


def test_the_dashboards_figures_are_kept_for_their_reader_and_read_anew(gbm_officer, consultant, commune):
    """The pending decisions ride in the figures' kept query, kept per reader: a new request is counted at once,
    and a reader of another role gets their own query."""
    from pat_portal.pages.dashboard import dashboard

    programme = ProgrammeFactory()
    assert dashboard(programme, gbm_officer)["figures"]["awaiting_requests"] == 0
    SupportRequestFactory(programme=programme, commune=commune)
    assert dashboard(programme, gbm_officer)["figures"]["awaiting_requests"] == 1
    assert dashboard(programme, consultant)["figures"]["awaiting_requests"] == 1


def test_the_support_queue_page_is_read_anew_and_follows_filters_and_weights(client, gbm_officer, commune):
    """The queue's page is a kept query per reader, filters, day, weights and ranks: a request received after a
    first read is listed at the next one, a filter reads its own rows, a change of the weights reorders."""
    from django.urls import reverse

    from missions.support.models import SupportPriorityWeights

    programme = ProgrammeFactory()
    today = timezone.localdate()
    old = SupportRequestFactory(programme=programme, commune=commune, received_on=today - datetime.timedelta(weeks=8))
    client.force_login(gbm_officer)
    url = reverse("missions:support_list")

    def listed(**query):
        return [request.pk for request, _priority in client.get(url, query).context["rows"]]

    assert listed() == [old.pk]
    under_way = SupportRequestFactory(programme=programme, commune=commune, received_on=today, already_under_way=True)
    assert listed() == [old.pk, under_way.pk]  # eight weeks' waiting outweigh a project under way
    assert listed(q=under_way.reference) == [under_way.pk]
    weights = SupportPriorityWeights.load()
    weights.under_way_points = 50
    weights.save()
    assert listed() == [under_way.pk, old.pk]


def test_the_news_are_read_anew_with_their_own_start(gbm_officer, commune):
    """The news' union is kept per reader and changed sources, « since » a Parameter: a second change of the same
    source is told at the next read, and a later start leaves the first one out."""
    from pat_portal.pages.news import news_for
    from tests.factories import UserFactory
    from tests.factories_mission1 import MeetingFactory

    claire = UserFactory(consultant=True, first_name="Claire", last_name="Vuillemin")
    accompaniment = AccompanimentFactory(programme=ProgrammeFactory(), commune=commune)
    start = timezone.now() - datetime.timedelta(minutes=5)

    def edit(title):
        meeting = MeetingFactory(accompaniment=accompaniment, title=title)
        meeting.minutes, meeting._history_user = "Relu.", claire
        meeting.save()

    def told(since):
        return [item.sentence for item in news_for(gbm_officer, since) if item.who == "Claire Vuillemin"]

    edit("Lancement")
    assert len(told(start)) == 1
    middle = timezone.now()
    edit("Comité de suivi")
    assert len(told(start)) == 2
    assert told(middle) == [sentence for sentence in told(start) if "Comité de suivi" in sentence]


def test_the_least_recently_used_kept_query_is_dropped_first(monkeypatch):
    from core import prepared

    monkeypatch.setattr(prepared, "KEPT_MAX", 2)
    monkeypatch.setattr(prepared, "_kept", prepared.OrderedDict())
    built = []

    def build(name):
        def make():
            built.append(name)
            return prepare(Commune.objects.filter(name=name).values("name"))

        return make

    for name in ("a", "b", "a", "c", "a", "b"):
        kept(("test", name), build(name))
    assert built == ["a", "b", "c", "b"]  # « a », read again, stayed; « b » was dropped for « c »
    assert list(prepared._kept) == [("test", "a"), ("test", "b")]
