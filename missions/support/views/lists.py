"""Mission 3: the team's priority queue, an élu's list of their commune's requests."""

from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone

from core import access
from core.links import url_by_id
from core.prepared import reader_key
from missions.programme.models import Programme
from missions.support.filters import STARTED, SupportRequestFilter
from missions.support.models import SupportPriorityWeights, SupportRequest
from missions.support.selectors import explain_priority, priority_page, supported_projects

QUEUE_PAGE_SIZE = 25


def request_list(request):
    """The team's priority queue; an élu's list of their commune's requests."""
    if access.is_team(request.user):
        return _queue(request)
    if access.is_elu(request.user):
        requests = SupportRequest.objects.visible_to(request.user).order_by("-received_on", "-pk")
        return render(request, "missions/support/elu_list.html", {"support_requests": requests})
    raise PermissionDenied


def _queue(request):
    weights = SupportPriorityWeights.load()
    filterset = SupportRequestFilter(
        request.GET, queryset=SupportRequest.objects.visible_to(request.user).select_related("commune", "programme")
    )
    requests = filterset.qs
    # The page is counted on the filtered set (a plain COUNT, none of the priority's annotations), then only its
    # ranks are read, by priority (`priority_page`).
    paginator = Paginator(range(requests.count()), QUEUE_PAGE_SIZE)
    page = paginator.get_page(request.GET.get("page"))
    filters = repr(sorted(filterset.form.cleaned_data.items()))
    queue = (
        priority_page(
            requests,
            weights=weights,
            today=timezone.localdate(),
            bottom=page.start_index() - 1,
            top=page.end_index(),
            key=(*reader_key(request.user), filters),
        )
        if paginator.count
        else []
    )
    detail_url = url_by_id("missions:support_detail")  # reversed once, not once per row
    rows = []
    for support_request in queue:
        support_request.detail_url = detail_url(support_request.pk)
        rows.append((support_request, explain_priority(support_request, weights)))
    programme = Programme.objects.current()
    # The export links carry the filters the queue shows, its default status « À traiter » included: an export
    # asked without a status gives every request.
    export_query = filterset.data.copy()
    export_query.pop("page", None)
    context = {
        "export_query": export_query.urlencode(),
        "filter": filterset,
        "page_obj": page,
        "rows": rows,
        "weights": weights,
        "supported": supported_projects(programme) if programme else None,
        "supported_url": f"{reverse('missions:support_list')}?status={STARTED}",
        "first_rank": page.start_index(),
    }
    return render(request, "missions/support/queue.html", context)
