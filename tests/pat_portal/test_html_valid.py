"""Every page each role reaches is valid HTML and shows no template syntax (issue 25, item 2).

The pages are crawled with the test client (tests/harness/crawl.py) as a GBM officer, a consultant, the élus of two
communes and an anonymous visitor, on the permission matrix's scenario; then each page's own form is sent back
empty, for the page that shows what is refused. No page may show template syntax (a Django comment written over two
lines is printed as text), and the Nu HTML Checker (vnu.jar, from npm: .ci/run installs it in .ci/vnu/, with a Java
runtime) reads every whole page in one run and must report no error. The crawl runs on PostgreSQL only, like the
other crawls (tests/harness/split.py); test_template_hygiene.py reads every template for the same syntax on both
databases, in well under a second."""

import datetime
import json
import os
import re
import shutil
import subprocess
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings

from missions.money.models.orders import OrderLine
from tests.factories_orders import TimeEntryFactory
from tests.harness.crawl import crawl, refused_forms, walked_urls
from tests.harness.scenario import MATRIX, scenario

ROLES = ("gbm", "consultant", "elu", "elu_other", "anonymous")
VNU_JAR = Path(os.environ.get("VNU_JAR", settings.BASE_DIR / ".ci/vnu/node_modules/vnu-jar/build/dist/vnu.jar"))
TEMPLATE_SYNTAX = re.compile(r"\{\{|\{%|\{#|#\}|%\}|\}\}")


@pytest.fixture
def crawled(commune, other_commune, consultant, users, client):
    """Every page each role reaches: a list of tests.harness.crawl.Page."""
    data = scenario(commune, other_commune, consultant)
    # More time spent on the request than it was allotted (4 half-days): its bar stays within its max.
    TimeEntryFactory(
        consultant=consultant,
        support_request_id=data["request"],
        order_line=OrderLine.objects.get(order_form=data["order_form"]),
        half_days=Decimal("5"),
        date=datetime.date.today() - datetime.timedelta(days=1),
    )
    start = walked_urls(data, MATRIX)
    pages = {}
    for role in ROLES:
        log_in(client, users[role])
        pages[role] = crawl(client, role, start)
    # Then each page's own form, sent empty: what a refused form shows (some forms do their work: read last).
    refused = []
    for role in ROLES:
        log_in(client, users[role])
        refused += refused_forms(client, role, pages[role])
    return [page for role in ROLES for page in pages[role]] + refused


def log_in(client, user):
    client.logout()
    if user is not None:
        client.force_login(user)


def template_syntax(page_html: str) -> list[str]:
    """The template syntax a page shows, with what surrounds it. The page's scripts and styles are left out (a
    script may write `}}`), not its attributes or text."""
    visible = re.sub(r"<(script|style)\b.*?</\1>", "", page_html, flags=re.S | re.I)
    return [visible[max(0, m.start() - 40) : m.end() + 40] for m in TEMPLATE_SYNTAX.finditer(visible)]


def test_template_syntax_is_found():
    assert template_syntax("<p>{# A comment over\ntwo lines #}</p>")
    assert template_syntax("<p>{{ user.name</p>")
    assert not template_syntax('<p>Rien</p><script nonce="x">const a = {b: {c: 1}};</script>')


def vnu_errors(files: dict[Path, str]) -> list[str]:
    """The Nu HTML Checker's errors on `files` (path: what it shows), in one run of vnu.jar."""
    assert VNU_JAR.exists(), f"{VNU_JAR} is missing: `npm ci --prefix .ci/vnu --ignore-scripts` (or set VNU_JAR)"
    java = shutil.which("java")
    assert java, "no Java runtime: install default-jre-headless (.ci/run does)"
    result = subprocess.run(
        [java, "-jar", str(VNU_JAR), "--errors-only", "--format", "json", *map(str, files)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    try:
        messages = json.loads(result.stderr)["messages"]
    except ValueError:
        raise AssertionError(
            f"vnu.jar answered no report (exit {result.returncode}): {result.stderr[:2000]}"
        ) from None
    by_file = {path.resolve().as_uri(): shown for path, shown in files.items()}
    return [
        f"{by_file.get(message.get('url', '').replace('file:/', 'file:///', 1), message.get('url'))} "
        f"line {message.get('lastLine')}: {message['message']} [{message.get('extract', '').strip()}]"
        for message in messages
        if message.get("type") == "error" or message.get("subType") == "fatal"
    ]


@pytest.mark.postgres_only
def test_vnu_reports_its_errors(tmp_path):
    page = tmp_path / "page.html"
    page.write_text('<!DOCTYPE html><html lang="fr"><title>x</title><input type="month" placeholder="mm/aaaa">')
    errors = vnu_errors({page: "the filter"})
    assert len(errors) == 1 and errors[0].startswith("the filter line 1: Attribute “placeholder”"), errors


@pytest.mark.postgres_only
def test_every_page_each_role_reaches_is_valid_html_without_template_syntax(crawled, tmp_path):
    shown = {f"{page.role} {page.url}": found for page in crawled if (found := template_syntax(page.html))}
    assert shown == {}, f"template syntax on {len(shown)} of {len(crawled)} pages: {shown}"
    files = {}
    for number, page in enumerate(crawled):
        if page.is_document:  # a fragment is checked with the page that loads it
            path = tmp_path / f"{number:04d}-{page.role}.html"
            path.write_text(page.html, encoding="utf-8")
            files[path] = f"{page.role} {page.url}"
    assert len(files) > 300, len(files)
    errors = vnu_errors(files)
    assert errors == [], f"{len(errors)} errors on {len(files)} pages:\n" + "\n".join(errors)
