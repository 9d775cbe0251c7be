"""Time spent by the contractor's consultants, in half-days, against an activity and an order line.

A month locked by GBM refuses every change to its entries (creation, correction, deletion).
"""

import datetime

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from simple_history.models import HistoricalRecords

from pat_portal.kernel.concurrency import VersionedModel
from pat_portal.kernel.french import long_month_year
from pat_portal.kernel.querysets import RoleScopedQuerySet

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


class TimeEntryQuerySet(RoleScopedQuerySet):
    """GBM officers and consultants see every entry (the budget is shared); élus see no time at all."""

    def with_related(self):
        return self.select_related(
            "consultant",
            "accompaniment__commune",
            "workshop",
            "support_request__commune",
            "order_line__order_form__commune",
        )


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
    created_at = models.DateTimeField("saisi le", auto_now_add=True)
    updated_at = models.DateTimeField("modifié le", auto_now=True)

    history = HistoricalRecords()
    objects = TimeEntryQuerySet.as_manager()

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
        if self.order_line_id:
            line = self.order_line
            if not line.is_half_days:
                errors["order_line"] = "Le temps se saisit sur une ligne en demi-journées, pas sur un forfait."
            elif line.order_form.is_draft:
                errors["order_line"] = "Ce bon de commande n'est pas encore émis : on ne peut pas y imputer de temps."
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
