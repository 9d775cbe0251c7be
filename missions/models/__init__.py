from .accompaniments import Accompaniment
from .action_plans import Action, ActionPlan, FundingSource, Indicator, IndicatorValue, ProgressNote
from .choices import ActionTheme
from .diagnostics import ActionLead, Diagnostic, SharedFinding, Stake
from .meetings import HEADCOUNT_FIELDS, Meeting, MeetingParticipant
from .orders import Mission, OrderForm, OrderFormStatusChange, OrderLine, VatRate
from .programme import Programme
from .support import (
    FinancingLine,
    StepDocument,
    SupportPriorityWeights,
    SupportRequest,
    SupportRequestEvent,
    SupportStep,
)
from .time import TimeEntry, TimeMonthLock

__all__ = [
    "HEADCOUNT_FIELDS",
    "Accompaniment",
    "Action",
    "ActionPlan",
    "FundingSource",
    "Indicator",
    "IndicatorValue",
    "ProgressNote",
    "ActionLead",
    "ActionTheme",
    "Diagnostic",
    "Meeting",
    "MeetingParticipant",
    "Programme",
    "SharedFinding",
    "Stake",
    "FinancingLine",
    "StepDocument",
    "SupportPriorityWeights",
    "SupportRequest",
    "SupportRequestEvent",
    "SupportStep",
    "Mission",
    "OrderForm",
    "OrderFormStatusChange",
    "OrderLine",
    "VatRate",
    "TimeEntry",
    "TimeMonthLock",
]
