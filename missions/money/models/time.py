"""Time spent by the contractor's consultants, in half-days, against an activity and an order line.

A month locked by GBM refuses every change to its entries (creation, correction, deletion).
"""

import datetime
from decimal import ROUND_HALF_UP, Decimal

from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from simple_history.models import HistoricalRecords

from core.concurrency import VersionedModel
from core.french import long_month_year
from core.querysets import RoleScopedQuerySet
from missions.programme.choices import Mission

MAX_HALF_DAYS_PER_ENTRY = 2


def first_of_month(day: datetime.date) -> datetime.date:
    return day.replace(day=1)


def month_label(month: datetime.date) -> str:
    """'novembre 2026'."""
    return long_month_year(month)


class TimeLockedError(Exception):
    """A change to an entry of a month that GBM locked; the message is French and shown to the user."""


class TimeMonthLockQuerySet(models.QuerySet):
    def locked_months(self, months) -> set[datetime.date]:
        """The months among `months` (first days) that are locked: one query."""
        return set(self.filter(month__in=list(months)).values_list("month", flat=True))

    def is_locked(self, day: datetime.date) -> bool:
        return self.filter(month=first_of_month(day)).exists()


class TimeMonthLock(models.Model):
    """A month of time entries closed by GBM (e.g. once invoiced): its entries can no longer change."""

    month = models.DateField("mois", unique=True, help_text="Premier jour du mois verrouillé.")
    locked_by = models.ForeignKey("pat_portal.User", verbose_name="verrouillé par", on_delete=models.PROTECT)
    locked_at = models.DateTimeField("verrouillé le", default=timezone.now)

    history = HistoricalRecords()
    objects = TimeMonthLockQuerySet.as_manager()

    class Meta:
        verbose_name = "mois verrouillé"
        verbose_name_plural = "mois verrouillés"
        ordering = ["-month"]

    def __str__(self):
        return month_label(self.month)

    def clean(self):
        if self.month and self.month.day != 1:
            self.month = first_of_month(self.month)


def locked_message(day: datetime.date) -> str:
    return (
        f"Le mois de {month_label(day)} est verrouillé par GBM : ses saisies de temps ne peuvent plus être "
        "créées, modifiées ni supprimées."
    )


# What a time entry's page, list or export shows of its related rows (joined, or `attached` by the export).
TIME_ENTRY_RELATED = (
    "consultant",
    "accompaniment__commune",
    "workshop",
    "support_request__commune",
    "order_line__order_form__commune",
)


class TimeEntryQuerySet(RoleScopedQuerySet):
    """GBM officers and consultants see every entry (the budget is shared); élus see no time at all."""

    def with_related(self):
        return self.select_related(*TIME_ENTRY_RELATED)


class TimeEntry(VersionedModel):
    """Half-days a consultant spent on one day, for one activity, charged to one order line."""

    name_is_feminine = True

    class Activity(models.TextChoices):
        GENERAL = "general", "Travail général sur le programme"
        ACCOMPANIMENT = "accompagnement", "Accompagnement communal"
        WORKSHOP = "atelier", "Atelier de partage"
        SUPPORT_REQUEST = "demande", "Demande d'accompagnement"

    # The activity foreign keys, by activity: at most one is set; none means general programme work.
    ACTIVITY_FIELDS = {
        Activity.ACCOMPANIMENT: "accompaniment",
        Activity.WORKSHOP: "workshop",
        Activity.SUPPORT_REQUEST: "support_request",
    }

    consultant = models.ForeignKey(
        "pat_portal.User",
        verbose_name="consultant·e",
        on_delete=models.PROTECT,
        related_name="time_entries",
        limit_choices_to={"role": "consultant"},
    )
    date = models.DateField("date")
    half_days = models.PositiveSmallIntegerField(
        "demi-journées",
        validators=[
            MinValueValidator(1, "Saisissez au moins une demi-journée."),
            MaxValueValidator(MAX_HALF_DAYS_PER_ENTRY, "Une journée compte au plus deux demi-journées."),
        ],
    )
    accompaniment = models.ForeignKey(
        "missions.Accompaniment",
        verbose_name="accompagnement",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="time_entries",
    )
    workshop = models.ForeignKey(
        "ateliers.Workshop",
        verbose_name="atelier",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="time_entries",
    )
    support_request = models.ForeignKey(
        "missions.SupportRequest",
        verbose_name="demande d'accompagnement",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="time_entries",
    )
    order_line = models.ForeignKey(
        "missions.OrderLine",
        verbose_name="ligne de bon de commande",
        on_delete=models.PROTECT,
        related_name="time_entries",
    )
    comment = models.CharField("précision", max_length=300, blank=True)
    meeting = models.ForeignKey(
        "missions.Meeting",
        verbose_name="réunion d'origine",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="time_entries",
        help_text="La réunion dont le temps a été repris dans la semaine : elle n'est plus proposée.",
    )
    override_reason = models.CharField(
        "motif du dépassement accordé par GBM",
        max_length=500,
        blank=True,
        help_text="Imputation au-delà de 100 % de la ligne, ou sur un bon exécuté, facturé ou payé.",
    )
    override_by = models.ForeignKey(
        "pat_portal.User",
        verbose_name="dépassement accordé par",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField("saisi le", auto_now_add=True)
    updated_at = models.DateTimeField("modifié le", auto_now=True)

    history = HistoricalRecords()
    objects = TimeEntryQuerySet.as_manager()

    @classmethod
    def from_db(cls, db, field_names, values):
        """An entry read from the database remembers its line: moved to another one, both lines' consumption is
        recomputed (`missions.money.services.consumption`)."""
        instance = super().from_db(db, field_names, values)
        if "order_line_id" in instance.__dict__:
            instance._db_order_line_id = instance.order_line_id
        return instance

    class Meta:
        verbose_name = "saisie de temps"
        verbose_name_plural = "saisies de temps"
        ordering = ["-date", "consultant__last_name", "pk"]
        indexes = [
            models.Index(fields=["consultant", "date"], name="time_entry_consultant_idx"),
            models.Index(fields=["date"], name="time_entry_date_idx"),
            # Covers the consumption of the order lines (budget): the sums never read the table.
            models.Index(fields=["order_line", "half_days"], name="time_entry_line_days_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(accompaniment__isnull=True, workshop__isnull=True)
                    | models.Q(accompaniment__isnull=True, support_request__isnull=True)
                    | models.Q(workshop__isnull=True, support_request__isnull=True)
                ),
                name="time_entry_one_activity",
                violation_error_message="Une saisie porte sur une seule activité.",
            )
        ]

    def __str__(self):
        return f"{self.consultant} · {self.date:%d/%m/%Y} · {self.half_days} demi-journée(s)"

    # Activity --------------------------------------------------------------------------------------
    @property
    def activity(self) -> str:
        for kind, field_name in self.ACTIVITY_FIELDS.items():
            if getattr(self, f"{field_name}_id"):
                return kind
        return self.Activity.GENERAL

    @property
    def activity_key(self) -> str:
        """A stable key of the activity ('general', 'accompagnement:12', 'atelier:3', 'demande:8')."""
        kind = self.activity
        if kind == self.Activity.GENERAL:
            return kind.value
        return f"{kind.value}:{getattr(self, f'{self.ACTIVITY_FIELDS[kind]}_id')}"

    @property
    def activity_label(self) -> str:
        kind = self.activity
        if kind == self.Activity.ACCOMPANIMENT:
            return f"Accompagnement — {self.accompaniment.commune}"
        if kind == self.Activity.WORKSHOP:
            return str(self.workshop)
        if kind == self.Activity.SUPPORT_REQUEST:
            return f"Demande {self.support_request}"
        return self.Activity.GENERAL.label

    @property
    def commune(self):
        """The commune the time was for, when the activity has one (accompaniment, support request)."""
        if self.accompaniment_id:
            return self.accompaniment.commune
        if self.support_request_id:
            return self.support_request.commune
        return None

    def set_activity(self, key: str) -> None:
        """Point the entry at the activity named by `key` (see `activity_key`); clear the others."""
        kind, _, pk = key.partition(":")
        for activity, field_name in self.ACTIVITY_FIELDS.items():
            setattr(self, f"{field_name}_id", int(pk) if kind == activity and pk else None)

    # Rules -----------------------------------------------------------------------------------------
    @property
    def valued_amount(self):
        """The time valued at its order line's unit price excl. VAT (exact: whole half-days × cents)."""
        return self.half_days * self.order_line.unit_price

    def check_editable(self, *, original_date: datetime.date | None = None) -> None:
        """Raise TimeLockedError when the entry's month (or the month it is moved from) is locked."""
        for day in {self.date, original_date} - {None}:
            if TimeMonthLock.objects.is_locked(day):
                raise TimeLockedError(locked_message(day))

    def clean(self):
        errors = {}
        if self.date and self.date > timezone.localdate():
            errors["date"] = "On ne saisit pas de temps à l'avance : choisissez une date passée ou aujourd'hui."
        try:
            line = self.order_line if self.order_line_id else None
        except ObjectDoesNotExist:  # deleted since the form was shown
            line = None
            errors["order_line"] = "Cette ligne de bon de commande n'existe plus : choisissez-en une autre."
        if line is not None:
            if not line.is_half_days:
                errors["order_line"] = "Le temps se saisit sur une ligne en demi-journées, pas sur un forfait."
            elif line.order_form.is_draft:
                errors["order_line"] = "Ce bon de commande n'est pas encore émis : on ne peut pas y imputer de temps."
            elif problems := self.charging_problems(include_overridable=not self.override_reason.strip()):
                errors["order_line"] = problems
        if self.consultant_id and self.date and self.order_line_id:
            duplicates = TimeEntry.objects.filter(
                consultant_id=self.consultant_id,
                date=self.date,
                order_line_id=self.order_line_id,
                accompaniment_id=self.accompaniment_id,
                workshop_id=self.workshop_id,
                support_request_id=self.support_request_id,
            ).exclude(pk=self.pk)
            if duplicates.exists():
                errors.setdefault(
                    "date",
                    "Une saisie existe déjà ce jour-là pour cette activité et cette ligne : modifiez-la plutôt.",
                )
        if errors:
            raise ValidationError(errors)

    # Charging rules (issue 17) -----------------------------------------------------------------------------------
    # The mission whose order forms pay for each activity; general programme work goes on any mission's lines.
    ACTIVITY_MISSIONS = {
        Activity.ACCOMPANIMENT: Mission.COMMUNES,
        Activity.WORKSHOP: Mission.WORKSHOPS,
        Activity.SUPPORT_REQUEST: Mission.LOCAL_PROJECTS,
    }

    @property
    def mission(self) -> int | None:
        """The mission of the activity (None for general programme work, which any mission's line may pay)."""
        return self.ACTIVITY_MISSIONS.get(self.activity)

    def added_half_days(self) -> int:
        """The half-days this save adds to its order line: all of them for a new entry or a change of line, the
        increase otherwise (a correction that lowers or keeps the time adds nothing)."""
        half_days = self.half_days or 0
        if self.pk is None:
            return half_days
        before = TimeEntry.objects.filter(pk=self.pk).values_list("order_line_id", "half_days").first()
        if before is None or before[0] != self.order_line_id:
            return half_days
        return max(half_days - before[1], 0)

    def charging_problems(self, *, include_overridable: bool = True) -> list[ValidationError]:
        """Why the order line refuses this time, in French: a line of another mission than the activity's (always),
        then, when the entry adds time to the line, an order form executed, invoiced or paid, or a line that would
        pass 100 % of its half-days. Those two are `overridable` (code): GBM may charge anyway, with a reason."""
        line = self.order_line
        order_form = line.order_form
        problems = []
        if self.mission is not None and order_form.mission != self.mission:
            problems.append(
                ValidationError(
                    f"Le bon {order_form.number} relève de la {Mission(order_form.mission).label} : le temps "
                    f"{ACTIVITY_OF[self.activity]} s'impute sur un bon de la {Mission(self.mission).label}.",
                    code="other_mission",
                )
            )
        added = self.added_half_days()
        if not include_overridable or not added:
            return problems
        if order_form.is_executed:
            problems.append(
                ValidationError(
                    f"Le bon {order_form.number} est « {order_form.get_status_display().lower()} » : on n'y impute "
                    "plus de temps. Choisissez une ligne d'un bon émis ou notifié ; seul·e un·e chargé·e de mission "
                    "GBM peut l'accepter, en indiquant le motif.",
                    code="overridable",
                )
            )
        consumed = (
            TimeEntry.objects.filter(order_line_id=line.pk)
            .exclude(pk=self.pk)
            .aggregate(total=models.Sum("half_days"))["total"]
            or 0
        )
        after = consumed + (self.half_days or 0)
        if after > line.quantity:
            problems.append(
                ValidationError(
                    f"La ligne « {line} » compte {half_days_text(line.quantity)} demi-journées, dont "
                    f"{half_days_text(consumed)} déjà imputées : cette saisie la porterait à {percent(after, line.quantity)} "
                    "(au-delà de 100 %). Choisissez une autre ligne ; seul·e un·e chargé·e de mission GBM peut accepter "
                    "un dépassement, en indiquant le motif.",
                    code="overridable",
                )
            )
        return problems


class LineConsumption(models.Model):
    """The half-days logged against one order line: the sum of its time entries, kept up to date by
    `missions.money.services.consumption` in the transaction of every write of a time entry (save, delete, a week,
    an import) and recomputed from the entries each time, never incremented. The budget reads it instead of summing
    every entry of every line on each page (issue 26; docs/adr/0013-line-consumption.md). A line with no row has
    consumed nothing."""

    order_line = models.OneToOneField(
        "missions.OrderLine",
        verbose_name="ligne de bon de commande",
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="consumption",
    )
    half_days = models.PositiveIntegerField("demi-journées imputées", default=0)

    class Meta:
        verbose_name = "consommation d'une ligne"
        verbose_name_plural = "consommations des lignes"

    def __str__(self):
        return f"{self.order_line_id} : {self.half_days} demi-journées"


ACTIVITY_OF = {
    TimeEntry.Activity.ACCOMPANIMENT: "d'un accompagnement communal",
    TimeEntry.Activity.WORKSHOP: "d'un atelier de partage",
    TimeEntry.Activity.SUPPORT_REQUEST: "d'une demande d'accompagnement",
}


def half_days_text(value) -> str:
    """20 → '20', Decimal('12.50') → '12,5'."""
    text = f"{Decimal(value).normalize():f}"
    return text.replace(".", ",")


def percent(part, whole) -> str:
    """'105 %' (rounded half-up to the unit, narrow no-break space as in French typography)."""
    if not whole:
        return "∞ %"
    rate = (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("1"), rounding=ROUND_HALF_UP)
    return f"{rate}\u202f%"


class TimeSuggestionDismissal(models.Model):
    """A time proposal of the week grid (a meeting or workshop the consultant logged) that the consultant removed:
    it is not proposed again. `source` is the proposal's key ('reunion:12', 'atelier:3:2026-11-24')."""

    consultant = models.ForeignKey(
        "pat_portal.User", verbose_name="consultant·e", on_delete=models.CASCADE, related_name="+"
    )
    source = models.CharField("proposition", max_length=60)
    dismissed_at = models.DateTimeField("écartée le", default=timezone.now)

    class Meta:
        verbose_name = "proposition de temps écartée"
        verbose_name_plural = "propositions de temps écartées"
        constraints = [models.UniqueConstraint(fields=["consultant", "source"], name="time_suggestion_dismissed_once")]

    def __str__(self):
        return f"{self.consultant} · {self.source}"
