from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from simple_history.models import HistoricalRecords

from core.lateness import Thresholds


class ProgrammeQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Every logged-in user may read the contract's identity (élus see it on their commune's documents)."""
        return self if user.is_authenticated else self.none()

    def current(self):
        """The programme running today, else the latest one."""
        return self._current_first().first()

    def current_value(self, field: str) -> models.Subquery:
        """A field of `current()` as a scalar subquery, to read a threshold inside another query (no query of its
        own); NULL when there is no programme."""
        return models.Subquery(self._current_first().values(field)[:1])

    def _current_first(self):
        return self.order_by("-start_date")


class Programme(models.Model):
    """The contract as data: its identity and its targets. Never hard-code a target elsewhere."""

    name = models.CharField("intitulé", max_length=250)
    contract_reference = models.CharField("référence du marché", max_length=100, unique=True)
    buyer = models.CharField("acheteur", max_length=200, default="Grand Besançon Métropole")
    contractor = models.CharField("titulaire (prestataire)", max_length=200)
    start_date = models.DateField("début")
    end_date = models.DateField("fin")

    target_new_communes = models.PositiveSmallIntegerField(
        "nouveaux projets alimentaires communaux (minimum)", default=4
    )
    target_new_communes_first_count = models.PositiveSmallIntegerField(
        "nombre de premières communes à engager avant l'échéance", default=4
    )
    new_communes_deadline = models.DateField("échéance des premières nouvelles communes", null=True, blank=True)
    target_continuing_communes = models.PositiveSmallIntegerField("communes déjà engagées à poursuivre", default=5)
    target_specific_actions_min = models.PositiveSmallIntegerField(
        "projets d'actions avec accompagnement spécifique (minimum)", default=7
    )
    target_specific_actions_max = models.PositiveSmallIntegerField(
        "projets d'actions avec accompagnement spécifique (maximum)", default=8
    )
    small_commune_population = models.PositiveIntegerField(
        "seuil de population des petites communes",
        default=5000,
        validators=[MinValueValidator(1)],
        help_text="Les projets d'actions comptent dans les communes de moins de ce nombre d'habitants.",
    )
    target_workshops_min = models.PositiveSmallIntegerField("ateliers de partage (minimum)", default=3)
    target_workshops_max = models.PositiveSmallIntegerField("ateliers de partage (maximum)", default=5)
    target_local_projects_min = models.PositiveSmallIntegerField("projets locaux accompagnés (minimum)", default=4)
    target_local_projects_max = models.PositiveSmallIntegerField("projets locaux accompagnés (maximum)", default=5)

    # Steering thresholds (issue 16): when an item becomes late, a commune silent, a reminder due.
    validation_due_days = models.PositiveSmallIntegerField(
        "délai de validation d'un livrable (jours)",
        default=15,
        validators=[MinValueValidator(1)],
        help_text="Un livrable soumis attend la validation de GBM ; au-delà de ce délai, il est en retard.",
    )
    minutes_due_days = models.PositiveSmallIntegerField(
        "délai de rédaction d'un compte rendu de réunion (jours)",
        default=7,
        validators=[MinValueValidator(1)],
        help_text="Une réunion sans compte rendu après ce délai est signalée au prestataire.",
    )
    silent_commune_days = models.PositiveSmallIntegerField(
        "commune silencieuse après (jours)",
        default=60,
        validators=[MinValueValidator(1)],
        help_text="Sans réunion, modification ni connexion de son élu·e pendant ce délai, une commune est signalée.",
    )
    reminder_interval_days = models.PositiveSmallIntegerField(
        "intervalle minimal entre deux relances (jours)",
        default=14,
        validators=[MinValueValidator(1)],
        help_text="Une commune n'est pas relancée deux fois dans ce délai.",
    )
    timesheet_weeks_checked = models.PositiveSmallIntegerField(
        "semaines de temps vérifiées",
        default=4,
        validators=[MinValueValidator(1), MaxValueValidator(52)],
        help_text="Nombre de semaines passées où l'on signale au prestataire une semaine sans temps saisi.",
    )

    history = HistoricalRecords()
    objects = ProgrammeQuerySet.as_manager()

    class Meta:
        verbose_name = "programme (marché)"
        verbose_name_plural = "programmes (marchés)"
        ordering = ["-start_date"]

    def __str__(self):
        return self.name

    @property
    def thresholds(self) -> Thresholds:
        """The contract's steering thresholds, as the kernel reads them (`core.lateness`)."""
        return Thresholds(
            validation_due_days=self.validation_due_days,
            minutes_due_days=self.minutes_due_days,
            silent_commune_days=self.silent_commune_days,
            reminder_interval_days=self.reminder_interval_days,
            timesheet_weeks_checked=self.timesheet_weeks_checked,
        )

    def clean(self):
        errors = {}
        if self.start_date and self.end_date and self.end_date < self.start_date:
            errors["end_date"] = "La fin du marché ne peut pas précéder son début."
        for low, high in [
            ("target_specific_actions_min", "target_specific_actions_max"),
            ("target_workshops_min", "target_workshops_max"),
            ("target_local_projects_min", "target_local_projects_max"),
        ]:
            if (
                getattr(self, low) is not None
                and getattr(self, high) is not None
                and getattr(self, low) > getattr(self, high)
            ):
                errors[high] = "Le maximum doit être supérieur ou égal au minimum."
        if errors:
            raise ValidationError(errors)
