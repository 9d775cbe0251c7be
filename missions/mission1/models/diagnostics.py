from django.core.validators import MaxLengthValidator
from django.db import models
from django.urls import reverse
from simple_history.models import HistoricalRecords

from communes.portrait.models import FigureFields
from core.checklists import ChecklistItem, refuse_blocking
from core.concurrency import VersionedModel
from core.french import de
from core.models import Deliverable, DeliverableSubject, WorkflowStatus
from core.querysets import RoleScopedQuerySet
from missions.programme.choices import ActionTheme


class DiagnosticQuerySet(RoleScopedQuerySet):
    def for_elu(self, user):
        """An élu sees their commune's diagnostic once submitted or validated (never a draft)."""
        return self.filter(
            accompaniment__commune_id=user.commune_id,
            workflow_status__in=[WorkflowStatus.SUBMITTED, WorkflowStatus.VALIDATED],
        )


class Diagnostic(VersionedModel, DeliverableSubject):
    """The communal diagnostic of an accompaniment; deliverable: the "Synthèse du diagnostic"."""

    deliverable_kind = Deliverable.Kind.DIAGNOSTIC

    accompaniment = models.OneToOneField(
        "missions.Accompaniment", verbose_name="accompagnement", on_delete=models.PROTECT, related_name="diagnostic"
    )
    context = models.TextField(
        "contexte communal", blank=True, max_length=20000, validators=[MaxLengthValidator(20000)]
    )
    data_collected = models.TextField(
        "données collectées", blank=True, max_length=20000, validators=[MaxLengthValidator(20000)]
    )
    updated_at = models.DateTimeField("modifié le", auto_now=True)

    history = HistoricalRecords()
    objects = DiagnosticQuerySet.as_manager()

    class Meta:
        verbose_name = "diagnostic"
        verbose_name_plural = "diagnostics"

    def __str__(self):
        return f"Diagnostic {de(self.accompaniment.commune)}"

    def get_absolute_url(self):
        return reverse("missions:diagnostic", args=[self.accompaniment.commune.insee_code])

    # DeliverableSubject hooks
    def deliverable_commune(self):
        return self.accompaniment.commune

    def deliverable_title(self) -> str:
        return f"Synthèse du diagnostic — {self.accompaniment.commune}"

    def deliverable_url(self) -> str:
        return self.get_absolute_url()

    def after_validation(self) -> None:
        self.accompaniment.advance_to(self.accompaniment.Phase.ACTION_PLAN)
        self.freeze_picked_figures()

    def freeze_picked_figures(self) -> None:
        """Copy the figures picked from the portrait onto the latest validated version (once), so that the next
        version can say what changed since; a later refresh of the portrait changes neither copy."""
        version = (
            Deliverable.objects.for_subject(self).filter(status=Deliverable.Status.VALIDATED).order_by("-version")
        )
        version = version.first()
        if version is None or DiagnosticFigure.objects.filter(deliverable=version).exists():
            return
        copied = [
            field.name for field in DiagnosticFigure._meta.concrete_fields if field.name not in ("id", "deliverable")
        ]
        DiagnosticFigure.objects.bulk_create(
            DiagnosticFigure(**{name: getattr(figure, name) for name in copied}, deliverable=version)
            for figure in DiagnosticFigure.objects.filter(diagnostic=self, deliverable__isnull=True)
        )

    def check_submittable(self) -> None:
        refuse_blocking(self.submission_checklist())

    def submission_checklist(self) -> list[ChecklistItem]:
        """Blocking: the communal context and at least one stake (what the synthesis is made of). Advisory: the data
        collected, shared findings, action leads (the plan starts from them) and a meeting in the field. Four
        queries."""
        items = []
        if not self.context.strip():
            items.append(ChecklistItem("Rédigez le contexte communal"))
        if not self.stakes.exists():
            items.append(ChecklistItem("Ajoutez au moins un enjeu"))
        if not self.data_collected.strip():
            items.append(ChecklistItem("Les données collectées ne sont pas renseignées", blocking=False))
        if not self.findings.exists():
            items.append(ChecklistItem("Aucun constat partagé avec les acteurs de la commune", blocking=False))
        if not self.action_leads.exists():
            items.append(ChecklistItem("Aucune piste d'action : le plan d'actions partira de zéro", blocking=False))
        if not self.accompaniment.meetings.exists():
            items.append(ChecklistItem("Aucune réunion de terrain enregistrée pour cette commune", blocking=False))
        return items


class Stake(VersionedModel):
    """An enjeu identified by the diagnostic."""

    class Category(models.TextChoices):
        RESTAURATION = "restauration_collective", "Restauration collective"
        TRANSMISSION = "transmission_agricole", "Transmission agricole"
        SANTE = "sante_alimentation", "Santé et alimentation d'un public"
        ESPACES_VERTS = "espaces_verts", "Espaces verts communaux"
        PRECARITE = "precarite", "Précarité alimentaire"
        GASPILLAGE = "gaspillage", "Gaspillage alimentaire"
        JARDINS = "jardins_vergers", "Jardins et vergers"
        CIRCUITS_COURTS = "circuits_courts", "Circuits courts"
        AUTRE = "autre", "Autre"

    class Priority(models.IntegerChoices):
        HIGH = 1, "Prioritaire"
        MEDIUM = 2, "Importante"
        LOW = 3, "Secondaire"

    diagnostic = models.ForeignKey(Diagnostic, on_delete=models.CASCADE, related_name="stakes")
    category = models.CharField("catégorie", max_length=30, choices=Category.choices)
    title = models.CharField("enjeu", max_length=200)
    description = models.TextField("description", blank=True, max_length=5000, validators=[MaxLengthValidator(5000)])
    priority = models.PositiveSmallIntegerField("priorité", choices=Priority.choices, default=Priority.MEDIUM)
    position = models.PositiveIntegerField("ordre", default=0)

    history = HistoricalRecords()

    class Meta:
        verbose_name = "enjeu"
        verbose_name_plural = "enjeux"
        ordering = ["position", "pk"]

    def __str__(self):
        return self.title


class SharedFinding(models.Model):
    """A constat partagé: a finding agreed with the commune's actors."""

    diagnostic = models.ForeignKey(Diagnostic, on_delete=models.CASCADE, related_name="findings")
    text = models.TextField("constat partagé", max_length=5000, validators=[MaxLengthValidator(5000)])
    position = models.PositiveIntegerField("ordre", default=0)

    history = HistoricalRecords()

    class Meta:
        verbose_name = "constat partagé"
        verbose_name_plural = "constats partagés"
        ordering = ["position", "pk"]

    def __str__(self):
        return self.text[:80]


class ActionLead(models.Model):
    """A piste d'action: becomes an action of the plan in one click."""

    diagnostic = models.ForeignKey(Diagnostic, on_delete=models.CASCADE, related_name="action_leads")
    title = models.CharField("piste d'action", max_length=200)
    theme = models.CharField("thème", max_length=30, choices=ActionTheme.choices, default=ActionTheme.AUTRE)
    description = models.TextField("description", blank=True, max_length=5000, validators=[MaxLengthValidator(5000)])
    potential_leads = models.CharField("porteurs potentiels", max_length=300, blank=True)
    resource_people = models.ManyToManyField(
        "communes.Contact", verbose_name="personnes ressources", blank=True, related_name="action_leads"
    )
    position = models.PositiveIntegerField("ordre", default=0)

    history = HistoricalRecords(m2m_fields=[resource_people])

    class Meta:
        verbose_name = "piste d'action"
        verbose_name_plural = "pistes d'actions"
        ordering = ["position", "pk"]

    def __str__(self):
        return self.title


class DiagnosticFigure(FigureFields):
    """A figure of the commune's open-data portrait picked into the diagnostic's « Données collectées ».

    Its value, source, date and licence are copied when the consultant picks it (never a reference to a live
    snapshot: a later refresh changes nothing here). The diagnostic's own picks have no `deliverable`; when a
    version is validated they are copied once more onto that version, which is how the next version shows what
    changed since."""

    diagnostic = models.ForeignKey(Diagnostic, on_delete=models.CASCADE, related_name="picked_figures")
    deliverable = models.ForeignKey(
        "pat_portal.Deliverable",
        verbose_name="version figée",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
    )
    source = models.CharField("source (clé)", max_length=30)
    source_name = models.CharField("source", max_length=200)
    fetched_at = models.DateTimeField("lu le")
    is_demo = models.BooleanField("valeur de démonstration", default=False)
    comment = models.TextField("commentaire", blank=True, max_length=1000, validators=[MaxLengthValidator(1000)])
    position = models.PositiveIntegerField("ordre", default=0)

    class Meta:
        verbose_name = "chiffre retenu du portrait"
        verbose_name_plural = "chiffres retenus du portrait"
        ordering = ["position", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["diagnostic", "source", "key"],
                condition=models.Q(deliverable__isnull=True),
                name="diagnostic_figure_picked_once",
            )
        ]
