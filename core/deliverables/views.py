"""Views of the deliverable workflow, shared by every kind of deliverable."""

from django import forms
from django.contrib import messages
from django.core.exceptions import ImproperlyConfigured
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from core import access
from core.checklists import advisory
from core.deliverables.downloads import frozen_file_response
from core.deliverables.registry import awaiting_other_approval, deliverable_type, to_validate_now, with_ready_at
from core.deliverables.workflow import (
    reissue_deliverable,
    return_deliverable,
    returned_unchanged,
    submit_deliverable,
    validate_deliverable,
    validation_refusal,
)
from core.models import LOCKED_MESSAGE, Deliverable, DeliverableSubject, WorkflowError
from core.pdf import frozen_layout_queued
from core.querysets import get_visible_or_404


class ReturnForm(forms.Form):
    comment = forms.CharField(
        label="Ce qui doit être corrigé",
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=5000,
        error_messages={"required": "Indiquez ce qui doit être corrigé avant de renvoyer le livrable."},
    )


class ReissueForm(forms.Form):
    reason = forms.CharField(
        label="Motif de la réédition",
        help_text="Par exemple : une personne citée a retiré son consentement. Le motif reste attaché à la version retirée.",
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=500,
        error_messages={"required": "Indiquez le motif de la réédition."},
    )


def subject_model_for(kind: str) -> type[DeliverableSubject]:
    try:
        model = deliverable_type(kind).model
    except ImproperlyConfigured:
        model = None
    if model is None:
        raise Http404("Livrable inconnu.")
    return model


def refuse_locked_edit(request, subject: DeliverableSubject):
    """The answer of an edit page while a submitted version is locked: the French message, back to the document."""
    messages.error(request, LOCKED_MESSAGE)
    return redirect(subject.deliverable_url())


@require_POST
def submit(request, kind, pk):
    model = subject_model_for(kind)
    subject = get_visible_or_404(model, request.user, pk=pk)
    access.require(access.can_write_field_work(request.user))
    returned = None if request.POST.get("sans_modification") else returned_unchanged(subject)
    if returned is not None:  # sent back and not changed since: said, with GBM's comment, before sending it again
        context = {"subject": subject, "returned": returned, "kind": kind}
        return render(request, "pat_portal/deliverable_resubmit_unchanged.html", context)
    try:
        deliverable = submit_deliverable(subject=subject, by=request.user)
    except WorkflowError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, f"Version {deliverable.version} soumise à la validation de GBM.")
        for item in advisory(subject.submission_checklist()):
            messages.warning(request, f"À compléter si possible : {item.message}.")
    return redirect(subject.deliverable_url())


def validate(request, pk):
    """Validation freezes a version for good: GET says so on a confirmation page, POST validates."""
    deliverable = get_visible_or_404(Deliverable, request.user, pk=pk)
    access.require(access.can_validate(request.user))
    if request.method == "POST":
        try:
            deliverable = validate_deliverable(deliverable=deliverable, by=request.user)
        except WorkflowError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, f"Version {deliverable.version} validée : son PDF est figé.")
        return redirect(deliverable.subject.deliverable_url())
    context = {"deliverable": deliverable, "refusal": validation_refusal(deliverable)}
    return render(request, "pat_portal/deliverable_validate.html", context)


def send_back(request, pk):
    deliverable = get_visible_or_404(Deliverable, request.user, pk=pk)
    access.require(access.can_validate(request.user))
    form = ReturnForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            return_deliverable(deliverable=deliverable, by=request.user, comment=form.cleaned_data["comment"])
        except WorkflowError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, "Le livrable a été renvoyé à ses auteurs avec votre commentaire.")
        return redirect(deliverable.subject.deliverable_url())
    return render(request, "pat_portal/deliverable_return.html", {"deliverable": deliverable, "form": form})


def frozen_pdf(request, pk):
    deliverable = get_visible_or_404(Deliverable, request.user, pk=pk)
    if deliverable.frozen_file_pending:
        access.require(access.can_download_frozen_versions(request.user, deliverable.subject))
        raise frozen_layout_queued(deliverable)  # « Document en préparation », until the worker has stored the file
    if not deliverable.is_frozen:
        raise Http404("Cette version n'est pas validée, ou elle a été retirée : aucun PDF figé à télécharger.")
    access.require(access.can_download_frozen_versions(request.user, deliverable.subject))
    return frozen_file_response(deliverable)


def awaiting(request):
    """« À valider »: what GBM can validate now (the count every page shows), then apart what waits for another
    approval (an action plan for its municipal council), whose delay does not run for GBM."""
    access.require(access.is_team(request.user))
    visible = with_ready_at(
        Deliverable.objects.visible_to(request.user)
        .select_related("commune", "submitted_by")
        .with_validation_due_days()
    )
    # ?type=plan: the action plans only; ?type=autres: every other kind (the two lists of GBM's home link here).
    chosen = request.GET.get("type")
    if chosen == "plan":
        visible = visible.filter(kind=Deliverable.Kind.ACTION_PLAN)
    elif chosen == "autres":
        visible = visible.exclude(kind=Deliverable.Kind.ACTION_PLAN)
    context = {
        "deliverables": list(to_validate_now(visible).order_by("ready_at", "pk")),
        "elsewhere": list(awaiting_other_approval(visible).order_by("submitted_at", "pk")),
    }
    return render(request, "pat_portal/deliverable_list.html", context)


def subject_page(request, pk):
    deliverable = get_visible_or_404(Deliverable, request.user, pk=pk)
    return redirect(deliverable.subject.deliverable_url())


def reissue(request, pk):
    """GBM re-issues a frozen version from the current data; the old one is withdrawn from download."""
    deliverable = get_visible_or_404(Deliverable, request.user, pk=pk)
    access.require(access.can_validate(request.user))
    if not access.can_reissue_deliverable(request.user, deliverable):
        messages.error(request, "Seule une version validée et téléchargeable peut être rééditée.")
        return redirect(deliverable.subject.deliverable_url())
    form = ReissueForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            new = reissue_deliverable(deliverable=deliverable, by=request.user, reason=form.cleaned_data["reason"])
        except WorkflowError as error:
            messages.error(request, str(error))
        else:
            if new is None:
                messages.warning(
                    request,
                    f"La version {deliverable.version} est retirée sans être rééditée : une version plus récente "
                    "existe, ou le contenu a changé depuis sa validation (la prochaine version validée la remplacera).",
                )
            else:
                messages.success(
                    request, f"Version {new.version} émise ; la version {deliverable.version} est retirée."
                )
        return redirect(deliverable.subject.deliverable_url())
    return render(request, "pat_portal/deliverable_reissue.html", {"deliverable": deliverable, "form": form})
