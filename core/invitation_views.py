"""The invited person's side of an invitation (issue 24): choose a password from the link, land on their home.

The officers' pages (invite, list, resend, revoke, the people page) sit above, in `communes/people_views.py`: they
name communes.
"""

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.forms import SetPasswordForm
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache

from core import invitations
from core.models import WorkflowError
from core.ratelimit import ratelimit

PER_CLIENT_LIMIT = 30
WINDOW = 3600
BACKEND = "core.backends.PortalModelBackend"


@login_not_required
@never_cache
@ratelimit(
    "invitation-client",
    limit=PER_CLIENT_LIMIT,
    window=WINDOW,
    template="pat_portal/accounts/invitation_limited.html",
    methods=("GET", "POST"),
)
def invitation_accept(request, token):
    invitation = invitations.find(token)
    if invitation is None or not invitation.is_pending:
        return render(request, "pat_portal/accounts/invitation_invalid.html", {"invitation": invitation}, status=410)
    account = invitations.account_for(invitation)
    form = SetPasswordForm(account, request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = invitations.accept(invitation, form.save(commit=False))
        except WorkflowError as error:
            form.add_error(None, str(error))
        else:
            login(request, user, backend=BACKEND)
            messages.success(
                request,
                f"Bienvenue {user.first_name} ! Votre compte est ouvert ; votre identifiant de connexion est "
                f"« {user.username} ». {invitations.WELCOME[user.role]}",
            )
            return redirect("home")
    return render(
        request,
        "pat_portal/accounts/invitation_accept.html",
        {"invitation": invitation, "account": account, "form": form},
    )
