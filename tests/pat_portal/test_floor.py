"""The fixed cost every logged-in page pays (issue 19): inputs written in Python, the élu's commune read with the
user, the account page's checkboxes without crispy. Each speed-up must leave what users get unchanged."""

import datetime
import re

import pytest
from django import forms
from django.db import connection
from django.forms.renderers import DjangoTemplates
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from core.backends import PortalModelBackend
from core.renderers import PortalFormRenderer

XSS = '"><script>alert(1)</script>'


class InputsForm(forms.Form):
    text = forms.CharField(widget=forms.TextInput(attrs={"placeholder": XSS, "class": "form-control"}))
    hidden = forms.CharField(widget=forms.HiddenInput)
    checked = forms.BooleanField(required=False)
    day = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
    amount = forms.DecimalField()
    email = forms.EmailField()
    secret = forms.CharField(widget=forms.PasswordInput)
    disabled = forms.CharField(disabled=True, required=False)


@pytest.mark.parametrize("name", list(InputsForm.base_fields))
@pytest.mark.parametrize(
    "data",
    [
        None,
        {"text": XSS, "hidden": "a&b", "checked": "on", "day": "2026-11-27", "amount": "12.5", "email": "a@b.fr"},
        {"text": "", "checked": "", "amount": "abc", "secret": "x"},
    ],
)
def test_inputs_written_in_python_are_the_markup_of_djangos_templates(name, data):
    initial = {"day": datetime.date(2026, 11, 27), "disabled": "figé"}
    django_form = InputsForm(data=data, initial=initial, renderer=DjangoTemplates())
    portal_form = InputsForm(data=data, initial=initial, renderer=PortalFormRenderer())
    assert str(portal_form[name].as_widget()) == str(django_form[name].as_widget()).strip()


def test_input_values_and_attributes_are_escaped():
    html = str(InputsForm(data={"text": XSS}, renderer=PortalFormRenderer())["text"].as_widget())
    assert "<script>" not in html
    assert html.count("&quot;&gt;&lt;script&gt;") == 2


@pytest.mark.django_db
def test_an_elus_commune_is_read_with_the_user_in_one_query(elu):
    with CaptureQueriesContext(connection) as captured:
        user = PortalModelBackend().get_user(elu.pk)
        assert user.commune.name == "Amagney"
    assert len(captured.captured_queries) == 1


@pytest.mark.django_db
def test_an_elus_page_names_their_commune_without_a_query_of_its_own(client, elu):
    client.force_login(elu)
    client.get(reverse("account"))  # the navigation's count is then kept in its cookie
    with CaptureQueriesContext(connection) as captured:
        content = client.get(reverse("account")).content.decode()
    assert "Amagney" in content
    commune_reads = [query["sql"] for query in captured.captured_queries if 'FROM "communes_commune"' in query["sql"]]
    assert commune_reads == []


@pytest.mark.django_db
def test_account_checkboxes_show_each_notification_with_its_state_and_label(client, gbm_officer):
    gbm_officer.muted_notifications = ["demande_nouvelle"]
    gbm_officer.save()
    client.force_login(gbm_officer)
    content = client.get(reverse("account")).content.decode()
    boxes = dict(re.findall(r'<input type="checkbox" name="(\w+)"([^>]*)>', content))
    assert set(boxes) == {
        "livrable_soumis",
        "livrable_examine",
        "demande_nouvelle",
        "atelier_planifie",
        "resume_hebdomadaire",
    }
    assert "checked" not in boxes["demande_nouvelle"] and "checked" in boxes["livrable_soumis"]
    assert 'class="form-check-input"' in boxes["livrable_soumis"]
    assert '<label class="form-check-label" for="id_demande_nouvelle">Une nouvelle demande' in content
    client.post(reverse("account"), {"demande_nouvelle": "on"})
    gbm_officer.refresh_from_db()
    assert set(gbm_officer.muted_notifications) == {
        "livrable_soumis",
        "livrable_examine",
        "atelier_planifie",
        "resume_hebdomadaire",
    }
