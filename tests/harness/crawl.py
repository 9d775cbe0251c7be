"""Crawling the portal with Django's test client, as each role: the pages the URL walk reaches (every page that takes
no object, and the permission matrix's object pages on its scenario), then the links those pages show, breadth
first. What the HTML checks read (tests/pat_portal/test_html_valid.py).

A link is followed when it stays in the portal and is not a download, a feed, the way out or the admin; one address
with several query strings (filters, pages of a list) is read at most QUERY_VARIANTS times."""

import html
import re
from collections import deque
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

from django.urls import get_resolver, reverse

from tests.harness.forms import post_forms
from tests.harness.urls import walk_routes

# Not pages: the way out, downloads and files, feeds, the admin (Django's own pages), the password-reset link.
NOT_PAGES = {"calendar_feed", "password_reset_confirm", "logout"}
NOT_FOLLOWED = re.compile(
    r"^/(static|media|media-prive|admin)/|deconnexion|/pdf|/exports?/|\.(ics|xlsx|csv|ods|pdf|txt)$|agenda|telecharger"
    r"|xlsx|csv|modele"
)
QUERY_VARIANTS = 3
# Sent back as the page gave them when a form is refused: the tokens, the version, a formset's management form.
KEPT_FIELDS = re.compile(r"^csrfmiddlewaretoken$|submission_token$|version$|_FORMS$")
LINK = re.compile(r"""href=["']([^"'#]+)""")


@dataclass
class Page:
    role: str
    url: str
    html: str

    @property
    def is_document(self) -> bool:
        """A whole page (a fragment a page loads into a dialog has no doctype)."""
        return self.html.lstrip()[:15].lower() == "<!doctype html>"


def walked_urls(data, matrix) -> list[str]:
    """The pages of the URL walk: those that take no object, and the matrix's object pages on `data`."""
    urls = []
    for name, route in walk_routes(get_resolver().url_patterns):
        if route.startswith(("admin/", "static/")) or name in NOT_PAGES or "fmt>" in route or "pdf" in route:
            continue
        if "<" not in route:
            urls.append(reverse(name))
        elif name in matrix:
            urls.append(reverse(name, kwargs=matrix[name][0](data)))
    return urls


def links(page_html: str, base: str) -> list[str]:
    """The portal addresses a page links to, resolved against the page's own address."""
    found = []
    for href in LINK.findall(page_html):
        url = urljoin(base, html.unescape(href).strip())
        parts = urlsplit(url)
        if parts.scheme or parts.netloc or not parts.path.startswith("/"):
            continue
        found.append(parts.path + (f"?{parts.query}" if parts.query else ""))
    return found


def read_page(client, url: str):
    """(response, its address) of `url` answering 200, redirects followed within the portal; (None, url) else."""
    for _ in range(5):
        response = client.get(url)
        if response.streaming:
            b"".join(response.streaming_content)  # read to its end, the test client closes its file
        if response.status_code not in (301, 302, 303, 307, 308):
            html_page = response.status_code == 200 and not response.streaming
            return (response if html_page else None), url.partition("?")[0]
        location = urlsplit(urljoin(url, response["Location"]))
        if location.netloc and location.netloc != "testserver":
            return None, url  # out of the portal
        url = location.path + (f"?{location.query}" if location.query else "")
    return None, url


def crawl(client, role: str, start: list[str], limit: int = 400) -> list[Page]:
    """The HTML pages (200) the client's user reaches from `start`, following links, at most `limit` pages read."""
    queue, seen, variants, pages, read = deque(start), set(start), {}, [], 0
    while queue and read < limit:
        url = queue.popleft()
        response, final = read_page(client, url)
        read += 1
        if response is None or not response.get("Content-Type", "").startswith("text/html"):
            continue
        if final.startswith("/connexion/") and not url.startswith("/connexion/"):
            continue  # a page this role may not read sends it to the login page
        content = response.content.decode()
        pages.append(Page(role, url, content))
        for link in links(content, final):
            path = link.partition("?")[0]
            if link in seen or NOT_FOLLOWED.search(path):
                continue
            if "?" in link:
                variants[path] = variants.get(path, 0) + 1
                if variants[path] > QUERY_VARIANTS:
                    continue
            seen.add(link)
            queue.append(link)
    return pages


def refused_forms(client, role: str, pages: list[Page]) -> list[Page]:
    """The pages showing a refused form: each page's own form (in <main>, posting to the page) sent with its fields
    emptied, tokens kept. A form that takes empty fields does its work (a deletion…): read these pages last."""
    refused = []
    for page in pages:
        path = page.url.partition("?")[0]
        for form in post_forms(page.html):
            if form.in_main and form.has_submit and urlsplit(form.action or path).path == path:
                data = {name: value if KEPT_FIELDS.search(name) else "" for name, value in form.data().items()}
                response = client.post(page.url, data)
                if response.status_code == 200 and response.get("Content-Type", "").startswith("text/html"):
                    refused.append(Page(role, f"POST {page.url}", response.content.decode()))
                break
    return refused
