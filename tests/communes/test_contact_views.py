import pytest
from django.urls import reverse

from communes.models import Contact
from tests.factories import ContactFactory
from tests.harness.assertions import assert_redirects_to_login

VALID = {
    "first_name": "Lucie",
    "last_name": "Cattin",
    "organisation": "GAEC du Plateau",
    "category": "agriculteur",
    "email": "lucie@example.org",
    "phone": "03 81 11 22 33",
}


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["gbm_officer", "consultant"])
def test_team_lists_searches_creates_and_edits_contacts(request, client, role):
    client.force_login(request.getfixturevalue(role))
    ContactFactory(last_name="Girardot", organisation="Mairie de Mamirolle")
    ContactFactory(last_name="Benali", organisation="Restaurant scolaire")
    response = client.get(reverse("communes:contact_list"), {"q": "mamirolle"})
    assert [c.last_name for c in response.context["contacts"]] == ["Girardot"]

    response = client.post(reverse("communes:contact_create"), VALID)
    assert response.status_code == 302
    contact = Contact.objects.get(last_name="Cattin")
    response = client.post(
        reverse("communes:contact_update", args=[contact.pk]),
        {**VALID, "phone": "06 00 00 00 00", "lock_version": contact.lock_version},
    )
    assert response.status_code == 302
    contact.refresh_from_db()
    assert contact.phone == "06 00 00 00 00"
    assert contact.history.count() == 2


@pytest.mark.django_db
def test_consent_requires_date_and_method_with_french_error_and_input_kept(client, consultant):
    client.force_login(consultant)
    response = client.post(reverse("communes:contact_create"), {**VALID, "consent_to_share": "on"})
    assert response.status_code == 200
    content = response.content.decode()
    assert "Indiquez la date et la manière" in content
    assert 'value="GAEC du Plateau"' in content
    assert not Contact.objects.exists()


@pytest.mark.django_db
def test_missing_name_and_bad_email_are_refused_in_french(client, consultant):
    client.force_login(consultant)
    response = client.post(reverse("communes:contact_create"), {**VALID, "last_name": "", "email": "pas-un-email"})
    content = response.content.decode()
    assert "Ce champ est obligatoire" in content
    assert "Saisissez une adresse de courriel valide" in content
    assert not Contact.objects.exists()


@pytest.mark.django_db
def test_elu_cannot_see_or_write_the_contact_directory(client, elu):
    contact = ContactFactory(commune=elu.commune)
    client.force_login(elu)
    assert client.get(reverse("communes:contact_list")).status_code == 403
    assert client.get(reverse("communes:contact_create")).status_code == 403
    assert client.post(reverse("communes:contact_create"), VALID).status_code == 403
    assert client.get(reverse("communes:contact_update", args=[contact.pk])).status_code == 404
    assert client.post(reverse("communes:contact_update", args=[contact.pk]), VALID).status_code == 404
    contact.refresh_from_db()
    assert contact.last_name != "Cattin"
    assert Contact.objects.count() == 1


@pytest.mark.django_db
def test_anonymous_is_redirected_from_contacts(client):
    contact = ContactFactory()
    for url in [
        reverse("communes:contact_list"),
        reverse("communes:contact_create"),
        reverse("communes:contact_update", args=[contact.pk]),
    ]:
        assert_redirects_to_login(client.get(url))
    assert_redirects_to_login(client.post(reverse("communes:contact_create"), VALID))
    assert Contact.objects.count() == 1


@pytest.mark.django_db
def test_contact_list_query_count_does_not_grow(client, consultant, django_assert_max_num_queries):
    ContactFactory()
    client.force_login(consultant)
    with django_assert_max_num_queries(12) as small:
        client.get(reverse("communes:contact_list"))
    ContactFactory.create_batch(40)
    with django_assert_max_num_queries(12) as large:
        client.get(reverse("communes:contact_list"))
    assert len(small.captured_queries) == len(large.captured_queries)
