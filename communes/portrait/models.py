"""Snapshots of the public sources and their typed figures (imported by communes/models.py for Django).

A snapshot is one dated answer of one source for one territory (a commune, GBM, its PAT, or the average of the
communes of one size band in GBM): the URL read, the SHA-256 of the raw answer, what the portrait keeps of it,
its status. The latest good snapshot of a (territory, source) is `is_current`; the latest attempt, good or not,
is `is_latest_attempt`: a failed refresh adds a failed snapshot (its French reason) and leaves the current one
in place, so the page keeps the last values with their date.
"""

from decimal import Decimal

from django.db import models
from django.db.models import Q
from django.utils import timezone

from communes.portrait import registry


class Snapshot(models.Model):
    class Scope(models.TextChoices):
        COMMUNE = registry.COMMUNE, "Commune"
        EPCI = registry.EPCI, "Grand Besançon Métropole"
        PAT = registry.PAT, "PAT de GBM"
        BAND = registry.BAND, "Communes de même taille"

    class Status(models.TextChoices):
        OK = "ok", "Lue"
        FAILED = "failed", "Échec"

    commune = models.ForeignKey(
        "communes.Commune",
        verbose_name="commune",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="portrait_snapshots",
    )
    scope = models.CharField("territoire", max_length=10, choices=Scope.choices, default=Scope.COMMUNE)
    code = models.CharField("code du territoire", max_length=20, help_text="Code INSEE, SIREN de l'EPCI, n° du PAT")
    source = models.CharField("source", max_length=30)
    fetched_at = models.DateTimeField("lue le", default=timezone.now)
    url = models.URLField("adresse lue", max_length=2000, blank=True)
    sha256 = models.CharField("empreinte SHA-256 de la réponse", max_length=64, blank=True)
    raw = models.JSONField("réponse conservée", null=True, blank=True)
    candidates = models.JSONField("acteurs repérés", default=list, blank=True)
    status = models.CharField("état", max_length=10, choices=Status.choices, default=Status.OK)
    failure_reason = models.CharField("raison de l'échec", max_length=500, blank=True)
    is_demo = models.BooleanField("valeurs de démonstration", default=False)
    is_current = models.BooleanField("dernière lecture réussie", default=False)
    is_latest_attempt = models.BooleanField("dernière tentative", default=False)

    class Meta:
        verbose_name = "lecture d'une source ouverte"
        verbose_name_plural = "lectures des sources ouvertes"
        ordering = ["-fetched_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["scope", "code", "source"], condition=Q(is_current=True), name="portrait_one_current"
            ),
            models.UniqueConstraint(
                fields=["scope", "code", "source"], condition=Q(is_latest_attempt=True), name="portrait_one_latest"
            ),
        ]
        indexes = [models.Index(fields=["scope", "code", "source", "-fetched_at"], name="portrait_snapshot_idx")]

    def __str__(self):
        return f"{self.source} {self.scope} {self.code} {self.fetched_at:%Y-%m-%d %H:%M}"

    @property
    def source_info(self) -> registry.Source | None:
        try:
            return registry.source(self.source)
        except KeyError:
            return None


class FigureFields(models.Model):
    """What a figure says, wherever it is kept: a snapshot's figure, or its copy picked into a diagnostic. No value
    (number and text empty) means the source did not provide it."""

    key = models.CharField("clé", max_length=50)
    label = models.CharField("intitulé", max_length=200)
    counts = models.CharField("ce qui est compté", max_length=300)
    value_number = models.DecimalField("valeur", max_digits=18, decimal_places=4, null=True, blank=True)
    value_text = models.CharField("valeur (texte)", max_length=1000, blank=True)
    unit = models.CharField("unité", max_length=30, blank=True)
    period = models.CharField("année ou date", max_length=30, blank=True)
    licence = models.CharField("licence", max_length=100)
    attribution = models.CharField("attribution", max_length=300)
    page_url = models.URLField("page de la source", max_length=2000, blank=True)

    # What a copy takes from the figure it copies (communes → the diagnostic).
    COPIED = (
        "key",
        "label",
        "counts",
        "value_number",
        "value_text",
        "unit",
        "period",
        "licence",
        "attribution",
        "page_url",
    )

    class Meta:
        abstract = True

    def __str__(self):
        return f"{self.label} : {self.value if self.provided else 'non fourni'}"

    @property
    def provided(self) -> bool:
        return self.value_number is not None or bool(self.value_text)

    @property
    def value(self) -> Decimal | str | None:
        if self.value_number is not None:
            return self.value_number
        return self.value_text or None


class Figure(FigureFields):
    """One typed value of a snapshot."""

    snapshot = models.ForeignKey(Snapshot, on_delete=models.CASCADE, related_name="figures")
    theme = models.CharField("thème", max_length=20, choices=registry.THEMES)

    class Meta:
        verbose_name = "chiffre du portrait"
        verbose_name_plural = "chiffres du portrait"
        ordering = ["snapshot", "pk"]
        constraints = [models.UniqueConstraint(fields=["snapshot", "key"], name="portrait_figure_key")]
