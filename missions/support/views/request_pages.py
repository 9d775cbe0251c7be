"""Mission 3: a request's page, its edit form, history and follow-up sheet (PDF)."""

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render

from core import access
from core.deliverables import document_response, validated_document_response, working_draft_response
from core.history import history_entries
from core.models import Deliverable
from missions.support import services
from missions.support.forms import MeetingLinkForm, SupportRequestUpdateForm
from missions.support.models import SupportPriorityWeights, SupportRequest, SupportStep
from missions.support.selectors import explain_priority, with_priority
from missions.support.views.common import fetch_request, form_page


def request_detail(request, pk):
    is_team = access.is_team(request.user)
    queryset = SupportRequest.objects.visible_to(request.user).select_related(
        "commune", "programme", "submitted_by", "decided_by", "action", "order_form"
    )
    if is_team:
        weights = SupportPriorityWeights.load()
        queryset = with_priority(queryset, weights=weights)
    support_request = get_object_or_404(queryset, pk=pk)
    steps = list(support_request.steps.prefetch_related("documents"))
    context = {
        "support_request": support_request,
        "steps": steps,
        "financing": services.financing_summary(support_request.financing_lines.all()),
        "meetings": list(support_request.meetings.order_by("starts_at")),
        "events": list(support_request.events.select_related("by")),
        "is_team": is_team,
        "show_requester_details": access.can_see_support_requester_details(request.user),
        "can_decide": access.can_decide_support_request(request.user),
        "can_follow": access.can_follow_support_request(request.user),
    }
    if is_team:
        if support_request.decided_at is None:
            context["priority"] = explain_priority(support_request, weights).as_dict()
        else:
            context["priority"] = support_request.priority_at_decision
        if support_request.is_followed:
            context["meeting_form"] = MeetingLinkForm(support_request=support_request)
        time_entries = list(
            support_request.time_entries.visible_to(request.user).select_related("consultant").order_by("-date", "-pk")
        )
        context["time_entries"] = time_entries
        context["time_spent"] = sum(entry.half_days for entry in time_entries)
        # A <progress> value never exceeds its max: the bar is full past the allotted time, the text says by how much.
        context["time_spent_bar"] = min(context["time_spent"], support_request.allotted_half_days or 0)
    else:
        context["validated_sheets"] = list(
            Deliverable.objects.visible_to(request.user).for_subject(support_request).order_by("-version")
        )
    return render(request, "missions/support/detail.html", context)


def request_update(request, pk):
    support_request = fetch_request(request, pk)
    access.require(access.can_follow_support_request(request.user))
    form = SupportRequestUpdateForm(request.POST or None, instance=support_request)
    if request.method == "POST" and form.is_valid() and services.save_support_request(form=form, by=request.user):
        messages.success(request, "La demande a été modifiée.")
        return redirect(support_request)
    return form_page(request, support_request, form, f"Modifier la demande {support_request.reference}")


def request_history(request, pk):
    support_request = fetch_request(request, pk)
    access.require(access.can_follow_support_request(request.user))
    entries = history_entries(support_request.history.select_related("history_user"))
    entries += history_entries(
        SupportStep.history.filter(request_id=support_request.pk).select_related("history_user")
    )
    entries.sort(key=lambda entry: entry.date, reverse=True)
    return render(request, "missions/support/history.html", {"support_request": support_request, "entries": entries})


def request_pdf(request, pk):
    """The follow-up sheet: its latest validated version (the frozen file), else, for the team, the working draft.
    The commune's élus get the validated version only (404 until there is one)."""
    support_request = fetch_request(request, pk)
    if not access.can_follow_support_request(request.user):
        return validated_document_response(request.user, support_request)
    return document_response(request, support_request)


def request_draft_pdf(request, pk):
    """The follow-up sheet's working draft: the current content rendered now, labelled as such."""
    support_request = fetch_request(request, pk)
    access.require(access.can_follow_support_request(request.user))
    return working_draft_response(support_request, services.render_support_sheet_pdf(support_request))
