"""Mission 3: a supported project's financing plan (expenses, and resources with their funder and status)."""

from decimal import Decimal

from django.core.validators import MinValueValidator
from django.db import models
from simple_history.models import HistoricalRecords

from core.french import euros
from missions.support.models.requests import SupportRequest

MONEY = {"max_digits": 12, "decimal_places": 2, "validators": [MinValueValidator(Decimal("0"))]}


class FinancingLine(models.Model):
    """A line of the project's financing plan: an expense, or a resource (funder and amount)."""

    class Nature(models.TextChoices):
        EXPENSE = "depense", "Dépense"
        RESOURCE = "recette", "Financement"

    class Status(models.TextChoices):
        PLANNED = "envisage", "Envisagé"
        REQUESTED = "sollicite", "Sollicité"
        SECURED = "acquis", "Acquis"

    request = models.ForeignKey(SupportRequest, on_delete=models.CASCADE, related_name="financing_lines")
    nature = models.CharField("nature", max_length=10, choices=Nature.choices)
    label = models.CharField("poste de dépense ou financeur", max_length=200)
    amount = models.DecimalField("montant (€)", **MONEY)
    status = models.CharField(
        "statut du financement",
        max_length=20,
        choices=Status.choices,
        blank=True,
        help_text="Pour un financement : envisagé, sollicité ou acquis.",
    )
    position = models.PositiveSmallIntegerField("ordre", default=0)

    history = HistoricalRecords()

    class Meta:
        verbose_name = "ligne du plan de financement"
        verbose_name_plural = "lignes du plan de financement"
        ordering = ["nature", "position", "pk"]

    def __str__(self):
        return f"{self.label} : {euros(self.amount)}"
