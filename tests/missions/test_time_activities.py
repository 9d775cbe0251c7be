"""Time against every kind of activity: accompaniment, workshop (Mission 2), support request (Mission 3), general."""

import datetime
import html

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.urls import reverse

from missions.money.models.time import TimeEntry
from tests.factories_ateliers import WorkshopFactory
from tests.factories_mission1 import AccompanimentFactory
from tests.factories_orders import OrderFormFactory, OrderLineFactory, TimeEntryFactory
from tests.factories_support import SupportRequestFactory

TODAY = datetime.datetime(2026, 4, 17, 10, 0, tzinfo=datetime.UTC)


@pytest.fixture(autouse=True)
def _frozen_today():
    with time_machine.travel(TODAY, tick=False):
        yield


@pytest.fixture
def activities(db, commune):
    line = OrderLineFactory(description="Demi-journée de consultant")
    programme = line.order_form.programme
    return {
        "line": line,
        # Each activity's time goes on a line of its own mission's order form (issue 17).
        "workshop_line": OrderLineFactory(order_form=OrderFormFactory(programme=programme, mission=2)),
        "request_line": OrderLineFactory(order_form=OrderFormFactory(programme=programme, mission=3)),
        "accompaniment": AccompanimentFactory(programme=line.order_form.programme, commune=commune),
        "workshop": WorkshopFactory(programme=line.order_form.programme, title="Vergers partagés", held=True),
        "support_request": SupportRequestFactory(
            programme=line.order_form.programme, commune=commune, title="Jardin de l'école", in_progress=True
        ),
    }


def post_entry(client, line, activity, day="2026-04-14"):
    data = {"date": day, "half_days": "1", "activity": activity, "order_line": line.pk, "comment": ""}
    return client.post(reverse("missions:time_create"), data)


@pytest.mark.django_db
def test_consultant_logs_time_on_each_kind_of_activity(client, consultant, activities):
    line = activities["line"]
    client.force_login(consultant)
    page = html.unescape(client.get(reverse("missions:time_create")).content.decode())
    assert "Mission 2 : ateliers de partage" in page and "Vergers partagés" in page
    assert "Mission 3 : demandes d'accompagnement" in page and "Jardin de l'école" in page
    keys = {
        "general": None,
        f"accompagnement:{activities['accompaniment'].pk}": "accompaniment",
        f"atelier:{activities['workshop'].pk}": "workshop",
        f"demande:{activities['support_request'].pk}": "support_request",
    }
    lines = {"atelier": activities["workshop_line"], "demande": activities["request_line"]}
    for key in keys:
        assert post_entry(client, lines.get(key.partition(":")[0], line), key).status_code == 302, key
    entries = {entry.activity_key: entry for entry in TimeEntry.objects.all()}
    assert set(entries) == set(keys)
    for key, field in keys.items():
        entry = entries[key]
        for other in TimeEntry.ACTIVITY_FIELDS.values():
            assert (getattr(entry, f"{other}_id") is not None) == (other == field)
    assert entries[f"atelier:{activities['workshop'].pk}"].activity_label.startswith("Atelier n°")
    assert entries[f"demande:{activities['support_request'].pk}"].commune == activities["support_request"].commune

    url = reverse("missions:time_list")
    listed = client.get(url, {"activity": f"atelier:{activities['workshop'].pk}"}).context["entries"]
    assert [entry.workshop for entry in listed] == [activities["workshop"]]
    listed = client.get(url, {"activity": "general"}).context["entries"]
    assert [entry.activity for entry in listed] == [TimeEntry.Activity.GENERAL]


@pytest.mark.django_db
def test_cancelled_workshops_and_refused_requests_are_not_offered(client, consultant, activities):
    cancelled = WorkshopFactory(programme=activities["line"].order_form.programme, cancelled=True, title="Annulé")
    refused = SupportRequestFactory(refused=True, title="Projet refusé")
    client.force_login(consultant)
    for forged in (f"atelier:{cancelled.pk}", f"demande:{refused.pk}"):
        response = post_entry(client, activities["line"], forged)
        assert response.status_code == 200
        assert "Sélectionnez un choix valide" in html.unescape(response.content.decode())
    assert not TimeEntry.objects.exists()


@pytest.mark.django_db
def test_an_entry_has_at_most_one_activity(activities, consultant):
    entry = TimeEntry(
        consultant=consultant,
        date=datetime.date(2026, 4, 14),
        half_days=1,
        order_line=activities["line"],
        accompaniment=activities["accompaniment"],
        workshop=activities["workshop"],
    )
    with pytest.raises(ValidationError, match="une seule activité"):
        entry.full_clean()


@pytest.mark.django_db
def test_week_grid_rows_for_workshops_and_support_requests(client, consultant, activities):
    workshop_key = f"atelier:{activities['workshop'].pk}"
    request_key = f"demande:{activities['support_request'].pk}"
    client.force_login(consultant)
    url = reverse("missions:time_week") + "?semaine=2026-04-13"
    data = {"form-TOTAL_FORMS": 2, "form-INITIAL_FORMS": 0, "form-MAX_NUM_FORMS": 40}
    rows = [
        (workshop_key, activities["workshop_line"], ["", "2"]),
        (request_key, activities["request_line"], ["1", "", "1"]),
    ]
    for index, (key, row_line, cells) in enumerate(rows):
        data[f"form-{index}-activity"] = key
        data[f"form-{index}-order_line"] = row_line.pk
        for day, value in enumerate(cells):
            data[f"form-{index}-day_{day}"] = value
    assert client.post(url, data).status_code == 302
    assert sorted((e.date.day, e.activity_key) for e in TimeEntry.objects.all()) == [
        (13, request_key),
        (14, workshop_key),
        (15, request_key),
    ]
    formset = client.get(url).context["formset"]
    assert {row["activity"] for row in formset.initial} == {workshop_key, request_key}


@pytest.mark.django_db
def test_export_names_the_workshop_and_the_support_request_commune(client, consultant, activities):
    TimeEntryFactory(
        consultant=consultant,
        order_line=activities["line"],
        support_request=activities["support_request"],
        date=datetime.date(2026, 4, 14),
    )
    client.force_login(consultant)
    content = b"".join(client.get(reverse("missions:time_export", args=["csv"])).streaming_content).decode()
    assert "Demande DA-" in content
    assert ";Amagney;" in content


@pytest.mark.django_db
def test_time_list_query_count_with_every_kind_of_activity(
    client, consultant, activities, django_assert_max_num_queries
):
    client.force_login(consultant)
    url = reverse("missions:time_list")
    TimeEntryFactory(consultant=consultant, order_line=activities["line"], date=datetime.date(2026, 4, 1))
    with django_assert_max_num_queries(12) as small:
        client.get(url)
    for index in range(30):
        field = ["accompaniment", "workshop", "support_request", None][index % 4]
        extra = {field: activities[field]} if field else {}
        TimeEntryFactory(
            consultant=consultant,
            order_line=activities["line"],
            date=datetime.date(2026, 3, 1) + datetime.timedelta(days=index),
            **extra,
        )
    with django_assert_max_num_queries(12) as large:
        client.get(url)
    assert len(small.captured_queries) == len(large.captured_queries)
