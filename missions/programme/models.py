from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from simple_history.models import HistoricalRecords


class ProgrammeQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Every logged-in user may read the contract's identity (élus see it on their commune's documents)."""
        return self if user.is_authenticated else self.none()

    def current(self):
        """The programme running today, else the latest one."""
        return self.order_by("-start_date").first()


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

    history = HistoricalRecords()
    objects = ProgrammeQuerySet.as_manager()

    class Meta:
        verbose_name = "programme (marché)"
        verbose_name_plural = "programmes (marchés)"
        ordering = ["-start_date"]

    def __str__(self):
        return self.name

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
