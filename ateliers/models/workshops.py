import datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator, MinValueValidator
from django.db import models, transaction
from django.urls import reverse
from django.utils import timezone
from simple_history.models import HistoricalRecords

from core.concurrency import VersionedModel, save_versioned
from core.french import euros
from core.lateness import Lateness
from core.models import Deliverable, DeliverableSubject, WorkflowError
from core.querysets import RoleScopedQuerySet

DEFAULT_DURATION = datetime.timedelta(hours=3)


class WorkshopError(Exception):
    """A workshop transition the current state does not allow; the message is French and shown to the user."""


class WorkshopQuerySet(RoleScopedQuerySet):
    def for_elu(self, user):
        """Workshops are open to every commune: élus see every workshop too."""
        return self

    def held(self):
        return self.filter(status=Workshop.Status.HELD)

    def upcoming(self, *, now=None):
        """Workshops not over yet (cancelled ones included, so that calendars can show the cancellation)."""
        return self.filter(ends_at__gte=now or timezone.now())

    def awaiting_closure(self, *, now=None):
        """Workshops over but still "planifié": the team must say whether each was held (or cancel it). The same
        rule as `Workshop.awaiting_closure`."""
        return self.filter(status=Workshop.Status.PLANNED, ends_at__lt=now or timezone.now())


class Workshop(VersionedModel):
    """A sharing workshop (atelier de partage d'expériences, Mission 2), open to every commune."""

    class Format(models.TextChoices):
        VISIT = "visite", "Visite de site"
        TESTIMONIES = "temoignages", "Témoignages"
        VISIT_AND_TESTIMONIES = "visite_temoignages", "Visite et témoignages"

    class Status(models.TextChoices):
        PLANNED = "planifie", "Planifié"
        HELD = "tenu", "Tenu"
        CANCELLED = "annule", "Annulé"

    programme = models.ForeignKey(
        "missions.Programme", verbose_name="programme", on_delete=models.PROTECT, related_name="workshops"
    )
    number = models.PositiveSmallIntegerField("numéro", editable=False)
    title = models.CharField("titre", max_length=200)
    theme = models.ForeignKey(
        "ateliers.Theme",
        verbose_name="thème",
        on_delete=models.PROTECT,
        related_name="workshops",
        help_text="Seuls les thèmes validés par GBM peuvent être choisis.",
    )
    starts_at = models.DateTimeField("début")
    ends_at = models.DateTimeField("fin")
    place = models.CharField("lieu", max_length=250, help_text="Adresse ou lieu de rendez-vous.")
    format = models.CharField("format", max_length=20, choices=Format.choices)
    agenda = models.TextField(
        "programme de l'atelier", blank=True, max_length=10000, validators=[MaxLengthValidator(10000)]
    )
    visits = models.TextField(
        "visites de site",
        blank=True,
        help_text="Les sites visités et ce qu'on y a vu.",
        max_length=10000,
        validators=[MaxLengthValidator(10000)],
    )
    capacity = models.PositiveSmallIntegerField(
        "nombre de places", null=True, blank=True, validators=[MinValueValidator(1)], help_text="Vide : sans limite."
    )
    status = models.CharField("statut", max_length=20, choices=Status.choices, default=Status.PLANNED)
    cancellation_reason = models.TextField(
        "motif d'annulation", blank=True, max_length=2000, validators=[MaxLengthValidator(2000)]
    )
    cancelled_at = models.DateTimeField("annulé le", null=True, blank=True)
    cancelled_by = models.ForeignKey(
        "pat_portal.User", verbose_name="annulé par", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_by = models.ForeignKey(
        "pat_portal.User", verbose_name="créé par", on_delete=models.PROTECT, null=True, related_name="+"
    )
    created_at = models.DateTimeField("créé le", default=timezone.now, editable=False)
    updated_at = models.DateTimeField("modifié le", auto_now=True)

    history = HistoricalRecords()
    objects = WorkshopQuerySet.as_manager()

    class Meta:
        verbose_name = "atelier"
        verbose_name_plural = "ateliers"
        ordering = ["-starts_at"]
        indexes = [
            models.Index(fields=["-starts_at"], name="workshop_starts_idx"),
            models.Index(fields=["status", "starts_at"], name="workshop_status_idx"),
            models.Index(fields=["ends_at"], name="workshop_ends_idx"),
            models.Index(fields=["programme", "status"], name="workshop_programme_idx"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["programme", "number"], name="workshop_unique_number"),
            models.CheckConstraint(condition=models.Q(ends_at__gte=models.F("starts_at")), name="workshop_ends_after"),
            models.CheckConstraint(
                condition=~models.Q(status="annule") | ~models.Q(cancellation_reason=""),
                name="workshop_cancel_has_reason",
            ),
        ]

    def __str__(self):
        return f"Atelier n° {self.number} : {self.title}"

    def get_absolute_url(self):
        return reverse("ateliers:detail", args=[self.pk])

    @property
    def is_planned(self) -> bool:
        return self.status == self.Status.PLANNED

    @property
    def is_held(self) -> bool:
        return self.status == self.Status.HELD

    @property
    def is_cancelled(self) -> bool:
        return self.status == self.Status.CANCELLED

    @property
    def has_started(self) -> bool:
        return self.starts_at <= timezone.now()

    # Closure (issue 16) -------------------------------------------------------------------------------------------
    def awaiting_closure_at(self, now: datetime.datetime) -> bool:
        """Over at `now` and still "planifié": was it held? The same rule as `Workshop.objects.awaiting_closure()`."""
        return self.status == self.Status.PLANNED and self.ends_at < now

    @property
    def awaiting_closure(self) -> bool:
        return self.awaiting_closure_at(timezone.now())

    def closure_lateness_on(self, today: datetime.date) -> Lateness | None:
        """Days since the workshop's last day, while it awaits closure (the day after it is one day late)."""
        if self.status != self.Status.PLANNED:
            return None
        return Lateness.after(timezone.localdate(self.ends_at), today)

    @property
    def closure_lateness(self) -> Lateness | None:
        return self.closure_lateness_on(timezone.localdate()) if self.awaiting_closure else None

    @property
    def accepts_registrations(self) -> bool:
        """Registrations are open until the workshop is cancelled; after it, the team records late entries."""
        return not self.is_cancelled

    def places_left(self, registered: int) -> int | None:
        return None if self.capacity is None else max(self.capacity - registered, 0)

    def clean(self):
        errors = {}
        if self.starts_at and self.ends_at and self.ends_at < self.starts_at:
            errors["ends_at"] = "La fin de l'atelier ne peut pas précéder son début."
        if self.theme_id and not self.theme.is_validated:
            errors["theme"] = "Seul un thème validé par GBM peut être choisi pour un atelier."
        if errors:
            raise ValidationError(errors)

    def _locked(self) -> "Workshop":
        return type(self)._base_manager.select_for_update().get(pk=self.pk)

    def _save_transition(self, current: "Workshop", fields: list[str]) -> None:
        # A transition bumps the edit version, so that an edit form opened before it is refused.
        save_versioned(self, current.lock_version, update_fields=[*fields, "updated_at"])

    def mark_held(self, *, by) -> None:
        """The workshop took place (it counts towards the contract's 3 to 5 workshops)."""
        with transaction.atomic():
            current = self._locked()
            if current.status != self.Status.PLANNED:
                raise WorkshopError(
                    f"Cet atelier est « {current.get_status_display().lower()} » : il ne peut pas être marqué tenu."
                )
            if current.starts_at > timezone.now():
                raise WorkshopError("Un atelier ne peut être marqué tenu qu'une fois commencé.")
            self.status = self.Status.HELD
            self._save_transition(current, ["status"])

    def cancel(self, *, by, reason: str) -> None:
        """A planned workshop is cancelled, with the reason (kept and shown)."""
        if not reason.strip():
            raise WorkshopError("Indiquez le motif de l'annulation.")
        with transaction.atomic():
            current = self._locked()
            if current.status != self.Status.PLANNED:
                raise WorkshopError(
                    f"Cet atelier est « {current.get_status_display().lower()} » : il ne peut pas être annulé."
                )
            self.status = self.Status.CANCELLED
            self.cancellation_reason = reason.strip()
            self.cancelled_at = timezone.now()
            self.cancelled_by = by
            self._save_transition(current, ["status", "cancellation_reason", "cancelled_at", "cancelled_by"])


class Testimony(models.Model):
    """A testimony given at a workshop: who spoke, for which organisation, from the territory or from outside."""

    class Origin(models.TextChoices):
        TERRITORY = "territoire", "Du territoire"
        OUTSIDE = "exterieur", "Extérieur au territoire"

    workshop = models.ForeignKey(Workshop, on_delete=models.CASCADE, related_name="testimonies")
    speaker = models.CharField("intervenant·e", max_length=200)
    organisation = models.CharField("organisme", max_length=200, blank=True)
    origin = models.CharField("origine", max_length=20, choices=Origin.choices, default=Origin.TERRITORY)
    topic = models.CharField("sujet du témoignage", max_length=250, blank=True)
    position = models.PositiveSmallIntegerField("ordre", default=0)

    history = HistoricalRecords()

    class Meta:
        verbose_name = "témoignage"
        verbose_name_plural = "témoignages"
        ordering = ["position", "pk"]

    def __str__(self):
        return f"{self.speaker} ({self.organisation})" if self.organisation else self.speaker


class LogisticsCost(models.Model):
    """A logistics cost of a workshop paid by GBM (bus, meals…)."""

    class Category(models.TextChoices):
        TRANSPORT = "transport", "Transport (bus)"
        MEALS = "repas", "Repas"
        OTHER = "autre", "Autre"

    workshop = models.ForeignKey(Workshop, on_delete=models.CASCADE, related_name="costs")
    category = models.CharField("nature", max_length=20, choices=Category.choices)
    label = models.CharField("libellé", max_length=200)
    amount = models.DecimalField(
        "montant TTC (€)", max_digits=10, decimal_places=2, validators=[MinValueValidator(Decimal("0"))]
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = "frais logistique"
        verbose_name_plural = "frais logistiques"
        ordering = ["category", "pk"]
        constraints = [models.CheckConstraint(condition=models.Q(amount__gte=0), name="workshop_cost_not_negative")]

    def __str__(self):
        return f"{self.label} ({euros(self.amount)})"


class WorkshopDeliverableQuerySet(RoleScopedQuerySet):
    def for_elu(self, user):
        """Every workshop deliverable; the page itself shows élus only what they may see."""
        return self


class TeamOnlyDeliverableQuerySet(RoleScopedQuerySet):
    """Attendance sheets list every registered person: for the team only."""


class WorkshopReport(VersionedModel, DeliverableSubject):
    """The "Compte rendu d'atelier": what was said, with the workshop's data and the consented contact list."""

    deliverable_kind = Deliverable.Kind.WORKSHOP_REPORT

    workshop = models.OneToOneField(Workshop, verbose_name="atelier", on_delete=models.CASCADE, related_name="report")
    text = models.TextField(
        "ce qui a été dit",
        blank=True,
        help_text="Échanges, enseignements, suites envisagées.",
        max_length=20000,
        validators=[MaxLengthValidator(20000)],
    )
    updated_at = models.DateTimeField("modifié le", auto_now=True)

    history = HistoricalRecords()
    objects = WorkshopDeliverableQuerySet.as_manager()

    class Meta:
        verbose_name = "compte rendu d'atelier"
        verbose_name_plural = "comptes rendus d'ateliers"

    def __str__(self):
        return f"Compte rendu — {self.workshop}"

    # DeliverableSubject hooks
    def deliverable_commune(self):
        return None

    def deliverable_title(self) -> str:
        return f"Compte rendu d'atelier — {self.workshop}"

    def deliverable_url(self) -> str:
        return reverse("ateliers:report", args=[self.workshop_id])

    def check_submittable(self) -> None:
        if not self.workshop.is_held:
            raise WorkflowError("Le compte rendu se soumet une fois l'atelier marqué tenu.")
        if not self.text.strip():
            raise WorkflowError("Rédigez le compte rendu (ce qui a été dit) avant de le soumettre.")
        if self.workshop.registrations.unmarked().exists():
            raise WorkflowError("Marquez la présence de chaque inscrit·e avant de soumettre le compte rendu.")


class AttendanceSheet(DeliverableSubject):
    """The feuille d'émargement generated from the registrations, printed and signed on the day."""

    deliverable_kind = Deliverable.Kind.ATTENDANCE_SHEET

    workshop = models.OneToOneField(
        Workshop, verbose_name="atelier", on_delete=models.CASCADE, related_name="attendance_sheet"
    )

    objects = TeamOnlyDeliverableQuerySet.as_manager()

    class Meta:
        verbose_name = "feuille d'émargement"
        verbose_name_plural = "feuilles d'émargement"

    def __str__(self):
        return f"Feuille d'émargement — {self.workshop}"

    # DeliverableSubject hooks
    def deliverable_commune(self):
        return None

    def deliverable_title(self) -> str:
        return f"Feuille d'émargement — {self.workshop}"

    def deliverable_url(self) -> str:
        return reverse("ateliers:attendance", args=[self.workshop_id])

    def check_submittable(self) -> None:
        if self.workshop.is_cancelled:
            raise WorkflowError("Cet atelier est annulé : sa feuille d'émargement ne se soumet pas.")
        if not self.workshop.registrations.exists():
            raise WorkflowError("Aucune inscription : la feuille d'émargement serait vide.")


__all__ = [
    "DEFAULT_DURATION",
    "AttendanceSheet",
    "LogisticsCost",
    "Testimony",
    "Workshop",
    "WorkshopError",
    "WorkshopReport",
]
