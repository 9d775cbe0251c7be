import datetime
import re
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from ateliers import models as ateliers_models
from ateliers.models import LogisticsCost, Registration, Workshop, WorkshopError
from ateliers.selectors import workshops_held
from communes.models import Contact
from tests.factories import CommuneFactory, ContactFactory, ProgrammeFactory, UserFactory
from tests.factories_ateliers import (
    LogisticsCostFactory,
    RegistrationFactory,
    ThemeFactory,
    WorkshopFactory,
    WorkshopTestimonyFactory,
)
from tests.harness import reading
from tests.harness.assertions import assert_redirects_to_login


def workshop_data(theme, programme, **overrides):
    data = {
        "programme": programme.pk,
        "title": "La cantine de Devecey",
        "theme": theme.pk,
        "format": "visite_temoignages",
        "starts_at": "2026-12-03T09:30",
        "ends_at": "2026-12-03T12:30",
        "place": "Restaurant scolaire, Devecey",
        "capacity": "30",
        "agenda": "Visite puis témoignages",
        "visits": "",
        "lock_version": "",
        "temoignages-TOTAL_FORMS": "1",
        "temoignages-INITIAL_FORMS": "0",
        "temoignages-0-speaker": "Karim Benali",
        "temoignages-0-organisation": "Restaurant scolaire",
        "temoignages-0-origin": "territoire",
        "temoignages-0-topic": "Cuisiner local",
        "frais-TOTAL_FORMS": "2",
        "frais-INITIAL_FORMS": "0",
        "frais-0-category": "transport",
        "frais-0-label": "Car",
        "frais-0-amount": "420.00",
        "frais-1-category": "repas",
        "frais-1-label": "Repas",
        "frais-1-amount": "312.50",
    }
    data.update(overrides)
    return data


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["gbm_officer", "consultant"])
def test_team_creates_a_workshop_with_testimonies_and_costs(request, client, role):
    user = request.getfixturevalue(role)
    theme, programme = ThemeFactory(), ProgrammeFactory()
    WorkshopFactory(programme=programme, number=4)
    client.force_login(user)
    response = client.post(reverse("ateliers:create"), workshop_data(theme, programme))
    assert response.status_code == 302
    workshop = Workshop.objects.get(title="La cantine de Devecey")
    assert workshop.number == 5 and workshop.created_by == user and workshop.status == Workshop.Status.PLANNED
    assert workshop.report.workflow_status == "brouillon" and workshop.attendance_sheet.pk
    assert list(workshop.testimonies.values_list("speaker", flat=True)) == ["Karim Benali"]
    assert sorted(workshop.costs.values_list("amount", flat=True)) == [Decimal("312.50"), Decimal("420.00")]
    content = client.get(workshop.get_absolute_url()).content.decode()
    assert "732,50" in content


@pytest.mark.django_db
def test_workshop_with_unvalidated_theme_or_bad_dates_is_refused_in_french(client, consultant):
    theme, programme = ThemeFactory(proposed=True), ProgrammeFactory()
    client.force_login(consultant)
    response = client.post(
        reverse("ateliers:create"),
        workshop_data(theme, programme, ends_at="2026-12-03T08:00", **{"frais-0-amount": "-3"}),
    )
    assert response.status_code == 200
    content = response.content.decode()
    assert "Sélectionnez un choix valide" in content
    assert "La fin de l&#x27;atelier ne peut pas précéder son début." in content
    assert 'value="Restaurant scolaire, Devecey"' in content
    assert not Workshop.objects.exists()


@pytest.mark.django_db
def test_create_workshop_service_refuses_a_theme_not_validated(consultant):
    from ateliers.services import create_workshop

    workshop = Workshop(
        programme=ProgrammeFactory(),
        title="x",
        theme=ThemeFactory(proposed=True),
        starts_at=timezone.now(),
        ends_at=timezone.now(),
        place="p",
        format="visite",
    )
    with pytest.raises(WorkshopError):
        create_workshop(workshop=workshop, by=consultant)
    assert not Workshop.objects.exists()


@pytest.mark.django_db
def test_team_edits_a_workshop_and_its_rows_and_concurrent_edit_is_refused(client, consultant):
    workshop = WorkshopFactory()
    testimony = WorkshopTestimonyFactory(workshop=workshop)
    client.force_login(consultant)
    data = workshop_data(
        workshop.theme,
        workshop.programme,
        title="Nouveau titre",
        lock_version=str(workshop.lock_version),
        **{
            "temoignages-TOTAL_FORMS": "1",
            "temoignages-INITIAL_FORMS": "1",
            "temoignages-0-id": str(testimony.pk),
            "temoignages-0-speaker": "Laure Besson",
            "temoignages-0-origin": "exterieur",
            "frais-TOTAL_FORMS": "0",
        },
    )
    response = client.post(reverse("ateliers:update", args=[workshop.pk]), data)
    assert response.status_code == 302
    workshop.refresh_from_db()
    testimony.refresh_from_db()
    assert workshop.title == "Nouveau titre" and testimony.speaker == "Laure Besson"
    stale = {**data, "title": "Titre périmé"}
    response = client.post(reverse("ateliers:update", args=[workshop.pk]), stale)
    assert response.status_code == 200
    assert "a été modifié" in response.content.decode()
    workshop.refresh_from_db()
    assert workshop.title == "Nouveau titre"


@pytest.mark.django_db
def test_cancelling_needs_a_reason_and_only_a_planned_workshop_is_cancelled(client, consultant):
    workshop = WorkshopFactory()
    client.force_login(consultant)
    response = client.post(reverse("ateliers:cancel", args=[workshop.pk]), {"reason": ""})
    assert response.status_code == 200 and "Indiquez le motif de l&#x27;annulation." in response.content.decode()
    response = client.post(reverse("ateliers:cancel", args=[workshop.pk]), {"reason": "Neige annoncée"})
    assert response.status_code == 302
    workshop.refresh_from_db()
    assert workshop.is_cancelled and workshop.cancellation_reason == "Neige annoncée"
    assert workshop.cancelled_by == consultant
    with pytest.raises(WorkshopError):
        workshop.cancel(by=consultant, reason="encore")
    with pytest.raises(WorkshopError):
        workshop.mark_held(by=consultant)
    assert "Neige annoncée" in client.get(workshop.get_absolute_url()).content.decode()


@pytest.mark.django_db
def test_workshop_is_marked_held_only_once_started(client, consultant):
    future = WorkshopFactory()
    with pytest.raises(WorkshopError, match="une fois commencé"):
        future.mark_held(by=consultant)
    past = WorkshopFactory(past=True)
    client.force_login(consultant)
    assert client.post(reverse("ateliers:mark_held", args=[past.pk])).status_code == 302
    past.refresh_from_db()
    assert past.is_held
    assert client.get(reverse("ateliers:mark_held", args=[past.pk])).status_code == 405


@pytest.mark.django_db
def test_workshops_held_counts_for_the_dashboard():
    programme = ProgrammeFactory()
    WorkshopFactory.create_batch(2, programme=programme, held=True)
    WorkshopFactory(programme=programme)
    WorkshopFactory(programme=programme, cancelled=True)
    WorkshopFactory(programme=ProgrammeFactory(contract_reference="AUTRE"), held=True)
    assert workshops_held(programme).count() == 2


@pytest.mark.django_db
def test_elu_sees_every_workshop_but_never_edits_them(client, elu):
    workshop = WorkshopFactory(title="Atelier ouvert à tous")
    WorkshopTestimonyFactory(workshop=workshop)
    LogisticsCostFactory(workshop=workshop, label="Car secret")
    client.force_login(elu)
    assert "Atelier ouvert à tous" in client.get(reverse("ateliers:list")).content.decode()
    content = client.get(workshop.get_absolute_url()).content.decode()
    assert "Atelier ouvert à tous" in content
    assert "Car secret" not in content and "Modifier" not in content
    before = (workshop.title, workshop.status)
    data = workshop_data(workshop.theme, workshop.programme, title="Piraté", lock_version="0")
    for url, payload in [
        (reverse("ateliers:create"), data),
        (reverse("ateliers:update", args=[workshop.pk]), data),
        (reverse("ateliers:cancel", args=[workshop.pk]), {"reason": "non"}),
        (reverse("ateliers:mark_held", args=[workshop.pk]), {}),
        (reverse("ateliers:report_update", args=[workshop.pk]), {"text": "x", "lock_version": "0"}),
    ]:
        assert client.post(url, payload).status_code == 403, url
    for url in [reverse("ateliers:create"), reverse("ateliers:update", args=[workshop.pk])]:
        assert client.get(url).status_code == 403
    assert client.get(reverse("ateliers:history", args=[workshop.pk])).status_code == 403
    workshop.refresh_from_db()
    assert (workshop.title, workshop.status) == before
    assert (
        Workshop.objects.count() == 1
        and ateliers_models.Testimony.objects.count() == 1
        and LogisticsCost.objects.count() == 1
    )


@pytest.mark.django_db
def test_elu_of_another_commune_sees_the_workshop_but_not_our_people(client, elu, elu_other_commune):
    workshop = WorkshopFactory()
    RegistrationFactory(workshop=workshop, contact=ContactFactory(commune=elu.commune, last_name="Cuenot"))
    client.force_login(elu_other_commune)
    response = client.get(workshop.get_absolute_url())
    assert response.status_code == 200
    assert "Cuenot" not in response.content.decode()
    client.force_login(elu)
    assert "Cuenot" in client.get(workshop.get_absolute_url()).content.decode()


@pytest.mark.django_db
def test_anonymous_is_redirected_from_workshop_pages(client):
    workshop = WorkshopFactory()
    for url in [
        reverse("ateliers:list"),
        reverse("ateliers:create"),
        reverse("ateliers:detail", args=[workshop.pk]),
        reverse("ateliers:update", args=[workshop.pk]),
        reverse("ateliers:cancel", args=[workshop.pk]),
        reverse("ateliers:history", args=[workshop.pk]),
        reverse("ateliers:report", args=[workshop.pk]),
        reverse("ateliers:report_update", args=[workshop.pk]),
    ]:
        assert_redirects_to_login(client.get(url))
    assert_redirects_to_login(client.post(reverse("ateliers:mark_held", args=[workshop.pk])))


@pytest.mark.django_db
def test_unknown_workshop_is_404(client, consultant):
    client.force_login(consultant)
    assert client.get(reverse("ateliers:detail", args=[999])).status_code == 404


@pytest.mark.django_db
def test_list_filters_by_status_theme_and_period(client, consultant):
    theme = ThemeFactory(title="Vergers")
    WorkshopFactory(title="Verger de Bonnay", theme=theme, held=True)
    WorkshopFactory(title="Cantine à venir")
    client.force_login(consultant)
    url = reverse("ateliers:list")
    titles = lambda params: [w.title for w in client.get(url, params).context["workshops"]]  # noqa: E731
    assert titles({"status": "tenu"}) == ["Verger de Bonnay"]
    assert titles({"theme": theme.pk}) == ["Verger de Bonnay"]
    assert titles({"period": "a_venir"}) == ["Cantine à venir"]
    assert titles({"q": "bonnay"}) == ["Verger de Bonnay"]


def _add_participants(workshop, count, commune):
    registered_by = UserFactory(consultant=True)
    for index in range(count):
        RegistrationFactory(
            workshop=workshop,
            contact=ContactFactory(commune=commune),
            registered_by=registered_by,
            consent_to_share=bool(index % 2),
            consent_date=datetime.date(2025, 3, 1) if index % 2 else None,
            consent_method="formulaire" if index % 2 else "",
        )


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["consultant", "elu"])
def test_list_and_detail_query_counts_do_not_grow_with_participants(request, client, role, count_queries):
    user = request.getfixturevalue(role)
    commune = user.commune or CommuneFactory()
    workshop = WorkshopFactory()
    WorkshopTestimonyFactory(workshop=workshop)
    LogisticsCostFactory(workshop=workshop)
    _add_participants(workshop, 1, commune)
    client.force_login(user)
    pages = [reverse("ateliers:list"), workshop.get_absolute_url()]
    one = [count_queries(lambda url=url: client.get(url)) for url in pages]
    _add_participants(workshop, 99, commune)
    WorkshopFactory.create_batch(5)
    many = [count_queries(lambda url=url: client.get(url)) for url in pages]
    assert one == many
    assert "100 inscrit·e·s" in client.get(workshop.get_absolute_url()).content.decode()


# The list and the workshop page as each role reads them ---------------------------------------------------------
# Their queries, the same whatever the data (measured: session, user, navigation, the page's own).
LIST_QUERIES = 5
PAGE_QUERIES = {"gbm": 8, "consultant": 8, "elu": 8}


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["gbm", "consultant", "elu"])
def test_the_list_runs_the_same_few_queries_with_more_workshops(client, users, commune, role):
    RegistrationFactory(workshop=WorkshopFactory(), contact=ContactFactory(commune=commune))
    client.force_login(users[role])
    small = reading.count_queries(client, "/ateliers/")
    for workshop in WorkshopFactory.create_batch(4):
        RegistrationFactory.create_batch(3, workshop=workshop, contact__commune=commune)
    large = reading.count_queries(client, "/ateliers/")
    assert small == large == LIST_QUERIES, (small, large)


@pytest.mark.django_db
def test_registrations_are_counted_per_workshop_and_for_the_elus_commune(client, elu, commune, other_commune):
    busy = WorkshopFactory(title="Atelier des vergers", capacity=40)
    RegistrationFactory.create_batch(2, workshop=busy, contact__commune=commune)
    RegistrationFactory.create_batch(3, workshop=busy, contact__commune=other_commune)
    WorkshopFactory(title="Atelier sans inscrit")
    client.force_login(elu)
    response = client.get("/ateliers/")
    counts = {w.title: (w.registered_count, w.commune_registered_count) for w in response.context["workshops"]}
    assert counts == {"Atelier des vergers": (5, 2), "Atelier sans inscrit": (0, 0)}
    assert "5 / 40" in reading.page_text(client, "/ateliers/")


@pytest.mark.django_db
def test_the_theme_filter_offers_the_validated_themes(client, consultant):
    validated = ThemeFactory(title="Vergers")
    ThemeFactory(title="Thème proposé", proposed=True)
    client.force_login(consultant)
    choices = client.get("/ateliers/").context["filter"].form.fields["theme"].choices
    assert [label for value, label in choices if value] == ["Vergers"]
    assert client.get("/ateliers/", {"theme": validated.pk}).status_code == 200


@pytest.mark.django_db
def test_each_role_reads_its_own_list(client, consultant, elu, commune):
    WorkshopFactory()
    client.force_login(consultant)
    assert f"Dont {commune.name}" not in reading.page_text(client, "/ateliers/")
    client.force_login(elu)
    assert f"Dont {commune.name}" in reading.page_text(client, "/ateliers/")


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["gbm", "consultant", "elu"])
def test_the_workshop_page_runs_the_same_few_queries_with_more_people(client, users, commune, role):
    workshop = WorkshopFactory()
    RegistrationFactory(workshop=workshop, contact=ContactFactory(commune=commune))
    client.force_login(users[role])
    client.get(workshop.get_absolute_url())  # what persists between requests (the navigation's count) is warm
    small = reading.count_queries(client, workshop.get_absolute_url())
    RegistrationFactory.create_batch(6, workshop=workshop, contact__commune=commune, consenting=True)
    large = reading.count_queries(client, workshop.get_absolute_url())
    assert small == large == PAGE_QUERIES[role], (small, large)


@pytest.mark.django_db
def test_the_page_shows_registrations_and_names_as_they_are(client, consultant, commune):
    workshop = WorkshopFactory()
    registration = RegistrationFactory(workshop=workshop, contact=ContactFactory(commune=commune, last_name="Martin"))
    client.force_login(consultant)
    assert "Martin" in reading.page_text(client, workshop.get_absolute_url())
    Contact.objects.filter(pk=registration.contact_id).update(last_name="Bernard")
    RegistrationFactory(workshop=workshop, contact=ContactFactory(commune=commune, last_name="Petitjean"))
    page = reading.page_text(client, workshop.get_absolute_url())
    assert "Bernard" in page and "Petitjean" in page and "Martin" not in page
    assert "2 inscrit·e·s" in page


@pytest.mark.django_db
def test_contact_details_follow_consent_and_role(client, consultant, elu, commune, other_commune):
    workshop = WorkshopFactory()
    consenting = RegistrationFactory(
        workshop=workshop, contact=ContactFactory(commune=commune, email="oui@example.org"), consenting=True
    )
    RegistrationFactory(workshop=workshop, contact=ContactFactory(commune=commune, email="non@example.org"))
    RegistrationFactory(workshop=workshop, contact=ContactFactory(commune=other_commune, email="ailleurs@example.org"))
    url = workshop.get_absolute_url()
    client.force_login(consultant)
    team_page = reading.page_text(client, url)
    assert all(email in team_page for email in ("oui@example.org", "non@example.org", "ailleurs@example.org"))
    client.force_login(elu)
    elu_page = reading.page_text(client, url)
    assert "oui@example.org" in elu_page
    assert (
        "non@example.org" not in elu_page and "ailleurs@example.org" not in elu_page
    )  # no consent; not their commune
    assert f"/inscriptions/{consenting.pk}/" in elu_page  # their commune's people: they manage them
    Registration.objects.filter(pk=consenting.pk).update(consent_to_share=False, consent_withdrawn_at=timezone.now())
    assert "oui@example.org" not in reading.page_text(client, url)  # a withdrawal is honoured at once


@pytest.mark.django_db
def test_marquer_tenu_posts_with_the_sessions_token(client, consultant):
    workshop = WorkshopFactory(past=True)
    other = Client(enforce_csrf_checks=True)
    other.force_login(consultant)
    page = reading.page_text(other, workshop.get_absolute_url())
    assert "Marquer tenu" in page
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    response = other.post(f"/ateliers/{workshop.pk}/tenu/", {"csrfmiddlewaretoken": token}, follow=True)
    assert response.status_code == 200
    workshop.refresh_from_db()
    assert workshop.status == Workshop.Status.HELD
    page = response.content.decode()
    assert "Atelier marqué tenu" in page and "Cet atelier a-t-il eu lieu" not in page
