"""Every page the three roles reach speaks French without a slip (issue 18, items 6 to 8): no English month ("27 Nov
2026"), no "de" before a vowel-initial name ("réunions de Amagney"), no raw timestamp ("2026-11-27 11:46:44+00:00").

The pages are found by walking the URL resolver (tests/harness/urls.py) and filled with the permission matrix's
scenario (tests/harness/scenario.py), plus what makes slips show: a commune and a person whose names start with a
vowel, meetings in each of the twelve months, and history entries with a person, a date, an amount and a choice.
Each page is read as a GBM officer, a consultant and the commune's élu; PDFs and CSV exports are read too.
"""

import datetime
import html
import io
import re
from decimal import Decimal
from html.parser import HTMLParser

import pytest
from django.test import Client
from django.urls import get_resolver, reverse
from django.utils import timezone
from pypdf import PdfReader
from pypdf.errors import PdfReadError

from communes.models import Contact
from missions.mission1.models.accompaniments import Accompaniment
from missions.mission1.models.action_plans import Action, ActionPlan
from tests.factories_mission1 import FundingSourceFactory, MeetingFactory
from tests.harness.scenario import MATRIX, scenario
from tests.harness.urls import walk_routes

ROLES = ("gbm", "consultant", "elu")
# Not pages: the token-addressed calendar feed (iCalendar dates are ISO by definition), logout and reset links.
NOT_PAGES = {"calendar_feed", "password_reset_confirm", "logout"}

ENGLISH_MONTH = re.compile(
    r"\b(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec|January|February|March|April|June|July|August"
    r"|September|October|November|December)\b\.?"
)
# Django's own French abbreviations: "jui" is both June and July; "déce.", "avri." are cut-off month names.
AMBIGUOUS_MONTH = re.compile(r"\b(?:[Jj]ui|[Dd]éce|[Aa]vri|[Nn]ove|[Jj]anv?i|[Ss]ept?e)\b\.?")
MISSING_ELISION = re.compile(r"\b(?:[Dd]e|[Ll]e|[Qq]ue) [AEIOUÀÂÄÉÈÊËÎÏÔÖÙÛÜŒ][\w'-]*")
MISSING_CONTRACTION = re.compile(r"\b(?:de|à) (?:Les?|Le) [A-Z]")
RAW_TIMESTAMP = re.compile(r"\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}|\+\d{2}:\d{2}|\d{2}:\d{2}:\d{2}\.\d+")
RAW_DATE = re.compile(r"\b\d{4}-\d{2}-\d{2}\b")


class TextExtractor(HTMLParser):
    """The words a reader sees or hears: text outside scripts and styles, plus labels read aloud (aria-label,
    title, placeholder, alt) and the values prefilled in text inputs and text areas."""

    SPOKEN_ATTRIBUTES = ("aria-label", "title", "placeholder", "alt")

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts, self.values, self._skip = [], [], 0

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag in ("script", "style"):
            self._skip += 1
        self.parts.extend(attributes[name] for name in self.SPOKEN_ATTRIBUTES if attributes.get(name))
        if tag == "input" and attributes.get("type", "text") in ("text", "search") and attributes.get("value"):
            self.values.append(attributes["value"])

    def handle_endtag(self, tag):
        if tag in ("script", "style"):
            self._skip = max(0, self._skip - 1)

    def handle_data(self, data):
        if not self._skip:
            self.parts.append(data)


def page_text(response) -> tuple[str, str]:
    """(text to check for every slip, prefilled values: checked for words only, as date inputs hold ISO dates)."""
    content = b"".join(response.streaming_content) if response.streaming else response.content
    content_type = response.get("Content-Type", "")
    if content_type.startswith("application/pdf"):
        try:
            return "\n".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(content)).pages), ""
        except PdfReadError:  # the scenario's uploaded files are stubs, not documents the portal writes
            return "", ""
    if content_type.startswith("text/csv"):
        return content.decode("utf-8-sig"), ""
    if not content_type.startswith("text/html"):
        return "", ""
    parser = TextExtractor()
    parser.feed(content.decode())
    return " ".join(html.unescape(part) for part in parser.parts), " ".join(parser.values)


def slips(text: str, values: str) -> list[str]:
    found = []
    for pattern, label, where in (
        (ENGLISH_MONTH, "English month", text + " " + values),
        (AMBIGUOUS_MONTH, "cut month", text + " " + values),
        (MISSING_ELISION, "no elision", text + " " + values),
        (MISSING_CONTRACTION, "no contraction", text + " " + values),
        (RAW_TIMESTAMP, "raw timestamp", text),
        (RAW_DATE, "ISO date", text),
    ):
        found += [f"{label}: «{match.group(0)}»" for match in pattern.finditer(where)]
    return found


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
            extra = {"insee_code": data["insee"]} if ":insee_code>" in route or "<insee_code>" in route else {}
            if "<int:pk>" not in route:
                urls[f"{name} csv"] = reverse(name, kwargs={parameter: "csv", **extra})
    return urls


def with_slip_prone_data(data, elu) -> None:
    """Names starting with a vowel, a meeting in every month, and history entries with a person, a date, an amount
    and a choice."""
    Contact.objects.filter(pk=data["contact"]).update(first_name="Élodie", last_name="Aubry")
    accompaniment = Accompaniment.objects.get(pk=data["accompaniment"])
    for month in range(1, 13):
        start = timezone.make_aware(datetime.datetime(2026, month, 1 if month % 2 else 15, 9, 30))
        MeetingFactory(accompaniment=accompaniment, starts_at=start, title=f"Comité {month}")
    action = Action.objects.get(pk=data["action"])
    action.status = Action.Status.IN_PROGRESS
    action.start_month, action.end_month = datetime.date(2026, 9, 1), datetime.date(2028, 2, 1)
    action.save()
    funding = FundingSourceFactory(action=action, funder="Chambre d'agriculture", amount=Decimal("2500"))
    funding.amount = Decimal("3000")
    funding.save()
    plan = ActionPlan.objects.get(pk=action.plan_id)
    plan.approve(by=elu, council_decision_date=datetime.date(2026, 11, 1))


@pytest.mark.django_db
def test_no_english_month_missing_elision_or_raw_timestamp_on_any_page(commune, other_commune, consultant, users):
    assert commune.name == "Amagney"  # a vowel: every "de {{ commune }}" is put to the test
    data = scenario(commune, other_commune, consultant)
    with_slip_prone_data(data, users["elu"])
    urls = page_urls(data)
    found, read = {}, 0
    for role in ROLES:
        client = Client()
        client.force_login(users[role])
        for name, url in urls.items():
            response = client.get(url)
            if response.status_code != 200:
                continue  # not this role's page
            text, values = page_text(response)
            read += bool(text)
            if page_slips := slips(text, values):
                found[f"{role} {name} {url}"] = sorted(set(page_slips))
    assert read >= 150, read
    assert found == {}


@pytest.mark.parametrize(
    "text",
    [
        "Réunion du 27 Nov 2026",
        "28 Sep",
        "Jui 2026",
        "déce. 25",
        "Toutes les réunions de Amagney",
        "Personne de Écouvotte",
        "Inscriptions de Les Auxons",
        "Approuvé le 2026-11-27 11:46:44.402900+00:00",
        "le 2026-11-27",
    ],
)
def test_the_crawl_catches_each_slip_of_the_issue(text):
    assert slips(text, "")


@pytest.mark.parametrize(
    "text",
    [
        "Réunion du 27 nov. 2026 à 14:30",
        "sept. 2026 → févr. 2028",
        "Toutes les réunions d'Amagney, des Auxons, de La Vèze et de Hauterive",
        "Approuvé le 27 novembre 2026 à 11:46",
        "de 09:00 à 12:00",
    ],
)
def test_the_crawl_accepts_correct_french(text):
    assert slips(text, "") == []
