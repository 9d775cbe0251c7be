"""One form sent, one row created: the same POST received twice creates nothing the second time (issue 15, item 10).

Each create view's page is read as a browser submits it (its one-time token included), with the fuzzer's valid
input for that form (tests/harness/fuzz_forms.py), and posted twice.
"""

import datetime

import pytest
import time_machine
from django.contrib.messages import get_messages
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import HttpResponse
from django.shortcuts import redirect
from django.urls import reverse

from ateliers.models import Registration, Resource, Theme, Workshop
from communes.models import Contact
from core import submissions
from core.submissions import SUBMISSION_TOKEN_FIELD, new_submission_token, once_per_submission
from missions.mission1.models.accompaniments import Accompaniment
from missions.mission1.models.action_plans import Action, Indicator, ProgressNote
from missions.mission1.models.meetings import Meeting
from missions.money.models.time import TimeEntry
from missions.support.models import StepDocument, SupportRequest
from tests.factories import CommuneFactory, UserFactory
from tests.factories_mission1 import ActionFactory, ActionLeadFactory, ActionPlanFactory, DiagnosticFactory
from tests.harness.forms import form_posting_to
from tests.harness.fuzz import build_state, client_as
from tests.harness.fuzz_forms import FORMS

TODAY = datetime.datetime(2025, 4, 18, 10, 0, tzinfo=datetime.UTC)  # inside the harness's programme, as the fuzzer
PDF = b"%PDF-1.4\n%%EOF\n"

CREATE_VIEWS = {
    "communes:contact_create": Contact,
    "missions:accompaniment_create": Accompaniment,
    "missions:meeting_create": Meeting,
    "missions:action_create": Action,
    "missions:action_from_lead": Action,
    "missions:action_add_note": ProgressNote,
    "missions:indicator_create": Indicator,
    "missions:time_create": TimeEntry,
    "missions:support_public_create": SupportRequest,
    "missions:support_elu_create": SupportRequest,
    "missions:support_team_create": SupportRequest,
    "missions:support_step_document_add": StepDocument,
    "ateliers:create": Workshop,
    "ateliers:registration_create": Registration,
    "ateliers:resource_create": Resource,
    "ateliers:theme_create": Theme,
}


@pytest.fixture
def users(db):
    commune = CommuneFactory(insee_code="25014", name="Amagney", population=934)
    other = CommuneFactory(insee_code="25200", name="Devecey", population=1296)
    return {
        "gbm": UserFactory(username="gbm", gbm=True),
        "consultant": UserFactory(username="consultant", consultant=True),
        "elu": UserFactory(username="elu", elu=True, commune=commune),
        "elu_other": UserFactory(username="elu_other", elu=True, commune=other),
    }


@pytest.mark.parametrize("label", list(CREATE_VIEWS))
def test_posting_the_same_create_form_twice_creates_one_row(label, users):
    model, spec = CREATE_VIEWS[label], FORMS[label]
    cache.clear()
    with time_machine.travel(TODAY, tick=False):
        state = build_state(users)
        state["commune_unaccompanied"] = CommuneFactory(insee_code="25057", name="Bouclans").pk
        client = client_as(users, spec.role)
        url = reverse(spec.url_name, kwargs=spec.kwargs(state))
        page = spec.page(state) if spec.page else url
        if label == "missions:action_from_lead":
            # The harness's plan is submitted for validation (its leads and indicators locked): a plan still open.
            url, page = _lead_on_an_open_plan(state)
        if label == "missions:indicator_create":
            accompaniment = Accompaniment.objects.get(pk=state["fresh_accompaniment"])
            action = ActionFactory(plan=ActionPlanFactory(accompaniment=accompaniment))
            url = page = reverse(spec.url_name, kwargs={"action_pk": action.pk})
        form = form_posting_to(client.get(page).content.decode(), page, url)
        token = form.data().get(SUBMISSION_TOKEN_FIELD)
        assert token, f"the form posting to {url} carries no one-time token"
        data = spec.baseline(state) if spec.baseline else {**form.data(), **spec.fill(state)}
        data[SUBMISSION_TOKEN_FIELD] = token

        def post():
            files = {name: SimpleUploadedFile("devis.pdf", PDF) for name in spec.files}
            return client.post(url, {**data, **files})

        before = model.objects.count()
        first = post()
        assert first.status_code == 302, f"{label}: the first POST did not save ({first.status_code})"
        assert model.objects.count() == before + 1
        second = post()
        assert model.objects.count() == before + 1
        assert second.status_code == 302
        assert second.url == first.url
        assert any("Déjà enregistré" in str(message) for message in get_messages(second.wsgi_request))


def _lead_on_an_open_plan(state):
    accompaniment = Accompaniment.objects.get(pk=state["fresh_accompaniment"])
    lead = ActionLeadFactory(diagnostic=DiagnosticFactory(accompaniment=accompaniment))
    url = reverse("missions:action_from_lead", kwargs={"insee_code": state["fresh_insee"], "lead_pk": lead.pk})
    return url, reverse("missions:action_plan", kwargs={"insee_code": state["fresh_insee"]})


def test_a_new_form_gets_a_new_token_and_a_corrected_form_keeps_its_own(client, consultant):
    client.force_login(consultant)
    url = reverse("communes:contact_create")
    tokens = {
        form_posting_to(client.get(url).content.decode(), url, url).data()[SUBMISSION_TOKEN_FIELD] for _ in range(2)
    }
    assert len(tokens) == 2
    token = tokens.pop()
    refused = client.post(url, {"last_name": "", "category": "autre", SUBMISSION_TOKEN_FIELD: token})
    assert refused.status_code == 200
    assert form_posting_to(refused.content.decode(), url, url).data()[SUBMISSION_TOKEN_FIELD] == token
    # The refused attempt created nothing: the corrected form, with the same token, goes through.
    saved = client.post(url, {"last_name": "Cattin", "category": "autre", SUBMISSION_TOKEN_FIELD: token})
    assert saved.status_code == 302
    assert Contact.objects.filter(last_name="Cattin").count() == 1


def test_a_post_without_a_token_is_handled_as_before(client, consultant):
    client.force_login(consultant)
    for _ in range(2):
        client.post(reverse("communes:contact_create"), {"last_name": "Cattin", "category": "autre"})
    assert Contact.objects.filter(last_name="Cattin").count() == 2


def test_a_token_used_by_one_person_claims_nothing_for_another(client, consultant, gbm_officer):
    url = reverse("communes:contact_create")
    token = new_submission_token()
    for user in (consultant, gbm_officer):
        client.force_login(user)
        assert (
            client.post(url, {"last_name": "Cattin", "category": "autre", SUBMISSION_TOKEN_FIELD: token}).status_code
            == 302
        )
    assert Contact.objects.filter(last_name="Cattin").count() == 2


def _decorated_view(calls):
    @once_per_submission
    def view(request):
        calls.append(request.method)
        return redirect("/reunions/42/")

    return view


@pytest.mark.django_db
def test_a_replay_arriving_while_the_first_request_runs_waits_for_it(rf, monkeypatch, consultant):
    calls = []
    view = _decorated_view(calls)
    token = new_submission_token()
    request = _post(rf, token, consultant)
    key = submissions._cache_key(request, token)
    cache.set(key, submissions.PENDING)  # the first request has claimed the token and is still saving

    def first_request_finishes(seconds):
        cache.set(key, "/reunions/42/")

    monkeypatch.setattr(submissions.time, "sleep", first_request_finishes)
    response = view(request)
    assert calls == []
    assert response.status_code == 302
    assert response.url == "/reunions/42/"


@pytest.mark.django_db
def test_a_replay_gives_up_waiting_with_a_french_message_and_creates_nothing(rf, monkeypatch, consultant):
    calls = []
    view = _decorated_view(calls)
    token = new_submission_token()
    request = _post(rf, token, consultant)
    cache.set(submissions._cache_key(request, token), submissions.PENDING)
    monkeypatch.setattr(submissions, "WAIT_FOR_FIRST_SECONDS", 0.0)
    response = view(request)
    assert calls == []
    assert response.status_code == 302
    assert "encore en cours d'enregistrement" in str(list(get_messages(request))[0])


@pytest.mark.django_db
def test_a_view_that_fails_releases_its_token(rf, consultant):
    token = new_submission_token()

    @once_per_submission
    def failing(request):
        raise RuntimeError("panne")

    with pytest.raises(RuntimeError):
        failing(_post(rf, token, consultant))

    @once_per_submission
    def working(request):
        return HttpResponse(status=302, headers={"Location": "/contacts/"})

    assert working(_post(rf, token, consultant))["Location"] == "/contacts/"


def _post(rf, token, user):
    from django.contrib.messages.storage.fallback import FallbackStorage
    from django.contrib.sessions.backends.db import SessionStore

    request = rf.post("/reunions/nouvelle/", {SUBMISSION_TOKEN_FIELD: token})
    request.user = user
    request.session = SessionStore()
    request._messages = FallbackStorage(request)
    return request
