import datetime
import hashlib
import secrets

from django.contrib.auth.models import AbstractUser, UserManager
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ImproperlyConfigured, PermissionDenied
from django.core.validators import MaxLengthValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from simple_history.models import HistoricalRecords

from core.lateness import Lateness, start_of_day, threshold_expression
from core.querysets import RoleScopedQuerySet


def commune_iff_elu(name: str) -> models.CheckConstraint:
    """An élu belongs to one commune; the other roles to none (a user, and the invitation that makes one)."""
    return models.CheckConstraint(
        condition=(Q(role="elu") & Q(commune__isnull=False)) | (~Q(role="elu") & Q(commune__isnull=True)),
        name=name,
        violation_error_message="Un·e élu·e appartient à une commune ; les autres rôles n'en ont pas.",
    )


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
    calendar_token = models.CharField(
        "jeton de l'agenda", max_length=64, unique=True, null=True, blank=True, editable=False
    )
    muted_notifications = models.JSONField(
        "notifications désactivées", default=list, blank=True, help_text="Types de notifications refusées."
    )
    # "Nouveau depuis votre dernière visite" (issue 16): when the home page was last opened, and when the visit
    # before the current one ended.
    home_visited_at = models.DateTimeField("dernière ouverture de l'accueil", null=True, blank=True, editable=False)
    home_previous_visit_at = models.DateTimeField(
        "fin de la visite précédente de l'accueil", null=True, blank=True, editable=False
    )
    digest_sent_at = models.DateTimeField(
        "dernier résumé hebdomadaire envoyé le", null=True, blank=True, editable=False
    )
    # Issue 24: an account ends with a mandate or a contract. The day after `ends_on` the person can no longer log in
    # (core.backends); `core.accounts` then revokes what works without logging in (calendar feed, share links) and
    # writes `access_ended_at`, once.
    ends_on = models.DateField(
        "fin du mandat ou du contrat",
        null=True,
        blank=True,
        help_text="Dernier jour où la personne peut se connecter ; vide : sans date de fin.",
    )
    access_ended_at = models.DateTimeField("accès retiré le", null=True, blank=True, editable=False)

    objects = PortalUserManager()

    # A visit of the home page is a run of openings less than this apart: reloading the page during a visit keeps
    # the same "Nouveau depuis votre dernière visite".
    HOME_VISIT_GAP = datetime.timedelta(hours=1)
    # How often an opening during a visit is written down (so that reloading the page does not write each time).
    HOME_VISIT_WRITE_EVERY = datetime.timedelta(minutes=5)

    class Meta:
        verbose_name = "utilisateur"
        verbose_name_plural = "utilisateurs"
        ordering = ["last_name", "first_name"]
        constraints = [commune_iff_elu("user_commune_iff_elu")]

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

    def has_ended(self, today: datetime.date | None = None) -> bool:
        """Past the end of the mandate or contract (the end date itself is the last day the person logs in)."""
        return self.ends_on is not None and self.ends_on < (today or timezone.localdate())

    def regenerate_calendar_token(self) -> str:
        """A new secret for the calendar feed URL; the previous URL stops working at once."""
        self.calendar_token = secrets.token_urlsafe(32)
        self.save(update_fields=["calendar_token"])
        return self.calendar_token

    def wants_notification(self, kind: str) -> bool:
        return self.is_active and bool(self.email) and kind not in (self.muted_notifications or [])

    def start_home_visit(self, now: datetime.datetime) -> datetime.datetime | None:
        """Record that the home page is opened at `now`; return when the previous visit ended (None: no visit yet).

        What is "new since your last visit" is what changed after that moment. An opening more than HOME_VISIT_GAP
        after the last one starts a new visit; the row is written at most once per HOME_VISIT_WRITE_EVERY.
        """
        last = self.home_visited_at
        if last is None or now - last >= self.HOME_VISIT_GAP:
            self.home_previous_visit_at, self.home_visited_at = last, now
        elif now - last >= self.HOME_VISIT_WRITE_EVERY:
            self.home_visited_at = now
        else:
            return self.home_previous_visit_at
        type(self).objects.filter(pk=self.pk).update(
            home_visited_at=self.home_visited_at, home_previous_visit_at=self.home_previous_visit_at
        )
        return self.home_previous_visit_at


class InvitationQuerySet(models.QuerySet):
    def pending(self, now: datetime.datetime | None = None):
        """Neither used nor revoked, and still valid."""
        return self.filter(accepted_at__isnull=True, revoked_at__isnull=True, expires_at__gt=now or timezone.now())

    def open(self):
        """Neither used nor revoked (still valid or expired): what the officers' list shows."""
        return self.filter(accepted_at__isnull=True, revoked_at__isnull=True)


class Invitation(models.Model):
    """An invitation to open an account (issue 24): the person chooses their password from a link valid 7 days.

    The link carries a random token (`secrets.token_urlsafe(32)`) that exists only in the e-mail; the database keeps its
    SHA-256. Resending draws a new token (the previous link dies); using or revoking the invitation ends it.
    The rules are in `core/invitations.py`.
    """

    email = models.EmailField("adresse e-mail")
    first_name = models.CharField("prénom", max_length=150)
    last_name = models.CharField("nom", max_length=150)
    role = models.CharField("rôle", max_length=20, choices=User.Role.choices)
    commune = models.ForeignKey(
        "communes.Commune",
        verbose_name="commune",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="invitations",
    )
    organisation = models.CharField("organisme", max_length=200, blank=True)
    is_staff = models.BooleanField("accès à l'administration", default=False)
    is_superuser = models.BooleanField("super-utilisateur", default=False)
    token_sha256 = models.CharField("empreinte du jeton", max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField("créée le", default=timezone.now, editable=False)
    sent_at = models.DateTimeField("envoyée le", default=timezone.now)
    expires_at = models.DateTimeField("valable jusqu'au")
    invited_by = models.ForeignKey(
        User, verbose_name="invitée par", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    accepted_at = models.DateTimeField("utilisée le", null=True, blank=True)
    user = models.ForeignKey(
        User, verbose_name="compte créé", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    revoked_at = models.DateTimeField("révoquée le", null=True, blank=True)
    revoked_by = models.ForeignKey(
        User, verbose_name="révoquée par", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    objects = InvitationQuerySet.as_manager()

    class Meta:
        verbose_name = "invitation"
        verbose_name_plural = "invitations"
        ordering = ["-sent_at", "-pk"]
        constraints = [commune_iff_elu("invitation_commune_iff_elu")]

    def __str__(self):
        return f"Invitation de {self.first_name} {self.last_name} <{self.email}>"

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    @property
    def is_used(self) -> bool:
        return self.accepted_at is not None

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None

    @property
    def is_expired(self) -> bool:
        return timezone.now() >= self.expires_at

    @property
    def is_pending(self) -> bool:
        return not (self.is_used or self.is_revoked or self.is_expired)


class WorkflowError(Exception):
    """A transition that the current state does not allow; the message is French and shown to the user."""


LOCKED_MESSAGE = "Ce document est soumis à validation : renvoyez-le pour le modifier."


class ContentLocked(WorkflowError, PermissionDenied):
    """An edit of content whose submitted version awaits validation (403 when a view lets it through)."""

    def __init__(self, message: str = LOCKED_MESSAGE):
        super().__init__(message)


class WorkflowStatus(models.TextChoices):
    """Where a deliverable's subject (diagnostic, plan, workshop report…) stands in the validation workflow."""

    DRAFT = "brouillon", "Brouillon"
    SUBMITTED = "soumis", "Soumis à validation"
    RETURNED = "renvoye", "Renvoyé pour corrections"
    VALIDATED = "valide", "Validé"


class DeliverableSubject(models.Model):
    """A thing that becomes a validated deliverable: the diagnostic, the action plan, a workshop report…

    Subclasses set `deliverable_kind` and implement the hooks below; the workflow itself lives in
    `core.deliverables` and is the same for every deliverable. The PDF and the content hashed at
    submission are built by the subject's domain, registered at start-up (`core.deliverables.registry`).
    Each submission is a version: its content is locked until GBM validates it or sends it back.
    """

    deliverable_kind: str = ""

    workflow_status = models.CharField(
        "statut de validation", max_length=20, choices=WorkflowStatus.choices, default=WorkflowStatus.DRAFT
    )

    class Meta:
        abstract = True

    # Hooks -----------------------------------------------------------------------------------------
    def deliverable_commune(self):
        """The commune whose page lists this deliverable (None for workshops)."""
        raise NotImplementedError

    def deliverable_title(self) -> str:
        raise NotImplementedError

    def deliverable_url(self) -> str:
        raise NotImplementedError

    def check_submittable(self) -> None:
        """Raise WorkflowError with a French message when the content cannot be submitted yet."""

    def submission_checklist(self) -> list:
        """What is missing before submitting (`core.checklists.ChecklistItem`s): blocking items are
        refused by `check_submittable`, advisory ones are shown as warnings. None by default."""
        return []

    def check_validatable(self, deliverable) -> None:
        """Raise WorkflowError with a French message when GBM cannot validate `deliverable` (the submitted version)
        yet, e.g. while the commune has not approved that version."""

    def validation_waits_for(self, deliverable) -> str:
        """What `deliverable` (the submitted version) waits for before GBM may validate it, in French (« l'approbation
        du conseil municipal »); '' when GBM may validate it now. The same rule as the kind's registered
        `waits_for` (core.deliverables.registry), row by row."""
        return ""

    def after_validation(self) -> None:
        """Called inside the validation transaction, e.g. to move the accompaniment to its next phase."""

    def after_return(self) -> None:
        """Called inside the transaction that sends a version back, e.g. to clear that version's approval."""

    # State -----------------------------------------------------------------------------------------
    @property
    def is_visible_to_elus(self) -> bool:
        """Élus never see a draft: only submitted or validated content."""
        return self.workflow_status in {WorkflowStatus.SUBMITTED, WorkflowStatus.VALIDATED}

    @property
    def awaits_validation(self) -> bool:
        """A submitted version awaits GBM: its content is locked until GBM validates it or sends it back."""
        return self.workflow_status == WorkflowStatus.SUBMITTED

    @property
    def is_validated(self) -> bool:
        """The current content is a validated version: saving an edit prepares the next one."""
        return self.workflow_status == WorkflowStatus.VALIDATED

    @property
    def is_submittable_state(self) -> bool:
        """A draft, or a version sent back for corrections, may be submitted (the content may still be refused)."""
        return self.workflow_status in {WorkflowStatus.DRAFT, WorkflowStatus.RETURNED}

    def check_editable(self) -> None:
        """Raise ContentLocked while a submitted version awaits validation."""
        if self.awaits_validation:
            raise ContentLocked()

    def mark_edited(self) -> None:
        """Editing validated content starts the next version (the frozen PDF never changes)."""
        self.check_editable()
        if self.workflow_status == WorkflowStatus.VALIDATED:
            self.workflow_status = WorkflowStatus.DRAFT


class DeliverableQuerySet(RoleScopedQuerySet):
    def for_elu(self, user):
        """An élu sees the validated deliverables of their commune and the validated workshop reports (a report's
        PDF is downloaded only by the élus whose commune took part: `access.can_download_frozen_versions`)."""
        return self.filter(status=Deliverable.Status.VALIDATED).filter(
            Q(commune_id=user.commune_id) | Q(commune__isnull=True, kind=Deliverable.Kind.WORKSHOP_REPORT)
        )

    def for_subject(self, subject):
        return self.filter(content_type=ContentType.objects.get_for_model(subject), object_id=subject.pk)

    def awaiting_validation(self):
        return self.filter(status=Deliverable.Status.SUBMITTED)

    def late_for_validation(self, today: datetime.date, due_days: int):
        """Versions awaiting validation for more than `due_days` days on `today` (the programme's
        `validation_due_days`): submitted before the start of the day `due_days` days ago. The same rule as
        `Deliverable.validation_lateness_on()`."""
        return self.awaiting_validation().filter(
            submitted_at__lt=start_of_day(today - datetime.timedelta(days=due_days))
        )

    def with_validation_due_days(self):
        """Each row carries the current programme's `validation_due_days` (a subquery, no query of its own), which
        `Deliverable.validation_lateness` needs."""
        return self.annotate(validation_due_days=threshold_expression("validation_due_days"))

    def validated(self):
        return self.filter(status=Deliverable.Status.VALIDATED)


def frozen_pdf_path(deliverable, filename):
    return f"livrables/{deliverable.kind}/{deliverable.object_id}/v{deliverable.version}-{deliverable.sha256[:12]}.pdf"


class Deliverable(models.Model):
    """One submitted version of a deliverable; once validated, its PDF is frozen (file + SHA-256) for good.

    Every submission is a new version, with the SHA-256 of the content submitted: GBM validates that content or
    nothing. A frozen version may be re-issued by GBM (e.g. when a person it names is erased or withdraws consent):
    the new version is frozen the same way and the old one is withdrawn from download, its file deleted, its hash
    and dates kept for the record.
    """

    class Kind(models.TextChoices):
        DIAGNOSTIC = "diagnostic", "Synthèse du diagnostic"
        ACTION_PLAN = "plan_actions", "Plan d'actions du projet alimentaire communal"
        ATTENDANCE_SHEET = "emargement", "Feuille d'émargement"
        WORKSHOP_REPORT = "compte_rendu_atelier", "Compte rendu d'atelier"
        SUPPORT_SHEET = "fiche_suivi", "Fiche de suivi et d'évaluation"

    class Status(models.TextChoices):
        SUBMITTED = "soumis", "Soumis à validation"
        RETURNED = "renvoye", "Renvoyé pour corrections"
        VALIDATED = "valide", "Validé"
        WITHDRAWN = "retire", "Retiré (réédité)"

    kind = models.CharField("livrable", max_length=30, choices=Kind.choices)
    content_type = models.ForeignKey("contenttypes.ContentType", on_delete=models.PROTECT)
    object_id = models.PositiveBigIntegerField()
    subject = GenericForeignKey("content_type", "object_id")
    commune = models.ForeignKey(
        "communes.Commune", verbose_name="commune", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    title = models.CharField("intitulé", max_length=300)
    version = models.PositiveIntegerField("version")
    status = models.CharField("statut", max_length=20, choices=Status.choices, default=Status.SUBMITTED)
    submitted_by = models.ForeignKey(User, verbose_name="soumis par", on_delete=models.PROTECT, related_name="+")
    submitted_at = models.DateTimeField("soumis le")
    reviewed_by = models.ForeignKey(
        User, verbose_name="examiné par", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    reviewed_at = models.DateTimeField("examiné le", null=True, blank=True)
    review_comment = models.TextField(
        "commentaire de GBM", blank=True, max_length=5000, validators=[MaxLengthValidator(5000)]
    )
    pdf = models.FileField("PDF figé", upload_to=frozen_pdf_path, blank=True)
    sha256 = models.CharField("empreinte SHA-256", max_length=64, blank=True)
    pdf_size = models.PositiveIntegerField("taille (octets)", null=True, blank=True)
    content_sha256 = models.CharField(
        "empreinte du contenu soumis",
        max_length=64,
        blank=True,
        help_text="SHA-256 du contenu au moment de la soumission : seul ce contenu peut être validé.",
    )
    reissue_of = models.OneToOneField(
        "self",
        verbose_name="réédition de",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="reissued_as",
    )
    withdrawn_at = models.DateTimeField("retiré le", null=True, blank=True)
    withdrawn_by = models.ForeignKey(
        User, verbose_name="retiré par", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    withdrawal_reason = models.CharField("motif du retrait", max_length=500, blank=True)

    history = HistoricalRecords()
    objects = DeliverableQuerySet.as_manager()

    class Meta:
        verbose_name = "livrable"
        verbose_name_plural = "livrables"
        ordering = ["-submitted_at"]
        constraints = [
            models.UniqueConstraint(fields=["content_type", "object_id", "version"], name="deliverable_unique_version")
        ]
        indexes = [
            models.Index(fields=["content_type", "object_id"], name="deliverable_subject_idx"),
            models.Index(fields=["status", "submitted_at"], name="deliverable_status_idx"),
            models.Index(fields=["commune", "status"], name="deliverable_commune_idx"),
        ]

    def __str__(self):
        return f"{self.title} — version {self.version}"

    @property
    def is_frozen(self) -> bool:
        """A validated version whose PDF is stored and may be downloaded (a withdrawn one is not)."""
        return self.status == self.Status.VALIDATED and bool(self.sha256)

    @property
    def frozen_file_pending(self) -> bool:
        """Validated, its PDF/A still being laid out by the task worker (issue 19)."""
        return self.status == self.Status.VALIDATED and not self.sha256

    @property
    def is_withdrawn(self) -> bool:
        return self.status == self.Status.WITHDRAWN

    # Waiting for validation (issue 16) ----------------------------------------------------------------------------
    @property
    def ready_for_gbm_at(self) -> datetime.datetime:
        """When the version became GBM's to validate: its submission, or on a row of
        `core.deliverables.with_ready_at()` the approval it waited for (an action plan's council)."""
        return getattr(self, "ready_at", None) or self.submitted_at

    @property
    def is_gbms_to_validate(self) -> bool:
        """Submitted and not waiting for another approval (on a row of `with_ready_at()`; else: submitted)."""
        return self.status == self.Status.SUBMITTED and not getattr(self, "awaits_other_approval", False)

    def days_waiting(self, today: datetime.date) -> int | None:
        """Whole days (local calendar days) that a version awaiting validation has been GBM's to validate; None
        otherwise, and while it waits for another approval."""
        if not self.is_gbms_to_validate:
            return None
        return (today - timezone.localdate(self.ready_for_gbm_at)).days

    def validation_lateness_on(self, today: datetime.date, due_days: int) -> Lateness | None:
        """Late when GBM's to validate for more than `due_days` days (the programme's `validation_due_days`);
        counted from the due day. The same rule as `DeliverableQuerySet.late_for_validation()`."""
        if not self.is_gbms_to_validate:
            return None
        return Lateness.after(timezone.localdate(self.ready_for_gbm_at) + datetime.timedelta(days=due_days), today)

    @property
    def waiting_days(self) -> int | None:
        """Today's `days_waiting`, for templates."""
        return self.days_waiting(timezone.localdate())

    @property
    def validation_lateness(self) -> Lateness | None:
        """Today's lateness, on a row of `with_validation_due_days()`."""
        if not hasattr(self, "validation_due_days"):
            raise ImproperlyConfigured("Fetch deliverables with_validation_due_days() to show their lateness.")
        return self.validation_lateness_on(timezone.localdate(), self.validation_due_days)

    def integrity_ok(self) -> bool:
        """True when the stored file still has the hash recorded at validation."""
        if not self.is_frozen:
            return False
        with self.pdf.open("rb") as handle:
            return hashlib.sha256(handle.read()).hexdigest() == self.sha256
