import datetime
from decimal import Decimal

from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.core.validators import MaxLengthValidator, MaxValueValidator, MinValueValidator
from django.db import models, transaction
from django.db.models import OuterRef
from django.urls import reverse
from django.utils import timezone
from simple_history.models import HistoricalRecords

from core.checklists import ChecklistItem, refuse_blocking
from core.concurrency import VersionedModel
from core.french import de, euros
from core.lateness import LatenessMixin, last_day_of_month
from core.models import Deliverable, DeliverableSubject, WorkflowError, WorkflowStatus
from core.querysets import RoleScopedQuerySet
from core.uploads import UploadPath
from missions.mission1.models.diagnostics import Diagnostic
from missions.programme.choices import ActionTheme

MONEY = {"max_digits": 12, "decimal_places": 2, "validators": [MinValueValidator(Decimal("0"))]}


class ActionPlanQuerySet(RoleScopedQuerySet):
    def for_elu(self, user):
        """An élu sees their commune's plan once submitted or validated (never a draft)."""
        return self.filter(
            accompaniment__commune_id=user.commune_id,
            workflow_status__in=[WorkflowStatus.SUBMITTED, WorkflowStatus.VALIDATED],
        )


class ActionPlan(VersionedModel, DeliverableSubject):
    """The communal action plan; approved by the commune (council decision), validated by GBM."""

    deliverable_kind = Deliverable.Kind.ACTION_PLAN

    accompaniment = models.OneToOneField(
        "missions.Accompaniment", verbose_name="accompagnement", on_delete=models.PROTECT, related_name="action_plan"
    )
    summary = models.TextField(
        "présentation du plan", blank=True, max_length=10000, validators=[MaxLengthValidator(10000)]
    )
    council_decision_date = models.DateField("date de la délibération du conseil municipal", null=True, blank=True)
    council_decision_file = models.FileField(
        "délibération du conseil municipal (PDF)",
        upload_to=UploadPath("plans-d-actions/deliberations"),
        blank=True,
        max_length=300,
    )
    approved_by = models.ForeignKey(
        "pat_portal.User",
        verbose_name="approuvé par",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    approved_at = models.DateTimeField("approuvé le", null=True, blank=True)
    approved_version = models.PositiveIntegerField(
        "version approuvée",
        null=True,
        blank=True,
        help_text="La version soumise que le conseil municipal a approuvée.",
    )
    updated_at = models.DateTimeField("modifié le", auto_now=True)

    history = HistoricalRecords()
    objects = ActionPlanQuerySet.as_manager()

    class Meta:
        verbose_name = "plan d'actions"
        verbose_name_plural = "plans d'actions"

    def __str__(self):
        return f"Plan d'actions {de(self.accompaniment.commune)}"

    def get_absolute_url(self):
        return reverse("missions:action_plan", args=[self.accompaniment.commune.insee_code])

    APPROVAL_FIELDS = [
        "council_decision_date",
        "council_decision_file",
        "approved_by",
        "approved_at",
        "approved_version",
    ]

    @property
    def is_approved(self) -> bool:
        return self.approved_at is not None

    @property
    def awaits_approval(self) -> bool:
        """A submitted version the commune has not approved yet."""
        return self.awaits_validation and not self.is_approved

    # DeliverableSubject hooks
    def deliverable_commune(self):
        return self.accompaniment.commune

    def deliverable_title(self) -> str:
        return f"Plan d'actions du projet alimentaire communal — {self.accompaniment.commune}"

    def deliverable_url(self) -> str:
        return self.get_absolute_url()

    def check_submittable(self) -> None:
        refuse_blocking(self.submission_checklist())

    def submission_checklist(self) -> list[ChecklistItem]:
        """Blocking: at least one action, the plan's presentation and a calendar (start month) for every action: the
        council approves them. Advisory: a diagnostic not submitted or not validated yet (a plan may be drafted while
        GBM reviews it), actions not costed (« non chiffré »: no cost estimate) and actions without a lead. Two
        queries; one when the page already read the plan's actions (prefetched)."""
        fields = ("title", "start_month", "cost_estimate", "lead_contact_id", "lead_organisation")
        if "actions" in getattr(self, "_prefetched_objects_cache", {}):
            actions = [tuple(getattr(action, name) for name in fields) for action in self.actions.all()]
        else:
            actions = list(self.actions.values_list(*fields))
        diagnostic_status = self._diagnostic_status()
        items = []
        if not actions:
            items.append(ChecklistItem("Ajoutez au moins une action : un plan d'actions vide ne peut pas être soumis"))
        if not self.summary.strip():
            items.append(ChecklistItem("Rédigez la présentation du plan"))
        if without_calendar := [title for title, start, *_ in actions if start is None]:
            items.append(ChecklistItem(f"Donnez un calendrier (mois de début) à {_actions_named(without_calendar)}"))
        if diagnostic_status in (None, WorkflowStatus.DRAFT, WorkflowStatus.RETURNED):
            items.append(
                ChecklistItem(
                    "Le diagnostic de la commune est encore en brouillon : le plan s'appuie d'ordinaire sur un "
                    "diagnostic soumis à GBM",
                    blocking=False,
                )
            )
        elif diagnostic_status == WorkflowStatus.SUBMITTED:
            items.append(ChecklistItem("Le diagnostic attend encore la validation de GBM", blocking=False))
        if uncosted := [title for title, _start, cost, *_ in actions if not cost]:
            items.append(ChecklistItem(f"Coût non chiffré pour {_actions_named(uncosted)}", blocking=False))
        if without_lead := [
            title for title, _s, _c, contact, organisation in actions if not (contact or organisation)
        ]:
            items.append(ChecklistItem(f"Aucun porteur pour {_actions_named(without_lead)}", blocking=False))
        return items

    def _diagnostic_status(self) -> str | None:
        """The status of the commune's diagnostic: from the accompaniment and diagnostic read with the plan
        (select_related), else one query."""
        accompaniment = self.accompaniment if type(self).accompaniment.is_cached(self) else None
        if accompaniment is not None and type(accompaniment).diagnostic.is_cached(accompaniment):
            try:
                return accompaniment.diagnostic.workflow_status
            except ObjectDoesNotExist:
                return None
        return (
            Diagnostic.objects.filter(accompaniment_id=self.accompaniment_id)
            .values_list("workflow_status", flat=True)
            .first()
        )

    @transaction.atomic
    def approve(self, *, by, council_decision_date: datetime.date, council_decision_file=None) -> None:
        """The commune approves the submitted version of its plan: the approval names that version (whose content
        is locked until GBM validates it or sends it back), the date of the municipal council's decision and,
        optionally, the délibération itself (a PDF already checked by the upload validator)."""
        current = type(self)._base_manager.select_for_update().get(pk=self.pk)
        pending = Deliverable.objects.for_subject(self).awaiting_validation().order_by("-version").first()
        if current.workflow_status != WorkflowStatus.SUBMITTED or pending is None:
            raise WorkflowError("Seul un plan soumis à validation peut être approuvé par la commune.")
        if current.is_approved:
            raise WorkflowError("Ce plan a déjà été approuvé par la commune.")
        self.workflow_status = current.workflow_status
        self.council_decision_date = council_decision_date
        self.council_decision_file = council_decision_file or None
        self.approved_by = by
        self.approved_at = timezone.now()
        self.approved_version = pending.version
        self.save(update_fields=self.APPROVAL_FIELDS)

    def clear_approval(self) -> None:
        """A new version needs the commune's approval again (the previous approval stays in the history)."""
        for field in self.APPROVAL_FIELDS:
            setattr(self, field, None)

    def after_validation(self) -> None:
        self.accompaniment.advance_to(self.accompaniment.Phase.IMPLEMENTATION)

    def check_validatable(self, deliverable) -> None:
        if self.validation_waits_for(deliverable):
            raise WorkflowError(
                f"La commune doit d'abord approuver la version {deliverable.version} de ce plan "
                "(date de la délibération du conseil municipal)."
            )

    def validation_waits_for(self, deliverable) -> str:
        """A version waits for its municipal council's approval before GBM may validate it (the same rule as
        `waits_for_council`, which the deliverable registry reads in SQL)."""
        if not self.is_approved or self.approved_version != deliverable.version:
            return "l'approbation du conseil municipal"
        return ""

    @staticmethod
    def waits_for_council() -> models.Q:
        """On `Deliverable` rows of action plans: the version has not been approved by its council yet."""
        approved = ActionPlan.objects.filter(
            pk=models.OuterRef("object_id"), approved_version=models.OuterRef("version")
        )
        return ~models.Exists(approved.exclude(approved_at=None))

    @staticmethod
    def council_approval_time() -> models.Subquery:
        """On `Deliverable` rows of action plans: when the commune recorded its approval (GBM's delay runs from it)."""
        return models.Subquery(
            ActionPlan.objects.filter(pk=models.OuterRef("object_id")).values("approved_at")[:1],
            output_field=models.DateTimeField(),
        )

    def after_return(self) -> None:
        """A version sent back will be corrected: the next version needs its own approval."""
        if self.is_approved:
            self.clear_approval()
            self.save(update_fields=self.APPROVAL_FIELDS)

    def mark_edited(self) -> None:
        """Editing after validation starts a new version, which the commune must approve again; a submitted version
        cannot be edited (ContentLocked)."""
        was_validated = self.workflow_status == WorkflowStatus.VALIDATED
        super().mark_edited()
        if was_validated:
            self.clear_approval()


class ActionQuerySet(RoleScopedQuerySet):
    """Actions follow their plan's visibility: the team sees every one (with no subquery on the plans to build and
    run), an élu those of the plans `ActionPlan.objects.for_elu` gives them."""

    def for_elu(self, user):
        return self.filter(plan__in=ActionPlan.objects.for_elu(user))

    def toward_specific_support_target(self, programme=None):
        """The actions that count toward the contract's 7–8 "specific support" target: flagged for specific
        support, in a plan of the programme, in a commune under the programme's population threshold, abandoned
        excluded. The dashboard tile, its list, the exports and the programme report all count with this.

        Without `programme`, the programme is the outer row of a subquery on programmes (one query for every
        figure of the dashboard).
        """
        if programme is None:
            programme, threshold = OuterRef("pk"), OuterRef("small_commune_population")
        else:
            threshold = programme.small_commune_population
        return self.filter(
            plan__accompaniment__programme=programme,
            specific_support=True,
            plan__accompaniment__commune__population__lt=threshold,
        ).exclude(status=Action.Status.ABANDONED)

    def late(self, today: datetime.date):
        """Late actions: their end month is over on `today` (today is after its last day) and they are neither done
        nor abandoned. The same rule as `Action.lateness_on()`."""
        return self.filter(self._late(today))

    def not_late(self, today: datetime.date):
        """Every action `late(today)` leaves out: no end month, end month not over, done or abandoned."""
        return self.exclude(self._late(today))

    @staticmethod
    def _late(today: datetime.date) -> models.Q:
        return models.Q(end_month__lt=today.replace(day=1)) & ~models.Q(status__in=Action.CLOSED_STATUSES)

    def beyond_programme(self):
        """Actions planned to end after the programme (their end month starts after the contract's end date)."""
        return self.filter(end_month__gt=models.F("plan__accompaniment__programme__end_date"))


def _actions_named(titles: list[str]) -> str:
    """'l'action « Verger »' or '3 actions (« Verger », « Cantine », « Marché »)'."""
    quoted = ", ".join(f"« {title} »" for title in titles)
    return f"l'action {quoted}" if len(titles) == 1 else f"{len(titles)} actions ({quoted})"


def first_of_month(value: datetime.date | None) -> datetime.date | None:
    return value.replace(day=1) if value else None


class Action(LatenessMixin, VersionedModel):
    name_is_feminine = True

    class Status(models.TextChoices):
        PROPOSED = "proposee", "Proposée"
        SELECTED = "retenue", "Retenue"
        IN_PROGRESS = "en_cours", "En cours"
        DONE = "realisee", "Réalisée"
        PAUSED = "en_pause", "En pause"
        ABANDONED = "abandonnee", "Abandonnée"

    class Priority(models.IntegerChoices):
        HIGH = 1, "Haute"
        MEDIUM = 2, "Moyenne"
        LOW = 3, "Basse"

    plan = models.ForeignKey(
        ActionPlan, verbose_name="plan d'actions", on_delete=models.CASCADE, related_name="actions"
    )
    title = models.CharField("intitulé", max_length=200)
    theme = models.CharField("thème", max_length=30, choices=ActionTheme.choices)
    description = models.TextField("description", blank=True, max_length=10000, validators=[MaxLengthValidator(10000)])
    lead_contact = models.ForeignKey(
        "communes.Contact",
        verbose_name="porteur (contact)",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="led_actions",
    )
    lead_organisation = models.CharField(
        "porteur (organisme)", max_length=200, blank=True, help_text="Si le porteur n'est pas un contact enregistré."
    )
    partners = models.TextField("partenaires", blank=True, max_length=3000, validators=[MaxLengthValidator(3000)])
    operational_objectives = models.TextField(
        "objectifs opérationnels", blank=True, max_length=5000, validators=[MaxLengthValidator(5000)]
    )
    expected_results = models.TextField(
        "résultats attendus", blank=True, max_length=5000, validators=[MaxLengthValidator(5000)]
    )
    cost_estimate = models.DecimalField("coût estimé (€)", default=Decimal("0"), **MONEY)
    start_month = models.DateField("début (mois)", null=True, blank=True)
    end_month = models.DateField("fin (mois)", null=True, blank=True)
    status = models.CharField("statut", max_length=20, choices=Status.choices, default=Status.PROPOSED)
    progress = models.PositiveSmallIntegerField(
        "avancement (%)", default=0, validators=[MinValueValidator(0), MaxValueValidator(100)]
    )
    priority = models.PositiveSmallIntegerField("priorité", choices=Priority.choices, default=Priority.MEDIUM)
    specific_support = models.BooleanField(
        "accompagnement spécifique",
        default=False,
        help_text="Retenue avec la commune et GBM pour un accompagnement complémentaire (objectif de 7 à 8 projets).",
    )
    source_lead = models.ForeignKey(
        "missions.ActionLead",
        verbose_name="issue de la piste",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="actions",
    )
    position = models.PositiveIntegerField("ordre", default=0)

    # Done or abandoned: such an action is never late.
    CLOSED_STATUSES = (Status.DONE, Status.ABANDONED)

    history = HistoricalRecords()
    objects = ActionQuerySet.as_manager()

    class Meta:
        verbose_name = "action"
        verbose_name_plural = "actions"
        ordering = ["position", "pk"]
        indexes = [
            models.Index(fields=["theme"], name="action_theme_idx"),
            models.Index(fields=["status"], name="action_status_idx"),
            models.Index(fields=["specific_support"], name="action_specific_idx"),
        ]
        constraints = [
            models.CheckConstraint(condition=models.Q(progress__lte=100), name="action_progress_at_most_100"),
            models.CheckConstraint(
                condition=models.Q(end_month__isnull=True)
                | models.Q(start_month__isnull=True)
                | models.Q(end_month__gte=models.F("start_month")),
                name="action_end_not_before_start",
            ),
        ]

    def __str__(self):
        return self.title

    @property
    def lead_display(self) -> str:
        if self.lead_contact_id:
            organisation = f" ({self.lead_contact.organisation})" if self.lead_contact.organisation else ""
            return f"{self.lead_contact.full_name}{organisation}"
        return self.lead_organisation

    # Lateness (issue 16) -------------------------------------------------------------------------------------------
    def lateness_due(self) -> datetime.date | None:
        """The end month's last day (an action planned "until October" may be done until 31 October); none without
        an end month. The same rule as `Action.objects.late()`."""
        return last_day_of_month(self.end_month) if self.end_month is not None else None

    def lateness_closed(self) -> bool:
        """Done or abandoned: never late."""
        return self.status in self.CLOSED_STATUSES

    @property
    def beyond_programme(self) -> bool:
        """Planned to end after the programme: the end month starts after the contract's end date (an action ending
        in the contract's last month is within it). Flagged on save and on the plan, never refused.
        Reads plan → accompaniment → programme: select them with the action on lists."""
        if self.end_month is None:
            return False
        return self.end_month.replace(day=1) > self.plan.accompaniment.programme.end_date

    def clean(self):
        self.start_month = first_of_month(self.start_month)
        self.end_month = first_of_month(self.end_month)
        if self.start_month and self.end_month and self.end_month < self.start_month:
            raise ValidationError({"end_month": "Le mois de fin ne peut pas précéder le mois de début."})


class FundingSource(models.Model):
    class Status(models.TextChoices):
        PLANNED = "envisage", "Envisagé"
        REQUESTED = "sollicite", "Sollicité"
        SECURED = "acquis", "Acquis"

    action = models.ForeignKey(Action, on_delete=models.CASCADE, related_name="funding_sources")
    funder = models.CharField("financeur", max_length=200)
    amount = models.DecimalField("montant (€)", **MONEY)
    status = models.CharField("statut", max_length=20, choices=Status.choices, default=Status.PLANNED)

    history = HistoricalRecords()

    class Meta:
        verbose_name = "financement"
        verbose_name_plural = "financements"
        ordering = ["pk"]

    def __str__(self):
        return f"{self.funder} : {euros(self.amount)}"


class ProgressNote(models.Model):
    action = models.ForeignKey(Action, on_delete=models.CASCADE, related_name="progress_notes")
    date = models.DateField("date")
    text = models.TextField("point d'avancement", max_length=5000, validators=[MaxLengthValidator(5000)])
    author = models.ForeignKey("pat_portal.User", verbose_name="auteur", on_delete=models.PROTECT, related_name="+")

    history = HistoricalRecords()

    class Meta:
        verbose_name = "point d'avancement"
        verbose_name_plural = "points d'avancement"
        ordering = ["-date", "-pk"]

    def __str__(self):
        return f"{self.date:%d/%m/%Y} — {self.text[:60]}"


class Indicator(VersionedModel):
    action = models.ForeignKey(Action, on_delete=models.CASCADE, related_name="indicators")
    name = models.CharField("indicateur", max_length=200)
    unit = models.CharField("unité", max_length=50, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = "indicateur"
        verbose_name_plural = "indicateurs"
        ordering = ["pk"]

    def __str__(self):
        return self.name


class IndicatorValue(models.Model):
    indicator = models.ForeignKey(Indicator, on_delete=models.CASCADE, related_name="values")
    year = models.PositiveSmallIntegerField("année", validators=[MinValueValidator(2000), MaxValueValidator(2100)])
    target = models.DecimalField("cible", max_digits=14, decimal_places=2, null=True, blank=True)
    actual = models.DecimalField("réalisé", max_digits=14, decimal_places=2, null=True, blank=True)
    comment = models.CharField("commentaire", max_length=500, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = "valeur d'indicateur"
        verbose_name_plural = "valeurs d'indicateurs"
        ordering = ["year"]
        constraints = [models.UniqueConstraint(fields=["indicator", "year"], name="indicator_value_unique_year")]

    def __str__(self):
        return f"{self.indicator} {self.year}"
