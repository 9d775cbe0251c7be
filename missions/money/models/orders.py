"""Order forms (bons de commande): GBM orders work from the contractor, line by line, in the Django admin.

Money is `Decimal` end to end: each line is rounded to the cent (half-up) on its own, then the lines are
summed; the totals of an order form are therefore always the sum of what its lines show.
"""

import datetime
import re
from decimal import ROUND_HALF_UP, Decimal

from django.core.validators import MaxLengthValidator, MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils import timezone
from simple_history.models import HistoricalRecords

from core import access
from core.concurrency import VersionedModel, save_versioned
from core.lateness import LatenessMixin
from core.uploads import UploadPath
from missions.programme.choices import Mission

CENT = Decimal("0.01")
ZERO = Decimal("0.00")
NUMBER_PREFIX = "BC"
NUMBER_REGEX = re.compile(r"^BC-(?P<year>\d{4})-(?P<sequence>\d+)$")


def round_cents(value: Decimal) -> Decimal:
    """Round an amount to the cent, half-up (0.005 → 0.01), as public accounting does."""
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def line_amount(quantity, unit_price) -> Decimal:
    """The amount excl. VAT of an order line: quantity × unit price, rounded to the cent (each line on its own)."""
    if quantity is None or unit_price is None:
        return ZERO
    return round_cents(Decimal(quantity) * Decimal(unit_price))


class VatRate(Decimal, models.Choices):
    """The VAT rates an order line may use (French rates)."""

    STANDARD = "20.00", "20 %"
    INTERMEDIATE = "10.00", "10 %"
    REDUCED = "5.50", "5,5 %"
    ZERO = "0.00", "0 %"


class StatusTransitionError(Exception):
    """A status change that the order form's current status (or the user's rights) does not allow; French message.

    `field` names the form field the message belongs to (the status, or the reason of a step back).
    """

    def __init__(self, message: str, *, field: str = "new_status"):
        super().__init__(message)
        self.field = field


class OrderFormQuerySet(models.QuerySet):
    def visible_to(self, user):
        """GBM officers see every order form; consultants those issued to the contractor (not drafts); élus none."""
        if not user.is_authenticated:
            return self.none()
        if user.is_gbm or user.is_superuser:
            return self
        if user.is_consultant:
            return self.exclude(status=OrderForm.Status.DRAFT)
        return self.none()

    def ordered(self):
        """Order forms that commit the budget: every status but the draft."""
        return self.exclude(status=OrderForm.Status.DRAFT)

    def late(self, today: datetime.date):
        """Late order forms: their planned end of execution is before `today` and the work is not delivered yet
        (neither executed, invoiced nor paid). The same rule as `OrderForm.lateness_on()`."""
        return self.filter(planned_end__lt=today).exclude(status__in=OrderForm.EXECUTED_STATUSES)

    def not_late(self, today: datetime.date):
        return self.exclude(models.Q(planned_end__lt=today) & ~models.Q(status__in=OrderForm.EXECUTED_STATUSES))


class OrderForm(LatenessMixin, VersionedModel):
    """A bon de commande: GBM orders half-days or flat-priced work from the contractor under the programme."""

    class Status(models.TextChoices):
        DRAFT = "brouillon", "Brouillon"
        ISSUED = "emis", "Émis"
        NOTIFIED = "notifie", "Notifié"
        EXECUTED = "execute", "Exécuté"
        INVOICED = "facture", "Facturé"
        PAID = "paye", "Payé"

    programme = models.ForeignKey(
        "missions.Programme", verbose_name="programme", on_delete=models.PROTECT, related_name="order_forms"
    )
    number = models.CharField(
        "numéro",
        max_length=30,
        help_text="Unique dans le programme, par exemple BC-2025-007. Proposé automatiquement.",
    )
    issued_on = models.DateField("date", default=timezone.localdate)
    planned_end = models.DateField(
        "fin d'exécution prévue",
        null=True,
        blank=True,
        help_text="Facultatif : au-delà, un bon ni exécuté, ni facturé, ni payé est signalé en retard.",
    )
    object = models.CharField("objet", max_length=300)
    mission = models.PositiveSmallIntegerField("mission", choices=Mission.choices)
    commune = models.ForeignKey(
        "communes.Commune",
        verbose_name="commune",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="order_forms",
        help_text="Facultatif : la commune concernée (obligatoire pour faire entrer une commune supplémentaire).",
    )
    status = models.CharField("statut", max_length=20, choices=Status.choices, default=Status.DRAFT)
    signed_scan = models.FileField(
        "bon signé (scan)", upload_to=UploadPath("bons-de-commande"), blank=True, max_length=300
    )
    notes = models.TextField("notes internes", blank=True, max_length=5000, validators=[MaxLengthValidator(5000)])
    created_at = models.DateTimeField("créé le", auto_now_add=True)
    updated_at = models.DateTimeField("modifié le", auto_now=True)

    history = HistoricalRecords()
    objects = OrderFormQuerySet.as_manager()

    class Meta:
        verbose_name = "bon de commande"
        verbose_name_plural = "bons de commande"
        ordering = ["-issued_on", "-number"]
        constraints = [
            models.UniqueConstraint(
                fields=["programme", "number"],
                name="order_form_number_unique_per_programme",
                violation_error_message="Ce numéro de bon de commande existe déjà dans ce programme.",
            )
        ]
        indexes = [
            models.Index(fields=["status"], name="order_form_status_idx"),
            models.Index(fields=["mission", "status"], name="order_form_mission_idx"),
            models.Index(fields=["issued_on"], name="order_form_issued_on_idx"),
        ]

    def __str__(self):
        return f"{self.number} — {self.object}"

    def get_absolute_url(self):
        return reverse("missions:order_form_detail", args=[self.pk])

    # Numbering -------------------------------------------------------------------------------------
    @classmethod
    def next_number(cls, programme, year: int) -> str:
        """The next free number of `programme` for `year`: BC-2025-007 after BC-2025-006."""
        used = cls._base_manager.filter(programme=programme, number__startswith=f"{NUMBER_PREFIX}-{year}-")
        sequences = [
            int(match["sequence"])
            for match in (NUMBER_REGEX.match(number) for number in used.values_list("number", flat=True))
            if match
        ]
        return f"{NUMBER_PREFIX}-{year}-{max(sequences, default=0) + 1:03d}"

    # Money -----------------------------------------------------------------------------------------
    @property
    def total_excl_vat(self) -> Decimal:
        return sum((line.amount_excl_vat for line in self.lines.all()), ZERO)

    @property
    def total_vat(self) -> Decimal:
        return sum((line.vat_amount for line in self.lines.all()), ZERO)

    @property
    def total_incl_vat(self) -> Decimal:
        return self.total_excl_vat + self.total_vat

    def vat_breakdown(self) -> list[tuple[str, Decimal, Decimal]]:
        """(rate label, base excl. VAT, VAT) per rate used, highest rate first: the lines of a French invoice."""
        by_rate: dict[Decimal, list[Decimal]] = {}
        for line in self.lines.all():
            base_and_vat = by_rate.setdefault(Decimal(line.vat_rate), [ZERO, ZERO])
            base_and_vat[0] += line.amount_excl_vat
            base_and_vat[1] += line.vat_amount
        labels = {Decimal(rate): label for rate, label in VatRate.choices}
        return [
            (labels.get(rate, f"{rate} %"), base, vat) for rate, (base, vat) in sorted(by_rate.items(), reverse=True)
        ]

    # Status ----------------------------------------------------------------------------------------
    STATUS_ORDER = [Status.DRAFT, Status.ISSUED, Status.NOTIFIED, Status.EXECUTED, Status.INVOICED, Status.PAID]
    # Executed, invoiced or paid: the ordered work has been delivered.
    EXECUTED_STATUSES = frozenset(STATUS_ORDER[STATUS_ORDER.index(Status.EXECUTED) :])

    @property
    def is_draft(self) -> bool:
        return self.status == self.Status.DRAFT

    @property
    def is_executed(self) -> bool:
        """Executed, invoiced or paid: the ordered work has been delivered."""
        return self.status in self.EXECUTED_STATUSES

    # Lateness (issue 16) -------------------------------------------------------------------------------------------
    def lateness_due(self) -> datetime.date | None:
        """Counted from the planned end of execution. The same rule as `OrderForm.objects.late()`."""
        return self.planned_end

    def lateness_closed(self) -> bool:
        """Executed, invoiced or paid: never late."""
        return self.is_executed

    def next_status(self) -> str | None:
        position = self.STATUS_ORDER.index(self.status)
        return self.STATUS_ORDER[position + 1] if position + 1 < len(self.STATUS_ORDER) else None

    def allowed_statuses(self, user) -> list[str]:
        """The statuses `user` may move this order form to: the next one; any earlier one for a superuser."""
        if not access.can_manage_order_forms(user):
            return []
        position = self.STATUS_ORDER.index(self.status)
        allowed = [self.STATUS_ORDER[position + 1]] if position + 1 < len(self.STATUS_ORDER) else []
        if user.is_superuser:
            allowed = list(self.STATUS_ORDER[:position]) + allowed
        return allowed

    def check_status_change(self, new_status: str, *, by, reason: str = "", check_lines: bool = True) -> None:
        """Raise StatusTransitionError (French) unless `by` may move the order form from its status to `new_status`.

        Statuses follow each other in order (brouillon → émis → notifié → exécuté → facturé → payé), one step at
        a time; going back is reserved to a superuser, who must give the reason. An order form is issued only with
        lines (`check_lines=False` when the lines are being saved in the same form and were checked there).
        """
        labels = dict(self.Status.choices)
        if new_status not in labels:
            raise StatusTransitionError("Ce statut n'existe pas.")
        if not access.can_manage_order_forms(by):
            raise StatusTransitionError("Seul·e un·e chargé·e de mission GBM peut changer le statut d'un bon.")
        current, target = self.STATUS_ORDER.index(self.status), self.STATUS_ORDER.index(new_status)
        if target == current:
            raise StatusTransitionError(f"Le bon de commande est déjà au statut « {labels[new_status]} ».")
        if target > current + 1:
            raise StatusTransitionError(
                f"Impossible de passer de « {labels[self.status]} » à « {labels[new_status]} » : "
                f"l'étape suivante est « {labels[self.STATUS_ORDER[current + 1]]} » (les étapes se suivent)."
            )
        if check_lines and new_status == self.Status.ISSUED and not (self.pk and self.lines.exists()):
            raise StatusTransitionError("Un bon de commande doit comporter au moins une ligne pour être émis.")
        if target < current:
            if not by.is_superuser:
                raise StatusTransitionError(
                    f"Revenir de « {labels[self.status]} » à « {labels[new_status]} » est réservé "
                    "à un·e superutilisateur·rice."
                )
            if not reason.strip():
                raise StatusTransitionError(
                    "Indiquez la raison du retour à un statut antérieur.", field="status_reason"
                )

    def change_status(self, new_status: str, *, by, reason: str = "") -> "OrderFormStatusChange":
        """Move to `new_status` (see `check_status_change`) and record who did it, when, and why."""
        self.check_status_change(new_status, by=by, reason=reason)
        previous = self.status
        self.status = new_status
        self._change_reason = reason.strip() or None
        # One version up: an admin page opened before this change is refused instead of writing its stale copy back.
        save_versioned(self, self.lock_version, update_fields=["status", "updated_at"])
        return OrderFormStatusChange.objects.create(
            order_form=self,
            from_status=previous,
            to_status=new_status,
            changed_by=by,
            reason=reason.strip(),
            is_reversal=self.STATUS_ORDER.index(new_status) < self.STATUS_ORDER.index(previous),
        )


class OrderFormStatusChange(models.Model):
    """One status change of an order form: the journal that answers "who issued, notified, paid it, and when"."""

    order_form = models.ForeignKey(
        OrderForm, verbose_name="bon de commande", on_delete=models.CASCADE, related_name="status_changes"
    )
    from_status = models.CharField("statut précédent", max_length=20, choices=OrderForm.Status.choices)
    to_status = models.CharField("nouveau statut", max_length=20, choices=OrderForm.Status.choices)
    changed_by = models.ForeignKey("pat_portal.User", verbose_name="par", on_delete=models.PROTECT, related_name="+")
    changed_at = models.DateTimeField("le", default=timezone.now)
    reason = models.TextField("raison", blank=True, max_length=2000, validators=[MaxLengthValidator(2000)])
    is_reversal = models.BooleanField("retour en arrière", default=False)

    class Meta:
        verbose_name = "changement de statut"
        verbose_name_plural = "changements de statut"
        ordering = ["order_form", "changed_at", "pk"]

    def __str__(self):
        return f"{self.get_from_status_display()} → {self.get_to_status_display()}"


class OrderLineQuerySet(models.QuerySet):
    def visible_to(self, user):
        """The lines of the order forms the user may see."""
        return self.filter(order_form__in=OrderForm.objects.visible_to(user))

    def for_time(self):
        """Lines time can be logged against: in half-days, on an order form that has been issued."""
        return self.filter(unit=OrderLine.Unit.HALF_DAY).exclude(order_form__status=OrderForm.Status.DRAFT)


class OrderLine(models.Model):
    """One line of an order form: a quantity of half-days (or a flat amount) at a unit price excl. VAT."""

    class Unit(models.TextChoices):
        HALF_DAY = "demi_journee", "Demi-journée"
        FLAT = "forfait", "Forfait"

    order_form = models.ForeignKey(
        OrderForm, verbose_name="bon de commande", on_delete=models.CASCADE, related_name="lines"
    )
    position = models.PositiveSmallIntegerField("ordre", default=1)
    description = models.CharField("désignation", max_length=300)
    unit = models.CharField("unité", max_length=20, choices=Unit.choices, default=Unit.HALF_DAY)
    quantity = models.DecimalField(
        "quantité",
        max_digits=8,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0.01"), "La quantité doit être positive.")],
        help_text="Nombre de demi-journées, ou 1 pour un forfait.",
    )
    unit_price = models.DecimalField(
        "prix unitaire HT (€)",
        max_digits=10,
        decimal_places=2,
        validators=[MinValueValidator(ZERO, "Le prix ne peut pas être négatif.")],
    )
    vat_rate = models.DecimalField(
        "taux de TVA", max_digits=4, decimal_places=2, choices=VatRate.choices, default=VatRate.STANDARD
    )

    history = HistoricalRecords()
    objects = OrderLineQuerySet.as_manager()

    class Meta:
        verbose_name = "ligne de bon de commande"
        verbose_name_plural = "lignes de bon de commande"
        ordering = ["order_form", "position", "pk"]

    def __str__(self):
        return f"{self.order_form.number} · {self.description}"

    @property
    def is_half_days(self) -> bool:
        return self.unit == self.Unit.HALF_DAY

    @property
    def amount_excl_vat(self) -> Decimal:
        return line_amount(self.quantity, self.unit_price)

    @property
    def vat_amount(self) -> Decimal:
        if self.vat_rate is None:
            return ZERO
        return round_cents(self.amount_excl_vat * Decimal(self.vat_rate) / 100)

    @property
    def amount_incl_vat(self) -> Decimal:
        return self.amount_excl_vat + self.vat_amount

    @property
    def vat_rate_label(self) -> str:
        return dict(VatRate.choices).get(Decimal(self.vat_rate), f"{self.vat_rate} %")
