"""Formsets and admin inlines cap the forms they build: a forged TOTAL_FORMS must not make one POST build and render
thousands of rows (found by the form fuzzer, tests/security/test_fuzz_forms.py)."""

from django.forms.formsets import BaseFormSet


def test_formsets_cap_the_forms_they_build():
    """A forged TOTAL_FORMS builds at most `absolute_max` forms. Found by the form fuzzer: without the cap Django built
    and rendered up to 2,000 forms for one POST (4 to 18 s of CPU, pages of 13 MB)."""
    from ateliers import forms as atelier_forms
    from missions.mission1.forms import action_plans
    from missions.mission1.forms import fieldwork as mission1
    from missions.money import forms as time_forms
    from missions.support import forms as support

    formsets = {
        name: formset
        for module in (atelier_forms, action_plans, mission1, support, time_forms)
        for name, formset in vars(module).items()
        if isinstance(formset, type) and issubclass(formset, BaseFormSet) and "absolute_max" in vars(formset)
    }
    assert len(formsets) >= 9, sorted(formsets)
    too_many = {name: formset.absolute_max for name, formset in formsets.items() if formset.absolute_max > 60}
    assert too_many == {}


def test_admin_inlines_cap_the_rows_they_build():
    """The same for the admin's inlines (without the cap, 6 s and 7 MB for one forged order-form POST)."""
    from django.contrib import admin
    from django.test import RequestFactory

    from core.models import User

    request = RequestFactory().get("/")
    request.user = User(username="root", is_superuser=True, is_staff=True, is_active=True)
    caps = {
        inline.__name__: inline(model, admin.site).get_formset(request).absolute_max
        for model, model_admin in admin.site._registry.items()
        for inline in model_admin.inlines
    }
    assert len(caps) >= 6, caps
    assert {name: cap for name, cap in caps.items() if cap > 100} == {}
