"""Reading a page's `<form method="post">` elements as a browser would submit them: inputs with their values, checked
boxes, selected options, textareas, submit buttons, file fields (the fuzzer's baselines, and tests that post a
page's own form). A button that names a form (`form="id"`) or another URL (`formaction`) submits that form to that
URL: each such button reads as a form of its own (/temps/ and the plan page post one form from their buttons)."""

from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urlsplit


@dataclass
class PostForm:
    action: str
    in_main: bool
    id: str = ""
    has_submit: bool = False  # a submit button of its own (not only buttons elsewhere that name it)
    fields: dict[str, list[str]] = field(default_factory=dict)
    names: set[str] = field(default_factory=set)  # every named control, submitted unchanged or not (empty boxes…)
    submits: list[tuple[str, str]] = field(default_factory=list)
    files: list[str] = field(default_factory=list)

    def add(self, name: str, value: str) -> None:
        self.fields.setdefault(name, []).append(value)

    def data(self) -> dict:
        return {name: values[0] if len(values) == 1 else values for name, values in self.fields.items()}


@dataclass
class _Submitter:
    """A submit button with `form` or `formaction`: it submits `form_id`'s form (or the one around it) to `action`."""

    form_id: str | None
    around: PostForm | None
    action: str | None
    name: str | None
    value: str
    in_main: bool


def _is_submit(tag: str, attrs: dict) -> bool:
    kind = (attrs.get("type") or ("submit" if tag == "button" else "text")).lower()
    return (tag == "button" and kind == "submit") or (tag == "input" and kind in {"submit", "image"})


class _PostFormParser(HTMLParser):
    """The page's `<form method="post">` elements, with the values a browser would submit unchanged."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms: list[PostForm] = []
        self.submitters: list[_Submitter] = []
        self.in_main = False
        self.form: PostForm | None = None
        self.select: dict | None = None
        self.option: dict | None = None
        self.textarea: dict | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "main":
            self.in_main = True
        elif tag == "form" and self.form is None:  # a browser ignores a form nested in another
            if (attrs.get("method") or "get").lower() == "post":
                self.form = PostForm(action=attrs.get("action") or "", in_main=self.in_main, id=attrs.get("id") or "")
        elif _is_submit(tag, attrs) and ("form" in attrs or "formaction" in attrs) and "disabled" not in attrs:
            self.submitters.append(
                _Submitter(
                    form_id=attrs.get("form"),
                    around=self.form,
                    action=attrs.get("formaction"),
                    name=attrs.get("name"),
                    value=attrs.get("value") or "",
                    in_main=self.in_main,
                )
            )
        elif self.form is None or "disabled" in attrs:
            return
        elif _is_submit(tag, attrs) and not attrs.get("name"):
            self.form.has_submit = True
        elif tag == "input":
            self._input(attrs)
        elif tag == "button" and attrs.get("name") and (attrs.get("type") or "submit").lower() == "submit":
            self.form.has_submit = True
            self.form.submits.append((attrs["name"], attrs.get("value") or ""))
        elif tag == "select" and attrs.get("name"):
            self.form.names.add(attrs["name"])
            self.select = {"name": attrs["name"], "multiple": "multiple" in attrs, "options": []}
        elif tag == "option" and self.select is not None:
            self._end_option()
            self.option = {"value": attrs.get("value"), "text": "", "selected": "selected" in attrs}
        elif tag == "textarea" and attrs.get("name"):
            self.form.names.add(attrs["name"])
            self.textarea = {"name": attrs["name"], "text": ""}

    def _input(self, attrs):
        name, kind = attrs.get("name"), (attrs.get("type") or "text").lower()
        if not name:
            return
        self.form.names.add(name)
        if kind in {"submit", "image"}:
            self.form.has_submit = True
            self.form.submits.append((name, attrs.get("value") or ""))
        elif kind == "file":
            self.form.files.append(name)
        elif kind in {"checkbox", "radio"}:
            if "checked" in attrs:
                self.form.add(name, attrs.get("value") or "on")
        elif kind not in {"button", "reset"}:
            self.form.add(name, attrs.get("value") or "")

    def handle_data(self, data):
        if self.option is not None:
            self.option["text"] += data
        elif self.textarea is not None:
            self.textarea["text"] += data

    def _end_option(self):
        if self.option is not None:
            value = self.option["value"] if self.option["value"] is not None else self.option["text"].strip()
            self.select["options"].append((value, self.option["selected"]))
            self.option = None

    def handle_endtag(self, tag):
        if tag == "main":
            self.in_main = False
        elif tag == "form" and self.form is not None:
            self.forms.append(self.form)
            self.form = None
        elif tag == "option" and self.select is not None:
            self._end_option()
        elif tag == "select" and self.select is not None:
            self._end_option()
            options = self.select["options"]
            chosen = [value for value, selected in options if selected]
            if not chosen and options and not self.select["multiple"]:
                chosen = [options[0][0]]  # a single select without a selected option submits its first one
            for value in chosen:
                self.form.add(self.select["name"], value)
            self.select = None
        elif tag == "textarea" and self.textarea is not None:
            text = self.textarea["text"]
            # Browsers drop the newline that follows <textarea> (Django writes one for that reason).
            self.form.add(self.textarea["name"], text[1:] if text.startswith("\n") else text)
            self.textarea = None


def post_forms(html: str) -> list[PostForm]:
    parser = _PostFormParser()
    parser.feed(html)
    parser.close()
    by_id = {form.id: form for form in parser.forms if form.id}
    named, variants = set(), []
    for submitter in parser.submitters:
        form = by_id.get(submitter.form_id) if submitter.form_id is not None else submitter.around
        if form is None:
            continue
        if submitter.form_id is not None:
            named.add(id(form))
        variants.append(
            PostForm(
                action=submitter.action if submitter.action is not None else form.action,
                in_main=submitter.in_main,
                id=form.id,
                has_submit=True,
                fields={name: list(values) for name, values in form.fields.items()},
                names=set(form.names),
                submits=[(submitter.name, submitter.value)] if submitter.name else [],
                files=list(form.files),
            )
        )
    # A form submitted only by buttons elsewhere is those buttons' forms.
    return [form for form in parser.forms if form.has_submit or id(form) not in named] + variants


def form_posting_to(html: str, page_url: str, url: str) -> PostForm:
    """The form of the page's <main> that posts to `url` (an empty action posts to the page itself); else the
    header's (the logout button)."""
    forms = sorted(post_forms(html), key=lambda form: not form.in_main)
    for form in forms:
        if urlsplit(form.action or page_url).path == urlsplit(url).path:
            return form
    raise AssertionError(f"no <form method=post> to {url} on {page_url}")
