"""The programme report's and an order form's PDF read a fixed number of queries whatever the data (issue 26): their
layout is WeasyPrint's (stubbed here), their HTML is written from a few queries."""

from unittest import mock

import pytest
from django.core.cache import caches
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.factories import ProgrammeFactory
from tests.factories_ateliers import WorkshopFactory
from tests.factories_mission1 import AccompanimentFactory
from tests.factories_orders import OrderFormFactory, OrderLineFactory
from tests.factories_support import SupportRequestFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def stubbed_layout():
    caches["pdfs"].clear()
    with mock.patch("weasyprint.HTML.write_pdf", autospec=True, return_value=b"%PDF-stub"):
        yield
    caches["pdfs"].clear()


def queries(client, url: str) -> int:
    caches["pdfs"].clear()  # each read writes its HTML again
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200 and response.content == b"%PDF-stub", (url, response.status_code)
    return len(captured.captured_queries)


def test_the_programme_report_pdf_reads_as_many_queries_with_1_or_12_of_everything(client, gbm_officer):
    programme = ProgrammeFactory()
    client.force_login(gbm_officer)
    url = reverse("programme_report_pdf")
    AccompanimentFactory(programme=programme)
    WorkshopFactory(programme=programme)
    SupportRequestFactory(programme=programme, in_progress=True)
    few = queries(client, url)
    for _ in range(11):
        AccompanimentFactory(programme=programme)
        WorkshopFactory(programme=programme)
        SupportRequestFactory(programme=programme, in_progress=True)
    assert queries(client, url) == few


def test_an_order_form_pdf_reads_as_many_queries_with_1_or_15_lines(client, gbm_officer):
    order_form = OrderFormFactory()
    OrderLineFactory(order_form=order_form)
    client.force_login(gbm_officer)
    url = reverse("missions:order_form_pdf", args=[order_form.pk])
    few = queries(client, url)
    for _ in range(14):
        OrderLineFactory(order_form=order_form)
    assert queries(client, url) == few
