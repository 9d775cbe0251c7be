"""Ids are written in templates as the forms and URLs read them, never as French numbers.

With USE_THOUSAND_SEPARATOR (amounts and counts read « 1 234 »), `{{ contact.pk }}` is written « 5 055 » once ids
pass 999: a checkbox's value, a URL's `?commune=` or an element id then names nothing (a form refused the bulk
registration's proposals that way). Ids go through `|unlocalize` (or a URL tag, or Python).
"""

import re
from pathlib import Path

from django.conf import settings

ROOTS = ("ateliers", "communes", "missions", "pat_portal", "templates")
# A widget's context (Django writes its ids as text) and the chart's element id are strings already.
BARE_ID = re.compile(r"\{\{\s*(?!widget\.)(?!chart_id\b)[\w.]*(?:\.pk|\.id|_id)\s*\}\}")


def _templates():
    base = Path(settings.BASE_DIR)
    for root in ROOTS:
        yield from (base / root).rglob("*.html")


def test_no_template_writes_a_bare_id():
    found = [
        f"{path.relative_to(settings.BASE_DIR)}:{number}: {match.group(0)}"
        for path in _templates()
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
        for match in BARE_ID.finditer(line)
    ]
    assert found == []


def test_the_rule_sees_a_bare_id_and_accepts_an_unlocalized_one():
    assert BARE_ID.search('value="{{ contact.pk }}"')
    assert BARE_ID.search("?commune={{ data.commune_id }}")
    assert not BARE_ID.search('value="{{ contact.pk|unlocalize }}"')
    assert not BARE_ID.search('id="{{ widget.attrs.id }}"')
