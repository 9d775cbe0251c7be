"""Mission 3: the steps a supported request is followed through (planned, started, done or dropped; late past their
planned end), and the documents produced or collected during a step."""

import datetime

from django.core.validators import MaxLengthValidator
from django.db import models
from django.utils import timezone
from simple_history.models import HistoricalRecords

from core.concurrency import VersionedModel
from core.lateness import LatenessMixin
from core.querysets import RoleScopedQuerySet
from core.uploads import UploadPath


class SupportStepQuerySet(RoleScopedQuerySet):
    """Steps follow their request's visibility: the team sees every one, an élu those of their commune's requests."""

    def for_elu(self, user):
        return self.filter(request__commune_id=user.commune_id)

    def late(self, today: datetime.date):
        """Late steps: their planned end is before `today` and they are neither done nor dropped ("sans objet").
        The same rule as `SupportStep.lateness_on()`."""
        return self.filter(planned_end__lt=today).exclude(status__in=SupportStep.CLOSED_STATUSES)

    def beyond_programme(self):
        """Steps planned to end (or, without an end, to start) after the end of their request's programme."""
        end = models.F("request__programme__end_date")
        return self.filter(models.Q(planned_end__gt=end) | models.Q(planned_end__isnull=True, planned_start__gt=end))


class SupportStep(LatenessMixin, VersionedModel):
    """One step of the staged support chosen at the decision (the contract's list of project-building steps)."""

    name_is_feminine = True

    class Kind(models.TextChoices):
        IDEA = "idee_projet", "De l'idée au projet"
        NEED = "definition_besoin", "Définition du besoin"
        PARTNERS = "recherche_partenaires", "Recherche de partenaires"
        FINANCING = "plan_financement", "Plan de financement"
        CALENDAR = "calendrier_objectifs", "Calendrier et objectifs"
        SPECIFICATIONS = "cahier_charges", "Cahier des charges"
        LOCAL_LEAD = "porteur_local", "Accompagnement d'un porteur local"

    class Status(models.TextChoices):
        PLANNED = "a_venir", "À venir"
        IN_PROGRESS = "en_cours", "En cours"
        DONE = "terminee", "Terminée"
        DROPPED = "sans_objet", "Sans objet"

    KIND_ORDER = {kind: position for position, kind in enumerate(Kind.values)}
    # Done or dropped: such a step is never late.
    CLOSED_STATUSES = (Status.DONE, Status.DROPPED)

    # Named by its label: the request's module imports this one (its queryset asks which steps are late).
    request = models.ForeignKey("missions.SupportRequest", on_delete=models.CASCADE, related_name="steps")
    kind = models.CharField("étape", max_length=30, choices=Kind.choices)
    position = models.PositiveSmallIntegerField("ordre", default=0)
    status = models.CharField("état", max_length=20, choices=Status.choices, default=Status.PLANNED)
    planned_start = models.DateField("début prévu", null=True, blank=True)
    planned_end = models.DateField("fin prévue", null=True, blank=True)
    started_on = models.DateField("commencée le", null=True, blank=True)
    completed_on = models.DateField("terminée le", null=True, blank=True)
    notes = models.TextField("notes", max_length=10000, blank=True, validators=[MaxLengthValidator(10000)])
    updated_at = models.DateTimeField("modifiée le", auto_now=True)

    history = HistoricalRecords()
    objects = SupportStepQuerySet.as_manager()

    class Meta:
        verbose_name = "étape d'accompagnement"
        verbose_name_plural = "étapes d'accompagnement"
        ordering = ["position", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["request", "kind"], name="support_step_unique_kind"),
            models.CheckConstraint(
                condition=models.Q(planned_end__isnull=True)
                | models.Q(planned_start__isnull=True)
                | models.Q(planned_end__gte=models.F("planned_start")),
                name="support_step_planned_end_after_start",
            ),
        ]

    def __str__(self):
        return self.get_kind_display()

    # Lateness (issue 16) -------------------------------------------------------------------------------------------
    def lateness_due(self) -> datetime.date | None:
        """Counted from the planned end. The same rule as `SupportStep.objects.late()`."""
        return self.planned_end

    def lateness_closed(self) -> bool:
        """Done or dropped: never late."""
        return self.status in self.CLOSED_STATUSES

    @property
    def beyond_programme(self) -> bool:
        """Planned to end (or, without an end, to start) after the programme's end date: flagged on save and on the
        request's page, never refused. Reads request → programme: select them with the step."""
        last_planned = self.planned_end or self.planned_start
        return last_planned is not None and last_planned > self.request.programme.end_date


class StepDocument(models.Model):
    """A document produced or collected during a step (note, specification, quote…)."""

    step = models.ForeignKey(SupportStep, on_delete=models.CASCADE, related_name="documents")
    title = models.CharField("intitulé", max_length=200)
    file = models.FileField("fichier", upload_to=UploadPath("missions/demandes"), max_length=300)
    uploaded_by = models.ForeignKey(
        "pat_portal.User", verbose_name="déposé par", on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField("déposé le", default=timezone.now)

    history = HistoricalRecords()

    class Meta:
        verbose_name = "document d'étape"
        verbose_name_plural = "documents d'étapes"
        ordering = ["uploaded_at", "pk"]

    def __str__(self):
        return self.title
