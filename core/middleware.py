"""Request filters that hold for every page of the portal."""

import logging

from django.conf import settings
from django.core.exceptions import BadRequest, PermissionDenied, SuspiciousOperation
from django.core.signals import got_request_exception
from django.http import Http404, HttpResponseNotAllowed
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import Resolver404, get_resolver, resolve
from django.utils.cache import add_never_cache_headers

from core import pdf

logger = logging.getLogger("pat_portal.errors")


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


class ExplainRefusedMethodMiddleware:
    """A page answering 405 to a GET says why, in French: the address receives a form (a button of another page).

    Views decorated with `require_POST` answer a link followed or an address typed with Django's empty 405, a blank
    page in the browser. Only the body is written, with the layout (so placed after the session, user and messages):
    the answer itself is kept, with its status, its Allow header and the headers the inner middlewares set (CSP,
    X-Frame-Options).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if response.status_code == 405 and request.method == "GET" and not response.content:
            response.content = render_to_string("405.html", request=request)
        return response


class DeferLongLayoutsMiddleware:
    """During a GET, a long PDF not laid out yet is queued for the task worker instead of holding the request
    (`pdf.render_pdf`); the person gets « Document en préparation », a page that reloads itself every few seconds
    (a meta refresh: no script, so nothing for the CSP to allow) until the reload is answered with the file."""

    REFRESH_SECONDS = 3

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.method not in ("GET", "HEAD"):
            return self.get_response(request)
        user_id = getattr(getattr(request, "user", None), "pk", None) or "-"
        token = pdf.deferring_for.set(f"pdf-asked:{user_id}:{request.get_full_path()}")
        try:
            return self.get_response(request)
        finally:
            pdf.deferring_for.reset(token)

    def process_exception(self, request, exception):
        if isinstance(exception, pdf.LayoutOverBudget):
            # the layout was stopped at its time budget: no reload, a French explanation (503: try again later)
            context, status = {"over_budget": True, "budget_minutes": _minutes(settings.DOCUMENT_TIME_BUDGET)}, 503
        elif isinstance(exception, pdf.LayoutQueued):
            context, status = {"refresh_seconds": self.REFRESH_SECONDS, "expected": exception.expected}, 202
        else:
            return None
        response = render(
            request, "layout/pdf_pending.html", {**context, "url": request.get_full_path()}, status=status
        )
        add_never_cache_headers(response)
        return response


def _minutes(seconds: int) -> int:
    return max(1, round(seconds / 60))


class PortalErrorPagesMiddleware:
    """In DEBUG, the portal's own French error pages instead of Django's technical ones (the `make run` demo).

    An élu who edits a URL in the demo gets the 404 page users get in production, not Django's English page listing
    every URL of the site; a server error shows the 500 page, its traceback going to the console. Django picks its
    technical pages on DEBUG alone, so this middleware answers first: a path no URL matches, an Http404 raised by a
    view, a refused request (400) and any other exception. settings.py adds it, last, only when DEBUG is on and
    DJANGO_DEBUG_TECHNICAL_ERRORS is off.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            resolve(request.path_info, getattr(request, "urlconf", None))
        except Resolver404 as exception:
            return self._error_page(request, 404, exception)
        return self.get_response(request)

    def process_exception(self, request, exception):
        if isinstance(exception, Http404):
            return self._error_page(request, 404, exception)
        if isinstance(exception, PermissionDenied):
            return None  # Django already answers with the portal's 403 page, DEBUG or not
        if isinstance(exception, pdf.LayoutQueued | pdf.LayoutOverBudget):
            return None  # DeferLongLayoutsMiddleware answers « Document en préparation » (this one runs first)
        if isinstance(exception, BadRequest | SuspiciousOperation):
            return self._error_page(request, 400, exception)
        got_request_exception.send(sender=None, request=request)
        logger.error("Erreur serveur sur %s", request.path, exc_info=exception)
        return self._error_page(request, 500, exception)

    @staticmethod
    def _error_page(request, status, exception):
        handler = get_resolver(getattr(request, "urlconf", None)).resolve_error_handler(status)
        return handler(request) if status == 500 else handler(request, exception)
