"""Downloading a deliverable: validated means the validated file.

Once a version of a diagnostic, an action plan, a workshop report or attendance sheet, or a support follow-up sheet is
validated, the document's main PDF button hands out that frozen file (the latest one still valid), never a fresh
rendering stamped "Document de travail". The working draft (the current content, possibly edited since) is offered
apart, under its own URL and a name that says so. Every file is named by `filenames.download_filename`:
`synthese-diagnostic_amagney_v1_2026-11-27.pdf`, `synthese-diagnostic_amagney_document-de-travail_2026-12-02.pdf`.
"""

from django.http import FileResponse, Http404

from core import access
from core.deliverables.registry import render_deliverable
from core.filenames import WORKING_DRAFT, download_filename
from core.models import Deliverable, DeliverableSubject
from core.pdf import frozen_layout_queued, pdf_response

# What each kind of deliverable is called in a file name (short: the commune or workshop follows).
KIND_FILE_NAMES = {
    Deliverable.Kind.DIAGNOSTIC: "synthèse diagnostic",
    Deliverable.Kind.ACTION_PLAN: "plan d'actions",
    Deliverable.Kind.ATTENDANCE_SHEET: "feuille émargement",
    Deliverable.Kind.WORKSHOP_REPORT: "compte rendu atelier",
    Deliverable.Kind.SUPPORT_SHEET: "fiche de suivi",
}
TITLE_SEPARATOR = " — "


def _about(title: str) -> str:
    """Who a deliverable is about, from its title ("Synthèse du diagnostic — Amagney" → "Amagney"): each subject's
    `deliverable_title()` names its commune, workshop or support request after the dash."""
    return title.split(TITLE_SEPARATOR, 1)[1] if TITLE_SEPARATOR in title else title


def frozen_filename(deliverable: Deliverable) -> str:
    """`synthese-diagnostic_amagney_v1_2026-11-27.pdf`: kind, commune or workshop, version, day of validation."""
    return download_filename(
        KIND_FILE_NAMES.get(deliverable.kind, deliverable.kind),
        about=_about(deliverable.title),
        version=deliverable.version,
        on=deliverable.reviewed_at or deliverable.submitted_at,
    )


def working_draft_filename(subject: DeliverableSubject) -> str:
    """`synthese-diagnostic_amagney_document-de-travail_2026-12-02.pdf` (today's date: the draft is made now)."""
    kind = subject.deliverable_kind
    return download_filename(
        KIND_FILE_NAMES.get(kind, kind), about=_about(subject.deliverable_title()), version=WORKING_DRAFT
    )


def versions_seen(request, subject: DeliverableSubject) -> list[Deliverable]:
    """Every version of `subject` the request's user may see, newest first, read once per request: a document page
    asks for them twice, for its main PDF button (`latest_frozen`) and for its deliverable panel (issue 19)."""
    seen = request.__dict__.setdefault("_deliverable_versions", {})
    key = (subject._meta.label, subject.pk)
    if key not in seen:
        seen[key] = list(
            Deliverable.objects.visible_to(request.user)
            .for_subject(subject)
            .select_related("submitted_by", "reviewed_by", "withdrawn_by")
            .order_by("-version")
        )
    return seen[key]


def latest_frozen(
    user, subject: DeliverableSubject | None, *, versions: list[Deliverable] | None = None
) -> Deliverable | None:
    """The latest validated version of `subject` whose file `user` may download; None when there is none.

    `versions`: the subject's versions `user` may see, newest first, when already read (`versions_seen`).
    """
    if subject is None or subject.pk is None:
        return None
    if not access.can_download_frozen_versions(user, subject):
        return None
    if versions is not None:
        return next((version for version in versions if version.is_frozen), None)
    return (
        Deliverable.objects.visible_to(user)
        .for_subject(subject)
        .filter(status=Deliverable.Status.VALIDATED)
        .exclude(sha256="")
        .select_related(None)
        .order_by("-version")
        .first()
    )


def latest_validated_file(user, subject: DeliverableSubject) -> Deliverable | None:
    """The latest validated version of `subject` whose file `user` may download; None when there is none.

    Right after a validation, the task worker is still laying out the version's PDF/A: LayoutQueued is raised then
    (« Document en préparation », until the file is stored), so that the main button never hands out the draft, or
    an older version, in the meantime (issue 25).
    """
    if subject is None or subject.pk is None or not access.can_download_frozen_versions(user, subject):
        return None
    latest = (
        Deliverable.objects.visible_to(user)
        .for_subject(subject)
        .filter(status=Deliverable.Status.VALIDATED)
        .select_related(None)
        .order_by("-version")
        .first()
    )
    if latest is not None and latest.frozen_file_pending:
        raise frozen_layout_queued(latest)
    return latest


def frozen_file_response(deliverable: Deliverable) -> FileResponse:
    """The frozen PDF as it was validated (the stored file, byte for byte)."""
    return FileResponse(
        deliverable.pdf.open("rb"),
        as_attachment=True,
        filename=frozen_filename(deliverable),
        content_type="application/pdf",
    )


def working_draft_response(subject: DeliverableSubject, pdf: bytes | None = None):
    """The current content rendered now (stamped as a working draft or as the version awaiting validation)."""
    return pdf_response(pdf if pdf is not None else render_deliverable(subject), working_draft_filename(subject))


def document_response(request, subject: DeliverableSubject):
    """The main PDF button: the latest validated version the user may download (« en préparation » while its file
    is laid out), else the working draft."""
    frozen = latest_validated_file(request.user, subject)
    if frozen is not None:
        return frozen_file_response(frozen)
    return working_draft_response(subject)


def validated_document_response(user, subject: DeliverableSubject):
    """An élu's main PDF button: the latest validated version of `subject` (the frozen file); 403 when the kind's
    download rule refuses them (`access.can_download_validated_document`), 404 while no version is validated, « en
    préparation » while the validated version's file is laid out."""
    access.require(access.can_download_validated_document(user, subject))
    frozen = latest_validated_file(user, subject)
    if frozen is None:
        raise Http404("Aucune version validée de ce document pour l'instant : il sera téléchargeable une fois validé.")
    return frozen_file_response(frozen)
