"""Read-only links to a commune's action plan, for its municipal council (people without an account).

The link carries a long random token (`secrets.token_urlsafe(32)`, 256 bits) shown once, when it is created; only its
SHA-256 is stored, so that the database (or a backup of it) never holds a working link. A link works until its expiry
date (included) unless revoked; every view is counted and the last one dated.
"""

import datetime
import hashlib
import re
import secrets

from django.db import models
from django.db.models import F
from django.utils import timezone

from core.models import WorkflowError, WorkflowStatus
from core.querysets import RoleScopedQuerySet
from missions.mission1.models.action_plans import ActionPlan

DEFAULT_VALIDITY_DAYS = 30
MAX_VALIDITY_DAYS = 366
TOKEN_PATTERN = re.compile(r"[A-Za-z0-9_-]{43}")


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class PlanShareLinkQuerySet(RoleScopedQuerySet):
    def for_elu(self, user):
        """An élu sees the links to their own commune's plan."""
        return self.filter(plan__accompaniment__commune_id=user.commune_id)

    def for_token(self, token: str):
        """The link a token opens (none for a malformed token), looked up by the token's hash."""
        if not TOKEN_PATTERN.fullmatch(token or ""):
            return self.none()
        return self.filter(token_sha256=token_digest(token))


def plan_share_links(plan: ActionPlan, user) -> list:
    """The links to `plan` that `user` may see, with who created and who revoked them (one query)."""
    return list(PlanShareLink.objects.visible_to(user).filter(plan=plan).select_related("created_by", "revoked_by"))


def plan_is_shareable(plan: ActionPlan) -> bool:
    """A council reads a plan the commune approved or GBM validated: its content is then a version on record
    (locked while submitted, frozen once validated). A draft, or a plan being revised after validation, is not
    shown through a link."""
    return plan.workflow_status == WorkflowStatus.VALIDATED or (
        plan.workflow_status == WorkflowStatus.SUBMITTED and plan.is_approved
    )


def shared_lead(action) -> str:
    """An action's lead as a share link shows it: a contact's name only if they consented to share their details
    (otherwise their organisation), never their e-mail or phone."""
    contact = action.lead_contact
    if contact is not None:
        if contact.consent_to_share and not contact.anonymised_at:
            return action.lead_display
        return contact.organisation or action.lead_organisation
    return action.lead_organisation


class PlanShareLink(models.Model):
    plan = models.ForeignKey(
        ActionPlan, verbose_name="plan d'actions", on_delete=models.CASCADE, related_name="share_links"
    )
    token_sha256 = models.CharField("empreinte du jeton", max_length=64, unique=True, editable=False)
    created_by = models.ForeignKey(
        "pat_portal.User", verbose_name="créé par", on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField("créé le", default=timezone.now, editable=False)
    expires_on = models.DateField("valable jusqu'au")
    revoked_at = models.DateTimeField("désactivé le", null=True, blank=True)
    revoked_by = models.ForeignKey(
        "pat_portal.User",
        verbose_name="désactivé par",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    view_count = models.PositiveIntegerField("consultations", default=0, editable=False)
    last_viewed_at = models.DateTimeField("dernière consultation", null=True, blank=True, editable=False)

    objects = PlanShareLinkQuerySet.as_manager()

    class Meta:
        verbose_name = "lien de partage du plan d'actions"
        verbose_name_plural = "liens de partage des plans d'actions"
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        return f"Lien de partage du {self.plan} (jusqu'au {self.expires_on:%d/%m/%Y})"

    @classmethod
    def default_expiry(cls, today: datetime.date | None = None) -> datetime.date:
        return (today or timezone.localdate()) + datetime.timedelta(days=DEFAULT_VALIDITY_DAYS)

    @classmethod
    def create_for(cls, plan: ActionPlan, *, by, expires_on: datetime.date) -> tuple["PlanShareLink", str]:
        """A new link to `plan` and its token (the only time the token exists outside the person's hands)."""
        if not plan_is_shareable(plan):
            raise WorkflowError(
                "Seul un plan approuvé par la commune ou validé par GBM peut être partagé avec le conseil municipal."
            )
        token = secrets.token_urlsafe(32)
        link = cls.objects.create(plan=plan, token_sha256=token_digest(token), created_by=by, expires_on=expires_on)
        return link, token

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None

    @property
    def is_expired(self) -> bool:
        return timezone.localdate() > self.expires_on

    @property
    def is_active(self) -> bool:
        return not self.is_revoked and not self.is_expired

    def revoke(self, *, by) -> None:
        """Turn the link off for good (the person who shared it, or GBM); refused when already off."""
        if self.is_revoked:
            raise WorkflowError("Ce lien est déjà désactivé.")
        self.revoked_at = timezone.now()
        self.revoked_by = by
        self.save(update_fields=["revoked_at", "revoked_by"])

    def record_view(self) -> None:
        """One more view, counted in the database (two simultaneous views both count)."""
        now = timezone.now()
        type(self).objects.filter(pk=self.pk).update(view_count=F("view_count") + 1, last_viewed_at=now)
        self.view_count += 1
        self.last_viewed_at = now


def revoke_links_of(sender, user, by=None, **kwargs) -> int:
    """`core.accounts.account_ended`: the links an ended account created stop working (revoked by whoever ended the
    account, or by the account itself when its end date passed)."""
    return PlanShareLink.objects.filter(created_by=user, revoked_at__isnull=True).update(
        revoked_at=timezone.now(), revoked_by=by or user
    )
