"""What Mission 3's pages share: a request fetched as the user may see it (404 otherwise), and the one-form page."""

from django.shortcuts import render

from core.querysets import get_visible_or_404
from missions.support.models import SupportRequest


def fetch_request(request, pk) -> SupportRequest:
    return get_visible_or_404(SupportRequest.objects.select_related("commune", "programme"), request.user, pk=pk)


def form_page(request, support_request, form, title, *, intro="", enctype=False):
    context = {"support_request": support_request, "form": form, "title": title, "intro": intro, "multipart": enctype}
    return render(request, "missions/support/form_page.html", context)
