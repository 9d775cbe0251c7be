"""Mission 3 writes: intake of support requests, the joint decision, the staged follow-up, the follow-up sheet.

Each function is one transaction. E-mails to the requester are queued once the transaction is committed and sent
by the task worker (`notifications.queue_email`): a mail server down never undoes nor fails a recorded request or
decision.
"""

import logging
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.template.loader import render_to_string
from django.utils import timezone

from core import access
from core.deliverables import row_content
from core.models import User
from core.notifications import notify, queue_email
from core.pdf import render_pdf
from missions.mission1.models.meetings import Meeting
from missions.programme.choices import Mission
from missions.programme.models import Programme
from missions.support.models import (
    FinancingLine,
    StepDocument,
    SupportPriorityWeights,
    SupportRequest,
    SupportStep,
    TransitionError,
)
from missions.support.selectors import explain_priority, request_with_priority

logger = logging.getLogger(__name__)

NUMBERING_ATTEMPTS = 5


class SupportError(TransitionError):
    """A write the request's state or the programme does not allow; the message is French."""


# E-mails ---------------------------------------------------------------------------------------------
def _mail_requester(template: str, support_request: SupportRequest) -> None:
    """Queue one of the requester's mails (`emails/support/<template>`), sent once the transaction commits."""
    # Only élus have an account: a third party gets no link to a page they could not open.
    context = {
        "support_request": support_request,
        "with_link": support_request.door == SupportRequest.Door.ELU,
        "site_url": settings.SITE_URL.rstrip("/"),
    }
    subject = " ".join(render_to_string(f"emails/support/{template}_subject.txt", context).split())
    body = render_to_string(f"emails/support/{template}.txt", context)
    queue_email(to=[support_request.email], subject=subject, body=body)


# Intake ----------------------------------------------------------------------------------------------
def save_with_reference(support_request: SupportRequest) -> None:
    """Give the request the next number of its year; two requests saved at the same moment never share one."""
    support_request.year = support_request.received_on.year
    for attempt in range(NUMBERING_ATTEMPTS):
        last = SupportRequest.objects.filter(year=support_request.year).aggregate(last=Max("number"))["last"]
        support_request.number = (last or 0) + 1
        try:
            with transaction.atomic():
                support_request.save()
            return
        except IntegrityError:
            if attempt == NUMBERING_ATTEMPTS - 1:
                raise


@transaction.atomic
def register_support_request(
    *, support_request: SupportRequest, door: str, submitted_by: User | None = None
) -> SupportRequest:
    """Record a new request from one of the three doors, number it, and acknowledge it by e-mail.

    The requester receives the reference; GBM officers are told a new request is waiting (except the
    officer who recorded it). The programme is the current one when the form did not set it.
    """
    if support_request.pk:
        raise SupportError("Cette demande est déjà enregistrée.")
    if not support_request.programme_id:
        programme = Programme.objects.current()
        if programme is None:
            raise SupportError("Aucun programme n'est en cours : la demande ne peut pas être enregistrée.")
        support_request.programme = programme
    support_request.door = door
    support_request.submitted_by = submitted_by
    support_request.status = SupportRequest.Status.RECEIVED
    if door != SupportRequest.Door.TEAM:
        support_request.channel = SupportRequest.Channel.PORTAL
        support_request.received_on = timezone.localdate()
    save_with_reference(support_request)
    support_request.events.create(status=SupportRequest.Status.RECEIVED, by=submitted_by, at=timezone.now())

    _mail_requester("received", support_request)
    officers = User.objects.gbm_officers()
    if submitted_by is not None:
        officers = officers.exclude(pk=submitted_by.pk)
    notify(
        "demande_nouvelle",
        officers,
        subject=f"Nouvelle demande d'accompagnement {support_request.reference}",
        context={"request": support_request},
        path=support_request.get_absolute_url(),
    )
    return support_request


# Status changes --------------------------------------------------------------------------------------
def _locked(support_request: SupportRequest) -> SupportRequest:
    return SupportRequest.objects.select_for_update().select_related("commune", "programme").get(pk=support_request.pk)


@transaction.atomic
def start_review(*, support_request: SupportRequest, by: User) -> SupportRequest:
    """The team starts examining a received request with the contractor (reçue → en instruction)."""
    access.require(access.can_follow_support_request(by))
    support_request = _locked(support_request)
    support_request.start_review(by=by)
    return support_request


@dataclass(frozen=True)
class Decision:
    accepted: bool
    reason: str
    feasibility: str
    support_nature: str = ""
    allotted_half_days: Decimal | None = None
    steps: tuple[str, ...] = ()
    action: object | None = None
    order_form: object | None = None


@transaction.atomic
def decide_support_request(*, support_request: SupportRequest, decision: Decision, by: User) -> SupportRequest:
    """GBM accepts or refuses a request under instruction, as agreed with the contractor.

    Accepting creates the chosen steps of the follow-up. The priority of the request at this moment is
    frozen with the decision (transparency), and the requester is told the outcome and its reason.
    """
    access.require(access.can_decide_support_request(by))
    support_request = _locked(support_request)
    if decision.accepted and not decision.steps:
        raise SupportError("Choisissez au moins une étape d'accompagnement pour accepter la demande.")
    if decision.action is not None and decision.action.plan.accompaniment.commune_id != support_request.commune_id:
        raise SupportError("L'action choisie n'appartient pas au plan d'actions de cette commune.")
    order_form = decision.order_form
    if order_form is not None and (
        order_form.mission != Mission.LOCAL_PROJECTS
        or order_form.programme_id != support_request.programme_id
        or order_form.commune_id not in (None, support_request.commune_id)
    ):
        raise SupportError("Le bon de commande doit être un bon de Mission 3 du programme, pour cette commune.")
    weights = SupportPriorityWeights.load()
    priority = explain_priority(request_with_priority(support_request, weights=weights), weights).as_dict()
    support_request.record_decision(
        accepted=decision.accepted,
        by=by,
        reason=decision.reason,
        feasibility=decision.feasibility,
        support_nature=decision.support_nature,
        allotted_half_days=decision.allotted_half_days,
        action=decision.action,
        order_form=order_form,
        priority=priority,
    )
    if decision.accepted:
        # One by one (seven at most) so that each step's history starts with its creation.
        for kind in sorted(set(decision.steps), key=SupportStep.KIND_ORDER.__getitem__):
            SupportStep.objects.create(request=support_request, kind=kind, position=SupportStep.KIND_ORDER[kind])
    _mail_requester("decision", support_request)
    if support_request.commune_id:
        notify(
            "demande_decision",
            User.objects.elus_of(support_request.commune).exclude(email=support_request.email),
            subject=f"Décision sur la demande {support_request.reference}",
            context={"request": support_request},
            path=support_request.get_absolute_url(),
        )
    return support_request


@transaction.atomic
def start_follow_up(*, support_request: SupportRequest, by: User) -> SupportRequest:
    """The support of an accepted request begins (acceptée → en cours)."""
    access.require(access.can_follow_support_request(by))
    support_request = _locked(support_request)
    support_request.start_follow_up(by=by)
    return support_request


@transaction.atomic
def complete_support_request(*, support_request: SupportRequest, by: User, note: str = "") -> SupportRequest:
    """The support is over (en cours → terminée); the requester is told."""
    access.require(access.can_follow_support_request(by))
    support_request = _locked(support_request)
    support_request.complete(by=by, note=note)
    _mail_requester("closed", support_request)
    return support_request


@transaction.atomic
def abandon_support_request(*, support_request: SupportRequest, by: User, reason: str) -> SupportRequest:
    """The project stops before its end (acceptée or en cours → abandonnée); the requester is told why."""
    access.require(access.can_follow_support_request(by))
    support_request = _locked(support_request)
    support_request.abandon(by=by, reason=reason)
    _mail_requester("closed", support_request)
    return support_request


# Follow-up -------------------------------------------------------------------------------------------
def _check_followed(support_request: SupportRequest) -> None:
    if not support_request.is_followed:
        raise SupportError("Le suivi se modifie tant que la demande est acceptée ou en cours d'accompagnement.")


def _sheet_edited(support_request: SupportRequest) -> None:
    """Changing what the follow-up sheet shows starts its next version once a version was validated."""
    previous = support_request.workflow_status
    support_request.mark_edited()
    if support_request.workflow_status != previous:
        SupportRequest.objects.filter(pk=support_request.pk).update(workflow_status=support_request.workflow_status)


@transaction.atomic
def save_step(*, form, by: User) -> bool:
    """Save a step's state, dates and notes (optimistic lock); False when someone saved it in between."""
    access.require(access.can_follow_support_request(by))
    step = form.instance
    _check_followed(step.request)
    if not form.save_versioned():
        return False
    _sheet_edited(step.request)
    return True


@transaction.atomic
def add_step_document(*, step: SupportStep, title: str, file, by: User) -> StepDocument:
    """Attach a document (already checked by the upload validator) to a step."""
    access.require(access.can_follow_support_request(by))
    _check_followed(step.request)
    return StepDocument.objects.create(step=step, title=title, file=file, uploaded_by=by)


@transaction.atomic
def save_financing_plan(*, support_request: SupportRequest, formset, version_form, by: User) -> bool:
    """Save the financing plan's lines as one edit, in the order shown.

    The plan is part of the request's follow-up sheet and shares its version (`version_form`, opened with the
    page): refused (False, French error on `version_form`, nothing written) when someone saved the request since.
    """
    access.require(access.can_follow_support_request(by))
    _check_followed(support_request)
    support_request.mark_edited()

    def save_lines(saved_request):
        formset.instance = saved_request
        lines = formset.save(commit=False)
        for line in formset.deleted_objects:
            line.delete()
        for line in lines:
            if line.nature == FinancingLine.Nature.EXPENSE:
                line.status = ""
            line.save()

    return version_form.save_versioned(commit_extra=save_lines)


@transaction.atomic
def save_support_request(*, form, by: User) -> bool:
    """Save the request's description or its evaluation (optimistic lock); False on a concurrent save."""
    access.require(access.can_follow_support_request(by))
    support_request = form.instance
    support_request.mark_edited()
    return form.save_versioned()


@transaction.atomic
def link_meeting(*, support_request: SupportRequest, meeting: Meeting, by: User) -> None:
    """Attach a meeting of the request's commune to the request (its page and sheet list it)."""
    access.require(access.can_follow_support_request(by))
    if meeting.commune_id != support_request.commune_id:
        raise SupportError("Seule une réunion de la commune concernée peut être rattachée à la demande.")
    Meeting.objects.filter(pk=meeting.pk).update(support_request=support_request)


@transaction.atomic
def unlink_meeting(*, meeting: Meeting, by: User) -> None:
    access.require(access.can_follow_support_request(by))
    Meeting.objects.filter(pk=meeting.pk).update(support_request=None)


# Financing plan and sheet ----------------------------------------------------------------------------
@dataclass(frozen=True)
class FinancingSummary:
    expenses: list[FinancingLine]
    resources: list[FinancingLine]
    total_expenses: Decimal
    total_resources: Decimal
    total_secured: Decimal

    @property
    def balance(self) -> Decimal:
        """Resources minus expenses: negative means part of the project is not financed yet."""
        return self.total_resources - self.total_expenses

    @property
    def remaining_to_finance(self) -> Decimal:
        return max(Decimal("0"), -self.balance)

    @property
    def is_balanced(self) -> bool:
        return self.balance == 0


def financing_summary(lines) -> FinancingSummary:
    """Totals of a financing plan from its lines (already fetched: no query)."""
    lines = list(lines)
    expenses = [line for line in lines if line.nature == FinancingLine.Nature.EXPENSE]
    resources = [line for line in lines if line.nature == FinancingLine.Nature.RESOURCE]
    return FinancingSummary(
        expenses=expenses,
        resources=resources,
        total_expenses=sum((line.amount for line in expenses), Decimal("0")),
        total_resources=sum((line.amount for line in resources), Decimal("0")),
        total_secured=sum(
            (line.amount for line in resources if line.status == FinancingLine.Status.SECURED), Decimal("0")
        ),
    )


def support_sheet_context(support_request: SupportRequest, *, deliverable=None) -> dict:
    """Everything the follow-up and evaluation sheet shows, fetched in a fixed number of queries."""
    support_request = (
        SupportRequest.objects.select_related(
            "commune", "programme", "decided_by", "action", "action__plan__accompaniment"
        )
        .prefetch_related("steps__documents", "financing_lines", "meetings", "events__by")
        .get(pk=support_request.pk)
    )
    steps = list(support_request.steps.all())
    calendar = sorted(
        [
            (step.planned_start or step.started_on, step.planned_end or step.completed_on, step.get_kind_display())
            for step in steps
            if step.planned_start or step.started_on
        ],
        key=lambda row: row[0],
    )
    return {
        "support_request": support_request,
        "subject": support_request,
        "programme": support_request.programme,
        "commune": support_request.commune,
        "steps": steps,
        "financing": financing_summary(support_request.financing_lines.all()),
        "meetings": sorted(support_request.meetings.all(), key=lambda meeting: meeting.starts_at),
        "events": list(support_request.events.all()),
        "calendar": calendar,
        "deliverable": deliverable,
        "generated_at": timezone.localtime(),
    }


def render_support_sheet_pdf(support_request: SupportRequest, *, deliverable=None) -> bytes:
    """The "Fiche de suivi et d'évaluation"; archival PDF/A when a validated version is frozen."""
    context = support_sheet_context(support_request, deliverable=deliverable)
    return render_pdf("missions/pdf/support_sheet.html", context, archival=deliverable is not None)


# The requester's name and coordinates follow the person (erasure), not the version validated.
REQUESTER_FIELDS = ["contact_name", "email", "phone"]


def support_sheet_content(support_request: SupportRequest) -> dict:
    """What the follow-up and evaluation sheet says (the request, its decision, steps, financing, evaluation and
    linked meetings), hashed when a version is submitted."""
    support_request = SupportRequest.objects.prefetch_related("steps__documents", "financing_lines", "meetings").get(
        pk=support_request.pk
    )
    return {
        "request": row_content(support_request, exclude=REQUESTER_FIELDS),
        "steps": [
            {**row_content(step), "documents": sorted(document.pk for document in step.documents.all())}
            for step in sorted(support_request.steps.all(), key=lambda step: step.pk)
        ],
        "financing": [
            row_content(line) for line in sorted(support_request.financing_lines.all(), key=lambda line: line.pk)
        ],
        "meetings": sorted(meeting.pk for meeting in support_request.meetings.all()),
    }


def support_sheets_naming(contact) -> list[int]:
    """The support requests whose sheet names this person: sent from their e-mail address."""
    if not contact.email:
        return []
    return list(SupportRequest.objects.filter(email__iexact=contact.email).values_list("pk", flat=True))
