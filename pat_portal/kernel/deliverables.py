"""The deliverable workflow, built once and used by every deliverable of the programme.

submit (GBM officer or consultant) → validate (GBM: the PDF is frozen as PDF/A with its SHA-256)
                                   ↘ return with a comment (GBM) → edit → submit again.
Editing validated content starts the next version; a validated version never changes.
"""

import hashlib

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from pat_portal.kernel import access
from pat_portal.kernel.models import Deliverable, DeliverableSubject, User, WorkflowStatus
from pat_portal.kernel.notifications import notify


class WorkflowError(Exception):
    """A transition that the current state does not allow; the message is French and shown to the user."""


def _lock_subject(subject: DeliverableSubject) -> DeliverableSubject:
    return type(subject)._base_manager.select_for_update().get(pk=subject.pk)


@transaction.atomic
def submit_deliverable(*, subject: DeliverableSubject, by: User) -> Deliverable:
    """A consultant or GBM officer submits the current content for validation."""
    if not access.can_write_field_work(by):
        raise PermissionDenied
    caller_subject, subject = subject, _lock_subject(subject)
    if subject.workflow_status == WorkflowStatus.SUBMITTED:
        raise WorkflowError("Ce livrable est déjà soumis : il attend la validation de GBM.")
    if subject.workflow_status == WorkflowStatus.VALIDATED:
        raise WorkflowError("Cette version est déjà validée : modifiez le contenu pour préparer une nouvelle version.")
    subject.check_submittable()
    existing = Deliverable.objects.for_subject(subject)
    last_validated = existing.filter(status=Deliverable.Status.VALIDATED).order_by("-version").first()
    version = (last_validated.version if last_validated else 0) + 1
    now = timezone.now()
    deliverable, _ = Deliverable.objects.update_or_create(
        content_type=ContentType.objects.get_for_model(subject),
        object_id=subject.pk,
        version=version,
        defaults={
            "kind": subject.deliverable_kind,
            "commune": subject.deliverable_commune(),
            "title": subject.deliverable_title()[:300],
            "status": Deliverable.Status.SUBMITTED,
            "submitted_by": by,
            "submitted_at": now,
            "reviewed_by": None,
            "reviewed_at": None,
        },
    )
    subject.workflow_status = WorkflowStatus.SUBMITTED
    subject.save(update_fields=["workflow_status"])
    caller_subject.workflow_status = subject.workflow_status
    notify(
        "livrable_soumis",
        User.objects.gbm_officers(),
        subject=f"À valider : {deliverable.title}",
        context={"deliverable": deliverable},
        path=subject.deliverable_url(),
    )
    return deliverable


def _locked_submitted(deliverable: Deliverable, by: User) -> tuple[Deliverable, DeliverableSubject]:
    if not access.can_validate(by):
        raise PermissionDenied
    deliverable = Deliverable.objects.select_for_update().get(pk=deliverable.pk)
    if deliverable.status == Deliverable.Status.VALIDATED:
        raise WorkflowError("Cette version est déjà validée : elle ne peut plus changer.")
    if deliverable.status != Deliverable.Status.SUBMITTED:
        raise WorkflowError("Seul un livrable soumis peut être validé ou renvoyé.")
    subject = _lock_subject(deliverable.subject)
    return deliverable, subject


@transaction.atomic
def validate_deliverable(*, deliverable: Deliverable, by: User) -> Deliverable:
    """A GBM officer validates a submitted deliverable: its PDF/A is rendered once and frozen with its hash."""
    deliverable, subject = _locked_submitted(deliverable, by)
    subject.check_validatable()
    deliverable.status = Deliverable.Status.VALIDATED
    deliverable.reviewed_by = by
    deliverable.reviewed_at = timezone.now()
    pdf = subject.deliverable_pdf(deliverable=deliverable)
    deliverable.sha256 = hashlib.sha256(pdf).hexdigest()
    deliverable.pdf_size = len(pdf)
    deliverable.pdf.save(f"v{deliverable.version}.pdf", ContentFile(pdf), save=False)
    deliverable.save()
    subject.workflow_status = WorkflowStatus.VALIDATED
    subject.save(update_fields=["workflow_status"])
    subject.after_validation()
    _notify_review(deliverable, subject)
    if deliverable.kind == Deliverable.Kind.ACTION_PLAN and deliverable.commune is not None:
        notify(
            "plan_valide",
            User.objects.elus_of(deliverable.commune),
            subject=f"Plan d'actions de {deliverable.commune} validé",
            context={"deliverable": deliverable, "commune": deliverable.commune},
            path=subject.deliverable_url(),
        )
    return deliverable


def _notify_review(deliverable: Deliverable, subject: DeliverableSubject) -> None:
    verb = "validé" if deliverable.status == Deliverable.Status.VALIDATED else "renvoyé pour corrections"
    notify(
        "livrable_examine",
        [deliverable.submitted_by],
        subject=f"{deliverable.title} : {verb}",
        context={"deliverable": deliverable},
        path=subject.deliverable_url(),
    )


@transaction.atomic
def return_deliverable(*, deliverable: Deliverable, by: User, comment: str) -> Deliverable:
    """A GBM officer sends a submitted deliverable back to its authors, saying what to change."""
    if not comment.strip():
        raise WorkflowError("Indiquez ce qui doit être corrigé avant de renvoyer le livrable.")
    deliverable, subject = _locked_submitted(deliverable, by)
    deliverable.status = Deliverable.Status.RETURNED
    deliverable.reviewed_by = by
    deliverable.reviewed_at = timezone.now()
    deliverable.review_comment = comment.strip()
    deliverable.save()
    subject.workflow_status = WorkflowStatus.RETURNED
    subject.save(update_fields=["workflow_status"])
    _notify_review(deliverable, subject)
    return deliverable
