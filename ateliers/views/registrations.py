from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from ateliers import consent, selectors, services
from ateliers.forms import AttendanceForm, BulkRegistrationForm, ConsentForm, RegistrationForm
from ateliers.models import Registration, RegistrationError, Workshop, WorkshopError
from communes import picker
from communes.forms import QuickContactForm
from core import access
from core.concurrency import StaleEdit
from core.french import de
from core.history import history_entries
from core.querysets import get_visible_or_404
from core.submissions import once_per_submission


def _visible_registration(request, pk, registration_pk):
    workshop = get_visible_or_404(Workshop.objects.select_related("theme"), request.user, pk=pk)
    registration = get_visible_or_404(
        Registration.objects.select_related("contact", "commune", "consent_withdrawn_by", "consent_recorded_by"),
        request.user,
        pk=registration_pk,
        workshop=workshop,
    )
    return workshop, registration


@once_per_submission
def registration_create(request, pk):
    workshop = get_visible_or_404(Workshop.objects.select_related("theme"), request.user, pk=pk)
    access.require(access.is_team(request.user) or access.is_elu(request.user))
    form = RegistrationForm(request.POST or None, user=request.user, workshop=workshop)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            registration = services.register_participant(
                workshop=workshop,
                by=request.user,
                contact=data["contact"],
                new_contact=form.new_contact(),
                consent=data.get("consent_to_share", False),
                consent_date=data.get("consent_date"),
                consent_method=data.get("consent_method", ""),
            )
        except RegistrationError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, f"{registration.contact} est inscrit·e à l'{workshop}.")
            if form.asks_consent:
                _ask_consent(request, registration)
            elif form.asks_consent_on_the_sheet:
                messages.info(
                    request,
                    f"Sans e-mail, l'accord {de(registration.contact)} pour partager ses coordonnées lui sera demandé "
                    "sur la feuille d'émargement ; elles restent privées d'ici là.",
                )
            if "inscrire_autre" in request.POST:
                return redirect("ateliers:registration_create", workshop.pk)
            return redirect(workshop)
    return render(request, "ateliers/registration_form.html", {"workshop": workshop, "form": form})


def registration_bulk(request, pk):
    """Many people at once: the people picker, the list to tick, a pasted list matched against the directory."""
    workshop = get_visible_or_404(Workshop.objects.select_related("theme"), request.user, pk=pk)
    access.require(access.is_team(request.user) or access.is_elu(request.user))
    initial = {"list_commune": request.GET.get("commune")}  # the team's list to tick: a commune's people
    form = BulkRegistrationForm(request.POST or None, user=request.user, workshop=workshop, initial=initial)
    if request.method == "POST" and form.is_valid():
        form.match()
        if "inscrire" in request.POST and not form.unknown_now:
            result = services.register_participants(
                workshop=workshop,
                by=request.user,
                contacts=form.chosen(),
                new_contacts=form.people_to_create(),
                present=form.cleaned_data.get("present", False),
            )
            _report_bulk_registration(request, workshop, result, form)
            return redirect(workshop)
        form = form.rebound_after_matching()
    context = {"workshop": workshop, "form": form}
    return render(request, "ateliers/registration_bulk.html", context)


def _report_bulk_registration(request, workshop, result, form) -> None:
    count = len(result.registered)
    if count:
        names = ", ".join(str(registration.contact) for registration in result.registered)
        people = "personne inscrite" if count == 1 else "personnes inscrites"
        messages.success(request, f"{count} {people} à l'{workshop} : {names}.")
    elif not result.refused:
        messages.info(request, "Personne n'a été choisi : aucune inscription.")
    for refusal in result.refused:
        messages.error(request, f"Non inscrit·e — {refusal}")
    already = form.already_registered()  # pasted and « Inscrire » at once: said as the matching step says it
    if already:
        names = ", ".join(str(line.contact) for line in already)
        messages.info(request, f"Déjà inscrit·e·s, rien n'a changé pour elles et eux : {names}.")
    created = set(form.cleaned_data.get("create", []))
    left = [line for index, line in enumerate(form.unknown) if index not in created]
    if left:
        messages.warning(request, f"Lignes laissées de côté (ni trouvées ni créées) : {' ; '.join(left)}.")


def registration_new_person(request, pk):
    """The people picker's "+ Nouvelle personne" on a workshop's registration page: the team creates anyone (with a
    consent documented as in the directory); an élu only people of their own commune, without recording a consent
    (the person gives it on the signed sheet or by the e-mailed link). A commune outside the élu's is 404."""
    workshop = get_visible_or_404(Workshop, request.user, pk=pk)
    user = request.user
    access.require(access.is_team(user) or access.is_elu(user))
    named = picker.visible_commune_or_404(user, request.GET.get("commune") or request.POST.get("commune"))
    if user.is_elu:
        commune = named or user.commune
        # As register_participant rules: an élu registers people only while the workshop is planned.
        access.require(workshop.is_planned and access.can_register_for_workshop(user, commune))
        form = QuickContactForm(
            request.POST or None, prefix=picker.QUICK_FORM_PREFIX, with_consent=False, with_commune=False
        )
        return picker.quick_create_response(request, form, commune=commune, picker_commune=commune)
    form = QuickContactForm(request.POST or None, prefix=picker.QUICK_FORM_PREFIX, initial={"commune": named})
    return picker.quick_create_response(request, form, picker_commune=named)


def _ask_consent(request, registration):
    try:
        consent.request_consent_confirmation(registration=registration, by=request.user)
    except RegistrationError as error:
        messages.error(request, str(error))
    else:
        messages.info(
            request,
            f"Un e-mail demande à {registration.contact} s'il ou elle accepte le partage de ses coordonnées ; "
            "elles restent privées jusqu'à sa réponse.",
        )


def _registration_page(request, workshop, registration, consent_form=None):
    can_manage = access.can_manage_registration(request.user, registration)
    can_record = can_manage and access.can_record_consent(request.user)
    if consent_form is None and can_record and not registration.consent_to_share:
        consent_form = ConsentForm()
    if consent_form is not None:
        consent_form.helper.form_action = reverse("ateliers:registration_consent", args=[workshop.pk, registration.pk])
    context = {
        "workshop": workshop,
        "registration": registration,
        "show_details": access.can_see_contact_details(request.user, registration),
        "can_manage": can_manage,
        "can_ask_consent": can_manage and not registration.consent_to_share and bool(registration.contact.email),
        "can_cancel": can_manage and (request.user.is_team or workshop.is_planned),
        "consent_form": consent_form,
        "entries": history_entries(registration.history.select_related("history_user")),
    }
    return render(request, "ateliers/registration_detail.html", context)


def registration_detail(request, pk, registration_pk):
    workshop, registration = _visible_registration(request, pk, registration_pk)
    return _registration_page(request, workshop, registration)


@require_POST
def registration_consent(request, pk, registration_pk):
    workshop, registration = _visible_registration(request, pk, registration_pk)
    access.require(access.can_manage_registration(request.user, registration))
    access.require(access.can_record_consent(request.user))
    form = ConsentForm(request.POST)
    if form.is_valid():
        try:
            registration.give_consent(
                date=form.cleaned_data["consent_date"], method=form.cleaned_data["consent_method"], by=request.user
            )
        except (RegistrationError, StaleEdit) as error:
            messages.error(request, str(error))
        else:
            messages.success(
                request, "Consentement enregistré : ses coordonnées figureront dans les listes partagées."
            )
        return redirect("ateliers:registration_detail", workshop.pk, registration.pk)
    return _registration_page(request, workshop, registration, consent_form=form)


@require_POST
def registration_consent_request(request, pk, registration_pk):
    """E-mail the person a link to confirm their consent themselves (the way an élu asks for it)."""
    workshop, registration = _visible_registration(request, pk, registration_pk)
    access.require(access.can_manage_registration(request.user, registration))
    _ask_consent(request, registration)
    return redirect("ateliers:registration_detail", workshop.pk, registration.pk)


@login_not_required
def consent_confirm(request, token):
    """The page of the e-mailed link: the person reads what is shared and with whom, then agrees (POST)."""
    try:
        registration, _nonce = consent.registration_for_link(token)
        if request.method == "POST":
            registration = consent.confirm_consent_from_link(token)
            return render(request, "ateliers/consent_confirmed.html", {"registration": registration})
    except RegistrationError as error:
        return render(request, "ateliers/consent_link_invalid.html", {"message": str(error)}, status=400)
    return render(request, "ateliers/consent_confirm.html", {"registration": registration})


def registration_withdraw(request, pk, registration_pk):
    workshop, registration = _visible_registration(request, pk, registration_pk)
    access.require(access.can_manage_registration(request.user, registration))
    if request.method == "POST":
        try:
            count = services.withdraw_consent(registration=registration, by=request.user)
        except RegistrationError as error:
            messages.error(request, str(error))
        else:
            messages.success(
                request,
                f"Retrait du consentement enregistré ({count} inscription{'s' if count > 1 else ''}) : "
                "les listes produites désormais ne montrent plus ses coordonnées.",
            )
        return redirect("ateliers:registration_detail", workshop.pk, registration.pk)
    return render(request, "ateliers/registration_withdraw.html", {"workshop": workshop, "registration": registration})


def registration_cancel(request, pk, registration_pk):
    workshop, registration = _visible_registration(request, pk, registration_pk)
    access.require(access.can_manage_registration(request.user, registration))
    if request.method == "POST":
        try:
            services.cancel_registration(registration=registration, by=request.user)
        except RegistrationError as error:
            messages.error(request, str(error))
            return redirect("ateliers:registration_detail", workshop.pk, registration.pk)
        messages.success(request, f"L'inscription {de(registration.contact)} est supprimée.")
        return redirect(workshop)
    return render(request, "ateliers/registration_cancel.html", {"workshop": workshop, "registration": registration})


def attendance(request, pk):
    """The whole list on one screen after the workshop: presence (and consent ticked on the signed sheet)."""
    workshop = get_visible_or_404(Workshop.objects.select_related("theme", "attendance_sheet"), request.user, pk=pk)
    access.require(access.can_write_field_work(request.user))
    registrations = list(selectors.workshop_registrations(workshop))
    form = AttendanceForm(request.POST or None, registrations=registrations, workshop=workshop)
    if request.method == "POST" and form.is_valid():
        try:
            changed = services.mark_attendance(
                workshop=workshop,
                by=request.user,
                attendance=form.attendance(),
                versions=form.versions(),
                consents_on_sheet=form.consents_on_sheet(),
                mark_held=form.cleaned_data.get("mark_held", False),
            )
        except WorkshopError as error:
            form.add_error(None, str(error))
        except StaleEdit as stale:
            form.refuse_stale(stale)
        else:
            messages.success(
                request,
                f"Présences enregistrées ({changed} inscription{'s' if changed > 1 else ''} modifiée{'s' if changed > 1 else ''}).",
            )
            return redirect(workshop)
    context = {"workshop": workshop, "form": form, "sheet": workshop.attendance_sheet, "registrations": registrations}
    return render(request, "ateliers/attendance.html", context)
