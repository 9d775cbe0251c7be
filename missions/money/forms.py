"""Forms of time tracking: one entry, and the week grid (one row per activity and order line)."""

import datetime

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django import forms
from django.db.models import Q
from django.utils.html import escape
from django.utils.safestring import mark_safe

from ateliers.models import Workshop
from core import access
from core.concurrency import VersionedModelForm
from core.french import french_sorted, weekday_day_month
from core.models import User
from core.renderers import render_attrs
from core.shared_options import SharedChoiceField, SharedOptions
from core.submissions import SubmissionTokenMixin
from core.templatetags.portal import euros
from missions.mission1.models.accompaniments import Accompaniment
from missions.money.models.orders import OrderForm
from missions.money.models.time import MAX_HALF_DAYS_PER_ENTRY, TimeEntry, half_days_text
from missions.money.services.budget import lines_for_new_time
from missions.money.services.time import OPEN_STATUSES, WeekGrid, WeekRow, monday_of
from missions.support.models import SupportRequest

HALF_DAY_CHOICES = [(1, "1 demi-journée"), (2, "2 demi-journées (journée entière)")]


def activity_choices(user, *, include_keys: set[str] | None = None) -> list:
    """Choices of the activity select: general work, then accompaniments, workshops and support requests.

    Three queries. Closed accompaniments, cancelled workshops and requests not taken on are left out, unless
    an entry being edited already points at them (`include_keys`).
    """
    include_keys = include_keys or set()
    Activity = TimeEntry.Activity

    def kept(kind) -> Q:
        """The rows an edited entry already points at, whatever their state."""
        prefix = f"{kind.value}:"
        return Q(
            pk__in=[
                int(key[len(prefix) :])
                for key in include_keys
                if key.startswith(prefix) and key[len(prefix) :].isdigit()
            ]
        )

    # The states are filtered by the database: only the rows offered are read (1,300 at scale 20, not 2,300). They
    # are sorted here, in French order: SQLite's French collation calls Python for each of the ~15,000 comparisons
    # (12 ms at scale 20), the sort key once per name (1 ms).
    accompaniments = french_sorted(
        Accompaniment.objects.visible_to(user)
        .filter(~Q(phase=Accompaniment.Phase.CLOSED) | kept(Activity.ACCOMPANIMENT))
        .order_by("pk")
        .values_list("pk", "commune__name"),
        key=lambda row: row[1],
    )
    workshops = (  # plain rows, labelled as Workshop.__str__ writes them
        Workshop.objects.visible_to(user)
        .filter(~Q(status=Workshop.Status.CANCELLED) | kept(Activity.WORKSHOP))
        .order_by("-starts_at")
        .values_list("pk", "number", "title")
    )
    # Each kind's value read once: an enum member's `.value` is a descriptor call, costly in a loop of 1,300 rows.
    accompaniment_kind, workshop_kind, request_kind = (
        Activity.ACCOMPANIMENT.value,
        Activity.WORKSHOP.value,
        Activity.SUPPORT_REQUEST.value,
    )
    requests = (  # plain rows: 350 at scale 20, 5 ms as instances
        SupportRequest.objects.visible_to(user)
        .filter(Q(status__in=SupportRequest.SUPPORTED_STATUSES) | kept(Activity.SUPPORT_REQUEST))
        .order_by("-year", "-number")
        .values_list("pk", "year", "number", "title")
    )
    groups = [
        (
            "Mission 1 : accompagnements communaux",
            [(f"{accompaniment_kind}:{pk}", f"Accompagnement — {name}") for pk, name in accompaniments],
        ),
        (
            "Mission 2 : ateliers de partage",
            [(f"{workshop_kind}:{pk}", f"Atelier n° {number} : {title}") for pk, number, title in workshops],
        ),
        (
            "Mission 3 : demandes d'accompagnement",
            [
                (
                    f"{request_kind}:{pk}",
                    f"Demande {SupportRequest.reference_of(year, number)} — {title}",
                )
                for pk, year, number, title in requests
            ],
        ),
    ]
    return [(Activity.GENERAL.value, Activity.GENERAL.label)] + [group for group in groups if group[1]]


def order_line_choices(user, *, include_ids: set[int] | None = None) -> list:
    return order_line_options(user, include_ids=include_ids)[0]


def order_line_options(user, *, include_ids: set[int] | None = None) -> tuple[list, dict[str, int]]:
    """Half-day lines time may be charged to, grouped by order form, with complete labels (mission, order form,
    line, price, half-days used), and the mission of each line (for the grid to offer only the lines of a row's
    activity). One query.

    Open order forms only (issued or notified); a GBM officer also gets those executed, invoiced or paid, which
    only they may still charge, with a reason, as they alone get the lines full to 100 % (`lines_for_new_time`).
    Lines an edited entry already uses stay offered (`include_ids`).
    """
    statuses = set(OPEN_STATUSES) | (
        set(OrderForm.EXECUTED_STATUSES) if access.can_override_time_limits(user) else set()
    )
    lines = lines_for_new_time(user, statuses=statuses, include_ids=include_ids or []).order_by(
        "order_form__mission", "-order_form__issued_on", "order_form__number", "position", "pk"
    )
    groups: dict[str, list] = {}
    missions: dict[str, int] = {}
    for line in lines:
        order_form = line.order_form
        closed = f" — bon {order_form.get_status_display().lower()}" if order_form.is_executed else ""
        label = (
            f"{line.description} — {euros(line.unit_price)} HT la demi-journée — "
            f"{half_days_text(line.consumed_half_days)} sur {half_days_text(line.quantity)} demi-journées imputées"
            f"{closed}"
        )
        group = f"Mission {order_form.mission} · {order_form.number} — {order_form.object}"
        groups.setdefault(group, []).append((line.pk, label))
        missions[str(line.pk)] = order_form.mission
    return list(groups.items()), missions


class OrderLineSelect(forms.Select):
    """A select whose options carry their order form's mission (`data-mission`): the week grid's script offers, on
    each row, only the lines of the row's activity's mission. Without the script every line is listed and the
    server refuses a line of another mission (French message)."""

    def __init__(self, attrs=None, choices=(), missions=None):
        super().__init__(attrs, choices)
        self.missions = missions or {}

    def create_option(self, name, value, label, selected, index, subindex=None, attrs=None):
        option = super().create_option(name, value, label, selected, index, subindex=subindex, attrs=attrs)
        if str(value) in self.missions:
            option["attrs"]["data-mission"] = self.missions[str(value)]
        return option


def _valid_keys(choices) -> set[str]:
    keys = set()
    for value, label in choices:
        if isinstance(label, list | tuple):
            keys |= {str(sub_value) for sub_value, _ in label}
        else:
            keys.add(str(value))
    return keys


# A line not offered (`lines_for_new_time`): full to 100 % since the page was read, its order form not open, or a
# line that takes no time (the message is %-formatted with the value: its own percent sign is doubled).
FULL_OR_CLOSED_LINE = (
    "Cette ligne n'est pas proposée : elle a atteint 100 %% de ses demi-journées, son bon de commande n'est pas "
    "ouvert, ou elle ne se compte pas en demi-journées. Choisissez une ligne de la liste ; seul·e un·e chargé·e de "
    "mission GBM peut accepter un dépassement, en indiquant le motif."
)


class TimeEntryForm(SubmissionTokenMixin, VersionedModelForm):
    activity = forms.ChoiceField(label="Activité")
    order_line = forms.TypedChoiceField(
        label="Ligne de bon de commande",
        coerce=int,
        help_text="Le temps est valorisé au prix unitaire de cette ligne.",
        error_messages={"invalid_choice": FULL_OR_CLOSED_LINE},
    )
    half_days = forms.TypedChoiceField(label="Demi-journées", choices=HALF_DAY_CHOICES, coerce=int)

    class Meta:
        model = TimeEntry
        fields = ["consultant", "date", "half_days", "comment", "override_reason"]
        widgets = {"date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")}

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        entry = self.instance
        if user.is_gbm:
            self.fields["consultant"].queryset = User.objects.consultants()
        else:
            del self.fields["consultant"]
            entry.consultant = user
        if not access.can_override_time_limits(user):
            del self.fields["override_reason"]
        include_keys = {entry.activity_key} if entry.pk else set()
        include_ids = {entry.order_line_id} if entry.pk else set()
        self.fields["activity"].choices = activity_choices(user, include_keys=include_keys)
        line_choices, line_missions = order_line_options(user, include_ids=include_ids)
        self.fields["order_line"].choices = [("", "—")] + line_choices
        self.fields["order_line"].widget = OrderLineSelect(
            choices=self.fields["order_line"].choices, missions=line_missions
        )
        self.fields["activity"].widget.attrs["data-time-activity"] = ""
        self.fields["order_line"].widget.attrs["data-time-line"] = ""
        if entry.pk:
            self.initial.setdefault("activity", entry.activity_key)
            self.initial.setdefault("order_line", entry.order_line_id)
        self.order_fields(["consultant", "date", "half_days", "activity", "order_line", "comment", "override_reason"])
        self.helper = FormHelper()
        self.helper.add_input(Submit("submit", "Enregistrer"))

    def _post_clean(self):
        # The activity and the line are chosen from plain selects (built once per page); set them before the
        # model's own validation runs.
        if "activity" in self.cleaned_data:
            self.instance.set_activity(self.cleaned_data["activity"])
        if self.cleaned_data.get("order_line"):
            self.instance.order_line_id = self.cleaned_data["order_line"]
        super()._post_clean()


def _labelled(field: forms.BoundField, label: str, widget: str | None = None) -> str:
    """A week grid's cell content: the visually hidden label (`label` already escaped), the widget, its errors."""
    errors = field.errors
    feedback = (
        f'    <div id="{field.auto_id}_error">'
        + "".join(f'<div class="invalid-feedback d-block">{escape(error)}</div>' for error in errors)
        + "</div>\n"
        if errors
        else ""
    )
    widget = f"{field}" if widget is None else widget
    return f'    <label class="visually-hidden" for="{field.id_for_label}">{label}</label>\n    {widget}\n{feedback}'


def _number_input(field: forms.BoundField) -> str:
    """A day cell's `<input type="number">` as Django and core/renderers.py write it (the same attributes in the same
    order: the widget's, then `disabled`, `aria-invalid`, `aria-describedby`, then the id), without the widget's
    context and renderer: a week has 7 cells per row."""
    widget = field.field.widget
    value = widget.format_value(field.value())
    attrs = field.build_widget_attrs(widget.attrs)
    attrs.setdefault("id", field.auto_id)
    value = "" if value is None else f' value="{escape(value)}"'
    return f'<input type="number" name="{escape(field.html_name)}"{value}{render_attrs(attrs)}>'


class WeekRowForm(forms.Form):
    """One row of the week grid. Days of a locked month or in the future are shown but cannot change."""

    # The same long lists on every row: written once per page (WeekGridForm) and shared by the rows.
    activity = SharedChoiceField(
        label="Activité", required=False, widget=forms.Select(attrs={"class": "form-select form-select-sm"})
    )
    order_line = SharedChoiceField(
        label="Ligne de bon de commande",
        coerce=int,
        required=False,
        empty_value=None,
        error_messages={"invalid_choice": FULL_OR_CLOSED_LINE},
        widget=forms.Select(attrs={"class": "form-select form-select-sm"}),
    )

    # The proposal the row came from ('reunion:12', 'atelier:3'; empty for a row typed in): see `week_suggestions`.
    source = forms.CharField(required=False, widget=forms.HiddenInput, max_length=60)

    def __init__(self, *args, days, activity_options, line_options, day_fields, **kwargs):
        super().__init__(*args, **kwargs)
        self.days = days
        self.fields["activity"].offer(activity_options, attrs={"data-time-activity": ""})
        self.fields["order_line"].offer(line_options, attrs={"data-time-line": ""})
        # The day fields are the grid's (`week_day_fields`), the same for every row: no form changes its fields,
        # so they are shared rather than built again (seven fields and widgets per row).
        self.fields.update(day_fields)

    def day_fields(self):
        return [(day, self[f"day_{index}"]) for index, day in enumerate(self.days)]

    def as_week_row(self, number) -> str:
        """The row's `<tr>`: each field with its visually hidden label (« Ligne 3 : activité ») and its errors (their
        block's id is the one the field's `aria-describedby` names). Written here rather than by a template per
        row and per cell: the template engine cost more than the row's widgets."""
        prefix = f"Ligne {escape(str(number))} : "
        suggestion = getattr(self, "suggestion_label", None)
        activity, line, source = self["activity"], self["order_line"], self["source"]
        parts = [
            f'<tr class="formset-form{" table-info" if suggestion else ""}">\n  <td>\n',
            f'    <p class="small mb-1"><span class="badge text-bg-info me-1">Proposé</span>{escape(suggestion)}. '
            "Gardez, ajustez, ou videz les cases pour l'écarter.</p>\n"
            if suggestion
            else "",
            _labelled(activity, f"{prefix}activité"),
            f'    {source}\n  </td>\n  <td class="week-line">\n',
            _labelled(line, f"{prefix}ligne de bon de commande"),
            "  </td>\n",
        ]
        for index in range(len(self.days)):
            field = self[f"day_{index}"]
            parts += [
                '  <td class="text-center">\n',
                _labelled(field, f"{prefix}{escape(field.label)}", _number_input(field)),
                "  </td>\n",
            ]
        parts.append("</tr>\n")
        return mark_safe("".join(parts))  # noqa: S308 - labels, values and errors are escaped, widgets are Django's

    def half_days_by_day(self) -> dict[datetime.date, int]:
        return {day: self.cleaned_data.get(f"day_{index}") or 0 for index, day in enumerate(self.days)}

    def clean(self):
        cleaned = super().clean()
        has_time = any(cleaned.get(f"day_{index}") for index in range(len(self.days)))
        if has_time and not cleaned.get("activity"):
            self.add_error("activity", "Choisissez l'activité de cette ligne.")
        if has_time and not cleaned.get("order_line"):
            self.add_error("order_line", "Choisissez la ligne de bon de commande à laquelle imputer ce temps.")
        return cleaned


def week_day_fields(days, frozen_days=frozenset()) -> dict[str, forms.IntegerField]:
    """The half-day fields of a grid's week (`day_0`…`day_6`), built once per grid and shared by its rows. Days of
    a locked month or in the future are shown but cannot change."""
    return {
        f"day_{index}": forms.IntegerField(
            label=f"{weekday_day_month(day)} : demi-journées",
            required=False,
            min_value=0,
            max_value=MAX_HALF_DAYS_PER_ENTRY,
            disabled=day in frozen_days,
            widget=forms.NumberInput(attrs={"class": "form-control form-control-sm week-cell", "step": 1}),
            error_messages={
                "max_value": "Au plus deux demi-journées par jour.",
                "min_value": "Le nombre ne peut pas être négatif.",
            },
        )
        for index, day in enumerate(days)
    }


# The selects of the added row's template (`empty_form`): only the empty option. The grid's script copies the
# lists of the page's first row into them (static/js/time-lines.js): without JavaScript no row is added, and the
# page carries each long list once less.
ONLY_EMPTY_OPTION = SharedOptions([("", "—")])


class BaseWeekFormSet(forms.BaseFormSet):
    def get_form_kwargs(self, index):
        # Every row is read, even one equal to what was shown: the grid is the whole week, and an unread row
        # would count as emptied (its entries deleted).
        kwargs = {**super().get_form_kwargs(index), "empty_permitted": False}
        if index is None:  # the added row's template
            kwargs |= {"activity_options": ONLY_EMPTY_OPTION, "line_options": ONLY_EMPTY_OPTION}
        return kwargs

    def clean(self):
        super().clean()
        if any(self.errors):
            return
        seen = set()
        for form in self.forms:
            key = (form.cleaned_data.get("activity"), form.cleaned_data.get("order_line"))
            # A proposal may share its activity and line with a typed row: its day is one the typed row leaves empty.
            if not all(key) or not any(form.half_days_by_day().values()) or form.cleaned_data.get("source"):
                continue
            if key in seen:
                raise forms.ValidationError(
                    "La même activité et la même ligne de bon de commande figurent sur deux lignes : regroupez-les."
                )
            seen.add(key)


# absolute_max: a forged TOTAL_FORMS otherwise makes Django build and render 1,040 rows (seconds of CPU).
WeekFormSet = forms.formset_factory(
    WeekRowForm, formset=BaseWeekFormSet, extra=3, max_num=40, absolute_max=40, validate_max=True
)


class WeekOverrideForm(forms.Form):
    """GBM's reason to charge the week's time beyond 100 % of a line or to a closed order form (GBM only)."""

    override_reason = forms.CharField(
        label="Motif du dépassement (GBM)",
        required=False,
        max_length=500,
        help_text="À remplir seulement pour imputer au-delà de 100 % d'une ligne, ou sur un bon exécuté, facturé ou "
        "payé. Le motif est enregistré sur les saisies concernées.",
    )


class WeekChoiceForm(forms.Form):
    """Which week (and, for GBM, whose week) the grid shows."""

    semaine = forms.DateField(
        label="Semaine du", required=False, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    consultant = forms.ModelChoiceField(label="Consultant·e", queryset=User.objects.none(), required=False)

    def __init__(self, data=None, *, user, today: datetime.date):
        self.this_monday = monday_of(today)
        super().__init__(data, initial={"semaine": self.this_monday})
        self.user = user
        if user.is_gbm:
            self.fields["consultant"].queryset = User.objects.consultants()
        else:
            del self.fields["consultant"]

    def chosen_week(self) -> tuple[datetime.date, User | None]:
        """The Monday of the chosen week (this week when none is chosen, or the choice is invalid), and whose week:
        the consultant GBM chose, else oneself for a consultant; None for GBM until a consultant is chosen."""
        monday, consultant = self.this_monday, (self.user if self.user.is_consultant else None)
        if self.is_valid():
            monday = monday_of(self.cleaned_data["semaine"] or monday)
            consultant = self.cleaned_data.get("consultant") or consultant
        return monday, consultant


class WeekGridForm:
    """The week grid bound as one form: its rows (`formset`, one per activity and order line) and, for GBM, the
    reason to charge beyond a line's limits (`override`). Rows are pre-filled from the grid's saved entries and
    proposals; days that cannot change are disabled."""

    def __init__(self, data, *, user, grid: WeekGrid):
        self.grid = grid
        line_choices, line_missions = order_line_options(user, include_ids=grid.order_line_ids())
        # The options of every row's selects, written once (with each line's mission, for the grid's script).
        form_kwargs = {
            "days": grid.days,
            "day_fields": week_day_fields(grid.days, grid.frozen_days),
            "activity_options": SharedOptions([("", "—"), *activity_choices(user, include_keys=grid.activity_keys())]),
            "line_options": SharedOptions(
                [("", "—"), *line_choices],
                option_attrs={value: {"data-mission": mission} for value, mission in line_missions.items()},
            ),
        }
        self.formset = WeekFormSet(data, initial=grid.initial_rows(), form_kwargs=form_kwargs)
        self.override = WeekOverrideForm(data) if access.can_override_time_limits(user) else None
        labels = grid.suggestion_labels()
        for form in self.formset.forms:
            form.suggestion_label = labels.get(form["source"].value() or "")

    def rows_html(self) -> str:
        """Every row of the grid, numbered from 1 (for their labels)."""
        return mark_safe("".join(form.as_week_row(number) for number, form in enumerate(self.formset.forms, 1)))  # noqa: S308

    def empty_row_html(self) -> str:
        """The row the grid's script adds (« Ligne ajoutée »)."""
        return self.formset.empty_form.as_week_row("ajoutée")

    def is_valid(self) -> bool:
        return self.formset.is_valid() and (self.override is None or self.override.is_valid())

    def rows(self) -> list[WeekRow]:
        """The grid's rows that name an activity, as the week service takes them (a forged proposal is ignored)."""
        return [
            WeekRow(
                activity_key=form.cleaned_data["activity"],
                order_line_id=form.cleaned_data["order_line"],
                half_days=form.half_days_by_day(),
                source=self.grid.accepted_source(form.cleaned_data.get("source")),
            )
            for form in self.formset.forms
            if form.cleaned_data.get("activity")
        ]

    def override_reason(self) -> str:
        return self.override.cleaned_data["override_reason"] if self.override is not None else ""
