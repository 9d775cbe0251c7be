"""Mission 3's models, one module per subject: requests and their timeline (`requests`), the steps of a follow-up
and their documents (`steps`), the financing plan (`financing`), the weights of the priority criteria
(`priority`). The public names are re-exported here: `from missions.support.models import SupportRequest`.
"""

from missions.support.models.financing import FinancingLine
from missions.support.models.priority import SupportPriorityWeights
from missions.support.models.requests import SupportRequest, SupportRequestEvent, TransitionError
from missions.support.models.steps import StepDocument, SupportStep

__all__ = [
    "FinancingLine",
    "StepDocument",
    "SupportPriorityWeights",
    "SupportRequest",
    "SupportRequestEvent",
    "SupportStep",
    "TransitionError",
]
