from django.core.validators import MaxLengthValidator
from django.db import models, transaction
from django.urls import reverse
from django.utils import timezone
from simple_history.models import HistoricalRecords

from core.concurrency import VersionedModel, save_versioned
from core.querysets import RoleScopedQuerySet
from missions.programme.choices import ActionTheme


class ThemeError(Exception):
    """A theme transition the current state does not allow; the message is French and shown to the user."""


class ThemeQuerySet(RoleScopedQuerySet):
    def for_elu(self, user):
        """Élus see validated themes only (those workshops use); the team sees proposals too."""
        return self.filter(status=Theme.Status.VALIDATED)

    def validated(self):
        return self.filter(status=Theme.Status.VALIDATED)


class Theme(VersionedModel):
    """A workshop theme: proposed by the team (often from the communes' action plans), validated by GBM."""

    class Status(models.TextChoices):
        PROPOSED = "propose", "Proposé"
        VALIDATED = "valide", "Validé"
        REJECTED = "refuse", "Refusé"

    title = models.CharField("thème", max_length=200)
    description = models.TextField(
        "description",
        blank=True,
        help_text="Ce que les communes pourraient partager sur ce thème.",
        max_length=10000,
        validators=[MaxLengthValidator(10000)],
    )
    action_theme = models.CharField(
        "thème des plans d'actions",
        max_length=30,
        choices=ActionTheme.choices,
        blank=True,
        help_text="Permet de compter les communes qui ont une action sur ce thème.",
    )
    actions = models.ManyToManyField(
        "missions.Action",
        verbose_name="actions des plans communaux",
        blank=True,
        related_name="workshop_themes",
        help_text="Les actions communales dont le thème est issu (facultatif).",
    )
    status = models.CharField("statut", max_length=20, choices=Status.choices, default=Status.PROPOSED)
    proposed_by = models.ForeignKey(
        "pat_portal.User", verbose_name="proposé par", on_delete=models.PROTECT, related_name="+"
    )
    proposed_at = models.DateTimeField("proposé le", default=timezone.now)
    reviewed_by = models.ForeignKey(
        "pat_portal.User",
        verbose_name="examiné par",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    reviewed_at = models.DateTimeField("examiné le", null=True, blank=True)
    review_comment = models.TextField(
        "commentaire de GBM", blank=True, max_length=5000, validators=[MaxLengthValidator(5000)]
    )

    history = HistoricalRecords(m2m_fields=[actions])
    objects = ThemeQuerySet.as_manager()

    class Meta:
        verbose_name = "thème d'atelier"
        verbose_name_plural = "thèmes d'ateliers"
        ordering = ["title"]
        indexes = [models.Index(fields=["status", "title"], name="theme_status_idx")]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("ateliers:theme_detail", args=[self.pk])

    @property
    def is_validated(self) -> bool:
        return self.status == self.Status.VALIDATED

    @property
    def is_rejected(self) -> bool:
        return self.status == self.Status.REJECTED

    @property
    def is_editable(self) -> bool:
        """A validated theme is what workshops rely on: it no longer changes."""
        return self.status in {self.Status.PROPOSED, self.Status.REJECTED}

    def _review(self, *, status: str, by, comment: str) -> None:
        with transaction.atomic():
            current = type(self)._base_manager.select_for_update().get(pk=self.pk)
            if current.status != self.Status.PROPOSED:
                raise ThemeError(
                    f"Ce thème est « {current.get_status_display().lower()} » : seul un thème proposé s'examine."
                )
            self.status = status
            self.reviewed_by = by
            self.reviewed_at = timezone.now()
            self.review_comment = comment.strip()
            # A review bumps the edit version, so that an edit form opened before it is refused.
            save_versioned(
                self, current.lock_version, update_fields=["status", "reviewed_by", "reviewed_at", "review_comment"]
            )

    def validate(self, *, by, comment: str = "") -> None:
        """GBM validates a proposed theme: workshops may then use it."""
        self._review(status=self.Status.VALIDATED, by=by, comment=comment)

    def reject(self, *, by, comment: str) -> None:
        """GBM rejects a proposed theme, saying why (the team may rework it and propose it again)."""
        if not comment.strip():
            raise ThemeError("Indiquez pourquoi le thème est refusé.")
        self._review(status=self.Status.REJECTED, by=by, comment=comment)

    def mark_edited(self) -> None:
        """Reworking a rejected theme proposes it again to GBM."""
        if self.status == self.Status.REJECTED:
            self.status = self.Status.PROPOSED
            self.proposed_at = timezone.now()
