"""Communes and contacts are listed in French alphabetical order (issue 18 item 9): "Chalèze" before "Chalezeule",
"Châtillon-le-Duc" before "Chevroz", in drop-downs, sortable lists and the contact directory, on both databases."""

import pytest
from django.urls import reverse

from communes.filters import CommuneFilter, ContactFilter
from communes.models import Commune
from tests.factories import CommuneFactory, ContactFactory

pytestmark = pytest.mark.django_db

FRENCH_ORDER = ["Chalèze", "Chalezeule", "Châtillon-le-Duc", "Chevroz"]


@pytest.fixture
def communes():
    return [CommuneFactory(name=name, insee_code=f"25{800 + n}") for n, name in enumerate(reversed(FRENCH_ORDER))]


def test_commune_drop_down_of_filters_is_in_french_order(communes):
    choices = [label for value, label in ContactFilter().form.fields["commune"].choices if value]
    assert choices == FRENCH_ORDER


@pytest.mark.parametrize(("ordering", "expected"), [("name", FRENCH_ORDER), ("-name", FRENCH_ORDER[::-1])])
def test_sorting_communes_by_name_follows_french_order(communes, ordering, expected):
    filterset = CommuneFilter(data={"ordering": ordering}, queryset=Commune.objects.all())
    assert [commune.name for commune in filterset.qs] == expected


def test_contact_directory_lists_people_in_french_order(client, gbm_officer, communes):
    for last_name in ["Chevroz", "Châtillon", "Chalezeule", "Chalèze"]:
        ContactFactory(last_name=last_name, first_name="Anne", commune=communes[0])
    client.force_login(gbm_officer)
    contacts = client.get(reverse("communes:contact_list")).context["contacts"]
    assert [contact.last_name for contact in contacts] == ["Chalèze", "Chalezeule", "Châtillon", "Chevroz"]
