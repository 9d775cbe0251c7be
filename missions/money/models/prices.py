"""The contract's price list (bordereau des prix): what an order line costs, per programme."""

from decimal import Decimal

from django.core.validators import MinValueValidator
from django.db import models

from core.french import euros
from missions.money.models.orders import OrderLine


class PriceListItem(models.Model):
    """One price of a programme's contract: a half-day rate for a category of consultant, or a flat item (a room,
    a bus). Order lines of the programme's order forms propose these prices (admin)."""

    programme = models.ForeignKey(
        "missions.Programme", verbose_name="programme", on_delete=models.CASCADE, related_name="price_list"
    )
    label = models.CharField("désignation", max_length=200)
    category = models.CharField(
        "catégorie", max_length=100, blank=True, help_text="Par exemple : catégorie A (chef·fe de projet)."
    )
    unit = models.CharField("unité", max_length=20, choices=OrderLine.Unit.choices, default=OrderLine.Unit.HALF_DAY)
    unit_price = models.DecimalField(
        "prix unitaire HT (€)", max_digits=10, decimal_places=2, validators=[MinValueValidator(Decimal("0"))]
    )
    position = models.PositiveIntegerField("ordre", default=0)

    class Meta:
        verbose_name = "prix du bordereau"
        verbose_name_plural = "bordereau des prix"
        ordering = ["programme", "position", "pk"]

    def __str__(self):
        category = f" ({self.category})" if self.category else ""
        return f"{self.label}{category} — {euros(self.unit_price)} / {self.get_unit_display().lower()}"
