"""Filtered lists kept between requests (core/freshness.py): the list's body, rendered apart, is read
back until the next write (or the next minute); the page around it (navigation, messages, token, nonce) is rendered
on every request. Used by every filtered list of the portal (meetings, workshops, communes, order forms, time)."""

from django.shortcuts import render
from django_filters.views import FilterView

from core import freshness


class KeptFilterView(FilterView):
    """A FilterView whose template is the page's body, kept per user and query string (filters, page number).

    The body holds no token: a list with buttons that post keeps its form in `page_template`, outside the body (the
    buttons name it with their `form` attribute)."""

    kept_name = ""
    title = ""
    page_template = "layout/fragment_page.html"

    def get(self, request, *args, **kwargs):
        def compute() -> str:
            return super(KeptFilterView, self).get(request, *args, **kwargs).rendered_content

        body = freshness.cached(self.kept_name, request.user.pk, request.GET.urlencode(), compute=compute)
        return render(request, self.page_template, {"body": body, "title": self.title})
