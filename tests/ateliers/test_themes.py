import pytest
from django.urls import reverse

from ateliers.models import Theme, ThemeError
from ateliers.selectors import theme_communes_by_theme
from tests.factories import CommuneFactory
from tests.factories_ateliers import ThemeFactory, WorkshopFactory
from tests.harness.assertions import assert_redirects_to_login

VALID = {"title": "Cantines locales", "description": "Partager les marchés", "action_theme": "restauration_collective"}


@pytest.mark.django_db
def test_gbm_validates_a_proposed_theme(gbm_officer):
    theme = ThemeFactory(proposed=True)
    theme.validate(by=gbm_officer, comment="Bien vu")
    theme.refresh_from_db()
    assert theme.status == Theme.Status.VALIDATED
    assert theme.reviewed_by == gbm_officer and theme.reviewed_at and theme.review_comment == "Bien vu"


@pytest.mark.django_db
def test_rejecting_a_theme_needs_a_comment(gbm_officer):
    theme = ThemeFactory(proposed=True)
    with pytest.raises(ThemeError, match="Indiquez pourquoi"):
        theme.reject(by=gbm_officer, comment="  ")
    theme.reject(by=gbm_officer, comment="Déjà traité par l'atelier 1")
    theme.refresh_from_db()
    assert theme.status == Theme.Status.REJECTED


@pytest.mark.django_db
@pytest.mark.parametrize("status", [Theme.Status.VALIDATED, Theme.Status.REJECTED])
def test_only_a_proposed_theme_can_be_reviewed(gbm_officer, status):
    theme = ThemeFactory(status=status)
    with pytest.raises(ThemeError, match="seul un thème proposé"):
        theme.validate(by=gbm_officer)
    with pytest.raises(ThemeError):
        theme.reject(by=gbm_officer, comment="Non")


@pytest.mark.django_db
def test_reworking_a_rejected_theme_proposes_it_again(client, consultant):
    theme = ThemeFactory(rejected=True)
    client.force_login(consultant)
    response = client.post(
        reverse("ateliers:theme_update", args=[theme.pk]), {**VALID, "lock_version": theme.lock_version}
    )
    assert response.status_code == 302
    theme.refresh_from_db()
    assert theme.status == Theme.Status.PROPOSED and theme.title == "Cantines locales"


@pytest.mark.django_db
def test_a_validated_theme_is_no_longer_edited(client, consultant):
    theme = ThemeFactory()
    client.force_login(consultant)
    response = client.post(
        reverse("ateliers:theme_update", args=[theme.pk]), {**VALID, "lock_version": theme.lock_version}
    )
    assert response.status_code == 302
    theme.refresh_from_db()
    assert theme.title != "Cantines locales"


@pytest.mark.django_db
def test_consultant_proposes_a_theme_and_gbm_reviews_it_in_the_browser(client, consultant, gbm_officer, make_action):
    action = make_action(CommuneFactory(), title="Légumerie partagée")
    client.force_login(consultant)
    response = client.post(reverse("ateliers:theme_create"), {**VALID, "actions": [action.pk]})
    assert response.status_code == 302
    theme = Theme.objects.get(title="Cantines locales")
    assert theme.status == Theme.Status.PROPOSED and theme.proposed_by == consultant
    assert list(theme.actions.all()) == [action]
    assert theme.history.count() >= 1

    response = client.post(reverse("ateliers:theme_review", args=[theme.pk]), {"decision": "valider"})
    assert response.status_code == 403

    client.force_login(gbm_officer)
    response = client.post(reverse("ateliers:theme_review", args=[theme.pk]), {"decision": "refuser", "comment": ""})
    assert response.status_code == 200
    assert "Indiquez pourquoi le thème est refusé." in response.content.decode()
    theme.refresh_from_db()
    assert theme.status == Theme.Status.PROPOSED
    response = client.post(reverse("ateliers:theme_review", args=[theme.pk]), {"decision": "valider", "comment": ""})
    assert response.status_code == 302
    theme.refresh_from_db()
    assert theme.status == Theme.Status.VALIDATED


@pytest.mark.django_db
def test_only_validated_themes_are_offered_to_workshops(client, consultant):
    validated = ThemeFactory(title="Validé")
    proposed = ThemeFactory(title="En attente", proposed=True)
    client.force_login(consultant)
    form = client.get(reverse("ateliers:create")).context["form"]
    assert list(form.fields["theme"].queryset) == [validated]
    assert proposed not in form.fields["theme"].queryset


@pytest.mark.django_db
def test_theme_page_counts_communes_with_an_action_on_the_theme(client, consultant, make_action):
    theme = ThemeFactory(action_theme="restauration_collective")
    for name in ["Amagney", "Devecey", "Mamirolle"]:
        make_action(CommuneFactory(name=name), theme="restauration_collective")
    same_commune_again = make_action(CommuneFactory(name="Torpes"), theme="jardins_vergers")
    make_action(CommuneFactory(name="Thise"), theme="restauration_collective", status="abandonnee")
    theme.actions.add(same_commune_again)
    client.force_login(consultant)
    content = client.get(reverse("ateliers:theme_detail", args=[theme.pk])).content.decode()
    assert "4 communes ont une action sur ce thème" in content
    assert "Thise" not in content


@pytest.mark.django_db
def test_theme_counts_take_a_fixed_number_of_queries(make_action, django_assert_num_queries):
    themes = [ThemeFactory(action_theme=value) for value in ["restauration_collective", "gaspillage", "autre"]]
    for index in range(5):
        action = make_action(CommuneFactory(), theme="gaspillage" if index % 2 else "restauration_collective")
        themes[2].actions.add(action)
    with django_assert_num_queries(2):
        counts = theme_communes_by_theme(themes)
    assert [len(counts[theme.pk]) for theme in themes] == [3, 2, 5]


@pytest.mark.django_db
def test_theme_list_query_count_does_not_grow(client, consultant, count_queries, make_action):
    client.force_login(consultant)
    ThemeFactory()
    url = reverse("ateliers:theme_list")
    one = count_queries(lambda: client.get(url))
    for _index in range(20):
        theme = ThemeFactory(action_theme="gaspillage")
        theme.actions.add(make_action(CommuneFactory(), theme="gaspillage"))
    many = count_queries(lambda: client.get(url))
    assert one == many


@pytest.mark.django_db
def test_elu_sees_validated_themes_only_and_cannot_write(client, elu):
    validated = ThemeFactory(title="Validé")
    proposed = ThemeFactory(title="En attente", proposed=True)
    client.force_login(elu)
    response = client.get(reverse("ateliers:theme_list"))
    assert [theme for theme, _count in response.context["rows"]] == [validated]
    assert client.get(reverse("ateliers:theme_detail", args=[validated.pk])).status_code == 200
    assert client.get(reverse("ateliers:theme_detail", args=[proposed.pk])).status_code == 404
    assert client.get(reverse("ateliers:theme_create")).status_code == 403
    assert client.post(reverse("ateliers:theme_create"), VALID).status_code == 403
    assert client.post(reverse("ateliers:theme_update", args=[validated.pk]), VALID).status_code == 403
    assert (
        client.post(reverse("ateliers:theme_review", args=[proposed.pk]), {"decision": "valider"}).status_code == 404
    )
    assert client.get(reverse("ateliers:theme_history", args=[validated.pk])).status_code == 403
    assert Theme.objects.count() == 2
    proposed.refresh_from_db()
    assert proposed.status == Theme.Status.PROPOSED


@pytest.mark.django_db
def test_consultant_cannot_review_a_theme(client, consultant):
    theme = ThemeFactory(proposed=True)
    client.force_login(consultant)
    assert client.get(reverse("ateliers:theme_review", args=[theme.pk])).status_code == 403
    assert client.post(reverse("ateliers:theme_review", args=[theme.pk]), {"decision": "valider"}).status_code == 403
    theme.refresh_from_db()
    assert theme.status == Theme.Status.PROPOSED


@pytest.mark.django_db
def test_theme_history_lists_changes_for_the_team(client, consultant):
    theme = ThemeFactory(proposed=True)
    client.force_login(consultant)
    client.post(reverse("ateliers:theme_update", args=[theme.pk]), {**VALID, "lock_version": theme.lock_version})
    response = client.get(reverse("ateliers:theme_history", args=[theme.pk]))
    assert response.status_code == 200
    assert "Cantines locales" in response.content.decode()


@pytest.mark.django_db
def test_theme_detail_lists_its_workshops(client, elu):
    workshop = WorkshopFactory(title="Visite de la légumerie")
    client.force_login(elu)
    assert "Visite de la légumerie" in client.get(workshop.theme.get_absolute_url()).content.decode()


@pytest.mark.django_db
def test_anonymous_is_redirected_from_theme_pages(client):
    theme = ThemeFactory()
    for url in [
        reverse("ateliers:theme_list"),
        reverse("ateliers:theme_create"),
        reverse("ateliers:theme_detail", args=[theme.pk]),
        reverse("ateliers:theme_update", args=[theme.pk]),
        reverse("ateliers:theme_review", args=[theme.pk]),
        reverse("ateliers:theme_history", args=[theme.pk]),
    ]:
        assert_redirects_to_login(client.get(url))
