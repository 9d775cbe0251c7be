from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator, URLValidator
from django.db import models
from django.urls import reverse
from django.utils import timezone
from simple_history.models import HistoricalRecords

from ateliers.models.workshops import Workshop
from core.uploads import UploadPath, display_filename


class ResourceQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Resources are shared with whoever may see their workshop: every logged-in user."""
        return self.filter(workshop__in=Workshop.objects.visible_to(user))


class Resource(models.Model):
    """A document shared with a workshop's participants: an uploaded file or a link."""

    workshop = models.ForeignKey(
        "ateliers.Workshop", verbose_name="atelier", on_delete=models.PROTECT, related_name="resources"
    )
    title = models.CharField("titre", max_length=200)
    description = models.TextField("description", blank=True, max_length=2000, validators=[MaxLengthValidator(2000)])
    file = models.FileField("fichier", upload_to=UploadPath("ateliers/ressources"), max_length=255, blank=True)
    file_size = models.PositiveIntegerField("taille (octets)", null=True, blank=True, editable=False)
    url = models.URLField("lien", max_length=500, blank=True, validators=[URLValidator(schemes=["http", "https"])])
    added_by = models.ForeignKey(
        "pat_portal.User", verbose_name="ajouté par", on_delete=models.PROTECT, related_name="+"
    )
    added_at = models.DateTimeField("ajouté le", default=timezone.now)

    history = HistoricalRecords()
    objects = ResourceQuerySet.as_manager()

    class Meta:
        verbose_name = "ressource"
        verbose_name_plural = "ressources"
        ordering = ["title", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=(models.Q(file="") & ~models.Q(url="")) | (~models.Q(file="") & models.Q(url="")),
                name="resource_file_xor_link",
                violation_error_message="Une ressource est soit un fichier, soit un lien.",
            )
        ]

    def __str__(self):
        return self.title

    @property
    def is_link(self) -> bool:
        return bool(self.url)

    @property
    def filename(self) -> str:
        return display_filename(self.file) if self.file else ""

    def download_url(self) -> str:
        return reverse("ateliers:resource_download", args=[self.workshop_id, self.pk])

    def clean(self):
        if bool(self.file) == bool(self.url):
            raise ValidationError("Joignez un fichier ou indiquez un lien (l'un ou l'autre).")
