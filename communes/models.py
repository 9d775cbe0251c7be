from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator, RegexValidator
from django.db import models
from django.urls import reverse
from django.utils import timezone
from simple_history.models import HistoricalRecords

from core.concurrency import VersionedModel
from core.french import french_order
from core.querysets import RoleScopedQuerySet

# INSEE commune code: department (2 digits, or 2A/2B for Corsica, or 97x overseas) + commune number.
INSEE_CODE_REGEX = r"^(?:\d{2}|2[AB])\d{3}$"
insee_code_validator = RegexValidator(
    INSEE_CODE_REGEX, "Code INSEE invalide : 5 caractères, chiffres (ou 2A/2B pour la Corse)."
)

SMALL_COMMUNE_MAX_POPULATION = 5000


class CommuneQuerySet(RoleScopedQuerySet):
    def for_elu(self, user):
        """An élu sees their own commune only."""
        return self.filter(pk=user.commune_id)

    def order_by_name(self):
        """Communes in French alphabetical order (Chalèze, Chalezeule, Châtillon-le-Duc, Chevroz) on both databases."""
        return self.order_by(french_order("name"), "pk")


class Commune(models.Model):
    insee_code = models.CharField(
        "code INSEE", max_length=5, unique=True, validators=[insee_code_validator], help_text="Ex. 25056"
    )
    name = models.CharField("nom", max_length=150, db_index=True)
    population = models.PositiveIntegerField("population municipale")
    postcodes = models.CharField("codes postaux", max_length=100, blank=True, help_text="Séparés par des espaces")
    siren = models.CharField("SIREN", max_length=9, blank=True)

    objects = CommuneQuerySet.as_manager()

    class Meta:
        verbose_name = "commune"
        verbose_name_plural = "communes"
        ordering = ["name"]
        indexes = [models.Index(fields=["population"], name="commune_population_idx")]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("communes:detail", args=[self.insee_code])

    @property
    def is_small(self) -> bool:
        """Communes under 5,000 inhabitants are the contract's target for action projects."""
        return self.population < SMALL_COMMUNE_MAX_POPULATION

    @property
    def postcode_list(self) -> list[str]:
        return self.postcodes.split()


class ContactQuerySet(RoleScopedQuerySet):
    """The contact directory is for GBM officers and consultants only (élus: none)."""

    def consenting(self):
        return self.filter(consent_to_share=True)

    def order_by_name(self):
        """Contacts by last then first name, in French alphabetical order (accents break ties only)."""
        return self.order_by(french_order("last_name"), french_order("first_name"), "pk")


class Contact(VersionedModel):
    """A person met in the field. Personal data: shared with other participants only with consent."""

    class Category(models.TextChoices):
        ELU = "elu", "Élu·e"
        AGENT = "agent", "Agent communal"
        HABITANT = "habitant", "Habitant·e"
        ASSOCIATION = "association", "Association"
        AGRICULTEUR = "agriculteur", "Agriculteur·rice"
        RESTAURATION = "restauration", "Restauration collective"
        COMMERCE = "commerce", "Commerce"
        INSTITUTION = "institution", "Institution"
        AUTRE = "autre", "Autre"

    class ConsentMethod(models.TextChoices):
        FORM = "formulaire", "Formulaire"
        ATTENDANCE_SHEET = "emargement", "Feuille d'émargement signée"
        EMAIL = "email", "E-mail"
        ORAL = "oral", "Accord oral consigné"

    first_name = models.CharField("prénom", max_length=100, blank=True)
    last_name = models.CharField("nom", max_length=100)
    organisation = models.CharField("organisme", max_length=200, blank=True)
    role_title = models.CharField("fonction", max_length=200, blank=True)
    category = models.CharField("catégorie", max_length=20, choices=Category.choices, default=Category.AUTRE)
    commune = models.ForeignKey(
        Commune, verbose_name="commune", on_delete=models.SET_NULL, null=True, blank=True, related_name="contacts"
    )
    email = models.EmailField("e-mail", blank=True)
    phone = models.CharField("téléphone", max_length=30, blank=True)
    consent_to_share = models.BooleanField(
        "accepte le partage de ses coordonnées",
        default=False,
        help_text="Avec les autres participants (ateliers, listes partagées).",
    )
    consent_date = models.DateField("date du consentement", null=True, blank=True)
    consent_method = models.CharField("recueilli par", max_length=20, choices=ConsentMethod.choices, blank=True)
    notes = models.TextField("notes", max_length=5000, blank=True, validators=[MaxLengthValidator(5000)])
    anonymised_at = models.DateTimeField("anonymisé le", null=True, blank=True, editable=False)
    created_at = models.DateTimeField("créé le", default=timezone.now, editable=False)
    updated_at = models.DateTimeField("modifié le", auto_now=True)

    history = HistoricalRecords()
    objects = ContactQuerySet.as_manager()

    class Meta:
        verbose_name = "contact"
        verbose_name_plural = "contacts"
        ordering = ["last_name", "first_name"]
        indexes = [
            models.Index(fields=["last_name", "first_name"], name="contact_name_idx"),
            models.Index(fields=["category"], name="contact_category_idx"),
        ]

    def __str__(self):
        return self.full_name

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    def clean(self):
        if self.consent_to_share and not (self.consent_date and self.consent_method):
            raise ValidationError(
                {"consent_date": "Indiquez la date et la manière dont le consentement a été recueilli."}
            )
        if self.consent_date and self.consent_date > timezone.localdate():
            raise ValidationError({"consent_date": "La date du consentement ne peut pas être dans le futur."})


# The portrait's models live with its code (communes/portrait/); Django finds them through this module.
from communes.portrait.models import Figure, Snapshot  # noqa: E402, F401
