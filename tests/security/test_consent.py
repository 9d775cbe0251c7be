"""Consent to share contact details, re-checked across every export and every PDF of the portal (issue #9, item 10).

Four people take part in everything (a meeting, a diagnostic's resource people, an action's lead, a workshop):
- Odile Partageuse consents to share her details (contact directory and workshop registration);
- Rémi Discretus never consented;
- Wanda Retractee consented, then withdrew (ateliers.services.withdraw_consent);
- Anne Effacee consented, then was anonymised (right to erasure), as was the support request sent from her e-mail.
A support request also carries its requester's e-mail and phone (Hugo Demandeur), which are for the team's eyes.

Every output is downloaded (CSV and XLSX for exports, text extracted from PDFs with pypdf, the calendar feeds as
they are) by every role allowed to, after the deliverables were validated and frozen. The rules, as the features
state them:
- nowhere: the e-mail or phone of anyone who did not consent (or withdrew), the requester's e-mail or phone, the
  former name and details of the anonymised person (NO_DETAILS);
- the workshop's shared contact list (report PDF, live and frozen; contacts export): only consenting participants,
  no name either of the others (SHARED_LIST);
- the attendance sheet lists every registrant's name to sign against, and nobody's e-mail or phone;
- the contact directory export: GBM (the data controller) gets every contact with e-mail and phone; a consultant
  gets only the contacts who consent, without e-mail or phone.
OUTPUTS lists every export and PDF view: a new one without an entry (or an EXCLUDED reason) fails the test.
"""

import datetime
import inspect
import io
import re
from dataclasses import dataclass

import pytest
from django.test import Client
from django.urls import get_resolver, reverse
from django.utils import timezone
from openpyxl import load_workbook
from pypdf import PdfReader

from ateliers import services as atelier_services
from ateliers.models import Registration
from communes.models import Contact
from communes.services import anonymise_contact
from core.deliverables import submit_deliverable, validate_deliverable
from core.models import Deliverable
from missions.mission1.models.diagnostics import Stake
from pat_portal.pages.steering_report import issue_programme_report
from tests.factories import ContactFactory, ProgrammeFactory
from tests.factories_ateliers import RegistrationFactory, WorkshopFactory
from tests.factories_mission1 import (
    AccompanimentFactory,
    ActionFactory,
    ActionLeadFactory,
    ActionPlanFactory,
    DiagnosticFactory,
    MeetingFactory,
    MeetingParticipantFactory,
)
from tests.factories_orders import OrderFormFactory, OrderLineFactory, TimeEntryFactory
from tests.factories_support import SupportRequestFactory
from tests.harness.urls import walk_views

PEOPLE = {
    "consenting": {
        "first_name": "Odile",
        "last_name": "Partageuse",
        "email": "odile.p@example.org",
        "phone": "0381111111",
    },
    "refusing": {"first_name": "Rémi", "last_name": "Discretus", "email": "remi.d@example.org", "phone": "0381222222"},
    "withdrawn": {
        "first_name": "Wanda",
        "last_name": "Retractee",
        "email": "wanda.r@example.org",
        "phone": "0381333333",
    },
    "erased": {"first_name": "Anne", "last_name": "Effacee", "email": "anne.e@example.org", "phone": "0381444444"},
}
REQUESTER = {"contact_name": "Hugo Demandeur", "email": "hugo.d@example.org", "phone": "0655555555"}
NOT_SHARING = ("refusing", "withdrawn", "erased")


def details(*people) -> set[str]:
    return {PEOPLE[person][key] for person in people for key in ("email", "phone")}


def names(*people) -> set[str]:
    return {PEOPLE[person]["last_name"] for person in people}


# What must never appear, and what must appear (a control that the text was read), per rule and role.
NO_DETAILS = details(*NOT_SHARING) | names("erased") | {REQUESTER["email"], REQUESTER["phone"]}
SHARED_LIST = NO_DETAILS | names("refusing", "withdrawn")


@dataclass(frozen=True)
class Rule:
    hidden: frozenset[str]
    shown: frozenset[str] = frozenset()


def no_details(role):
    return Rule(frozenset(NO_DETAILS))


def shared_list(role):
    return Rule(frozenset(SHARED_LIST), frozenset(names("consenting") | details("consenting")))


def attendance_sheet(role):
    return Rule(frozenset(NO_DETAILS | details("consenting")), frozenset(names("consenting", "refusing")))


def contact_directory(role):
    if role == "gbm":
        return Rule(frozenset(names("erased") | details("erased")), frozenset(details("consenting", "refusing")))
    return Rule(frozenset(names(*NOT_SHARING) | details("consenting", *NOT_SHARING)), frozenset(names("consenting")))


ROLES = ("gbm", "consultant", "elu", "elu_other", "anonymous")  # "elu": the commune's élu, whose commune took part
TEAM = ("gbm", "consultant")
TEAM_AND_ELU = ("gbm", "consultant", "elu")
LOGGED_IN = ("gbm", "consultant", "elu", "elu_other")
FORMATS = ("csv", "xlsx")


@dataclass(frozen=True)
class Output:
    url_name: str
    kwargs: object = staticmethod(lambda s: {})
    roles: tuple[str, ...] = TEAM
    rule: object = no_details
    formats: tuple[str, ...] = ()  # exports: each format is downloaded
    query: str = ""


OUTPUTS = [
    Output("exports:communes", formats=FORMATS),
    Output("exports:actions", formats=FORMATS),
    Output("exports:meetings", formats=FORMATS),
    Output("exports:meetings", formats=FORMATS, query="?notes_internes=1"),  # internal notes: GBM's column
    Output("exports:contacts", formats=FORMATS, rule=contact_directory),
    Output("exports:support_requests", formats=FORMATS),
    Output("missions:order_form_export", formats=FORMATS),
    Output("missions:order_line_export", formats=FORMATS),
    Output("missions:time_export", formats=FORMATS),
    Output(
        "ateliers:contacts_export",
        kwargs=lambda s: {"pk": s["workshop"]},
        formats=FORMATS,
        roles=TEAM_AND_ELU,
        rule=shared_list,
    ),
    Output("ateliers:agenda", roles=LOGGED_IN),
    Output("calendar_feed", kwargs=lambda s: {"token": s["token"]}, roles=ROLES),  # the token is the key
    Output("programme_report_pdf"),
    Output("programme_report_edition_pdf", kwargs=lambda s: {"pk": s["edition"]}),
    Output("commune_status_pdf", kwargs=lambda s: {"insee_code": s["insee"]}, roles=TEAM_AND_ELU),
    # The plan and the diagnostic in their import templates (a lead's resource people by name), the blank templates.
    Output(
        "missions:action_plan_export", kwargs=lambda s: {"insee_code": s["insee"]}, formats=FORMATS, roles=TEAM_AND_ELU
    ),
    Output(
        "missions:diagnostic_export", kwargs=lambda s: {"insee_code": s["insee"]}, formats=FORMATS, roles=TEAM_AND_ELU
    ),
    Output("missions:action_plan_template", formats=FORMATS, roles=LOGGED_IN),
    Output("missions:diagnostic_template", formats=FORMATS, roles=LOGGED_IN),
    Output("communes:contact_template", formats=FORMATS, roles=TEAM),  # the directory's import template
    Output("missions:diagnostic_pdf", kwargs=lambda s: {"insee_code": s["insee"]}, roles=TEAM_AND_ELU),
    Output("missions:action_plan_pdf", kwargs=lambda s: {"insee_code": s["insee"]}, roles=TEAM_AND_ELU),
    # Élus get the validated versions of these (issue 17): the team the live ones.
    Output("missions:support_pdf", kwargs=lambda s: {"pk": s["request"]}, roles=TEAM_AND_ELU),
    Output("missions:order_form_pdf", kwargs=lambda s: {"pk": s["order_form"]}),
    Output("ateliers:report_pdf", kwargs=lambda s: {"pk": s["workshop"]}, roles=TEAM_AND_ELU, rule=shared_list),
    Output("ateliers:attendance_pdf", kwargs=lambda s: {"pk": s["workshop"]}, rule=attendance_sheet),
    # The working drafts, offered apart from the validated file the main buttons hand out; the diagnostic's poster.
    Output("missions:diagnostic_draft_pdf", kwargs=lambda s: {"insee_code": s["insee"]}, roles=TEAM_AND_ELU),
    Output("missions:diagnostic_poster_pdf", kwargs=lambda s: {"insee_code": s["insee"]}, roles=TEAM_AND_ELU),
    Output("missions:action_plan_draft_pdf", kwargs=lambda s: {"insee_code": s["insee"]}, roles=TEAM_AND_ELU),
    Output("missions:support_draft_pdf", kwargs=lambda s: {"pk": s["request"]}),
    Output("ateliers:report_draft_pdf", kwargs=lambda s: {"pk": s["workshop"]}, rule=shared_list),
    Output("ateliers:attendance_draft_pdf", kwargs=lambda s: {"pk": s["workshop"]}, rule=attendance_sheet),
    # The frozen PDFs of the validated deliverables (what élus download).
    Output("deliverable_pdf", kwargs=lambda s: {"pk": s["frozen"]["diagnostic"]}, roles=TEAM_AND_ELU),
    Output("deliverable_pdf", kwargs=lambda s: {"pk": s["frozen"]["plan"]}, roles=TEAM_AND_ELU),
    Output("deliverable_pdf", kwargs=lambda s: {"pk": s["frozen"]["support"]}, roles=TEAM_AND_ELU),
    # A validated workshop report carries the consented contact list: the same audience as the live list (the team
    # and the élus whose commune took part), not every élu.
    Output("deliverable_pdf", kwargs=lambda s: {"pk": s["frozen"]["report"]}, roles=TEAM_AND_ELU, rule=shared_list),
    Output("deliverable_pdf", kwargs=lambda s: {"pk": s["frozen"]["attendance"]}, rule=attendance_sheet),
]
# Views that send files but are not exports or PDFs built from the data, each for a reason.
EXCLUDED = {
    "health": "the load balancer's probe answers a fixed text",
    "communes:contact_personal_data": "right of access: one person's own data, for GBM only (tests/communes/test_gdpr.py)",
    "missions:order_form_scan": "an uploaded file (the signed order form), served as it was uploaded",
    "missions:support_document": "an uploaded file of a support step, served as it was uploaded",
    "ateliers:resource_download": "an uploaded resource of a workshop, served as it was uploaded",
    "missions:action_plan_deliberation": "the council's délibération, uploaded with the approval and served as it was",
}
# A view sends a file when its source builds one of these.
FILE_MARKERS = (
    "export_response",
    "spreadsheet_response",
    "template_response",
    "pdf_response",
    "document_response",
    "working_draft_response",
    "frozen_file_response",
    "render_pdf",
    "FileResponse",
    "attachment_response",
    "text/calendar",
    "application/json",
    "HttpResponse(",
)


def file_views() -> set[str]:
    found = set()
    for name, route, view in walk_views(get_resolver().url_patterns):
        if route.startswith("admin/"):
            continue
        view_class = getattr(view, "view_class", None)
        source = inspect.getsource(view_class or inspect.unwrap(view))
        if any(marker in source for marker in FILE_MARKERS):
            found.add(name)
    return found


def test_every_export_and_pdf_is_checked():
    listed = {output.url_name for output in OUTPUTS}
    missing = sorted(file_views() - listed - set(EXCLUDED))
    assert missing == [], f"Add these exports or PDFs to OUTPUTS (or to EXCLUDED, with the reason): {missing}"
    assert listed.isdisjoint(EXCLUDED)


def _contact(person, commune, *, consent):
    extra = {"consent_to_share": True, "consent_date": datetime.date(2025, 1, 15), "consent_method": "formulaire"}
    return ContactFactory(commune=commune, organisation="", **PEOPLE[person], **(extra if consent else {}))


def _registration(workshop, contact, *, consent):
    extra = {"consenting": True} if consent else {}
    return RegistrationFactory(workshop=workshop, contact=contact, commune=contact.commune, present=True, **extra)


def build(commune, other_commune, gbm, consultant, elu) -> dict:
    """Everything the outputs show, the four people in each, and the deliverables validated (frozen) at the end."""
    programme = ProgrammeFactory()
    accompaniment = AccompanimentFactory(programme=programme, commune=commune)
    AccompanimentFactory(programme=programme, commune=other_commune)
    contacts = {person: _contact(person, commune, consent=person != "refusing") for person in PEOPLE}

    meeting = MeetingFactory(accompaniment=accompaniment, starts_at=timezone.now() - datetime.timedelta(days=2))
    for contact in contacts.values():
        MeetingParticipantFactory(meeting=meeting, contact=contact)
    diagnostic = DiagnosticFactory(accompaniment=accompaniment)
    Stake.objects.create(diagnostic=diagnostic, category=Stake.Category.RESTAURATION, title="Cantine", priority=1)
    lead = ActionLeadFactory(diagnostic=diagnostic)
    lead.resource_people.set(contacts.values())
    plan = ActionPlanFactory(accompaniment=accompaniment)
    for contact in contacts.values():
        ActionFactory(plan=plan, lead_contact=contact)

    workshop = WorkshopFactory(programme=programme, held=True)
    WorkshopFactory(programme=programme)  # an upcoming one, for the calendar feeds
    registrations = {
        person: _registration(workshop, contact, consent=person != "refusing") for person, contact in contacts.items()
    }
    atelier_services.withdraw_consent(registration=registrations["withdrawn"], by=gbm)

    request = SupportRequestFactory(programme=programme, commune=commune, in_progress=True, **REQUESTER)
    SupportRequestFactory(
        programme=programme,
        commune=commune,
        contact_name="Anne Effacee",
        email=PEOPLE["erased"]["email"],
        phone=PEOPLE["erased"]["phone"],
    )
    anonymise_contact(contact=contacts["erased"], by=gbm)

    order_form = OrderFormFactory(programme=programme, commune=commune)
    line = OrderLineFactory(order_form=order_form)
    TimeEntryFactory(consultant=consultant, order_line=line, accompaniment=accompaniment)

    workshop.report.text = "Ce qui a été dit pendant l'atelier."
    workshop.report.save()
    frozen = {}
    for key, subject in {
        "diagnostic": diagnostic,
        "plan": plan,
        "support": request,
        "report": workshop.report,
        "attendance": workshop.attendance_sheet,
    }.items():
        deliverable = submit_deliverable(subject=subject, by=consultant)
        if key == "plan":
            plan.refresh_from_db()
            plan.approve(by=elu, council_decision_date=datetime.date(2025, 3, 20))
        frozen[key] = validate_deliverable(deliverable=deliverable, by=gbm).pk
    assert Deliverable.objects.filter(status=Deliverable.Status.VALIDATED).count() == len(frozen)
    edition = issue_programme_report(programme=programme, by=gbm, commentary="Trois plans approuvés.")
    assert Registration.objects.filter(consent_to_share=True).count() == 1
    assert not Contact.objects.filter(last_name="Effacee").exists()
    return {
        "insee": commune.insee_code,
        "workshop": workshop.pk,
        "request": request.pk,
        "order_form": order_form.pk,
        "frozen": frozen,
        "edition": edition.pk,
        "token": gbm.regenerate_calendar_token(),
    }


def _body(response) -> bytes:
    if response.streaming:
        return b"".join(response.streaming_content)
    return response.content


def readable_text(response) -> str:
    """The text of a download, with every whitespace removed (PDF lines and calendar lines wrap anywhere)."""
    body = _body(response)
    content_type = response["Content-Type"]
    if content_type.startswith("application/pdf"):
        text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(body)).pages)
    elif "spreadsheetml" in content_type:
        workbook = load_workbook(io.BytesIO(body), read_only=True)
        text = "\n".join(
            " ".join("" if value is None else str(value) for value in row)
            for sheet in workbook.worksheets
            for row in sheet.iter_rows(values_only=True)
        )
    else:
        text = body.decode("utf-8")
    return re.sub(r"\s+", "", text).lower()


def _token(value: str) -> str:
    return re.sub(r"\s+", "", value).lower()


@pytest.mark.django_db
def test_consent_is_respected_in_every_export_and_pdf(
    commune, other_commune, gbm_officer, consultant, elu, elu_other_commune
):
    """Each output is downloaded by every role: the roles listed must get it and see only what the rule allows;
    the others must be refused (so that the list of roles who may download it is complete)."""
    data = build(commune, other_commune, gbm_officer, consultant, elu)
    users = {"gbm": gbm_officer, "consultant": consultant, "elu": elu, "elu_other": elu_other_commune}
    failures, downloads = [], 0
    for output in OUTPUTS:
        path = reverse(output.url_name, kwargs=output.kwargs(data)) if not output.formats else None
        urls = (
            [reverse(output.url_name, kwargs={**output.kwargs(data), "fmt": fmt}) for fmt in output.formats]
            if output.formats
            else [path]
        )
        for url in urls:
            for role in ROLES:
                client = Client()
                if role in users:
                    client.force_login(users[role])
                response = client.get(url + output.query)
                if role not in output.roles:
                    _body(response)
                    if response.status_code == 200:
                        failures.append(f"{url}{output.query} as {role}: answered 200, add the role to OUTPUTS")
                    continue
                if response.status_code != 200:
                    _body(response)
                    failures.append(f"{url}{output.query} as {role}: answered {response.status_code}")
                    continue
                downloads += 1
                text = readable_text(response)
                rule = output.rule(role)
                leaked = sorted(token for token in rule.hidden if _token(token) in text)
                missing = sorted(token for token in rule.shown if _token(token) not in text)
                if leaked:
                    failures.append(f"{url}{output.query} as {role} shows {leaked}")
                if missing:
                    failures.append(f"{url}{output.query} as {role} should show {missing} (text not read?)")
    assert failures == [], "\n".join(failures)
    assert downloads == sum(len(output.roles) * max(1, len(output.formats)) for output in OUTPUTS)
