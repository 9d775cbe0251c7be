"""The portal pages' own rows: the reminders GBM sends to silent communes (issue 16)."""

from django.core.validators import MaxLengthValidator
from django.db import models
from django.utils import timezone


class ReminderQuerySet(models.QuerySet):
    def visible_to(self, user):
        """The team sees every reminder; an élu those sent to their commune (they received them)."""
        if not user.is_authenticated:
            return self.none()
        if user.is_team:
            return self
        if user.is_elu:
            return self.filter(commune_id=user.commune_id)
        return self.none()

    def within(self, commune, since):
        """The reminders sent to `commune` since `since` (an aware datetime)."""
        return self.filter(commune=commune, sent_at__gte=since)


class Reminder(models.Model):
    """A reminder sent by GBM to the élus of a commune that went silent, shown in the commune's timeline.

    Sent by `pat_portal.pages.reminders.send_reminder`, which refuses a second one within the programme's
    `reminder_interval_days`.
    """

    commune = models.ForeignKey(
        "communes.Commune", verbose_name="commune", on_delete=models.PROTECT, related_name="reminders"
    )
    sent_by = models.ForeignKey(
        "pat_portal.User", verbose_name="envoyée par", on_delete=models.PROTECT, related_name="+"
    )
    sent_at = models.DateTimeField("envoyée le", default=timezone.now)
    recipients = models.TextField("destinataires", help_text="Les adresses e-mail des élu·e·s relancé·e·s.")
    subject = models.CharField("objet", max_length=200)
    message = models.TextField("message", max_length=5000, validators=[MaxLengthValidator(5000)])

    objects = ReminderQuerySet.as_manager()

    class Meta:
        verbose_name = "relance d'une commune"
        verbose_name_plural = "relances des communes"
        ordering = ["-sent_at", "-pk"]
        indexes = [models.Index(fields=["commune", "sent_at"], name="reminder_commune_idx")]

    def __str__(self):
        return f"{self.subject} ({self.commune})"


def programme_report_path(edition, filename):
    return f"bilans/{edition.programme_id}/{timezone.localdate(edition.created_at):%Y-%m-%d}-{edition.sha256[:12]}.pdf"


class ProgrammeReportEditionQuerySet(models.QuerySet):
    def visible_to(self, user):
        """The steering report is the team's (élus get their commune's Point d'étape)."""
        if user.is_authenticated and user.is_team:
            return self
        return self.none()


class ProgrammeReportEdition(models.Model):
    """A dated edition of the "Bilan du programme" for a steering committee: GBM's commentary and the decisions it
    asks of the committee, written before generating it, kept with the PDF generated (file + SHA-256), which
    never changes. The report itself is computed live: an edition is what was sent on that day."""

    programme = models.ForeignKey(
        "missions.Programme", verbose_name="programme", on_delete=models.PROTECT, related_name="report_editions"
    )
    commentary = models.TextField(
        "commentaire de GBM",
        max_length=5000,
        validators=[MaxLengthValidator(5000)],
        help_text="Ce que GBM retient de la période, en tête du bilan (quelques phrases).",
    )
    decisions = models.TextField(
        "décisions attendues du comité",
        blank=True,
        max_length=3000,
        validators=[MaxLengthValidator(3000)],
        help_text="Une décision par ligne ; laissé vide, le bilan indique qu'aucune décision n'est demandée.",
    )
    created_by = models.ForeignKey(
        "pat_portal.User", verbose_name="établi par", on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField("établi le", default=timezone.now)
    pdf = models.FileField("PDF", upload_to=programme_report_path, blank=True)
    sha256 = models.CharField("empreinte SHA-256", max_length=64, blank=True)

    objects = ProgrammeReportEditionQuerySet.as_manager()

    class Meta:
        verbose_name = "édition du bilan du programme"
        verbose_name_plural = "éditions du bilan du programme"
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        return f"Bilan du programme du {timezone.localdate(self.created_at):%d/%m/%Y}"

    @property
    def decision_lines(self) -> list[str]:
        return [line.strip(" -•\t") for line in self.decisions.splitlines() if line.strip(" -•\t")]
