from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator
from django.db import models, transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from simple_history.models import HistoricalRecords

from core.concurrency import VersionedModel, save_versioned
from core.french import de
from core.models import Deliverable
from core.querysets import CommuneScopedQuerySet
from missions.programme.choices import Mission


def _validated(kind: str, subject: str) -> Exists:
    """A validated (frozen) version of the accompaniment's `subject` ("diagnostic" or "action_plan") exists."""
    return Exists(Deliverable.objects.validated().filter(kind=kind, object_id=OuterRef(f"{subject}__pk")))


class AccompanimentQuerySet(CommuneScopedQuerySet):
    """Each row belongs to a commune: visibility follows it (see CommuneScopedQuerySet)."""

    def with_validated_diagnostic(self):
        """A version of the diagnostic was validated by GBM (a frozen synthesis exists)."""
        return self.filter(_validated(Deliverable.Kind.DIAGNOSTIC, "diagnostic"))

    def with_approved_plan(self):
        """The commune's council approved its action plan (or GBM validated a version, which follows approval)."""
        return self.filter(
            Q(action_plan__approved_at__isnull=False) | _validated(Deliverable.Kind.ACTION_PLAN, "action_plan")
        )

    def with_validated_plan(self):
        """A version of the action plan was validated by GBM (a frozen plan exists)."""
        return self.filter(_validated(Deliverable.Kind.ACTION_PLAN, "action_plan"))

    def counting_as_new_project(self):
        """Counts toward "at least 4 new communal food projects": a new commune (cohort "nouvelle") whose
        diagnostic was validated and whose action plan, approved by the council, was validated by GBM. Enrolling
        a commune, or having a draft plan, does not count."""
        return self.filter(cohort=Accompaniment.Cohort.NEW).with_validated_diagnostic().with_validated_plan()


class Accompaniment(VersionedModel):
    """Mission 1: one commune accompanied in one programme, from identification to closure."""

    class Cohort(models.TextChoices):
        NEW = "nouvelle", "Nouvelle commune"
        CONTINUING = "deja_engagee", "Commune déjà engagée"
        EXTRA = "supplementaire", "Commune supplémentaire (bon de commande)"

    class Phase(models.TextChoices):
        IDENTIFIED = "identifiee", "Identifiée"
        DIAGNOSTIC = "diagnostic", "Diagnostic"
        ACTION_PLAN = "plan_actions", "Plan d'actions"
        IMPLEMENTATION = "mise_en_oeuvre", "Mise en œuvre"
        CLOSED = "cloturee", "Clôturée"

    programme = models.ForeignKey(
        "missions.Programme", verbose_name="programme", on_delete=models.PROTECT, related_name="accompaniments"
    )
    commune = models.ForeignKey(
        "communes.Commune", verbose_name="commune", on_delete=models.PROTECT, related_name="accompaniments"
    )
    cohort = models.CharField("cohorte", max_length=20, choices=Cohort.choices)
    phase = models.CharField("phase", max_length=20, choices=Phase.choices, default=Phase.IDENTIFIED)
    lead_consultant = models.ForeignKey(
        "pat_portal.User",
        verbose_name="consultant·e référent·e",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="led_accompaniments",
        limit_choices_to={"role": "consultant", "is_active": True},
    )
    gbm_referent = models.ForeignKey(
        "pat_portal.User",
        verbose_name="référent·e GBM",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="referent_accompaniments",
        limit_choices_to={"role": "gbm", "is_active": True},
    )
    elected_referent = models.ForeignKey(
        "communes.Contact",
        verbose_name="élu·e référent·e",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="referent_accompaniments",
    )
    started_on = models.DateField("début de l'accompagnement", default=timezone.localdate)
    closed_on = models.DateField("clôture", null=True, blank=True)
    notes = models.TextField("notes", blank=True, max_length=5000, validators=[MaxLengthValidator(5000)])
    order_form = models.ForeignKey(
        "missions.OrderForm",
        verbose_name="bon de commande",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="accompaniments",
        limit_choices_to={"mission": 1},
        help_text="Obligatoire pour une commune supplémentaire : le bon de commande de Mission 1 de cette commune.",
    )

    history = HistoricalRecords()
    objects = AccompanimentQuerySet.as_manager()

    class Meta:
        verbose_name = "accompagnement communal"
        verbose_name_plural = "accompagnements communaux"
        ordering = ["commune__name"]
        constraints = [
            models.UniqueConstraint(fields=["programme", "commune"], name="accompaniment_unique_per_programme")
        ]
        indexes = [
            models.Index(fields=["cohort"], name="accompaniment_cohort_idx"),
            models.Index(fields=["phase"], name="accompaniment_phase_idx"),
        ]

    def __str__(self):
        return f"Accompagnement {de(self.commune)}"

    def get_absolute_url(self):
        return self.commune.get_absolute_url()

    def clean(self):
        super().clean()
        self.check_extra_commune_order_form()

    def check_extra_commune_order_form(self) -> None:
        """Extra communes enter Mission 1 only through an order form: issued, Mission 1, same commune and programme.

        Raise ValidationError on the accompaniment's `order_form` field (French) when the rule is broken.
        """
        order_form = self.order_form if self.order_form_id else None
        if order_form is None:
            if self.cohort == self.Cohort.EXTRA:
                raise ValidationError(
                    {
                        "order_form": "Une commune supplémentaire entre en Mission 1 par un bon de commande : "
                        "choisissez le bon de commande de Mission 1 de cette commune."
                    }
                )
            return
        problems = []
        if order_form.mission != Mission.COMMUNES:
            problems.append("ce bon de commande ne porte pas sur la Mission 1")
        if self.commune_id and order_form.commune_id != self.commune_id:
            problems.append(f"ce bon de commande ne concerne pas {self.commune}")
        if self.programme_id and order_form.programme_id != self.programme_id:
            problems.append("ce bon de commande relève d'un autre programme")
        if order_form.is_draft:
            problems.append("ce bon de commande est encore un brouillon : il doit être émis")
        if problems:
            message = "; ".join(problems)
            raise ValidationError({"order_form": message[0].upper() + message[1:] + "."})

    PHASE_ORDER = [Phase.IDENTIFIED, Phase.DIAGNOSTIC, Phase.ACTION_PLAN, Phase.IMPLEMENTATION, Phase.CLOSED]

    def advance_to(self, phase: str) -> bool:
        """Move forward to `phase` if the accompaniment is behind it (never backwards); True if it moved.

        One version up: an accompaniment form opened before, showing the earlier phase, cannot write it back.
        """
        if self.PHASE_ORDER.index(phase) <= self.PHASE_ORDER.index(self.phase):
            return False
        with transaction.atomic():
            current = type(self)._base_manager.select_for_update().get(pk=self.pk)
            if self.PHASE_ORDER.index(phase) <= self.PHASE_ORDER.index(current.phase):
                return False
            self.phase = phase
            save_versioned(self, current.lock_version, update_fields=["phase"])
        return True
