import datetime
from decimal import Decimal

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from missions.mission1.models.meetings import Meeting
from missions.support.models import FinancingLine, StepDocument, SupportRequest, SupportStep
from tests.factories import CommuneFactory, ProgrammeFactory, UserFactory
from tests.factories_support import SupportRequestFactory, SupportStepFactory
from tests.harness import reading
from tests.harness.assertions import assert_redirects_to_login

Status = SupportRequest.Status
PDF_BYTES = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def programme(db):
    return ProgrammeFactory()


def _snapshot(support_request):
    support_request.refresh_from_db()
    return (
        support_request.status,
        support_request.lock_version,
        support_request.decision_reason,
        support_request.events.count(),
        support_request.steps.count(),
        support_request.financing_lines.count(),
        support_request.outcomes,
    )


def _meeting(commune, title="Réunion du projet"):
    return Meeting.objects.create(
        starts_at=timezone.make_aware(datetime.datetime(2026, 2, 3, 18)),
        place="Mairie",
        kind=Meeting.Kind.ELECTED,
        title=title,
        commune=commune,
    )


# The role matrix -------------------------------------------------------------------------------------------
# (url name, method, factory traits, {role: expected status}); "login" = redirected to the login page.
TEAM_WRITE = {"gbm_officer": 302, "consultant": 302, "elu": 403, "elu_other_commune": 404, None: "login"}
TEAM_READ = {"gbm_officer": 200, "consultant": 200, "elu": 403, "elu_other_commune": 404, None: "login"}
MATRIX = [
    ("support_detail", "get", {}, {"gbm_officer": 200, "consultant": 200, "elu": 200, "elu_other_commune": 404}),
    ("support_update", "get", {}, TEAM_READ),
    ("support_update", "post", {}, {**TEAM_READ, "gbm_officer": 200, "consultant": 200}),
    ("support_history", "get", {}, TEAM_READ),
    # The commune's élu reads only a validated follow-up sheet (issue 17): the working draft does not exist for them.
    ("support_pdf", "get", {"in_progress": True}, {**TEAM_READ, "elu": 404}),
    ("support_start_review", "post", {}, TEAM_WRITE),
    ("support_decide", "get", {"under_review": True}, {**TEAM_READ, "consultant": 403}),
    ("support_decide", "post", {"under_review": True}, {**TEAM_READ, "consultant": 403, "gbm_officer": 200}),
    ("support_start_follow_up", "post", {"accepted": True}, TEAM_WRITE),
    ("support_complete", "get", {"in_progress": True}, TEAM_READ),
    ("support_complete", "post", {"in_progress": True}, TEAM_WRITE),
    ("support_abandon", "get", {"in_progress": True}, TEAM_READ),
    ("support_abandon", "post", {"in_progress": True}, {**TEAM_WRITE, "gbm_officer": 200, "consultant": 200}),
    ("support_financing", "get", {"in_progress": True}, TEAM_READ),
    ("support_financing", "post", {"in_progress": True}, TEAM_READ),
    ("support_evaluation", "get", {"in_progress": True}, TEAM_READ),
    ("support_evaluation", "post", {"in_progress": True}, {**TEAM_READ, "gbm_officer": 200, "consultant": 200}),
    ("support_meeting_link", "post", {"in_progress": True}, TEAM_WRITE),
]


@pytest.mark.django_db
@pytest.mark.parametrize(("url_name", "method", "traits", "expected"), MATRIX)
@pytest.mark.parametrize("role", ["gbm_officer", "consultant", "elu", "elu_other_commune", None])
def test_role_matrix(request, client, commune, programme, url_name, method, traits, expected, role):
    support_request = SupportRequestFactory(commune=commune, programme=programme, **traits)
    if role is not None:
        client.force_login(request.getfixturevalue(role))
    if role == "elu_other_commune":
        request.getfixturevalue("elu")  # both élus exist; only one is of the commune
    before = _snapshot(support_request)
    url = reverse(f"missions:{url_name}", args=[support_request.pk])
    response = getattr(client, method)(url, {})
    wanted = expected.get(role, "login")
    if wanted == "login":
        assert_redirects_to_login(response)
    else:
        assert response.status_code == wanted
    if wanted in (403, 404, "login") and method == "post":
        assert _snapshot(support_request) == before


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("url_name", "traits"),
    [("support_step_update", {}), ("support_step_document_add", {})],
)
@pytest.mark.parametrize(
    ("role", "expected"),
    [("gbm_officer", 200), ("consultant", 200), ("elu", 403), ("elu_other_commune", 404), (None, "login")],
)
def test_role_matrix_for_steps(request, client, commune, programme, url_name, traits, role, expected):
    step = SupportStepFactory(request=SupportRequestFactory(commune=commune, programme=programme, in_progress=True))
    if role is not None:
        client.force_login(request.getfixturevalue(role))
    url = reverse(f"missions:{url_name}", args=[step.request.pk, step.pk])
    response = client.get(url)
    if expected == "login":
        assert_redirects_to_login(response)
    else:
        assert response.status_code == expected
    forged = client.post(url, {"status": SupportStep.Status.DONE, "lock_version": 0, "title": "x"})
    if expected != 200:
        assert forged.status_code in (403, 404, 302)
        step.refresh_from_db()
        assert step.status == SupportStep.Status.PLANNED
        assert not StepDocument.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("role", "expected"),
    [("gbm_officer", 200), ("consultant", 200), ("elu", 200), ("elu_other_commune", 404), (None, "login")],
)
def test_documents_are_served_to_whoever_sees_the_request(request, client, commune, programme, role, expected):
    step = SupportStepFactory(request=SupportRequestFactory(commune=commune, programme=programme, in_progress=True))
    document = StepDocument.objects.create(
        step=step,
        title="Devis",
        file=SimpleUploadedFile("devis.pdf", PDF_BYTES),
        uploaded_by=UserFactory(consultant=True),
    )
    if role is not None:
        client.force_login(request.getfixturevalue(role))
    response = client.get(reverse("missions:support_document", args=[step.request.pk, document.pk]))
    if expected == "login":
        assert_redirects_to_login(response)
        return
    assert response.status_code == expected
    if expected == 200:
        assert response["Content-Disposition"].startswith("attachment")
        assert response["X-Content-Type-Options"] == "nosniff"
        assert b"".join(response.streaming_content) == PDF_BYTES


@pytest.mark.django_db
def test_elu_create_is_for_elus_only(client, gbm_officer, consultant, elu):
    url = reverse("missions:support_elu_create")
    for user in (gbm_officer, consultant):
        client.force_login(user)
        assert client.get(url).status_code == 403
    client.logout()
    assert_redirects_to_login(client.get(url))
    client.force_login(elu)
    assert client.get(url).status_code == 200


@pytest.mark.django_db
def test_team_create_is_for_the_team_only(client, gbm_officer, consultant, elu):
    url = reverse("missions:support_team_create")
    client.force_login(elu)
    assert client.get(url).status_code == 403
    assert client.post(url, {"title": "x"}).status_code == 403
    assert not SupportRequest.objects.exists()
    for user in (gbm_officer, consultant):
        client.force_login(user)
        assert client.get(url).status_code == 200
    client.logout()
    assert_redirects_to_login(client.get(url))


@pytest.mark.django_db
def test_queue_is_for_the_team_and_elus_get_their_commune_list(
    client, commune, other_commune, programme, consultant, elu
):
    mine = SupportRequestFactory(commune=commune, programme=programme, title="Projet chez nous")
    SupportRequestFactory(commune=other_commune, programme=programme, title="Projet ailleurs")
    client.force_login(consultant)
    response = client.get(reverse("missions:support_list"))
    assert response.status_code == 200
    assert "Projet chez nous" in response.content.decode() and "Projet ailleurs" in response.content.decode()
    assert "Priorité" in response.content.decode()
    client.force_login(elu)
    response = client.get(reverse("missions:support_list"))
    content = response.content.decode()
    assert mine.title in content and "Projet ailleurs" not in content
    assert "Priorité" not in content
    client.logout()
    assert_redirects_to_login(client.get(reverse("missions:support_list")))


# Intake by élus and by the team --------------------------------------------------------------------------
def _project(**overrides):
    data = {
        "title": "Cantine bio et locale",
        "kind": SupportRequest.Kind.CATERING,
        "description": "Passer la cantine à 50 % de produits locaux.",
        "help_wanted": "Rédiger le cahier des charges du marché de repas.",
        "already_under_way": "1",
        "organisation": "Commune d'Amagney",
        "contact_name": "Bernard Cuenot",
        "email": "maire@amagney.example",
        "phone": "",
    }
    data.update(overrides)
    return data


@pytest.mark.django_db
def test_elu_asks_for_their_own_commune_whatever_is_posted(
    client, elu, other_commune, programme, django_capture_on_commit_callbacks
):
    client.force_login(elu)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("missions:support_elu_create"), _project(commune=other_commune.pk, requester_kind="association")
        )
    support_request = SupportRequest.objects.get()
    assert response.url == support_request.get_absolute_url()
    assert support_request.commune == elu.commune
    assert support_request.door == SupportRequest.Door.ELU
    assert support_request.requester_kind == SupportRequest.RequesterKind.COMMUNE
    assert support_request.submitted_by == elu
    assert support_request.already_under_way is True
    message = next(message for message in mail.outbox if message.to == ["maire@amagney.example"])
    assert support_request.reference in message.body
    assert support_request.get_absolute_url() in message.body


@pytest.mark.django_db
def test_elu_form_is_prefilled_and_has_no_commune_field(client, elu, programme):
    elu.email = "bernard@amagney.example"
    elu.save()
    client.force_login(elu)
    response = client.get(reverse("missions:support_elu_create"))
    content = response.content.decode()
    assert 'name="commune"' not in content
    assert "bernard@amagney.example" in content
    assert 'value="Commune d&#x27;Amagney"' in content  # elided, as it lands in the request and its export


@pytest.mark.django_db
def test_team_records_a_phone_request_with_its_date(client, consultant, commune, programme):
    client.force_login(consultant)
    received = timezone.localdate() - datetime.timedelta(days=12)
    data = _project(
        channel=SupportRequest.Channel.PHONE,
        received_on=received.isoformat(),
        commune=commune.pk,
        requester_kind=SupportRequest.RequesterKind.FARMER,
        email="",
        organisation="GAEC du Plateau",
    )
    response = client.post(reverse("missions:support_team_create"), data)
    support_request = SupportRequest.objects.get()
    assert response.url == support_request.get_absolute_url()
    assert (support_request.door, support_request.channel) == (SupportRequest.Door.TEAM, SupportRequest.Channel.PHONE)
    assert support_request.received_on == received
    assert support_request.submitted_by == consultant
    assert support_request.reference == f"DA-{received.year}-0001"


@pytest.mark.django_db
def test_team_cannot_date_a_request_in_the_future(client, consultant, commune, programme):
    client.force_login(consultant)
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    data = _project(channel="telephone", received_on=tomorrow.isoformat(), commune=commune.pk, requester_kind="autre")
    response = client.post(reverse("missions:support_team_create"), data)
    assert response.status_code == 200
    assert "ne peut pas être dans le futur" in response.content.decode()
    assert not SupportRequest.objects.exists()


# Decision -----------------------------------------------------------------------------------------------
def _decision_data(**overrides):
    data = {
        "outcome": "accepter",
        "reason": "Projet mûr, porteur motivé, cohérent avec le plan d'actions.",
        "feasibility": SupportRequest.Feasibility.FEASIBLE,
        "support_nature": "Rédaction du cahier des charges et recherche de producteurs.",
        "steps": [SupportStep.Kind.SPECIFICATIONS, SupportStep.Kind.PARTNERS],
        "allotted_half_days": "6",
        "action": "",
    }
    data.update(overrides)
    return data


@pytest.mark.django_db
def test_gbm_accepts_and_the_requester_is_told_the_outcome_and_reason(
    client, gbm_officer, commune, programme, django_capture_on_commit_callbacks
):
    support_request = SupportRequestFactory(commune=commune, programme=programme, under_review=True)
    client.force_login(gbm_officer)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("missions:support_decide", args=[support_request.pk]), _decision_data())
    assert response.url == support_request.get_absolute_url()
    support_request.refresh_from_db()
    assert support_request.status == Status.ACCEPTED
    assert support_request.allotted_half_days == Decimal("6")
    assert [step.kind for step in support_request.steps.all()] == [
        SupportStep.Kind.PARTNERS,
        SupportStep.Kind.SPECIFICATIONS,
    ]
    (message,) = mail.outbox
    assert message.to == [support_request.email]
    assert support_request.reference in message.subject and "acceptée" in message.subject
    assert "Projet mûr, porteur motivé" in message.body
    assert "Cahier des charges" in message.body
    assert "6 demi-journées" in message.body


@pytest.mark.django_db
def test_gbm_refuses_with_a_reason_sent_by_mail(
    client, gbm_officer, commune, programme, django_capture_on_commit_callbacks
):
    support_request = SupportRequestFactory(commune=commune, programme=programme, under_review=True)
    client.force_login(gbm_officer)
    data = _decision_data(
        outcome="refuser", reason="Projet déjà financé par le Département.", steps=[], allotted_half_days=""
    )
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("missions:support_decide", args=[support_request.pk]), data)
    support_request.refresh_from_db()
    assert support_request.status == Status.REFUSED
    (message,) = mail.outbox
    assert "refusée" in message.subject
    assert "Projet déjà financé par le Département." in message.body


@pytest.mark.django_db
def test_acceptance_needs_steps_time_and_nature_reported_on_the_form(client, gbm_officer, commune, programme):
    support_request = SupportRequestFactory(commune=commune, programme=programme, under_review=True)
    client.force_login(gbm_officer)
    data = _decision_data(steps=[], allotted_half_days="", support_nature="")
    response = client.post(reverse("missions:support_decide", args=[support_request.pk]), data)
    content = response.content.decode()
    assert response.status_code == 200
    assert "Choisissez au moins une étape" in content
    assert "Indiquez le temps alloué" in content
    assert "Décrivez la nature de l&#x27;appui" in content
    support_request.refresh_from_db()
    assert support_request.status == Status.UNDER_REVIEW


@pytest.mark.django_db
def test_a_request_not_under_review_cannot_be_decided(client, gbm_officer, commune, programme):
    support_request = SupportRequestFactory(commune=commune, programme=programme)
    client.force_login(gbm_officer)
    response = client.post(
        reverse("missions:support_decide", args=[support_request.pk]), _decision_data(), follow=True
    )
    assert "Seule une demande en instruction peut être décidée" in response.content.decode()
    support_request.refresh_from_db()
    assert support_request.status == Status.RECEIVED


@pytest.mark.django_db
def test_consultant_and_elu_cannot_decide(client, consultant, elu, programme):
    support_request = SupportRequestFactory(commune=elu.commune, programme=programme, under_review=True)
    for user in (consultant, elu):
        client.force_login(user)
        assert (
            client.post(reverse("missions:support_decide", args=[support_request.pk]), _decision_data()).status_code
            == 403
        )
    support_request.refresh_from_db()
    assert support_request.status == Status.UNDER_REVIEW
    assert mail.outbox == []


@pytest.mark.django_db
def test_the_whole_path_through_the_pages(
    client, gbm_officer, consultant, commune, programme, django_capture_on_commit_callbacks
):
    support_request = SupportRequestFactory(commune=commune, programme=programme)
    detail = support_request.get_absolute_url()
    client.force_login(consultant)
    client.post(reverse("missions:support_start_review", args=[support_request.pk]))
    client.force_login(gbm_officer)
    client.post(reverse("missions:support_decide", args=[support_request.pk]), _decision_data())
    client.force_login(consultant)
    client.post(reverse("missions:support_start_follow_up", args=[support_request.pk]))
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("missions:support_complete", args=[support_request.pk]), {"note": "Cantine à 40 % local."})
    support_request.refresh_from_db()
    assert support_request.status == Status.COMPLETED
    assert [event.status for event in support_request.events.all()] == [
        Status.UNDER_REVIEW,
        Status.ACCEPTED,
        Status.IN_PROGRESS,
        Status.COMPLETED,
    ]
    assert "Cantine à 40 % local." in mail.outbox[-1].body
    assert "terminé" in mail.outbox[-1].subject
    content = client.get(detail).content.decode()
    assert "Terminée" in content and "Cantine à 40 % local." in content


@pytest.mark.django_db
def test_abandon_tells_the_requester_why(client, consultant, commune, programme, django_capture_on_commit_callbacks):
    support_request = SupportRequestFactory(commune=commune, programme=programme, in_progress=True)
    client.force_login(consultant)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("missions:support_abandon", args=[support_request.pk]), {"reason": "Terrain vendu."})
    support_request.refresh_from_db()
    assert support_request.status == Status.ABANDONED
    assert "Terrain vendu." in mail.outbox[0].body
    assert "arrêté" in mail.outbox[0].subject


@pytest.mark.django_db
def test_a_refused_transition_through_a_page_is_reported(client, consultant, commune, programme):
    support_request = SupportRequestFactory(commune=commune, programme=programme, completed=True)
    client.force_login(consultant)
    response = client.post(reverse("missions:support_start_follow_up", args=[support_request.pk]), follow=True)
    assert "Seule une demande acceptée peut passer en cours" in response.content.decode()
    support_request.refresh_from_db()
    assert support_request.status == Status.COMPLETED


# Follow-up --------------------------------------------------------------------------------------------
@pytest.mark.django_db
def test_step_marked_done_gets_its_dates(client, consultant, commune, programme):
    step = SupportStepFactory(request=SupportRequestFactory(commune=commune, programme=programme, in_progress=True))
    client.force_login(consultant)
    url = reverse("missions:support_step_update", args=[step.request.pk, step.pk])
    response = client.post(url, {"status": SupportStep.Status.DONE, "notes": "Idée formalisée.", "lock_version": 0})
    assert response.status_code == 302
    step.refresh_from_db()
    assert step.status == SupportStep.Status.DONE
    assert step.started_on == step.completed_on == timezone.localdate()
    assert step.history.count() == 2


@pytest.mark.django_db
def test_step_dates_are_checked(client, consultant, commune, programme):
    step = SupportStepFactory(request=SupportRequestFactory(commune=commune, programme=programme, in_progress=True))
    client.force_login(consultant)
    url = reverse("missions:support_step_update", args=[step.request.pk, step.pk])
    future = (timezone.localdate() + datetime.timedelta(days=3)).isoformat()
    response = client.post(
        url,
        {
            "status": SupportStep.Status.IN_PROGRESS,
            "started_on": future,
            "planned_start": "2026-05-01",
            "planned_end": "2026-04-01",
            "lock_version": 0,
        },
    )
    content = response.content.decode()
    assert "ne peut pas être dans le futur" in content
    assert "La fin prévue ne peut pas précéder le début prévu." in content
    step.refresh_from_db()
    assert step.status == SupportStep.Status.PLANNED


@pytest.mark.django_db
def test_second_editor_of_a_step_is_refused_without_losing_input(client, consultant, commune, programme):
    step = SupportStepFactory(request=SupportRequestFactory(commune=commune, programme=programme, in_progress=True))
    SupportStep.objects.filter(pk=step.pk).update(lock_version=3, notes="Saisie de l'autre consultant")
    client.force_login(consultant)
    url = reverse("missions:support_step_update", args=[step.request.pk, step.pk])
    response = client.post(url, {"status": SupportStep.Status.IN_PROGRESS, "notes": "Ma saisie", "lock_version": 2})
    assert response.status_code == 200
    assert "pendant que vous la modifiiez" in response.content.decode()  # « Cette étape d'accompagnement »
    assert "Ma saisie" in response.content.decode()
    step.refresh_from_db()
    assert step.notes == "Saisie de l'autre consultant"


@pytest.mark.django_db
def test_steps_are_frozen_once_the_request_is_closed(client, consultant, commune, programme):
    step = SupportStepFactory(request=SupportRequestFactory(commune=commune, programme=programme, completed=True))
    client.force_login(consultant)
    url = reverse("missions:support_step_update", args=[step.request.pk, step.pk])
    response = client.post(url, {"status": SupportStep.Status.DONE, "lock_version": 0}, follow=True)
    assert "Le suivi se modifie tant que la demande est acceptée" in response.content.decode()
    step.refresh_from_db()
    assert step.status == SupportStep.Status.PLANNED


@pytest.mark.django_db
def test_document_upload_is_checked_and_listed(client, consultant, elu, programme):
    step = SupportStepFactory(
        request=SupportRequestFactory(commune=elu.commune, programme=programme, in_progress=True)
    )
    client.force_login(consultant)
    url = reverse("missions:support_step_document_add", args=[step.request.pk, step.pk])
    bad = client.post(url, {"title": "Faux", "file": SimpleUploadedFile("script.pdf", b"#!/bin/sh\necho")})
    assert bad.status_code == 200
    assert "n'est pas d'un type accepté" in bad.content.decode().replace("&#x27;", "'")
    client.post(url, {"title": "Cahier des charges v1", "file": SimpleUploadedFile("cdc <v1>.pdf", PDF_BYTES)})
    document = StepDocument.objects.get()
    assert document.uploaded_by == consultant
    assert "<" not in document.file.name
    client.force_login(elu)
    assert "Cahier des charges v1" in client.get(step.request.get_absolute_url()).content.decode()


def _financing_post(lines, support_request):
    data = {
        "lock_version": support_request.lock_version,  # the version of the request the page was opened at
        "lignes-TOTAL_FORMS": str(len(lines)),
        "lignes-INITIAL_FORMS": "0",
        "lignes-MIN_NUM_FORMS": "0",
        "lignes-MAX_NUM_FORMS": "1000",
    }
    for index, line in enumerate(lines):
        for key, value in line.items():
            data[f"lignes-{index}-{key}"] = value
    return data


@pytest.mark.django_db
def test_financing_plan_with_its_balance(client, consultant, commune, programme):
    support_request = SupportRequestFactory(commune=commune, programme=programme, in_progress=True)
    client.force_login(consultant)
    url = reverse("missions:support_financing", args=[support_request.pk])
    response = client.post(
        url,
        _financing_post(
            [
                {"nature": "depense", "label": "Arbres fruitiers", "amount": "1500.50", "status": "acquis"},
                {"nature": "depense", "label": "Clôture", "amount": "999.50", "status": ""},
                {"nature": "recette", "label": "Commune", "amount": "500", "status": "acquis"},
                {"nature": "recette", "label": "Région", "amount": "1000", "status": "sollicite"},
                {"nature": "", "label": "", "amount": "", "status": ""},
            ],
            support_request,
        ),
    )
    assert response.status_code == 302
    lines = FinancingLine.objects.filter(request=support_request)
    assert lines.count() == 4
    assert lines.get(label="Arbres fruitiers").status == ""  # an expense has no funding status
    content = client.get(support_request.get_absolute_url()).content.decode()
    assert "2\u202f500,00\u00a0€" in content  # expenses
    assert "1\u202f500,00\u00a0€" in content  # resources
    assert "-1\u202f000,00\u00a0€" in content  # balance
    assert "reste à financer : 1\u202f000,00\u00a0€" in content


@pytest.mark.django_db
def test_a_resource_needs_its_status(client, consultant, commune, programme):
    support_request = SupportRequestFactory(commune=commune, programme=programme, in_progress=True)
    client.force_login(consultant)
    response = client.post(
        reverse("missions:support_financing", args=[support_request.pk]),
        _financing_post(
            [{"nature": "recette", "label": "Département", "amount": "300", "status": ""}], support_request
        ),
    )
    assert response.status_code == 200
    assert "envisagé, sollicité ou acquis" in response.content.decode()
    assert not FinancingLine.objects.exists()


@pytest.mark.django_db
def test_negative_amounts_are_refused(client, consultant, commune, programme):
    support_request = SupportRequestFactory(commune=commune, programme=programme, in_progress=True)
    client.force_login(consultant)
    response = client.post(
        reverse("missions:support_financing", args=[support_request.pk]),
        _financing_post([{"nature": "depense", "label": "Outils", "amount": "-5", "status": ""}], support_request),
    )
    assert response.status_code == 200
    assert not FinancingLine.objects.exists()


@pytest.mark.django_db
def test_evaluation_is_written_after_completion_and_starts_a_new_sheet_version(client, consultant, commune, programme):
    support_request = SupportRequestFactory(
        commune=commune, programme=programme, completed=True, workflow_status="valide"
    )
    client.force_login(consultant)
    response = client.post(
        reverse("missions:support_evaluation", args=[support_request.pk]),
        {
            "outcomes": "Verger planté : 30 arbres.",
            "evaluation_successes": "Mobilisation des familles.",
            "evaluation_difficulties": "Arrosage l'été.",
            "evaluation_next_steps": "Former des référents.",
            "lock_version": support_request.lock_version,
        },
    )
    assert response.status_code == 302
    support_request.refresh_from_db()
    assert support_request.outcomes == "Verger planté : 30 arbres."
    assert support_request.workflow_status == "brouillon"


@pytest.mark.django_db
def test_a_form_opened_before_a_status_change_cannot_revert_it(client, consultant, gbm_officer, commune, programme):
    from missions.support import services

    support_request = SupportRequestFactory(commune=commune, programme=programme, accepted=True)
    opened_at = support_request.lock_version
    services.start_follow_up(support_request=support_request, by=gbm_officer)
    client.force_login(consultant)
    response = client.post(
        reverse("missions:support_evaluation", args=[support_request.pk]),
        {"outcomes": "Texte", "lock_version": opened_at},
    )
    assert response.status_code == 200
    support_request.refresh_from_db()
    assert support_request.status == Status.IN_PROGRESS


@pytest.mark.django_db
def test_meetings_are_attached_and_listed(client, consultant, commune, other_commune, programme):
    support_request = SupportRequestFactory(commune=commune, programme=programme, in_progress=True)
    here = _meeting(commune)
    elsewhere = _meeting(other_commune, title="Réunion ailleurs")
    client.force_login(consultant)
    url = reverse("missions:support_meeting_link", args=[support_request.pk])
    client.post(url, {"meeting": elsewhere.pk})
    client.post(url, {"meeting": here.pk})
    here.refresh_from_db()
    elsewhere.refresh_from_db()
    assert here.support_request == support_request
    assert elsewhere.support_request is None
    assert "Réunion du projet" in client.get(support_request.get_absolute_url()).content.decode()
    client.post(reverse("missions:support_meeting_unlink", args=[support_request.pk, here.pk]))
    here.refresh_from_db()
    assert here.support_request is None


# What each role sees ----------------------------------------------------------------------------------
@pytest.mark.django_db
def test_elu_sees_status_and_decision_but_not_contact_details_nor_priority(client, elu, programme):
    support_request = SupportRequestFactory(
        commune=elu.commune, programme=programme, refused=True, email="secret@example.org", phone="06 99 99 99 99"
    )
    client.force_login(elu)
    content = client.get(support_request.get_absolute_url()).content.decode()
    assert "Refusée" in content
    assert "Hors du champ du programme" in content
    assert "secret@example.org" not in content and "06 99 99 99 99" not in content
    assert "Priorité" not in content
    assert "Mettre en instruction" not in content and "Modifier" not in content


@pytest.mark.django_db
def test_team_sees_contact_details_and_the_priority_explained(client, consultant, commune, programme):
    support_request = SupportRequestFactory(commune=commune, programme=programme, email="porteur@example.org")
    client.force_login(consultant)
    content = client.get(support_request.get_absolute_url()).content.decode()
    assert "porteur@example.org" in content
    assert "Commune pas encore accompagnée" in content
    assert "Mettre en instruction" in content
    assert "Décider" not in content  # consultants do not decide


@pytest.mark.django_db
def test_decided_request_shows_the_priority_frozen_at_decision(client, gbm_officer, commune, programme):
    support_request = SupportRequestFactory(
        commune=commune,
        programme=programme,
        accepted=True,
        priority_at_decision={
            "score": 17,
            "criteria": [{"code": "engage", "label": "Projet déjà engagé", "met": True, "points": 17, "detail": "x"}],
        },
    )
    client.force_login(gbm_officer)
    content = client.get(support_request.get_absolute_url()).content.decode()
    assert "Priorité : 17 points" in content
    assert "au moment de la décision" in content


@pytest.mark.django_db
def test_queue_filters(client, consultant, programme, commune, other_commune):
    SupportRequestFactory(commune=commune, programme=programme, title="Jardin A", kind="jardin")
    SupportRequestFactory(
        commune=other_commune,
        programme=programme,
        title="AMAP B",
        kind="amap_paniers",
        door="equipe",
        submitted_by=consultant,
    )
    SupportRequestFactory(
        commune=commune, programme=programme, title="Cantine C", refused=True, kind="restauration_collective"
    )
    decided = SupportRequestFactory(
        commune=commune, programme=programme, title="Verger D", in_progress=True, kind="verger"
    )
    client.force_login(consultant)
    url = reverse("missions:support_list")

    def titles(**params):
        return [row[0].title for row in client.get(url, params).context["rows"]]

    assert sorted(titles()) == ["AMAP B", "Jardin A"]  # by default: waiting for a decision
    assert titles(status="toutes", kind="verger") == ["Verger D"]
    assert titles(status="refusee") == ["Cantine C"]
    assert titles(status="suivies") == ["Verger D"]
    assert titles(door="equipe") == ["AMAP B"]
    assert titles(commune=other_commune.pk) == ["AMAP B"]
    assert titles(status="toutes", q=decided.reference) == ["Verger D"]
    assert titles(status="toutes", q="cantine") == ["Cantine C"]


# The commune's hub -------------------------------------------------------------------------------------
@pytest.mark.django_db
def test_hub_shows_the_requests_and_their_status_changes(client, elu, gbm_officer, programme):
    from missions.support import services

    support_request = SupportRequestFactory(commune=elu.commune, programme=programme, title="Verger de l'école")
    support_request.events.create(status=Status.RECEIVED)
    services.start_review(support_request=support_request, by=gbm_officer)
    client.force_login(elu)
    content = client.get(elu.commune.get_absolute_url()).content.decode()
    assert "Demandes d&#x27;accompagnement de projets" in content or "Demandes d'accompagnement de projets" in content
    assert f"{support_request.reference} « Verger de l&#x27;école » : en instruction" in content
    assert "Demander un accompagnement" in content


@pytest.mark.django_db
def test_hub_of_another_commune_does_not_leak_requests(client, elu, other_commune, programme):
    SupportRequestFactory(commune=other_commune, programme=programme, title="Projet voisin")
    client.force_login(elu)
    assert "Projet voisin" not in client.get(elu.commune.get_absolute_url()).content.decode()


@pytest.mark.django_db
def test_unknown_request_is_404(client, consultant):
    client.force_login(consultant)
    assert client.get(reverse("missions:support_detail", args=[999])).status_code == 404


@pytest.mark.django_db
def test_history_page_lists_request_and_step_changes(client, consultant, commune, programme):
    step = SupportStepFactory(request=SupportRequestFactory(commune=commune, programme=programme, in_progress=True))
    step.notes = "Rencontre avec le porteur"
    step.save()
    client.force_login(consultant)
    content = client.get(reverse("missions:support_history", args=[step.request.pk])).content.decode()
    assert "Rencontre avec le porteur" in content
    assert "Étape d&#x27;accompagnement" in content or "Étape d'accompagnement" in content


# Order form of the decision -------------------------------------------------------------------------------
@pytest.mark.django_db
def test_decision_links_a_mission_3_order_form_shown_to_the_team_only(client, gbm_officer, elu, programme):
    from tests.factories_orders import OrderFormFactory

    order_form = OrderFormFactory(programme=programme, mission=3, number="BC-2026-003", object="Projets locaux")
    mission_1 = OrderFormFactory(programme=programme, mission=1, number="BC-2026-001")
    draft = OrderFormFactory(programme=programme, mission=3, number="BC-2026-009", draft=True)
    support_request = SupportRequestFactory(commune=elu.commune, programme=programme, under_review=True)
    client.force_login(gbm_officer)
    url = reverse("missions:support_decide", args=[support_request.pk])
    choices = client.get(url).context["form"].fields["order_form"].queryset
    assert list(choices) == [order_form]
    refused = client.post(url, _decision_data(order_form=mission_1.pk))
    assert refused.status_code == 200
    assert draft.pk not in [choice.pk for choice in choices]
    client.post(url, _decision_data(order_form=order_form.pk))
    support_request.refresh_from_db()
    assert support_request.order_form == order_form
    assert "BC-2026-003" in client.get(support_request.get_absolute_url()).content.decode()
    client.force_login(elu)
    assert "BC-2026-003" not in client.get(support_request.get_absolute_url()).content.decode()


@pytest.mark.django_db
def test_service_refuses_an_order_form_of_another_commune(gbm_officer, programme, commune, other_commune):
    from missions.support import services
    from tests.factories_orders import OrderFormFactory

    elsewhere = OrderFormFactory(programme=programme, mission=3, commune=other_commune, number="BC-2026-004")
    support_request = SupportRequestFactory(commune=commune, programme=programme, under_review=True)
    decision = services.Decision(
        accepted=True,
        reason="Accord",
        feasibility="faisable",
        support_nature="Appui",
        allotted_half_days=Decimal("2"),
        steps=(SupportStep.Kind.IDEA,),
        order_form=elsewhere,
    )
    with pytest.raises(services.SupportError, match="bon de Mission 3"):
        services.decide_support_request(support_request=support_request, decision=decision, by=gbm_officer)
    support_request.refresh_from_db()
    assert support_request.status == Status.UNDER_REVIEW


@pytest.mark.django_db
def test_time_spent_on_a_request_is_shown_to_the_team_only(client, consultant, elu, programme):
    from tests.factories_orders import TimeEntryFactory

    support_request = SupportRequestFactory(commune=elu.commune, programme=programme, in_progress=True)
    TimeEntryFactory(support_request=support_request, half_days=2, comment="Rencontre avec les producteurs")
    TimeEntryFactory(support_request=support_request, half_days=1, date=datetime.date(2025, 4, 8))
    TimeEntryFactory()  # general programme work: not counted
    client.force_login(consultant)
    content = client.get(support_request.get_absolute_url()).content.decode()
    assert "3 demi-journées saisies sur 4 allouées" in content
    assert '<progress max="4.0" value="3.0"' in content
    assert "Rencontre avec les producteurs" in content
    client.force_login(elu)
    content = client.get(support_request.get_absolute_url()).content.decode()
    assert "Temps passé" not in content and "Rencontre avec les producteurs" not in content


# The queue as each role reads it -------------------------------------------------------------------------------
@pytest.mark.django_db
def test_only_gbms_staff_get_the_link_to_the_weights(client, gbm_officer, consultant, programme, commune):
    SupportRequestFactory(programme=programme, commune=commune)
    admin_link = reverse("admin:missions_supportpriorityweights_changelist")
    client.force_login(gbm_officer)
    page = reading.page_text(client, "/demandes/")
    assert admin_link in page and "<title>Demandes d'accompagnement · " in page
    client.force_login(consultant)
    assert admin_link not in reading.page_text(client, "/demandes/")


@pytest.mark.django_db
def test_the_commune_filter_offers_the_communes_with_a_request(client, consultant, programme, commune):
    SupportRequestFactory(programme=programme, commune=commune)
    without = CommuneFactory(name="Chalezeule")
    client.force_login(consultant)
    page = reading.page_text(client, "/demandes/")
    assert f'<option value="{commune.pk}">{commune.name}</option>' in page
    assert f'value="{without.pk}"' not in page
