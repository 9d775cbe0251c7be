"""French dates, elision and sorting (issue 18 items 6, 7 and 9): the helpers of core/french.py and their
template filters."""

import datetime
import zoneinfo

import pytest
from django.db import connection
from django.template import Context, Template

from communes.models import Commune, Contact
from core import french
from tests.factories import CommuneFactory, ContactFactory

PARIS = zoneinfo.ZoneInfo("Europe/Paris")

EXPECTED_MONTHS = [
    (1, "janvier", "janv."),
    (2, "février", "févr."),
    (3, "mars", "mars"),
    (4, "avril", "avr."),
    (5, "mai", "mai"),
    (6, "juin", "juin"),
    (7, "juillet", "juil."),
    (8, "août", "août"),
    (9, "septembre", "sept."),
    (10, "octobre", "oct."),
    (11, "novembre", "nov."),
    (12, "décembre", "déc."),
]


def render(source: str, **context) -> str:
    return Template("{% load portal %}" + source).render(Context(context))


@pytest.mark.parametrize(("month", "name", "abbreviation"), EXPECTED_MONTHS)
def test_every_month_has_its_french_name_and_abbreviation(month, name, abbreviation):
    day = datetime.date(2026, month, 27)
    assert french.french_date(day) == f"27 {name} 2026"
    assert french.short_date(day) == f"27 {abbreviation} 2026"
    assert french.month_year(day) == f"{abbreviation} 2026"
    assert french.long_month_year(day) == f"{name} 2026"
    assert french.short_month_year(day) == f"{abbreviation} 26"
    assert french.day_month(day) == f"27 {name}"


@pytest.mark.parametrize(("month", "name", "abbreviation"), EXPECTED_MONTHS)
def test_every_month_through_the_template_filters(month, name, abbreviation):
    day = datetime.date(2026, month, 27)
    assert render("{{ d|french_date }}|{{ d|short_date }}|{{ d|month_year }}", d=day) == (
        f"27 {name} 2026|27 {abbreviation} 2026|{abbreviation} 2026"
    )


def test_first_of_the_month_is_written_1er():
    assert french.french_date(datetime.date(2027, 3, 1)) == "1er mars 2027"
    assert french.short_date(datetime.date(2027, 3, 1)) == "1er mars 2027"
    assert french.french_date(datetime.date(2027, 3, 2)) == "2 mars 2027"


def test_weekdays_are_french():
    assert french.long_date(datetime.date(2026, 11, 27)) == "vendredi 27 novembre 2026"
    assert french.short_weekday_date(datetime.date(2026, 11, 30)) == "lun. 30 nov."
    assert french.short_weekday_date(datetime.date(2026, 11, 29)) == "dim. 29 nov."
    assert french.weekday_day_month(datetime.date(2026, 12, 1)) == "mardi 1er décembre"


def test_aware_datetimes_are_shown_in_the_portal_time_zone():
    late_evening_utc = datetime.datetime(2026, 11, 30, 23, 30, tzinfo=datetime.UTC)  # 1 December, 00:30 in Paris
    assert french.french_date(late_evening_utc) == "1er décembre 2026"
    assert french.date_time(late_evening_utc) == "1er décembre 2026 à 00:30"
    assert french.short_date_time(late_evening_utc) == "1er déc. 2026 à 00:30"
    assert french.time_of_day(datetime.datetime(2026, 7, 14, 9, 5, tzinfo=PARIS)) == "09:05"
    assert render("{{ d|date_time }}", d=late_evening_utc) == "1er décembre 2026 à 00:30"


def test_missing_dates_render_empty_so_that_default_applies():
    assert french.french_date(None) == ""
    assert french.date_time("") == ""
    assert render('{{ d|french_date|default:"?" }}', d=None) == "?"


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Amagney", "d'Amagney"),
        ("Écouvotte", "d'Écouvotte"),
        ("École-Valentin", "d'École-Valentin"),
        ("Osselle-Routelle", "d'Osselle-Routelle"),
        ("Besançon", "de Besançon"),
        ("Hauterive-la-Fresse", "de Hauterive-la-Fresse"),  # aspirated h by default
        ("Héricourt", "d'Héricourt"),  # mute h, from the list
        ("Hôpital de Besançon", "d'Hôpital de Besançon"),
        ("Yves Martin", "d'Yves Martin"),
        ("Yaoundé", "de Yaoundé"),
        ("Les Auxons", "des Auxons"),
        ("Le Russey", "du Russey"),
        ("La Vèze", "de La Vèze"),
        ("", ""),
    ],
)
def test_de_elides_before_vowels_and_mute_h_only(name, expected):
    assert french.de(name) == expected


def test_au_contracts_with_le_and_les_in_place_names():
    assert [french.au(name) for name in ["Amagney", "Les Auxons", "Le Russey", "La Vèze"]] == [
        "à Amagney",
        "aux Auxons",
        "au Russey",
        "à La Vèze",
    ]


def test_le_and_du_elide_before_vowels_and_mute_h():
    assert french.le("Office de tourisme") == "l'Office de tourisme"
    assert french.le("Conseil départemental") == "le Conseil départemental"
    assert french.du("Hôpital") == "de l'Hôpital"
    assert french.du("Hameau") == "du Hameau"


def test_de_filter_keeps_the_apostrophe_and_escapes_the_name():
    assert render("Personne {{ name|de }}", name="Amagney") == "Personne d'Amagney"
    assert render("{{ name|de }}", name="Écouvotte <b>") == "d'Écouvotte &lt;b&gt;"
    assert render("{{ name|du }}", name="Office") == "de l'Office"


NAMES_IN_FRENCH_ORDER = ["Chalèze", "Chalezeule", "Châtillon-le-Duc", "Chevroz", "École-Valentin", "Écouvotte", "Étuz"]


def test_python_sort_key_follows_french_order():
    assert french.french_sorted(reversed(NAMES_IN_FRENCH_ORDER)) == NAMES_IN_FRENCH_ORDER


@pytest.mark.django_db
def test_communes_are_ordered_by_french_collation_on_this_database():
    for position, name in enumerate(reversed(NAMES_IN_FRENCH_ORDER)):
        CommuneFactory(name=name, insee_code=f"25{900 + position}")
    assert list(Commune.objects.order_by_name().values_list("name", flat=True)) == NAMES_IN_FRENCH_ORDER
    binary = list(Commune.objects.order_by("name").values_list("name", flat=True))
    if connection.vendor == "sqlite":
        assert binary != NAMES_IN_FRENCH_ORDER  # the test would pass without the collation otherwise


@pytest.mark.django_db
def test_contacts_are_ordered_by_last_then_first_name_in_french_order():
    commune = CommuneFactory()
    for first, last in [("Éric", "Chevroz"), ("Anne", "Châtillon"), ("Élodie", "Chalèze"), ("Denis", "Chalèze")]:
        ContactFactory(commune=commune, first_name=first, last_name=last)
    names = [(c.last_name, c.first_name) for c in Contact.objects.order_by_name()]
    assert names == [("Chalèze", "Denis"), ("Chalèze", "Élodie"), ("Châtillon", "Anne"), ("Chevroz", "Éric")]
