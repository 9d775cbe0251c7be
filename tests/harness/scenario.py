"""The permission matrix's scenario: one object of each kind in a commune, and MATRIX, the answer every role must
get for every URL that takes an object (GET and a forged POST).

Codes: L = redirected to the login page; "ok" = allowed (200, or 302 after a write/redirect, or 400 for
an incomplete form); 403 forbidden; 404 outside the user's scope; 405 method not allowed. Profiles are tuples in
the order of ROLES. The scenario and MATRIX also give the query-count test its object pages and the form fuzzer
its state.
"""

import datetime
from decimal import Decimal

from django.core.files.base import ContentFile

from core import invitations
from core.deliverables import submit_deliverable, validate_deliverable
from core.models import User
from missions.mission1.models.share_links import PlanShareLink
from pat_portal.pages.models import ProgrammeReportEdition
from tests.factories import CommuneFactory, ContactFactory, ProgrammeFactory, UserFactory, failed_mail
from tests.factories_ateliers import RegistrationFactory, ResourceFactory, WorkshopFactory
from tests.factories_mission1 import (
    AccompanimentFactory,
    ActionFactory,
    ActionLeadFactory,
    ActionPlanFactory,
    DiagnosticFactory,
    IndicatorFactory,
    IndicatorValueFactory,
    MeetingFactory,
)
from tests.factories_orders import OrderFormFactory, OrderLineFactory, TimeEntryFactory
from tests.factories_support import FinancingLineFactory, SupportRequestFactory, SupportStepFactory

ROLES = ["gbm", "consultant", "elu", "elu_other", "anonymous"]

# Profiles: expected answers per role (gbm, consultant, élu of the object's commune, élu of another, anonymous).
READ = ("ok", "ok", "ok", 404, "L")  # the object belongs to a commune: its élus read it, others get 404
TEAM_READ = ("ok", "ok", 403, 404, "L")  # team-only page about a commune's object
TEAM_ONLY = ("ok", "ok", 404, 404, "L")  # objects élus never see (order forms, time)
OPEN_READ = ("ok", "ok", "ok", "ok", "L")  # open to every commune (workshops)
TEAM_WRITE = ("ok", "ok", 403, 404, "L")
TEAM_WRITE_OPEN = ("ok", "ok", 403, 403, "L")  # object visible to every élu, written by the team only
GBM_WRITE = ("ok", 403, 403, 404, "L")
GBM_WRITE_OPEN = ("ok", 403, 403, 403, "L")
GBM_ONLY_HIDDEN = ("ok", 403, 404, 404, "L")
ELU_WRITE = (403, 403, "ok", 404, "L")
POST_ONLY = (405, 405, 405, 405, "L")
ELU_REGISTRATION_WRITE = ("ok", "ok", "ok", 404, "L")  # élus manage their own commune's registrations
SHARE_WRITE = ("ok", 403, "ok", 404, "L")  # the commune's élus and GBM share their plan with the council
SHARE_REVOKE = (404, 403, 404, 404, "L")  # a forged POST names no link of the plan
TEAM_PROGRAMME = ("ok", "ok", 403, 403, "L")  # programme-wide team documents (no commune): every élu refused
PUBLIC_TOKEN = (404, 404, 404, 404, 404)  # a token-addressed public page: an unknown token is not found, for anyone
PUBLIC_TOKEN_POST = (405, 405, 405, 405, 405)
VALIDATED_ONLY = ("ok", "ok", 404, 404, "L")  # élus get a document's validated version only; none in the scenario
VALIDATED_REPORT = ("ok", "ok", 404, 403, "L")  # likewise, for élus whose commune took part in the workshop
DEAD_INVITATION = (410, 410, 410, 410, 410)  # an invitation link no invitation has: "ce lien ne fonctionne plus"


def scenario(commune, other_commune, consultant):
    programme = ProgrammeFactory()
    accompaniment = AccompanimentFactory(programme=programme, commune=commune)
    AccompanimentFactory(programme=programme, commune=other_commune)
    contact = ContactFactory(commune=commune)
    meeting = MeetingFactory(accompaniment=accompaniment)
    diagnostic = DiagnosticFactory(accompaniment=accompaniment, with_content=True)
    lead = ActionLeadFactory(diagnostic=diagnostic)
    plan = ActionPlanFactory(accompaniment=accompaniment)
    action = ActionFactory(plan=plan)
    indicator = IndicatorFactory(action=action)
    # The diagnostic is validated (frozen: its PDF, its poster, its re-issue) and the plan submitted; the workflow
    # URLs act on the submitted attendance sheet of a past workshop (an élu sees no submitted version: 404).
    gbm = UserFactory(gbm=True)
    frozen = validate_deliverable(deliverable=submit_deliverable(subject=diagnostic, by=consultant), by=gbm)
    submit_deliverable(subject=plan, by=consultant)
    # The council's délibération as the approval attaches it (its download only asks who may see the plan).
    plan.council_decision_file.save("deliberation.pdf", ContentFile(b"%PDF-1.4\n%%EOF\n"), save=True)
    order_form = OrderFormFactory(programme=programme, commune=commune)
    line = OrderLineFactory(order_form=order_form)
    order_form.signed_scan.save("bon.pdf", ContentFile(b"%PDF-1.4\n%%EOF\n"), save=True)
    time_entry = TimeEntryFactory(consultant=consultant, order_line=line, date=datetime.date.today())
    request = SupportRequestFactory(programme=programme, commune=commune, in_progress=True)
    step = SupportStepFactory(request=request)
    document = step.documents.create(
        title="Devis", file=ContentFile(b"%PDF-1.4\n%%EOF\n", name="devis.pdf"), uploaded_by=consultant
    )
    FinancingLineFactory(request=request, amount=Decimal("10"))
    meeting.support_request = request
    meeting.save()
    workshop = WorkshopFactory(programme=programme)
    registration = RegistrationFactory(workshop=workshop, contact=contact, commune=commune)
    resource = ResourceFactory(workshop=workshop)
    held = WorkshopFactory(programme=programme, held=True)
    RegistrationFactory(workshop=held, contact=contact, commune=commune, present=True)
    deliverable = submit_deliverable(subject=held.attendance_sheet, by=consultant)
    edition = ProgrammeReportEdition.objects.create(programme=programme, commentary="Bilan", created_by=gbm)
    edition.pdf.save("bilan.pdf", ContentFile(b"%PDF-1.4\n%%EOF\n"), save=True)
    today = datetime.date.today()
    invitation, invitation_token = invitations.invite(
        invitations.Invitee(
            first_name="Lou", last_name="Invitée", email="lou.invitee@example.org", role=User.Role.ELU, commune=commune
        ),
        by=gbm,
        send=False,
    )
    return {
        "failed_mail": failed_mail().pk,
        "insee": commune.insee_code,
        "invitation": invitation.pk,
        "invitation_token": invitation_token,
        "person": consultant.pk,
        "contact": contact.pk,
        "accompaniment": accompaniment.pk,
        "meeting": meeting.pk,
        "lead": lead.pk,
        "action": action.pk,
        "indicator": indicator.pk,
        "deliverable": deliverable.pk,
        "frozen": frozen.pk,
        "edition": edition.pk,
        "diagnostic": diagnostic.pk,
        "order_form": order_form.pk,
        "time_entry": time_entry.pk,
        "request": request.pk,
        "step": step.pk,
        "document": document.pk,
        "workshop": workshop.pk,
        "registration": registration.pk,
        "resource": resource.pk,
        "theme": workshop.theme_id,
        "year": today.year,
        "month": today.month,
    }


def draft_copies(programme_id) -> dict:
    """An accompaniment whose diagnostic and plan are drafts, so that their edit forms save (the scenario's are
    validated or submitted: their edit pages only say so)."""
    accompaniment = AccompanimentFactory(
        programme_id=programme_id, commune=CommuneFactory(insee_code="25111", name="Chalezeule", population=1_200)
    )
    diagnostic = DiagnosticFactory(accompaniment=accompaniment, with_content=True)
    lead = ActionLeadFactory(diagnostic=diagnostic)
    action = ActionFactory(plan=ActionPlanFactory(accompaniment=accompaniment))
    ActionFactory(plan=action.plan)  # a second one, for the move buttons
    return {
        "draft_insee": accompaniment.commune.insee_code,
        "draft_lead": lead.pk,
        "draft_action": action.pk,
        "draft_indicator": IndicatorFactory(action=action).pk,
        "draft_plan": action.plan_id,
    }


def approved_plan(programme_id, gbm, consultant) -> dict:
    """A plan its commune approved (it may be shared with the council), with one share link to revoke."""
    accompaniment = AccompanimentFactory(
        programme_id=programme_id, commune=CommuneFactory(insee_code="25115", name="Chalèze", population=400)
    )
    DiagnosticFactory(accompaniment=accompaniment, with_content=True)
    plan = ActionPlanFactory(accompaniment=accompaniment)
    # Every relation the shared page prefetches holds a row, so its query count is the same at any size.
    IndicatorValueFactory(indicator__action=ActionFactory(plan=plan))
    submit_deliverable(subject=plan, by=consultant)
    plan.refresh_from_db()
    plan.approve(by=gbm, council_decision_date=datetime.date(2025, 4, 10))
    _link, token = PlanShareLink.create_for(
        plan, by=gbm, expires_on=datetime.date.today() + datetime.timedelta(days=60)
    )
    return {"shared_insee": accompaniment.commune.insee_code, "share_token": token, "shared_plan": plan.pk}


# name: (kwargs from the scenario, GET profile, POST profile)
MATRIX = {
    "invitation_accept": (lambda s: {"token": "x" * 43}, DEAD_INVITATION, DEAD_INVITATION),
    "communes:person_edit": (lambda s: {"pk": s["person"]}, GBM_WRITE_OPEN, GBM_WRITE_OPEN),
    "communes:invitation_resend": (lambda s: {"pk": s["invitation"]}, POST_ONLY, GBM_WRITE_OPEN),
    "resend_failed_mail": (lambda s: {"pk": s["failed_mail"]}, POST_ONLY, GBM_WRITE_OPEN),
    "communes:invitation_revoke": (lambda s: {"pk": s["invitation"]}, POST_ONLY, GBM_WRITE_OPEN),
    "communes:portrait_refresh": (lambda s: {"insee_code": s["insee"]}, POST_ONLY, TEAM_WRITE),
    "communes:portrait_candidate_to_contact": (lambda s: {"insee_code": s["insee"]}, POST_ONLY, TEAM_WRITE),
    "deliverable_submit": (lambda s: {"kind": "diagnostic", "pk": s["diagnostic"]}, POST_ONLY, TEAM_WRITE),
    "deliverable_subject": (lambda s: {"pk": s["deliverable"]}, TEAM_ONLY, TEAM_ONLY),
    "deliverable_validate": (lambda s: {"pk": s["deliverable"]}, GBM_ONLY_HIDDEN, GBM_ONLY_HIDDEN),
    "deliverable_return": (lambda s: {"pk": s["deliverable"]}, GBM_ONLY_HIDDEN, GBM_ONLY_HIDDEN),
    # A validated version: its commune's élus see it (403 on the re-issue), the other commune's do not.
    "deliverable_reissue": (lambda s: {"pk": s["frozen"]}, GBM_WRITE, GBM_WRITE),
    "deliverable_pdf": (lambda s: {"pk": s["frozen"]}, READ, READ),
    "communes:detail": (lambda s: {"insee_code": s["insee"]}, READ, READ),
    "commune_status": (lambda s: {"insee_code": s["insee"]}, READ, POST_ONLY),
    "commune_status_pdf": (lambda s: {"insee_code": s["insee"]}, READ, POST_ONLY),
    "programme_report_edition_pdf": (lambda s: {"pk": s["edition"]}, TEAM_PROGRAMME, TEAM_PROGRAMME),
    "commune_reminder": (lambda s: {"insee_code": s["insee"]}, GBM_WRITE, GBM_WRITE),
    "communes:contact_update": (lambda s: {"pk": s["contact"]}, TEAM_ONLY, TEAM_ONLY),
    # The contact directory's import: no commune, the team only (DESIGN.md), every élu refused.
    "communes:contact_import": (lambda s: {}, TEAM_PROGRAMME, TEAM_PROGRAMME),
    # The pickers' search: every logged-in reader (a GET without a search is a 400, "ok"); what each may find is
    # tested in tests/communes/test_people_search.py (an élu: their commune only, another commune 404). GET only.
    "communes:contact_search": (lambda s: {}, OPEN_READ, POST_ONLY),
    "communes:contact_import_confirm": (lambda s: {}, POST_ONLY, TEAM_PROGRAMME),
    "missions:accompaniment_update": (lambda s: {"pk": s["accompaniment"]}, TEAM_READ, TEAM_WRITE),
    "missions:meeting_detail": (lambda s: {"pk": s["meeting"]}, READ, READ),
    "missions:meeting_update": (lambda s: {"pk": s["meeting"]}, TEAM_READ, TEAM_WRITE),
    "missions:diagnostic": (lambda s: {"insee_code": s["insee"]}, READ, READ),
    "missions:diagnostic_update": (lambda s: {"insee_code": s["insee"]}, TEAM_READ, TEAM_WRITE),
    "missions:diagnostic_figures": (lambda s: {"insee_code": s["insee"]}, TEAM_READ, TEAM_WRITE),
    "missions:diagnostic_pdf": (lambda s: {"insee_code": s["insee"]}, READ, READ),
    "missions:diagnostic_draft_pdf": (lambda s: {"insee_code": s["insee"]}, READ, READ),
    "missions:diagnostic_poster_pdf": (lambda s: {"insee_code": s["insee"]}, READ, READ),
    "missions:diagnostic_history": (lambda s: {"insee_code": s["insee"]}, TEAM_READ, TEAM_READ),
    "missions:action_plan": (lambda s: {"insee_code": s["insee"]}, READ, READ),
    "missions:action_plan_update": (lambda s: {"insee_code": s["insee"]}, TEAM_READ, TEAM_WRITE),
    "missions:action_plan_calendar": (lambda s: {"insee_code": s["insee"]}, READ, READ),
    "missions:action_plan_pdf": (lambda s: {"insee_code": s["insee"]}, READ, READ),
    "missions:action_plan_draft_pdf": (lambda s: {"insee_code": s["insee"]}, READ, READ),
    "missions:action_plan_deliberation": (lambda s: {"insee_code": s["insee"]}, READ, READ),
    "missions:action_plan_history": (lambda s: {"insee_code": s["insee"]}, TEAM_READ, TEAM_READ),
    "missions:action_plan_approve": (lambda s: {"insee_code": s["insee"]}, ELU_WRITE, ELU_WRITE),
    "missions:action_create": (lambda s: {"insee_code": s["insee"]}, TEAM_READ, TEAM_WRITE),
    "missions:action_from_lead": (lambda s: {"insee_code": s["insee"], "lead_pk": s["lead"]}, POST_ONLY, TEAM_WRITE),
    "missions:action_plan_import": (lambda s: {"insee_code": s["insee"]}, TEAM_READ, TEAM_WRITE),
    "missions:action_plan_import_confirm": (lambda s: {"insee_code": s["insee"]}, POST_ONLY, TEAM_WRITE),
    "missions:diagnostic_import": (lambda s: {"insee_code": s["insee"]}, TEAM_READ, TEAM_WRITE),
    "missions:diagnostic_import_confirm": (lambda s: {"insee_code": s["insee"]}, POST_ONLY, TEAM_WRITE),
    "missions:share_link_create": (lambda s: {"insee_code": s["insee"]}, SHARE_WRITE, SHARE_WRITE),
    "missions:share_link_revoke": (lambda s: {"insee_code": s["insee"]}, POST_ONLY, SHARE_REVOKE),
    "missions:shared_plan": (lambda s: {"token": "x" * 43}, PUBLIC_TOKEN, PUBLIC_TOKEN_POST),
    "missions:action_detail": (lambda s: {"pk": s["action"]}, READ, READ),
    "missions:action_update": (lambda s: {"pk": s["action"]}, TEAM_READ, TEAM_WRITE),
    "missions:action_move": (lambda s: {"pk": s["action"], "direction": "monter"}, POST_ONLY, TEAM_WRITE),
    "missions:action_add_note": (lambda s: {"pk": s["action"]}, POST_ONLY, TEAM_WRITE),
    "missions:indicator_create": (lambda s: {"action_pk": s["action"]}, TEAM_READ, TEAM_WRITE),
    "missions:indicator_update": (lambda s: {"action_pk": s["action"], "pk": s["indicator"]}, TEAM_READ, TEAM_WRITE),
    "communes:contact_anonymise": (lambda s: {"pk": s["contact"]}, GBM_ONLY_HIDDEN, GBM_ONLY_HIDDEN),
    "communes:contact_personal_data": (lambda s: {"pk": s["contact"]}, GBM_ONLY_HIDDEN, POST_ONLY),
    "missions:order_form_detail": (lambda s: {"pk": s["order_form"]}, TEAM_ONLY, POST_ONLY),
    "missions:order_form_pdf": (lambda s: {"pk": s["order_form"]}, TEAM_ONLY, POST_ONLY),
    "missions:order_form_scan": (lambda s: {"pk": s["order_form"]}, TEAM_ONLY, POST_ONLY),
    "missions:time_update": (lambda s: {"pk": s["time_entry"]}, TEAM_ONLY, TEAM_ONLY),
    "missions:time_delete": (lambda s: {"pk": s["time_entry"]}, POST_ONLY, TEAM_ONLY),
    "missions:time_month_lock": (lambda s: {"year": s["year"], "month": s["month"]}, POST_ONLY, GBM_ONLY_HIDDEN),
    "missions:time_month_unlock": (lambda s: {"year": s["year"], "month": s["month"]}, POST_ONLY, GBM_ONLY_HIDDEN),
    "missions:support_detail": (lambda s: {"pk": s["request"]}, READ, READ),
    "missions:support_update": (lambda s: {"pk": s["request"]}, TEAM_READ, TEAM_WRITE),
    "missions:support_history": (lambda s: {"pk": s["request"]}, TEAM_READ, TEAM_READ),
    # élus: the validated sheet only, and the scenario has none yet (issue 17: no longer 403)
    "missions:support_pdf": (lambda s: {"pk": s["request"]}, VALIDATED_ONLY, VALIDATED_ONLY),
    "missions:support_draft_pdf": (lambda s: {"pk": s["request"]}, TEAM_READ, TEAM_READ),
    "missions:support_start_review": (lambda s: {"pk": s["request"]}, POST_ONLY, TEAM_WRITE),
    "missions:support_decide": (lambda s: {"pk": s["request"]}, GBM_WRITE, GBM_WRITE),
    "missions:support_start_follow_up": (lambda s: {"pk": s["request"]}, POST_ONLY, TEAM_WRITE),
    "missions:support_complete": (lambda s: {"pk": s["request"]}, TEAM_READ, TEAM_WRITE),
    "missions:support_abandon": (lambda s: {"pk": s["request"]}, TEAM_READ, TEAM_WRITE),
    "missions:support_financing": (lambda s: {"pk": s["request"]}, TEAM_READ, TEAM_WRITE),
    "missions:support_evaluation": (lambda s: {"pk": s["request"]}, TEAM_READ, TEAM_WRITE),
    "missions:support_step_update": (lambda s: {"pk": s["request"], "step_pk": s["step"]}, TEAM_READ, TEAM_WRITE),
    "missions:support_step_document_add": (
        lambda s: {"pk": s["request"], "step_pk": s["step"]},
        TEAM_READ,
        TEAM_WRITE,
    ),
    "missions:support_document": (lambda s: {"pk": s["request"], "document_pk": s["document"]}, READ, READ),
    "missions:support_meeting_link": (lambda s: {"pk": s["request"]}, POST_ONLY, TEAM_WRITE),
    "missions:support_meeting_unlink": (
        lambda s: {"pk": s["request"], "meeting_pk": s["meeting"]},
        POST_ONLY,
        TEAM_WRITE,
    ),
    "ateliers:detail": (lambda s: {"pk": s["workshop"]}, OPEN_READ, OPEN_READ),
    "ateliers:update": (lambda s: {"pk": s["workshop"]}, TEAM_WRITE_OPEN, TEAM_WRITE_OPEN),
    "ateliers:mark_held": (lambda s: {"pk": s["workshop"]}, POST_ONLY, TEAM_WRITE_OPEN),
    "ateliers:cancel": (lambda s: {"pk": s["workshop"]}, TEAM_WRITE_OPEN, TEAM_WRITE_OPEN),
    "ateliers:history": (lambda s: {"pk": s["workshop"]}, TEAM_WRITE_OPEN, TEAM_WRITE_OPEN),
    "ateliers:report": (lambda s: {"pk": s["workshop"]}, OPEN_READ, OPEN_READ),
    "ateliers:report_update": (lambda s: {"pk": s["workshop"]}, TEAM_WRITE_OPEN, TEAM_WRITE_OPEN),
    # élus whose commune took part: the validated report only, none yet (404); other élus 403 (issue 17)
    "ateliers:report_pdf": (lambda s: {"pk": s["workshop"]}, VALIDATED_REPORT, VALIDATED_REPORT),
    "ateliers:report_draft_pdf": (lambda s: {"pk": s["workshop"]}, TEAM_WRITE_OPEN, TEAM_WRITE_OPEN),
    "ateliers:attendance": (lambda s: {"pk": s["workshop"]}, TEAM_WRITE_OPEN, TEAM_WRITE_OPEN),
    "ateliers:attendance_pdf": (lambda s: {"pk": s["workshop"]}, TEAM_WRITE_OPEN, TEAM_WRITE_OPEN),
    "ateliers:attendance_draft_pdf": (lambda s: {"pk": s["workshop"]}, TEAM_WRITE_OPEN, TEAM_WRITE_OPEN),
    "ateliers:registration_create": (lambda s: {"pk": s["workshop"]}, OPEN_READ, OPEN_READ),
    "ateliers:registration_bulk": (lambda s: {"pk": s["workshop"]}, OPEN_READ, OPEN_READ),
    # the people picker's "+ Nouvelle personne": élus too, for people of their own commune (their default)
    "ateliers:registration_new_person": (lambda s: {"pk": s["workshop"]}, OPEN_READ, OPEN_READ),
    "ateliers:registration_detail": (
        lambda s: {"pk": s["workshop"], "registration_pk": s["registration"]},
        ELU_REGISTRATION_WRITE,
        ELU_REGISTRATION_WRITE,
    ),
    "ateliers:registration_consent": (  # recorded by the team only: an élu cannot consent for someone (issue 15)
        lambda s: {"pk": s["workshop"], "registration_pk": s["registration"]},
        POST_ONLY,
        TEAM_WRITE,
    ),
    "ateliers:registration_consent_request": (  # the person is asked by e-mail, by the team or their commune's élu
        lambda s: {"pk": s["workshop"], "registration_pk": s["registration"]},
        POST_ONLY,
        ELU_REGISTRATION_WRITE,
    ),
    "ateliers:registration_withdraw": (
        lambda s: {"pk": s["workshop"], "registration_pk": s["registration"]},
        ELU_REGISTRATION_WRITE,
        ELU_REGISTRATION_WRITE,
    ),
    "ateliers:registration_cancel": (
        lambda s: {"pk": s["workshop"], "registration_pk": s["registration"]},
        ELU_REGISTRATION_WRITE,
        ELU_REGISTRATION_WRITE,
    ),
    "ateliers:resource_create": (lambda s: {"pk": s["workshop"]}, TEAM_WRITE_OPEN, TEAM_WRITE_OPEN),
    "ateliers:resource_download": (
        lambda s: {"pk": s["workshop"], "resource_pk": s["resource"]},
        OPEN_READ,
        OPEN_READ,
    ),
    "ateliers:resource_delete": (
        lambda s: {"pk": s["workshop"], "resource_pk": s["resource"]},
        TEAM_WRITE_OPEN,
        TEAM_WRITE_OPEN,
    ),
    "ateliers:theme_detail": (lambda s: {"pk": s["theme"]}, OPEN_READ, OPEN_READ),
    "ateliers:theme_update": (lambda s: {"pk": s["theme"]}, TEAM_WRITE_OPEN, TEAM_WRITE_OPEN),
    "ateliers:theme_review": (lambda s: {"pk": s["theme"]}, GBM_WRITE_OPEN, GBM_WRITE_OPEN),
    "ateliers:theme_history": (lambda s: {"pk": s["theme"]}, TEAM_WRITE_OPEN, TEAM_WRITE_OPEN),
}
