"""The forms of a page as a browser would submit them, for the load bench (bench/locustfile.py): no Django, no Locust.

A simulated user GETs a page, reads one form (its action and every field with the value the page gives it: the
CSRF token, the optimistic-concurrency version, the submission token, the choices already made), changes the few
fields a person would type, and POSTs the whole. What the server refuses shows as an error on the page it renders
again: `form_errors` reads it back.
"""

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urljoin

# Django's and crispy-forms' marks of a refused form: a field or non-field error list, an invalid field, an alert.
ERROR_MARKS = re.compile(r'class="[^"]*\b(errorlist|invalid-feedback|is-invalid|alert-danger|alert-error)\b')
MESSAGE_TEXT = re.compile(
    r'class="[^"]*\b(?:invalid-feedback|errorlist|alert-danger|alert-error)\b[^>]*>(.*?)</', re.S
)
TAGS = re.compile(r"<[^>]+>")


@dataclass
class Select:
    name: str
    multiple: bool
    options: list[str] = field(default_factory=list)  # values, in page order, the empty one left out
    selected: list[str] = field(default_factory=list)
    first: str | None = None  # the first option's value, empty or not: what a single select sends by default


@dataclass
class Form:
    action: str
    method: str
    attrs: dict
    fields: list[tuple[str, str]] = field(default_factory=list)  # what the browser would send as it stands
    selects: dict[str, Select] = field(default_factory=dict)
    choices: dict[str, list[str]] = field(default_factory=dict)  # radio and checkbox values by name
    submit: tuple[str, str] | None = None  # the first named submit button that saves (not a `formnovalidate` one)

    def values(self, name: str) -> list[str]:
        return [value for key, value in self.fields if key == name]

    def value(self, name: str, default: str = "") -> str:
        found = self.values(name)
        return found[0] if found else default

    def names(self) -> set[str]:
        return {key for key, _ in self.fields} | set(self.selects) | set(self.choices)

    def filled(self, changes: dict | None = None) -> list[tuple[str, str]]:
        """The body to POST: every field as the page gives it, with `changes` (name -> value or list of values,
        None to leave the field out) applied, and the first named submit button."""
        changes = changes or {}
        body = [(key, value) for key, value in self.fields if key not in changes]
        for name, value in changes.items():
            if value is None:
                continue
            for one in value if isinstance(value, list | tuple) else [value]:
                body.append((name, str(one)))
        if self.submit and self.submit[0] not in changes:
            body.append(self.submit)
        return body


class _FormReader(HTMLParser):
    def __init__(self, url: str):
        super().__init__(convert_charrefs=True)
        self.url = url
        self.forms: list[Form] = []
        self.form: Form | None = None
        self.select: Select | None = None
        self.option: dict | None = None
        self.textarea: tuple[str, list[str]] | None = None
        self.in_template = 0  # a <template> (a formset's empty row) is not submitted

    def handle_starttag(self, tag, attrs):
        attrs = {key: (value if value is not None else "") for key, value in attrs}
        if tag == "template":
            self.in_template += 1
            return
        if self.in_template:
            return
        if tag == "form":
            self.form = Form(
                action=urljoin(self.url, attrs.get("action") or self.url),
                method=(attrs.get("method") or "get").lower(),
                attrs=attrs,
            )
            self.forms.append(self.form)
            return
        if self.form is None or "disabled" in attrs:
            return
        name = attrs.get("name")
        if tag == "input" and name:
            kind = attrs.get("type", "text").lower()
            if kind in ("checkbox", "radio"):
                self.form.choices.setdefault(name, []).append(attrs.get("value", "on"))
                if "checked" in attrs:
                    self.form.fields.append((name, attrs.get("value", "on")))
            elif kind in ("submit", "image"):
                if self.form.submit is None and "formnovalidate" not in attrs:
                    self.form.submit = (name, attrs.get("value", ""))
            elif kind not in ("button", "reset", "file"):
                self.form.fields.append((name, attrs.get("value", "")))
        elif tag == "button" and name and attrs.get("type", "submit") == "submit" and self.form.submit is None:
            # A secondary action that sends the form back unsaved (a people picker's « Chercher ») is not the one
            # a person clicks to save: it carries `formnovalidate`.
            if "formnovalidate" not in attrs:
                self.form.submit = (name, attrs.get("value", ""))
        elif tag == "select" and name:
            self.select = Select(name=name, multiple="multiple" in attrs)
            self.form.selects[name] = self.select
        elif tag == "option" and self.select is not None:
            self.option = {"value": attrs.get("value"), "selected": "selected" in attrs, "text": []}
        elif tag == "textarea" and name:
            self.textarea = (name, [])

    def handle_data(self, data):
        if self.option is not None:
            self.option["text"].append(data)
        if self.textarea is not None:
            self.textarea[1].append(data)

    def _close_option(self):
        if self.option is None or self.select is None:
            return
        value = self.option["value"]
        if value is None:
            value = "".join(self.option["text"]).strip()
        if self.select.first is None:
            self.select.first = value
        if value:
            self.select.options.append(value)
        if self.option["selected"]:
            self.select.selected.append(value)
        self.option = None

    def handle_endtag(self, tag):
        if tag == "template":
            self.in_template = max(0, self.in_template - 1)
        elif self.in_template:
            return
        elif tag == "option":
            self._close_option()
        elif tag == "select" and self.select is not None:
            self._close_option()
            select = self.select
            chosen = select.selected
            # A single select with no option marked sends its first option, as a browser does ('' included).
            if not chosen and not select.multiple and select.first is not None:
                chosen = [select.first]
            self.form.fields += [(select.name, value) for value in chosen]
            self.select = None
        elif tag == "textarea" and self.textarea is not None:
            name, text = self.textarea
            self.form.fields.append((name, "".join(text).removeprefix("\n")))
            self.textarea = None
        elif tag == "form":
            self.form = None


SELECT_BLOCK = re.compile(r"<select\b.*?</select>", re.S)
KEPT_OPTIONS = 200


def _trimmed(html: str, keep: int = KEPT_OPTIONS) -> str:
    """The page with each select cut to its first `keep` options plus those selected: a people picker without
    JavaScript lists every contact (16,000 options, 5 MB), which Python's HTML parser would take longer to read than
    the server took to write. A simulated person picks among the first ones anyway; what the form sends is the same."""

    def trim(match: re.Match) -> str:
        block = match.group(0)
        pieces = block.split("<option")
        if len(pieces) <= keep + 1 or "</option>" not in pieces[-1]:
            return block
        head, options = pieces[0], pieces[1:]
        # What follows the last option (</optgroup></select>) closes the select whichever options are kept.
        closing = options[-1][options[-1].rfind("</option>") + len("</option>") :]
        options[-1] = options[-1][: len(options[-1]) - len(closing)]
        kept = [piece for index, piece in enumerate(options) if index < keep or _is_selected(piece)]
        return "<option".join([head, *kept]) + closing

    return SELECT_BLOCK.sub(trim, html)


def _is_selected(option: str) -> bool:
    return "selected" in option[: option.find(">")]


def read_forms(html: str, url: str = "/") -> list[Form]:
    reader = _FormReader(url)
    reader.feed(_trimmed(html))
    reader.close()
    return reader.forms


def find_form(html: str, url: str = "/", *, action: str | None = None, having: str | None = None) -> Form | None:
    """The first POST form of the page whose action ends with `action` (its path) or that has the field `having`."""
    for form in read_forms(html, url):
        if form.method != "post":
            continue
        if action is not None and not form.action.split("?", 1)[0].endswith(action):
            continue
        if having is not None and having not in form.names():
            continue
        return form
    return None


def form_errors(html: str) -> str:
    """The errors a page shows on its form ('' when none): the text of the first few, for the failure report."""
    if not ERROR_MARKS.search(html):
        return ""
    texts = [" ".join(TAGS.sub(" ", text).split()) for text in MESSAGE_TEXT.findall(html)]
    return " | ".join(text for text in texts if text)[:300] or "erreur de formulaire"
