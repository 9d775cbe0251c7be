"""Time tracking: logging and correcting half-days, month locks, the week grid, roles, exports, query counts."""

import csv
import datetime
import html
import io
import re
from decimal import Decimal

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from missions.money.models.orders import OrderForm, OrderLine
from missions.money.models.time import TimeEntry, TimeMonthLock
from missions.money.services import consumption
from tests.factories import UserFactory
from tests.factories_mission1 import AccompanimentFactory
from tests.factories_orders import OrderFormFactory, OrderLineFactory, TimeEntryFactory, TimeMonthLockFactory
from tests.harness.assertions import assert_redirects_to_login
from tests.harness.forms import form_posting_to, post_forms

TODAY = datetime.datetime(2025, 4, 18, 10, 0, tzinfo=datetime.UTC)  # a Friday
MONDAY = datetime.date(2025, 4, 14)


@pytest.fixture(autouse=True)
def _frozen_today():
    with time_machine.travel(TODAY, tick=False):
        yield


@pytest.fixture
def line(db):
    return OrderLineFactory(
        order_form=OrderFormFactory(number="BC-2025-003"),
        description="Demi-journée de consultant senior",
        quantity=Decimal("20"),
        unit_price=Decimal("255.00"),
    )


@pytest.fixture
def accompaniment(line, commune):
    return AccompanimentFactory(programme=line.order_form.programme, commune=commune)


def entry_data(line, accompaniment=None, **overrides):
    data = {
        "date": "2025-04-15",
        "half_days": "2",
        "activity": f"accompagnement:{accompaniment.pk}" if accompaniment else "general",
        "order_line": line.pk,
        "comment": "Réunion d'élus",
    }
    data.update(overrides)
    return data


def text(response) -> str:
    return html.unescape(response.content.decode())


# Logging --------------------------------------------------------------------------------------------
@pytest.mark.django_db
def test_consultant_logs_half_days_against_an_accompaniment_and_an_order_line(client, consultant, line, accompaniment):
    client.force_login(consultant)
    response = client.post(reverse("missions:time_create"), entry_data(line, accompaniment))
    assert response.status_code == 302
    entry = TimeEntry.objects.get()
    assert (entry.consultant, entry.date, entry.half_days) == (consultant, datetime.date(2025, 4, 15), 2)
    assert entry.accompaniment == accompaniment and entry.order_line == line
    assert entry.valued_amount == Decimal("510.00")
    response = client.get(reverse("missions:time_list"))
    content = text(response)
    assert "Accompagnement — Amagney" in content
    assert "510,00\u00a0€" in content


@pytest.mark.django_db
def test_consultant_logs_general_programme_work(client, consultant, line):
    client.force_login(consultant)
    assert client.post(reverse("missions:time_create"), entry_data(line)).status_code == 302
    entry = TimeEntry.objects.get()
    assert entry.accompaniment is None
    assert entry.activity_label == "Travail général sur le programme"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"date": "2025-04-19"}, "On ne saisit pas de temps à l'avance"),
        ({"half_days": "3"}, "Sélectionnez un choix valide"),
        ({"date": "pas une date"}, "Saisissez une date valide."),
        ({"order_line": ""}, "Ce champ est obligatoire."),
    ],
)
def test_bad_time_input_gives_french_errors_and_keeps_the_input(client, consultant, line, overrides, message):
    client.force_login(consultant)
    response = client.post(reverse("missions:time_create"), entry_data(line, **overrides))
    assert response.status_code == 200
    content = text(response)
    assert message in content
    assert "Réunion d'élus" in content
    assert not TimeEntry.objects.exists()


@pytest.mark.django_db
def test_time_goes_only_on_half_day_lines_of_issued_order_forms(client, consultant, line):
    flat = OrderLineFactory(order_form=line.order_form, unit=OrderLine.Unit.FLAT, description="Forfait salle")
    draft_line = OrderLineFactory(order_form=OrderFormFactory(draft=True), description="Ligne d'un brouillon")
    client.force_login(consultant)
    page = text(client.get(reverse("missions:time_create")))
    assert "Demi-journée de consultant senior" in page
    assert "Forfait salle" not in page and "Ligne d'un brouillon" not in page
    for forged in (flat, draft_line):
        response = client.post(reverse("missions:time_create"), entry_data(line, order_line=forged.pk))
        assert response.status_code == 200
        assert "Cette ligne n'est pas proposée" in text(response)
    assert not TimeEntry.objects.exists()
    entry = TimeEntry(consultant=consultant, date=MONDAY, half_days=1, order_line=flat)
    with pytest.raises(Exception, match="forfait"):
        entry.full_clean()


@pytest.mark.django_db
def test_duplicate_entry_for_same_day_activity_and_line_is_refused(client, consultant, line):
    TimeEntryFactory(consultant=consultant, order_line=line, date=datetime.date(2025, 4, 15))
    client.force_login(consultant)
    response = client.post(reverse("missions:time_create"), entry_data(line))
    assert response.status_code == 200
    assert "Une saisie existe déjà ce jour-là" in text(response)
    assert TimeEntry.objects.count() == 1


@pytest.mark.django_db
def test_consultant_corrects_and_deletes_their_own_entry(client, consultant, line):
    entry = TimeEntryFactory(consultant=consultant, order_line=line, date=MONDAY, half_days=1)
    client.force_login(consultant)
    response = client.post(
        reverse("missions:time_update", args=[entry.pk]),
        entry_data(line, date="2025-04-14", half_days="2", lock_version=entry.lock_version),
    )
    assert response.status_code == 302
    entry.refresh_from_db()
    assert entry.half_days == 2
    assert entry.history.count() == 2
    assert client.post(reverse("missions:time_delete", args=[entry.pk])).status_code == 302
    assert not TimeEntry.objects.exists()


@pytest.mark.django_db
def test_consultant_cannot_edit_or_delete_someone_elses_entry(client, consultant, line):
    colleague_entry = TimeEntryFactory(order_line=line, date=MONDAY, half_days=1)
    client.force_login(consultant)
    update_url = reverse("missions:time_update", args=[colleague_entry.pk])
    assert client.get(update_url).status_code == 403
    assert client.post(update_url, entry_data(line, half_days="2")).status_code == 403
    assert client.post(reverse("missions:time_delete", args=[colleague_entry.pk])).status_code == 403
    colleague_entry.refresh_from_db()
    assert colleague_entry.half_days == 1


@pytest.mark.django_db
def test_gbm_sees_everyones_time_and_may_correct_it(client, gbm_officer, consultant, line):
    other = UserFactory(consultant=True, first_name="Amélie", last_name="Faivre")
    TimeEntryFactory(consultant=consultant, order_line=line, date=MONDAY)
    entry = TimeEntryFactory(consultant=other, order_line=line, date=MONDAY)
    client.force_login(gbm_officer)
    response = client.get(reverse("missions:time_list"))
    assert len(response.context["entries"]) == 2
    assert "Amélie Faivre" in text(response)
    response = client.get(reverse("missions:time_list"), {"consultant": other.pk})
    assert [e.pk for e in response.context["entries"]] == [entry.pk]
    data = entry_data(line, date="2025-04-14", half_days="2", consultant=other.pk, lock_version=entry.lock_version)
    assert client.post(reverse("missions:time_update", args=[entry.pk]), data).status_code == 302
    entry.refresh_from_db()
    assert entry.half_days == 2 and entry.consultant == other


@pytest.mark.django_db
def test_list_filters_by_month_order_form_and_activity(client, consultant, line, accompaniment):
    march = TimeEntryFactory(consultant=consultant, order_line=line, date=datetime.date(2025, 3, 31))
    april = TimeEntryFactory(consultant=consultant, order_line=line, date=MONDAY, accompaniment=accompaniment)
    other_form = TimeEntryFactory(consultant=consultant, date=MONDAY)
    client.force_login(consultant)
    url = reverse("missions:time_list")

    def pks(**params):
        return {entry.pk for entry in client.get(url, params).context["entries"]}

    assert pks(month="2025-03") == {march.pk}
    assert pks(order_form=line.order_form_id) == {march.pk, april.pk}
    assert pks(activity=f"accompagnement:{accompaniment.pk}") == {april.pk}
    assert pks(activity="general") == {march.pk, other_form.pk}
    response = client.get(url, {"month": "mars"})
    assert "Indiquez un mois au format AAAA-MM" in text(response)


# Month locks ----------------------------------------------------------------------------------------
@pytest.mark.django_db
def test_locked_month_refuses_creation_correction_and_deletion(client, consultant, line):
    entry = TimeEntryFactory(consultant=consultant, order_line=line, date=datetime.date(2025, 3, 20), half_days=1)
    TimeMonthLockFactory(month=datetime.date(2025, 3, 1))
    client.force_login(consultant)
    message = "Le mois de mars 2025 est verrouillé par GBM"

    response = client.post(reverse("missions:time_create"), entry_data(line, date="2025-03-21"))
    assert response.status_code == 200
    assert message in text(response)

    update_url = reverse("missions:time_update", args=[entry.pk])
    assert message in text(client.get(update_url))
    response = client.post(update_url, entry_data(line, date="2025-03-20", half_days="2"))
    assert message in text(response)

    # Moving an entry out of a locked month is a change of that month too.
    response = client.post(update_url, entry_data(line, date="2025-04-14"))
    assert message in text(response)

    response = client.post(reverse("missions:time_delete", args=[entry.pk]), follow=True)
    assert message in text(response)

    entry.refresh_from_db()
    assert (entry.date, entry.half_days) == (datetime.date(2025, 3, 20), 1)
    assert TimeEntry.objects.count() == 1
    assert "Mois verrouillé" in text(client.get(reverse("missions:time_list")))


@pytest.mark.django_db
def test_moving_an_entry_into_a_locked_month_is_refused(client, consultant, line):
    entry = TimeEntryFactory(consultant=consultant, order_line=line, date=MONDAY)
    TimeMonthLockFactory(month=datetime.date(2025, 3, 1))
    client.force_login(consultant)
    response = client.post(reverse("missions:time_update", args=[entry.pk]), entry_data(line, date="2025-03-10"))
    assert "Le mois de mars 2025 est verrouillé" in text(response)
    entry.refresh_from_db()
    assert entry.date == MONDAY


@pytest.mark.django_db
def test_gbm_locks_and_reopens_a_month(client, gbm_officer, consultant, line):
    client.force_login(gbm_officer)
    assert "Verrouiller" in text(client.get(reverse("missions:time_list")))
    response = client.post(reverse("missions:time_month_lock", args=[2025, 3]), follow=True)
    assert "Le mois de mars 2025 est verrouillé" in text(response)
    lock = TimeMonthLock.objects.get()
    assert (lock.month, lock.locked_by) == (datetime.date(2025, 3, 1), gbm_officer)
    client.post(reverse("missions:time_month_lock", args=[2025, 3]))
    assert TimeMonthLock.objects.count() == 1
    response = client.post(reverse("missions:time_month_unlock", args=[2025, 3]), follow=True)
    assert "rouvert" in text(response)
    assert not TimeMonthLock.objects.exists()
    assert lock.history.count() == 2
    assert client.post(reverse("missions:time_month_lock", args=[2025, 13])).status_code == 404


@pytest.mark.django_db
def test_consultant_cannot_lock_or_unlock_a_month(client, consultant):
    TimeMonthLockFactory(month=datetime.date(2025, 2, 1))
    client.force_login(consultant)
    assert client.post(reverse("missions:time_month_lock", args=[2025, 3])).status_code == 403
    assert client.post(reverse("missions:time_month_unlock", args=[2025, 2])).status_code == 403
    assert list(TimeMonthLock.objects.values_list("month", flat=True)) == [datetime.date(2025, 2, 1)]
    assert "Verrouiller" not in text(client.get(reverse("missions:time_list")))


# Week view --------------------------------------------------------------------------------------------
def week_post(rows, extra_blank=0, **cells_by_row):
    data = {"form-TOTAL_FORMS": len(rows) + extra_blank, "form-INITIAL_FORMS": 0, "form-MAX_NUM_FORMS": 40}
    for index, (activity, line_pk, days) in enumerate(rows):
        data[f"form-{index}-activity"] = activity
        data[f"form-{index}-order_line"] = line_pk
        for day_index, value in enumerate(days):
            data[f"form-{index}-day_{day_index}"] = value
    return data


@pytest.mark.django_db
def test_consultant_fills_a_whole_week_at_once(client, consultant, line, accompaniment):
    client.force_login(consultant)
    url = reverse("missions:time_week") + "?semaine=2025-04-16"
    response = client.get(url)
    assert response.status_code == 200
    assert "Semaine du 14 avril 2025" in text(response)
    rows = [
        (f"accompagnement:{accompaniment.pk}", line.pk, ["2", "1", "", "0", "1", "", ""]),
        ("general", line.pk, ["", "1", "", "", "", "", ""]),
    ]
    response = client.post(url, week_post(rows, extra_blank=1))
    assert response.status_code == 302
    entries = {(e.date.day, e.accompaniment_id, e.half_days) for e in TimeEntry.objects.filter(consultant=consultant)}
    assert entries == {
        (14, accompaniment.pk, 2),
        (15, accompaniment.pk, 1),
        (18, accompaniment.pk, 1),
        (15, None, 1),
    }

    # The grid shows the week again; changing one cell corrects one entry, a 0 deletes one.
    response = client.get(url)
    formset = response.context["formset"]
    assert len(formset.initial) == 2
    rows[0] = (f"accompagnement:{accompaniment.pk}", line.pk, ["2", "2", "", "", "0", "", ""])
    response = client.post(url, week_post(rows), follow=True)
    assert "1 corrigée(s), 1 supprimée(s)" in text(response)
    assert TimeEntry.objects.filter(consultant=consultant).count() == 3
    assert TimeEntry.objects.get(date=datetime.date(2025, 4, 15), accompaniment=accompaniment).half_days == 2


@pytest.mark.django_db
def test_week_rows_need_an_activity_and_a_line_and_no_duplicates(client, consultant, line):
    client.force_login(consultant)
    url = reverse("missions:time_week") + "?semaine=2025-04-14"
    response = client.post(url, week_post([("", "", ["1", "", "", "", "", "", ""])]))
    content = text(response)
    assert "Choisissez l'activité de cette ligne." in content
    assert "Choisissez la ligne de bon de commande" in content
    rows = [("general", line.pk, ["1"] + [""] * 6), ("general", line.pk, ["", "1"] + [""] * 5)]
    response = client.post(url, week_post(rows))
    assert "figurent sur deux lignes" in text(response)
    response = client.post(url, week_post([("general", line.pk, ["5"] + [""] * 6)]))
    assert "Au plus deux demi-journées par jour." in text(response)
    assert not TimeEntry.objects.exists()


@pytest.mark.django_db
def test_week_spanning_a_locked_month_keeps_the_locked_days(client, consultant, line):
    march_31 = TimeEntryFactory(consultant=consultant, order_line=line, date=datetime.date(2025, 3, 31), half_days=1)
    TimeMonthLockFactory(month=datetime.date(2025, 3, 1))
    client.force_login(consultant)
    url = reverse("missions:time_week") + "?semaine=2025-03-31"
    response = client.get(url)
    assert "Mois verrouillé par GBM : mars 2025" in text(response)
    form = response.context["formset"].forms[0]
    assert form.fields["day_0"].disabled and not form.fields["day_1"].disabled
    # A forged value for the locked Monday is ignored (disabled field): only April changes.
    response = client.post(url, week_post([("general", line.pk, ["2", "1", "", "", "", "", ""])]))
    assert response.status_code == 302
    march_31.refresh_from_db()
    assert march_31.half_days == 1
    assert TimeEntry.objects.get(date=datetime.date(2025, 4, 1)).half_days == 1


@pytest.mark.django_db
def test_week_change_touching_a_locked_month_is_refused_whole(client, consultant, line, accompaniment):
    TimeEntryFactory(consultant=consultant, order_line=line, date=datetime.date(2025, 3, 31), half_days=1)
    TimeMonthLockFactory(month=datetime.date(2025, 3, 1))
    client.force_login(consultant)
    url = reverse("missions:time_week") + "?semaine=2025-03-31"
    # Moving the row to another activity would delete the locked Monday's entry: the whole week is refused.
    rows = [(f"accompagnement:{accompaniment.pk}", line.pk, ["", "1", "", "", "", "", ""])]
    response = client.post(url, week_post(rows), follow=True)
    assert "Le mois de mars 2025 est verrouillé" in text(response)
    assert TimeEntry.objects.count() == 1


@pytest.mark.django_db
def test_gbm_fills_the_week_of_a_chosen_consultant(client, gbm_officer, consultant, line):
    client.force_login(gbm_officer)
    response = client.get(reverse("missions:time_week"))
    assert "Choisissez la consultante ou le consultant" in text(response)
    url = reverse("missions:time_week") + f"?semaine=2025-04-14&consultant={consultant.pk}"
    response = client.post(url, week_post([("general", line.pk, ["1"] + [""] * 6)]))
    assert response.status_code == 302
    assert TimeEntry.objects.get().consultant == consultant


@pytest.mark.django_db
def test_consultant_cannot_fill_someone_elses_week(client, consultant, line):
    colleague = UserFactory(consultant=True)
    client.force_login(consultant)
    url = reverse("missions:time_week") + f"?semaine=2025-04-14&consultant={colleague.pk}"
    client.post(url, week_post([("general", line.pk, ["1"] + [""] * 6)]))
    assert not TimeEntry.objects.filter(consultant=colleague).exists()


# Roles ------------------------------------------------------------------------------------------------
def time_urls(entry):
    return [
        ("get", reverse("missions:time_list")),
        ("get", reverse("missions:time_create")),
        ("get", reverse("missions:time_week")),
        ("get", reverse("missions:time_update", args=[entry.pk])),
        ("get", reverse("missions:time_export", args=["csv"])),
        ("get", reverse("missions:time_export", args=["xlsx"])),
        ("post", reverse("missions:time_create")),
        ("post", reverse("missions:time_update", args=[entry.pk])),
        ("post", reverse("missions:time_delete", args=[entry.pk])),
        ("post", reverse("missions:time_week")),
        ("post", reverse("missions:time_month_lock", args=[2025, 4])),
        ("post", reverse("missions:time_month_unlock", args=[2025, 4])),
    ]


@pytest.mark.django_db
def test_elus_get_404_everywhere_in_time(client, elu, elu_other_commune, line, accompaniment):
    entry = TimeEntryFactory(order_line=line, date=MONDAY, accompaniment=accompaniment)
    for user in (elu, elu_other_commune):
        client.force_login(user)
        for method, url in time_urls(entry):
            assert getattr(client, method)(url, entry_data(line)).status_code == 404, url
    entry.refresh_from_db()
    assert TimeEntry.objects.count() == 1 and entry.half_days == 1
    assert not TimeMonthLock.objects.exists()


@pytest.mark.django_db
def test_anonymous_is_sent_to_login_for_time(client, line):
    entry = TimeEntryFactory(order_line=line, date=MONDAY)
    for method, url in time_urls(entry):
        assert_redirects_to_login(getattr(client, method)(url, entry_data(line)))
    assert TimeEntry.objects.count() == 1


# Exports and query counts -----------------------------------------------------------------------------
@pytest.mark.django_db
def test_time_export_csv_and_xlsx(client, consultant, line, accompaniment):
    TimeEntryFactory(consultant=consultant, order_line=line, date=MONDAY, accompaniment=accompaniment, half_days=2)
    TimeEntryFactory(consultant=consultant, order_line=line, date=datetime.date(2025, 3, 3))
    client.force_login(consultant)
    response = client.get(reverse("missions:time_export", args=["csv"]), {"month": "2025-04"})
    content = b"".join(response.streaming_content).decode("utf-8")
    rows = list(csv.reader(io.StringIO(content.lstrip("\ufeff")), delimiter=";"))
    assert len(rows) == 2
    record = dict(zip(rows[0], rows[1], strict=True))
    assert record["Date"] == "14/04/2025"
    assert record["Commune"] == "Amagney"
    assert record["Bon de commande"] == "BC-2025-003"
    assert record["Montant valorisé HT (€)"] == "510,00"
    response = client.get(reverse("missions:time_export", args=["xlsx"]))
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    b"".join(response.streaming_content)


def many_entries(consultant, line, count: int):
    start = datetime.date(2024, 1, 1)
    TimeEntry.objects.bulk_create(
        TimeEntry(consultant=consultant, date=start + datetime.timedelta(days=index), half_days=1, order_line=line)
        for index in range(count)
    )
    consumption.refresh_all()  # a bulk creation sends no signal


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["gbm_officer", "consultant"])
def test_time_list_query_count_is_constant_with_1_and_300_entries(
    request, client, role, line, django_assert_max_num_queries
):
    user = request.getfixturevalue(role)
    consultant = user if user.is_consultant else UserFactory(consultant=True)
    many_entries(consultant, line, 1)
    TimeMonthLockFactory(month=datetime.date(2024, 1, 1))
    client.force_login(user)
    with django_assert_max_num_queries(12) as small:
        assert client.get(reverse("missions:time_list")).status_code == 200
    TimeEntry.objects.all().delete()
    many_entries(consultant, line, 300)
    OrderLine.objects.bulk_create(
        OrderLine(order_form=OrderFormFactory(), description=f"L{index}", quantity=1, unit_price=1)
        for index in range(3)
    )
    with django_assert_max_num_queries(12) as large:
        response = client.get(reverse("missions:time_list"))
    assert response.context["totals"]["half_days"] == 300
    assert len(small.captured_queries) == len(large.captured_queries)


@pytest.mark.django_db
def test_time_export_query_count_is_constant_with_1_and_300_entries(
    client, consultant, line, django_assert_max_num_queries
):
    many_entries(consultant, line, 1)
    client.force_login(consultant)
    url = reverse("missions:time_export", args=["csv"])
    with django_assert_max_num_queries(12) as small:
        b"".join(client.get(url).streaming_content)
    many_entries(consultant, line, 299)
    with django_assert_max_num_queries(12) as large:
        content = b"".join(client.get(url).streaming_content)
    assert content.count(b"\n") == 301
    assert len(small.captured_queries) == len(large.captured_queries)


@pytest.mark.django_db
def test_week_view_query_count_does_not_grow_with_entries(client, consultant, line, django_assert_max_num_queries):
    client.force_login(consultant)
    url = reverse("missions:time_week") + "?semaine=2025-04-14"
    TimeEntryFactory(consultant=consultant, order_line=line, date=MONDAY)
    client.get(url)  # the session's first page reads what the navigation caches for the session
    # 14: the meetings and workshops the grid may propose (issue 17) are two more queries.
    with django_assert_max_num_queries(14) as small:
        client.get(url)
    for index in range(8):
        OrderLineFactory(order_form=line.order_form, description=f"Ligne {index}")
    for index, other_line in enumerate(OrderLine.objects.exclude(pk=line.pk)):
        TimeEntryFactory(
            consultant=consultant, order_line=other_line, date=MONDAY + datetime.timedelta(days=index % 5)
        )
    with django_assert_max_num_queries(14) as large:
        response = client.get(url)
    assert len(response.context["formset"].initial) == 9
    assert len(small.captured_queries) == len(large.captured_queries)


@pytest.mark.django_db
def test_order_form_of_a_draft_is_not_offered_even_if_forged_in_the_week(client, consultant):
    draft_line = OrderLineFactory(order_form=OrderFormFactory(draft=True))
    assert draft_line.order_form.status == OrderForm.Status.DRAFT
    client.force_login(consultant)
    url = reverse("missions:time_week") + "?semaine=2025-04-14"
    response = client.post(url, week_post([("general", draft_line.pk, ["1"] + [""] * 6)]))
    assert response.status_code == 200
    assert "Cette ligne n'est pas proposée" in text(response)
    assert not TimeEntry.objects.exists()


# The list as each role reads it; its buttons post the page's one form -------------------------------------------
# Its queries with or without a filter chosen (measured; the budget is 12).
LIST_QUERIES = 10


def _list_page(client, params=None) -> str:
    response = client.get("/temps/", params or {})
    assert response.status_code == 200
    return html.unescape(response.content.decode())


def _words(page: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", "", page).replace("\u202f", " ").replace("\xa0", " ").split())


@pytest.mark.django_db
def test_the_totals_follow_the_entries(client, consultant, line):
    entry = TimeEntryFactory(consultant=consultant, order_line=line, date=MONDAY, half_days=1)
    client.force_login(consultant)
    assert "1 saisie · 1 demi-journée · valorisées 255,00 € HT" in _words(_list_page(client))
    TimeEntryFactory(consultant=consultant, order_line=line, date=MONDAY + datetime.timedelta(days=1), half_days=2)
    assert "2 saisies · 3 demi-journées · valorisées 765,00 € HT" in _words(_list_page(client))
    TimeEntry.objects.filter(pk=entry.pk).update(comment="Comité de pilotage")
    assert "Comité de pilotage" in _list_page(client)


@pytest.mark.django_db
def test_the_totals_value_each_line_at_its_own_price_to_the_cent(client, gbm_officer, consultant, line):
    """The lines are summed per line then per price: two lines at one price, one at a price with cents."""
    same_price = OrderLineFactory(order_form=line.order_form, description="Autre ligne", unit_price=Decimal("255.00"))
    cents = OrderLineFactory(order_form=line.order_form, description="Ligne en centimes", unit_price=Decimal("412.35"))
    for day, (order_line, half_days) in enumerate([(line, 1), (same_price, 2), (cents, 1), (cents, 2)]):
        TimeEntryFactory(
            consultant=consultant,
            order_line=order_line,
            date=MONDAY + datetime.timedelta(days=day),
            half_days=half_days,
        )
    client.force_login(gbm_officer)
    # 3 × 255,00 + 3 × 412,35 = 765,00 + 1 237,05
    assert "4 saisies · 6 demi-journées · valorisées 2 002,05 € HT" in _words(_list_page(client))
    assert "0 saisies · 0 demi-journées · valorisées 0,00 € HT" in _words(_list_page(client, {"month": "2025-03"}))
    response = client.get("/temps/", {"month": "avril"})  # an invalid filter lists nothing, with zero totals
    assert response.context["totals"] == {"entries": 0, "half_days": 0, "amount": Decimal("0.00")}


@pytest.mark.django_db
def test_a_consultant_gets_no_button_on_a_colleagues_entry_nor_to_lock_a_month(client, gbm_officer, consultant, line):
    other = UserFactory(consultant=True)
    colleague_entry = TimeEntryFactory(consultant=other, order_line=line, date=MONDAY)
    delete_url = reverse("missions:time_delete", args=[colleague_entry.pk])
    client.force_login(gbm_officer)
    page = _list_page(client)
    assert delete_url in page and "Verrouiller" in page
    client.force_login(consultant)
    page = _list_page(client)
    assert delete_url not in page and "Verrouiller" not in page


@pytest.mark.django_db
def test_the_lists_buttons_post_the_pages_one_form(client, consultant, line):
    entry = TimeEntryFactory(consultant=consultant, order_line=line, date=MONDAY)
    client.force_login(consultant)
    page = client.get("/temps/").content.decode()
    main = page.split('<main id="contenu"')[1].split("</main>")[0]
    assert main.count("csrfmiddlewaretoken") == 1  # in the page's one form
    assert '<form id="time-actions" method="post">' in main
    delete_url = reverse("missions:time_delete", args=[entry.pk])
    assert f'form="time-actions" formaction="{delete_url}"' in main
    # As a browser submits it: the page's token, to the button's URL.
    form = form_posting_to(page, "/temps/", delete_url)
    assert form.data()["csrfmiddlewaretoken"]
    assert not [form for form in post_forms(page) if form.in_main and form.action in ("", "/temps/")]
    client.handler.enforce_csrf_checks = True
    response = client.post(delete_url, form.data())
    assert response.status_code == 302
    assert not TimeEntry.objects.filter(pk=entry.pk).exists()


@pytest.mark.django_db
def test_a_month_locked_from_the_list(client, gbm_officer, line):
    client.force_login(gbm_officer)
    page = client.get("/temps/").content.decode()
    lock_url = reverse("missions:time_month_lock", args=[2025, 3])
    form = form_posting_to(page, "/temps/", lock_url)
    client.handler.enforce_csrf_checks = True
    assert client.post(lock_url, form.data()).status_code == 302
    assert TimeMonthLock.objects.get().month == datetime.date(2025, 3, 1)
    page = _list_page(client)
    assert "Mars 2025 Verrouillé le" in _words(page)
    assert f'formaction="{reverse("missions:time_month_unlock", args=[2025, 3])}"' in page


@pytest.mark.django_db
def test_a_chosen_filter_value_costs_no_more_queries(client, gbm_officer, consultant, line):
    """The choices of a select are read once, whether a value is checked against them or not."""
    TimeEntryFactory(consultant=consultant, order_line=line, date=MONDAY)
    client.force_login(gbm_officer)

    def queries(params):
        client.get("/temps/", params)
        with CaptureQueriesContext(connection) as captured:
            assert client.get("/temps/", params).status_code == 200
        return len(captured.captured_queries)

    plain = queries({})
    chosen = {"consultant": consultant.pk, "order_form": line.order_form_id, "activity": "general", "month": "2025-04"}
    assert queries(chosen) == plain == LIST_QUERIES
    assert "1 saisie" in _words(_list_page(client, chosen))


def test_a_week_saved_on_a_line_gone_since_is_refused_in_french(consultant, line, accompaniment):
    """The week reads its lines once, under their lock: a line deleted after the grid was shown is refused by the
    entry's validation with its message, nothing is written, no error page."""
    from django.core.exceptions import ValidationError

    from missions.money.services.time import WeekRow, save_week

    gone = OrderLineFactory(order_form=line.order_form)
    gone_id = gone.pk
    gone.delete()
    rows = [
        WeekRow(f"accompagnement:{accompaniment.pk}", line.pk, {MONDAY: 1}),
        WeekRow(f"accompagnement:{accompaniment.pk}", gone_id, {MONDAY + datetime.timedelta(days=1): 1}),
    ]
    with pytest.raises(ValidationError) as refused:
        save_week(consultant=consultant, monday=MONDAY, rows=rows, by=consultant)
    assert any("n'existe plus" in message for message in refused.value.messages), refused.value.messages
    assert not TimeEntry.objects.filter(consultant=consultant).exists()


def test_a_week_validates_each_cell_and_reads_each_line_once(consultant, line, accompaniment):
    """Five cells on one line: every cell still goes through the entry's rules (here the line's 100 %), and the
    line and its order form are read once for the week, not once per cell."""
    from django.core.exceptions import ValidationError

    from missions.money.services.time import WeekRow, save_week

    days = {MONDAY + datetime.timedelta(days=offset): 1 for offset in range(5)}
    row = WeekRow(f"accompagnement:{accompaniment.pk}", line.pk, days)
    with CaptureQueriesContext(connection) as captured:
        save_week(consultant=consultant, monday=MONDAY, rows=[row], by=consultant)
    assert TimeEntry.objects.filter(consultant=consultant).count() == 5
    order_form_reads = [q for q in captured.captured_queries if 'FROM "missions_orderform"' in q["sql"]]
    assert len(order_form_reads) <= 1, order_form_reads
    OrderLine.objects.filter(pk=line.pk).update(quantity=Decimal("6"))
    more = WeekRow(f"accompagnement:{accompaniment.pk}", line.pk, dict.fromkeys(days, 2))
    with pytest.raises(ValidationError, match="100"):
        save_week(consultant=consultant, monday=MONDAY, rows=[more], by=consultant)
