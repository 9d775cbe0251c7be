"""The deliverable workflow, built once and used by every deliverable of the programme.

submit (GBM officer or consultant): a new version; the SHA-256 of its content is recorded and the content is
       locked (every edit is refused) until GBM has looked at it
  → validate (GBM): only the content submitted, unchanged; its PDF is frozen as PDF/A with its SHA-256
  ↘ return with a comment (GBM): the content is unlocked → edit → submit again (the next version).
Editing validated content prepares the next version; a validated version never changes. GBM may re-issue a frozen
version from the current data (a person it names was erased or withdrew consent): the old one is withdrawn from
download, its hash and dates kept for the record.

What differs between kinds (the PDF, the content hashed, who downloads frozen versions, which people a PDF names)
is registered by each domain at start-up: see `registry`. Other packages import all this from `core.deliverables`.
"""

from collections.abc import Iterable

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Max, Q
from django.utils import timezone

from core import access, pdf
from core.deliverables.registry import (
    content_sha256,
    registered_types,
    render_deliverable,
)
from core.french import de
from core.models import (
    Deliverable,
    DeliverableSubject,
    User,
    WorkflowError,
    WorkflowStatus,
)
from core.notifications import notify
from core.tasks import queue_frozen_layout, store_frozen_pdf


def _lock_subject(subject: DeliverableSubject) -> DeliverableSubject:
    return type(subject)._base_manager.select_for_update().get(pk=subject.pk)


def lock_for_edit(subject: DeliverableSubject) -> DeliverableSubject:
    """Lock the subject's row for an edit of its content, in the caller's transaction; raise ContentLocked (French
    message, 403) while a submitted version awaits validation. Submitting locks the same row, so an edit and a
    submission never interleave. A subject not saved yet has nothing submitted."""
    if subject.pk is None:
        return subject
    current = _lock_subject(subject)
    current.check_editable()
    return current


def _last_version(subject: DeliverableSubject) -> int:
    return Deliverable.objects.for_subject(subject).aggregate(last=Max("version"))["last"] or 0


def returned_unchanged(subject: DeliverableSubject) -> Deliverable | None:
    """The version GBM sent back, when the content is still exactly what was sent back (same SHA-256): submitting
    now would send GBM the same content again. None otherwise (two queries: the last version, the content)."""
    last = Deliverable.objects.for_subject(subject).order_by("-version").first()
    if last is None or last.status != Deliverable.Status.RETURNED:
        return None
    return last if last.content_sha256 == content_sha256(subject) else None


@transaction.atomic
def submit_deliverable(*, subject: DeliverableSubject, by: User) -> Deliverable:
    """A consultant or GBM officer submits the current content for validation, as a new version.

    The SHA-256 of the content is recorded: GBM can only validate that content. Until GBM validates the version
    or sends it back, the content is locked.
    """
    if not access.can_write_field_work(by):
        raise PermissionDenied
    caller_subject, subject = subject, _lock_subject(subject)
    if subject.workflow_status == WorkflowStatus.SUBMITTED:
        raise WorkflowError("Ce livrable est déjà soumis : il attend la validation de GBM.")
    if subject.workflow_status == WorkflowStatus.VALIDATED:
        raise WorkflowError("Cette version est déjà validée : modifiez le contenu pour préparer une nouvelle version.")
    subject.check_submittable()
    deliverable = Deliverable.objects.create(
        content_type=ContentType.objects.get_for_model(subject),
        object_id=subject.pk,
        version=_last_version(subject) + 1,
        kind=subject.deliverable_kind,
        commune=subject.deliverable_commune(),
        title=subject.deliverable_title()[:300],
        status=Deliverable.Status.SUBMITTED,
        submitted_by=by,
        submitted_at=timezone.now(),
        content_sha256=content_sha256(subject),
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


def _freeze(deliverable: Deliverable, subject: DeliverableSubject) -> None:
    """Render the version's archival PDF once, store it and record its SHA-256 and size.

    The HTML is written here, from the content being validated, under the same lock; its layout (seconds for a long
    document, issue 19) is the task worker's (`tasks.freeze_deliverable_pdf`, queued in this transaction): the
    validation is recorded at once, and the version is frozen (`is_frozen`) once its file is stored. A kind whose
    PDF is not one `render_pdf` call is laid out here, as before.
    """
    with pdf.capturing_layouts() as layouts:
        render_deliverable(subject, deliverable=deliverable)
    deliverable.save()
    if len(layouts) == 1:
        queue_frozen_layout(deliverable.pk, layouts[0])
    else:
        store_frozen_pdf(deliverable.pk, render_deliverable(subject, deliverable=deliverable))
    deliverable.refresh_from_db(fields=["sha256", "pdf_size", "pdf"])


def _refuse_unless_validatable(deliverable: Deliverable, subject: DeliverableSubject) -> None:
    if deliverable.content_sha256 and content_sha256(subject) != deliverable.content_sha256:
        raise WorkflowError(
            f"Le contenu a changé depuis la soumission de la version {deliverable.version} : ce n'est plus ce qui "
            "a été soumis. Renvoyez cette version pour que ses auteurs soumettent la suivante."
        )
    subject.check_validatable(deliverable)


def validation_refusal(deliverable: Deliverable) -> str:
    """Why validating this version now would be refused, in French ('' when it would go through).

    The confirmation page reads it before GBM confirms; validate_deliverable applies the same checks under lock.
    """
    if deliverable.status != Deliverable.Status.SUBMITTED:
        return "Seul un livrable soumis peut être validé : cette version a déjà été validée, renvoyée ou retirée."
    try:
        _refuse_unless_validatable(deliverable, deliverable.subject)
    except WorkflowError as error:
        return str(error)
    return ""


@transaction.atomic
def validate_deliverable(*, deliverable: Deliverable, by: User) -> Deliverable:
    """A GBM officer validates a submitted version: its PDF/A is rendered once and frozen with its hash.

    Refused when the content is no longer the one submitted (its SHA-256 differs): GBM sends the version back and
    its authors submit the next one.
    """
    deliverable, subject = _locked_submitted(deliverable, by)
    _refuse_unless_validatable(deliverable, subject)
    deliverable.status = Deliverable.Status.VALIDATED
    deliverable.reviewed_by = by
    deliverable.reviewed_at = timezone.now()
    _freeze(deliverable, subject)
    subject.workflow_status = WorkflowStatus.VALIDATED
    subject.save(update_fields=["workflow_status"])
    subject.after_validation()
    _notify_review(deliverable, subject)
    if deliverable.kind == Deliverable.Kind.ACTION_PLAN and deliverable.commune is not None:
        notify(
            "plan_valide",
            User.objects.elus_of(deliverable.commune),
            subject=f"Plan d'actions {de(deliverable.commune)} validé",
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
    """A GBM officer sends a submitted version back to its authors, saying what to change; the content is unlocked.

    The version stays on record (comment, who, when); the corrected content will be the next version.
    """
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
    subject.after_return()
    _notify_review(deliverable, subject)
    return deliverable


# Re-issuing frozen versions ------------------------------------------------------------------------------------


def _withdraw(deliverable: Deliverable, *, by: User | None, reason: str, now) -> None:
    """Withdraw a frozen version from download: its file is deleted (it may carry what a person asked to remove)
    once the transaction commits; its version, dates, hash and size stay on record."""
    stored, storage = deliverable.pdf.name, deliverable.pdf.storage
    deliverable.status = Deliverable.Status.WITHDRAWN
    deliverable.withdrawn_at = now
    deliverable.withdrawn_by = by
    deliverable.withdrawal_reason = reason[:500]
    deliverable.pdf = ""
    deliverable.save()
    if stored:
        transaction.on_commit(lambda: storage.delete(stored))


def _reissue(deliverable: Deliverable, *, by: User | None, reason: str) -> Deliverable | None:
    deliverable = Deliverable.objects.select_for_update().get(pk=deliverable.pk)
    if deliverable.status != Deliverable.Status.VALIDATED:
        raise WorkflowError("Seule une version validée peut être rééditée.")
    subject = _lock_subject(deliverable.subject)
    latest = Deliverable.objects.for_subject(subject).validated().order_by("-version").first()
    # Re-rendered only when it would show what was validated: the latest validated version, content not edited
    # since (a subject being edited is a draft; its hash tells the rest).
    unchanged = subject.workflow_status == WorkflowStatus.VALIDATED and (
        not deliverable.content_sha256 or content_sha256(subject) == deliverable.content_sha256
    )
    _withdraw(deliverable, by=by, reason=reason, now=timezone.now())
    if latest.pk != deliverable.pk or not unchanged:
        return None
    reissued = Deliverable(
        content_type=deliverable.content_type,
        object_id=deliverable.object_id,
        kind=deliverable.kind,
        commune=deliverable.commune,
        title=subject.deliverable_title()[:300],
        version=_last_version(subject) + 1,
        status=Deliverable.Status.VALIDATED,
        submitted_by=deliverable.submitted_by,
        submitted_at=deliverable.submitted_at,
        reviewed_by=deliverable.reviewed_by,
        reviewed_at=deliverable.reviewed_at,
        content_sha256=deliverable.content_sha256,
        reissue_of=deliverable,
    )
    _freeze(reissued, subject)
    return reissued


@transaction.atomic
def reissue_deliverable(*, deliverable: Deliverable, by: User, reason: str) -> Deliverable | None:
    """A GBM officer re-issues a frozen version from the current data, saying why.

    The old version is withdrawn from download (hash and dates kept for the record); the new one, numbered next,
    is frozen the same way and states which version it replaces. When the content was edited since validation,
    nothing is re-rendered (None): the old version is only withdrawn and the next validated version replaces it.
    """
    if not access.can_validate(by):
        raise PermissionDenied
    if not reason.strip():
        raise WorkflowError("Indiquez le motif de la réédition : il reste attaché à la version retirée.")
    return _reissue(deliverable, by=by, reason=reason.strip())


def frozen_versions_carrying(contact, *, kinds: Iterable[str] | None = None) -> list[Deliverable]:
    """The frozen versions whose PDF shows this person (name or contact details), as each kind declares it."""
    wanted = set(kinds) if kinds is not None else None
    query = Q(pk__in=[])
    for deliverable_type in registered_types():
        if deliverable_type.carrying is None or (wanted is not None and deliverable_type.kind not in wanted):
            continue
        subject_ids = list(deliverable_type.carrying(contact))
        if subject_ids:
            query |= Q(kind=deliverable_type.kind, object_id__in=subject_ids)
    return list(Deliverable.objects.validated().filter(query).select_related("commune").order_by("pk"))


@transaction.atomic
def reissue_versions(versions: Iterable[Deliverable], *, by: User | None, reason: str) -> list[Deliverable]:
    """Withdraw frozen versions that show a person who was erased or withdrew consent, and re-issue each one from
    the current data where its content is unchanged; returns the versions re-issued. `by` is whoever recorded the
    erasure or the withdrawal (None for the scheduled erasure): the person's choice, not GBM's, decides here."""
    reissued = []
    for version in versions:
        new = _reissue(version, by=by, reason=reason)
        if new is not None:
            reissued.append(new)
    return reissued
