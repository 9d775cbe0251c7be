"""Two speed-ups that must not change what users get: selects written in Python, PDFs cached by their HTML."""

import re
from unittest import mock

import pytest
import time_machine
from django import forms
from django.core.cache import caches
from django.forms.renderers import DjangoTemplates
from django.utils import timezone

from core import pdf
from core.renderers import PortalFormRenderer

XSS = "<script>alert(1)</script>"


class SampleForm(forms.Form):
    single = forms.ChoiceField(
        choices=[("", "—"), ('x"<', f"A & {XSS}"), ("Groupe <b>", [("1", "un"), ("2", "deux")])], required=False
    )
    several = forms.MultipleChoiceField(choices=[("1", "un"), ("2", "deux"), ("3", "trois")])
    maybe = forms.NullBooleanField()
    styled = forms.ChoiceField(
        choices=[("1", "un")], widget=forms.Select(attrs={"class": "form-select", "data-x": '"q"', "disabled": True})
    )


def _normalised(html: str) -> str:
    """Django's templates leave blank lines between options; the markup is otherwise the same."""
    return re.sub(r"\s*\n\s*", "\n", str(html)).strip()


@pytest.mark.parametrize("name", ["single", "several", "maybe", "styled"])
@pytest.mark.parametrize(
    "data", [{}, {"single": 'x"<', "several": ["1", "3"], "maybe": "false", "styled": "1"}, {"single": "2"}]
)
def test_select_markup_is_the_same_as_djangos_templates(name, data):
    django_form = SampleForm(data=data or None, renderer=DjangoTemplates())
    portal_form = SampleForm(data=data or None, renderer=PortalFormRenderer())
    assert _normalised(portal_form[name].as_widget()) == _normalised(django_form[name].as_widget())


def test_select_labels_and_values_are_escaped():
    html = str(SampleForm(data={"single": 'x"<'}, renderer=PortalFormRenderer())["single"].as_widget())
    assert XSS not in html and "&lt;script&gt;" in html
    assert '<option value="x&quot;&lt;" selected>' in html
    assert '<optgroup label="Groupe &lt;b&gt;">' in html


def test_other_widgets_keep_their_templates():
    form = SampleForm(renderer=PortalFormRenderer())
    assert 'type="checkbox"' not in str(form["single"].as_widget())
    text = forms.CharField(widget=forms.TextInput(attrs={"placeholder": XSS}))
    html = text.widget.render("name", XSS, renderer=PortalFormRenderer())
    assert XSS not in html and 'type="text"' in html


def test_a_hidden_initial_input_has_no_aria_attribute():
    """A field with a callable default keeps its initial value in a hidden input: once the field has an error,
    Django 5.2 gives that input the field's aria-describedby, which HTML forbids on a hidden input (issue 25)."""

    class DatedForm(forms.Form):
        day = forms.DateField(initial=timezone.localdate, show_hidden_initial=True)

    form = DatedForm(data={"day": "pas une date"}, renderer=PortalFormRenderer())
    shown, hidden = str(form["day"]), form["day"].as_hidden(only_initial=True)
    assert 'aria-describedby="id_day_error"' in shown and 'aria-invalid="true"' in shown
    assert 'type="hidden"' in hidden and "aria-" not in hidden


def test_a_pdf_is_laid_out_once_per_content():
    caches["pdfs"].clear()
    with mock.patch("weasyprint.HTML.write_pdf", autospec=True, return_value=b"%PDF-fake") as write_pdf:
        context = {"title": "Plan", "body": "Première version"}
        first = pdf.render_pdf("layout/base_pdf.html", context)
        again = pdf.render_pdf("layout/base_pdf.html", context)
        assert first == again == b"%PDF-fake"
        assert write_pdf.call_count == 1
        pdf.render_pdf("layout/base_pdf.html", context, archival=True)  # another variant: another layout
        assert write_pdf.call_count == 2


@pytest.mark.django_db
def test_a_changed_content_gives_a_new_pdf(client, gbm_officer):
    """The real thing: editing the programme's name changes the report, which is laid out anew.

    The clock stands still: the preview prints the minute it was made, and a minute turning between the two
    first requests would (rightly) give a new PDF.
    """
    from tests.factories import ProgrammeFactory

    caches["pdfs"].clear()
    programme = ProgrammeFactory(name="Programme de printemps")
    client.force_login(gbm_officer)
    with time_machine.travel(timezone.now().replace(second=0), tick=False):
        first = client.get("/bilan/pdf/").content
        assert client.get("/bilan/pdf/").content == first
        programme.name = "Programme d'automne"
        programme.save()
        with mock.patch("weasyprint.HTML.write_pdf", autospec=True, return_value=b"%PDF-new") as write_pdf:
            assert client.get("/bilan/pdf/").content == b"%PDF-new"
            assert write_pdf.call_count == 1
