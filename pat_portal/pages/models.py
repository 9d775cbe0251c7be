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
