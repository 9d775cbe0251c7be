"""Importing the contact directory from a spreadsheet or an address-book export (a dry run, then « Confirmer
l'import »), and its empty template. GBM officers and consultants only: the directory is theirs (DESIGN.md)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from communes import contact_import as directory
from core import access
from core.spreadsheets import previews
from core.spreadsheets.forms import SpreadsheetImportForm
from core.spreadsheets.templates import template_response
from core.submissions import once_per_submission

TARGET = 0  # the directory has no commune: one preview slot per person
EXPIRED_PREVIEW = (
    "L'aperçu de cet import n'est plus disponible : il est gardé une heure, et un import confirmé ne s'applique "
    "qu'une fois. Déposez à nouveau le fichier."
)
CHANGED = (
    "L'annuaire a changé depuis l'aperçu (une autre personne y a ajouté des contacts) : voici ce que l'import ferait "
    "maintenant. Vérifiez-le avant de confirmer."
)


def _form(data=None, files=None) -> SpreadsheetImportForm:
    return SpreadsheetImportForm(data, files, columns=directory.CONTACT_COLUMNS, sheet_names=directory.SHEET_NAMES)


def _page(request, form, preview=None, status=200):
    context = {"form": form, "preview": preview, "columns": directory.CONTACT_COLUMNS}
    return render(request, "communes/contact_import.html", context, status=status)


@login_required
def contact_import(request):
    access.require(access.can_manage_contacts(request.user))
    form = _form(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        preview, stored = directory.preview_contact_import(parsed=form.parsed)
        if stored is not None:
            previews.store(directory.KIND, request.user, TARGET, stored)
        return _page(request, _form(), preview)
    return _page(request, form)


@require_POST
@once_per_submission
@login_required
def contact_import_confirm(request):
    access.require(access.can_manage_contacts(request.user))
    token = request.POST.get("apercu", "")
    stored = previews.load(directory.KIND, request.user, TARGET, token)
    if stored is None:
        messages.error(request, EXPIRED_PREVIEW)
        return redirect("communes:contact_import")
    previewed = [int(line) for line in request.POST.getlist("lignes") if line.isdigit()]
    try:
        created = directory.apply_contact_import(stored=stored, previewed=previewed, by=request.user)
    except directory.DirectoryChanged as changed:
        messages.warning(request, CHANGED)
        return _page(request, _form(), changed.preview, status=409)
    previews.discard(directory.KIND, request.user, TARGET, token)
    count = len(created)
    messages.success(
        request,
        f"Import du fichier « {stored['filename']} » : {count} contact{'s' if count > 1 else ''} "
        f"créé{'s' if count > 1 else ''}, leur consentement au partage des coordonnées non renseigné.",
    )
    return redirect("communes:contact_list")


@login_required
def contact_template(request, fmt):
    access.require(access.can_manage_contacts(request.user))
    return template_response(directory.TEMPLATE, fmt)
