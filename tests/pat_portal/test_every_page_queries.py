"""Every page the portal serves on GET runs at most 12 SQL queries, and the same number with more data (issue 10).

The pages are found by walking the URL resolver, as the security tests do: object pages take their objects from
the permission matrix's scenario (`tests/harness/scenario.py`), so a new page is measured as soon
as it has its matrix entry. Each page is read by a GBM officer, a consultant and the commune's élu (pages a role
may not read are skipped), once on the scenario and once after every list in it has grown several times over.
`test_page_queries.py` does the same for the key pages on generated data at two scales.
"""

import datetime
from decimal import Decimal

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import get_resolver, reverse

from ateliers.consent import consent_link_token
from ateliers.models import Registration, Workshop
from missions.mission1.models.accompaniments import Accompaniment
from missions.mission1.models.action_plans import ActionPlan
from missions.money.models.orders import OrderForm
from tests.factories import CommuneFactory, ContactFactory, UserFactory
from tests.factories_ateliers import RegistrationFactory, ThemeFactory, WorkshopFactory
from tests.factories_mission1 import (
    AccompanimentFactory,
    ActionFactory,
    ActionLeadFactory,
    FundingSourceFactory,
    IndicatorFactory,
    MeetingFactory,
    MeetingParticipantFactory,
)
from tests.factories_orders import OrderFormFactory, OrderLineFactory, TimeEntryFactory
from tests.factories_support import FinancingLineFactory, SupportRequestFactory, SupportStepFactory
from tests.harness.scenario import MATRIX, approved_plan, draft_copies, scenario
from tests.harness.urls import walk_routes

MAX_QUERIES = 12
ROLES = ("gbm", "consultant", "elu")
# Not pages of the portal: the token-addressed calendar feed and the password-reset link have their own tests.
NOT_PAGES = {"calendar_feed", "password_reset_confirm", "logout"}


def page_urls(data) -> dict[str, str]:
    urls = {}
    for name, route in walk_routes(get_resolver().url_patterns):
        if route.startswith(("admin/", "static/")) or name in NOT_PAGES:
            continue
        if "<" not in route:
            urls[name] = reverse(name)
        elif name in MATRIX:
            urls[name] = reverse(name, kwargs=MATRIX[name][0](data))
        elif "<export_format" in route or "<str:fmt>" in route:
            parameter = "export_format" if "<export_format" in route else "fmt"
            extra = {"insee_code": data["insee"]} if "<insee_code>" in route or ":insee_code>" in route else {}
            if "<int:pk>" in route:
                continue  # an object's export: measured with its object's tests
            for fmt in ("csv", "xlsx"):
                urls[f"{name} {fmt}"] = reverse(name, kwargs={parameter: fmt, **extra})
    return urls


def unlocked_pages(data, gbm) -> dict[str, str]:
    """The pages the scenario's objects only redirect from, on objects where they show: a draft plan's edit pages
    and import (the scenario's plan is submitted, hence locked), a decision on a request under review, a proposed
    theme's edit, and the two token pages (a shared plan, a person's consent link)."""
    accompaniment = Accompaniment.objects.get(pk=data["accompaniment"])
    programme_id = accompaniment.programme_id
    draft = draft_copies(programme_id)
    shared = approved_plan(programme_id, gbm, accompaniment.lead_consultant or UserFactory(consultant=True))
    registration = Registration.objects.get(pk=data["registration"])
    consent_token = consent_link_token(registration, registration.open_consent_request())
    data.update(draft, shared_plan=shared["shared_plan"])
    under_review = SupportRequestFactory(programme_id=programme_id, commune=accompaniment.commune, under_review=True)
    insee = {"insee_code": draft["draft_insee"]}
    pages = {
        "missions:action_plan_update": ("missions:action_plan_update", insee),
        "missions:action_plan_import": ("missions:action_plan_import", insee),
        "missions:action_create": ("missions:action_create", insee),
        "missions:action_update": ("missions:action_update", {"pk": draft["draft_action"]}),
        "missions:indicator_create": ("missions:indicator_create", {"action_pk": draft["draft_action"]}),
        "missions:indicator_update": (
            "missions:indicator_update",
            {"action_pk": draft["draft_action"], "pk": draft["draft_indicator"]},
        ),
        "missions:support_decide": ("missions:support_decide", {"pk": under_review.pk}),
        "ateliers:theme_update": ("ateliers:theme_update", {"pk": ThemeFactory(proposed=True).pk}),
        "missions:shared_plan": ("missions:shared_plan", {"token": shared["share_token"]}),
        "ateliers:consent_confirm": ("ateliers:consent_confirm", {"token": consent_token}),
    }
    return {name: reverse(url_name, kwargs=kwargs) for name, (url_name, kwargs) in pages.items()}


def grow(data, times: int) -> None:
    """Add `times` rows to every list the scenario's pages show: meetings, actions, registrations, requests…"""
    accompaniment = Accompaniment.objects.get(pk=data["accompaniment"])
    commune, programme = accompaniment.commune, accompaniment.programme
    plan = ActionPlan.objects.get(accompaniment=accompaniment)
    workshop = Workshop.objects.get(pk=data["workshop"])
    order_form = OrderForm.objects.get(pk=data["order_form"])
    consultant = accompaniment.lead_consultant
    for index in range(times):
        contact = ContactFactory(commune=commune)
        meeting = MeetingFactory(accompaniment=accompaniment)
        MeetingParticipantFactory(meeting=meeting, contact=contact)
        ActionLeadFactory(diagnostic_id=data["diagnostic"])
        action = ActionFactory(plan=plan)
        FundingSourceFactory(action=action)
        IndicatorFactory(action=action)
        for other_plan in (data["draft_plan"], data["shared_plan"]):
            other_action = ActionFactory(plan_id=other_plan, lead_contact=contact)
            FundingSourceFactory(action=other_action)
            IndicatorFactory(action=other_action)
        RegistrationFactory(workshop=workshop, contact=contact, commune=commune)
        new_request = SupportRequestFactory(programme=programme, commune=commune, in_progress=True)
        SupportStepFactory(request=new_request)
        FinancingLineFactory(request=new_request, amount=Decimal("10"))
        line = OrderLineFactory(order_form=order_form)
        other_form = OrderFormFactory(programme=programme, commune=commune)
        OrderLineFactory(order_form=other_form)
        entry = {"order_line": line, "date": datetime.date.today() - datetime.timedelta(days=index)}
        TimeEntryFactory(**entry, **({"consultant": consultant} if consultant else {}))
        other = CommuneFactory()
        AccompanimentFactory(programme=programme, commune=other)
        WorkshopFactory(programme=programme)


def _get(client, url):
    response = client.get(url)
    if response.streaming:
        b"".join(response.streaming_content)  # read to its end: the test client then closes it (files, PDFs)
    return response


def _cache_query(query) -> bool:
    """A query of Django's database cache (rate-limit counters, one-time tokens): in production these live in the
    shared cache (Redis when REDIS_URL is set), whose cost is not the page's; rate limits have tests of their own."""
    return settings.CACHES["default"].get("LOCATION", "") in query["sql"] or "SAVEPOINT" in query["sql"]


def measure(urls, by_role) -> dict:
    counts = {}
    for role in ROLES:
        client = Client()
        client.force_login(by_role[role])
        for name, url in urls.items():
            _get(client, url)  # caches that legitimately persist between requests (content types…) are warm
            with CaptureQueriesContext(connection) as captured:
                response = _get(client, url)
            if response.status_code != 200:
                continue  # not this role's page (403, 404, a redirect to their commune…)
            counts[role, name] = len([query for query in captured.captured_queries if not _cache_query(query)])
    return counts


@pytest.mark.django_db
def test_every_page_runs_a_fixed_small_number_of_queries(commune, other_commune, consultant, users):
    data = scenario(commune, other_commune, consultant)
    urls = page_urls(data) | unlocked_pages(data, users["gbm"])
    small = measure(urls, users)
    grow(data, 6)
    large = measure(urls, users)
    assert len(urls) >= 60 and len(small) >= 120, (len(urls), len(small))
    over = {key: count for key, count in large.items() if count > MAX_QUERIES}
    grew = {key: (small.get(key), count) for key, count in large.items() if small.get(key) != count}
    assert (over, grew) == ({}, {}), (
        f"Over {MAX_QUERIES} queries: {over}; changing with the data (before, after): {grew}"
    )
