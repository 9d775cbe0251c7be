"""The council's read-only link to an action plan (issue 20): created by the commune's élus or GBM, shown once, stored
as a hash; it shows what an élu sees of an approved or validated plan and nothing more; it expires, is revoked, is
counted, is not indexed, leaks no referrer and is rate-limited."""

import datetime
import hashlib
import html
import re
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from core.models import WorkflowStatus
from missions.mission1.models.action_plans import ActionPlan, ProgressNote
from missions.mission1.models.share_links import PlanShareLink
from missions.mission1.views import share
from tests.factories import ContactFactory
from tests.factories_mission1 import (
    AccompanimentFactory,
    ActionFactory,
    ActionPlanFactory,
    FundingSourceFactory,
    IndicatorFactory,
    IndicatorValueFactory,
    MeetingFactory,
)
from tests.factories_orders import OrderFormFactory, OrderLineFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    cache.clear()


@pytest.fixture
def plan(commune):
    return ActionPlanFactory(accompaniment=AccompanimentFactory(commune=commune), summary="Bien manger à l'école.")


def validate(plan, elu=None):
    ActionPlan.objects.filter(pk=plan.pk).update(
        workflow_status=WorkflowStatus.VALIDATED,
        approved_at=timezone.now(),
        approved_by=elu,
        approved_version=1,
        council_decision_date=datetime.date(2026, 10, 12),
    )
    plan.refresh_from_db()
    return plan


def create_link(client, user, plan, **data):
    client.force_login(user)
    insee = plan.accompaniment.commune.insee_code
    return client.post(reverse("missions:share_link_create", args=[insee]), data)


def token_in(response) -> str:
    url = re.search(r'value="(http://testserver/partage/plan/[^"]+/)"', response.content.decode()).group(1)
    return url.rstrip("/").rsplit("/", 1)[1]


def issued(plan, by, days=30) -> str:
    _link, token = PlanShareLink.create_for(plan, by=by, expires_on=timezone.localdate() + datetime.timedelta(days))
    return token


def shared_url(token):
    return reverse("missions:shared_plan", args=[token])


# Creating a link -----------------------------------------------------------------------------------------------


def test_the_elu_creates_a_link_shown_once_and_stored_as_a_hash(client, elu, plan):
    validate(plan, elu)
    default_expiry = timezone.localdate() + datetime.timedelta(days=30)
    client.force_login(elu)
    page = client.get(reverse("missions:share_link_create", args=[plan.accompaniment.commune.insee_code]))
    assert f'value="{default_expiry:%Y-%m-%d}"' in page.content.decode()
    response = create_link(client, elu, plan, expires_on=f"{default_expiry:%Y-%m-%d}")
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store, private" and response["Referrer-Policy"] == "no-referrer"
    token = token_in(response)
    assert len(token) == 43  # secrets.token_urlsafe(32): 256 random bits
    link = PlanShareLink.objects.get()
    assert (link.plan, link.created_by, link.expires_on) == (plan, elu, default_expiry)
    assert link.token_sha256 == hashlib.sha256(token.encode()).hexdigest()
    stored = [
        str(value)
        for value in PlanShareLink.objects.values_list(*[f.attname for f in PlanShareLink._meta.concrete_fields]).get()
    ]
    assert token not in stored  # only its hash is kept
    plan_page = client.get(plan.get_absolute_url()).content.decode()
    assert token not in plan_page  # never shown again


def test_gbm_creates_a_link_with_a_chosen_date(client, gbm_officer, plan):
    validate(plan)
    chosen = timezone.localdate() + datetime.timedelta(days=90)
    create_link(client, gbm_officer, plan, expires_on=chosen.isoformat())
    assert PlanShareLink.objects.get().expires_on == chosen


def test_an_approved_plan_awaiting_gbm_may_be_shared(client, elu, plan):
    ActionPlan.objects.filter(pk=plan.pk).update(
        workflow_status=WorkflowStatus.SUBMITTED, approved_at=timezone.now(), approved_by=elu, approved_version=1
    )
    create_link(client, elu, plan, expires_on=(timezone.localdate() + datetime.timedelta(days=3)).isoformat())
    assert PlanShareLink.objects.count() == 1


@pytest.mark.parametrize(
    ("days", "message"),
    [
        (-1, "La date de fin de validité est passée : choisissez aujourd'hui ou une date à venir."),
        (400, "Un lien de partage vaut au plus un an : choisissez une date plus proche."),
    ],
)
def test_a_wrong_expiry_date_is_refused_on_the_form_with_the_input_kept(client, elu, plan, days, message):
    validate(plan, elu)
    typed = (timezone.localdate() + datetime.timedelta(days=days)).isoformat()
    response = create_link(client, elu, plan, expires_on=typed)
    text = html.unescape(response.content.decode())
    assert response.status_code == 200 and message in text and f'value="{typed}"' in text
    assert not PlanShareLink.objects.exists()


def test_a_plan_neither_approved_nor_validated_cannot_be_shared(client, elu, plan):
    ActionPlan.objects.filter(pk=plan.pk).update(workflow_status=WorkflowStatus.SUBMITTED)
    response = create_link(
        client, elu, plan, expires_on=(timezone.localdate() + datetime.timedelta(days=3)).isoformat()
    )
    assert "Seul un plan approuvé par la commune ou validé par GBM peut être partagé" in html.unescape(
        response.content.decode()
    )
    assert not PlanShareLink.objects.exists()


def test_a_consultant_may_not_share_and_nothing_is_created(client, consultant, plan):
    validate(plan)
    response = create_link(client, consultant, plan, expires_on=timezone.localdate().isoformat())
    assert response.status_code == 403
    assert not PlanShareLink.objects.exists()


def test_an_elu_of_another_commune_gets_not_found(client, elu_other_commune, plan):
    validate(plan)
    assert create_link(client, elu_other_commune, plan, expires_on="2026-12-01").status_code == 404
    link, _token = PlanShareLink.create_for(plan, by=elu_other_commune, expires_on=timezone.localdate())
    insee = plan.accompaniment.commune.insee_code
    response = client.post(reverse("missions:share_link_revoke", args=[insee]), {"link": link.pk})
    assert response.status_code == 404
    link.refresh_from_db()
    assert not link.is_revoked


def test_anonymous_is_sent_to_the_login_page_to_manage_links(client, plan):
    insee = plan.accompaniment.commune.insee_code
    for response in (
        client.get(reverse("missions:share_link_create", args=[insee])),
        client.post(reverse("missions:share_link_revoke", args=[insee]), {"link": 1}),
    ):
        assert response.status_code == 302 and response.url.startswith("/connexion/")


# What the link shows -------------------------------------------------------------------------------------------


@pytest.fixture
def rich_plan(plan, commune, elu):
    """A validated plan with everything an élu sees, and everything a council member must not."""
    validate(plan, elu)
    consenting = ContactFactory(
        commune=commune,
        first_name="Claire",
        last_name="Consentante",
        organisation="Association Les Jardins",
        email="claire@example.org",
        phone="03 81 11 11 11",
        consenting=True,
    )
    silent = ContactFactory(
        commune=commune,
        first_name="Paul",
        last_name="Discret",
        organisation="GAEC du Moulin",
        email="paul.discret@example.org",
        phone="03 81 22 22 22",
    )
    orchard = ActionFactory(
        plan=plan,
        title="Verger partagé",
        description="Planter vingt arbres fruitiers.",
        operational_objectives="Vingt arbres en 2026.",
        expected_results="Des fruits pour la cantine.",
        partners="Les Croqueurs de pommes",
        lead_contact=consenting,
        cost_estimate=Decimal("4321.00"),
        status="en_cours",
        progress=40,
        specific_support=True,
    )
    FundingSourceFactory(action=orchard, funder="Région Bourgogne-Franche-Comté", amount=Decimal("1500"))
    IndicatorValueFactory(
        indicator=IndicatorFactory(action=orchard, name="Arbres plantés", unit="arbres"),
        year=2026,
        target=20,
        actual=8,
    )
    ActionFactory(plan=plan, title="Cantine bio", lead_contact=silent, lead_organisation="")
    ProgressNote.objects.create(
        action=orchard, date=datetime.date(2026, 11, 2), text="NOTE-DE-SUIVI-INTERNE", author=elu
    )
    MeetingFactory(accompaniment=plan.accompaniment)  # its internal notes: "NOTE-INTERNE-SECRETE"
    order = OrderFormFactory(commune=commune)
    OrderLineFactory(order_form=order, unit_price=Decimal("98765.43"))
    return plan


def test_the_link_shows_what_an_elu_sees_of_the_plan(client, rich_plan, elu):
    token = issued(rich_plan, elu)
    response = client.get(shared_url(token))
    assert response.status_code == 200
    text = html.unescape(response.content.decode())
    for visible in (
        "Plan d'actions du projet alimentaire communal — Amagney",
        "Bien manger à l'école.",
        "délibération du conseil municipal du 12 octobre 2026",
        "Verger partagé",
        "Accompagnement spécifique",
        "Planter vingt arbres fruitiers.",
        "Vingt arbres en 2026.",
        "Des fruits pour la cantine.",
        "Les Croqueurs de pommes",
        "En cours",
        "40 %",
        "4\u202f321,00\u00a0€",
        "Région Bourgogne-Franche-Comté : 1\u202f500,00\u00a0€",
        "Arbres plantés (arbres)",
        "Claire Consentante (Association Les Jardins)",  # consented: named
        "GAEC du Moulin",  # did not consent: only their organisation
    ):
        assert visible in text, visible
    for hidden in (
        "Paul",
        "Discret",
        "paul.discret@example.org",
        "03 81 22 22 22",
        "claire@example.org",  # contact details: never, consent or not
        "03 81 11 11 11",
        "NOTE-DE-SUIVI-INTERNE",
        "NOTE-INTERNE-SECRETE",
        "98\u202f765,43",
        "98765",
        "Historique",
        "Modifier",
        "Approuver",
    ):
        assert hidden not in text, hidden


def test_the_link_is_not_indexed_and_leaks_no_referrer(client, rich_plan, elu):
    response = client.get(shared_url(issued(rich_plan, elu)))
    assert response["X-Robots-Tag"] == "noindex, nofollow"
    assert response["Referrer-Policy"] == "no-referrer"
    assert response["Cache-Control"] == "no-store, private"
    text = response.content.decode()
    assert '<meta name="robots" content="noindex, nofollow">' in text
    assert '<meta name="referrer" content="no-referrer">' in text


def test_a_draft_revision_is_never_shown_through_the_link(client, rich_plan, elu, consultant):
    token = issued(rich_plan, elu)
    ActionPlan.objects.filter(pk=rich_plan.pk).update(workflow_status=WorkflowStatus.DRAFT)
    ActionFactory(plan=rich_plan, title="BROUILLON-EN-COURS")
    response = client.get(shared_url(token))
    text = html.unescape(response.content.decode())
    assert response.status_code == 200
    assert "Le plan d'actions est en cours de révision" in text
    assert "BROUILLON-EN-COURS" not in text and "Verger partagé" not in text
    assert PlanShareLink.objects.get().view_count == 0


def test_an_expired_link_answers_a_french_page(client, rich_plan, elu):
    link, token = PlanShareLink.create_for(rich_plan, by=elu, expires_on=timezone.localdate())
    assert client.get(shared_url(token)).status_code == 200  # valid through its last day
    PlanShareLink.objects.filter(pk=link.pk).update(expires_on=timezone.localdate() - datetime.timedelta(days=1))
    response = client.get(shared_url(token))
    text = html.unescape(response.content.decode())
    assert response.status_code == 410
    assert "Ce lien de partage a expiré" in text and "Verger partagé" not in text
    assert response["X-Robots-Tag"] == "noindex, nofollow"


def test_a_revoked_link_answers_a_french_page(client, rich_plan, elu):
    token = issued(rich_plan, elu)
    client.force_login(elu)
    insee = rich_plan.accompaniment.commune.insee_code
    response = client.post(
        reverse("missions:share_link_revoke", args=[insee]), {"link": PlanShareLink.objects.get().pk}
    )
    assert response.status_code == 302
    link = PlanShareLink.objects.get()
    assert link.is_revoked and link.revoked_by == elu
    client.logout()
    response = client.get(shared_url(token))
    assert response.status_code == 410
    assert "Ce lien de partage a été désactivé" in html.unescape(response.content.decode())


def test_an_unknown_or_malformed_token_is_not_found(client, rich_plan, elu):
    issued(rich_plan, elu)
    for token in ("A" * 43, "court", "x" * 200):
        response = client.get(shared_url(token))
        assert response.status_code == 404
        assert "Ce lien de partage n'existe pas" in html.unescape(response.content.decode())


def test_views_are_counted_and_the_last_one_shown_on_the_plan_page(client, rich_plan, elu):
    token = issued(rich_plan, elu)
    client.get(shared_url(token))
    client.get(shared_url(token))
    link = PlanShareLink.objects.get()
    assert link.view_count == 2 and link.last_viewed_at is not None
    client.force_login(elu)
    page = html.unescape(client.get(rich_plan.get_absolute_url()).content.decode())
    assert "Partage avec le conseil municipal" in page
    assert "Actif" in page and ">2<" in page.replace(" ", "")
    last_view = timezone.localtime(link.last_viewed_at)  # shown as « 27 novembre 2026 à 15:02 »
    assert f"{last_view.year} à {last_view:%H:%M}" in page
    assert "Désactiver" in page


def test_a_consultant_sees_the_links_but_may_not_revoke_them(client, rich_plan, elu, consultant):
    issued(rich_plan, elu)
    client.force_login(consultant)
    page = html.unescape(client.get(rich_plan.get_absolute_url()).content.decode())
    assert "Partage avec le conseil municipal" in page and "Désactiver" not in page
    insee = rich_plan.accompaniment.commune.insee_code
    link = PlanShareLink.objects.get()
    assert client.post(reverse("missions:share_link_revoke", args=[insee]), {"link": link.pk}).status_code == 403
    link.refresh_from_db()
    assert not link.is_revoked


def test_the_shared_page_is_rate_limited(client, rich_plan, elu, monkeypatch):
    token = issued(rich_plan, elu)
    for _ in range(share.SHARED_VIEWS_PER_WINDOW):
        assert client.get(shared_url(token)).status_code == 200
    response = client.get(shared_url(token))
    assert response.status_code == 429
    assert "Trop de consultations depuis votre connexion" in html.unescape(response.content.decode())
    assert int(response["Retry-After"]) > 0
    assert response["X-Robots-Tag"] == "noindex, nofollow"
    # Guessing tokens is limited the same way.
    assert client.get(shared_url("B" * 43)).status_code == 429


def test_a_post_to_the_shared_page_is_refused(client, rich_plan, elu):
    assert client.post(shared_url(issued(rich_plan, elu))).status_code == 405


def test_the_shared_page_runs_the_same_queries_for_one_action_or_many(client, plan, elu):
    validate(plan, elu)
    token = issued(plan, elu)
    counts = []
    for size in (1, 25):
        for _ in range(size):
            action = ActionFactory(plan=plan, lead_contact=ContactFactory(commune=plan.accompaniment.commune))
            FundingSourceFactory(action=action)
            IndicatorValueFactory(indicator=IndicatorFactory(action=action))
        client.get(shared_url(token))  # warm the content types
        cache.clear()
        with CaptureQueriesContext(connection) as captured:
            assert client.get(shared_url(token)).status_code == 200
        queries = [query["sql"] for query in captured.captured_queries]
        counts.append((len(queries), len([sql for sql in queries if "pat_portal_cache" not in sql])))
    assert counts[0] == counts[1] and counts[0][1] <= 12, counts


def test_the_plan_page_lists_links_in_a_fixed_number_of_queries(client, plan, elu):
    validate(plan, elu)
    counts = []
    client.force_login(elu)
    for size in (1, 10):
        for _ in range(size):
            issued(plan, elu)
        client.get(plan.get_absolute_url())
        with CaptureQueriesContext(connection) as captured:
            assert client.get(plan.get_absolute_url()).status_code == 200
        counts.append(len(captured.captured_queries))
    assert counts[0] == counts[1] <= 12, counts
