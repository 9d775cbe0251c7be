"""The people page (issue 24): GBM officers invite people, see pending invitations, and end accounts."""

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from communes import people
from core import access, accounts, invitations
from core.models import Invitation, User, WorkflowError


def _officer(request) -> None:
    access.require(access.can_manage_people(request.user))


def people_list(request):
    _officer(request)
    users = User.objects.select_related("commune").order_by("role", "last_name", "first_name", "pk")
    pending = Invitation.objects.open().count()
    return render(
        request,
        "communes/people/people_list.html",
        {"users": users, "pending_count": pending, "today": timezone.localdate()},
    )


def person_edit(request, pk):
    _officer(request)
    person = get_object_or_404(User.objects.select_related("commune"), pk=pk)
    form = people.AccountEndForm(request.POST or None, instance=person)
    if request.method == "POST" and form.is_valid():
        accounts.set_end(
            person, ends_on=form.cleaned_data["ends_on"], is_active=form.cleaned_data["is_active"], by=request.user
        )
        person.refresh_from_db()
        if accounts.is_ended(person):
            messages.success(
                request, f"Le compte de {person} est clos : connexion, agenda et liens de partage coupés."
            )
        else:
            messages.success(request, f"Le compte de {person} est enregistré.")
        return redirect("communes:people_list")
    return render(request, "communes/people/person_edit.html", {"person": person, "form": form})


def invitation_list(request):
    _officer(request)
    pending = Invitation.objects.open().select_related("commune", "invited_by").order_by("-sent_at", "-pk")
    return render(request, "communes/people/invitation_list.html", {"invitations": pending})


def invitation_create(request):
    _officer(request)
    form = people.InvitationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            invitation, _token = invitations.invite(form.invitee(), by=request.user)
        except WorkflowError as error:
            form.add_error("email", str(error))
        else:
            messages.success(request, f"Invitation envoyée à {invitation.full_name} ({invitation.email}).")
            return redirect("communes:invitation_list")
    return render(request, "communes/people/invitation_form.html", {"form": form})


@require_POST
def invitation_resend(request, pk):
    _officer(request)
    invitation = get_object_or_404(Invitation, pk=pk)
    try:
        invitations.resend(invitation, by=request.user)
    except WorkflowError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, f"Nouveau lien envoyé à {invitation.email} : l'ancien ne fonctionne plus.")
    return redirect("communes:invitation_list")


@require_POST
def invitation_revoke(request, pk):
    _officer(request)
    invitation = get_object_or_404(Invitation, pk=pk)
    try:
        invitations.revoke(invitation, by=request.user)
    except WorkflowError as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request, f"L'invitation de {invitation.full_name} est révoquée : son lien ne fonctionne plus."
        )
    return redirect("communes:invitation_list")


def invitation_bulk(request):
    """Paste or upload a list of élus; a preview names each bad line; nothing is sent until confirmed, and then
    everyone is invited or no one."""
    _officer(request)
    lines = None
    if request.method == "POST":
        form = people.BulkInvitationForm(request.POST, request.FILES)
        if form.is_valid():
            lines = people.check_lines(form.cleaned_data["rows"])
            bad = [line for line in lines if line.errors]
            if "confirm" in request.POST and not bad:
                try:
                    sent = invitations.invite_all(people.invitees(lines), by=request.user)
                except WorkflowError as error:
                    messages.error(request, f"Rien n'est envoyé : {error}")
                else:
                    messages.success(
                        request,
                        f"{len(sent)} invitation{'s' if len(sent) > 1 else ''} envoyée{'s' if len(sent) > 1 else ''}.",
                    )
                    return redirect("communes:invitation_list")
            form = people.BulkInvitationForm(initial={"lines": people.as_text(lines)}) if not form.errors else form
    else:
        form = people.BulkInvitationForm()
    bad_count = sum(1 for line in lines or [] if line.errors)
    return render(
        request,
        "communes/people/invitation_bulk.html",
        {"form": form, "lines": lines, "bad_count": bad_count, "text": people.as_text(lines) if lines else ""},
    )
