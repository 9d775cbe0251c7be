"""A form that comes back with errors starts with a summary of them, each linked to its field."""

import re

import pytest
from django.urls import reverse

from tests.factories import ContactFactory
from tests.factories_mission1 import AccompanimentFactory, ActionPlanFactory, DiagnosticFactory

pytestmark = pytest.mark.django_db


def summaries(page: str) -> list[str]:
    return re.findall(r"<div[^>]*data-error-summary.*?</div>", page, flags=re.S)


def linked_ids(summary: str) -> list[str]:
    return re.findall(r'href="#([^"]+)"', summary)


def assert_links_reach_fields(page: str, summary: str):
    for target in linked_ids(summary):
        assert re.search(rf'id="{re.escape(target)}"', page), f"#{target} is not on the page"


def test_invalid_meeting_form_starts_with_a_summary_linking_to_each_field(client, consultant, commune):
    accompaniment = AccompanimentFactory(commune=commune)
    person = ContactFactory(commune=commune)
    client.force_login(consultant)
    data = {"accompaniment": accompaniment.pk, "title": "", "present": [person.pk], "excused": [person.pk]}
    response = client.post(reverse("missions:meeting_create"), data)
    assert response.status_code == 200
    page = response.content.decode()
    [summary] = summaries(page)
    assert 'tabindex="-1"' in summary
    assert "erreurs à corriger" in summary
    targets = linked_ids(summary)
    assert "id_starts_at" in targets and "id_kind" in targets and "id_excused" in targets
    assert "Excusé·e·s : Une même personne ne peut pas être présente et excusée" in summary
    assert_links_reach_fields(page, summary)
    assert page.index("data-error-summary") < page.index('id="id_starts_at"')


def test_valid_form_page_has_no_summary(client, consultant):
    client.force_login(consultant)
    page = client.get(reverse("missions:meeting_create")).content.decode()
    assert summaries(page) == []


def test_long_diagnostic_form_summary_names_the_row_of_a_formset_error(client, consultant, commune):
    accompaniment = AccompanimentFactory(commune=commune)
    DiagnosticFactory(accompaniment=accompaniment)
    client.force_login(consultant)
    url = reverse("missions:diagnostic_update", args=[commune.insee_code])
    form_page = client.get(url).content.decode()
    lock = re.search(r'name="lock_version" value="(\d+)"', form_page).group(1)
    data = {"context": "Une commune rurale.", "data_collected": "", "lock_version": lock}
    for prefix in ("enjeux", "constats", "pistes"):
        data |= {f"{prefix}-TOTAL_FORMS": "0", f"{prefix}-INITIAL_FORMS": "0"}
    data |= {"enjeux-TOTAL_FORMS": "1", "enjeux-0-category": "", "enjeux-0-title": "", "enjeux-0-priority": "9"}
    response = client.post(url, data)
    assert response.status_code == 200
    page = response.content.decode()
    [summary] = summaries(page)  # one summary for the form and its three formsets
    assert "(ligne 1)" in summary
    assert any(target.startswith("id_enjeux-0-") for target in linked_ids(summary))
    assert_links_reach_fields(page, summary)


def test_action_form_with_a_funding_error_shows_one_summary(client, consultant, commune):
    ActionPlanFactory(accompaniment=AccompanimentFactory(commune=commune))
    client.force_login(consultant)
    data = {
        "title": "",
        "theme": "jardins_vergers",
        "priority": "2",
        "status": "proposee",
        "progress": "0",
        "financements-TOTAL_FORMS": "1",
        "financements-INITIAL_FORMS": "0",
        "financements-0-funder": "Région",
        "financements-0-amount": "pas un nombre",
    }
    response = client.post(reverse("missions:action_create", args=[commune.insee_code]), data)
    page = response.content.decode()
    [summary] = summaries(page)
    targets = linked_ids(summary)
    assert "id_title" in targets and "id_financements-0-amount" in targets
    assert_links_reach_fields(page, summary)
