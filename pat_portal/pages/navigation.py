"""The navigation's "À faire (n)": the number of things waiting for the user, on every page.

Counted by `home.todo_count` (the same definitions as the home page's lists), at most once per request and only
when a page shows it. The count is then kept in a signed cookie for a few minutes, so that most pages read it
without a query: the home page always refreshes it (it has just counted its lists), and any write (a POST) drops it,
since the write may have changed what waits.
"""

from django.conf import settings
from django.core import signing

from pat_portal.pages.home import todo_count

COOKIE = "pat_a_faire"
SALT = "pat_portal.pages.navigation"
MAX_AGE = 5 * 60


def remember_todo_count(request, count: int) -> None:
    """The home page's own count, fresh: the navigation shows it and the cookie keeps it."""
    request.todo_count = count
    request.todo_count_fresh = True


def todo_count_of(request) -> int:
    """The user's count: this request's, the cookie's if it is recent and the user's, or counted now."""
    if hasattr(request, "todo_count"):
        return request.todo_count
    user = request.user
    if not user.is_authenticated:
        return 0
    try:
        owner, count = request.get_signed_cookie(COOKIE, salt=SALT, max_age=MAX_AGE).split(":")
        if int(owner) == user.pk:
            request.todo_count = int(count)
            return request.todo_count
    except (KeyError, ValueError, signing.BadSignature):
        pass
    remember_todo_count(request, todo_count(user))
    return request.todo_count


def steering(request) -> dict:
    """Context processor: `todo_count`, computed only if the page shows it."""
    return {"todo_count": lambda: todo_count_of(request)}


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
