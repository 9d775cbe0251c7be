"""Read-only links to an action plan for the municipal council: created and revoked from the plan's page by the
commune's élus or GBM, opened by anyone who has the link (no account).

The shared page shows what an élu of the commune sees of an approved or validated plan, less the contact details
(and names) of people who did not consent to share them; never a draft. It is not indexed, leaks no referrer,
is not cached, and is rate-limited per client.
"""

import functools

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST, require_safe

from core import access
from core.accounts import is_ended as account_is_ended
from core.models import Deliverable, WorkflowError
from core.querysets import get_visible_or_404
from core.ratelimit import ratelimit
from missions.mission1.forms.share_links import ShareLinkForm, ShareLinkRevokeForm
from missions.mission1.models.share_links import PlanShareLink, plan_is_shareable, shared_lead
from missions.mission1.services.action_plans import plan_actions, plan_totals
from missions.mission1.views.action_plans import _plan

# A council meeting opens the link from one address a few dozen times; a robot trying tokens is stopped far below
# what guessing a 256-bit token would take anyway.
SHARED_VIEWS_PER_WINDOW = 120
SHARED_WINDOW_SECONDS = 600


def kept_private(response):
    """Headers of every answer that carries or was opened by a share token: not indexed, no referrer sent to the
    sites its links lead to, not cached."""
    response["X-Robots-Tag"] = "noindex, nofollow"
    response["Referrer-Policy"] = "no-referrer"
    response["Cache-Control"] = "no-store, private"
    return response


def private_page(view):
    @functools.wraps(view)
    def wrapped(request, *args, **kwargs):
        return kept_private(view(request, *args, **kwargs))

    return wrapped


def share_link_create(request, insee_code):
    plan = _plan(request, insee_code)
    access.require(access.can_share_action_plan(request.user, plan))
    form = ShareLinkForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            link, token = PlanShareLink.create_for(plan, by=request.user, expires_on=form.cleaned_data["expires_on"])
        except WorkflowError as error:
            form.add_error(None, str(error))
        else:
            url = request.build_absolute_uri(reverse("missions:shared_plan", args=[token]))
            context = {"plan": plan, "commune": plan.accompaniment.commune, "link": link, "url": url}
            return kept_private(render(request, "missions/share/created.html", context))
    context = {"plan": plan, "commune": plan.accompaniment.commune, "form": form, "shareable": plan_is_shareable(plan)}
    return render(request, "missions/share/create.html", context)


@require_POST
def share_link_revoke(request, insee_code):
    plan = _plan(request, insee_code)
    access.require(access.can_share_action_plan(request.user, plan))
    form = ShareLinkRevokeForm(request.POST)
    if not form.is_valid():
        raise Http404("Lien de partage introuvable.")
    link = get_visible_or_404(PlanShareLink, request.user, pk=form.cleaned_data["link"], plan=plan)
    access.require(access.can_revoke_share_link(request.user, link))
    try:
        link.revoke(by=request.user)
    except WorkflowError as error:
        messages.info(request, str(error))
    else:
        messages.success(request, "Le lien est désactivé : il n'ouvre plus le plan d'actions.")
    return redirect(plan)


@login_not_required
@private_page
@ratelimit(
    "plan-partage",
    limit=SHARED_VIEWS_PER_WINDOW,
    window=SHARED_WINDOW_SECONDS,
    template="missions/share/rate_limited.html",
    methods=("GET", "HEAD"),
)
@require_safe
def shared_plan(request, token):
    link = (
        PlanShareLink.objects.for_token(token)
        .select_related("plan__accompaniment__commune", "plan__accompaniment__programme", "created_by")
        .first()
    )
    # The link of an account that ended is off from the next day on, before `end_accounts` revokes it (issue 24).
    creator_ended = link is not None and account_is_ended(link.created_by)
    if link is None or not link.is_active or creator_ended:
        if link is None:
            state = "unknown"
        else:
            state = "revoked" if link.is_revoked else "ended" if creator_ended else "expired"
        status = 404 if link is None else 410
        return render(request, "missions/share/unavailable.html", {"link": link, "state": state}, status=status)
    plan = link.plan
    if not plan_is_shareable(plan):
        return render(request, "missions/share/unavailable.html", {"link": link, "state": "revising"})
    link.record_view()
    actions = plan_actions(plan)
    for action in actions:
        action.shared_lead = shared_lead(action)
    context = {
        "plan": plan,
        "commune": plan.accompaniment.commune,
        "actions": actions,
        "totals": plan_totals(actions),
        "validated": Deliverable.objects.for_subject(plan).validated().order_by("-version").first(),
        "link": link,
    }
    return render(request, "missions/share/plan.html", context)
