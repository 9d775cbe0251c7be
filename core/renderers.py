"""The form renderer of the portal: Django's, with select boxes and single inputs written out in Python.

Django renders a select through a template per option: a filter with the 1,340 communes of the scale-20
benchmark spent 1.8 s of a 1.95 s page in it. `render_select` writes the same markup as Django's
`select.html` / `select_option.html` / `attrs.html` templates, in a few milliseconds. Single inputs (text, hidden,
checkbox, date, number…) go through two nested templates each (`input.html`, `attrs.html`): on `/mon-compte/`, the
lightest logged-in page, its five checkboxes cost half the page (issue 19); `render_input` writes the same markup.
Every other widget keeps its template.
"""

from html import escape as html_escape

from django.forms.renderers import DjangoTemplates
from django.utils.safestring import mark_safe

SELECT_TEMPLATE = "django/forms/widgets/select.html"
# Django's widget templates that are only `input.html` (`{% include "django/forms/widgets/input.html" %}`).
INPUT_TEMPLATES = frozenset(
    f"django/forms/widgets/{name}.html"
    for name in (
        [
            "input",
            "checkbox",
            "color",
            "date",
            "datetime",
            "email",
            "hidden",
            "number",
            "password",
            "search",
            "tel",
            "text",
            "time",
            "url",
        ]
    )
)


def _escape(value) -> str:
    """Django's conditional_escape, inlined: already-safe HTML as it is, anything else escaped."""
    if hasattr(value, "__html__"):
        return value.__html__()
    return html_escape(str(value))


def render_attrs(attrs) -> str:
    """Django's attrs.html: `False` leaves the attribute out, `True` writes its bare name."""
    if not attrs:
        return ""
    parts = []
    for name, value in attrs.items():
        if value is False:
            continue
        if value is True:
            parts.append(f" {_escape(name)}")
        else:
            parts.append(f' {_escape(name)}="{_escape(value)}"')
    return "".join(parts)


def render_select(widget) -> str:
    parts = [f'<select name="{_escape(widget["name"])}"{render_attrs(widget["attrs"])}>']
    for group_name, options, _index in widget["optgroups"]:
        if group_name:
            parts.append(f'\n  <optgroup label="{_escape(group_name)}">')
        parts.extend(
            f'\n  <option value="{_escape(option["value"])}"{render_attrs(option["attrs"])}>'
            f"{_escape(option['label'])}</option>"
            for option in options
        )
        if group_name:
            parts.append("\n  </optgroup>")
    parts.append("\n</select>")
    return mark_safe("".join(parts))  # noqa: S308 (every value above went through _escape)


def render_input(widget) -> str:
    """Django's input.html: the value written with `stringformat:'s'` unless it is None. A hidden input has no aria-*
    attribute (HTML allows none): Django 5.2 gives the hidden initial input of a field with a callable default
    (`show_hidden_initial`) its field's aria-describedby once the field has an error."""
    attrs = widget["attrs"]
    if widget["type"] == "hidden":
        attrs = {name: value for name, value in attrs.items() if not name.startswith("aria-")}
    value = "" if widget["value"] is None else f' value="{_escape(str(widget["value"]))}"'
    return mark_safe(  # noqa: S308 (every value went through _escape)
        f'<input type="{_escape(widget["type"])}" name="{_escape(widget["name"])}"{value}{render_attrs(attrs)}>'
    )


class PortalFormRenderer(DjangoTemplates):
    def render(self, template_name, context, request=None):
        if template_name == SELECT_TEMPLATE:
            return render_select(context["widget"])
        if template_name in INPUT_TEMPLATES:
            return render_input(context["widget"])
        return super().render(template_name, context, request=request)
