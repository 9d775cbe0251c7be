"""One number for one thing (issue 25): every count of the homes and the dashboard that links to a list equals the
length of that list, for each role. The test follows each link marked `data-count` with the reader's own client and
counts the rows of the list it reaches (the first table's body; an empty-list row spans the columns)."""

import datetime
import html
import re
from html.parser import HTMLParser

import pytest
from django.utils import timezone

from core.deliverables import submit_deliverable
from missions.support.models import SupportStep
from tests.factories import CommuneFactory, ProgrammeFactory
from tests.factories_ateliers import ThemeFactory, WorkshopFactory
from tests.factories_mission1 import AccompanimentFactory, ActionFactory, ActionPlanFactory, DiagnosticFactory
from tests.factories_orders import OrderFormFactory
from tests.factories_support import SupportRequestFactory, SupportStepFactory

pytestmark = pytest.mark.django_db

MANY = 9  # more than a home shows of one list (pages.home.SHOWN), fewer than a list's page


class _Counts(HTMLParser):
    """The links marked `data-count` of a page, and the rows of its first table body."""

    def __init__(self):
        super().__init__()
        self.links: list[tuple[str, int]] = []
        self.rows = 0
        self._tbodies = 0
        self._in_first_tbody = False
        self._row_spans = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "a" and "data-count" in attrs:
            self.links.append((html.unescape(attrs["href"]), int(attrs["data-count"])))
        elif tag == "tbody":
            self._tbodies += 1
            self._in_first_tbody = self._tbodies == 1
        elif tag == "tr" and self._in_first_tbody:
            self._row_spans = False
            self.rows += 1
        elif tag == "td" and self._in_first_tbody and "colspan" in attrs and not self._row_spans:
            self._row_spans = True
            self.rows -= 1  # « Aucun… »: the empty list's row

    def handle_endtag(self, tag):
        if tag == "tbody":
            self._in_first_tbody = False


def _read(client, url) -> _Counts:
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    parser = _Counts()
    parser.feed(response.content.decode())
    return parser


@pytest.fixture
def programme():
    return ProgrammeFactory(start_date=datetime.date(2025, 1, 1), end_date=datetime.date(2027, 12, 31))


@pytest.fixture
def data(programme, commune, consultant, elu):
    """Enough of each kind for every list to link to its full list: deliverables to validate and a plan waiting for
    its council, requests to decide and started, late actions, steps and order forms, themes to validate."""
    today = timezone.localdate()
    accompaniments = [AccompanimentFactory(programme=programme, commune=commune, lead_consultant=consultant)]
    accompaniments += [
        AccompanimentFactory(
            programme=programme, commune=CommuneFactory(name=f"Commune {n}"), lead_consultant=consultant
        )
        for n in range(MANY)
    ]
    for accompaniment in accompaniments[1:]:
        submit_deliverable(subject=DiagnosticFactory(accompaniment=accompaniment, with_content=True), by=consultant)
    own = accompaniments[0]
    submit_deliverable(subject=DiagnosticFactory(accompaniment=own, with_content=True), by=consultant)
    plan = ActionPlanFactory(accompaniment=own)
    for _n in range(MANY):
        ActionFactory(plan=plan, end_month=datetime.date(2026, 1, 1))  # late
    submit_deliverable(subject=plan, by=consultant)  # waits for its council: not GBM's to validate
    for n in range(MANY):
        SupportRequestFactory(programme=programme, commune=commune, title=f"Demande {n}")
    for trait in ("in_progress", "completed", "accepted"):
        SupportRequestFactory(programme=programme, commune=commune, **{trait: True})
    for n in range(3):
        request = SupportRequestFactory(programme=programme, commune=commune, in_progress=True, title=f"Suivie {n}")
        SupportStepFactory(request=request, kind=SupportStep.Kind.NEED, planned_end=today - datetime.timedelta(days=9))
    for _n in range(MANY):
        OrderFormFactory(programme=programme, planned_end=today - datetime.timedelta(days=3))
    for n in range(MANY):
        ThemeFactory(title=f"Thème {n}", proposed=True)
    for _n in range(2):
        WorkshopFactory(programme=programme, held=True)
    return programme


@pytest.mark.parametrize("role", ["gbm_officer", "consultant", "elu"])
def test_every_count_that_links_to_a_list_is_the_length_of_that_list(client, request, data, role):
    user = request.getfixturevalue(role)
    client.force_login(user)
    pages = ["/"] + (["/tableau-de-bord/"] if user.is_team else [])
    checked = []
    for page in pages:
        for url, count in _read(client, page).links:
            assert _read(client, url).rows == count, f"{role} {page}: {count} → {url}"
            checked.append(url)
    if user.is_gbm:
        # Each kind of count is walked: the to-do and late lists, the targets, the pending decisions.
        for part in ("type=autres", "/demandes/?", "late=true", "/ateliers/themes/", "status=demarrees"):
            assert any(part in url for url in checked), part
    elif user.is_consultant:
        assert any("late=true" in url for url in checked) and any("/tableau-de-bord/" not in url for url in checked)


def test_the_requests_banner_says_what_the_target_says(client, gbm_officer, data):
    client.force_login(gbm_officer)
    page = re.sub(r"<[^>]+>", "", html.unescape(client.get("/demandes/").content.decode()))
    assert "5 projets accompagnés sur un objectif de 4 à 5 (4 en cours, 1 terminé)" in page.replace("\n", " ")
