"""What each kind of deliverable plugs into the kernel's workflow at start-up (`AppConfig.ready()`).

The workflow (`core.deliverables.workflow`) is the same for every deliverable, but a diagnostic's, an action
plan's or a workshop report's PDF is built by its domain, which the kernel may not import. Each domain registers
its kinds instead, as the commune hub's sections are registered:

    register_deliverable(Diagnostic, render=render_diagnostic_pdf, content=diagnostic_content)

- `render(subject, *, deliverable=None) -> bytes`: the PDF; `deliverable` is the version being frozen (PDF/A);
- `content(subject) -> JSON-ready data`: what was written, hashed at submission (validation refuses a version
  whose content changed since); bookkeeping (edit counters, timestamps, workflow status) and the personal details
  that follow consent live are left out;
- `audience(user, subject) -> bool` (optional): who may download the frozen versions, on top of
  `Deliverable.objects.visible_to` — the same rule as the live page or list the PDF freezes;
- `carrying(contact) -> subject ids` (optional): the subjects whose PDF shows this person (name or contact
  details), so that their frozen versions are re-issued when the person is erased or withdraws consent;
- `waits_for() -> Q` (optional): on `Deliverable` rows of the kind, true while a submitted version waits for
  someone else's approval before GBM may validate it (an action plan: its municipal council), with
  `ready_since() -> expression`, the moment it became GBM's to validate (GBM's validation delay runs from there).

« À valider » lists only what GBM can validate now (`to_validate_now`); what waits for another approval is shown
as such (`awaiting_other_approval`), and its delay does not run for GBM (`with_ready_at`).
"""

import hashlib
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.core.exceptions import ImproperlyConfigured
from django.db.models import BooleanField, Case, ExpressionWrapper, F, Q, QuerySet, Value, When
from django.db.models.functions import Coalesce

from core.models import Deliverable

# Fields that record how a row was edited, not what it says.
BOOKKEEPING_FIELDS = frozenset({"lock_version", "workflow_status"})


@dataclass(frozen=True)
class DeliverableType:
    kind: str
    model: type | None
    render: Callable[..., bytes]
    content: Callable[[object], object]
    audience: Callable[[object, object], bool] | None = None
    carrying: Callable[[object], Iterable[int]] | None = None
    waits_for: Callable[[], Q] | None = None
    ready_since: Callable[[], object] | None = None


_types: dict[str, DeliverableType] = {}


def register_deliverable(
    model_or_kind, *, render, content, audience=None, carrying=None, waits_for=None, ready_since=None
) -> None:
    """Register how a kind of deliverable is rendered, hashed, downloaded and traced to the people it names, and
    what its submitted versions may wait for before GBM validates them."""
    model = None if isinstance(model_or_kind, str) else model_or_kind
    kind = model_or_kind if model is None else model.deliverable_kind
    _types[kind] = DeliverableType(kind, model, render, content, audience, carrying, waits_for, ready_since)


def deliverable_type(kind_or_subject) -> DeliverableType:
    kind = kind_or_subject if isinstance(kind_or_subject, str) else kind_or_subject.deliverable_kind
    try:
        return _types[kind]
    except KeyError:
        raise ImproperlyConfigured(
            f"No deliverable registered for {kind!r}: register it in its app's AppConfig.ready()."
        ) from None


def registered_types() -> list[DeliverableType]:
    return list(_types.values())


def render_deliverable(subject, *, deliverable=None) -> bytes:
    """The PDF of the subject's current content; archival PDF/A when `deliverable` (the version frozen) is given."""
    return deliverable_type(subject).render(subject, deliverable=deliverable)


def content_sha256(subject) -> str:
    """SHA-256 of the subject's content as its domain declares it, in a canonical JSON form."""
    data = deliverable_type(subject).content(subject)
    canonical = json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def row_content(instance, *, exclude: Iterable[str] = ()) -> dict:
    """A row's concrete field values as strings (foreign keys as ids), bookkeeping and automatic dates left out."""
    excluded = BOOKKEEPING_FIELDS | set(exclude)
    return {
        field.attname: field.value_to_string(instance)
        for field in instance._meta.concrete_fields
        if field.name not in excluded
        and not getattr(field, "auto_now", False)
        and not getattr(field, "auto_now_add", False)
    }


def audience_allows(user, subject) -> bool:
    """Whether the subject's frozen versions may be downloaded by `user` (True when its kind sets no audience)."""
    audience = deliverable_type(subject).audience
    return True if audience is None else bool(audience(user, subject))


# What GBM can validate now ------------------------------------------------------------------------------------
def _waiting_elsewhere() -> Q | None:
    """Rows whose submitted version waits for another approval (None when no kind declares one)."""
    conditions = [Q(kind=item.kind) & item.waits_for() for item in _types.values() if item.waits_for is not None]
    if not conditions:
        return None
    condition = conditions[0]
    for other in conditions[1:]:
        condition |= other
    return condition


def to_validate_now(deliverables: QuerySet) -> QuerySet:
    """The submitted versions GBM can validate now: « À valider » on every page (homes, hub, dashboard, report,
    navigation) is this queryset; a version waiting for another approval (an action plan for its council) is not
    in it."""
    waiting = _waiting_elsewhere()
    awaiting = deliverables.awaiting_validation()
    return awaiting if waiting is None else awaiting.exclude(waiting)


def awaiting_other_approval(deliverables: QuerySet) -> QuerySet:
    """The submitted versions that wait for another approval before GBM's (shown as such, never « à valider »)."""
    waiting = _waiting_elsewhere()
    awaiting = deliverables.awaiting_validation()
    return awaiting.none() if waiting is None else awaiting.filter(waiting)


def with_ready_at(deliverables: QuerySet) -> QuerySet:
    """Each row gets `ready_at`: when it became GBM's to validate (its submission, or for a kind that waits for
    another approval, that approval), and `awaits_other_approval` (it is not GBM's yet). `Deliverable.days_waiting`
    and the validation delay count from `ready_at`, and do not run while another approval is awaited."""
    whens = [
        When(kind=item.kind, then=Coalesce(item.ready_since(), F("submitted_at")))
        for item in _types.values()
        if item.ready_since is not None
    ]
    waiting = _waiting_elsewhere()
    return deliverables.annotate(
        ready_at=Case(*whens, default=F("submitted_at")) if whens else F("submitted_at"),
        awaits_other_approval=ExpressionWrapper(
            Q(status=Deliverable.Status.SUBMITTED) & waiting, output_field=BooleanField()
        )
        if waiting is not None
        else Value(False),
    )
