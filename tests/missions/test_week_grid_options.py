"""The week grid's long lists are written once per page and shared by its rows (core/shared_options.py)."""

import datetime
import html
import re
from decimal import Decimal

import pytest
import time_machine
from django import forms
from django.test.html import parse_html
from django.urls import reverse

from core.shared_options import SharedChoiceField, SharedOptions
from tests.factories import UserFactory
from tests.factories_mission1 import AccompanimentFactory
from tests.factories_orders import OrderFormFactory, OrderLineFactory, TimeEntryFactory

TODAY = datetime.datetime(2025, 4, 18, 10, 0, tzinfo=datetime.UTC)
MONDAY = datetime.date(2025, 4, 14)
URL = reverse("missions:time_week") + "?semaine=2025-04-14"
CHOICES = [
    ("", "—"),
    ("general", "Travail général <programme>"),
    (
        "Mission 1",
        [("accompagnement:1", "Accompagnement — Amagney"), ("accompagnement:12", "Accompagnement — Avanne")],
    ),
]


def test_shared_options_write_what_djangos_select_writes():
    django_select = forms.Select(choices=CHOICES)
    for value in ("accompagnement:1", "accompagnement:12", "general", "", None, "forged"):
        shared = SharedChoiceField(required=False)
        shared.offer(SharedOptions(CHOICES))
        assert parse_html(shared.widget.render("activity", value, {"id": "id_activity"})) == parse_html(
            django_select.render("activity", value, {"id": "id_activity"})
        ), value


def test_shared_options_carry_attributes_and_check_values():
    options = SharedOptions(
        [("", "—"), ("Bon 1", [(3, "Ligne 3"), (30, "Ligne 30")])], option_attrs={"3": {"data-mission": 2}}
    )
    field = SharedChoiceField(coerce=int, required=False, empty_value=None)
    field.offer(options)
    html = field.widget.render("line", 30)
    assert '<option value="3" data-mission="2">Ligne 3</option>' in html
    assert '<option value="30" selected>Ligne 30</option>' in html
    assert field.clean("3") == 3
    assert field.clean("") is None
    with pytest.raises(forms.ValidationError, match="Sélectionnez un choix valide"):
        field.clean("4")


@pytest.mark.django_db
def test_week_rows_share_one_list_and_keep_their_own_choice(client):
    consultant = UserFactory(consultant=True)
    lines = [
        OrderLineFactory(order_form=OrderFormFactory(number=f"BC-2025-00{index}"), quantity=Decimal("20"))
        for index in range(3)
    ]
    accompaniment = AccompanimentFactory(lead_consultant=consultant)
    client.force_login(consultant)
    with time_machine.travel(TODAY, tick=False):
        TimeEntryFactory(
            consultant=consultant, order_line=lines[1], date=MONDAY, accompaniment=accompaniment, half_days=2
        )
        page = client.get(URL).content.decode()
    selects = re.findall(r'<select name="form-(\d+|__prefix__)-activity".*?</select>', page, re.S)
    line_selects = re.findall(r'<select name="form-(?:\d+|__prefix__)-order_line".*?</select>', page, re.S)
    assert len(selects) == len(line_selects) == 5  # the saved row, three empty rows, the added row's template
    saved = re.search(r'<select name="form-0-order_line".*?</select>', page, re.S)[0]
    assert re.search(rf'<option value="{lines[1].pk}" selected data-mission="\d">', saved)
    saved_activity = re.search(r'<select name="form-0-activity".*?</select>', page, re.S)[0]
    assert f'<option value="accompagnement:{accompaniment.pk}" selected>' in saved_activity
    empty = re.search(r'<select name="form-1-order_line".*?</select>', page, re.S)[0]
    assert " selected" in empty.split("\n")[1] and empty.count(" selected") == 1  # the "—" option
    assert all(f'value="{line.pk}"' in empty for line in lines)


@pytest.mark.django_db
def test_a_forged_line_on_a_row_is_refused_in_french(client):
    consultant = UserFactory(consultant=True)
    line = OrderLineFactory(order_form=OrderFormFactory(), quantity=Decimal("20"))
    client.force_login(consultant)
    data = {
        "form-TOTAL_FORMS": "1",
        "form-INITIAL_FORMS": "0",
        "form-0-activity": "general",
        "form-0-order_line": str(line.pk + 1000),
        "form-0-day_0": "1",
    }
    with time_machine.travel(TODAY, tick=False):
        response = client.post(URL, data)
    assert response.status_code == 200
    assert "Cette ligne n'est pas proposée" in html.unescape(response.content.decode())
    assert 'value="general" selected' in response.content.decode()


@pytest.mark.django_db
def test_time_list_filters_keep_the_choice_and_refuse_a_forged_one_in_french(client):
    gbm = UserFactory(gbm=True)
    consultant = UserFactory(consultant=True, first_name="Léa", last_name="Martin")
    line = OrderLineFactory(order_form=OrderFormFactory(number="BC-2025-007"), quantity=Decimal("20"))
    TimeEntryFactory(consultant=consultant, order_line=line, date=MONDAY)
    client.force_login(gbm)
    url = reverse("missions:time_list")
    page = client.get(url, {"consultant": consultant.pk, "activity": "general"}).content.decode()
    assert f'<option value="{consultant.pk}" selected>Léa Martin</option>' in page
    assert '<option value="general" selected>' in page
    assert '<option value="">Tout le monde</option>' in page
    for forged in ({"consultant": "999999"}, {"activity": "accompagnement:%"}, {"order_form": "x" * 10_000}):
        response = client.get(url, forged)
        assert response.status_code == 200
        assert "Sélectionnez un choix valide" in response.content.decode()


@pytest.mark.django_db
def test_the_added_rows_template_carries_no_list_the_script_copies_the_first_rows(client):
    """The `<template>` of « + Ajouter une ligne » has only the empty option (time-lines.js copies the first row's
    lists into it): each long list is written once less. The rows themselves keep every option (no JavaScript)."""
    consultant = UserFactory(consultant=True)
    line = OrderLineFactory(order_form=OrderFormFactory(), quantity=Decimal("20"))
    accompaniment = AccompanimentFactory(lead_consultant=consultant)
    client.force_login(consultant)
    with time_machine.travel(TODAY, tick=False):
        page = client.get(URL).content.decode()
    template = re.search(r'<template class="formset-empty">(.*?)</template>', page, re.S)[1]
    for name in ("activity", "order_line"):
        select = re.search(rf'<select name="form-__prefix__-{name}".*?</select>', template, re.S)[0]
        assert select.count("<option") == 1 and '<option value="" selected>—</option>' in select
        row = re.search(rf'<select name="form-0-{name}".*?</select>', page, re.S)[0]
        assert f'value="{line.pk}"' in row or f'value="accompagnement:{accompaniment.pk}"' in row
    assert 'for="id_form-__prefix__-day_0">Ligne ajoutée : lundi 14 avril : demi-journées</label>' in template


@pytest.mark.django_db
def test_a_rows_errors_are_the_block_its_fields_aria_describedby_names(client):
    consultant = UserFactory(consultant=True)
    line = OrderLineFactory(order_form=OrderFormFactory(), quantity=Decimal("20"))
    client.force_login(consultant)
    data = {
        "form-TOTAL_FORMS": "1",
        "form-INITIAL_FORMS": "0",
        "form-0-activity": "general",
        "form-0-order_line": str(line.pk),
        "form-0-day_0": "3",
    }
    with time_machine.travel(TODAY, tick=False):
        page = client.post(URL, data).content.decode()
    day = re.search(r'<input type="number" name="form-0-day_0"[^>]*>', page)[0]
    assert 'aria-invalid="true"' in day and 'aria-describedby="id_form-0-day_0_error"' in day
    assert (
        '<div id="id_form-0-day_0_error"><div class="invalid-feedback d-block">Au plus deux demi-journées par jour.'
        "</div></div>" in page
    )
    assert (
        '<label class="visually-hidden" for="id_form-0-day_0">Ligne 1 : lundi 14 avril : demi-journées</label>' in page
    )


@pytest.mark.django_db
def test_week_rows_share_the_grids_day_fields():
    from missions.money.forms import WeekGridForm
    from missions.money.services.time import week_grid

    consultant = UserFactory(consultant=True)
    with time_machine.travel(TODAY, tick=False):
        grid = week_grid(consultant=consultant, monday=MONDAY, today=datetime.date(2025, 4, 18))
        form = WeekGridForm(None, user=consultant, grid=grid)
    first, second = form.formset.forms[:2]
    assert first.fields["day_0"] is second.fields["day_0"]
    assert first.fields["day_0"].disabled is False and first.fields["day_6"].disabled is True  # Sunday, after today


@pytest.mark.django_db
def test_a_day_cell_is_written_as_djangos_number_input():
    """`_number_input` writes what the field's widget writes: value, disabled day, error attributes, id."""
    from missions.money.forms import WeekGridForm, _number_input
    from missions.money.services.time import week_grid

    consultant = UserFactory(consultant=True)
    data = {"form-TOTAL_FORMS": "1", "form-INITIAL_FORMS": "0", "form-0-activity": "general", "form-0-day_0": "5"}
    with time_machine.travel(TODAY, tick=False):
        grid = week_grid(consultant=consultant, monday=MONDAY, today=datetime.date(2025, 4, 18))
        for bound in (None, data):
            form = WeekGridForm(bound, user=consultant, grid=grid)
            if bound:
                form.is_valid()  # the row's errors: aria-invalid, aria-describedby
            row = form.formset.forms[0]
            for index in (0, 1, 6):
                field = row[f"day_{index}"]
                assert _number_input(field) == str(field), (bound, index)
