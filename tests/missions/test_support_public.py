"""The public form at /demandes/nouvelle/: no account, hardened against robots and flooding."""

import html
import re

import pytest
from django.core import mail
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from missions.support.models import SupportRequest
from tests.factories import ProgrammeFactory, UserFactory
from tests.factories_support import SupportRequestFactory

URL = "/demandes/nouvelle/"


@pytest.fixture(autouse=True)
def _setup(db):
    cache.clear()
    ProgrammeFactory()


def _data(for_commune, **overrides):
    data = {
        "requester_kind": SupportRequest.RequesterKind.ASSOCIATION,
        "organisation": "Les Croqueurs de pommes",
        "contact_name": "Hélène Jacquot",
        "email": "helene@example.org",
        "phone": "06 00 00 00 00",
        "commune": for_commune.pk,
        "title": "Verger conservatoire",
        "kind": SupportRequest.Kind.ORCHARD,
        "description": "Planter 30 arbres fruitiers de variétés locales sur un terrain communal.",
        "help_wanted": "Trouver des partenaires et un financement.",
        "already_under_way": "0",
        "verification": "",
    }
    data.update(overrides)
    return data


def test_the_public_form_needs_no_account(client, commune):
    response = client.get(URL)
    assert response.status_code == 200
    content = response.content.decode()
    assert "Demander un accompagnement" in content
    assert 'name="csrfmiddlewaretoken"' in content


def test_valid_request_is_recorded_confirmed_and_mailed_with_its_reference(
    client, commune, django_capture_on_commit_callbacks
):
    officer = UserFactory(gbm=True, email="claire@gbm.example")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(URL, _data(commune))
    assert response.status_code == 302
    assert response.url == reverse("missions:support_public_done")
    support_request = SupportRequest.objects.get()
    assert support_request.door == SupportRequest.Door.PUBLIC
    assert support_request.status == SupportRequest.Status.RECEIVED
    assert support_request.submitted_by is None
    assert support_request.commune == commune
    assert support_request.events.get().status == SupportRequest.Status.RECEIVED
    reference = support_request.reference
    assert reference.startswith("DA-")

    done = client.get(response.url)
    assert reference in done.content.decode()

    to_requester = next(message for message in mail.outbox if message.to == ["helene@example.org"])
    assert reference in to_requester.subject
    assert reference in to_requester.body
    # A third party has no account: no link to a page they could not open.
    assert "/demandes/" not in to_requester.body
    to_team = next(message for message in mail.outbox if message.to == [officer.email])
    assert reference in to_team.subject


def test_acknowledgement_holds_the_reference_and_never_what_the_sender_typed(
    client, commune, django_capture_on_commit_callbacks
):
    """Anyone may type any address on this form: the portal must not carry a stranger's words from GBM's address."""
    typed = _data(
        commune,
        contact_name="Cliquez sur http://phishing.example",
        organisation="Banque Populaire Officielle",
        title="Votre compte est suspendu",
        description="Connectez-vous sur http://phishing.example/login pour le réactiver.",
        help_wanted="Appelez le 08 99 00 00 00",
        phone="08 99 00 00 00",
    )
    with django_capture_on_commit_callbacks(execute=True):
        client.post(URL, typed)
    reference = SupportRequest.objects.get().reference
    (acknowledgement,) = [message for message in mail.outbox if message.to == ["helene@example.org"]]
    assert reference in acknowledgement.subject and reference in acknowledgement.body
    text = acknowledgement.subject + acknowledgement.body
    for field in ("contact_name", "organisation", "title", "description", "help_wanted", "phone"):
        assert typed[field] not in text, field
    assert "phishing" not in text and "08 99" not in text
    assert commune.name not in text


def test_no_mail_leaves_before_the_transaction_commits(client, commune, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        client.post(URL, _data(commune))
    assert SupportRequest.objects.count() == 1
    assert mail.outbox == []
    assert callbacks


def test_missing_fields_are_reported_in_french_and_input_is_kept(client, commune):
    response = client.post(URL, _data(commune, email="", description="", already_under_way=""))
    assert response.status_code == 200
    content = response.content.decode()
    # Each message twice: in the error summary at the top of the form and beside its field.
    assert content.count("Ce champ est obligatoire.") == 6
    assert "Verger conservatoire" in content
    assert not SupportRequest.objects.exists()


@pytest.mark.parametrize(
    ("field", "length"),
    [
        ("organisation", 201),
        ("contact_name", 151),
        ("phone", 31),
        ("title", 201),
        ("description", 5001),
        ("help_wanted", 3001),
        ("verification", 201),
    ],
)
def test_oversized_fields_are_refused(client, commune, field, length):
    response = client.post(URL, _data(commune, **{field: "x" * length}))
    assert response.status_code == 200
    assert "Assurez-vous que cette valeur comporte au plus" in response.content.decode()
    assert not SupportRequest.objects.exists()


def test_oversized_email_is_refused(client, commune):
    response = client.post(URL, _data(commune, email=("a" * 250) + "@example.org"))
    assert response.status_code == 200
    assert not SupportRequest.objects.exists()


def test_unknown_commune_and_kind_are_refused(client, commune):
    response = client.post(URL, _data(commune, commune=999999, kind="piscine"))
    assert response.status_code == 200
    assert response.content.decode().count("Sélectionnez un choix valide") == 4  # summary and field
    assert not SupportRequest.objects.exists()


def test_a_third_party_cannot_claim_to_be_the_commune(client, commune):
    response = client.post(URL, _data(commune, requester_kind=SupportRequest.RequesterKind.COMMUNE))
    assert response.status_code == 200
    assert not SupportRequest.objects.exists()


def test_a_filled_trap_stores_and_sends_nothing_and_says_so_with_the_input_kept(
    client, commune, django_capture_on_commit_callbacks
):
    """A robot (or a browser's autofill) that fills the hidden trap is never told "sent": the form comes back with a
    French message, what was typed kept and the trap emptied, so that sending it again works."""
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(URL, _data(commune, verification="https://spam.example"))
    assert response.status_code == 200
    page = html.unescape(response.content.decode())
    assert "Votre demande n'a pas été enregistrée" in page
    assert "Verger conservatoire" in page and "Les Croqueurs de pommes" in page  # what was typed
    assert "https://spam.example" not in page
    assert not SupportRequest.objects.exists()
    assert mail.outbox == []
    done = client.get(reverse("missions:support_public_done")).content.decode()
    assert "Aucune demande enregistrée" in done and "est enregistrée" not in done
    again = client.post(URL, _data(commune))
    assert again.status_code == 302
    assert SupportRequest.objects.count() == 1


def test_the_trap_is_not_a_field_browsers_autofill(client):
    """Autofill recognises names and labels such as website, url, email, name, phone, address, company."""
    page = client.get(URL).content.decode()
    trap = re.search(r'<input[^>]*name="verification"[^>]*>', page).group(0)
    assert 'autocomplete="off"' in trap and 'tabindex="-1"' in trap
    assert not re.search(r"website|url|mail|phone|tel|adress|address|company|name=\"nom", trap, re.IGNORECASE)


def test_rate_limit_answers_429_in_french_after_five_posts_per_hour(client, commune):
    for _ in range(5):
        assert client.post(URL, _data(commune), REMOTE_ADDR="198.51.100.20").status_code == 302
    refused = client.post(URL, _data(commune), REMOTE_ADDR="198.51.100.20")
    assert refused.status_code == 429
    assert "Trop de demandes envoyées" in refused.content.decode()
    assert "Retry-After" in refused
    assert SupportRequest.objects.count() == 5
    # Someone else is not affected, and reading the form stays possible.
    assert client.post(URL, _data(commune), REMOTE_ADDR="198.51.100.21").status_code == 302
    assert client.get(URL, REMOTE_ADDR="198.51.100.20").status_code == 200


def test_invalid_posts_count_too(client, commune):
    for _ in range(5):
        client.post(URL, {"title": "x"}, REMOTE_ADDR="198.51.100.30")
    assert client.post(URL, _data(commune), REMOTE_ADDR="198.51.100.30").status_code == 429
    assert not SupportRequest.objects.exists()


def test_csrf_is_enforced(commune):
    strict = Client(enforce_csrf_checks=True)
    response = strict.post(URL, _data(commune))
    assert response.status_code == 403
    assert not SupportRequest.objects.exists()


def test_confirmation_never_shows_another_requests_reference(client, commune):
    SupportRequestFactory(commune=commune, year=2026, number=41)
    response = client.get(reverse("missions:support_public_done"))
    assert response.status_code == 200
    assert "DA-2026-0041" not in response.content.decode()


def test_the_answer_is_the_same_whether_the_email_is_known_or_not(client, commune):
    SupportRequestFactory(commune=commune, email="deja@example.org")
    UserFactory(username="known", email="connu@example.org")
    known = client.post(URL, _data(commune, email="deja@example.org"))
    other = client.post(URL, _data(commune, email="nouveau@example.org"))
    account = client.post(URL, _data(commune, email="connu@example.org"))
    assert known.status_code == other.status_code == account.status_code == 302
    assert known.url == other.url == account.url


def test_public_pages_never_list_requests(client, commune):
    SupportRequestFactory(commune=commune, title="Projet confidentiel")
    for url in (URL, reverse("missions:support_public_done")):
        assert "Projet confidentiel" not in client.get(url).content.decode()


def test_logged_in_users_are_sent_to_their_own_form(client, elu, consultant):
    client.force_login(elu)
    assert client.get(URL).url == reverse("missions:support_elu_create")
    client.force_login(consultant)
    assert client.get(URL).url == reverse("missions:support_team_create")


def test_public_form_without_programme_says_so(client, commune):
    from missions.programme.models import Programme

    Programme.objects.all().delete()
    response = client.post(URL, _data(commune))
    assert response.status_code == 200
    assert "Aucun programme" in response.content.decode()
    assert not SupportRequest.objects.exists()
