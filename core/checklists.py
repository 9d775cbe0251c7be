"""What is missing before a deliverable is submitted: blocking items refuse the submission, advisory items warn.

A subject lists its items in `submission_checklist()` (a model method: the rule lives with the content it checks);
its `check_submittable()` hook, which the workflow calls under lock, refuses the blocking ones with
`refuse_blocking`, and the submit view shows the advisory ones as warnings once the version is submitted. The
deliverable panel shows the whole list beside the submit button, before anyone clicks.
"""

from dataclasses import dataclass

from core.models import WorkflowError


@dataclass(frozen=True)
class ChecklistItem:
    """One thing missing: `message` in French; `blocking` refuses the submission, otherwise it only warns."""

    message: str
    blocking: bool = True

    @property
    def level_label(self) -> str:
        return "Bloquant" if self.blocking else "Conseillé"


def blocking(items: list[ChecklistItem]) -> list[ChecklistItem]:
    return [item for item in items if item.blocking]


def advisory(items: list[ChecklistItem]) -> list[ChecklistItem]:
    return [item for item in items if not item.blocking]


def refuse_blocking(items: list[ChecklistItem]) -> None:
    """Raise WorkflowError naming every blocking item (French), so that one refusal says all that is missing."""
    missing = blocking(items)
    if missing:
        raise WorkflowError(
            "La soumission est refusée : " + " ; ".join(item.message.rstrip(".") for item in missing) + "."
        )
