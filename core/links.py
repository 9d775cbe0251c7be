"""Links to many rows of one kind on one page, reversed once.

A list of a few hundred rows that reverses a URL per row (`{% url %}`, `get_absolute_url`) spends milliseconds in
the URL resolver for the same pattern again and again; `url_by_id` reverses it once, with a placeholder where the
row's id goes, and writes each row's URL from it.

    detail_url = url_by_id("missions:action_detail")
    detail_url(action.pk)  # "/actions/42/"
"""

from collections.abc import Callable

from django.urls import reverse

_PLACEHOLDER = 2_147_483_647  # an id no row has yet, and digits only, as every <int:...> converter accepts


def url_by_id(name: str, *before, after=()) -> Callable[[int], str]:
    """The URL `name` for any id, with the fixed arguments `before` and `after` the id (reversed once)."""
    url = reverse(name, args=[*before, _PLACEHOLDER, *after])
    prefix, suffix = url.split(str(_PLACEHOLDER))
    return lambda pk: f"{prefix}{pk}{suffix}"
