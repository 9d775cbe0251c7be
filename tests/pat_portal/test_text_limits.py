"""Every text field has a length that fits its use (issue 15, item 8): a 3 MB description made the plan's PDF die at the
worker timeout. The limit is on the model (CharField's max_length; a TextField's MaxLengthValidator) and on the form
field (the browser's maxlength and the form's own check), with Django's French message."""

import pytest
from django.apps import apps
from django.core.validators import MaxLengthValidator
from django.db import models
from django.test import Client
from django.urls import reverse

from missions.mission1.models.action_plans import Action
from missions.mission1.models.diagnostics import Diagnostic
from missions.mission1.models.meetings import Meeting
from missions.support.models import SupportRequest
from tests.factories_mission1 import (
    AccompanimentFactory,
    ActionFactory,
    ActionPlanFactory,
    DiagnosticFactory,
    MeetingFactory,
)
from tests.harness.forms import form_posting_to

PROJECT_APPS = {"pat_portal", "communes", "missions", "ateliers"}
THREE_MB = ("Un texte collé bien trop long. " * 110_000)[: 3 * 1024 * 1024 - 1] + "."  # 3 MB, nothing to strip


def _text_fields():
    for model in apps.get_models():
        if model._meta.app_label not in PROJECT_APPS or hasattr(model, "instance_type"):
            continue  # simple_history's copies follow their model (and store file fields as text)
        for field in model._meta.concrete_fields:
            if isinstance(field, models.TextField):
                yield model, field


def test_every_text_field_of_the_project_has_a_max_length_enforced_by_the_model_and_the_form():
    missing = []
    for model, field in _text_fields():
        limits = [validator.limit_value for validator in field.validators if isinstance(validator, MaxLengthValidator)]
        form_field = field.formfield()
        if not field.max_length or limits != [field.max_length] or form_field.max_length != field.max_length:
            missing.append(f"{model._meta.label}.{field.name}")
    assert missing == []


def test_the_walk_sees_the_text_fields_of_every_app():
    labels = {model._meta.app_label for model, _field in _text_fields()}
    assert labels == PROJECT_APPS


def test_a_text_too_long_is_refused_by_the_model_with_a_french_message(commune):
    meeting = Meeting(minutes="x" * 20_001)
    with pytest.raises(Exception) as refused:
        meeting.clean_fields(exclude=[field.name for field in Meeting._meta.fields if field.name != "minutes"])
    assert "au plus 20000 caractères" in str(refused.value)


def _open(user, url) -> tuple[Client, dict]:
    browser = Client()
    if user is not None:
        browser.force_login(user)
    page = browser.get(url)
    assert page.status_code == 200
    return browser, form_posting_to(page.content.decode(), url, url).data()


PUBLIC_REQUEST = {
    "requester_kind": "association",
    "organisation": "Les Jardins de l'Ognon",
    "contact_name": "Bernard Petitjean",
    "email": "bernard@example.org",
    "phone": "",
    "title": "Verger partagé",
    "kind": "jardin",
    "help_wanted": "Trouver des partenaires.",
    "already_under_way": "False",
}


def _action(scenario):
    action = ActionFactory(plan=ActionPlanFactory(accompaniment=AccompanimentFactory(commune=scenario["commune"])))
    return reverse("missions:action_update", args=[action.pk]), "description", 10_000, {}, action


def _meeting(scenario):
    meeting = MeetingFactory(accompaniment=AccompanimentFactory(commune=scenario["commune"]))
    return reverse("missions:meeting_update", args=[meeting.pk]), "minutes", 20_000, {}, meeting


def _diagnostic(scenario):
    diagnostic = DiagnosticFactory(accompaniment=AccompanimentFactory(commune=scenario["commune"]), context="Avant.")
    url = reverse("missions:diagnostic_update", args=[scenario["commune"].insee_code])
    return url, "context", 20_000, {}, diagnostic


def _public_request(scenario):
    fields = {**PUBLIC_REQUEST, "commune": scenario["commune"].pk}
    return reverse("missions:support_public_create"), "description", 5_000, fields, None


FORMS = {
    "action du plan": _action,
    "réunion": _meeting,
    "diagnostic": _diagnostic,
    "demande publique": _public_request,
}


@pytest.mark.django_db
@pytest.mark.parametrize("form_name", sorted(FORMS))
def test_a_3_mb_text_is_refused_on_the_form_in_french_and_the_input_is_kept(form_name, commune, consultant):
    url, name, limit, fields, row = FORMS[form_name]({"commune": commune})
    user = None if row is None else consultant
    browser, data = _open(user, url)
    before = None if row is None else getattr(type(row).objects.get(pk=row.pk), name)
    saved_rows = {model: model.objects.count() for model in (Action, Meeting, Diagnostic, SupportRequest)}

    response = browser.post(url, {**data, **fields, name: THREE_MB})

    assert response.status_code == 200
    page = response.content.decode()
    assert f"Assurez-vous que cette valeur comporte au plus {limit} caractères (actuellement {len(THREE_MB)})" in page
    shown_again = form_posting_to(page, url, url).data()[name]
    assert shown_again.startswith(THREE_MB[:10_000]), "the person's text is shown again"
    assert f'maxlength="{limit}"' in page  # the browser stops at the limit too
    if row is not None:
        assert getattr(type(row).objects.get(pk=row.pk), name) == before
    assert {model: model.objects.count() for model in saved_rows} == saved_rows
