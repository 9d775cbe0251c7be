"""Request filters that hold for every page of the portal."""

from django.http import HttpResponseNotAllowed


class RefuseUnusedMethodsMiddleware:
    """Answer 405 to TRACE and OPTIONS on every page: the portal serves pages and forms, not a cross-origin API.

    TRACE echoes the request (headers included) back to the client, and an OPTIONS answer would describe what the
    page accepts; neither is used by a browser on this site, so both are refused before any view or redirect runs.
    """

    REFUSED_METHODS = frozenset({"TRACE", "OPTIONS"})
    ALLOWED_METHODS = ("GET", "HEAD", "POST")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.method in self.REFUSED_METHODS:
            return HttpResponseNotAllowed(self.ALLOWED_METHODS)
        return self.get_response(request)
