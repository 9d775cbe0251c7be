"""The people picker: a plain select that saves without JavaScript, the commune's people first, and "+ Nouvelle
personne" creating a contact (with its consent, as the directory records it) without leaving the form."""

import datetime
import json
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from communes.models import Contact
from missions.mission1.models.meetings import Meeting
from tests.factories import CommuneFactory, ContactFactory
from tests.factories_ateliers import WorkshopFactory
from tests.factories_mission1 import (
    AccompanimentFactory,
    ActionFactory,
    ActionLeadFactory,
    ActionPlanFactory,
    DiagnosticFactory,
)
from tests.harness.forms import form_posting_to

pytestmark = pytest.mark.django_db

QUICK = "nouvelle_personne"


def meeting_data(accompaniment, **overrides):
    return {
        "starts_at": "2026-11-20T18:30",
        "kind": "elus",
        "title": "Point d'étape",
        "place": "Mairie",
        "accompaniment": accompaniment.pk,
        "count_elus": 0,
        "count_residents": 0,
        "count_associations": 0,
        "count_farmers": 0,
        "count_others": 0,
        "time_spent_half_days": "1",
        **overrides,
    }


def select_tag(page: str, name: str) -> str:
    return re.search(rf'<select name="{name}"[^>]*>', page).group(0)


def picker_select(page: str, name: str) -> str:
    return re.search(rf'<select name="{name}".*?</select>', page, flags=re.S).group(0)


def optgroups(page: str, name: str) -> list[tuple[str, str]]:
    select = re.search(rf'<select name="{name}".*?</select>', page, flags=re.S).group(0)
    return re.findall(r'<optgroup label="([^"]+)">(.*?)</optgroup>', select, flags=re.S)


def test_meeting_form_offers_plain_multiple_selects_marked_for_the_picker(client, consultant):
    client.force_login(consultant)
    page = client.get(reverse("missions:meeting_create")).content.decode()
    for name in ("present", "excused"):
        tag = select_tag(page, name)
        assert "multiple" in tag and "data-people-picker" in tag
        assert f'data-create-url="{reverse("communes:contact_quick_create")}"' in tag
    assert "Ctrl (ou Cmd)" not in page
    assert f'href="{reverse("communes:contact_create")}?retour=1"' in page  # "+ Nouvelle personne" without JS


def test_without_javascript_the_meeting_form_posts_the_plain_select_and_saves(client, consultant, commune):
    accompaniment = AccompanimentFactory(commune=commune)
    present = [ContactFactory(commune=commune) for _ in range(8)]
    excused = ContactFactory(commune=CommuneFactory())
    client.force_login(consultant)
    data = meeting_data(accompaniment, present=[contact.pk for contact in present], excused=[excused.pk])
    response = client.post(reverse("missions:meeting_create"), data)
    assert response.status_code == 302
    meeting = Meeting.objects.get()
    attendance = dict(meeting.participations.values_list("contact_id", "attendance"))
    assert attendance == {**{contact.pk: "present" for contact in present}, excused.pk: "excuse"}


def test_meeting_picker_lists_the_communes_people_first(client, consultant, commune):
    accompaniment = AccompanimentFactory(commune=commune)
    own = ContactFactory(commune=commune, last_name="Zola")
    other = ContactFactory(commune=CommuneFactory(name="Devecey"), last_name="Abel")
    client.force_login(consultant)
    url = reverse("missions:meeting_create") + f"?accompagnement={accompaniment.pk}"
    page = client.get(url).content.decode()
    groups = optgroups(page, "present")
    # Only the commune's people: anyone else is searched (issue 26.5), never the whole directory in the page.
    assert [label for label, _options in groups] == ["Personnes d&#x27;Amagney"]
    assert f'value="{own.pk}"' in groups[0][1] and f'value="{other.pk}"' not in picker_select(page, "present")
    assert f'data-commune="{commune.pk}"' in select_tag(page, "present")


def test_meeting_picker_keeps_the_commune_first_when_the_form_comes_back_with_an_error(client, consultant, commune):
    accompaniment = AccompanimentFactory(commune=commune)
    ContactFactory(commune=commune)
    client.force_login(consultant)
    page = client.post(reverse("missions:meeting_create"), meeting_data(accompaniment, kind="")).content.decode()
    assert optgroups(page, "present")[0][0] == "Personnes d&#x27;Amagney"


def test_resource_people_and_action_lead_use_the_picker_with_the_communes_people_first(client, consultant, commune):
    accompaniment = AccompanimentFactory(commune=commune)
    DiagnosticFactory(accompaniment=accompaniment)
    ActionPlanFactory(accompaniment=accompaniment)
    ContactFactory(commune=commune)
    ContactFactory(commune=CommuneFactory())
    client.force_login(consultant)
    diagnostic_page = client.get(reverse("missions:diagnostic_update", args=[commune.insee_code])).content.decode()
    assert "data-people-picker" in select_tag(diagnostic_page, "pistes-0-resource_people")
    assert optgroups(diagnostic_page, "pistes-0-resource_people")[0][0] == "Personnes d&#x27;Amagney"
    action_page = client.get(reverse("missions:action_create", args=[commune.insee_code])).content.decode()
    lead = select_tag(action_page, "lead_contact")
    assert "data-people-picker" in lead and "multiple" not in lead
    assert optgroups(action_page, "lead_contact")[0][0] == "Personnes d&#x27;Amagney"


def test_without_javascript_new_person_link_comes_back_to_the_form(client, consultant, commune):
    client.force_login(consultant)
    form_page = "/reunions/nouvelle/?accompagnement=3"
    page = client.get(
        reverse("communes:contact_create") + "?retour=1", HTTP_REFERER=f"http://testserver{form_page}"
    ).content.decode()
    assert re.search(rf'name="retour_page"\s+value="{re.escape(form_page)}"', page)
    tokens = re.search(r'name="submission_token" value="([^"]+)"', page)
    data = {"last_name": "Durand", "first_name": "Léa", "category": "habitant", "retour_page": form_page}
    if tokens:
        data["submission_token"] = tokens.group(1)
    response = client.post(reverse("communes:contact_create"), data)
    assert response.status_code == 302 and response.url == form_page
    assert Contact.objects.filter(last_name="Durand").exists()


def test_new_person_link_never_returns_to_another_site(client, consultant):
    client.force_login(consultant)
    page = client.get(
        reverse("communes:contact_create") + "?retour=1", HTTP_REFERER="https://ailleurs.example/piege/"
    ).content.decode()
    assert "retour_page" not in page


def quick_data(**overrides):
    return {
        f"{QUICK}-{name}": value
        for name, value in {"last_name": "Durand", "category": "habitant", **overrides}.items()
    }


def test_inline_creation_creates_the_contact_with_its_consent_as_the_directory_does(client, consultant, commune):
    client.force_login(consultant)
    url = reverse("communes:contact_quick_create") + f"?commune={commune.pk}"
    data = quick_data(
        first_name="Léa",
        organisation="Jardins partagés",
        commune=commune.pk,
        email="lea.durand@example.org",
        consent_to_share="on",
        consent_date="2026-11-20",
        consent_method="emargement",
    )
    response = client.post(url, data)
    assert response.status_code == 200
    option = json.loads(response.content)["option"]
    contact = Contact.objects.get(last_name="Durand")
    assert option == {
        "value": str(contact.pk),
        "text": "Léa Durand (Jardins partagés, Amagney)",
        "group": "Personnes d'Amagney",
    }
    assert (contact.commune, contact.organisation, contact.category) == (commune, "Jardins partagés", "habitant")
    assert contact.consent_to_share and contact.consent_date == datetime.date(2026, 11, 20)
    assert contact.consent_method == Contact.ConsentMethod.ATTENDANCE_SHEET


def test_inline_creation_refuses_a_consent_without_its_date_and_way_like_the_directory(client, consultant):
    client.force_login(consultant)
    response = client.post(reverse("communes:contact_quick_create"), quick_data(consent_to_share="on"))
    answer = json.loads(response.content)
    assert "option" not in answer
    assert "Indiquez la date et la manière dont le consentement a été recueilli" in answer["html"]
    assert 'value="Durand"' in answer["html"]  # what was typed is kept
    assert not Contact.objects.filter(last_name="Durand").exists()


def test_inline_creation_form_is_a_fragment_with_the_pickers_commune_chosen(client, consultant, commune):
    client.force_login(consultant)
    page = client.get(reverse("communes:contact_quick_create") + f"?commune={commune.pk}").content.decode()
    assert "<html" not in page and 'class="people-picker-form"' in page
    assert f'<option value="{commune.pk}" selected>' in page
    assert f'id="id_{QUICK}-last_name"' in page


def test_inline_creation_answers_names_as_text_never_markup(client, consultant):
    client.force_login(consultant)
    response = client.post(reverse("communes:contact_quick_create"), quick_data(last_name="<b>Durand</b>"))
    assert b"<b>" not in response.content
    assert json.loads(response.content)["option"]["text"] == "<b>Durand</b>"


def test_elu_cannot_create_a_contact_outside_a_workshop(client, elu):
    client.force_login(elu)
    assert client.get(reverse("communes:contact_quick_create")).status_code == 403
    assert client.post(reverse("communes:contact_quick_create"), quick_data()).status_code == 403
    assert not Contact.objects.filter(last_name="Durand").exists()


def test_anonymous_is_sent_to_login(client):
    response = client.post(reverse("communes:contact_quick_create"), quick_data())
    assert response.status_code == 302 and response.url.startswith("/connexion/")


def test_elu_creates_a_person_of_their_commune_for_a_workshop_without_recording_consent(client, elu, commune):
    workshop = WorkshopFactory()
    client.force_login(elu)
    url = reverse("ateliers:registration_new_person", args=[workshop.pk])
    page = client.get(url).content.decode()
    assert "consent_to_share" not in page and f"{QUICK}-commune" not in page
    response = client.post(url, quick_data(consent_to_share="on", consent_date="2026-11-20", consent_method="oral"))
    assert json.loads(response.content)["option"]["group"] == "Personnes d'Amagney"
    contact = Contact.objects.get(last_name="Durand")
    assert contact.commune == commune and not contact.consent_to_share and contact.consent_method == ""


def test_elu_naming_another_commune_for_a_new_person_gets_404(client, elu, other_commune):
    workshop = WorkshopFactory()
    client.force_login(elu)
    url = reverse("ateliers:registration_new_person", args=[workshop.pk]) + f"?commune={other_commune.pk}"
    assert client.post(url, quick_data()).status_code == 404
    assert not Contact.objects.filter(last_name="Durand").exists()


def test_elu_cannot_add_people_to_a_workshop_no_longer_planned(client, elu):
    workshop = WorkshopFactory(held=True)
    client.force_login(elu)
    response = client.post(reverse("ateliers:registration_new_person", args=[workshop.pk]), quick_data())
    assert response.status_code == 403
    assert not Contact.objects.filter(last_name="Durand").exists()


def test_team_creates_people_of_any_commune_with_consent_from_a_workshop(client, consultant, other_commune):
    workshop = WorkshopFactory()
    client.force_login(consultant)
    data = quick_data(
        commune=other_commune.pk, consent_to_share="on", consent_date="2026-11-20", consent_method="emargement"
    )
    client.post(reverse("ateliers:registration_new_person", args=[workshop.pk]), data)
    contact = Contact.objects.get(last_name="Durand")
    assert contact.commune == other_commune and contact.consent_to_share


def test_accompaniment_elected_referent_is_picked_among_elus_the_communes_first(client, gbm_officer, commune):
    accompaniment = AccompanimentFactory(commune=commune)
    own = ContactFactory(commune=commune, category=Contact.Category.ELU)
    ContactFactory(commune=CommuneFactory(), category=Contact.Category.ELU)
    not_an_elu = ContactFactory(commune=commune, category=Contact.Category.HABITANT)
    client.force_login(gbm_officer)
    page = client.get(reverse("missions:accompaniment_update", args=[accompaniment.pk])).content.decode()
    tag = select_tag(page, "elected_referent")
    assert "data-people-picker" in tag and "data-create-url" not in tag
    groups = optgroups(page, "elected_referent")
    assert groups[0][0] == "Personnes d&#x27;Amagney" and f'value="{own.pk}"' in groups[0][1]
    select = re.search(r'<select name="elected_referent".*?</select>', page, flags=re.S).group(0)
    assert f'value="{not_an_elu.pk}"' not in select


# The directory's size: what a picker reads, and when -------------------------------------------------------------
def whole_directory_reads(queries) -> list[str]:
    """The queries that read every contact (no WHERE): what the pickers show, never needed to save."""
    return [
        query["sql"] for query in queries if 'FROM "communes_contact"' in query["sql"] and "WHERE" not in query["sql"]
    ]


def test_meeting_form_queries_do_not_grow_with_the_directory_and_a_save_never_reads_it(
    client, consultant, commune, other_commune
):
    accompaniment = AccompanimentFactory(commune=commune)
    chosen = [ContactFactory(commune=commune) for _ in range(3)]
    excused = ContactFactory(commune=other_commune)
    client.force_login(consultant)
    create_url = reverse("missions:meeting_create") + f"?accompagnement={accompaniment.pk}"
    data = meeting_data(accompaniment, present=[contact.pk for contact in chosen], excused=[excused.pk])

    def measure():
        with CaptureQueriesContext(connection) as get:
            page = client.get(create_url).content.decode()
        with CaptureQueriesContext(connection) as post:
            response = client.post(reverse("missions:meeting_create"), data)
        assert response.status_code == 302
        meeting = Meeting.objects.latest("pk")
        update_url = reverse("missions:meeting_update", args=[meeting.pk])
        with CaptureQueriesContext(connection) as edit:
            client.get(update_url)
        with CaptureQueriesContext(connection) as save:
            response = client.post(update_url, {**data, "lock_version": meeting.lock_version})
        assert response.status_code == 302
        for queries in (post, save):
            assert whole_directory_reads(queries) == []
        for queries in (get, edit):
            assert whole_directory_reads(queries) == []  # the commune's people only, and the chosen ones by id
        return page, [len(queries) for queries in (get, post, edit, save)]

    small_page, small = measure()
    ContactFactory.create_batch(30, commune=commune)
    ContactFactory.create_batch(30, commune=other_commune)
    large_page, large = measure()
    assert large == small
    # present and excused each list the commune's people; the other commune's 30 are never in the page
    assert large_page.count("<option value=") == small_page.count("<option value=") + 2 * 30


def test_meeting_edit_shows_who_was_present_and_excused_selected_and_names_as_text(client, consultant, commune):
    accompaniment = AccompanimentFactory(commune=commune)
    present = ContactFactory(commune=commune, first_name="<b>Léa</b>", last_name="Durand", organisation="A & B")
    excused = ContactFactory(commune=CommuneFactory(name="Devecey"))
    client.force_login(consultant)
    data = meeting_data(accompaniment, present=[present.pk], excused=[excused.pk])
    assert client.post(reverse("missions:meeting_create"), data).status_code == 302
    page = client.get(reverse("missions:meeting_update", args=[Meeting.objects.get().pk])).content.decode()
    present_select = re.search(r'<select name="present".*?</select>', page, flags=re.S).group(0)
    excused_select = re.search(r'<select name="excused".*?</select>', page, flags=re.S).group(0)
    assert f'<option value="{present.pk}" selected>&lt;b&gt;Léa&lt;/b&gt; Durand (A &amp; B, Amagney)</option>' in (
        present_select
    )
    assert f'value="{excused.pk}"' not in present_select  # another commune's, chosen only as excused
    assert f'<option value="{excused.pk}" selected>' in excused_select
    assert f'<option value="{present.pk}">' in excused_select
    assert "<b>" not in page


def test_picker_lists_people_in_french_name_order(client, consultant, commune):
    accompaniment = AccompanimentFactory(commune=commune)
    for last_name in ["Zola", "Eluard", "Élie", "émery", "Dupont"]:
        ContactFactory(commune=commune, first_name="", organisation="", last_name=last_name)
    client.force_login(consultant)
    page = client.get(reverse("missions:meeting_create") + f"?accompagnement={accompaniment.pk}").content.decode()
    names = re.findall(r"<option value=\"\d+\">(\w+) \(", optgroups(page, "present")[0][1])
    assert names == ["Dupont", "Élie", "Eluard", "émery", "Zola"]


def test_action_lead_picker_shows_the_chosen_lead_selected(client, consultant, commune):
    accompaniment = AccompanimentFactory(commune=commune)
    plan = ActionPlanFactory(accompaniment=accompaniment)
    lead = ContactFactory(commune=commune)
    ContactFactory(commune=commune)
    action = plan.actions.create(title="Cantine bio", lead_contact=lead)
    client.force_login(consultant)
    page = client.get(reverse("missions:action_update", args=[action.pk])).content.decode()
    select = re.search(r'<select name="lead_contact".*?</select>', page, flags=re.S).group(0)
    assert select.count(" selected>") == 1 and f'<option value="{lead.pk}" selected>' in select
    assert '<option value="">' in select


def test_without_javascript_a_search_offers_the_matches_and_keeps_what_was_typed(client, consultant, commune):
    accompaniment = AccompanimentFactory(commune=commune)
    own = ContactFactory(commune=commune)
    far = ContactFactory(commune=CommuneFactory(name="Devecey"), last_name="Lointaine", first_name="Anne")
    ContactFactory(commune=CommuneFactory(name="Pirey"), last_name="Ailleurs")
    client.force_login(consultant)
    data = meeting_data(accompaniment, present=[own.pk], title="Réunion gardée")
    data.update({"present-recherche": "lointa", "chercher_personne": "present"})
    response = client.post(reverse("missions:meeting_create"), data)
    assert response.status_code == 200 and not Meeting.objects.exists()  # shown again, nothing saved
    page = response.content.decode()
    assert f'<option value="{far.pk}">' in dict(optgroups(page, "present"))["Trouvées pour « lointa »"]
    assert "Ailleurs" not in page  # only the matches join the commune's people
    assert f'<option value="{own.pk}" selected>' in page and "Réunion gardée" in page and 'value="lointa"' in page
    assert "Une personne correspond à « lointa »" in page
    # The person found is chosen and the form saved, as a browser posts it without JavaScript.
    data.pop("chercher_personne")
    data["present"] = [own.pk, far.pk]
    assert client.post(reverse("missions:meeting_create"), data).status_code == 302
    assert set(Meeting.objects.get().participations.values_list("contact_id", flat=True)) >= {own.pk, far.pk}


def test_without_javascript_a_search_too_short_is_said_in_french(client, consultant, commune):
    accompaniment = AccompanimentFactory(commune=commune)
    client.force_login(consultant)
    data = {**meeting_data(accompaniment), "present-recherche": "a", "chercher_personne": "present"}
    page = client.post(reverse("missions:meeting_create"), data).content.decode()
    assert "Tapez au moins 2 caractères" in page and not Meeting.objects.exists()


def test_a_person_of_another_commune_posted_without_being_offered_is_saved(client, consultant, commune):
    accompaniment = AccompanimentFactory(commune=commune)
    far = ContactFactory(commune=CommuneFactory(name="Devecey"))
    client.force_login(consultant)
    page = client.get(reverse("missions:meeting_create") + f"?accompagnement={accompaniment.pk}").content.decode()
    assert f'value="{far.pk}"' not in picker_select(page, "present")  # found by the remote search, not in the page
    assert (
        client.post(reverse("missions:meeting_create"), meeting_data(accompaniment, present=[far.pk])).status_code
        == 302
    )
    assert Meeting.objects.get().participations.filter(contact=far).exists()


def test_diagnostic_edit_lists_the_communes_people_and_keeps_a_chosen_outsider_with_constant_queries(
    client, consultant, commune, other_commune
):
    diagnostic = DiagnosticFactory(accompaniment=AccompanimentFactory(commune=commune))
    lead = ActionLeadFactory(diagnostic=diagnostic)
    outsider = ContactFactory(commune=other_commune, last_name="Lointaine")
    lead.resource_people.add(outsider)
    client.force_login(consultant)
    url = reverse("missions:diagnostic_update", args=[commune.insee_code])
    client.get(url)  # warm

    def measure():
        with CaptureQueriesContext(connection) as queries:
            page = client.get(url).content.decode()
        return page, len(queries)

    small_page, small = measure()
    ContactFactory.create_batch(20, commune=commune)
    ContactFactory.create_batch(40, commune=other_commune)
    large_page, large = measure()
    assert large == small
    select = picker_select(large_page, "pistes-0-resource_people")
    assert f'<option value="{outsider.pk}" selected>' in select  # an edit never loses a chosen person
    assert select.count("<option value=") == 1 + 20  # the outsider and the commune's 20, not the other 40
    assert 'name="pistes-0-resource_people-recherche"' in large_page


def test_without_javascript_the_action_lead_is_searched_and_kept(client, consultant, commune, other_commune):
    action = ActionFactory(plan=ActionPlanFactory(accompaniment=AccompanimentFactory(commune=commune)))
    far = ContactFactory(commune=other_commune, last_name="Lointaine")
    client.force_login(consultant)
    url = reverse("missions:action_update", args=[action.pk])
    page = client.get(url).content.decode()
    assert f'value="{far.pk}"' not in picker_select(page, "lead_contact")
    data = form_posting_to(page, url, url).data()
    data.update({"lead_contact-recherche": "Lointaine", "chercher_personne": "lead_contact"})
    page = client.post(url, data).content.decode()
    assert f'<option value="{far.pk}">' in picker_select(page, "lead_contact")
    data.pop("chercher_personne")
    data["lead_contact"] = str(far.pk)
    assert client.post(url, data).status_code == 302
    action.refresh_from_db()
    assert action.lead_contact_id == far.pk


def test_enter_in_the_second_pickers_search_field_searches_there(client, consultant, commune, other_commune):
    accompaniment = AccompanimentFactory(commune=commune)
    far = ContactFactory(commune=other_commune, last_name="Lointaine")
    client.force_login(consultant)
    # Enter in the « excusé·e·s » search field presses the form's first « Chercher », the present's.
    data = {**meeting_data(accompaniment), "excused-recherche": "lointaine", "chercher_personne": "present"}
    page = client.post(reverse("missions:meeting_create"), data).content.decode()
    assert f'<option value="{far.pk}">' in picker_select(page, "excused") and not Meeting.objects.exists()
