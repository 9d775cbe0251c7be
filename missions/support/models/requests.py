"""Mission 3: support requests for local food projects, from intake to the follow-up and evaluation sheet.

A request comes in through one of three doors (an élu in the portal, the public form, the team recording a
phone call or an e-mail), is prioritised on objective criteria, decided by GBM with the contractor, then
followed step by step until it is completed or abandoned. Every status change is kept in the request's
timeline (`SupportRequestEvent`), which also feeds the commune's hub.
"""

import datetime
from decimal import Decimal

from django.core.validators import MaxLengthValidator, MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property
from simple_history.models import HistoricalRecords

from core.concurrency import VersionedModel, save_versioned
from core.lateness import Lateness
from core.models import Deliverable, DeliverableSubject, WorkflowError
from core.querysets import CommuneScopedQuerySet
from missions.programme.choices import ActionTheme
from missions.support.models.steps import SupportStep


class TransitionError(Exception):
    """A status change that the request's current status does not allow; the message is French."""


class SupportRequestQuerySet(CommuneScopedQuerySet):
    def supported(self):
        """Requests the programme took on: accepted, being followed, or completed."""
        return self.filter(status__in=SupportRequest.SUPPORTED_STATUSES)

    def started(self):
        """Counts toward the 4–5 supported local projects (Mission 3): the support started (in progress) or was
        completed. An accepted request whose support has not started yet does not count; abandoned ones neither."""
        return self.filter(status__in=SupportRequest.STARTED_STATUSES)

    def accepted_not_started(self):
        """Accepted by GBM, support not started yet: shown beside the Mission 3 target, never counted in it."""
        return self.filter(status=SupportRequest.Status.ACCEPTED)

    def open(self):
        """Requests still waiting for a decision."""
        return self.filter(status__in=SupportRequest.OPEN_STATUSES)

    def with_late_steps(self, today: datetime.date):
        """Requests with at least one late step (`SupportStep.objects.late(today)`)."""
        return self.filter(models.Exists(SupportStep.objects.late(today).filter(request=models.OuterRef("pk"))))

    def without_late_steps(self, today: datetime.date):
        return self.exclude(models.Exists(SupportStep.objects.late(today).filter(request=models.OuterRef("pk"))))

    def annotate_step_lateness(self, today: datetime.date):
        """Each request gets `oldest_late_step_end`: the earliest planned end among its late steps, i.e. the most
        overdue one (None when no step is late), from which `SupportRequest.step_lateness` says how late it is
        without a query per row."""
        oldest = (
            SupportStep.objects.late(today)
            .filter(request=models.OuterRef("pk"))
            .order_by("planned_end")
            .values("planned_end")[:1]
        )
        return self.annotate(oldest_late_step_end=models.Subquery(oldest))


class SupportRequest(VersionedModel, DeliverableSubject):
    """A demande d'accompagnement for a local food project; deliverable: the follow-up and evaluation sheet."""

    deliverable_kind = Deliverable.Kind.SUPPORT_SHEET
    name_is_feminine = True

    class Door(models.TextChoices):
        ELU = "elu", "Élu·e de la commune (portail)"
        PUBLIC = "public", "Formulaire public"
        TEAM = "equipe", "Reçue par l'équipe (téléphone, e-mail…)"

    class Channel(models.TextChoices):
        PORTAL = "portail", "Portail"
        PHONE = "telephone", "Téléphone"
        EMAIL = "email", "E-mail"
        MAIL = "courrier", "Courrier"
        MEETING = "rencontre", "Rencontre, réunion"

    class RequesterKind(models.TextChoices):
        COMMUNE = "commune", "Commune"
        ASSOCIATION = "association", "Association"
        FARMER = "agriculteur", "Agriculteur·rice, exploitation agricole"
        COLLECTIVE = "collectif", "Collectif d'habitant·e·s"
        SCHOOL = "etablissement_scolaire", "École, collège, établissement scolaire"
        BUSINESS = "entreprise", "Entreprise, commerce"
        OTHER = "autre", "Autre"

    class Kind(models.TextChoices):
        GARDEN = "jardin", "Jardin"
        ORCHARD = "verger", "Verger"
        BASKETS = "amap_paniers", "AMAP / système de paniers"
        TEACHING_KITCHEN = "cuisine_pedagogique", "Cuisine pédagogique"
        CATERING = "restauration_collective", "Restauration collective"
        FARM_SETUP = "installation_agricole", "Installation agricole"
        OTHER = "autre", "Autre"

    class Status(models.TextChoices):
        RECEIVED = "recue", "Reçue"
        UNDER_REVIEW = "en_instruction", "En instruction"
        ACCEPTED = "acceptee", "Acceptée"
        REFUSED = "refusee", "Refusée"
        IN_PROGRESS = "en_cours", "En cours"
        COMPLETED = "terminee", "Terminée"
        ABANDONED = "abandonnee", "Abandonnée"

    class Feasibility(models.TextChoices):
        FEASIBLE = "faisable", "Faisable"
        CONDITIONAL = "sous_conditions", "Faisable sous conditions"
        NOT_FEASIBLE = "non_faisable", "Non faisable"

    OPEN_STATUSES = (Status.RECEIVED, Status.UNDER_REVIEW)
    SUPPORTED_STATUSES = (Status.ACCEPTED, Status.IN_PROGRESS, Status.COMPLETED)
    STARTED_STATUSES = (Status.IN_PROGRESS, Status.COMPLETED)
    # Abandonment only follows an acceptance: these requests were all accepted at some point.
    ACCEPTED_ONCE_STATUSES = (*SUPPORTED_STATUSES, Status.ABANDONED)
    # Where each status may go next: reçue → en instruction → acceptée / refusée → en cours → terminée / abandonnée.
    TRANSITIONS = {
        Status.RECEIVED: (Status.UNDER_REVIEW,),
        Status.UNDER_REVIEW: (Status.ACCEPTED, Status.REFUSED),
        Status.ACCEPTED: (Status.IN_PROGRESS, Status.ABANDONED),
        Status.IN_PROGRESS: (Status.COMPLETED, Status.ABANDONED),
    }
    # Why a transition is refused, by target status: says which status the request must be in.
    TRANSITION_RULES = {
        Status.UNDER_REVIEW: "Seule une demande reçue peut être mise en instruction.",
        Status.ACCEPTED: "Seule une demande en instruction peut être acceptée.",
        Status.REFUSED: "Seule une demande en instruction peut être refusée.",
        Status.IN_PROGRESS: "Seule une demande acceptée peut passer en cours d'accompagnement.",
        Status.COMPLETED: "Seule une demande en cours d'accompagnement peut être terminée.",
        Status.ABANDONED: "Seule une demande acceptée ou en cours d'accompagnement peut être abandonnée.",
    }
    # The themes of the commune's action plan that a project of each kind is coherent with.
    KIND_THEMES = {
        Kind.GARDEN: ActionTheme.JARDINS,
        Kind.ORCHARD: ActionTheme.JARDINS,
        Kind.BASKETS: ActionTheme.CIRCUITS_COURTS,
        Kind.TEACHING_KITCHEN: ActionTheme.CUISINE,
        Kind.CATERING: ActionTheme.RESTAURATION,
        Kind.FARM_SETUP: ActionTheme.INSTALLATION,
    }

    # Identity: DA-<year>-<number>, the number counting the requests of the year.
    year = models.PositiveSmallIntegerField("année", editable=False)
    number = models.PositiveIntegerField("numéro", editable=False)
    programme = models.ForeignKey(
        "missions.Programme", verbose_name="programme", on_delete=models.PROTECT, related_name="support_requests"
    )
    door = models.CharField("origine", max_length=10, choices=Door.choices)
    channel = models.CharField("reçue par", max_length=15, choices=Channel.choices, default=Channel.PORTAL)
    received_on = models.DateField("reçue le", default=timezone.localdate)
    submitted_by = models.ForeignKey(
        "pat_portal.User",
        verbose_name="saisie par",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="support_requests_submitted",
        help_text="L'élu·e qui a fait la demande, ou la personne de l'équipe qui l'a enregistrée.",
    )

    # Requester
    commune = models.ForeignKey(
        "communes.Commune", verbose_name="commune concernée", on_delete=models.PROTECT, related_name="support_requests"
    )
    requester_kind = models.CharField("type de porteur", max_length=30, choices=RequesterKind.choices)
    organisation = models.CharField("structure porteuse", max_length=200)
    contact_name = models.CharField("personne à contacter", max_length=150)
    email = models.EmailField("e-mail", max_length=254, blank=True)
    phone = models.CharField("téléphone", max_length=30, blank=True)

    # Project
    title = models.CharField("nom du projet", max_length=200)
    kind = models.CharField("type de projet", max_length=30, choices=Kind.choices)
    description = models.TextField("description du projet", max_length=5000, validators=[MaxLengthValidator(5000)])
    help_wanted = models.TextField("aide souhaitée", max_length=3000, validators=[MaxLengthValidator(3000)])
    already_under_way = models.BooleanField("projet déjà engagé", default=False)

    # Status and decision
    status = models.CharField("statut", max_length=20, choices=Status.choices, default=Status.RECEIVED)
    status_changed_at = models.DateTimeField("statut modifié le", default=timezone.now)
    feasibility = models.CharField("faisabilité", max_length=20, choices=Feasibility.choices, blank=True)
    support_nature = models.TextField(
        "nature de l'appui", max_length=3000, blank=True, validators=[MaxLengthValidator(3000)]
    )
    allotted_half_days = models.DecimalField(
        "temps alloué (demi-journées)",
        max_digits=5,
        decimal_places=1,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0.5")), MaxValueValidator(Decimal("200"))],
    )
    decision_reason = models.TextField(
        "motif de la décision", max_length=3000, blank=True, validators=[MaxLengthValidator(3000)]
    )
    decided_by = models.ForeignKey(
        "pat_portal.User",
        verbose_name="décision prise par",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    decided_at = models.DateTimeField("décidée le", null=True, blank=True)
    priority_at_decision = models.JSONField(
        "priorité au moment de la décision",
        null=True,
        blank=True,
        editable=False,
        help_text="Score et contribution de chaque critère, figés lors de la décision.",
    )
    action = models.ForeignKey(
        "missions.Action",
        verbose_name="action du plan communal",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="support_requests",
    )
    order_form = models.ForeignKey(
        "missions.OrderForm",
        verbose_name="bon de commande",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="support_requests",
        help_text="Facultatif : le bon de commande de Mission 3 qui couvre cet accompagnement.",
    )
    closing_note = models.TextField(
        "motif de clôture", max_length=3000, blank=True, validators=[MaxLengthValidator(3000)]
    )
    closed_on = models.DateField("clôturée le", null=True, blank=True)

    # Outcomes and evaluation (the second half of the follow-up sheet)
    outcomes = models.TextField(
        "résultats obtenus", max_length=5000, blank=True, validators=[MaxLengthValidator(5000)]
    )
    evaluation_successes = models.TextField(
        "ce qui a fonctionné", max_length=5000, blank=True, validators=[MaxLengthValidator(5000)]
    )
    evaluation_difficulties = models.TextField(
        "ce qui n'a pas fonctionné", max_length=5000, blank=True, validators=[MaxLengthValidator(5000)]
    )
    evaluation_next_steps = models.TextField(
        "suites à donner", max_length=5000, blank=True, validators=[MaxLengthValidator(5000)]
    )

    created_at = models.DateTimeField("créée le", default=timezone.now, editable=False)
    updated_at = models.DateTimeField("modifiée le", auto_now=True)

    history = HistoricalRecords()
    objects = SupportRequestQuerySet.as_manager()

    class Meta:
        verbose_name = "demande d'accompagnement"
        verbose_name_plural = "demandes d'accompagnement"
        ordering = ["-received_on", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["year", "number"], name="support_request_unique_reference"),
            models.CheckConstraint(
                condition=models.Q(door="public") | models.Q(submitted_by__isnull=False),
                name="support_request_submitter_unless_public",
                violation_error_message="Une demande saisie dans le portail indique qui l'a saisie.",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "received_on"], name="support_status_idx"),
            models.Index(fields=["commune", "status"], name="support_commune_idx"),
            models.Index(fields=["kind"], name="support_kind_idx"),
            models.Index(fields=["door"], name="support_door_idx"),
            models.Index(fields=["programme", "status"], name="support_programme_idx"),
        ]

    def __str__(self):
        return f"{self.reference} — {self.title}"

    def get_absolute_url(self):
        return reverse("missions:support_detail", args=[self.pk])

    @property
    def reference(self) -> str:
        return self.reference_of(self.year, self.number)

    @staticmethod
    def reference_of(year: int, number: int | None) -> str:
        """The reference of a request from its year and number (for rows read without an instance)."""
        return f"DA-{year}-{number:04d}" if number else "DA-(non numérotée)"

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN_STATUSES

    @property
    def was_accepted(self) -> bool:
        """Accepted at some point: it has (or had) a follow-up, even if abandoned since."""
        return self.status in self.ACCEPTED_ONCE_STATUSES

    # What the request's page offers next, asked by templates instead of comparing status strings.
    @property
    def can_start_review(self) -> bool:
        return self.Status.UNDER_REVIEW in self.allowed_next_statuses()

    @property
    def awaits_decision(self) -> bool:
        return self.Status.ACCEPTED in self.allowed_next_statuses()

    @property
    def can_start_follow_up(self) -> bool:
        return self.Status.IN_PROGRESS in self.allowed_next_statuses()

    @property
    def can_complete(self) -> bool:
        return self.Status.COMPLETED in self.allowed_next_statuses()

    @property
    def is_abandoned(self) -> bool:
        return self.status == self.Status.ABANDONED

    @property
    def is_followed(self) -> bool:
        """Steps, financing and evaluation are edited while the request is accepted or in progress."""
        return self.status in {self.Status.ACCEPTED, self.Status.IN_PROGRESS}

    @property
    def plan_theme(self) -> str | None:
        return self.KIND_THEMES.get(self.kind)

    def step_lateness_on(self, today: datetime.date) -> Lateness | None:
        """How late the request's most overdue step is on `today` (needs `annotate_step_lateness(today)`)."""
        return Lateness.after(getattr(self, "oldest_late_step_end", None), today)

    @cached_property
    def step_lateness(self) -> Lateness | None:
        """Today's lateness of the most overdue step, on a queryset annotated by `annotate_step_lateness`."""
        return self.step_lateness_on(timezone.localdate())

    # State changes -----------------------------------------------------------------------------------
    def allowed_next_statuses(self) -> tuple[str, ...]:
        return self.TRANSITIONS.get(self.status, ())

    def check_transition(self, target: str) -> None:
        """Raise TransitionError (French) unless the current status may go to `target`."""
        if target not in self.allowed_next_statuses():
            current = self.Status(self.status).label.lower()
            raise TransitionError(f"{self.TRANSITION_RULES[target]} Cette demande est « {current} ».")

    def transition_to(self, target: str, *, by=None, note: str = "") -> "SupportRequestEvent":
        """Move to `target` after checking the current status; saves the row and records it in the timeline."""
        self.check_transition(target)
        previous = self.status
        self.status = target
        self.status_changed_at = timezone.now()
        # One version up: a form opened before this change must not save its stale copy of the row over it.
        save_versioned(self, self.lock_version)
        return self.events.create(previous_status=previous, status=target, by=by, note=note, at=self.status_changed_at)

    def start_review(self, *, by) -> "SupportRequestEvent":
        return self.transition_to(self.Status.UNDER_REVIEW, by=by)

    def record_decision(
        self,
        *,
        accepted: bool,
        by,
        reason: str,
        feasibility: str,
        support_nature: str = "",
        allotted_half_days: Decimal | None = None,
        action=None,
        order_form=None,
        priority: dict | None = None,
    ) -> "SupportRequestEvent":
        """GBM's joint decision with the contractor; the reason is required whatever the outcome."""
        target = self.Status.ACCEPTED if accepted else self.Status.REFUSED
        self.check_transition(target)
        if not reason.strip():
            raise TransitionError("Indiquez le motif de la décision : il est communiqué au demandeur.")
        if accepted and not allotted_half_days:
            raise TransitionError("Indiquez le temps alloué (en demi-journées) pour accepter la demande.")
        self.decision_reason = reason.strip()
        self.feasibility = feasibility
        self.support_nature = support_nature.strip()
        self.allotted_half_days = allotted_half_days if accepted else None
        self.action = action if accepted else None
        self.order_form = order_form if accepted else None
        self.decided_by = by
        self.decided_at = timezone.now()
        self.priority_at_decision = priority
        return self.transition_to(target, by=by, note=self.decision_reason)

    def start_follow_up(self, *, by) -> "SupportRequestEvent":
        return self.transition_to(self.Status.IN_PROGRESS, by=by)

    def complete(self, *, by, note: str = "") -> "SupportRequestEvent":
        self.check_transition(self.Status.COMPLETED)
        self.closing_note = note.strip()
        self.closed_on = timezone.localdate()
        return self.transition_to(self.Status.COMPLETED, by=by, note=self.closing_note)

    def abandon(self, *, by, reason: str) -> "SupportRequestEvent":
        self.check_transition(self.Status.ABANDONED)
        if not reason.strip():
            raise TransitionError("Indiquez pourquoi le projet est abandonné.")
        self.closing_note = reason.strip()
        self.closed_on = timezone.localdate()
        return self.transition_to(self.Status.ABANDONED, by=by, note=self.closing_note)

    # DeliverableSubject hooks -----------------------------------------------------------------------
    def deliverable_commune(self):
        return self.commune

    def deliverable_title(self) -> str:
        return f"Fiche de suivi et d'évaluation — {self.reference} {self.title} ({self.commune})"

    def deliverable_url(self) -> str:
        return self.get_absolute_url()

    def check_submittable(self) -> None:
        if not self.was_accepted:
            raise WorkflowError("La fiche de suivi se soumet pour une demande acceptée, suivie ou clôturée.")


class SupportRequestEvent(models.Model):
    """One entry of a request's timeline: a status change, who made it, when, and the reason given."""

    request = models.ForeignKey(SupportRequest, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField("le", default=timezone.now)
    previous_status = models.CharField(
        "statut précédent", max_length=20, choices=SupportRequest.Status.choices, blank=True
    )
    status = models.CharField("nouveau statut", max_length=20, choices=SupportRequest.Status.choices)
    by = models.ForeignKey(
        "pat_portal.User", verbose_name="par", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    note = models.TextField("motif, commentaire", blank=True, max_length=3000, validators=[MaxLengthValidator(3000)])

    class Meta:
        verbose_name = "étape de la chronologie d'une demande"
        verbose_name_plural = "chronologie des demandes"
        ordering = ["at", "pk"]
        indexes = [models.Index(fields=["request", "at"], name="support_event_request_idx")]

    def __str__(self):
        return f"{self.request.reference} : {self.get_status_display()}"
