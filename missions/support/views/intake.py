"""Mission 3: the three doors of intake (the public form, an élu in the portal, the team recording a call or an
e-mail)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.shortcuts import redirect, render
from django.utils import timezone

from core import access
from core.french import au
from core.ratelimit import ratelimit
from core.submissions import once_per_submission
from missions.support import services
from missions.support.forms import EluSupportRequestForm, PublicSupportRequestForm, TeamSupportRequestForm
from missions.support.models import SupportRequest
from missions.support.views.common import form_page

CONFIRMATION_SESSION_KEY = "support_request_reference"
PUBLIC_FORM_LIMIT = 5
PUBLIC_FORM_WINDOW = 3600


@login_not_required
@once_per_submission  # outside the rate limit: a replayed form does not count as another request
@ratelimit(
    "demande-publique",
    limit=PUBLIC_FORM_LIMIT,
    window=PUBLIC_FORM_WINDOW,
    template="missions/support/rate_limited.html",
)
def public_create(request):
    if request.method == "GET" and access.is_elu(request.user):
        return redirect("missions:support_elu_create")
    if request.method == "GET" and access.is_team(request.user):
        return redirect("missions:support_team_create")
    form = PublicSupportRequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            support_request = services.register_support_request(
                support_request=form.instance, door=SupportRequest.Door.PUBLIC
            )
        except services.SupportError as error:
            form.add_error(None, str(error))
        else:
            request.session[CONFIRMATION_SESSION_KEY] = support_request.reference
            return redirect("missions:support_public_done")
    return render(request, "missions/support/public_form.html", {"form": form})


@login_not_required
def public_done(request):
    reference = request.session.get(CONFIRMATION_SESSION_KEY)
    return render(request, "missions/support/public_done.html", {"reference": reference})


@once_per_submission
def elu_create(request):
    access.require(access.can_ask_support_for(request.user, getattr(request.user, "commune", None)))
    form = EluSupportRequestForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        form.instance.commune = request.user.commune
        form.instance.requester_kind = SupportRequest.RequesterKind.COMMUNE
        try:
            support_request = services.register_support_request(
                support_request=form.instance, door=SupportRequest.Door.ELU, submitted_by=request.user
            )
        except services.SupportError as error:
            form.add_error(None, str(error))
        else:
            messages.success(
                request, f"Votre demande {support_request.reference} est enregistrée ; un e-mail vous la confirme."
            )
            return redirect(support_request)
    intro = f"Pour un projet alimentaire {au(request.user.commune)} : GBM et son prestataire l'examinent et vous répondent."
    return form_page(request, None, form, "Demander un accompagnement", intro=intro)


@once_per_submission
def team_create(request):
    access.require(access.can_follow_support_request(request.user))
    form = TeamSupportRequestForm(request.POST or None, initial={"received_on": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        try:
            support_request = services.register_support_request(
                support_request=form.instance, door=SupportRequest.Door.TEAM, submitted_by=request.user
            )
        except services.SupportError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, f"La demande {support_request.reference} est enregistrée.")
            return redirect(support_request)
    return form_page(request, None, form, "Enregistrer une demande reçue par téléphone ou par e-mail")
