"""No template of the project can print its own syntax (issue 25, item 2).

Django reads a tag, a variable or a comment on one line only: a `{# … #}` comment written over two lines (or a
`{% … %}` tag, a `{{ … }}` variable) is not syntax but text, printed in the page as it is. Multi-line comments
are `{% comment %}…{% endcomment %}`. Every template file is read as Django's lexer reads it, on every run (no
database, well under a second): the crawl of every page (test_html_valid.py) finds the same thing on PostgreSQL
only, and only on the pages it reaches."""

from pathlib import Path

from django.conf import settings
from django.template.base import Lexer, TokenType

TEMPLATE_SYNTAX = ("{#", "#}", "{%", "%}", "{{", "}}")


def template_files() -> list[Path]:
    """Every file under a `templates` folder of the project (the virtualenv's packages excepted)."""
    root = Path(settings.BASE_DIR)
    return sorted(
        path
        for folder in root.glob("**/templates")
        if ".venv" not in folder.relative_to(root).parts and "node_modules" not in folder.relative_to(root).parts
        for path in folder.rglob("*")
        if path.is_file() and path.suffix in {".html", ".txt", ".xml", ".svg", ".md"}
    )


def syntax_printed_as_text(source: str) -> list[tuple[int, str]]:
    """(line, text) of each piece of template syntax the lexer reads as text, i.e. would print."""
    found = []
    for token in Lexer(source).tokenize():
        if token.token_type != TokenType.TEXT:
            continue
        for offset, line in enumerate(token.contents.split("\n")):
            if any(mark in line for mark in TEMPLATE_SYNTAX):
                found.append((token.lineno + offset, line.strip()))
    return found


def test_the_scan_finds_syntax_written_over_two_lines():
    assert syntax_printed_as_text("<p>\n{# The body of the page, kept\nbetween requests #}\n</p>") == [
        (2, "{# The body of the page, kept"),
        (3, "between requests #}"),
    ]
    assert syntax_printed_as_text("{% if a\n%}x{% endif %}") == [(1, "{% if a"), (2, "%}x")]
    assert syntax_printed_as_text("{# one line #}\n{% comment %}\nover\nlines\n{% endcomment %}{{ a }}") == []


def test_every_template_file_is_found():
    files = template_files()
    assert len(files) > 150, len(files)
    assert any(path.match("templates/layout/base.html") for path in files)
    assert any(path.match("missions/templates/missions/time/entry_list.html") for path in files)


def test_no_template_prints_its_own_syntax():
    printed = {
        f"{path.relative_to(settings.BASE_DIR)}:{line}": text
        for path in template_files()
        for line, text in syntax_printed_as_text(path.read_text(encoding="utf-8"))
    }
    assert printed == {}, "Over several lines, write {% comment %}…{% endcomment %}:\n" + "\n".join(
        f"{where}: {text}" for where, text in printed.items()
    )
