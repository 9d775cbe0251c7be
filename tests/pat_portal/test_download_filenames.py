"""Every download's file name says what it is, for which commune or workshop, which version and its date."""

import datetime
import re
import zoneinfo

import pytest
from django.urls import reverse

from core.filenames import WORKING_DRAFT, ascii_slug, download_filename
from tests.factories import CommuneFactory

DAY = datetime.date(2026, 11, 27)


@pytest.mark.parametrize(
    ("text", "slug"),
    [
        ("Amagney", "amagney"),
        ("Châtillon-le-Duc", "chatillon-le-duc"),
        ("Besançon", "besancon"),
        ("Les Auxons", "les-auxons"),
        ("Plan d'actions", "plan-d-actions"),
        ("Œuvre « commune »", "oeuvre-commune"),
        ("  École   Saint-Éloi !", "ecole-saint-eloi"),
    ],
)
def test_slug_is_ascii_lower_case_with_hyphens(text, slug):
    assert ascii_slug(text) == slug


def test_file_name_says_what_for_whom_which_version_and_date():
    name = download_filename("Synthèse diagnostic", about="Amagney", version=1, on=DAY)
    assert name == "synthese-diagnostic_amagney_v1_2026-11-27.pdf"


def test_working_draft_says_so_in_place_of_a_version():
    name = download_filename("Plan d'actions", about="Écouvotte", version=WORKING_DRAFT, on=DAY)
    assert name == "plan-d-actions_ecouvotte_document-de-travail_2026-11-27.pdf"


def test_aware_datetime_is_dated_in_the_portal_time_zone():
    late_evening_utc = datetime.datetime(2026, 11, 27, 23, 30, tzinfo=zoneinfo.ZoneInfo("UTC"))  # 28th in Paris
    assert download_filename("export", on=late_evening_utc, extension="csv") == "export_2026-11-28.csv"


def test_file_name_is_plain_ascii_even_for_hostile_text():
    name = download_filename('rapport "final"/../\r\n', about="<script>", version=3, on=DAY, extension="xlsx")
    assert re.fullmatch(r"[a-z0-9_.-]+", name), name
    assert name == "rapport-final_script_v3_2026-11-27.xlsx"


@pytest.mark.django_db
def test_exports_are_named_by_the_same_helper(client, gbm_officer):
    CommuneFactory(name="Chalèze")
    client.force_login(gbm_officer)
    response = client.get(reverse("exports:communes", args=["csv"]))
    assert response.status_code == 200
    assert re.search(r'filename="communes_sans-filtre_\d{4}-\d{2}-\d{2}\.csv"', response["Content-Disposition"])
