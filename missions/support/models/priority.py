"""Mission 3: the weights of the criteria that order the queue of requests waiting for a decision."""

from django.core.validators import MaxValueValidator
from django.db import models
from simple_history.models import HistoricalRecords


class SupportPriorityWeights(models.Model):
    """The weights of the priority criteria (one row, edited by GBM in the admin)."""

    points_per_week_waiting = models.PositiveSmallIntegerField(
        "points par semaine d'attente", default=1, help_text="Pour chaque semaine entière depuis la réception."
    )
    max_waiting_points = models.PositiveSmallIntegerField(
        "plafond des points d'attente", default=12, validators=[MaxValueValidator(200)]
    )
    under_way_points = models.PositiveSmallIntegerField("projet déjà engagé", default=5)
    not_yet_supported_points = models.PositiveSmallIntegerField(
        "commune pas encore accompagnée par le programme",
        default=10,
        help_text="Ni accompagnement communal (Mission 1) ni demande acceptée auparavant.",
    )
    small_commune_points = models.PositiveSmallIntegerField(
        "petite commune", default=8, help_text="Commune de moins d'habitants que le seuil du programme (5 000)."
    )
    plan_coherence_points = models.PositiveSmallIntegerField(
        "cohérence avec le plan d'actions communal",
        default=6,
        help_text="Une action du plan d'actions de la commune porte sur le même thème que le projet.",
    )
    updated_at = models.DateTimeField("modifiés le", auto_now=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = "pondération des critères de priorité"
        verbose_name_plural = "pondération des critères de priorité"
        constraints = [models.CheckConstraint(condition=models.Q(pk=1), name="support_weights_single_row")]

    def __str__(self):
        return "Pondération des critères de priorité des demandes"

    def save(self, *args, **kwargs):
        # One row only: the admin edits it, the queue reads it.
        self.pk = 1
        super().save(*args, **kwargs)

    @classmethod
    def load(cls) -> "SupportPriorityWeights":
        weights, _ = cls.objects.get_or_create(pk=1)
        return weights
