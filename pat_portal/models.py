from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.db.models import Q


class UserQuerySet(models.QuerySet):
    def active(self):
        return self.filter(is_active=True)

    def gbm_officers(self):
        return self.active().filter(role=User.Role.GBM)

    def consultants(self):
        return self.active().filter(role=User.Role.CONSULTANT)

    def elus_of(self, commune):
        return self.active().filter(role=User.Role.ELU, commune=commune)


class PortalUserManager(UserManager.from_queryset(UserQuerySet)):
    pass


class User(AbstractUser):
    """A person who logs in: a GBM project officer, a contractor consultant, or an élu of one commune."""

    class Role(models.TextChoices):
        GBM = "gbm", "Chargé·e de mission GBM"
        CONSULTANT = "consultant", "Consultant·e (prestataire)"
        ELU = "elu", "Élu·e communal·e"

    role = models.CharField("rôle", max_length=20, choices=Role.choices, default=Role.CONSULTANT)
    commune = models.ForeignKey(
        "communes.Commune",
        verbose_name="commune",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="elus",
        help_text="Obligatoire pour un·e élu·e, vide pour les autres rôles.",
    )
    organisation = models.CharField("organisme", max_length=200, blank=True)
    phone = models.CharField("téléphone", max_length=30, blank=True)

    objects = PortalUserManager()

    class Meta:
        verbose_name = "utilisateur"
        verbose_name_plural = "utilisateurs"
        ordering = ["last_name", "first_name"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(role="elu") & Q(commune__isnull=False)) | (~Q(role="elu") & Q(commune__isnull=True)),
                name="user_commune_iff_elu",
                violation_error_message="Un·e élu·e appartient à une commune ; les autres rôles n'en ont pas.",
            )
        ]

    def __str__(self):
        return self.get_full_name() or self.username

    @property
    def is_gbm(self) -> bool:
        return self.is_active and self.role == self.Role.GBM

    @property
    def is_consultant(self) -> bool:
        return self.is_active and self.role == self.Role.CONSULTANT

    @property
    def is_elu(self) -> bool:
        return self.is_active and self.role == self.Role.ELU

    @property
    def is_team(self) -> bool:
        """GBM officers and consultants: the people who run the programme."""
        return self.is_gbm or self.is_consultant
