"""Time tracking: the list (GBM sees everyone's time), one entry, the week grid, month locks, exports.

Élus never see time: every page here answers 404 to them.
"""

import datetime

from django.contrib import messages
from django.core.exceptions import EmptyResultSet, ValidationError
from django.db import connections
from django.db.models import Count, F, Sum
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST, require_safe
from django_filters.views import FilterView

from core import access
from core.concurrency import StaleEdit
from core.exports import attached, export_response
from core.links import url_by_id
from core.querysets import get_visible_or_404
from core.submissions import once_per_submission
from missions.money.filters import TimeEntryFilter
from missions.money.forms import TimeEntryForm, WeekChoiceForm, WeekGridForm
from missions.money.models.orders import ZERO, OrderLine
from missions.money.models.time import (
    TIME_ENTRY_RELATED,
    TimeEntry,
    TimeLockedError,
    TimeMonthLock,
    first_of_month,
    month_label,
)
from missions.money.services.time import (
    delete_time_entry,
    lock_month,
    save_time_entry,
    save_week,
    unlock_month,
    week_days,
    week_grid,
)

MONTHS_SHOWN_TO_GBM = 12
LISTED_RELATED = ("consultant", "accompaniment__commune", "workshop", "support_request", "order_line__order_form")
# The columns a row shows (its activity's label, the consultant's name, the line and its order form's number), out of
# ~170 in the seven tables: the others were read, converted and set on each row's seven instances for nothing.
LISTED_FIELDS = (
    "date",
    "half_days",
    "comment",
    "consultant__first_name",
    "consultant__last_name",
    "consultant__username",
    "accompaniment__commune__name",
    "workshop__number",
    "workshop__title",
    "support_request__year",
    "support_request__number",
    "support_request__title",
    "order_line__description",
    "order_line__unit_price",
    "order_line__order_form__number",
)


def require_team(user) -> None:
    """Order forms, prices and time do not exist for élus: 404, as for anything outside one's scope."""
    if not access.can_read_order_forms(user):
        raise Http404


def recent_months(today: datetime.date, count: int) -> list[datetime.date]:
    months = [first_of_month(today)]
    while len(months) < count:
        months.append(first_of_month(months[-1] - datetime.timedelta(days=1)))
    return months


class TimeEntryListView(FilterView):
    """The entries, their totals and (for GBM) the recent months' locks; its buttons (delete, lock, reopen) post
    the page's one form."""

    filterset_class = TimeEntryFilter
    template_name = "missions/time/entry_list.html"
    paginate_by = 50
    context_object_name = "entries"
    http_method_names = ["get", "head"]

    def dispatch(self, request, *args, **kwargs):
        require_team(request.user)
        return super().dispatch(request, *args, **kwargs)

    def get_filterset_kwargs(self, filterset_class):
        return {**super().get_filterset_kwargs(filterset_class), "user": self.request.user}

    def get_queryset(self):
        # What the rows show: not the communes of the order forms and requests (two joins and a row each fewer).
        entries = TimeEntry.objects.visible_to(self.request.user).select_related(*LISTED_RELATED).only(*LISTED_FIELDS)
        return entries.order_by("-date", "-pk")

    def get_paginator(self, queryset, per_page, **kwargs):
        """The totals' query counts the entries too: the paginator takes its count from it (no COUNT query)."""
        paginator = super().get_paginator(queryset, per_page, **kwargs)
        self.totals = time_totals(queryset)
        paginator.count = self.totals["entries"]  # a cached_property: set, it is not computed
        return paginator

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        entries = context["entries"]
        recent = recent_months(timezone.localdate(), MONTHS_SHOWN_TO_GBM) if access.can_lock_time(user) else []
        # One query for the locks of the listed entries' months and of the months GBM may lock.
        months = {first_of_month(entry.date) for entry in entries} | set(recent)
        locks = {
            lock.month: lock for lock in TimeMonthLock.objects.filter(month__in=months).select_related("locked_by")
        }
        # Each row's three links, reversed once for the page (url_by_id), not three times per row.
        update_url, delete_url = url_by_id("missions:time_update"), url_by_id("missions:time_delete")
        order_form_url = url_by_id("missions:order_form_detail")
        for entry in entries:
            entry.is_locked = first_of_month(entry.date) in locks
            entry.is_editable = not entry.is_locked and access.can_edit_time_entry(user, entry)
            entry.order_form_url = order_form_url(entry.order_line.order_form_id)
            if entry.is_editable:
                entry.update_url, entry.delete_url = update_url(entry.pk), delete_url(entry.pk)
        context["totals"] = self.totals
        if recent:
            context["months"] = [(month, locks.get(month)) for month in recent]
        context["export_query"] = self.request.GET.urlencode()
        return context


def time_totals(queryset) -> dict:
    """Entries, half-days and their value for a filtered set of entries: one query, money summed in Decimal.

    The entries are summed per order line first (the index on order line and half-days holds all it reads: no join,
    no sort), then those sums per unit price (a few hundred rows, as a derived table). Grouping every entry by its
    line's price directly joined and sorted all 30,000 entries at scale 20: three times the work."""
    per_line = (
        queryset.order_by()
        .values(entries_line=F("order_line"))
        .annotate(line_half_days=Sum("half_days"), line_entries=Count("*"))
    )
    connection = connections[queryset.db]
    quote = connection.ops.quote_name
    lines, price = OrderLine._meta, OrderLine._meta.get_field("unit_price")
    totals = {"entries": 0, "half_days": 0, "amount": ZERO}
    try:
        per_line_sql, params = per_line.query.get_compiler(using=queryset.db).as_sql()
    except EmptyResultSet:  # an empty set (`none()`, as a list given an invalid filter shows): nothing to read
        return totals
    line_price = f"{quote('line')}.{quote(price.column)}"
    sql = (
        f"SELECT {line_price}, SUM({quote('per_line')}.{quote('line_half_days')}), "
        f"SUM({quote('per_line')}.{quote('line_entries')}) FROM ({per_line_sql}) {quote('per_line')} "
        f"INNER JOIN {quote(lines.db_table)} {quote('line')} "
        f"ON {quote('line')}.{quote(lines.pk.column)} = {quote('per_line')}.{quote('entries_line')} "
        f"GROUP BY {line_price}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    # The price as the ORM reads it: a Decimal with its two places (SQLite returns a number).
    column = price.cached_col
    converters = connection.ops.get_db_converters(column) + price.get_db_converters(connection)
    for unit_price, half_days, entries in rows:
        for converter in converters:
            unit_price = converter(unit_price, column, connection)
        # int(): PostgreSQL sums the per-line sums (bigint) as numeric
        totals["entries"] += int(entries)
        totals["half_days"] += int(half_days)
        totals["amount"] += int(half_days) * unit_price
    return totals


@once_per_submission
def time_entry_create(request):
    require_team(request.user)
    access.require(access.can_log_time(request.user))
    form = TimeEntryForm(request.POST or None, user=request.user, initial={"date": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        try:
            save_time_entry(entry=form.instance, by=request.user)
        except TimeLockedError as error:
            form.add_error("date", str(error))
        except ValidationError as error:  # the order line filled up since the form was checked
            form.add_error(None, error)
        else:
            messages.success(request, "Temps enregistré.")
            return redirect("missions:time_list")
    return render(request, "missions/time/entry_form.html", {"form": form, "title": "Saisir du temps"})


def time_entry_update(request, pk):
    require_team(request.user)
    entry = get_visible_or_404(TimeEntry, request.user, pk=pk)
    access.require(access.can_edit_time_entry(request.user, entry))
    locked_error = None
    try:
        entry.check_editable()
    except TimeLockedError as error:
        locked_error = str(error)
    form = TimeEntryForm(request.POST or None, instance=entry, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            save_time_entry(
                entry=form.instance, by=request.user, expected_version=form.cleaned_data.get("lock_version")
            )
        except TimeLockedError as error:
            form.add_error(None, str(error))
        except ValidationError as error:
            form.add_error(None, error)
        except StaleEdit as stale:
            form.refuse_stale(stale)
        else:
            messages.success(request, "Saisie de temps corrigée.")
            return redirect("missions:time_list")
    context = {"form": form, "title": "Corriger une saisie de temps", "entry": entry, "locked_error": locked_error}
    return render(request, "missions/time/entry_form.html", context)


@require_POST
def time_entry_delete(request, pk):
    require_team(request.user)
    entry = get_visible_or_404(TimeEntry, request.user, pk=pk)
    access.require(access.can_edit_time_entry(request.user, entry))
    try:
        delete_time_entry(entry=entry, by=request.user)
    except TimeLockedError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, "Saisie de temps supprimée.")
    return redirect("missions:time_list")


def time_week(request):
    """Fill a whole week at once: one row per activity and order line, one cell per day."""
    user = request.user
    require_team(user)
    access.require(access.can_log_time(user))
    today = timezone.localdate()
    choice = WeekChoiceForm(request.GET or None, user=user, today=today)
    monday, consultant = choice.chosen_week()
    context = {
        "choice": choice,
        "monday": monday,
        "days": week_days(monday),
        "consultant": consultant,
        "previous_week": monday - datetime.timedelta(days=7),
        "next_week": monday + datetime.timedelta(days=7),
    }
    if consultant is None:
        return render(request, "missions/time/week.html", context)

    grid = week_grid(consultant=consultant, monday=monday, today=today)
    form = WeekGridForm(request.POST or None, user=user, grid=grid)
    if request.method == "POST" and form.is_valid():
        try:
            result = save_week(
                consultant=consultant, monday=monday, rows=form.rows(), by=user, override_reason=form.override_reason()
            )
        except (TimeLockedError, ValidationError) as error:
            messages.error(request, " ".join(getattr(error, "messages", [str(error)])))
        else:
            messages.add_message(request, messages.SUCCESS if result.changed else messages.INFO, result.summary)
            return redirect(_week_url(monday, consultant, user))
    context.update(
        {
            "formset": form.formset,
            "grid_form": form,
            "override": form.override,
            "suggestion_count": len(grid.suggestions),
            "frozen_days": grid.frozen_days,
            "locked_months": grid.locked_month_labels(),
            "day_totals": grid.day_totals(),
        }
    )
    return render(request, "missions/time/week.html", context)


def _week_url(monday: datetime.date, consultant, user) -> str:
    """The week's page again, for the same consultant (named in the URL when it is not oneself)."""
    url = reverse("missions:time_week") + f"?semaine={monday:%Y-%m-%d}"
    return url if consultant == user else url + f"&consultant={consultant.pk}"


def _month_from(year: int, month: int) -> datetime.date:
    try:
        return datetime.date(year, month, 1)
    except ValueError as error:
        raise Http404 from error


@require_POST
def time_month_lock(request, year, month):
    require_team(request.user)
    access.require(access.can_lock_time(request.user))
    lock = lock_month(month=_month_from(year, month), by=request.user)
    messages.success(
        request, f"Le mois de {month_label(lock.month)} est verrouillé : ses saisies ne peuvent plus changer."
    )
    return redirect("missions:time_list")


@require_POST
def time_month_unlock(request, year, month):
    require_team(request.user)
    access.require(access.can_lock_time(request.user))
    month_start = _month_from(year, month)
    try:
        unlock_month(month=month_start, by=request.user)
    except TimeLockedError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, f"Le mois de {month_label(month_start)} est rouvert aux corrections.")
    return redirect("missions:time_list")


TIME_COLUMNS = {
    "Date": lambda entry: entry.date,
    "Consultant·e": lambda entry: str(entry.consultant),
    "Demi-journées": lambda entry: entry.half_days,
    "Activité": lambda entry: entry.activity_label,
    "Commune": lambda entry: entry.commune.name if entry.commune else "",
    "Bon de commande": lambda entry: entry.order_line.order_form.number,
    "Ligne": lambda entry: entry.order_line.description,
    "Prix unitaire HT (€)": lambda entry: entry.order_line.unit_price,
    "Montant valorisé HT (€)": lambda entry: entry.valued_amount,
    "Précision": lambda entry: entry.comment,
}


@require_safe
def time_export(request, fmt):
    require_team(request.user)
    queryset = TimeEntry.objects.visible_to(request.user).order_by("date", "consultant__last_name", "pk")
    return export_response(
        request,
        fmt,
        rows=queryset,
        columns=TIME_COLUMNS,
        filename="temps-passe",
        title="Temps passé",
        filterset_class=TimeEntryFilter,
        filterset_kwargs={"user": request.user},
        prepare=_time_export_rows,
    )


def _time_export_rows(entries):
    """The entries with their consultant, line, activity and commune read once each (`attached`), not joined.

    Only the columns `TIME_COLUMNS` reads are loaded: the history stamps, lock version and override of 50,000
    entries are neither read nor converted (a column reading one would cost a query per row: the export's query
    count test sees it).
    """
    entries = entries.only(
        "date", "half_days", "comment", "consultant", "accompaniment", "workshop", "support_request", "order_line"
    )
    return attached(entries, *TIME_ENTRY_RELATED)
