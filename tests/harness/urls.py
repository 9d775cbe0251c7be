"""The URL walk: every pattern of the URL resolver, with its namespaced name, route and view, and a sample path for
each (what the security tests request and the query-count test reads)."""

import re

from django.urls import URLPattern, URLResolver, get_resolver

SAMPLE_VALUES = {
    "int": "1",
    "str": "x",
    "slug": "x",
    "path": "x",
    "uuid": "00000000-0000-0000-0000-000000000000",
    "export_format": "csv",
}


def walk_views(patterns, prefix="", namespace=""):
    """(namespaced name, route, view) of every URL pattern below `patterns`."""
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            ns = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            yield from walk_views(pattern.url_patterns, prefix + str(pattern.pattern), ns)
        elif isinstance(pattern, URLPattern):
            yield f"{namespace}{pattern.name}", prefix + str(pattern.pattern), pattern.callback


def walk_routes(patterns):
    """(namespaced name, route) of every URL pattern below `patterns`."""
    for name, route, _view in walk_views(patterns):
        yield name, route


def sample_path(route: str) -> str:
    path = re.sub(r"<(?:(\w+):)?\w+>", lambda m: SAMPLE_VALUES.get(m.group(1) or "str", "x"), route)
    path = path.lstrip("^").rstrip("$").replace("\\Z", "").replace("\\", "")
    return "/" + path


def portal_urls():
    """Every URL of the project except the admin (Django's own login) and static files."""
    urls = []
    for name, route in walk_routes(get_resolver().url_patterns):
        if route.startswith("admin/") or route.startswith("static/"):
            continue
        urls.append((name, sample_path(route)))
    return urls
