"""The people page and the invitation pages (issue 24): GBM officers only, French errors with the input kept, a bulk
list of élus checked line by line and sent all or nothing, lists whose query count does not grow."""

import datetime
import io

import pytest
from django.core import mail
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import Workbook

from core import invitations
from core.models import Invitation, User
from tests.factories import CommuneFactory, UserFactory
from tests.harness.assertions import assert_redirects_to_login

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    cache.clear()


def _pending(email="invitee@example.org", by=None):
    invitation, _token = invitations.invite(
        invitations.Invitee(
            first_name="Lou", last_name="Invitée", email=email, role=User.Role.CONSULTANT, organisation="Bureau"
        ),
        by=by,
        send=False,
    )
    return invitation


PAGES = ["communes:people_list", "communes:invitation_list", "communes:invitation_create", "communes:invitation_bulk"]


@pytest.mark.parametrize("name", PAGES)
@pytest.mark.parametrize("role", ["consultant", "elu", "elu_other"])
def test_only_gbm_officers_reach_the_people_pages(client, users, role, name):
    client.force_login(users[role])
    assert client.get(reverse(name)).status_code == 403


@pytest.mark.parametrize("name", PAGES)
def test_anonymous_goes_to_login(client, name):
    assert_redirects_to_login(client.get(reverse(name)))


@pytest.mark.parametrize("name", PAGES)
def test_gbm_officer_sees_the_people_pages_in_french(client, gbm_officer, name):
    client.force_login(gbm_officer)
    response = client.get(reverse(name))
    assert response.status_code == 200 and "<h1" in response.content.decode()


@pytest.mark.parametrize("role", ["consultant", "elu"])
def test_forbidden_writes_change_nothing(client, users, role, elu):
    invitation = _pending()
    client.force_login(users[role])
    assert client.post(reverse("communes:invitation_revoke", args=[invitation.pk])).status_code == 403
    assert client.post(reverse("communes:invitation_resend", args=[invitation.pk])).status_code == 403
    assert client.post(reverse("communes:person_edit", args=[elu.pk]), {"is_active": ""}).status_code == 403
    data = {"first_name": "A", "last_name": "B", "email": "x@example.org", "role": "gbm"}
    assert client.post(reverse("communes:invitation_create"), data).status_code == 403
    invitation.refresh_from_db()
    elu.refresh_from_db()
    assert invitation.is_pending and elu.is_active and Invitation.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_officer_invites_an_elu_who_gets_a_french_mail(client, gbm_officer, commune):
    client.force_login(gbm_officer)
    data = {
        "first_name": "Inès",
        "last_name": "Roy",
        "email": "ines.roy@example.org",
        "role": "elu",
        "commune": commune.pk,
    }
    response = client.post(reverse("communes:invitation_create"), data)
    assert response.status_code == 302
    invitation = Invitation.objects.get()
    assert (invitation.commune, invitation.invited_by) == (commune, gbm_officer)
    assert len(mail.outbox) == 1 and "Amagney" in mail.outbox[0].body
    listing = client.get(reverse("communes:invitation_list")).content.decode()
    assert "ines.roy@example.org" in listing


def test_existing_account_is_refused_in_french_with_input_kept(client, gbm_officer, consultant, commune):
    client.force_login(gbm_officer)
    data = {"first_name": "Inès", "last_name": "Roy", "email": consultant.email.upper(), "role": "elu"}
    response = client.post(reverse("communes:invitation_create"), data)
    content = response.content.decode()
    assert response.status_code == 200
    assert "Un compte existe déjà pour cette adresse e-mail." in content
    assert "Choisissez la commune" in content and 'value="Inès"' in content
    assert not Invitation.objects.exists()


def test_no_role_is_chosen_for_the_officer(client, gbm_officer):
    """A forgotten role must not invite a GBM officer (who sees everything): the form asks for one."""
    client.force_login(gbm_officer)
    assert (
        '<option value="" selected>Choisir le rôle…</option>'
        in client.get(reverse("communes:invitation_create")).content.decode()
    )
    data = {"first_name": "Inès", "last_name": "Roy", "email": "ines.roy@example.org", "role": ""}
    response = client.post(reverse("communes:invitation_create"), data)
    content = response.content.decode()
    assert "Choisissez le rôle de la personne invitée." in content and 'value="ines.roy@example.org"' in content
    assert not Invitation.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_officer_resends_and_revokes(client, gbm_officer):
    invitation = _pending(by=gbm_officer)
    old_digest = invitation.token_sha256
    client.force_login(gbm_officer)
    assert client.post(reverse("communes:invitation_resend", args=[invitation.pk])).status_code == 302
    invitation.refresh_from_db()
    assert invitation.token_sha256 != old_digest and len(mail.outbox) == 1
    assert client.post(reverse("communes:invitation_revoke", args=[invitation.pk])).status_code == 302
    invitation.refresh_from_db()
    assert invitation.revoked_by == gbm_officer
    assert "Aucune invitation en attente" in client.get(reverse("communes:invitation_list")).content.decode()


def test_officer_sets_an_end_date_and_deactivates(client, gbm_officer, elu):
    client.force_login(gbm_officer)
    ends = timezone.localdate() + datetime.timedelta(days=20)
    response = client.post(
        reverse("communes:person_edit", args=[elu.pk]), {"ends_on": ends.isoformat(), "is_active": "on"}
    )
    assert response.status_code == 302
    elu.refresh_from_db()
    assert elu.ends_on == ends and elu.is_active and elu.access_ended_at is None
    client.post(reverse("communes:person_edit", args=[elu.pk]), {"ends_on": ends.isoformat()})
    elu.refresh_from_db()
    assert not elu.is_active and elu.access_ended_at is not None


def test_bad_end_date_is_refused_in_french_with_input_kept(client, gbm_officer, elu):
    client.force_login(gbm_officer)
    response = client.post(
        reverse("communes:person_edit", args=[elu.pk]), {"ends_on": "31/02/2027", "is_active": "on"}
    )
    assert response.status_code == 200 and "Saisissez une date valide" in response.content.decode()
    assert 'value="31/02/2027"' in response.content.decode()


def _bulk(client, **data):
    return client.post(reverse("communes:invitation_bulk"), data)


def test_bulk_preview_names_each_bad_line_and_sends_nothing(client, gbm_officer, consultant, commune):
    client.force_login(gbm_officer)
    _pending(email="deja.invitee@example.org")
    lines = "\n".join(
        [
            "Prénom;Nom;E-mail;Code INSEE",
            "Anne;Bon;anne.bon@example.org;25014",
            "Yves;Inconnu;yves@example.org;99999",
            "Zoé;Mal;pas-une-adresse;25014",
            f"Paul;Existant;{consultant.email.upper()};25014",
            "Anne;Double;ANNE.BON@example.org;25014",
            "Léa;Attend;deja.invitee@example.org;25014",
        ]
    )
    response = _bulk(client, lines=lines)
    content = response.content.decode()
    assert response.status_code == 200
    assert "5 lignes à corriger" in content
    assert "Ligne 3" in content and "code INSEE inconnu « 99999 »" in content
    assert "Ligne 4" in content and "adresse e-mail invalide" in content
    assert "Ligne 5" in content and "un compte existe déjà" in content
    assert "Ligne 6" in content and "adresse déjà donnée ligne 2" in content
    assert "Ligne 7" in content and "déjà en attente" in content
    assert "anne.bon@example.org" in content  # the list is kept, to be corrected
    assert Invitation.objects.count() == 1 and mail.outbox == []
    # Confirming a list with bad lines sends nothing either.
    _bulk(client, lines=lines, confirm="1")
    assert Invitation.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_bulk_from_an_xlsx_file_previews_then_sends_all_on_confirmation(client, gbm_officer, commune, other_commune):
    client.force_login(gbm_officer)
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["prénom", "nom", "e-mail", "code INSEE"])
    sheet.append(["Anne", "Bon", "anne.bon@example.org", "25014"])
    sheet.append(["Marc", "Dur", "marc.dur@example.org", 25200])
    buffer = io.BytesIO()
    workbook.save(buffer)
    upload = SimpleUploadedFile("elus.xlsx", buffer.getvalue())
    preview = _bulk(client, file=upload)
    content = preview.content.decode()
    assert "2 invitations prêtes" in content and "Devecey" in content
    assert not Invitation.objects.exists() and mail.outbox == []
    text = "Anne;Bon;anne.bon@example.org;25014\nMarc;Dur;marc.dur@example.org;25200\n"
    assert client.post(reverse("communes:invitation_bulk"), {"lines": text, "confirm": "1"}).status_code == 302
    assert sorted(Invitation.objects.values_list("commune__name", flat=True)) == ["Amagney", "Devecey"]
    assert len(mail.outbox) == 2


def test_bulk_is_all_or_nothing(client, gbm_officer, commune, monkeypatch):
    client.force_login(gbm_officer)
    real_invite = invitations.invite
    calls = []

    def failing_second(invitee, **kwargs):
        calls.append(invitee)
        if len(calls) == 2:
            raise invitations.WorkflowError("Un compte existe déjà pour cette adresse e-mail.")
        return real_invite(invitee, **kwargs)

    monkeypatch.setattr(invitations, "invite", failing_second)
    text = "Anne;Bon;anne.bon@example.org;25014\nMarc;Dur;marc.dur@example.org;25014\n"
    response = _bulk(client, lines=text, confirm="1")
    assert response.status_code == 200 and "Rien n&#x27;est envoyé" in response.content.decode()
    assert not Invitation.objects.exists()


def test_bulk_refuses_an_unreadable_file_in_french(client, gbm_officer):
    client.force_login(gbm_officer)
    response = _bulk(client, file=SimpleUploadedFile("elus.xlsx", b"pas un classeur"))
    assert "ne peut pas être lu" in response.content.decode()


def _count(client, name):
    with CaptureQueriesContext(connection) as queries:
        assert client.get(reverse(name)).status_code == 200
    return len(queries)


@pytest.mark.parametrize("name", ["communes:people_list", "communes:invitation_list"])
def test_list_query_counts_do_not_grow(client, gbm_officer, name):
    client.force_login(gbm_officer)
    UserFactory(elu=True)
    _pending("one@example.org", by=gbm_officer)
    few = _count(client, name)
    for number in range(8):
        UserFactory(elu=True, commune=CommuneFactory())
        invitations.invite(
            invitations.Invitee(
                first_name="A",
                last_name=f"B{number}",
                email=f"p{number}@example.org",
                role=User.Role.ELU,
                commune=CommuneFactory(),
            ),
            by=gbm_officer,
            send=False,
        )
    assert _count(client, name) == few


def test_bulk_from_an_ods_file(client, gbm_officer, commune):
    from odf.opendocument import OpenDocumentSpreadsheet
    from odf.table import Table, TableCell, TableRow
    from odf.text import P

    document = OpenDocumentSpreadsheet()
    table = Table(name="Élus")
    for values in (["Prénom", "Nom", "E-mail", "Code INSEE"], ["Anne", "Bon", "anne.bon@example.org", "25014"]):
        row = TableRow()
        for value in values:
            cell = TableCell(valuetype="string")
            cell.addElement(P(text=value))
            row.addElement(cell)
        table.addElement(row)
    document.spreadsheet.addElement(table)
    buffer = io.BytesIO()
    document.write(buffer)
    client.force_login(gbm_officer)
    content = _bulk(client, file=SimpleUploadedFile("elus.ods", buffer.getvalue())).content.decode()
    assert "1 invitation prête" in content and "anne.bon@example.org" in content
    assert not Invitation.objects.exists()
