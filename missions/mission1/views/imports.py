"""Importing an action plan or a diagnostic from a spreadsheet (a dry run, then « Confirmer l'import »), exporting
them in the same template, and the empty templates."""

from collections.abc import Callable
from dataclasses import dataclass

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from core import access
from core.deliverables import refuse_locked_edit
from core.exports import spreadsheet_response
from core.models import ContentLocked
from core.spreadsheets import previews
from core.spreadsheets.columns import ColumnMap
from core.spreadsheets.forms import SpreadsheetImportForm
from core.spreadsheets.templates import template_response
from missions.mission1.imports import diagnostics as diagnostic_imports
from missions.mission1.imports import plans as plan_imports
from missions.mission1.imports.changes import PreviewOutdated
from missions.mission1.models.action_plans import ActionPlan
from missions.mission1.models.diagnostics import Diagnostic
from missions.mission1.services.action_plans import plan_actions
from missions.mission1.views.action_plans import _plan
from missions.mission1.views.diagnostics import _accompaniment, _diagnostic


@dataclass(frozen=True)
class Importer:
    """What differs between the plan's import and the diagnostic's."""

    kind: str
    model: type
    columns: ColumnMap
    sheet_names: tuple[str, ...]
    preview: Callable
    apply: Callable
    page: str  # URL name of the imported document's page
    upload_url: str
    confirm_url: str
    template_url: str
    title: str


PLAN = Importer(
    kind="plan",
    model=ActionPlan,
    columns=plan_imports.PLAN_COLUMNS,
    sheet_names=plan_imports.SHEET_NAMES,
    preview=plan_imports.preview_plan_import,
    apply=plan_imports.apply_plan_import,
    page="missions:action_plan",
    upload_url="missions:action_plan_import",
    confirm_url="missions:action_plan_import_confirm",
    template_url="missions:action_plan_template",
    title="Importer le plan d'actions",
)
DIAGNOSTIC = Importer(
    kind="diagnostic",
    model=Diagnostic,
    columns=diagnostic_imports.DIAGNOSTIC_COLUMNS,
    sheet_names=diagnostic_imports.SHEET_NAMES,
    preview=diagnostic_imports.preview_diagnostic_import,
    apply=diagnostic_imports.apply_diagnostic_import,
    page="missions:diagnostic",
    upload_url="missions:diagnostic_import",
    confirm_url="missions:diagnostic_import_confirm",
    template_url="missions:diagnostic_template",
    title="Importer le diagnostic (enjeux, constats, pistes d'actions)",
)

EXPIRED_PREVIEW = (
    "L'aperçu de cet import n'est plus disponible : il est gardé une heure, et un import confirmé ne s'applique "
    "qu'une fois. Déposez à nouveau le fichier."
)
OUTDATED_PREVIEW = (
    "Le contenu a changé depuis l'aperçu (une autre personne l'a modifié) : voici ce que l'import ferait "
    "maintenant. Vérifiez-le avant de confirmer."
)


def _target(request, insee_code, importer: Importer):
    accompaniment = _accompaniment(request, insee_code)
    access.require(access.can_import_spreadsheet(request.user))
    return accompaniment, importer.model.objects.filter(accompaniment=accompaniment).first()


def _form(importer: Importer, data=None, files=None) -> SpreadsheetImportForm:
    return SpreadsheetImportForm(data, files, columns=importer.columns, sheet_names=importer.sheet_names)


def _page(request, importer: Importer, accompaniment, form, preview=None, status=200):
    context = {
        "importer": importer,
        "accompaniment": accompaniment,
        "commune": accompaniment.commune,
        "form": form,
        "preview": preview,
        "columns": importer.columns,
    }
    return render(request, "missions/imports/import.html", context, status=status)


def _upload(request, insee_code, importer: Importer):
    accompaniment, subject = _target(request, insee_code, importer)
    if subject is not None and subject.awaits_validation:
        return refuse_locked_edit(request, subject)
    form = _form(importer, request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        preview, stored = importer.preview(accompaniment=accompaniment, parsed=form.parsed)
        if stored is not None:
            previews.store(importer.kind, request.user, accompaniment.pk, stored)
        return _page(request, importer, accompaniment, _form(importer), preview)
    return _page(request, importer, accompaniment, form)


def _confirm(request, insee_code, importer: Importer):
    accompaniment, subject = _target(request, insee_code, importer)
    token = request.POST.get("apercu", "")
    stored = previews.load(importer.kind, request.user, accompaniment.pk, token)
    if stored is None:
        messages.error(request, EXPIRED_PREVIEW)
        return redirect(importer.upload_url, insee_code=insee_code)
    try:
        result = importer.apply(
            accompaniment=accompaniment, stored=stored, accepted=set(request.POST.getlist("contacts")), by=request.user
        )
    except ContentLocked:
        return refuse_locked_edit(request, subject)
    except PreviewOutdated as outdated:
        if outdated.preview.can_confirm:
            previews.store(importer.kind, request.user, accompaniment.pk, outdated.stored)
        messages.warning(request, OUTDATED_PREVIEW)
        return _page(request, importer, accompaniment, _form(importer), outdated.preview, status=409)
    previews.discard(importer.kind, request.user, accompaniment.pk, token)
    messages.success(request, result.summary(stored["filename"]))
    return redirect(importer.page, insee_code=insee_code)


def action_plan_import(request, insee_code):
    return _upload(request, insee_code, PLAN)


@require_POST
def action_plan_import_confirm(request, insee_code):
    return _confirm(request, insee_code, PLAN)


def diagnostic_import(request, insee_code):
    return _upload(request, insee_code, DIAGNOSTIC)


@require_POST
def diagnostic_import_confirm(request, insee_code):
    return _confirm(request, insee_code, DIAGNOSTIC)


def action_plan_export(request, insee_code, fmt):
    """The plan in the import template: exporting then importing it changes nothing."""
    plan = _plan(request, insee_code)
    actions = plan_actions(plan)
    columns = plan_imports.export_plan_columns(actions, today_year=timezone.localdate().year)
    return spreadsheet_response(actions, columns, f"plan-d-actions-{plan.accompaniment.commune.insee_code}", fmt)


def action_plan_template(request, fmt):
    return template_response(plan_imports.TEMPLATE, fmt)


def diagnostic_export(request, insee_code, fmt):
    diagnostic = _diagnostic(request, insee_code)
    rows = diagnostic_imports.diagnostic_rows(diagnostic)
    filename = f"diagnostic-{diagnostic.accompaniment.commune.insee_code}"
    return spreadsheet_response(rows, diagnostic_imports.diagnostic_columns(), filename, fmt)


def diagnostic_template(request, fmt):
    return template_response(diagnostic_imports.TEMPLATE, fmt)
