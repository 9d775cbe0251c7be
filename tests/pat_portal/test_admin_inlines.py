"""Every input of the admin's tabular inlines has a name of its own for screen readers (axe: 'label')."""

from html.parser import HTMLParser

import pytest
from django.contrib import admin
from django.urls import reverse

from core.admin_inlines import AccessibleTabularInline
from tests.factories import UserFactory
from tests.factories_ateliers import WorkshopFactory
from tests.factories_orders import OrderFormFactory, OrderLineFactory
from tests.factories_support import FinancingLineFactory, SupportRequestFactory, SupportStepFactory


class InlineInputs(HTMLParser):
    """The form controls inside `<div class="… tabular …">`, with their attributes."""

    def __init__(self):
        super().__init__()
        self.depth = 0
        self.controls = []

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "div" and "tabular" in (attributes.get("class") or "").split():
            self.depth = 1
        elif self.depth and tag == "div":
            self.depth += 1
        if self.depth and tag in ("input", "select", "textarea") and attributes.get("type") != "hidden":
            self.controls.append(attributes)

    def handle_endtag(self, tag):
        if self.depth and tag == "div":
            self.depth -= 1


def test_every_tabular_inline_of_the_admin_is_accessible():
    inlines = {inline for model_admin in admin.site._registry.values() for inline in model_admin.inlines}
    tabular = {inline for inline in inlines if issubclass(inline, admin.TabularInline)}
    assert tabular and all(issubclass(inline, AccessibleTabularInline) for inline in tabular), tabular


@pytest.mark.django_db
def test_inline_inputs_are_named(client):
    client.force_login(UserFactory(gbm=True, is_staff=True, is_superuser=True))
    order_form = OrderFormFactory(status="brouillon")
    OrderLineFactory(order_form=order_form)
    request = SupportRequestFactory(in_progress=True)
    SupportStepFactory(request=request)
    FinancingLineFactory(request=request)
    workshop = WorkshopFactory()
    pages = [
        reverse("admin:missions_orderform_add"),
        reverse("admin:missions_orderform_change", args=[order_form.pk]),
        reverse("admin:missions_supportrequest_change", args=[request.pk]),
        reverse("admin:ateliers_workshop_change", args=[workshop.pk]),
    ]
    for url in pages:
        response = client.get(url)
        assert response.status_code == 200, url
        parser = InlineInputs()
        parser.feed(response.content.decode())
        assert parser.controls, f"no inline input on {url}"
        unnamed = [control.get("name") for control in parser.controls if not control.get("aria-label")]
        assert unnamed == [], f"{url}: inputs without a name of their own: {unnamed}"
