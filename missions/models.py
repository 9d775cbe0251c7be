"""The missions app's models module, for Django only: it imports each domain's models so that the app registers
them. Code imports a model from its domain (missions.mission1, missions.support, missions.money, missions.programme),
never from here (import-linter checks it).
"""

from missions.mission1.models.accompaniments import Accompaniment
from missions.mission1.models.action_plans import (
    Action,
    ActionPlan,
    FundingSource,
    Indicator,
    IndicatorValue,
    ProgressNote,
)
from missions.mission1.models.diagnostics import ActionLead, Diagnostic, DiagnosticFigure, SharedFinding, Stake
from missions.mission1.models.meetings import HEADCOUNT_FIELDS, Meeting, MeetingParticipant
from missions.mission1.models.share_links import PlanShareLink
from missions.money.models.orders import Mission, OrderForm, OrderFormStatusChange, OrderLine, VatRate
from missions.money.models.prices import PriceListItem
from missions.money.models.time import LineConsumption, TimeEntry, TimeMonthLock
from missions.programme.choices import ActionTheme
from missions.programme.models import Programme
from missions.support.models.financing import FinancingLine
from missions.support.models.priority import SupportPriorityWeights
from missions.support.models.requests import SupportRequest, SupportRequestEvent
from missions.support.models.steps import StepDocument, SupportStep

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
    "DiagnosticFigure",
    "Meeting",
    "MeetingParticipant",
    "PlanShareLink",
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
    "PriceListItem",
    "VatRate",
    "LineConsumption",
    "TimeEntry",
    "TimeMonthLock",
]
