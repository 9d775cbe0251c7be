from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from simple_history.models import HistoricalRecords

from pat_portal.kernel.concurrency import VersionedModel, save_versioned
from pat_portal.kernel.querysets import CommuneScopedQuerySet


class RegistrationError(Exception):
    """A registration change the current state does not allow; the message is French."""


class RegistrationQuerySet(CommuneScopedQuerySet):
    def consenting(self):
        """People whose contact details may be shared with the other participants (withdrawals honoured)."""
        return self.filter(consent_to_share=True)

    def participants(self):
        """Registered people not marked absent: before attendance is marked, everyone registered."""
        return self.exclude(attendance=Registration.Attendance.ABSENT)


class Registration(VersionedModel):
    """A person registered for a workshop, with their consent to share their contact details and attendance."""

    name_is_feminine = True

    class Attendance(models.TextChoices):
        UNKNOWN = "non_renseigne", "Non renseignée"
        PRESENT = "present", "Présent·e"
        ABSENT = "absent", "Absent·e"

    class ConsentMethod(models.TextChoices):
        # Same values as communes.Contact.ConsentMethod, so that a new contact inherits the registration's consent.
        FORM = "formulaire", "Formulaire"
        ATTENDANCE_SHEET = "emargement", "Feuille d'émargement signée"
        EMAIL = "email", "E-mail"

    workshop = models.ForeignKey(
        "ateliers.Workshop", verbose_name="atelier", on_delete=models.PROTECT, related_name="registrations"
    )
    contact = models.ForeignKey(
        "communes.Contact", verbose_name="personne", on_delete=models.PROTECT, related_name="workshop_registrations"
    )
    commune = models.ForeignKey(
        "communes.Commune",
        verbose_name="commune",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="workshop_registrations",
        help_text="La commune de la personne au moment de l'inscription.",
    )
    attendance = models.CharField("présence", max_length=20, choices=Attendance.choices, default=Attendance.UNKNOWN)
    consent_to_share = models.BooleanField(
        "accepte le partage de ses coordonnées avec les autres participant·e·s", default=False
    )
    consent_date = models.DateField("date du consentement", null=True, blank=True)
    consent_method = models.CharField("recueilli par", max_length=20, choices=ConsentMethod.choices, blank=True)
    consent_withdrawn_at = models.DateTimeField("consentement retiré le", null=True, blank=True)
    consent_withdrawn_by = models.ForeignKey(
        "pat_portal.User",
        verbose_name="retrait enregistré par",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    registered_by = models.ForeignKey(
        "pat_portal.User", verbose_name="inscrit·e par", on_delete=models.PROTECT, related_name="+"
    )
    registered_at = models.DateTimeField("inscrit·e le", default=timezone.now)

    history = HistoricalRecords()
    objects = RegistrationQuerySet.as_manager()

    class Meta:
        verbose_name = "inscription"
        verbose_name_plural = "inscriptions"
        ordering = ["contact__last_name", "contact__first_name", "pk"]
        indexes = [
            models.Index(fields=["workshop", "commune"], name="registration_commune_idx"),
            models.Index(fields=["commune", "attendance"], name="registration_attended_idx"),
            models.Index(fields=["contact"], name="registration_contact_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["workshop", "contact"],
                name="registration_unique_per_workshop",
                violation_error_message="Cette personne est déjà inscrite à cet atelier.",
            ),
            models.CheckConstraint(
                condition=models.Q(consent_to_share=False)
                | (models.Q(consent_date__isnull=False) & ~models.Q(consent_method="")),
                name="registration_consent_is_documented",
                violation_error_message="Un consentement se documente : date et manière de le recueillir.",
            ),
        ]

    def __str__(self):
        return f"{self.contact} — {self.workshop}"

    @property
    def was_withdrawn(self) -> bool:
        return self.consent_withdrawn_at is not None and not self.consent_to_share

    def clean(self):
        errors = {}
        if self.consent_to_share and not self.consent_date:
            errors["consent_date"] = "Indiquez la date à laquelle le consentement a été recueilli."
        if self.consent_to_share and not self.consent_method:
            errors["consent_method"] = "Indiquez comment le consentement a été recueilli."
        if self.consent_date and self.consent_date > timezone.localdate():
            errors["consent_date"] = "La date du consentement ne peut pas être dans le futur."
        if errors:
            raise ValidationError(errors)

    def give_consent(self, *, date, method: str) -> None:
        """Record that the person agreed to share their contact details (e.g. ticked on the signed sheet)."""
        if self.consent_to_share:
            raise RegistrationError("Le consentement de cette personne est déjà enregistré.")
        if not date or not method:
            raise RegistrationError("Un consentement se documente : date et manière de le recueillir.")
        if date > timezone.localdate():
            raise RegistrationError("La date du consentement ne peut pas être dans le futur.")
        self.consent_to_share = True
        self.consent_date = date
        self.consent_method = method
        self.consent_withdrawn_at = None
        self.consent_withdrawn_by = None
        save_versioned(
            self,
            self.lock_version,
            update_fields=[
                "consent_to_share",
                "consent_date",
                "consent_method",
                "consent_withdrawn_at",
                "consent_withdrawn_by",
            ],
        )

    def withdraw_consent(self, *, by, when=None) -> None:
        """The person withdraws their consent: lists generated from now on no longer show their details."""
        if not self.consent_to_share:
            raise RegistrationError("Cette personne n'a pas (ou plus) consenti au partage de ses coordonnées.")
        self.consent_to_share = False
        self.consent_withdrawn_at = when or timezone.now()
        self.consent_withdrawn_by = by
        save_versioned(
            self, self.lock_version, update_fields=["consent_to_share", "consent_withdrawn_at", "consent_withdrawn_by"]
        )
