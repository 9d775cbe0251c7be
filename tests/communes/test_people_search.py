"""The people pickers' search as one types (communes/picker.py search_response): only what the reader may see, a
400 for bad input, a 404 for another commune, a rate limit, and queries that do not grow with the directory."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from communes import picker
from tests.factories import CommuneFactory, ContactFactory, UserFactory

URL = reverse("communes:contact_search")


@pytest.fixture
def people(db):
    amagney, avanne = CommuneFactory(name="Amagney"), CommuneFactory(name="Avanne")
    return {
        "amagney": amagney,
        "avanne": avanne,
        "own": ContactFactory(first_name="Marie", last_name="Dupont", organisation="", commune=amagney),
        "other": ContactFactory(first_name="Marc", last_name="Dupuis", organisation="", commune=avanne),
        "wild": ContactFactory(first_name="Luc", last_name="100%_bio", organisation="", commune=avanne),
    }


def found(client, **params) -> list[str]:
    response = client.get(URL, params)
    assert response.status_code == 200, response.content
    return [option["text"] for option in response.json()["results"]]


def test_the_team_finds_everyone_the_commune_first(client, people):
    client.force_login(UserFactory(consultant=True))
    results = client.get(URL, {"q": "dup", "commune": people["avanne"].pk}).json()["results"]
    assert [(r["text"], r["optgroup"]) for r in results] == [
        ("Marc Dupuis (Avanne)", "Personnes d'Avanne"),
        ("Marie Dupont (Amagney)", "Autres personnes"),
    ]
    assert results[0]["value"] == str(people["other"].pk)
    assert found(client, q="marie amag") == ["Marie Dupont (Amagney)"]  # every word, the commune's name too


def test_an_elu_finds_only_their_communes_people(client, people):
    client.force_login(UserFactory(elu=True, commune=people["amagney"]))
    assert found(client, q="dup") == ["Marie Dupont (Amagney)"]
    assert found(client, q="dup", commune=people["amagney"].pk) == ["Marie Dupont (Amagney)"]
    assert client.get(URL, {"q": "dup", "commune": people["avanne"].pk}).status_code == 404


@pytest.mark.parametrize(
    ("params", "status"),
    [
        ({}, 400),
        ({"q": ""}, 400),
        ({"q": " d "}, 400),
        ({"q": "x" * 10_000}, 400),
        ({"q": "dup", "commune": "abc"}, 404),
        ({"q": "dup", "commune": "99999999"}, 404),
        ({"q": "dup", "commune": "1 OR 1=1"}, 404),
    ],
)
def test_bad_input_gets_a_french_400_or_a_404_never_a_500(client, people, params, status):
    client.force_login(UserFactory(gbm=True))
    response = client.get(URL, params)
    assert response.status_code == status
    if status == 400:
        assert "caractères" in response.json()["error"]


def test_sql_wildcards_are_searched_as_typed(client, people):
    client.force_login(UserFactory(gbm=True))
    assert found(client, q="%_") == ["Luc 100%_bio (Avanne)"]
    assert found(client, q="__") == []
    assert found(client, q="%%") == []


def test_anonymous_is_sent_to_log_in_and_a_post_is_refused(client, people):
    assert client.get(URL, {"q": "dup"}).status_code == 302
    client.force_login(UserFactory(gbm=True))
    assert client.post(URL, {"q": "dup"}).status_code == 405


def test_past_the_limit_the_search_answers_429(client, people, monkeypatch):
    monkeypatch.setattr(picker, "SEARCH_PER_MINUTE", 2)
    client.force_login(UserFactory(consultant=True))
    assert [client.get(URL, {"q": "dup"}).status_code for _ in range(3)] == [200, 200, 429]
    assert "patientez" in client.get(URL, {"q": "dup"}).json()["error"]


def test_queries_do_not_grow_with_the_directory_and_results_stay_few(client, people):
    client.force_login(UserFactory(consultant=True))
    params = {"q": "dup", "commune": people["amagney"].pk}
    client.get(URL, params)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(URL, params).status_code == 200
        return len(captured.captured_queries)

    few = queries()
    ContactFactory.create_batch(40, last_name="Dupré", commune=people["avanne"])
    # Session, user, the commune, the rate limit's counters (the database cache: a few each), the search.
    assert queries() == few <= 20
    assert len(found(client, **params)) == picker.SEARCH_RESULTS


def test_every_picker_names_the_search(client, people):
    widget = picker.PeoplePickerWidget()
    widget.options = picker.PickerOptions(commune=people["amagney"])
    assert f'data-search-url="{URL}"' in widget.render("present", [])
