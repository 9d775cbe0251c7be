"""Selects that offer the same long list on every row of a page, the list written once.

The week grid shows one activity select and one order-line select per row, each with the same hundreds of
options: built through Django's select widget, every row built a dict per option (`create_option`) and wrote them
again, about 6,000 options per page. `SharedOptions` writes the options once as HTML; each select then renders as
that string with its own value marked `selected`. `SharedChoiceField` checks a posted value against the same
options with a set lookup, without copying the choices into every row's field.

The markup is what Django's select widget writes (through core/renderers.py): the same `<option value="…">`, the
same `selected` attribute, the same groups, so that no-JavaScript use, labels and scripts see an ordinary select.
"""

from collections.abc import Callable
from html import escape

import django_filters
from django import forms
from django.utils.functional import cached_property
from django.utils.safestring import mark_safe

from core.renderers import render_attrs


class SharedOptions:
    """The options of one list, in Django's choices format (`(value, label)` or `(group label, [(value, label)…])`),
    with optional attributes per value (`option_attrs`: {value: {"data-mission": 1}}), written once."""

    def __init__(self, choices, *, option_attrs: dict[str, dict] | None = None):
        self._choices = choices  # a list, or a callable read on first use (nothing is read for a form not shown)
        self.option_attrs = option_attrs or {}

    @cached_property
    def choices(self) -> list:
        return list(self._choices() if callable(self._choices) else self._choices)

    @cached_property
    def values(self) -> frozenset[str]:
        """Every value offered, as strings (what a browser posts)."""
        values = set()
        for value, label in self.choices:
            if isinstance(label, list | tuple):
                values.update(str(sub_value) for sub_value, _ in label)
            else:
                values.add(str(value))
        return frozenset(values)

    @cached_property
    def _html(self) -> str:
        """Every option written by comprehensions, html.escape's replacements inlined: no Python call per option (a
        call per option and one per escape were 3,700 calls for `/temps/`'s 1,200 options)."""
        parts, flat = [], []
        for value, label in self.choices:
            if isinstance(label, list | tuple):
                parts += self._options(flat)
                flat = []
                parts.append(f'<optgroup label="{escape(str(value))}">')
                parts += self._options(label)
                parts.append("</optgroup>")
            else:
                flat.append((value, label))
        parts += self._options(flat)
        return "\n".join(parts)

    def _options(self, pairs) -> list[str]:
        """`<option>`s of (value, label) pairs, escaped as html.escape does (quotes included)."""
        values = [str(value) for value, _ in pairs]
        escaped_values = [
            value.replace("&", "&amp;")
            .replace("<", "&lt;")
            .replace(">", "&gt;")
            .replace('"', "&quot;")
            .replace("'", "&#x27;")
            for value in values
        ]
        labels = [
            str(label)
            .replace("&", "&amp;")
            .replace("<", "&lt;")
            .replace(">", "&gt;")
            .replace('"', "&quot;")
            .replace("'", "&#x27;")
            for _, label in pairs
        ]
        attrs = self.option_attrs
        return [
            f'<option value="{escaped}"{render_attrs(attrs[value]) if value in attrs else ""}>{label}</option>'
            for value, escaped, label in zip(values, escaped_values, labels, strict=True)
        ]

    def html(self, value) -> str:
        """The options with `value` (a string, or None) selected: one search in one string."""
        if value is None or str(value) not in self.values:
            return self._html
        start = f'<option value="{escape(str(value))}"'
        return self._html.replace(start, f"{start} selected", 1)


class SharedOptionsSelect(forms.Select):
    """A single select whose options are a SharedOptions' (the widget's own `choices` are not used)."""

    def __init__(self, options: SharedOptions, attrs=None):
        super().__init__(attrs)
        self.options = options

    def optgroups(self, name, value, attrs=None):
        return []  # written by SharedOptions.html

    def use_required_attribute(self, initial):
        """As Django's select: `required` only when the first option is the empty one."""
        choices = self.options.choices
        return forms.Widget.use_required_attribute(self, initial) and bool(choices) and choices[0][0] in ("", None)

    def render(self, name, value, attrs=None, renderer=None):
        context = self.get_context(name, value, attrs)["widget"]
        chosen = context["value"][0] if context["value"] else None
        return mark_safe(  # noqa: S308 - the name and attributes are escaped by render_attrs, the options by SharedOptions
            f'<select name="{escape(name)}"{render_attrs(context["attrs"])}>\n{self.options.html(chosen)}\n</select>'
        )


class SharedChoiceField(forms.TypedChoiceField):
    """A choice among a SharedOptions' values (`offer` sets them), shown by a SharedOptionsSelect."""

    options = SharedOptions([])

    @property
    def choices(self) -> list:
        """The options' choices (read on first use), for code that reads a field's choices."""
        return self.options.choices

    @choices.setter
    def choices(self, value) -> None:
        """Django's ChoiceField sets its (empty) choices when built; the options come from `offer`."""
        if value:
            self.options = SharedOptions(value)

    def __deepcopy__(self, memo):
        return forms.Field.__deepcopy__(self, memo)  # the options are shared, never copied (ChoiceField copies)

    def offer(self, options: SharedOptions, *, attrs=None) -> None:
        self.options = options
        self.widget = SharedOptionsSelect(options, attrs={**self.widget.attrs, **(attrs or {})})
        self.widget.is_required = self.required

    def valid_value(self, value) -> bool:
        return str(value) in self.options.values


class SharedOptionsFilter(django_filters.Filter):
    """A filter's select of many options (a list filter's consultants, order forms, activities) written as one
    string and checked against a set: Django's select built a dict per option and normalised the choices again at
    each use (90 ms of the 150 ms of `/temps/` at scale 20). `choices` is a callable, read once per filter set, on
    first use; `empty_label` is the first option ("Tous")."""

    field_class = SharedChoiceField

    def __init__(self, *args, choices: Callable[[], list] | None = None, empty_label: str = "", **kwargs):
        if choices is not None:
            self.read_choices = choices
        self.empty_label = empty_label
        super().__init__(*args, **kwargs)

    def read_choices(self) -> list:
        """The options after the empty one (a subclass may define them here)."""
        return []

    @property
    def field(self):
        if not hasattr(self, "_field"):
            field = super().field
            field.offer(SharedOptions(lambda: [("", self.empty_label), *self.read_choices()]))
        return self._field
