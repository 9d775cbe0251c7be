"""The deliverable workflow, one package with one entry point: other packages import from `core.deliverables` only,
never from its modules (an import-linter contract checks it).

A request for a deliverable's PDF goes: the page's view → `document_response` (downloads) → the frozen file, or the
working draft rendered by the subject's registered renderer (registry) through `core.pdf`. Inside:

- `workflow`: submit a version → validate and freeze it as PDF/A, or send it back; re-issue frozen versions;
- `registry`: what each kind of deliverable plugs in at start-up (its PDF, the content hashed, its audience, the
  people its PDF names);
- `downloads`: which file a download hands out (the validated version, or the working draft) and its name;
- `views` and `urls`: the workflow's pages (list, submit, validate, send back, frozen PDF, re-issue) and the lock
  refusal that the domains' edit pages share.

The kernel's access rules (`core.access`) read the registry's audience directly: the workflow needs those rules, so
going through this module would make the two import each other.
"""

from core.deliverables.downloads import (
    document_response,
    frozen_file_response,
    latest_frozen,
    validated_document_response,
    versions_seen,
    working_draft_response,
)
from core.deliverables.registry import (
    awaiting_other_approval,
    content_sha256,
    deliverable_type,
    register_deliverable,
    registered_types,
    render_deliverable,
    row_content,
    to_validate_now,
    with_ready_at,
)
from core.deliverables.urls import urlpatterns
from core.deliverables.views import refuse_locked_edit
from core.deliverables.workflow import (
    frozen_versions_carrying,
    lock_for_edit,
    reissue_deliverable,
    reissue_versions,
    return_deliverable,
    submit_deliverable,
    validate_deliverable,
    validation_refusal,
)
from core.models import LOCKED_MESSAGE, ContentLocked, WorkflowError
from core.tasks import store_frozen_pdf

__all__ = [
    "LOCKED_MESSAGE",
    "ContentLocked",
    "WorkflowError",
    "awaiting_other_approval",
    "content_sha256",
    "deliverable_type",
    "document_response",
    "frozen_file_response",
    "frozen_versions_carrying",
    "latest_frozen",
    "lock_for_edit",
    "refuse_locked_edit",
    "register_deliverable",
    "registered_types",
    "reissue_deliverable",
    "reissue_versions",
    "render_deliverable",
    "return_deliverable",
    "row_content",
    "store_frozen_pdf",
    "submit_deliverable",
    "to_validate_now",
    "urlpatterns",
    "validate_deliverable",
    "validated_document_response",
    "validation_refusal",
    "versions_seen",
    "with_ready_at",
    "working_draft_response",
]
