"""The navigation's "À faire (n)": the number of things waiting for the user, shown on every page at no query.

Counted by `home.todo_count` (the same definitions as the home page's lists). A page never counts it: the home page
has just counted its lists, and `/a-faire/nombre/` counts it for a page that does not know it yet (a small script
asks for it after the page is shown, so that no page pays a query for the navigation). The count is then kept a few
minutes in a signed cookie, which every page reads; any write (a POST) drops it, since it may have changed what
waits.
"""

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core import signing
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from pat_portal.pages.home import todo_count

COOKIE = "pat_a_faire"
SALT = "pat_portal.pages.navigation"
MAX_AGE = 5 * 60


def remember_todo_count(request, count: int) -> None:
    """A freshly counted number: the navigation shows it and the cookie keeps it for the next pages."""
    request.todo_count = count
    request.todo_count_fresh = True


def known_todo_count(request) -> int | None:
    """This request's count, or the cookie's if it is recent and the user's; None when not known. No query."""
    if hasattr(request, "todo_count"):
        return request.todo_count
    user = request.user
    if not user.is_authenticated:
        return None
    try:
        owner, count = request.get_signed_cookie(COOKIE, salt=SALT, max_age=MAX_AGE).split(":")
    except (KeyError, ValueError, signing.BadSignature):
        return None
    return int(count) if owner == str(user.pk) else None


def steering(request) -> dict:
    """Context processor: `todo_count`, read only if the page shows it (and never counted here)."""
    return {"todo_count": lambda: known_todo_count(request)}


@never_cache
@require_safe
@login_required
def todo_count_view(request):
    """The user's count, for the navigation of a page that did not know it (and kept in the cookie)."""
    count = todo_count(request.user)
    remember_todo_count(request, count)
    return JsonResponse({"count": count, "label": f"À faire ({count})" if count else "À faire"})


class TodoCountCookieMiddleware:
    """Keeps a freshly counted "À faire (n)" in its cookie; drops the cookie after a write."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if request.method == "POST" and COOKIE in request.COOKIES:
            response.delete_cookie(COOKIE, samesite="Lax")
        elif getattr(request, "todo_count_fresh", False) and request.user.is_authenticated:
            response.set_signed_cookie(
                COOKIE,
                f"{request.user.pk}:{request.todo_count}",
                salt=SALT,
                max_age=MAX_AGE,
                httponly=True,
                samesite="Lax",
                secure=settings.SESSION_COOKIE_SECURE,
            )
        return response
