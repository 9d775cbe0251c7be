"""« + Nouvelle personne » in the people picker writes a contact at once: a person the directory already has is
chosen instead of being created twice, and an élu creates at most a day's quota (issue 25)."""

import json

import pytest
from django.core.cache import cache
from django.urls import reverse

from communes import picker
from communes.matching import same_person
from communes.models import Contact
from tests.factories import ContactFactory
from tests.factories_ateliers import WorkshopFactory

pytestmark = pytest.mark.django_db
QUICK = picker.QUICK_FORM_PREFIX


@pytest.fixture(autouse=True)
def _fresh_counters():
    cache.clear()
    yield
    cache.clear()


def post(client, workshop, **fields):
    data = {f"{QUICK}-{name}": value for name, value in {"category": "habitant", **fields}.items()}
    response = client.post(reverse("ateliers:registration_new_person", args=[workshop.pk]), data)
    assert response.status_code == 200
    return json.loads(response.content)


def test_the_same_name_in_the_commune_is_the_known_person_whatever_accents_case_or_order(client, elu, commune):
    known = ContactFactory(commune=commune, first_name="Éloïse", last_name="Lefèvre")
    client.force_login(elu)
    answer = post(client, WorkshopFactory(), first_name="eloise", last_name="LEFEVRE")
    assert answer["option"]["value"] == str(known.pk)
    assert Contact.objects.filter(commune=commune).count() == 1


def test_the_same_email_is_the_known_person(client, elu, commune):
    known = ContactFactory(commune=commune, first_name="Marie", last_name="Dupont", email="marie@exemple.fr")
    client.force_login(elu)
    answer = post(client, WorkshopFactory(), first_name="M.", last_name="Dupont-Vallet", email="MARIE@exemple.fr")
    assert answer["option"]["value"] == str(known.pk)
    assert Contact.objects.count() == 1


def test_a_homonym_of_another_commune_is_a_new_person(client, elu, commune, other_commune):
    ContactFactory(commune=other_commune, first_name="Jean", last_name="Roy")
    client.force_login(elu)
    answer = post(client, WorkshopFactory(), first_name="Jean", last_name="Roy")
    created = Contact.objects.get(commune=commune)
    assert answer["option"]["value"] == str(created.pk)


def test_an_elu_creates_at_most_the_daily_quota_then_gets_a_french_error(client, elu, commune, monkeypatch):
    monkeypatch.setattr(picker, "ELU_NEW_PEOPLE_PER_DAY", 2)
    workshop = WorkshopFactory()
    client.force_login(elu)
    for name in ("Un", "Deux"):
        assert "option" in post(client, workshop, last_name=name)
    answer = post(client, workshop, last_name="Trois")
    assert "le maximum par jour" in answer["html"] and 'value="Trois"' in answer["html"]
    assert not Contact.objects.filter(last_name="Trois").exists()
    assert "option" in post(client, workshop, last_name="Deux")  # a known person is still chosen


def test_same_person_reads_one_query(django_assert_num_queries, commune):
    ContactFactory.create_batch(5, commune=commune)
    with django_assert_num_queries(1):
        assert same_person(commune=commune, first_name="Personne", last_name="Inconnue", email="") is None
    assert same_person(commune=None, first_name="A", last_name="B", email="") is None
