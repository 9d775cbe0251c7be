import secrets

from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.crypto import constant_time_compare
from django.utils.formats import date_format
from simple_history.models import HistoricalRecords

from core.concurrency import VersionedModel, save_versioned
from core.querysets import CommuneScopedQuerySet


class RegistrationError(Exception):
    """A registration change the current state does not allow; the message is French."""


class RegistrationQuerySet(CommuneScopedQuerySet):
    def consenting(self):
        """People whose contact details may be shared with the other participants (withdrawals honoured)."""
        return self.filter(consent_to_share=True)

    def unmarked(self):
        """Registrations whose attendance nobody has recorded yet."""
        return self.filter(attendance=Registration.Attendance.UNKNOWN)

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
        # Only through the link e-mailed to the person (ateliers/consent.py), never chosen in a form.
        CONFIRMED_BY_PERSON = "confirmation", "Confirmé par la personne (lien reçu par e-mail)"

    # How the team records a consent the person gave on a document; élus record none (issue 15).
    RECORDED_BY_TEAM_METHODS = (ConsentMethod.ATTENDANCE_SHEET, ConsentMethod.FORM, ConsentMethod.EMAIL)

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
    consent_recorded_by = models.ForeignKey(
        "pat_portal.User",
        verbose_name="consentement recueilli par",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
        help_text="Le membre de l'équipe qui l'a recueilli ; vide quand la personne l'a confirmé elle-même.",
    )
    consent_requested_at = models.DateTimeField("confirmation demandée le", null=True, blank=True, editable=False)
    # The one link currently valid for this person to confirm (ateliers/consent.py); emptied once used.
    consent_request_nonce = models.CharField(max_length=32, blank=True, editable=False)
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

    @property
    def consent_description(self) -> str:
        """How the consent was given, for the pages: « recueilli par X le …, feuille d'émargement signée »."""
        if not self.consent_to_share:
            return ""
        when = date_format(self.consent_date, "j F Y")
        if self.consent_method == self.ConsentMethod.CONFIRMED_BY_PERSON:
            return f"confirmé par la personne le {when}"
        by = f" par {self.consent_recorded_by}" if self.consent_recorded_by_id else ""
        return f"recueilli{by} le {when}, {self.get_consent_method_display().lower()}"

    def give_consent(self, *, date, method: str, by) -> None:
        """The team records that the person agreed to share their contact details, on a document they signed or
        sent (the signed attendance sheet, a form, their e-mail); `by` is who recorded it."""
        if method not in self.RECORDED_BY_TEAM_METHODS:
            raise RegistrationError("Indiquez le document par lequel la personne a donné son accord.")
        if self.consent_to_share:
            raise RegistrationError("Le consentement de cette personne est déjà enregistré.")
        if not date or not method:
            raise RegistrationError("Un consentement se documente : date et manière de le recueillir.")
        if date > timezone.localdate():
            raise RegistrationError("La date du consentement ne peut pas être dans le futur.")
        self.consent_to_share = True
        self.consent_date = date
        self.consent_method = method
        self.consent_recorded_by = by
        self.consent_request_nonce = ""
        self.consent_withdrawn_at = None
        self.consent_withdrawn_by = None
        save_versioned(
            self,
            self.lock_version,
            update_fields=[
                "consent_to_share",
                "consent_date",
                "consent_method",
                "consent_recorded_by",
                "consent_request_nonce",
                "consent_withdrawn_at",
                "consent_withdrawn_by",
            ],
        )

    def open_consent_request(self, *, when=None) -> str:
        """A new link for the person to confirm their consent themselves (earlier links stop working); its nonce."""
        if self.consent_to_share:
            raise RegistrationError("Cette personne a déjà donné son accord au partage de ses coordonnées.")
        if not self.contact.email:
            raise RegistrationError(
                "Cette personne n'a pas d'adresse e-mail : recueillez son accord sur la feuille d'émargement."
            )
        self.consent_request_nonce = secrets.token_hex(16)
        self.consent_requested_at = when or timezone.now()
        self.save(update_fields=["consent_request_nonce", "consent_requested_at"])
        return self.consent_request_nonce

    def confirm_consent(self, *, nonce: str, when=None) -> None:
        """The person confirmed through the e-mailed link: their details may now be shared. Each link works once."""
        if not (self.consent_request_nonce and constant_time_compare(nonce, self.consent_request_nonce)):
            raise RegistrationError("Ce lien a déjà servi, ou une demande plus récente l'a remplacé.")
        when = when or timezone.now()
        self.consent_to_share = True
        self.consent_date = timezone.localdate(when)
        self.consent_method = self.ConsentMethod.CONFIRMED_BY_PERSON
        self.consent_recorded_by = None
        self.consent_request_nonce = ""
        self.consent_withdrawn_at = None
        self.consent_withdrawn_by = None
        self.save(
            update_fields=[
                "consent_to_share",
                "consent_date",
                "consent_method",
                "consent_recorded_by",
                "consent_request_nonce",
                "consent_withdrawn_at",
                "consent_withdrawn_by",
            ]
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
