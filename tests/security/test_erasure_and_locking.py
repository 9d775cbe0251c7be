"""Two gaps closed: an anonymised contact cannot be written back (portal form, admin), and the action plan's own
form (its summary) refuses the second of two concurrent saves instead of overwriting the first person's text."""

import pytest
from django.urls import reverse

from communes.models import Contact
from communes.services import anonymise_contact, anonymised_name
from missions.mission1.models.action_plans import ActionPlan
from tests.factories import ContactFactory, UserFactory
from tests.factories_mission1 import AccompanimentFactory, ActionPlanFactory
from tests.harness.forms import form_posting_to


@pytest.fixture
def anonymised(commune, gbm_officer):
    contact = ContactFactory(first_name="Éloïse", last_name="Vermot", email="eloise@example.org", commune=commune)
    return anonymise_contact(contact=contact, by=gbm_officer)


def _rename(contact) -> dict:
    return {
        "first_name": "Éloïse",
        "last_name": "Vermot",
        "organisation": "",
        "role_title": "",
        "category": "habitant",
        "commune": "",
        "email": "eloise@example.org",
        "phone": "06 12 34 56 78",
        "consent_date": "",
        "consent_method": "",
        "notes": "",
    }


@pytest.mark.django_db
def test_gbm_cannot_rename_an_anonymised_contact_through_the_contact_form(client, gbm_officer, anonymised):
    client.force_login(gbm_officer)
    url = reverse("communes:contact_update", args=[anonymised.pk])
    history_before = anonymised.history.count()

    page = client.get(url, follow=True)
    assert page.redirect_chain[-1][0] == reverse("communes:contact_list")
    assert "a été anonymisé (RGPD) : il ne peut plus être modifié" in page.content.decode()

    response = client.post(url, _rename(anonymised), follow=True)
    assert "il ne peut plus être modifié" in response.content.decode()
    contact = Contact.objects.get(pk=anonymised.pk)
    assert (contact.first_name, contact.last_name, contact.email, contact.phone) == (
        "",
        anonymised_name(contact.pk),
        "",
        "",
    )
    assert contact.history.count() == history_before


@pytest.mark.django_db
def test_a_contact_not_anonymised_is_still_editable(client, gbm_officer, commune):
    contact = ContactFactory(commune=commune)
    client.force_login(gbm_officer)
    response = client.post(
        reverse("communes:contact_update", args=[contact.pk]),
        {**_rename(contact), "lock_version": contact.lock_version},
    )
    assert response.status_code == 302
    contact.refresh_from_db()
    assert contact.last_name == "Vermot"


@pytest.mark.django_db
def test_an_anonymised_contact_is_read_only_in_the_admin(client, anonymised):
    admin = UserFactory(username="admin", gbm=True, is_superuser=True)
    client.force_login(admin)
    url = reverse("admin:communes_contact_change", args=[anonymised.pk])
    page = client.get(url)
    assert page.status_code == 200
    assert 'name="last_name"' not in page.content.decode()  # shown, not editable
    response = client.post(url, {**_rename(anonymised), "category": "habitant", "_save": "Enregistrer"})
    assert response.status_code == 403
    anonymised.refresh_from_db()
    assert anonymised.last_name == anonymised_name(anonymised.pk)


# Optimistic locking of the action plan's own form (summary) --------------------------------------------------------
def _opened_version(client, url) -> str:
    """What the form's hidden version field holds when a person opens the page (empty for a plan not yet saved)."""
    form = form_posting_to(client.get(url).content.decode(), url, url)
    assert "lock_version" in form.fields, "the plan form carries no lock_version"
    return form.data()["lock_version"]


@pytest.mark.django_db
def test_second_of_two_concurrent_plan_summary_saves_is_refused(client, commune, consultant, gbm_officer):
    plan = ActionPlanFactory(accompaniment=AccompanimentFactory(commune=commune), summary="Version initiale.")
    url = reverse("missions:action_plan_update", args=[commune.insee_code])
    first, second = client, client.__class__()
    first.force_login(consultant)
    second.force_login(gbm_officer)
    opened_by_first, opened_by_second = _opened_version(first, url), _opened_version(second, url)
    assert opened_by_first == opened_by_second == str(plan.lock_version)

    saved = first.post(url, {"summary": "Le texte de la consultante.", "lock_version": opened_by_first})
    assert saved.status_code == 302
    refused = second.post(url, {"summary": "Le texte de GBM.", "lock_version": opened_by_second})

    assert refused.status_code == 200
    content = refused.content.decode()
    assert "a été modifié par" in content and "pendant que vous le modifiiez" in content
    assert "Le texte de GBM." in content  # the second person's input stays on screen, nothing is lost
    plan.refresh_from_db()
    assert plan.summary == "Le texte de la consultante."
    assert plan.lock_version == int(opened_by_first) + 1
    assert plan.history.count() == 2  # the creation and the first save; the refused one wrote nothing


@pytest.mark.django_db
def test_two_people_starting_the_same_plan_do_not_overwrite_each_other(client, commune, consultant, gbm_officer):
    AccompanimentFactory(commune=commune)
    url = reverse("missions:action_plan_update", args=[commune.insee_code])
    first, second = client, client.__class__()
    first.force_login(consultant)
    second.force_login(gbm_officer)
    opened_by_first, opened_by_second = _opened_version(first, url), _opened_version(second, url)

    assert first.post(url, {"summary": "Premier plan.", "lock_version": opened_by_first}).status_code == 302
    refused = second.post(url, {"summary": "Second plan.", "lock_version": opened_by_second})

    assert refused.status_code == 200
    assert "pendant que vous le modifiiez" in refused.content.decode()
    assert ActionPlan.objects.get().summary == "Premier plan."
